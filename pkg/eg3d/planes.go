package eg3d

import (
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// planeAxes are the two world coordinates each triplane reads. EG3D quirk: the official renderer projects with
// the inverses of its plane_axes matrices, which yields (x,y), (x,z) and (z,x) — the third plane was meant to be
// (z,y). Reproduced as is, since trained weights depend on it.
var planeAxes = [3][2]int{{0, 1}, {0, 2}, {2, 0}}

// SamplePlanes reads the triplane features at world points [B, M, 3], as EG3D's sample_from_planes does:
// points are scaled by 2/boxWarp into the planes' [-1, 1] square and read with grid_sample (bilinear, zero
// padding, align_corners=False). planes is [B, 3*C, R, R] (plane-major channels); the result is
// [B, 3, M, C], one feature vector per plane.
func SamplePlanes(planes, points *Node, boxWarp float64) *Node {
	dims := planes.Shape().Dimensions
	b, r := dims[0], dims[2]
	c := dims[1] / 3
	// Channels last, all planes of all batch items in one table: row ((b*3+p)*R + y)*R + x.
	table := Reshape(TransposeAllAxes(Reshape(planes, b, 3, c, r, r), 0, 1, 3, 4, 2), b*3*r*r, c)
	g := planes.Graph()
	p := MulScalar(points, 2/boxWarp)
	var perPlane []*Node
	for pi, ax := range planeAxes {
		gx := SliceAxis(p, 2, AxisElem(ax[0])) // [B, M, 1]
		gy := SliceAxis(p, 2, AxisElem(ax[1]))
		ix := MulScalar(SubScalar(MulScalar(AddScalar(gx, 1), float64(r)), 1), 0.5)
		iy := MulScalar(SubScalar(MulScalar(AddScalar(gy, 1), float64(r)), 1), 0.5)
		// Floor has no gradient in GoMLX; its true derivative is zero almost everywhere.
		x0, y0 := StopGradient(Floor(ix)), StopGradient(Floor(iy))
		fx, fy := Sub(ix, x0), Sub(iy, y0)
		base := Reshape(MulScalar(Iota(g, shapes.Make(dtypes.Int32, b, 1, 1), 0), 3*r*r), b, 1, 1) // batch offset
		// The four bilinear taps are gathered in one op and summed with their weights in one reduction.
		var idx, weights []*Node
		for _, tap := range [4][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
			xi, yi := AddScalar(x0, float64(tap[0])), AddScalar(y0, float64(tap[1]))
			w := Mul(pick(fx, tap[0]), pick(fy, tap[1]))
			inside := And(insideRange(xi, r), insideRange(yi, r))
			weights = append(weights, Where(inside, w, ZerosLike(w)))
			xc := ConvertDType(ClipScalar(xi, 0, float64(r-1)), dtypes.Int32)
			yc := ConvertDType(ClipScalar(yi, 0, float64(r-1)), dtypes.Int32)
			idx = append(idx, Add(Add(base, ConstAsDType(g, dtypes.Int32, int32(pi*r*r))), Add(MulScalar(yc, float64(r)), xc)))
		}
		taps := gatherRows(table, ExpandAxes(Concatenate(idx, 2), -1)) // [B, M, 4, C]
		acc := ReduceSum(Mul(taps, ExpandAxes(Concatenate(weights, 2), -1)), 2)
		perPlane = append(perPlane, acc)
	}
	return Stack(perPlane, 1)
}

// pick returns the bilinear weight of the near (0) or far (1) tap for fractional offset f.
func pick(f *Node, tap int) *Node {
	if tap == 0 {
		return OneMinus(f)
	}
	return f
}

func insideRange(i *Node, r int) *Node {
	return And(GreaterOrEqual(i, ZerosLike(i)), LessOrEqual(i, AddScalar(ZerosLike(i), float64(r-1))))
}
