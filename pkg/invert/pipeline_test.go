package invert

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
)

// microPipeline is a pipeline of a Micro generator on one of its own renders, 4 pseudo views, short stages.
func microPipeline(t *testing.T, dir string, cb Callback) *Pipeline {
	t.Helper()
	be := backend.MustNew()
	g, err := eg3d.New(eg3d.Micro(), 3)
	if err != nil {
		t.Fatal(err)
	}
	cam := camera.At(0.1, 0)
	opts := quickTestOptions(6)
	opts.FinalSteps, opts.DensitySteps, opts.DensityPoints = 6, 6, 256
	opts.Trajectory = camera.Cameras(camera.Ellipse(4, 0.35, 0.25, -0.05))
	return &Pipeline{
		Inversion: Inversion{Backend: be, Generator: g, Target: Target{Image: microTarget(t, be, g, 2, cam), Camera: cam}, Options: opts, Progress: cb},
		Workspace: Workspace{Dir: dir}, Network: "micro", Preset: "test",
	}
}

func TestPipelineRunsEveryStageOfTheMethod(t *testing.T) {
	stages := map[Stage]int{}
	index := map[Stage]int{}
	p := microPipeline(t, "", func(s Step) error {
		stages[s.Stage]++
		index[s.Stage] = s.StageIndex
		if want := map[bool]int{true: 3, false: 4}[s.Stage == StageDensity]; s.StageCount != want {
			t.Fatalf("step of %s reports %d stages, want %d", s.Stage, s.StageCount, want)
		}
		return nil
	})
	res, err := p.Run(context.Background(), MethodOurs)
	if err != nil {
		t.Fatal(err)
	}
	want := map[Stage]int{StageW: 6, StagePTI: 6, StagePseudo: 4, StageFinal: 6}
	for st, n := range want {
		if stages[st] != n {
			t.Errorf("stage %s reported %d steps, want %d", st, stages[st], n)
		}
	}
	if index[StageW] != 1 || index[StagePTI] != 2 || index[StagePseudo] != 3 || index[StageFinal] != 4 {
		t.Errorf("stage indices %v, want w 1, pti 2, pseudoviews 3, final 4", index)
	}
	if len(res.Views) != 4 || res.Depth == nil || res.Final == nil || res.Generator != res.Final.Generator {
		t.Fatalf("incomplete result: %d views, depth %v, final %v", len(res.Views), res.Depth != nil, res.Final != nil)
	}
	if v := res.Views[0]; v.Blended.H != 16 || v.Mask.C != 1 {
		t.Errorf("pseudo view blend %dx%d, mask %d channels", v.Blended.H, v.Blended.W, v.Mask.C)
	}
	// RunUntil stops after the stage it names; a stage the method lacks is refused.
	part, err := p.RunUntil(context.Background(), MethodOurs, StagePTI)
	if err != nil || part.PTI != res.PTI || part.Views != nil || part.Final != nil || part.Generator != res.PTI.Generator {
		t.Errorf("RunUntil(ours, pti): %v; want PTI's result and nothing after it", err)
	}
	if _, err := p.RunUntil(context.Background(), MethodPTI, StageFinal); err == nil {
		t.Error("RunUntil(pti, final) was accepted")
	}
	// A second method on the same pipeline reuses W+ and PTI from memory.
	clear(stages)
	dr, err := p.Run(context.Background(), MethodDensityReg)
	if err != nil {
		t.Fatal(err)
	}
	if stages[StageW] != 0 || stages[StagePTI] != 0 || stages[StageDensity] != 6 {
		t.Errorf("densityreg after ours ran %v, want only 6 densityreg steps", stages)
	}
	if dr.W != res.W || dr.PTI != res.PTI {
		t.Error("densityreg did not share ours' W+ and PTI results")
	}
}

