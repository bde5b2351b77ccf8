package invert

import (
	"context"
	"fmt"

	"github.com/gomlx/gomlx/backends"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/pseudoview"
)

// StagePseudo reports the pseudo views as they are built (Step and Steps count views; no loss).
const StagePseudo Stage = "pseudoviews"

// Result holds every stage's output of Run, for display and evaluation.
type Result struct {
	W   *WResult
	PTI *PTIResult
	// Depth is the PTI-tuned generator's depth at the input camera, from which the mesh is built.
	Depth *fimage.Image
	// Views are the pseudo multi-views and their pieces.
	Views []pseudoview.View
	Final *FinalResult
}

// Run inverts target through the whole method (supp. A.1): W+ projection, PTI, pseudo multi-views from the
// tuned generator's depth and renders, and the final pseudo-multi-view optimization. perceptual supplies LPIPS
// when the options weigh it (nil otherwise). Each stage reports to cb; on cancellation or an error Run returns
// the stages finished so far with the error.
func Run(stdctx context.Context, be backends.Backend, g *eg3d.Generator, target Target, opts Options, perceptual Perceptual, cb Callback) (*Result, error) {
	res := &Result{}
	var err error
	losses := func(w LossWeights) Losses { return Losses{Weights: w, LPIPS: perceptual} }
	if res.W, err = ProjectW(stdctx, be, g, target, opts, losses(opts.WLoss), cb); err != nil {
		return res, err
	}
	if res.PTI, err = TunePTI(stdctx, be, g, res.W.WS, target, opts, losses(opts.PTILoss), cb); err != nil {
		return res, err
	}
	r := eg3d.NewRunner(res.PTI.Generator, be)
	imgs, err := r.Render(res.W.WS, target.Camera, opts.Render)
	if err != nil {
		return res, err
	}
	res.Depth = imgs.Depth
	if res.Views, err = BuildPseudoViews(stdctx, r, res.W, target, res.Depth, opts, cb); err != nil {
		return res, err
	}
	start := res.PTI.Generator
	if opts.FinalFrom == FromOriginal {
		start = g
	}
	res.Final, err = Final(stdctx, be, start, res.W.WS, target, AsPseudoViews(res.Views), opts, losses(opts.FinalLoss), cb)
	return res, err
}

// BuildPseudoViews makes the pseudo views of target along opts.Trajectory (the official orbit when nil) from
// the tuned generator r (its renders fill what the input did not see) and its depth at the input camera.
func BuildPseudoViews(stdctx context.Context, r *eg3d.Runner, w *WResult, target Target, depth *fimage.Image, opts Options, cb Callback) ([]pseudoview.View, error) {
	cams := opts.Trajectory
	if cams == nil {
		cams = pseudoview.Orbit()
	}
	po := opts.PseudoViews.Scale(float64(target.Image.H) / 512)
	var cbErr error
	po.Progress = func(done, total int) {
		if cb != nil && cbErr == nil {
			cbErr = cb(Step{Stage: StagePseudo, Step: done, Steps: total})
		}
	}
	render := func(c camera.Camera) (*fimage.Image, error) {
		if err := stdctx.Err(); err != nil {
			return nil, err
		}
		imgs, err := r.Render(w.WS, c, opts.Render)
		if err != nil {
			return nil, err
		}
		return imgs.Image, nil
	}
	views, err := pseudoview.Build(render, target.Image, target.Camera, depth, cams, po)
	if err == nil {
		err = cbErr
	}
	if err != nil {
		return nil, fmt.Errorf("invert: pseudo views: %w", err)
	}
	return views, nil
}

// AsPseudoViews converts built pseudo views into stage 3's inputs (the blend and its visibility mask).
func AsPseudoViews(views []pseudoview.View) []PseudoView {
	out := make([]PseudoView, len(views))
	for i, v := range views {
		out[i] = PseudoView{Camera: v.Camera, Image: v.Blended, Mask: v.Mask}
	}
	return out
}
