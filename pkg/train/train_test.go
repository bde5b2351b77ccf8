package train

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/heads"
)

// microOptions is a run small enough for tests: the Micro architecture on 6 identities of 4 views.
func microOptions(dir string) Options {
	cfg := eg3d.Micro()
	cfg.ZeroConditioning, cfg.WhiteBackground = true, true
	o := DefaultOptions()
	o.Config = cfg
	o.Data = DataOptions{Res: cfg.ImageResolution, NR: cfg.NeuralResolution, Views: 4, YawRange: 0.5, PitchRange: 0.2,
		Background: heads.Plain(1, 1, 1)}
	o.Identities, o.TestIdentities = 6, 2
	o.Phase1Steps, o.Batch, o.Rays = 30, 2, 48
	o.Phase2Steps, o.SRBatch = 10, 2
	o.CurveEvery, o.CurveIdentities, o.CurveViews = 10, 2, 1
	o.Dir = dir
	o.CheckpointEvery = time.Hour
	return o
}

// Training reduces the loss, and a run cancelled midway and started again continues from its checkpoint
// and ends exactly where an uninterrupted run ends.
func TestRunResumesAfterInterruption(t *testing.T) {
	be := backend.MustNew()
	fullDir := t.TempDir()
	full, err := Run(context.Background(), be, microOptions(fullDir), nil)
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	stdctx, cancel := context.WithCancel(context.Background())
	var first []Progress
	_, err = Run(stdctx, be, microOptions(dir), func(p Progress) {
		if p.Phase == 1 {
			first = append(first, p)
			if p.Step == 12 {
				cancel()
			}
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run returned %v, want context.Canceled", err)
	}
	var second []Progress
	resumed, err := Run(context.Background(), be, microOptions(dir), func(p Progress) {
		if p.Phase == 1 {
			second = append(second, p)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(second) == 0 || second[0].Step != 13 {
		t.Fatalf("resumed run started at phase-1 step %d, want 13", second[0].Step)
	}
	early, late := meanLoss(first[:5]), meanLoss(second[len(second)-5:])
	if late >= early {
		t.Errorf("phase-1 loss went from %v (first 5 steps) to %v (last 5)", early, late)
	}
	a, b := full.Latents, resumed.Latents
	worst := 0.0
	for i := range a {
		worst = math.Max(worst, math.Abs(float64(a[i]-b[i])))
	}
	if worst > 1e-4 {
		t.Errorf("resumed latents differ from the uninterrupted run's by %v", worst)
	}
	t.Logf("latents of resumed vs uninterrupted run differ by at most %.2g", worst)

	// A snapshot of the finished run is the run's generator and latents.
	snap, err := Snapshot(be, microOptions(dir))
	if err != nil {
		t.Fatal(err)
	}
	if snap.Steps != resumed.Steps || len(snap.Latents) != len(resumed.Latents) || snap.Latents[3] != resumed.Latents[3] {
		t.Errorf("snapshot at step %d, latents[3] %v; the run ended at step %d with %v", snap.Steps, snap.Latents[3], resumed.Steps, resumed.Latents[3])
	}
	if _, err := Snapshot(be, microOptions(t.TempDir())); err == nil {
		t.Error("a snapshot of an empty run directory")
	}

	// The learning curve has one point every 10 steps, the interrupted run's included, each as the
	// uninterrupted run measured it.
	want, err := ReadCurve(fullDir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadCurve(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || len(want) != 3 {
		t.Fatalf("learning curves of %d and %d points, want 3 (steps 10, 20, 30)", len(got), len(want))
	}
	for i := range got {
		if got[i].Step != 10*(i+1) || math.Abs(got[i].PSNR-want[i].PSNR) > 1e-3 || !(got[i].PSNR > 0) {
			t.Errorf("curve point %d: step %d PSNR %.4f dB, want step %d and the uninterrupted run's %.4f dB", i, got[i].Step, got[i].PSNR, 10*(i+1), want[i].PSNR)
		}
	}
}

func meanLoss(ps []Progress) float64 {
	s := 0.0
	for _, p := range ps {
		s += p.Loss / float64(len(ps))
	}
	return s
}
