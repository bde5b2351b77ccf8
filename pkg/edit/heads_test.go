package edit

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/heads"
	"github.com/pmvi/pmvi/pkg/metrics"
	"github.com/pmvi/pmvi/pkg/train"
)

// A probe fitted on ground-truth renders of the head world reads the visible attributes off renders of
// identities it has not seen, and cannot read one that no pixel shows.
func TestProbeReadsHeldOutHeads(t *testing.T) {
	trainSeeds, testSeeds := heads.Split(77, 160, 60)
	cam := camera.At(0, 0)
	images, labels := HeadsViews(trainSeeds, cam, 32)
	probe, err := FitProbe(images, labels, heads.AttributeNames(), 16, 0.01)
	if err != nil {
		t.Fatal(err)
	}
	testImages, testLabels := HeadsViews(testSeeds, cam, 32)
	r2, err := probe.R2(testImages, testLabels)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		attribute string
		min, max  float64
	}{
		{"skin_tone", 0.8, 1},
		{"hair_darkness", 0.5, 1},
		{"hair_length", 0.4, 1},
		{"glasses", 0.3, 1},
		{"ear_protrusion", -10, 0.3}, // ears barely show at 16 px from the front: the probe cannot know
	}
	for _, tt := range tests {
		got := r2[probe.Index(tt.attribute)]
		t.Logf("held-out R² of %s: %.3f", tt.attribute, got)
		if got < tt.min || got > tt.max {
			t.Errorf("held-out R² of %s = %.3f, want in [%v, %v]", tt.attribute, got, tt.min, tt.max)
		}
	}
	if _, err := probe.Score(fimage.New(1, 32, 32)); err == nil {
		t.Errorf("a grey image was scored")
	}
}

// microHeads is a Micro-sized auto-decoder trained on 48 head-world identities for a few hundred steps (about
// 30 s on two cores), with its identities: real latents with real attributes, for the tests of the whole
// chain. Its backend is the one its variables live on.
type microHeads struct {
	be    backends.Backend
	g     *eg3d.Generator
	heads *Heads
}

