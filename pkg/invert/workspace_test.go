package invert

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/pseudoview"
)

// A workspace computes each stage once: a second run loads identical results without calling compute.
func TestWorkspaceStoresAndLoadsEveryStage(t *testing.T) {
	be := backend.MustNew()
	g, _ := eg3d.New(eg3d.Micro(), 8)
	cam := camera.At(0.1, 0)
	target := Target{Image: microTarget(t, be, g, 3, cam), Camera: cam}
	opts := quickTestOptions(5)
	opts.FinalSteps = 5
	opts.Trajectory = camera.Cameras(camera.Ellipse(3, 0.3, 0.2, 0))
	l := Losses{Weights: LossWeights{MSE: 1}}
	ws := Workspace{Dir: t.TempDir()}
	calls := 0
	run := func() (*WResult, *PTIResult, []pseudoview.View, *FinalResult) {
		w, err := ws.W(func() (*WResult, error) { calls++; return ProjectW(context.Background(), be, g, target, opts, l, nil) })
		if err != nil {
			t.Fatal(err)
		}
		p, err := ws.PTI(func() (*PTIResult, error) {
			calls++
			return TunePTI(context.Background(), be, g, w.WS, target, opts, l, nil)
		})
		if err != nil {
			t.Fatal(err)
		}
		views, err := ws.PseudoViews(func() ([]pseudoview.View, error) {
			calls++
			r := eg3d.NewRunner(p.Generator, be)
			at, err := r.Render(w.WS, cam, opts.Render)
			if err != nil {
				return nil, err
			}
			return BuildPseudoViews(context.Background(), r, w, target, at.Depth, opts, nil)
		})
		if err != nil {
			t.Fatal(err)
		}
		f, err := ws.Final("final", func() (*FinalResult, error) {
			calls++
			return Final(context.Background(), be, p.Generator, w.WS, target, AsPseudoViews(views), opts, l, nil)
		})
		if err != nil {
			t.Fatal(err)
		}
		return w, p, views, f
	}
	w1, p1, v1, f1 := run()
	w2, p2, v2, f2 := run()
	if calls != 4 {
		t.Fatalf("compute called %d times over two runs, want 4 (once per stage)", calls)
	}
	if !reflect.DeepEqual(tensors.MustCopyFlatData[float32](w1.WS), tensors.MustCopyFlatData[float32](w2.WS)) ||
		!reflect.DeepEqual(w1.History, w2.History) || len(p2.History) != len(p1.History) {
		t.Error("stored W or PTI results differ from the computed ones")
	}
	if len(v2) != 3 || !reflect.DeepEqual(v1[2].Blended.Pix, v2[2].Blended.Pix) || !reflect.DeepEqual(v2[1].Camera.Label(), v1[1].Camera.Label()) {
		t.Error("stored pseudo views differ")
	}
	if f2.From != f1.From || len(f2.History) != 5 {
		t.Errorf("stored final result %+v", f2)
	}
	a := renderPSNR(t, be, f1.Generator, w1, target)
	b := renderPSNR(t, be, f2.Generator, w2, target)
	if a != b {
		t.Errorf("stored final generator renders %.3f dB, computed %.3f", b, a)
	}
}

func TestWorkspaceWithoutResultsSaysWhich(t *testing.T) {
	ws := Workspace{Dir: t.TempDir()}
	if _, err := ws.PTI(nil); err == nil || !strings.Contains(err.Error(), "PTI") {
		t.Errorf("PTI(nil) on an empty workspace: %v", err)
	}
}
