package benchmark

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/metrics"
)

// Scores are one method's results on one case.
type Scores struct {
	// InputPSNR and InputSSIM compare the render at the input camera with the input.
	InputPSNR, InputSSIM float64
	// NovelPSNR and NovelSSIM compare renders at the evaluation cameras with the true views (means).
	NovelPSNR, NovelSSIM float64
	// ViewPSNR is the PSNR at each evaluation camera, in the case's order (NovelPSNR is their mean): an
	// evaluation camera near the input camera gains from PTI's fit of the input while the far ones lose.
	ViewPSNR []float64 `json:"view_psnr,omitempty"`
	// InputDepthMAE and NovelDepthMAE are mean absolute depth errors in world units on the true surface.
	InputDepthMAE, NovelDepthMAE float64
	// Consistency is the geometry-based agreement of novel views with the input through the method's own
	// rendered depth (dB). It needs no ground truth, so it serves photos, but it is circular on the
	// benchmark: stage 3's pseudo views are warped through that same geometry, so it favours the method.
	Consistency float64
	// TrueConsistency is the same agreement through the head world's true geometry (dB): each novel-view
	// pixel is carried to the input view by the true depth and compared where the input truly sees it. It
	// asks whether the novel views show the input's texture where it belongs, with nothing taken from the
	// method's own output.
	TrueConsistency float64
}

// consistencyTol is how far, in world units, a novel-view point may be from the input view's own surface
// and still count as seen by the input (1.5 cm on a head of about 0.5 units).
const consistencyTol = 0.015

// Score renders ws with r at the input and evaluation cameras and compares with c's ground truth.
func Score(r *eg3d.Runner, ws *tensors.Tensor, c *Case, opts eg3d.RenderOptions) (Scores, error) {
	var s Scores
	in, err := r.Render(ws, c.Camera, opts)
	if err != nil {
		return s, err
	}
	if s.InputPSNR, err = metrics.PSNR(in.Image, c.Input.RGB, nil); err != nil {
		return s, err
	}
	if s.InputSSIM, err = metrics.SSIM(in.Image, c.Input.RGB); err != nil {
		return s, err
	}
	if s.InputDepthMAE, _, err = metrics.DepthError(in.Depth, c.InputDepth, c.InputMask); err != nil {
		return s, err
	}
	n := float64(len(c.Views))
	for i, v := range c.Views {
		out, err := r.Render(ws, v, opts)
		if err != nil {
			return s, err
		}
		p, err := metrics.PSNR(out.Image, c.Truth[i].RGB, nil)
		if err != nil {
			return s, err
		}
		q, err := metrics.SSIM(out.Image, c.Truth[i].RGB)
		if err != nil {
			return s, err
		}
		d, _, err := metrics.DepthError(out.Depth, c.TruthDepth[i], c.TruthMask[i])
		if err != nil {
			return s, fmt.Errorf("benchmark: view %d: %w", i, err)
		}
		cons, _, err := metrics.Consistency(c.Input.RGB, in.Depth, c.Camera, out.Image, out.Depth, v, consistencyTol)
		if err != nil {
			cons = math.NaN() // no overlap with the input view at all
		}
		truth, _, err := metrics.Consistency(c.Input.RGB, c.InputDepth, c.Camera, out.Image, c.TruthDepth[i], v, consistencyTol)
		if err != nil {
			truth = math.NaN()
		}
		s.NovelPSNR += p / n
		s.ViewPSNR = append(s.ViewPSNR, p)
		s.NovelSSIM += q / n
		s.NovelDepthMAE += d / n
		s.Consistency += cons / n
		s.TrueConsistency += truth / n
	}
	return s, nil
}
