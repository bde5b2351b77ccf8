package invert

import (
	"fmt"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/pseudoview"
)

// Options are the hyperparameters of the inversion stages. Start from PaperOptions or QuickOptions.
type Options struct {
	// Seed drives every random draw (W noise, noise buffers, pseudo-view order).
	Seed int64
	// Render are the rendering options used while optimizing.
	Render eg3d.RenderOptions
	// Patch, when > 0, makes every optimization step of a generator without super-resolution (whose image
	// is its volume rendering) fit a random Patch x Patch square of the images instead of the whole images:
	// the step costs about (Patch/R)² of a full one, and the squares cover the image over the run. Generators
	// with super-resolution always fit whole images (their image needs the whole feature image). 0 (the
	// paper's setting) fits whole images.
	Patch int
	// RefineCamera optimizes the input cameras too (off by default, as in the paper).
	RefineCamera CameraRefinement
	// Perceptual computes the LPIPS term of the losses when their LPIPS weight is non-zero (nil otherwise);
	// WithLPIPS sets it together with the paper's LPIPS weights.
	Perceptual Perceptual `json:"-"`

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

	// FinalSteps and FinalLearningRate: stage 3 fits all generator parameters to the input view plus one
	// random pseudo view per step.
	FinalSteps        int
	FinalLearningRate float64
	// FinalFrom picks stage 3's starting generator: the PTI-tuned one (the paper) or the original (the
	// official code restarts from the pickle).
	FinalFrom Start
	// OccludedWeight weighs a pseudo view's loss where its blend mask says the generator filled it in
	// (mask 0), against 1 where it shows the warped input texture (mask 1); 1 is the official unweighted loss.
	// It weighs the MSE term; the other terms see the whole image.
	OccludedWeight float64
	// FinalLoss is stage 3's loss, applied to the input view and to the pseudo view alike.
	FinalLoss LossWeights

	// DensitySteps, DensityWeight and DensityFrom configure the density-regularization alternative (supp. D):
	// single-view fitting plus DensityWeight times the L1 distance of raw densities at DensityPoints random
	// points of the volume to those of the reference generator (after PTI, or before tuning).
	DensitySteps  int
	DensityWeight float64
	DensityPoints int
	DensityFrom   Start

	// PseudoViews configures mesh, warp and blend for 512x512 images (Run scales it to the generator's image
	// size); Trajectory are the pseudo views' cameras (nil: the official 30-view orbit).
	PseudoViews pseudoview.Options
	Trajectory  []camera.Camera

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

		FinalSteps:        3000,
		FinalLearningRate: 3e-4,
		FinalFrom:         FromTuned,
		OccludedWeight:    1,
		FinalLoss:         LossWeights{MSE: 1, MSSSIM: 1},

		PseudoViews: pseudoview.PaperOptions(),

		DensitySteps:  3000,
		DensityWeight: 1,
		DensityPoints: 8192,
		DensityFrom:   FromTuned,
	}
}

// Start names the generator a later stage starts from.
type Start int

const (
	// FromTuned starts from the PTI-tuned generator (the paper's stage 3).
	FromTuned Start = iota
	// FromOriginal starts from the generator before PTI (the official HFGI3D code's stage 3).
	FromOriginal
)

// String returns "tuned" or "original".
func (s Start) String() string {
	if s == FromOriginal {
		return "original"
	}
	return "tuned"
}

// QuickOptions returns a preset for CPUs and notebooks: 150 W+ steps, 150 PTI steps and 300 final (or
// density-regularized) steps, otherwise the paper's settings.
func QuickOptions() Options {
	o := PaperOptions()
	o.WSteps, o.PTISteps, o.FinalSteps, o.DensitySteps = 150, 150, 300, 300
	o.WAvgSamples = 300
	o.PseudoViews = pseudoview.QuickOptions()
	return o
}

// WithLPIPS returns o with the perceptual term of the official code's losses: LPIPS alone for W+ (the
// EG3D projector), MSE + LPIPS for PTI, stage 3 and density regularization (PTI's and HFGI3D's), computed by
// perceptual (e.g. a loaded pkg/lpips model's Distance).
func (o Options) WithLPIPS(perceptual Perceptual) Options {
	o.Perceptual = perceptual
	o.WLoss = LossWeights{LPIPS: 1}
	o.PTILoss = LossWeights{MSE: 1, LPIPS: 1}
	o.FinalLoss = LossWeights{MSE: 1, LPIPS: 1}
	return o
}

// WithSteps returns o with every stage's step count set to n (for smoke runs of notebooks and tests).
func (o Options) WithSteps(n int) Options {
	o.WSteps, o.PTISteps, o.FinalSteps, o.DensitySteps = n, n, n, n
	return o
}

// Validate reports the first unusable setting.
func (o *Options) Validate() error {
	switch {
	case o.WSteps < 0 || o.PTISteps < 0 || o.FinalSteps < 0 || o.DensitySteps < 0:
		return fmt.Errorf("invert: negative step count (W %d, PTI %d, final %d, density %d)", o.WSteps, o.PTISteps, o.FinalSteps, o.DensitySteps)
	case o.WLearningRate <= 0 || o.PTILearningRate <= 0 || o.FinalLearningRate <= 0:
		return fmt.Errorf("invert: learning rates must be positive (W %g, PTI %g, final %g)", o.WLearningRate, o.PTILearningRate, o.FinalLearningRate)
	case o.OccludedWeight < 0 || o.DensityWeight < 0 || o.DensityPoints < 1:
		return fmt.Errorf("invert: occluded weight %g, density weight %g and %d density points: want non-negative weights and points", o.OccludedWeight, o.DensityWeight, o.DensityPoints)
	case o.WAvgSamples < 2:
		return fmt.Errorf("invert: WAvgSamples %d, want at least 2 to estimate w_avg and w_std", o.WAvgSamples)
	case o.Patch < 0:
		return fmt.Errorf("invert: patch side %d, want 0 (whole images) or a positive side", o.Patch)
	case o.WRampUp < 0 || o.WRampDown <= 0 || o.WNoiseRamp <= 0:
		return fmt.Errorf("invert: schedule lengths must be positive (ramp-up %g, ramp-down %g, noise ramp %g)", o.WRampUp, o.WRampDown, o.WNoiseRamp)
	}
	return nil
}
