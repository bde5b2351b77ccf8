package edit

import (
	"math"
	"slices"
	"testing"

	"github.com/pmvi/pmvi/models"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/heads"
)

// On the embedded model, an edit of +-2 standard deviations along a direction (the paper's, or conditioned on
// every other readable attribute) moves the rendered head's attribute at least twice as far as the other
// attributes that can be read off a render move on average, each head and attribute counted separately: the
// rest of the identity changes much less. The reader is a probe fitted on ground-truth renders of 1200 other heads,
// so it is independent of the generator and of the scorer that found the directions; "readable" attributes
// are those it reads on held-out truth (R² >= 0.5) and on the generator's renders of its training identities
// (R² >= 0.3). For scale, the log also gives what an exact edit in the head world (0.1 -> 0.9, nothing else
// changed) does to the same probe's readings: its other attributes do not stay perfectly still either.
func TestTinyEditsAreSelective(t *testing.T) {
	if testing.Short() {
		t.Skip("renders the embedded model and 1,500 head-world views (about 3 minutes); skipped with -short")
	}
	g, err := models.Tiny()
	if err != nil {
		t.Fatal(err)
	}
	info, err := models.TinyInfo()
	if err != nil {
		t.Fatal(err)
	}
	latents, err := models.TinyLatents()
	if err != nil {
		t.Fatal(err)
	}
	hs, err := NewHeads(latents, g.Config.WDim, info.TrainIdentities)
	if err != nil {
		t.Fatal(err)
	}
	be := backend.MustNew()
	r := eg3d.NewRunner(g, be)
	opts := eg3d.RenderOptions{Deterministic: true}
	cam := camera.At(0, 0)
	names := heads.AttributeNames()

	probeSeeds, heldOut := heads.Split(991, 1200, 300)
	images, truth := HeadsViews(probeSeeds, cam, 64)
	probe, err := FitProbe(images, truth, names, 16, 0.01)
	if err != nil {
		t.Fatal(err)
	}
	truthR2, err := probe.R2(HeadsViews(heldOut, cam, 64))
	if err != nil {
		t.Fatal(err)
	}
	renders, labels, err := hs.Renders(r, cam, opts)
	if err != nil {
		t.Fatal(err)
	}
	genR2, err := probe.R2(renders, labels)
	if err != nil {
		t.Fatal(err)
	}
	var readable []string
	var unreadable []int
	for k, n := range names {
		if truthR2[k] >= 0.5 && genR2[k] >= 0.3 {
			readable = append(readable, n)
		} else {
			unreadable = append(unreadable, k)
		}
	}
	t.Logf("attributes the probe reads on truth and on the model's renders: %v", readable)

	targets := []string{"hair_length", "skin_tone", "hair_darkness", "glasses", "beard"}
	plain, err := hs.Directions(be, g, targets, TinyRecipe())
	if err != nil {
		t.Fatal(err)
	}
	rc := TinyRecipe()
	rc.ConditionOn = readable
	conditioned, err := hs.Directions(be, g, targets, rc)
	if err != nil {
		t.Fatal(err)
	}
	// One sample serves both calls, so a conditional direction is orthogonal to the paper's directions of
	// the other targets, and never conditioned on itself.
	for a, c := range conditioned {
		if slices.Contains(c.ConditionedOn, c.Attribute) || len(c.ConditionedOn) != len(readable)-1 {
			t.Errorf("%s conditioned on %v, want every readable attribute but itself", c.Attribute, c.ConditionedOn)
		}
		for b, p := range plain {
			if cos := project(c.Normal, p.Normal); a != b && math.Abs(cos) > 1e-4 {
				t.Errorf("conditional %s direction has cosine %.2g with %s's, want 0", c.Attribute, cos, p.Attribute)
			}
		}
	}
	edited := hs.Latents[:12]
	for a, name := range targets {
		k := probe.Index(name)
		if truthR2[k] < 0.5 || genR2[k] < 0.3 {
			t.Errorf("%s: the probe reads it with R² %.2f on truth and %.2f on the model's renders; the test needs a readable target", name, truthR2[k], genR2[k])
			continue
		}
		exactMoved, exactOthers := exactEdit(t, probe, heldOut[:12], name, cam, k, unreadable)
		t.Logf("%-13s exact head-world edit 0.1 -> 0.9: moves it by %+.3f, the %d other readable attributes by %.3f on average (ratio %.2f)",
			name, exactMoved, len(readable)-1, exactOthers, exactOthers/math.Abs(exactMoved))
		for _, d := range []*Direction{plain[a], conditioned[a]} {
			kind := "plain"
			if len(d.ConditionedOn) > 0 {
				kind = "conditional"
			}
			moved, others, err := SweepSelectivity(r, edited, d.Normal, 2*d.Sigma, cam, opts, probe, k, unreadable...)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%-13s %-11s -2σ -> +2σ: moves it by %+.3f, the others by %.3f (ratio %.2f)", name, kind, moved, others, others/math.Abs(moved))
			if moved < 0.25 {
				t.Errorf("%s, %s direction: -2σ -> +2σ moves the rendered attribute by %+.3f, want an increase of at least 0.25", name, kind, moved)
			}
			if others > moved/2 {
				t.Errorf("%s, %s direction: moves it by %.3f, the other attributes by %.3f: want them to move less than half as much", name, kind, moved, others)
			}
		}
	}
}

// exactEdit renders heads at seeds with attribute set to 0.1 and to 0.9 and averages the probe's Selectivity:
// what a perfectly selective edit looks like to this probe.
func exactEdit(t *testing.T, probe *Probe, seeds []uint64, attribute string, cam camera.Camera, target int, ignore []int) (moved, others float64) {
	t.Helper()
	for _, s := range seeds {
		var scores [][]float64
		for _, v := range []float64{0.1, 0.9} {
			id, err := heads.NewIdentity(s).WithAttribute(attribute, v)
			if err != nil {
				t.Fatal(err)
			}
			view := heads.Render(heads.Scene{Identity: id, Background: heads.Plain(1, 1, 1)}, cam, 64)
			sc, err := probe.Score(view.RGB)
			if err != nil {
				t.Fatal(err)
			}
			scores = append(scores, sc)
		}
		mv, ot, err := Selectivity(scores, target, ignore...)
		if err != nil {
			t.Fatal(err)
		}
		moved += mv / float64(len(seeds))
		others += ot / float64(len(seeds))
	}
	return moved, others
}
