//go:build unix

package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/pmvi/pmvi/models"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/invert"
)

// smallStep times the steps of one inversion stage of the model without super-resolution (the embedded
// "small" model when it is there, else eg3d.Small at random weights: the cost is the same), through the
// stages' own code: the stage runs repeat+1 steps, the first (compilation) is dropped, and Runs are the
// other steps' times. patch is the side of the square each step fits (0: the whole image).
func (e *env) smallStep(stage invert.Stage, patch int) (result, error) {
	g, err := models.Load("small")
	if err != nil {
		if g, err = eg3d.New(eg3d.Small(), 0); err != nil {
			return result{}, err
		}
	}
	r := eg3d.NewRunner(g, e.cpu)
	cam := camera.At(0.2, 0)
	ws, err := r.Mapping(make([]float32, g.Config.ZDim), cam, 0.7)
	if err != nil {
		return result{}, err
	}
	img, err := r.Render(ws, camera.At(0.1, 0), eg3d.RenderOptions{Deterministic: true})
	if err != nil {
		return result{}, err
	}
	o := invert.QuickOptions().WithSteps(e.repeat + 1)
	o.Patch, o.WAvgSamples = patch, 16
	var res result
	var last time.Duration
	o.SnapshotEvery = 0
	in := invert.Inversion{Backend: e.cpu, Generator: g, Target: invert.Target{Image: img.Image, Camera: cam}, Options: o,
		Progress: func(s invert.Step) error {
			if s.Step > 1 {
				res.Runs = append(res.Runs, (s.Elapsed - last).Seconds())
			}
			last = s.Elapsed
			return nil
		}}
	res.LoadAvg[0] = loadAvg()
	ctx := context.Background()
	switch stage {
	case invert.StageW:
		_, err = in.ProjectW(ctx)
	case invert.StagePTI:
		_, err = in.TunePTI(ctx, ws)
	case invert.StageFinal:
		views := []invert.PseudoView{{Camera: camera.At(0.35, 0), Image: img.Image}, {Camera: camera.At(-0.35, 0), Image: img.Image}}
		_, err = in.Final(ctx, g, ws, views)
	default:
		err = fmt.Errorf("bench: no step case for stage %s", stage)
	}
	if err != nil {
		return res, err
	}
	res.LoadAvg[1] = loadAvg()
	sorted := slices.Clone(res.Runs)
	slices.Sort(sorted)
	res.Seconds = sorted[len(sorted)/2]
	return res, nil
}