var trainMicroHeads = sync.OnceValues(func() (*microHeads, error) {
	cfg := eg3d.Micro()
	cfg.ZeroConditioning, cfg.WhiteBackground = true, true
	o := train.DefaultOptions()
	o.Config = cfg
	o.Data = train.DataOptions{Res: cfg.ImageResolution, NR: cfg.NeuralResolution, Views: 6, YawRange: 0.5,
		PitchRange: 0.2, Background: heads.Plain(1, 1, 1)}
	o.Identities, o.TestIdentities = 48, 2
	o.Phase1Steps, o.Batch, o.Rays = 400, 4, 64
	o.Phase2Steps, o.SRBatch = 20, 2
	dir, err := os.MkdirTemp("", "pmvi-edit-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir) // the rendered views and checkpoints are not needed after training
	o.Dir = dir
	o.CheckpointEvery = time.Hour
	be := backend.MustNew()
	res, err := train.Run(context.Background(), be, o, nil)
	if err != nil {
		return nil, err
	}
	h, err := NewHeads(res.Latents, cfg.WDim, res.Train)
	if err != nil {
		return nil, err
	}
	return &microHeads{be: be, g: res.Generator, heads: h}, nil
})

func trainedMicro(t *testing.T) *microHeads {
	t.Helper()
	if testing.Short() {
		t.Skip("trains a micro generator on the head world (about 30 s); skipped with -short")
	}
	m, err := trainMicroHeads()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The paper's recipe finds directions of the attributes the model learnt, with held-out SVM accuracy, with
// either scorer, and they point the way of the directions the ground-truth labels of the training latents
// give directly.
func TestHeadsDirections(t *testing.T) {
	m := trainedMicro(t)
	attrs := []string{"skin_tone", "hair_length"}
	for _, fit := range []struct {
		name string
		fit  func(Labelled) (Scorer, error)
	}{{"3-NN", nearest3}, {"ridge", TinyRecipe().Fit}} {
		rc := HeadsRecipe{Sampling: Sampling{Count: 4000, Seed: 1}, Fit: fit.fit, Options: PaperOptions()}
		dirs, err := m.heads.Directions(m.be, m.g, attrs, rc)
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range dirs {
			truth, err := m.heads.GroundTruth(attrs[i])
			if err != nil {
				t.Fatal(err)
			}
			direct, err := Find(truth, Options{Keep: 16, TrainFraction: 0.7})
			if err != nil {
				t.Fatal(err)
			}
			cos := project(d.Normal, direct.Normal)
			t.Logf("%s, %s: recipe accuracy %.3f/%.3f (train/test, %d/%d), sigma %.3f; ground-truth latents %.3f/%.3f (%d/%d); cos %.2f",
				d.Attribute, fit.name, d.TrainAccuracy, d.TestAccuracy, d.Train, d.Test, d.Sigma,
				direct.TrainAccuracy, direct.TestAccuracy, direct.Train, direct.Test, cos)
			if d.TestAccuracy < 0.9 || d.Test != 2*24 {
				t.Errorf("%s, %s: held-out accuracy %.3f on %d latents, want >= 0.9 on 48 (30%% of the top and bottom 2%% of 4000)",
					d.Attribute, fit.name, d.TestAccuracy, d.Test)
			}
			if cos < 0.3 {
				t.Errorf("%s, %s: the recipe's direction and the ground-truth latents' are %.2f apart in cosine, want >= 0.3", d.Attribute, fit.name, cos)
			}
		}
	}
}

// Moving along a direction changes the attribute of the rendered head in the intended direction, as a probe
// of the generator's renders reads it (fitted on identities other than the edited ones), and a colour edit
// changes it more than the other attributes the probe can read.
func TestEditMovesRenderedAttribute(t *testing.T) {
	m := trainedMicro(t)
	cam := camera.At(0, 0)
	r := eg3d.NewRunner(m.g, m.be)
	opts := eg3d.RenderOptions{Deterministic: true}
	renders, labels, err := m.heads.Renders(r, cam, opts)
	if err != nil {
		t.Fatal(err)
	}
	names := heads.AttributeNames()
	size := m.g.Config.ImageResolution / 2
	const edited = 8 // identities 0..7 are edited, the others fit the probe
	cv, err := CrossValidateProbe(renders[edited:], labels[edited:], names, size, 0.01, 5)
	if err != nil {
		t.Fatal(err)
	}
	probe, err := FitProbe(renders[edited:], labels[edited:], names, size, 0.01)
	if err != nil {
		t.Fatal(err)
	}
	var unreadable []int
	for k, v := range cv {
		if v < 0.3 {
			unreadable = append(unreadable, k)
		}
	}
	attrs := []string{"skin_tone", "hair_length"}
	rc := TinyRecipe()
	rc.Sampling.Count = 4000
	dirs, err := m.heads.Directions(m.be, m.g, attrs, rc)
	if err != nil {
		t.Fatal(err)
	}
	latents := m.heads.Latents[:edited]
	for _, d := range dirs {
		k := probe.Index(d.Attribute)
		moved, others, err := SweepSelectivity(r, latents, d.Normal, 2*d.Sigma, cam, opts, probe, k, unreadable...)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: probe R² %.2f (cross-validated on renders); -2σ to +2σ moves it by %+.3f, the %d other readable attributes by %.3f on average",
			d.Attribute, cv[k], moved, len(names)-1-len(unreadable), others)
		if moved < 0.1 {
			t.Errorf("%s: -2σ to +2σ moves the rendered attribute by %+.3f, want an increase", d.Attribute, moved)
		}
		// The micro model renders 16 px heads and learns colour better than shape: only its skin tone edit
		// is expected to leave the rest alone.
		if d.Attribute == "skin_tone" && moved < 1.5*others {
			t.Errorf("%s: moves by %.3f, the other attributes by %.3f: not selective", d.Attribute, moved, others)
		}
	}
}

// An edited head is as 3D-consistent as the unedited one: its side view, lifted through its own depth, agrees
// with its frontal view as well after the edit as before (metrics.Consistency on the neural renderings).
// The control, views of two different heads, is clearly less consistent, so the check can fail.
func TestEditedViewsStayConsistent(t *testing.T) {
	m := trainedMicro(t)
	truth, err := m.heads.GroundTruth("hair_length") // changes geometry, not only colour
	if err != nil {
		t.Fatal(err)
	}
	d, err := Find(truth, Options{Keep: 16, TrainFraction: 0.7})
	if err != nil {
		t.Fatal(err)
	}
	r := eg3d.NewRunner(m.g, m.be)
	opts := eg3d.RenderOptions{Deterministic: true}
	front, side := camera.At(0, 0), camera.At(0.35, 0.1)
	cams := []camera.Camera{front, side}
	consistency := func(a, b *eg3d.Images) float64 {
		psnr, cov, err := metrics.Consistency(a.ImageRaw, a.Depth, front, b.ImageRaw, b.Depth, side, 0.05)
		if err != nil {
			t.Fatal(err)
		}
		if cov < 0.2 {
			t.Fatalf("only %.0f%% of the side view is seen from the front", 100*cov)
		}
		return psnr
	}
	const n = 6
	var before, after, control float64
	for i := range n {
		ws := Broadcast(m.heads.Latents[i], m.g.Config.NumWS())
		other := Broadcast(m.heads.Latents[i+n], m.g.Config.NumWS())
		plain, err := Render(r, ws, d.Normal, 0, Layers{}, cams, opts)
		if err != nil {
			t.Fatal(err)
		}
		edited, err := Render(r, ws, d.Normal, 2*d.Sigma, Layers{}, cams, opts)
		if err != nil {
			t.Fatal(err)
		}
		stranger, err := Render(r, other, d.Normal, 0, Layers{}, cams, opts)
		if err != nil {
			t.Fatal(err)
		}
		b, a, c := consistency(plain[0], plain[1]), consistency(edited[0], edited[1]), consistency(plain[0], stranger[1])
		t.Logf("identity %d: %.2f dB unedited, %.2f dB edited (+2σ hair length), %.2f dB against another head; the edit moves the front view to %.1f dB",
			i, b, a, c, psnr(plain[0].ImageRaw.Pix, edited[0].ImageRaw.Pix))
		before, after, control = before+b/n, after+a/n, control+c/n
	}
	t.Logf("mean consistency: %.2f dB unedited, %.2f dB edited, %.2f dB control", before, after, control)
	if after < before-1 {
		t.Errorf("editing lowered the mean consistency from %.2f to %.2f dB", before, after)
	}
	if control > before-3 {
		t.Errorf("views of different heads are %.2f dB consistent, within 3 dB of one head's %.2f: the check cannot tell", control, before)
	}
}

// nearest3 fits the micro tests' scorer: 3-nearest-neighbour regression (48 identities are few for 5).
func nearest3(truth Labelled) (Scorer, error) { return Nearest(truth, 3) }
