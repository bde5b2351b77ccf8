package invert

import (
	"context"
	"fmt"
	"time"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/pseudoview"
)

// StagePseudo reports the pseudo views as they are built (Step and Steps count views; no loss).
const StagePseudo Stage = "pseudoviews"

// BuildPseudoViews makes the pseudo multi-views (supp. A.1 steps 4-6) along Options.Trajectory (the official
// orbit when nil) from the tuned generator: its depth at the input camera gives the mesh, the input's
// foreground texture is warped to each camera, its renders fill what the input did not see, and the two are
// blended. With extra views, each gives its own mesh and texture (pseudoview.BuildFrom merges them). Only the foreground's texture is warped: Target.Foreground when given, else, for a generator that
// composites onto a plain background (Config.WhiteBackground, as the embedded models do), where its render at
// the input camera is opaque, i.e. the head; else the whole image. It also returns the depth.
func (in *Inversion) BuildPseudoViews(stdctx context.Context, tuned *eg3d.Generator, ws *tensors.Tensor) ([]pseudoview.View, *fimage.Image, error) {
	opts := in.Options
	r := eg3d.NewRunner(tuned, in.Backend)
	var sources []pseudoview.Source
	var inputDepth *fimage.Image
	for _, t := range in.views() {
		at, err := r.Render(ws, t.Camera, opts.Render)
		if err != nil {
			return nil, nil, err
		}
		depth, err := MeshDepth(t, &tuned.Config, at)
		if err != nil {
			return nil, nil, err
		}
		if inputDepth == nil {
			inputDepth = at.Depth
		}
		sources = append(sources, pseudoview.Source{Image: t.Image, Camera: t.Camera, Depth: depth})
	}
	cams := opts.Trajectory
	if cams == nil {
		cams = pseudoview.Orbit()
	}
	po := opts.PseudoViews.Scale(float64(in.Target.Image.H) / 512)
	var cbErr error
	start := time.Now()
	po.Progress = func(done, total int) {
		if in.Progress != nil && cbErr == nil {
			cbErr = in.Progress(Step{Stage: StagePseudo, Step: done, Steps: total, Elapsed: time.Since(start)})
		}
	}
	render := func(c camera.Camera) (*fimage.Image, error) {
		if err := stdctx.Err(); err != nil {
			return nil, err
		}
		imgs, err := r.Render(ws, c, opts.Render)
		if err != nil {
			return nil, err
		}
		return imgs.Image, nil
	}
	views, err := pseudoview.BuildFrom(render, sources, cams, po)
	if err == nil {
		err = cbErr
	}
	if err != nil {
		return nil, nil, fmt.Errorf("invert: pseudo views: %w", err)
	}
	return views, inputDepth, nil
}

// MeshDepth returns the depth the pseudo views' mesh is built from: the tuned generator's depth at the input
// camera (at, rendered by a generator of config cfg), +Inf outside the foreground: target.Foreground when
// given, else, for a generator that composites onto a plain background, where at is opaque (unless that is
// under 1% of the image: an untrained generator's, whose depth is then taken whole).
func MeshDepth(target Target, cfg *eg3d.Config, at *eg3d.Images) (*fimage.Image, error) {
	foreground := target.Foreground
	if foreground == nil && cfg.WhiteBackground {
		opaque := 0
		for _, w := range at.WeightsSum.Pix {
			if w >= 0.5 {
				opaque++
			}
		}
		if opaque*100 >= len(at.WeightsSum.Pix) {
			foreground = at.WeightsSum
		}
	}
	if foreground == nil {
		return at.Depth, nil
	}
	depth, err := pseudoview.KeepForeground(at.Depth, foreground)
	if err != nil {
		return nil, fmt.Errorf("invert: pseudo views: %w", err)
	}
	return depth, nil
}

// AsPseudoViews converts built pseudo views into stage 3's inputs (the blend and its visibility mask).
func AsPseudoViews(views []pseudoview.View) []PseudoView {
	out := make([]PseudoView, len(views))
	for i, v := range views {
		out[i] = PseudoView{Camera: v.Camera, Image: v.Blended, Mask: v.Mask}
	}
	return out
}
