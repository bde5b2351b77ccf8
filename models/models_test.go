package models

import (
	"context"
	"flag"
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/benchmark"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/figures"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/heads"
	"github.com/pmvi/pmvi/pkg/invert"
	"github.com/pmvi/pmvi/pkg/metrics"
	"github.com/pmvi/pmvi/pkg/train"
)

var writeFigures = flag.Bool("figures", false, "write figures/<model>-samples.png")

// shipped are the bars each embedded model is held to (measured values in the comments and in README).
var shipped = []struct {
	name string
	// Training identities re-rendered at held-out cameras: mean PSNR at least rerender dB, mean depth error on
	// the head at most depth world units.
	rerender, depth float64
	// Held-out heads inverted by W+ alone at their input view: quick preset, paper preset (500 steps, with
	// PMVI_LONG=1); quickHeads of the two heads at the quick preset (both with PMVI_LONG=1).
	wQuick, wPaper float64
	quickHeads     int
}{
	// tiny measures 21.1 dB / 0.0126 and 19.8-20.7 dB (quick) and 21.4-21.5 dB (paper): 5600 steps on two cores
	// left it under-trained, and its 64-pixel neural rendering caps it (results/tiny-ceiling).
	{name: TinyName, rerender: 20, depth: 0.02, wQuick: 19, wPaper: 21, quickHeads: 2},
	// small measures 24.15 dB / 0.0090 and 23.45, 22.43 dB (quick) and 24.44, 24.09 dB (paper); the bars
	// are 24 dB and 23 dB (paper).
	{name: SmallName, rerender: 24, depth: 0.02, wQuick: 22, wPaper: 23, quickHeads: 1}, // 1.5 s a W+ step
}

// load returns the embedded model name and its sidecar.
func load(t *testing.T, name string) (*eg3d.Generator, Info) {
	t.Helper()
	g, err := Load(name)
	if err != nil {
		t.Fatal(err)
	}
	info, err := InfoOf(name)
	if err != nil {
		t.Fatal(err)
	}
	return g, info
}

// The shipped models re-render their training identities from their learned latents at cameras they were not
// trained on (yaw in [-0.5, 0.5], pitch in [-0.25, 0.25]) against the head world, with a small depth error on
// the head (train.ScoreRerendering, the protocol of the learning curve in results/small-training).
func TestRerendersTrainingIdentities(t *testing.T) {
	for _, m := range shipped {
		t.Run(m.name, func(t *testing.T) {
			g, info := load(t, m.name)
			latents, err := LatentsOf(m.name)
			if err != nil {
				t.Fatal(err)
			}
			score, err := train.ScoreRerendering(eg3d.NewRunner(g, backend.MustNew()), latents, info.TrainIdentities, 8, 4)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: training identities at held-out cameras: mean PSNR %.2f dB, mean depth error %.4f world units", m.name, score.PSNR, score.DepthError)
			if score.PSNR < m.rerender {
				t.Errorf("mean PSNR %.2f dB, want >= %.0f", score.PSNR, m.rerender)
			}
			if score.DepthError > m.depth {
				t.Errorf("mean depth error %.4f, want <= %.2f", score.DepthError, m.depth)
			}
		})
	}
}

