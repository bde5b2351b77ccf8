package lpips

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// refArea is adaptive average pooling of one H x W plane, pixel by pixel: output (i, j) averages the input
// rows floor(i·H/outH) .. ceil((i+1)·H/outH)-1 and the columns likewise.
func refArea(x []float64, h, w, outH, outW int) []float64 {
	out := make([]float64, outH*outW)
	for i := range outH {
		r0, r1 := i*h/outH, int(math.Ceil(float64((i+1)*h)/float64(outH)))
		for j := range outW {
			c0, c1 := j*w/outW, int(math.Ceil(float64((j+1)*w)/float64(outW)))
			var sum float64
			for r := r0; r < r1; r++ {
				for c := c0; c < c1; c++ {
					sum += x[r*w+c]
				}
			}
			out[i*outW+j] = sum / float64((r1-r0)*(c1-c0))
		}
	}
	return out
}

func TestResizeArea(t *testing.T) {
	b := testBackend(t)
	// Hand-computed: 4x4 iota to 2x2 is the mean of each 2x2 block.
	iota := make([]float64, 16)
	for i := range iota {
		iota[i] = float64(i)
	}
	got := MustExecOnce(b, func(x *Node) *Node { return ResizeArea(x, 2, 2) }, tensors.FromFlatDataAndDimensions(iota, 1, 1, 4, 4))
	if want := []float64{2.5, 4.5, 10.5, 12.5}; !slices.Equal(tensors.MustCopyFlatData[float64](got), want) {
		t.Errorf("4x4 iota to 2x2 = %v, want %v", tensors.MustCopyFlatData[float64](got), want)
	}

	rng := rand.New(rand.NewPCG(1, 1))
	for _, tc := range []struct{ h, w, outH, outW int }{
		{8, 8, 4, 4}, {7, 9, 3, 4}, {6, 10, 4, 10}, {5, 5, 5, 5}, {3, 4, 5, 7}, {512, 16, 256, 8},
	} {
		const n, c = 2, 3
		x := make([]float64, n*c*tc.h*tc.w)
		for i := range x {
			x[i] = rng.Float64()
		}
		out := tensors.MustCopyFlatData[float64](MustExecOnce(b, func(x *Node) *Node { return ResizeArea(x, tc.outH, tc.outW) },
			tensors.FromFlatDataAndDimensions(x, n, c, tc.h, tc.w)))
		plane := tc.outH * tc.outW
		for p := range n * c {
			want := refArea(x[p*tc.h*tc.w:(p+1)*tc.h*tc.w], tc.h, tc.w, tc.outH, tc.outW)
			for i, v := range want {
				if d := math.Abs(out[p*plane+i] - v); d > 1e-12 {
					t.Fatalf("%dx%d to %dx%d: plane %d pixel %d = %g, reference %g", tc.h, tc.w, tc.outH, tc.outW, p, i, out[p*plane+i], v)
				}
			}
		}
	}
}

// TestResizeAreaGradient checks the gradient of Σ r·ResizeArea(x) against the reference: pixel (y, x) gets
// Σ r(i, j) / (area of (i, j)) over the output pixels whose footprint holds it.
func TestResizeAreaGradient(t *testing.T) {
	b := testBackend(t)
	const h, w, outH, outW = 7, 6, 3, 4
	rng := rand.New(rand.NewPCG(2, 2))
	r := make([]float64, outH*outW)
	for i := range r {
		r[i] = rng.NormFloat64()
	}
	x := tensors.FromFlatDataAndDimensions(make([]float64, h*w), 1, 1, h, w)
	got := tensors.MustCopyFlatData[float64](MustExecOnce(b, func(x *Node) *Node {
		weights := Const(x.Graph(), tensors.FromFlatDataAndDimensions(r, 1, 1, outH, outW))
		return Gradient(ReduceAllSum(Mul(ResizeArea(x, outH, outW), weights)), x)[0]
	}, x))
	// The map is linear: its gradient is its transpose applied to r, column by column via unit inputs.
	for k := range h * w {
		unit := make([]float64, h*w)
		unit[k] = 1
		var want float64
		for i, v := range refArea(unit, h, w, outH, outW) {
			want += r[i] * v
		}
		if math.Abs(got[k]-want) > 1e-12 {
			t.Fatalf("gradient at pixel %d = %g, want %g", k, got[k], want)
		}
	}
}

func TestDownsample(t *testing.T) {
	b := testBackend(t)
	for _, tc := range []struct{ in, size, want int }{
		{512, ProjectorSize, 256}, {257, ProjectorSize, 256}, {256, ProjectorSize, 256}, {128, ProjectorSize, 128}, {64, 32, 32},
	} {
		var same bool
		out := MustExecOnce(b, func(x *Node) *Node {
			y := Downsample(x, tc.size)
			same = y == x
			return y
		}, tensors.FromShape(shapesOf(1, tc.in)))
		if dims := out.Shape().Dimensions; !slices.Equal(dims, []int{1, 3, tc.want, tc.want}) {
			t.Errorf("Downsample(%d, %d) shape %v, want side %d", tc.in, tc.size, dims, tc.want)
		}
		if same != (tc.in <= tc.size) {
			t.Errorf("Downsample(%d, %d) returned its input: %v", tc.in, tc.size, same)
		}
	}
}
