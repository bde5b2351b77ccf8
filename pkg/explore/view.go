package explore

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/pmvi/pmvi/pkg/blend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/metrics"
	"github.com/pmvi/pmvi/pkg/pseudoview"
)

// view.go: what one setting of the controls shows.

// View is the explorer's picture for one Settings: the novel view as the ground truth, the PTI-tuned
// generator, the pseudo view and the stage-3 generator show it.
type View struct {
	Settings Settings
	Camera   camera.Camera
	// Input is the inverted image; Truth the true novel view (nil when the input has no ground truth).
	Input, Truth *fimage.Image
	// PTI is the PTI-tuned generator's render of the novel view.
	PTI *fimage.Image
	// Visible and Mask are the input's texture warped to the novel view and where it is valid (V_i, M_i);
	// Pseudo is their blend with PTI, the pseudo view stage 3 would see from this camera.
	Visible, Mask, Pseudo *fimage.Image
	// Final is the stage-3 generator's render of the novel view; nil while stage 3 for Settings has not run
	// (see Explorer.Tune).
	Final *fimage.Image
	// PSNR of PTI, Pseudo and Final against Truth, in dB (NaN without ground truth or without Final).
	PSNR Scores
	// Render is the time the camera's renders took (0 when cached), Blend the pseudo view's warp and blend;
	// Stage3 the time the stage-3 run took when it ran (in this process or an earlier one), Stage3Loss its
	// last loss.
	Render, Blend, Stage3 time.Duration
	Stage3Loss            float64
}

// Scores are per-image scores of a View.
type Scores struct{ PTI, Pseudo, Final float64 }

// Render returns the View for s: the novel camera's renders (cached by camera), the pseudo view there
// (re-blended) and, when stage 3 for s has run, its render. It never runs stage 3 (see Tune), so it takes
// about one or two generator renders, or nothing when every part is cached.
func (e *Explorer) Render(s Settings) (*View, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	c := s.Camera()
	v := &View{Settings: s, Camera: c, Input: e.in.Image}
	t := time.Now()
	var err error
	if v.Truth, err = e.truthLocked(c); err != nil {
		return nil, err
	}
	if v.PTI, err = e.renderLocked(e.pti, e.render, c); err != nil {
		return nil, err
	}
	f, err := e.finalLocked(s)
	if err != nil {
		return nil, err
	}
	if f != nil {
		if f.renders == nil {
			f.renders = map[camera.Camera]*fimage.Image{}
		}
		if v.Final, err = e.renderLocked(f.runner, f.renders, c); err != nil {
			return nil, err
		}
		v.Stage3, v.Stage3Loss = f.took, f.loss
	}
	v.Render = time.Since(t)
	t = time.Now()
	pv, err := e.pseudoViewLocked(c, s)
	if err != nil {
		return nil, err
	}
	v.Blend = time.Since(t)
	v.Visible, v.Mask, v.Pseudo = pv.Visible, pv.Mask, pv.Blended
	v.PSNR = Scores{psnr(v.PTI, v.Truth), psnr(v.Pseudo, v.Truth), psnr(v.Final, v.Truth)}
	return v, nil
}

// blendLayers blends a pseudo view; where the input saw nothing of the view (an empty mask) the pseudo view
// is the generator's render, as it is wherever the mask is 0.
func blendLayers(v *pseudoview.View, o blend.Options) (*fimage.Image, blend.Stats, error) {
	out, st, err := blend.Blend(blend.Layers{Visible: v.Visible, Mask: v.Mask, Coverage: v.Coverage, Generated: v.Generated}, o)
	if errors.Is(err, blend.ErrEmptyMask) {
		return v.Generated.Clone(), blend.Stats{}, nil
	}
	if err != nil {
		return nil, st, fmt.Errorf("explore: %w", err)
	}
	return out, st, nil
}

func psnr(a, truth *fimage.Image) float64 {
	if a == nil || truth == nil {
		return math.NaN()
	}
	p, err := metrics.PSNR(a, truth, nil)
	if err != nil {
		return math.NaN()
	}
	return p
}

// Mean returns the mean of an image's values (NaN for nil): a cheap fingerprint that changes when the picture
// does, for telling in a page which picture is shown.
func Mean(m *fimage.Image) float64 {
	if m == nil || len(m.Pix) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, v := range m.Pix {
		s += float64(v)
	}
	return s / float64(len(m.Pix))
}

// Summary returns the settings and what they gave, as key=value pairs that do not depend on timing or
// caching: Settings.String, then the mean of each shown picture (mean_truth, mean_pti, mean_pseudo,
// mean_final, NaN when absent) and the PSNRs against the truth (psnr_pti, psnr_pseudo, psnr_final).
func (v *View) Summary() string {
	return fmt.Sprintf("%s mean_truth=%.5f mean_pti=%.5f mean_pseudo=%.5f mean_final=%.5f psnr_pti=%.2f psnr_pseudo=%.2f psnr_final=%.2f",
		v.Settings, Mean(v.Truth), Mean(v.PTI), Mean(v.Pseudo), Mean(v.Final), v.PSNR.PTI, v.PSNR.Pseudo, v.PSNR.Final)
}

// Timing says where the time went, e.g. "renders 1.2s, blend 31ms, stage 3 41s (10 steps, loss 0.081)".
func (v *View) Timing() string {
	var b strings.Builder
	fmt.Fprintf(&b, "renders %s, blend %s, ", round(v.Render), round(v.Blend))
	switch {
	case v.Settings.Steps == 0:
		b.WriteString("stage 3 off (0 steps)")
	case v.Final == nil:
		b.WriteString("stage 3 not run yet")
	default:
		fmt.Fprintf(&b, "stage 3 %s (%d steps, loss %.3g)", round(v.Stage3), v.Settings.Steps, v.Stage3Loss)
	}
	return b.String()
}

func round(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}

// Grid lays views out as a figure's rows, one view a row: the input, the truth, the PTI render, the warped
// input V_i, the pseudo view and the stage-3 render, labelled with the camera. Its results fit
// figures.Grid's (and kernelext.Grid's) arguments.
func Grid(views ...*View) (rows [][]*fimage.Image, rowLabels, colLabels []string) {
	for _, v := range views {
		rows = append(rows, []*fimage.Image{v.Input, v.Truth, v.PTI, v.Visible, v.Pseudo, v.Final})
		rowLabels = append(rowLabels, fmt.Sprintf("yaw %g, pitch %g", v.Settings.Yaw, v.Settings.Pitch))
	}
	colLabels = []string{"input", "truth", "PTI", "warped input", "pseudo view", "stage 3"}
	return rows, rowLabels, colLabels
}
