package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/pmvi/pmvi/pkg/backend"
)

// cpuBackend returns pmvi's CPU engine: the tests pick a backend, the package never does.
func cpuBackend(t testing.TB) backends.Backend {
	t.Helper()
	b, err := backend.NewWithConfig("cpu")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// randomTensor returns a float64 tensor of the given dims with values uniform in [-1, 1).
func randomTensor(rng *rand.Rand, dims ...int) *tensors.Tensor {
	values := make([]float64, shapes.Make(dtypes.Float64, dims...).Size())
	for i := range values {
		values[i] = 2*rng.Float64() - 1
	}
	return tensors.FromFlatDataAndDimensions(values, dims...)
}

func cloneTensor(t *tensors.Tensor) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(tensors.MustCopyFlatData[float64](t), t.Shape().Dimensions...)
}

func maxAbsDiff(a, b []float64) float64 {
	var d float64
	for i := range a {
		d = max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

// gradTolerance is the largest relative error accepted from finite differences in float64.
const gradTolerance = 1e-6

// gradientError compares the gradient GoMLX builds for fn at x against central finite differences, on the
// scalar loss Σ fn(x)·r for a fixed random r (so every output element's gradient path is exercised). It
// returns the largest error relative to the largest gradient magnitude.
func gradientError(b backends.Backend, rng *rand.Rand, fn func(x *Node) *Node, x *tensors.Tensor) float64 {
	r := randomTensor(rng, MustNewExec(b, fn).MustExec1(x).Shape().Dimensions...)
	lossFn := func(x *Node) *Node { return ReduceAllSum(Mul(fn(x), Const(x.Graph(), r))) }
	analytic := tensors.MustCopyFlatData[float64](MustNewExec(b, func(x *Node) *Node {
		return Gradient(lossFn(x), x)[0]
	}).MustExec1(x))
	lossExec := MustNewExec(b, lossFn)
	values := tensors.MustCopyFlatData[float64](x)
	eval := func(j int, v float64) float64 {
		saved := values[j]
		values[j] = v
		defer func() { values[j] = saved }()
		in := tensors.FromFlatDataAndDimensions(values, x.Shape().Dimensions...)
		return lossExec.MustExec1(in).Value().(float64)
	}
	const eps = 1e-4
	var maxErr, maxGrad float64
	for j, v := range values {
		numeric := (eval(j, v+eps) - eval(j, v-eps)) / (2 * eps)
		maxErr = max(maxErr, math.Abs(numeric-analytic[j]))
		maxGrad = max(maxGrad, math.Abs(numeric))
	}
	return maxErr / max(maxGrad, 1e-3)
}

func resize(b backends.Backend, x *tensors.Tensor, outH, outW int, antialias bool) []float64 {
	exec := MustNewExec(b, func(x *Node) *Node { return ResizeBilinear(x, outH, outW, antialias) })
	return tensors.MustCopyFlatData[float64](exec.MustExec1(x))
}

// TestResizeBilinearKnownValues checks values worked out by hand from PyTorch's definitions
// (upsample_bilinear2d and _upsample_bilinear2d_aa, align_corners=False) on a ramp.
func TestResizeBilinearKnownValues(t *testing.T) {
	b := cpuBackend(t)
	tests := []struct {
		in        []float64
		out       int
		antialias bool
		want      []float64
	}{
		// Downsample 4->2: source coordinates 0.5 and 2.5.
		{[]float64{0, 1, 2, 3}, 2, false, []float64{0.5, 2.5}},
		// Antialiased: triangle of half-width 2 centred at 1 and 3, weights (.75,.75,.25)/1.75 and mirrored.
		{[]float64{0, 1, 2, 3}, 2, true, []float64{5.0 / 7, 16.0 / 7}},
		// Upsample 2->4: source coordinates -0.25 (clamped to 0), 0.25, 0.75, 1.25 (right neighbour clamped).
		{[]float64{0, 1}, 4, false, []float64{0, 0.25, 0.75, 1}},
		{[]float64{0, 1}, 4, true, []float64{0, 0.25, 0.75, 1}},
		// Downsample 3->2 (scale 1.5): source coordinates 0.25 and 1.75.
		{[]float64{0, 10, 20}, 2, false, []float64{2.5, 17.5}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%v->%d aa=%v", tc.in, tc.out, tc.antialias), func(t *testing.T) {
			x := tensors.FromFlatDataAndDimensions(tc.in, 1, 1, 1, len(tc.in))
			got := resize(b, x, 1, tc.out, tc.antialias)
			for i := range tc.want {
				if math.Abs(got[i]-tc.want[i]) > 1e-12 {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
			// Same along H.
			xt := tensors.FromFlatDataAndDimensions(tc.in, 1, 1, len(tc.in), 1)
			got = resize(b, xt, tc.out, 1, tc.antialias)
			for i := range tc.want {
				if math.Abs(got[i]-tc.want[i]) > 1e-12 {
					t.Fatalf("along H: got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

// referenceResize1D resamples one line pixel by pixel with PyTorch's formulas.
func referenceResize1D(line []float64, out int, antialias bool) []float64 {
	in := len(line)
	scale := float64(in) / float64(out)
	res := make([]float64, out)
	for i := range res {
		if antialias && scale > 1 {
			center := scale * (float64(i) + 0.5)
			var sum, total float64
			for j := 0; j < in; j++ {
				if float64(j) < math.Trunc(center-scale+0.5) || float64(j) >= math.Trunc(center+scale+0.5) {
					continue
				}
				w := math.Max(0, 1-math.Abs(float64(j)+0.5-center)/scale)
				sum += w * line[j]
				total += w
			}
			res[i] = sum / total
			continue
		}
		src := math.Max(0, scale*(float64(i)+0.5)-0.5)
		i0 := int(math.Floor(src))
		i1 := i0 + 1
		if i1 > in-1 {
			i1 = in - 1
		}
		l := src - float64(i0)
		res[i] = (1-l)*line[i0] + l*line[i1]
	}
	return res
}

func TestResizeBilinearAgainstReference(t *testing.T) {
	b := cpuBackend(t)
	rng := rand.New(rand.NewPCG(12, 13))
	for range 20 {
		n, c := 1+rng.IntN(2), 1+rng.IntN(3)
		inH, inW := 1+rng.IntN(9), 1+rng.IntN(9)
		outH, outW := 1+rng.IntN(9), 1+rng.IntN(9)
		antialias := rng.IntN(2) == 0
		x := randomTensor(rng, n, c, inH, inW)
		values := tensors.MustCopyFlatData[float64](x)
		got := resize(b, x, outH, outW, antialias)
		for img := range n * c {
			// Separable reference: rows first, then columns.
			rows := make([][]float64, inH)
			for y := range inH {
				rows[y] = referenceResize1D(values[img*inH*inW+y*inW:img*inH*inW+(y+1)*inW], outW, antialias)
			}
			for xo := range outW {
				col := make([]float64, inH)
				for y := range inH {
					col[y] = rows[y][xo]
				}
				want := referenceResize1D(col, outH, antialias)
				for yo := range outH {
					if g := got[img*outH*outW+yo*outW+xo]; math.Abs(g-want[yo]) > 1e-12 {
						t.Fatalf("%dx%d -> %dx%d aa=%v: pixel (%d,%d) of image %d = %g, want %g",
							inH, inW, outH, outW, antialias, yo, xo, img, g, want[yo])
					}
				}
			}
		}
	}
}

// TestResizeBilinearMatchesInterpolate cross-checks the forward pass against GoMLX's own
// Interpolate(...).Bilinear() (half-pixel centres), an independent implementation.
func TestResizeBilinearMatchesInterpolate(t *testing.T) {
	b := cpuBackend(t)
	rng := rand.New(rand.NewPCG(14, 15))
	x := randomTensor(rng, 2, 3, 5, 7)
	for _, size := range [][2]int{{9, 4}, {3, 11}, {5, 7}} {
		got := resize(b, x, size[0], size[1], false)
		exec := MustNewExec(b, func(x *Node) *Node {
			return Interpolate(x, 2, 3, size[0], size[1]).Bilinear().Done()
		})
		want := tensors.MustCopyFlatData[float64](exec.MustExec1(cloneTensor(x)))
		if d := maxAbsDiff(got, want); d > 1e-12 {
			t.Errorf("size %v: differs from Interpolate by %g", size, d)
		}
	}
}

func TestResizeBilinearGradient(t *testing.T) {
	b := cpuBackend(t)
	rng := rand.New(rand.NewPCG(16, 17))
	for _, tc := range []struct {
		outH, outW int
		antialias  bool
	}{{3, 2, true}, {3, 2, false}, {9, 11, true}, {4, 11, false}} {
		t.Run(fmt.Sprint(tc), func(t *testing.T) {
			err := gradientError(b, rng, func(x *Node) *Node {
				return ResizeBilinear(x, tc.outH, tc.outW, tc.antialias)
			}, randomTensor(rng, 1, 2, 6, 5))
			if err > gradTolerance {
				t.Errorf("relative gradient error %.3g", err)
			}
		})
	}
}
