package models

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/figures"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/heads"
	"github.com/pmvi/pmvi/pkg/invert"
	"github.com/pmvi/pmvi/pkg/metrics"
)

var writeFigures = flag.Bool("figures", false, "write figures/tiny-samples.png")

// broadcast returns w repeated for every synthesis layer: the ws [1, NumWS, WDim] of one latent.
func broadcast(w []float32, numWS int) *tensors.Tensor {
	ws := make([]float32, 0, numWS*len(w))
	for i := 0; i < numWS; i++ {
		ws = append(ws, w...)
	}
	return tensors.FromFlatDataAndDimensions(ws, 1, numWS, len(w))
}

// The shipped model re-renders its training identities from their learned latents at cameras it was not
// trained on (yaw in [-0.5, 0.5], pitch in [-0.25, 0.25]) against the head world, with a small depth error on
// the head. The embedded-model issue asked for 25 dB; the shipped model measures 21.1 dB (its 64-pixel neural
// render 22.7 dB against the downsampled truth, so the 3D part, not the super-resolution, is what falls short:
// 5600 steps on two cores leave it under-trained; scripts/tinyceiling measures how far more training could
// go: about 25 dB for one identity fitted alone at this neural resolution). This guards that level against
// regressions.
func TestTinyRerendersTrainingIdentities(t *testing.T) {
	g, err := Tiny()
	if err != nil {
		t.Fatal(err)
	}
	info, err := TinyInfo()
	if err != nil {
		t.Fatal(err)
	}
	latents, err := TinyLatents()
	if err != nil {
		t.Fatal(err)
	}
	cfg := &g.Config
	if len(latents) != len(info.TrainIdentities)*cfg.WDim {
		t.Fatalf("%d latent values for %d identities of %d dims", len(latents), len(info.TrainIdentities), cfg.WDim)
	}
	r := eg3d.NewRunner(g, backend.MustNew())
	rng := rand.New(rand.NewPCG(99, 1))
	const ids, views = 8, 4
	var psnr, depthErr float64
	for k := 0; k < ids; k++ {
		i := rng.IntN(len(info.TrainIdentities))
		scene := heads.Scene{Identity: heads.NewIdentity(info.TrainIdentities[i]), Background: heads.Plain(1, 1, 1)}
		ws := broadcast(latents[i*cfg.WDim:(i+1)*cfg.WDim], cfg.NumWS())
		for v := 0; v < views; v++ {
			cam := camera.At((2*rng.Float64()-1)*0.5, (2*rng.Float64()-1)*0.25)
			out, err := r.Render(ws, cam, eg3d.RenderOptions{Deterministic: true})
			if err != nil {
				t.Fatal(err)
			}
			truth := heads.Render(scene, cam, cfg.ImageResolution)
			p, _ := metrics.PSNR(out.Image, truth.RGB, nil)
			depth, mask := heads.RenderDepth(scene, cam, cfg.NeuralResolution)
			d, _, err := metrics.DepthError(out.Depth, depth, mask)
			if err != nil {
				t.Fatal(err)
			}
			psnr += p / (ids * views)
			depthErr += d / (ids * views)
		}
	}
	t.Logf("training identities at held-out cameras: mean PSNR %.2f dB, mean depth error %.4f world units", psnr, depthErr)
	if psnr < 20 || depthErr > 0.02 {
		t.Errorf("mean PSNR %.2f dB and depth error %.4f, want >= 20 dB and <= 0.02", psnr, depthErr)
	}
	if depthErr > 0.02 {
		t.Errorf("mean depth error %.4f, want <= 0.02", depthErr)
	}
}

// Random latents through the mapping network (psi 0.7) give heads: mostly-covered centres, backgrounds left
// white, and views that agree with each other through their own geometry.
func TestTinySamplesAreConsistentHeads(t *testing.T) {
	g, err := Tiny()
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
	t.Logf("random samples: worst geometric consistency between frontal and yaw 0.35 views %.1f dB", worst)
	if worst < 20 {
		t.Errorf("worst sample consistency %.1f dB, want >= 20", worst)
	}
}

// W+ optimization alone (the quick preset) reproduces held-out identities, which the model never saw, at
// their input view: 20.7 and 19.8 dB measured with the shipped model (21.5 and 21.4 dB with the paper's 500
// steps; the target was 22 dB, see TestTinyRerendersTrainingIdentities for why it falls short). This
// guards that level against regressions.
func TestTinyInvertsHeldOutIdentities(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: inverts two heads")
	}
	g, err := Tiny()
	if err != nil {
		t.Fatal(err)
	}
	info, err := TinyInfo()
	if err != nil {
		t.Fatal(err)
	}
	be := backend.MustNew()
	opts := invert.QuickOptions()
	for k, pose := range []camera.Pose{{Yaw: 0.2, Pitch: -0.05}, {Yaw: -0.3, Pitch: 0.1}} {
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
		t.Logf("held-out head %d: input-view PSNR %.2f dB after %d W+ steps (%.2f s/step)", k, p, last.Steps, last.Elapsed.Seconds()/float64(last.Steps))
		if p < 19 {
			t.Errorf("held-out head %d: input-view PSNR %.2f dB, want >= 19", k, p)
		}
	}
}

// TestWriteSamplesFigure writes figures/tiny-samples.png with -figures: 16 random heads (psi 0.7) from three
// yaws.
func TestWriteSamplesFigure(t *testing.T) {
	if !*writeFigures {
		t.Skip("run with -figures to write figures/tiny-samples.png")
	}
	g, err := Tiny()
	if err != nil {
		t.Fatal(err)
	}
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
			t.Fatal(err)
		}
		var row []*fimage.Image
		for _, yaw := range []float64{-0.4, 0, 0.4} {
			out, err := r.Render(ws, camera.At(yaw, 0), eg3d.RenderOptions{Deterministic: true})
			if err != nil {
				t.Fatal(err)
			}
			row = append(row, out.Image)
		}
		rows = append(rows, row)
		labels = append(labels, fmt.Sprintf("sample %d", s+1))
	}
	// Two samples per grid row: 8 rows of 6 images.
	var grid [][]*fimage.Image
	var gridLabels []string
	for i := 0; i < len(rows); i += 2 {
		grid = append(grid, append(append([]*fimage.Image{}, rows[i]...), rows[i+1]...))
		gridLabels = append(gridLabels, labels[i]+", "+labels[i+1])
	}
	img, err := (&figures.Grid{Rows: grid, RowLabels: gridLabels, ColLabels: []string{"yaw -0.4", "0", "+0.4", "yaw -0.4", "0", "+0.4"}, CellHeight: 128}).Draw()
	if err != nil {
		t.Fatal(err)
	}
	if err := figures.WritePNG("../figures/tiny-samples.png", img); err != nil {
		t.Fatal(err)
	}
}
