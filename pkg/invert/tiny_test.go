package invert

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/pmvi/pmvi/internal/fixture"
	"github.com/pmvi/pmvi/models"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/metrics"
)

// Stage 1 inverts an image the embedded model itself rendered from a known latent at a known camera to >= 30 dB
// within the quick preset's 150 steps.
func TestProjectWReachesThirtyDBOnTheTinyModel(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: 150 W+ steps on the embedded model")
	}
	g, err := models.Tiny()
	if err != nil {
		t.Fatal(err)
	}
	be := backend.MustNew()
	r := eg3d.NewRunner(g, be)
	rng := rand.New(rand.NewPCG(5, 5))
	z := make([]float32, g.Config.ZDim)
	for i := range z {
		z[i] = float32(rng.NormFloat64())
	}
	cam := camera.At(0.2, -0.1)
	ws, err := r.Mapping(z, cam, 0.7)
	if err != nil {
		t.Fatal(err)
	}
	truth, err := r.Render(ws, cam, eg3d.RenderOptions{Deterministic: true})
	if err != nil {
		t.Fatal(err)
	}
	opts := QuickOptions()
	res, err := inversion(be, g, Target{Image: truth.Image, Camera: cam}, opts, nil).ProjectW(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out, err := r.Render(res.WS, cam, opts.Render)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := metrics.PSNR(out.Image, truth.Image, nil)
	first, last := res.History[0].Loss, res.History[len(res.History)-1].Loss
	t.Logf("self-rendered target: input-view PSNR %.2f dB after %d steps; loss %.4g -> %.4g", p, len(res.History), first, last)
	if p < 30 || last >= first {
		t.Errorf("PSNR %.2f dB (want >= 30), loss %.4g -> %.4g", p, first, last)
	}
}

// benchStep times one stage-1 step (forward and backward to W+, Adam update) and one PTI step (to every
// parameter) of g at its own resolution.
func benchStep(b *testing.B, be backends.Backend, g *eg3d.Generator, stage Stage) {
	r := eg3d.NewRunner(g, be)
	cam := camera.At(0.2, 0)
	ws, err := r.Mapping(make([]float32, g.Config.ZDim), cam, 1)
	if err != nil {
		b.Fatal(err)
	}
	target, err := r.Render(ws, camera.At(0.1, 0), eg3d.RenderOptions{Deterministic: true})
	if err != nil {
		b.Fatal(err)
	}
	opts := QuickOptions().WithSteps(b.N + 1)
	opts.WAvgSamples = 16
	opts.WLoss, opts.PTILoss = LossWeights{MSE: 1}, LossWeights{MSE: 1}
	tg := Target{Image: target.Image, Camera: cam}
	b.ResetTimer()
	var first, last Step // the first step compiles the graph, so it is not counted
	cb := func(s Step) error {
		if s.Step == 1 {
			first = s
		}
		last = s
		return nil
	}
	in := inversion(be, g, tg, opts, cb)
	if stage == StageW {
		_, err = in.ProjectW(context.Background())
	} else {
		_, err = in.TunePTI(context.Background(), ws)
	}
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	perStep := (last.Elapsed - first.Elapsed).Seconds() / float64(last.Step-1)
	b.ReportMetric(perStep, "s/step")
}

func BenchmarkTinyWStep(b *testing.B)   { benchTiny(b, StageW) }
func BenchmarkTinyPTIStep(b *testing.B) { benchTiny(b, StagePTI) }

func benchTiny(b *testing.B, stage Stage) {
	g, err := models.Tiny()
	if err != nil {
		b.Fatal(err)
	}
	benchStep(b, backend.MustNew(), g, stage)
}

// The fixture network's steps compare with the official PyTorch CPU forward+backward to ws (15.96 s median,
// ../shared/fixtures/eg3d/tiny/timings.json; a PTI step also differentiates every parameter).
func BenchmarkFixtureWStep(b *testing.B)   { benchFixture(b, StageW) }
func BenchmarkFixturePTIStep(b *testing.B) { benchFixture(b, StagePTI) }

func benchFixture(b *testing.B, stage Stage) {
	g, err := eg3d.Load(filepath.Join(fixture.Dir(b), "tiny", "G.pkl"))
	if err != nil {
		b.Fatal(err)
	}
	benchStep(b, backend.MustNew(), g, stage)
}
