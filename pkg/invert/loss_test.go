package invert

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/lpips"
	"github.com/pmvi/pmvi/pkg/metrics"
)

func randomImage(rng *rand.Rand, n, c, h, w int, lo, hi float64) []float64 {
	out := make([]float64, n*c*h*w)
	for i := range out {
		out[i] = lo + (hi-lo)*rng.Float64()
	}
	return out
}

func eval(t *testing.T, fn func(a, b *Node) *Node, a, b []float64, dims ...int) []float64 {
	t.Helper()
	exec, err := NewExec(backend.MustNew(), fn)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Exec(tensors.FromFlatDataAndDimensions(a, dims...), tensors.FromFlatDataAndDimensions(b, dims...))
	if err != nil {
		t.Fatal(err)
	}
	return tensors.MustCopyFlatData[float64](out[0])
}

func TestSSIMMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const h, w = 16, 19
	a := randomImage(rng, 1, 1, h, w, -1, 1)
	b := make([]float64, len(a))
	for i := range a {
		b[i] = 0.7*a[i] + 0.3*(2*rng.Float64()-1)
	}
	got := eval(t, SSIM, a, b, 1, 1, h, w)[0]
	// metrics.SSIM is a direct host implementation of the same definition.
	want, err := metrics.SSIM(oneChannel(a, h, w), oneChannel(b, h, w))
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-want) > 1e-6 {
		t.Errorf("SSIM = %.12f, reference %.12f", got, want)
	}
	if s := eval(t, SSIM, a, a, 1, 1, h, w)[0]; math.Abs(s-1) > 1e-9 {
		t.Errorf("SSIM(a, a) = %v, want 1", s)
	}
}

func oneChannel(v []float64, h, w int) *fimage.Image {
	m := fimage.New(1, h, w)
	for i, x := range v {
		m.Pix[i] = float32(x)
	}
	return m
}

func TestMSSSIMProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const side = 48 // 3 scales
	a := randomImage(rng, 2, 3, side, side, -1, 1)
	if got := eval(t, MSSSIM, a, a, 2, 3, side, side); math.Abs(got[0]-1) > 1e-6 || math.Abs(got[1]-1) > 1e-6 {
		t.Errorf("MS-SSIM(a, a) = %v, want 1", got)
	}
	prev := 1.0
	for _, noise := range []float64{0.05, 0.2, 0.6} {
		b := make([]float64, len(a))
		for i := range a {
			b[i] = a[i] + noise*(2*rng.Float64()-1)
		}
		got := eval(t, MSSSIM, a, b, 2, 3, side, side)[0]
		if got >= prev {
			t.Errorf("MS-SSIM with noise %v = %v, not below %v", noise, got, prev)
		}
		prev = got
	}
	for side, want := range map[int]int{11: 1, 22: 2, 64: 3, 128: 4, 176: 5, 512: 5} {
		if got := MSSSIMLevels(side); got != want {
			t.Errorf("MSSSIMLevels(%d) = %d, want %d", side, got, want)
		}
	}
}

// Each loss term's gradient agrees with central finite differences (float64 graphs).
func TestLossGradientsMatchFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n, c, side = 1, 3, 24
	target := randomImage(rng, n, c, side, side, -0.8, 0.8)
	pred := randomImage(rng, n, c, side, side, -0.8, 0.8)
	dims := []int{n, c, side, side}
	for _, w := range []LossWeights{{MSE: 1}, {SSIM: 1}, {MSSSIM: 1}} {
		t.Run(w.String(), func(t *testing.T) {
			l := Losses{Weights: w}
			lossOf := func(p, tg *Node) *Node { total, _ := l.Graph(nil, p, tg); return total }
			exec, err := NewExec(backend.MustNew(), func(p, tg *Node) []*Node {
				loss := lossOf(p, tg)
				return []*Node{loss, Gradient(loss, p)[0]}
			})
			if err != nil {
				t.Fatal(err)
			}
			value := func(p []float64) (float64, []float64) {
				out := exec.MustExec(tensors.FromFlatDataAndDimensions(p, dims...), tensors.FromFlatDataAndDimensions(target, dims...))
				return tensors.MustCopyFlatData[float64](out[0])[0], tensors.MustCopyFlatData[float64](out[1])
			}
			_, grad := value(pred)
			scale := 0.0 // errors are measured against the largest gradient entry
			for _, g := range grad {
				scale = math.Max(scale, math.Abs(g))
			}
			const eps = 1e-6
			worst := 0.0
			for k := 0; k < 12; k++ {
				i := rng.IntN(len(pred))
				p := append([]float64(nil), pred...)
				p[i] += eps
				up, _ := value(p)
				p[i] -= 2 * eps
				down, _ := value(p)
				fd := (up - down) / (2 * eps)
				rel := math.Abs(fd-grad[i]) / scale
				worst = math.Max(worst, rel)
			}
			if worst > 1e-6 {
				t.Errorf("worst gradient error %.3g of the largest entry", worst)
			}
			t.Logf("worst gradient error %.3g of the largest entry, over 12 coordinates", worst)
		})
	}
}

func TestLossesValidate(t *testing.T) {
	if err := (Losses{Weights: LossWeights{LPIPS: 1}}).Validate(); err == nil {
		t.Error("LPIPS weight without a network accepted")
	}
	if err := (Losses{}).Validate(); err == nil {
		t.Error("all-zero weights accepted")
	}
	if err := (Losses{Weights: LossWeights{MSE: 1, MSSSIM: 1}}).Validate(); err != nil {
		t.Error(err)
	}
}

// With LPIPS supplied (an untrained AlexNet stands in for the user's weights), every stage's loss has the
// perceptual term, W+ with LPIPS alone as the official projector, and the pipeline records which network.
func TestStagesUseLPIPSWhenSupplied(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs AlexNet inside three stages")
	}
	g, err := eg3d.New(eg3d.Tiny(), 1)
	if err != nil {
		t.Fatal(err)
	}
	be := backend.MustNew()
	cam := camera.At(0.1, 0)
	target := Target{Image: microTarget(t, be, g, 3, cam), Camera: cam}
	opts := quickTestOptions(2).WithLPIPS(lpips.NewUntrained(lpips.AlexNet, 1).Distance)
	opts.FinalSteps = 2
	opts.Trajectory = camera.Cameras(camera.Ellipse(2, 0.3, 0.2, 0))
	p := &Pipeline{Inversion: Inversion{Backend: be, Generator: g, Target: target, Options: opts}, PerceptualName: "lpips-alex (untrained)"}
	res, err := p.Run(context.Background(), MethodOurs)
	if err != nil {
		t.Fatal(err)
	}
	for name, h := range map[string][]Record{"w": res.W.History, "pti": res.PTI.History, "final": res.Final.History} {
		terms := h[len(h)-1].Terms
		lp, ok := terms["lpips"]
		if name == "final" {
			lp, ok = terms["input_lpips"]
		}
		if !ok || !(lp > 0) {
			t.Errorf("stage %s: terms %v, want an LPIPS term", name, terms)
		}
		if _, mse := terms["mse"]; name == "w" && mse {
			t.Errorf("stage w has an MSE term with LPIPS supplied: %v", terms)
		}
	}
	if res.Record.Perceptual != "lpips-alex (untrained)" {
		t.Errorf("run record names perceptual %q", res.Record.Perceptual)
	}
}
