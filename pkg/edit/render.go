package edit

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// render.go: edited inversions seen from any camera, and what an edit does to the rendered head.

// Render edits the W+ code ws by alpha·n on layers and renders the result from each camera with r (the
// tuned generator of an inversion, or any other). The edit changes the latent only, so every view comes from
// the same triplanes: an edited head is as 3D-consistent as the generator is.
func Render(r *eg3d.Runner, ws *tensors.Tensor, n []float32, alpha float64, layers Layers, cams []camera.Camera, opts eg3d.RenderOptions) ([]*eg3d.Images, error) {
	edited, err := Apply(ws, n, alpha, layers)
	if err != nil {
		return nil, err
	}
	out := make([]*eg3d.Images, len(cams))
	for i, c := range cams {
		if out[i], err = r.Render(edited, c, opts); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Orbit returns the final images of ws edited by alpha·n along the paper's 30-view orbit (camera.Orbit), the
// frames of an edited orbit GIF.
func Orbit(r *eg3d.Runner, ws *tensors.Tensor, n []float32, alpha float64, layers Layers, opts eg3d.RenderOptions) ([]*fimage.Image, error) {
	views, err := Render(r, ws, n, alpha, layers, camera.Cameras(camera.Orbit()), opts)
	if err != nil {
		return nil, err
	}
	frames := make([]*fimage.Image, len(views))
	for i, v := range views {
		frames[i] = v.Image
	}
	return frames, nil
}

// Sweep renders ws edited by each of alphas along n at cam and reads every attribute of probe off each
// image: scores[i][k] is attribute k (probe.Attributes) at alphas[i].
func Sweep(r *eg3d.Runner, ws *tensors.Tensor, n []float32, alphas []float64, layers Layers, cam camera.Camera, opts eg3d.RenderOptions, probe *Probe) ([][]float64, error) {
	scores := make([][]float64, len(alphas))
	for i, a := range alphas {
		views, err := Render(r, ws, n, a, layers, []camera.Camera{cam}, opts)
		if err != nil {
			return nil, err
		}
		if scores[i], err = probe.Score(views[0].Image); err != nil {
			return nil, err
		}
	}
	return scores, nil
}

// Selectivity summarizes a Sweep: how far the target attribute moved from the first to the last edit
// strength, and the mean absolute move of every other attribute (small for an edit that leaves the rest of
// the identity alone). Attributes listed in ignore (by index) are left out of the others, e.g. those the
// head world correlates with the target.
func Selectivity(scores [][]float64, target int, ignore ...int) (moved, others float64, err error) {
	if len(scores) < 2 || target < 0 || target >= len(scores[0]) {
		return 0, 0, fmt.Errorf("edit: selectivity of attribute %d over %d edit strengths", target, len(scores))
	}
	first, last := scores[0], scores[len(scores)-1]
	skip := map[int]bool{target: true}
	for _, k := range ignore {
		skip[k] = true
	}
	count := 0
	for k := range first {
		if !skip[k] {
			others += math.Abs(last[k] - first[k])
			count++
		}
	}
	if count > 0 {
		others /= float64(count)
	}
	return last[target] - first[target], others, nil
}

// SweepSelectivity edits each of latents (broadcast to every W+ layer) from -span to +span along n, renders
// both ends at cam with r and averages Selectivity over the latents: how far the probe's reading of attribute
// target moved, and how far the other attributes (less those in ignore) moved on average.
func SweepSelectivity(r *eg3d.Runner, latents [][]float32, n []float32, span float64, cam camera.Camera, opts eg3d.RenderOptions, probe *Probe, target int, ignore ...int) (moved, others float64, err error) {
	if len(latents) == 0 {
		return 0, 0, fmt.Errorf("edit: selectivity over no latents")
	}
	num := r.Gen.Config.NumWS()
	for _, w := range latents {
		scores, err := Sweep(r, Broadcast(w, num), n, []float64{-span, span}, Layers{}, cam, opts, probe)
		if err != nil {
			return 0, 0, err
		}
		mv, ot, err := Selectivity(scores, target, ignore...)
		if err != nil {
			return 0, 0, err
		}
		moved += mv / float64(len(latents))
		others += ot / float64(len(latents))
	}
	return moved, others, nil
}
