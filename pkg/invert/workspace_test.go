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
	in := inversion(be, g, target, opts, nil)
	ws := Workspace{Dir: t.TempDir()}
	calls := 0
	run := func() (*WResult, *PTIResult, []pseudoview.View, *FinalResult) {
		w, err := ws.W("kw", func() (*WResult, error) { calls++; return in.ProjectW(context.Background()) })
		if err != nil {
			t.Fatal(err)
		}
		p, err := ws.PTI("kp", func() (*PTIResult, error) {
			calls++
			return in.TunePTI(context.Background(), w.WS)
		})
		if err != nil {
			t.Fatal(err)
		}
		views, err := ws.PseudoViews("kv", func() ([]pseudoview.View, error) {
			calls++
			views, _, err := in.BuildPseudoViews(context.Background(), p.Generator, w.WS)
			return views, err
		})
		if err != nil {
			t.Fatal(err)
		}
		f, err := ws.Final("final", "kf", func() (*FinalResult, error) {
			calls++
			return in.Final(context.Background(), p.Generator, w.WS, AsPseudoViews(views))
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
	if _, err := ws.PTI("k", nil); err == nil || !strings.Contains(err.Error(), "PTI") {
		t.Errorf("PTI(nil) on an empty workspace: %v", err)
	}
}

// A stored result with another key is not used: compute runs and replaces it.
func TestWorkspaceIgnoresResultsOfOtherSettings(t *testing.T) {
	ws := Workspace{Dir: t.TempDir()}
	w := func(v float32) func() (*WResult, error) {
		return func() (*WResult, error) {
			return &WResult{WS: tensors.FromFlatDataAndDimensions([]float32{v, v}, 1, 1, 2)}, nil
		}
	}
	if _, err := ws.W("a", w(1)); err != nil {
		t.Fatal(err)
	}
	got, err := ws.W("b", w(2))
	if err != nil {
		t.Fatal(err)
	}
	if v := tensors.MustCopyFlatData[float32](got.WS)[0]; v != 2 {
		t.Errorf("key b returned %v, want the newly computed 2", v)
	}
	if _, err := ws.W("a", nil); err == nil {
		t.Error("key a still found after key b replaced it")
	}
	if got, err := ws.W("", nil); err != nil || tensors.MustCopyFlatData[float32](got.WS)[0] != 2 {
		t.Errorf("an empty key should accept the stored result: %v", err)
	}
}