// Random latents through the mapping network (psi 0.7) give heads: mostly-covered centres, backgrounds left
// white, and views that agree with each other through their own geometry.
func TestSamplesAreConsistentHeads(t *testing.T) {
	for _, m := range shipped {
		t.Run(m.name, func(t *testing.T) {
			g, err := Load(m.name)
			if err != nil {
				t.Fatal(err)
			}
			cfg := &g.Config
			r := eg3d.NewRunner(g, backend.MustNew())
			rng := rand.New(rand.NewPCG(7, 7))
			var worst float64 = math.Inf(1)
			for s := 0; s < 4; s++ {
				z := make([]float32, cfg.ZDim)
				for i := range z {
					z[i] = float32(rng.NormFloat64())
				}
				ws, err := r.Mapping(z, camera.At(0, 0), 0.7)
				if err != nil {
					t.Fatal(err)
				}
				a, b := camera.At(0, 0), camera.At(0.35, 0)
				va, err := r.Render(ws, a, eg3d.RenderOptions{Deterministic: true})
				if err != nil {
					t.Fatal(err)
				}
				vb, err := r.Render(ws, b, eg3d.RenderOptions{Deterministic: true})
				if err != nil {
					t.Fatal(err)
				}
				centre := va.WeightsSum.At(0, va.WeightsSum.H/2, va.WeightsSum.W/2)
				corner := va.WeightsSum.At(0, 0, 0)
				if centre < 0.9 || corner > 0.5 {
					t.Errorf("sample %d: opacity %.2f at the centre, %.2f at the corner: not a head on a background", s, centre, corner)
				}
				c, _, err := metrics.Consistency(va.Image, va.Depth, a, vb.Image, vb.Depth, b, 0.015)
				if err != nil {
					t.Fatal(err)
				}
				worst = math.Min(worst, c)
			}
			t.Logf("%s: random samples: worst geometric consistency between frontal and yaw 0.35 views %.1f dB", m.name, worst)
			if worst < 20 {
				t.Errorf("worst sample consistency %.1f dB, want >= 20", worst)
			}
		})
	}
}

// W+ optimization alone reproduces held-out identities, which the model never saw, at their input view: the
// quick preset on one or two heads, and with PMVI_LONG=1 both heads at the quick and the paper's 500 steps.
func TestInvertsHeldOutIdentities(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: inverts held-out heads with each model")
	}
	long := os.Getenv("PMVI_LONG") != ""
	type preset struct {
		name string
		opts invert.Options
		bar  func(i int) float64
	}
	presets := []preset{{"quick", invert.QuickOptions(), func(i int) float64 { return shipped[i].wQuick }}}
	if long {
		presets = append(presets, preset{"paper", invert.PaperOptions(), func(i int) float64 { return shipped[i].wPaper }})
	}
	be := backend.MustNew()
	for i, m := range shipped {
		for _, preset := range presets {
			t.Run(m.name+"/"+preset.name, func(t *testing.T) {
				g, info := load(t, m.name)
				opts := preset.opts
				poses := []camera.Pose{{Yaw: 0.2, Pitch: -0.05}, {Yaw: -0.3, Pitch: 0.1}}
				if !long {
					poses = poses[:m.quickHeads]
				}
				for k, pose := range poses {
					scene := heads.Scene{Identity: heads.NewIdentity(info.TestIdentities[k]), Background: heads.Plain(1, 1, 1)}
					cam := pose.Camera()
					input := heads.Render(scene, cam, g.Config.ImageResolution)
					var last invert.Step
					in := invert.Inversion{Backend: be, Generator: g, Target: invert.Target{Image: input.RGB, Camera: cam}, Options: opts,
						Progress: func(s invert.Step) error { last = s; return nil }}
					w, err := in.ProjectW(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					out, err := eg3d.NewRunner(g, be).Render(w.WS, cam, opts.Render)
					if err != nil {
						t.Fatal(err)
					}
					p, _ := metrics.PSNR(out.Image, input.RGB, nil)
					t.Logf("%s, held-out head %d: input-view PSNR %.2f dB after %d W+ steps (%.2f s/step)", m.name, k, p, last.Steps, last.Elapsed.Seconds()/float64(last.Steps))
					if bar := preset.bar(i); p < bar {
						t.Errorf("held-out head %d: input-view PSNR %.2f dB, want >= %.1f", k, p, bar)
					}
				}
			})
		}
	}
}

