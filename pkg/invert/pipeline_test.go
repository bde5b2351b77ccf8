package invert

import (
	"context"
	"testing"

	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
)

func TestRunGoesThroughEveryStage(t *testing.T) {
	be := backend.MustNew()
	g, err := eg3d.New(eg3d.Micro(), 3)
	if err != nil {
		t.Fatal(err)
	}
	cam := camera.At(0.1, 0)
	target := Target{Image: microTarget(t, be, g, 2, cam), Camera: cam}
	opts := quickTestOptions(10)
	opts.FinalSteps = 10
	opts.Trajectory = camera.Cameras(camera.Ellipse(4, 0.35, 0.25, -0.05))
	stages := map[Stage]int{}
	res, err := Run(context.Background(), be, g, target, opts, nil, func(s Step) error {
		stages[s.Stage]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[Stage]int{StageW: 10, StagePTI: 10, StagePseudo: 4, StageFinal: 10}
	for st, n := range want {
		if stages[st] != n {
			t.Errorf("stage %s reported %d steps, want %d", st, stages[st], n)
		}
	}
	if len(res.Views) != 4 || res.Depth == nil || res.Final == nil || res.Final.Generator == nil {
		t.Fatalf("incomplete result: %d views, depth %v, final %v", len(res.Views), res.Depth != nil, res.Final != nil)
	}
	if v := res.Views[0]; v.Blended.H != 16 || v.Mask.C != 1 {
		t.Errorf("pseudo view blend %dx%d, mask %d channels", v.Blended.H, v.Blended.W, v.Mask.C)
	}
}
