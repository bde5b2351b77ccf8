package invert

import (
	"context"
	"errors"
	"github.com/gomlx/gomlx/backends"
	"math"
	"testing"

	"github.com/pmvi/pmvi/internal/nprand"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/metrics"
)

// microTarget renders a Micro generator's image for seed's latent: a target the generator can reproduce.
func microTarget(t *testing.T, be backends.Backend, g *eg3d.Generator, seed uint32, cam camera.Camera) *fimage.Image {
	t.Helper()
	r := eg3d.NewRunner(g, be)
	ws, err := r.Mapping(nprand.Randn(seed, g.Config.ZDim), cam, 1)
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := r.Render(ws, cam, eg3d.RenderOptions{Deterministic: true})
	if err != nil {
		t.Fatal(err)
	}
	return imgs.Image
}

// quickTestOptions are the quick preset with steps W+ and PTI steps, few w_avg samples and MSE losses.
func quickTestOptions(steps int) Options {
	o := QuickOptions()
	o.WSteps, o.PTISteps, o.WAvgSamples = steps, steps, 64
	o.SnapshotEvery = steps
	o.WLoss, o.PTILoss, o.FinalLoss = LossWeights{MSE: 1}, LossWeights{MSE: 1}, LossWeights{MSE: 1}
	return o
}

// inversion returns the inversion of target by g on be with opts, reporting to cb.
func inversion(be backends.Backend, g *eg3d.Generator, target Target, opts Options, cb Callback) *Inversion {
	return &Inversion{Backend: be, Generator: g, Target: target, Options: opts, Progress: cb}
}

func TestProjectWReducesLoss(t *testing.T) {
	be := backend.MustNew()
	g, err := eg3d.New(eg3d.Micro(), 11)
	if err != nil {
		t.Fatal(err)
	}
	cam := camera.At(0.2, -0.1)
	target := Target{Image: microTarget(t, be, g, 5, cam), Camera: cam}
	var steps []Step
	res, err := inversion(be, g, target, quickTestOptions(60), func(s Step) error {
		steps = append(steps, s)
		return nil
	}).ProjectW(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.History) != 60 || len(steps) != 60 {
		t.Fatalf("%d history records, %d callbacks, want 60", len(res.History), len(steps))
	}
	first, last := res.History[0].Loss, res.History[59].Loss
	if !(last < 0.5*first) {
		t.Errorf("loss went from %v to %v, want at least halved", first, last)
	}
	if steps[0].LearningRate != 0 || steps[59].Render == nil || steps[58].Render != nil {
		t.Errorf("step reports: first lr %v (want 0, the warm-up), snapshot only on the last step", steps[0].LearningRate)
	}
	if d := res.WS.Shape().Dimensions; d[1] != g.Config.NumWS() {
		t.Errorf("W+ code shape %v", d)
	}
	psnr, _ := metrics.PSNR(steps[59].Render, target.Image, nil)
	t.Logf("loss %.4g -> %.4g; input-view PSNR after 60 steps %.1f dB", first, last, psnr)
}

func TestPTIImprovesPerturbedTarget(t *testing.T) {
	be := backend.MustNew()
	g, err := eg3d.New(eg3d.Micro(), 11)
	if err != nil {
		t.Fatal(err)
	}
	cam := camera.At(-0.1, 0.05)
	img := microTarget(t, be, g, 9, cam)
	// Perturb the target with a pattern no latent explains.
	for y := 0; y < img.H; y++ {
		for x := 0; x < img.W; x++ {
			img.Set(0, y, x, img.At(0, y, x)+float32(0.3*math.Sin(float64(x+y))))
		}
	}
	target := Target{Image: img, Camera: cam}
	opts := quickTestOptions(40)
	in := inversion(be, g, target, opts, nil)
	w, err := in.ProjectW(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	res, err := in.TunePTI(context.Background(), w.WS)
	if err != nil {
		t.Fatal(err)
	}
	first, last := res.History[0].Loss, res.History[len(res.History)-1].Loss
	if !(last < first) {
		t.Errorf("PTI loss went from %v to %v", first, last)
	}
	before, after := renderPSNR(t, be, g, w, target), renderPSNR(t, be, res.Generator, w, target)
	if !(after > before+0.5) {
		t.Errorf("input-view PSNR %.2f dB before PTI, %.2f after: want an improvement", before, after)
	}
	t.Logf("PTI: loss %.4g -> %.4g, PSNR %.2f -> %.2f dB", first, last, before, after)
	// The original generator is untouched: it still renders as before.
	if again := renderPSNR(t, be, g, w, target); again != before {
		t.Errorf("PTI changed the input generator (PSNR %v, was %v)", again, before)
	}
}

func renderPSNR(t *testing.T, be backends.Backend, g *eg3d.Generator, w *WResult, target Target) float64 {
	t.Helper()
	imgs, err := eg3d.NewRunner(g, be).Render(w.WS, target.Camera, eg3d.RenderOptions{Deterministic: true})
	if err != nil {
		t.Fatal(err)
	}
	p, err := metrics.PSNR(imgs.Image, target.Image, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestStagesStopOnCancelAndCallbackError(t *testing.T) {
	be := backend.MustNew()
	g, _ := eg3d.New(eg3d.Micro(), 1)
	cam := camera.At(0, 0)
	target := Target{Image: microTarget(t, be, g, 1, cam), Camera: cam}
	stdctx, cancel := context.WithCancel(context.Background())
	n := 0
	res, err := inversion(be, g, target, quickTestOptions(50), func(s Step) error {
		if n++; n == 5 {
			cancel()
		}
		return nil
	}).ProjectW(stdctx)
	if !errors.Is(err, context.Canceled) || res == nil || len(res.History) != 5 {
		t.Errorf("cancelled after 5 steps: err %v, history %d", err, len(res.History))
	}
	boom := errors.New("boom")
	res2, err := inversion(be, g, target, quickTestOptions(50), func(s Step) error {
		if s.Step == 3 {
			return boom
		}
		return nil
	}).TunePTI(context.Background(), res.WS)
	if !errors.Is(err, boom) || res2 == nil || len(res2.History) != 3 || res2.Generator == nil {
		t.Errorf("callback error at step 3: err %v", err)
	}
}

func TestStagesRejectBadInput(t *testing.T) {
	be := backend.MustNew()
	g, _ := eg3d.New(eg3d.Micro(), 1)
	cam := camera.At(0, 0)
	good := microTarget(t, be, g, 1, cam)
	nan := good.Clone()
	nan.Pix[7] = float32(math.NaN())
	badCam := cam
	badCam.CamToWorld[0] = 3
	mse := LossWeights{MSE: 1}
	badFG := fimage.New(1, 8, 8)
	tests := []struct {
		name   string
		target Target
		loss   LossWeights
		patch  int
	}{
		{"wrong size", Target{Image: fimage.New(3, 8, 8), Camera: cam}, mse, 0},
		{"NaN pixel", Target{Image: nan, Camera: cam}, mse, 0},
		{"bad camera", Target{Image: good, Camera: badCam}, mse, 0},
		{"foreground of another size", Target{Image: good, Camera: cam, Foreground: badFG}, mse, 0},
		{"LPIPS without network", Target{Image: good, Camera: cam}, LossWeights{LPIPS: 1}, 0},
		{"a patch larger than the image", Target{Image: good, Camera: cam}, mse, 64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := quickTestOptions(2)
			o.WLoss, o.Patch = tt.loss, tt.patch
			if _, err := inversion(be, g, tt.target, o, nil).ProjectW(context.Background()); err == nil {
				t.Error("ProjectW accepted it")
			}
		})
	}
}
