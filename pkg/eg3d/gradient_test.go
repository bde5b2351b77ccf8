package eg3d

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// weightsR is the fixtures' analytic weighting R[b,ch,y,x] = 0.5 + sin(6.2832x/W + 2.1ch + 0.3)·cos(9.4248y/H
// - 0.9ch), computed in float64 and rounded to float32.
func weightsR(ch, h, w int) *tensors.Tensor {
	r := make([]float32, ch*h*w)
	for c := 0; c < ch; c++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				r[(c*h+y)*w+x] = float32(0.5 + math.Sin(6.2832*float64(x)/float64(w)+2.1*float64(c)+0.3)*math.Cos(9.4248*float64(y)/float64(h)-0.9*float64(c)))
			}
		}
	}
	return tensors.FromFlatDataAndDimensions(r, 1, ch, h, w)
}

// TestGradientParity checks d mean(out·R)/d ws against the official autograd gradients, where out is the
// raw image and (unless -short) the super-resolved image, at the front camera.
func TestGradientParity(t *testing.T) {
	o := loadOfficial(t)
	cases := []struct {
		name, file string
		pick       func(Output) *Node
		res        int
		loss       float64
	}{
		{"image_raw", "grad_ws_image_raw", func(out Output) *Node { return out.ImageRaw }, 128, -0.13270115852355957},
		{"image", "grad_ws_image", func(out Output) *Node { return out.Image }, 512, -0.12809626758098602},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.res == 512 && testing.Short() {
				t.Skip("-short: the 512x512 super-resolution backward pass takes minutes on CPU")
			}
			outs := o.run(t, func(ctx *context.Context, ws, c, r *Node) []*Node {
				out := Synthesis(ctx, &o.cfg, ws, c, RenderOptions{Deterministic: true})
				loss := ReduceAllMean(Mul(tc.pick(out), r))
				return []*Node{loss, Gradient(loss, ws)[0]}
			}, o.npy(t, "ws_psi1"), o.npy(t, "c_front"), weightsR(3, tc.res, tc.res))
			loss := tensors.MustCopyFlatData[float32](outs[0])[0]
			if math.Abs(float64(loss)-tc.loss) > 1e-5 {
				t.Errorf("loss %v, official %v", loss, tc.loss)
			}
			assertRelative(t, "d loss/d ws", outs[1], o.npy(t, tc.file), 1e-3)
		})
	}
}

// assertRelative compares got with want by ‖got − want‖ / ‖want‖.
func assertRelative(t *testing.T, name string, got, want *tensors.Tensor, tol float64) {
	t.Helper()
	g, w := tensors.MustCopyFlatData[float32](got), tensors.MustCopyFlatData[float32](want)
	if len(g) != len(w) {
		t.Fatalf("%s: %d values, want %d", name, len(g), len(w))
	}
	var num, den float64
	for i := range g {
		d := float64(g[i]) - float64(w[i])
		num += d * d
		den += float64(w[i]) * float64(w[i])
	}
	rel := math.Sqrt(num / den)
	if rel > tol || math.IsNaN(rel) {
		t.Errorf("%s: relative error %.3g, want <= %g", name, rel, tol)
	} else {
		t.Logf("%s: relative error %.3g (tolerance %g)", name, rel, tol)
	}
}
