package invert

import (
	"fmt"

	"github.com/pmvi/pmvi/pkg/eg3d"
)

// Options are the hyperparameters of the inversion stages. Start from PaperOptions or QuickOptions.
type Options struct {
	// Seed drives every random draw (W noise, noise buffers, pseudo-view order).
	Seed int64
	// Render are the rendering options used while optimizing.
	Render eg3d.RenderOptions

	// WSteps is the number of stage-1 (W+) steps; WLearningRate the peak learning rate of the projector's
	// schedule (linear warm-up over WRampUp of the run, cosine ramp-down over the last WRampDown).
	WSteps             int
	WLearningRate      float64
	WRampUp, WRampDown float64
	// WAvgSamples latents z are mapped to estimate w_avg (the start) and w_std (the noise scale).
	WAvgSamples int
	// WNoise is the initial scale of the noise added to W, relative to w_std; it decays quadratically to zero
	// over WNoiseRamp of the run.
	WNoise, WNoiseRamp float64
	// OptimizeNoise also optimizes (copies of) the backbone's noise buffers, regularized by NoiseRegularization
	// and renormalized after each step, as the official projector does; the copies are discarded afterwards.
	OptimizeNoise       bool
	NoiseRegularization float64
	// WLoss is stage 1's loss; the image is area-downsampled to at most 256 pixels first when LPIPS is used.
	WLoss LossWeights

	// PTISteps, PTILearningRate: stage 2 (PTI) fine-tunes all generator parameters with Adam at a constant rate.
	PTISteps        int
	PTILearningRate float64
	// PTIStopLoss stops PTI early once the loss falls to it (0: never).
	PTIStopLoss float64
	// PTILoss is stage 2's loss.
	PTILoss LossWeights

	// SnapshotEvery attaches the current render to every n-th step's report (0: never).
	SnapshotEvery int
}

// PaperOptions returns the paper's settings (supp. A.1; the official projector's schedule): 500 W+ steps
// at peak lr 0.01 and 500 PTI steps at lr 3e-4. Losses default to MSE + MS-SSIM (LPIPS needs weights that
// cannot be downloaded here; set WLoss/PTILoss.LPIPS when you supply them).
func PaperOptions() Options {
	return Options{
		Seed:                0,
		Render:              eg3d.RenderOptions{Deterministic: true},
		WSteps:              500,
		WLearningRate:       0.01,
		WRampUp:             0.05,
		WRampDown:           0.25,
		WAvgSamples:         600,
		WNoise:              0.05,
		WNoiseRamp:          0.75,
		NoiseRegularization: 1e5,
		WLoss:               LossWeights{MSE: 1, MSSSIM: 1},
		PTISteps:            500,
		PTILearningRate:     3e-4,
		PTILoss:             LossWeights{MSE: 1, MSSSIM: 1},
	}
}

// QuickOptions returns a preset for CPUs and notebooks: 150 W+ steps and 150 PTI steps, otherwise the
// paper's settings. On the embedded tiny model it takes about a minute per stage on two cores.
func QuickOptions() Options {
	o := PaperOptions()
	o.WSteps, o.PTISteps = 150, 150
	o.WAvgSamples = 300
	return o
}

// Validate reports the first unusable setting.
func (o *Options) Validate() error {
	switch {
	case o.WSteps < 0 || o.PTISteps < 0:
		return fmt.Errorf("invert: negative step count (W %d, PTI %d)", o.WSteps, o.PTISteps)
	case o.WLearningRate <= 0 || o.PTILearningRate <= 0:
		return fmt.Errorf("invert: learning rates must be positive (W %g, PTI %g)", o.WLearningRate, o.PTILearningRate)
	case o.WAvgSamples < 2:
		return fmt.Errorf("invert: WAvgSamples %d, want at least 2 to estimate w_avg and w_std", o.WAvgSamples)
	case o.WRampUp < 0 || o.WRampDown <= 0 || o.WNoiseRamp <= 0:
		return fmt.Errorf("invert: schedule lengths must be positive (ramp-up %g, ramp-down %g, noise ramp %g)", o.WRampUp, o.WRampDown, o.WNoiseRamp)
	}
	return nil
}