// PTI run long over-fits the input view at the novel views' expense, in the final image (the paper's supp. Fig. 2):
// the small model's volume renderer makes its image, so what PTI distorts shows. The run of scripts/results.sh
// pti-long (same heads, same steps: PTI 1000 steps after 150 of W+, scored every 50), read head by head: the input
// view must rise >= 4 dB above W+ on average, the evaluation views turned away from the input (benchmark.FarViews)
// end >= 1 dB below their best on average, and the novel views' depth error must grow on every head. The five-view
// mean is logged, not asserted: it averages the far views with views that look where the input looked, which PTI's
// fit improves (results/pti-long/README.md: -0.66 dB on average, 0.00 on a near-frontal input). About 35 minutes a
// head on two cores, so only with PMVI_TRADEOFF=1.
func TestPTIOverfitsInFinalImage(t *testing.T) {
	if os.Getenv("PMVI_TRADEOFF") == "" {
		t.Skip("PMVI_TRADEOFF=1 runs PTI 1000 steps on 4 held-out heads of the small model (about 2.5 h on two cores)")
	}
	g, info := load(t, SmallName)
	opts := invert.QuickOptions()
	opts.PTISteps, opts.FinalSteps = 1000, 0
	o := benchmark.Options{Invert: opts, Methods: []benchmark.Method{benchmark.PTI}, CurveEvery: 50}
	suite := benchmark.Standard(g, info.TestIdentities[:4], heads.Clean)
	be := backend.MustNew()
	var results []*benchmark.CaseResult
	for i := range suite.Len() {
		c, err := suite.Case(i)
		if err != nil {
			t.Fatal(err)
		}
		r, err := benchmark.RunCase(context.Background(), be, g, c, o, nil)
		if err != nil {
			t.Fatal(err)
		}
		one, err := r.Overfit(benchmark.PTI)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("head %d: %v", i, one)
		if one.DepthRise() <= 0 {
			t.Errorf("head %d: the novel views' depth error did not grow under PTI (%+.4f)", i, one.DepthRise())
		}
		results = append(results, r)
	}
	table := benchmark.Summarize(results, []benchmark.Method{benchmark.PTI})
	t.Logf("%d heads:\n%s", len(results), table.Markdown())
	rise, fall, far := table.Curves[benchmark.PTI][0], table.Curves[benchmark.PTI][1], table.Curves[benchmark.PTI][2]
	if rise.Mean < 4 || far.N != len(results) || far.Mean < 1 {
		t.Errorf("input view rose %.2f dB above W+ (want >= 4); the views turned away from the input ended %.2f dB below their best on %d heads (want >= 1 on all %d); five-view mean: %.2f dB",
			rise.Mean, far.Mean, far.N, len(results), fall.Mean)
	}
}

// TestWriteSamplesFigure writes figures/<model>-samples.png with -figures: 16 random heads (psi 0.7) from three
// yaws.
func TestWriteSamplesFigure(t *testing.T) {
	if !*writeFigures {
		t.Skip("run with -figures to write figures/<model>-samples.png")
	}
	for _, m := range shipped {
		t.Run(m.name, func(t *testing.T) {
			g, err := Load(m.name)
			if err != nil {
				t.Fatal(err)
			}
			img, err := samplesFigure(g)
			if err != nil {
				t.Fatal(err)
			}
			if err := figures.WritePNG("../figures/"+m.name+"-samples.png", img); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// samplesFigure draws 16 random heads (psi 0.7) from three yaws, two heads a row.
func samplesFigure(g *eg3d.Generator) (*image.NRGBA, error) {
	r := eg3d.NewRunner(g, backend.MustNew())
	rng := rand.New(rand.NewPCG(2023, 16))
	var rows [][]*fimage.Image
	var labels []string
	for s := 0; s < 16; s++ {
		z := make([]float32, g.Config.ZDim)
		for i := range z {
			z[i] = float32(rng.NormFloat64())
		}
		ws, err := r.Mapping(z, camera.At(0, 0), 0.7)
		if err != nil {
			return nil, err
		}
		var row []*fimage.Image
		for _, yaw := range []float64{-0.4, 0, 0.4} {
			out, err := r.Render(ws, camera.At(yaw, 0), eg3d.RenderOptions{Deterministic: true})
			if err != nil {
				return nil, err
			}
			row = append(row, out.Image)
		}
		rows = append(rows, row)
		labels = append(labels, fmt.Sprintf("sample %d", s+1))
	}
	var grid [][]*fimage.Image
	var gridLabels []string
	for i := 0; i < len(rows); i += 2 {
		grid = append(grid, append(append([]*fimage.Image{}, rows[i]...), rows[i+1]...))
		gridLabels = append(gridLabels, labels[i]+", "+labels[i+1])
	}
	return (&figures.Grid{Rows: grid, RowLabels: gridLabels, ColLabels: []string{"yaw -0.4", "0", "+0.4", "yaw -0.4", "0", "+0.4"}, CellHeight: 128}).Draw()
}