// A run stopped during stage 3 (as by kill -9: nothing of stage 3 is kept) continues from its workspace:
// W+, PTI and the pseudo views are loaded, stage 3 runs again and ends where an uninterrupted run ends. A
// changed setting recomputes exactly the stages that depend on it.
func TestPipelineResumesAndRecomputesWhatChanged(t *testing.T) {
	full := microPipeline(t, "", nil)
	want, err := full.Run(context.Background(), MethodOurs)
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	stdctx, cancel := context.WithCancel(context.Background())
	first := microPipeline(t, dir, func(s Step) error {
		if s.Stage == StageFinal && s.Step == 3 {
			cancel()
		}
		return nil
	})
	if _, err := first.Run(stdctx, MethodOurs); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run returned %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "final.json")); err == nil {
		t.Fatal("an interrupted stage 3 left final.json")
	}
	again := microPipeline(t, dir, nil)
	got, err := again.Run(context.Background(), MethodOurs)
	if err != nil {
		t.Fatal(err)
	}
	loaded := map[Stage]bool{}
	for _, s := range got.Record.Stages {
		loaded[s.Stage] = s.Loaded
	}
	if !loaded[StageW] || !loaded[StagePTI] || !loaded[StagePseudo] || loaded[StageFinal] {
		t.Errorf("resumed run loaded %v, want w, pti and pseudoviews loaded and final computed", loaded)
	}
	a, b := renderPSNR(t, full.Backend, want.Generator, want.W, full.Target), renderPSNR(t, again.Backend, got.Generator, got.W, again.Target)
	if a != b {
		t.Errorf("resumed run renders the input at %.6f dB, the uninterrupted one at %.6f dB", b, a)
	}
	if _, err := os.Stat(filepath.Join(dir, "run.json")); err != nil {
		t.Errorf("no run.json: %v", err)
	}

	// Another PTI learning rate: W+ is kept, everything after it is recomputed.
	changed := microPipeline(t, dir, nil)
	changed.Options.PTILearningRate *= 2
	res, err := changed.Run(context.Background(), MethodOurs)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Record.Stages {
		if s.Loaded != (s.Stage == StageW) {
			t.Errorf("after changing PTI's learning rate, stage %s loaded=%v", s.Stage, s.Loaded)
		}
	}
}

func TestMethodOfStages(t *testing.T) {
	for _, tt := range []struct {
		stages string
		want   Method
		ok     bool
	}{
		{"w", MethodW, true},
		{"w,pti", MethodPTI, true},
		{"w,pti,final", MethodOurs, true},
		{"w, pti, pseudoviews, final", MethodOurs, true},
		{"w,pti,densityreg", MethodDensityReg, true},
		{"w,pti,ptilong", MethodPTILong, true},
		{"pti", "", false},
		{"w,final", "", false},
		{"w,pti,final,densityreg", "", false},
	} {
		got, err := MethodOfStages(tt.stages)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("MethodOfStages(%q) = %q, %v; want %q (ok %v)", tt.stages, got, err, tt.want, tt.ok)
		}
	}
}

// Two views of one subject and camera refinement run through every stage: the refined cameras are recorded,
// used by the later stages (PTI's key depends on them), and stored with stage 1.
func TestPipelineWithTwoViewsAndCameraRefinement(t *testing.T) {
	p := microPipeline(t, t.TempDir(), nil)
	cam2 := camera.At(-0.3, 0.1)
	p.Extra = []Target{{Image: microTarget(t, p.Backend, p.Generator, 2, cam2), Camera: cam2}}
	p.Options.RefineCamera = DefaultCameraRefinement()
	p.Options.RefineCamera.PTI = true
	p.Options.RefineCamera.Search = CameraSearch{} // the gradient steps' mechanics (TestSearchCameras* test the search)
	res, err := p.Run(context.Background(), MethodOurs)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.W.Cameras) != 2 || len(res.PTI.Cameras) != 2 || len(res.Record.Cameras) != 2 || res.Record.Views != 2 {
		t.Fatalf("refined cameras: W %d, PTI %d, record %d (views %d); want 2 each", len(res.W.Cameras), len(res.PTI.Cameras), len(res.Record.Cameras), res.Record.Views)
	}
	if d := res.W.Cameras[1].Degrees; !(d > 0) || d > 10 {
		t.Errorf("the second camera moved %.3f degrees in 6 steps", d)
	}
	if len(res.Views) != 4 || res.Final == nil {
		t.Fatalf("%d pseudo views, final %v", len(res.Views), res.Final != nil)
	}
	again := microPipeline(t, p.Workspace.Dir, nil)
	again.Extra, again.Options.RefineCamera = p.Extra, p.Options.RefineCamera
	res2, err := again.Run(context.Background(), MethodOurs)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res2.Record.Stages {
		if !s.Loaded {
			t.Errorf("stage %s recomputed on the same settings", s.Stage)
		}
	}
	if res2.W.Cameras[0].Label[3] != res.W.Cameras[0].Label[3] {
		t.Error("the stored refined camera differs from the computed one")
	}
}
