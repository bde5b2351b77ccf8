package train

import (
	"fmt"
	"time"

	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/heads"
)

// Options configure a training run. DefaultOptions is the run that made the shipped weights.
type Options struct {
	// Config is the generator architecture (eg3d.Tiny for the shipped model).
	Config eg3d.Config
	// Data says how the training views are rendered.
	Data DataOptions
	// Identities is the number of training identities; SplitSeed picks them with heads.Split, which keeps
	// them disjoint from the test identities of the same split.
	Identities, TestIdentities int
	SplitSeed                  uint64
	// Seed drives initialization and sampling.
	Seed uint64

	// Phase1Steps train everything but super-resolution on Batch identities a step, Rays random rays each.
	Phase1Steps, Batch, Rays int
	// DecaySteps is the length of the learning rate's final half-cosine decay in phase 1; 0 means the last
	// 30% of Phase1Steps. A fixed length lets a run be extended (a larger Phase1Steps) before the decay
	// starts without changing any step already taken.
	DecaySteps int
	// Phase2Steps train the super-resolution block on SRBatch full views a step.
	Phase2Steps, SRBatch int
	// LearningRate of Adam for the network; latents move LatentScale times faster.
	LearningRate, LatentScale float64
	// Latents start at LatentAnchor (in every coordinate) plus N(0, LatentInit²), are pulled back towards the
	// anchor with weight LatentPenalty, and get N(0, LatentNoise²) added during training so the decoder is
	// smooth around them.
	LatentAnchor, LatentInit, LatentPenalty, LatentNoise float64
	// MaskWeight and DepthWeight weigh the coverage (L2 on the accumulated opacity) and depth (L1 on the
	// head, world units) losses against the colour L2.
	MaskWeight, DepthWeight float64

	// CurveEvery is how often (in phase-1 steps) the run scores itself on CurveIdentities training identities
	// re-rendered at CurveViews held-out cameras each and appends the result to curve.csv in Dir (0: never).
	CurveEvery, CurveIdentities, CurveViews int

	// Dir holds the run: the cached training views and the checkpoints.
	Dir string
	// CheckpointEvery is how often the run is saved (and always at the end of each phase).
	CheckpointEvery time.Duration
}

// DefaultOptions is the run that trained the shipped model: 128 identities x 24 views, 128-pixel images.
// (More identities need more steps: each step updates Batch latents, so every identity gets
// Phase1Steps*Batch/Identities updates, here 156. The backbone pass per identity is a fixed cost of a step:
// on two quiet cores a step takes 0.69 s at 4 x 512 rays and 1.49 s at 4 x 2048, four times the pixels for
// 2.2 times the time, so a retraining should prefer more rays; see scripts/tinyceiling for what more training
// can buy at all.)
func DefaultOptions() Options {
	cfg := eg3d.Tiny()
	return Options{
		Config: cfg,
		Data: DataOptions{Res: cfg.ImageResolution, NR: cfg.NeuralResolution, Views: 24,
			YawRange: 0.7, PitchRange: 0.35, Background: heads.Plain(1, 1, 1)},
		Identities: 128, TestIdentities: 64, SplitSeed: 2023,
		Seed:        1,
		Phase1Steps: 5000, Batch: 4, Rays: 512,
		Phase2Steps: 600, SRBatch: 2,
		LearningRate: 2e-3, LatentScale: 10,
		LatentAnchor: 1.5, LatentInit: 0.1, LatentPenalty: 1e-2, LatentNoise: 0.05,
		MaskWeight: 0.5, DepthWeight: 1,
		CurveIdentities: 8, CurveViews: 4,
		Dir:             "out/train-tiny",
		CheckpointEvery: 3 * time.Minute,
	}
}

// SmallOptions is the run of the embedded model without super-resolution (eg3d.Small): 128 identities x 24
// views rendered at 128 pixels, 4 identities x 2048 random rays a step, Adam at 2e-3 for 12052 steps, decayed
// (half a cosine, to a tenth) over the last 8000. On two quiet cores a step takes about 1.05 s. The shipped
// weights came from this run resumed from checkpoints, with the schedule set while it ran from its learning
// curve (results/small-training says how).
func SmallOptions() Options {
	o := DefaultOptions()
	cfg := eg3d.Small()
	o.Config = cfg
	o.Data.Res, o.Data.NR = cfg.ImageResolution, cfg.NeuralResolution
	o.Rays = 2048
	o.Phase1Steps, o.DecaySteps, o.Phase2Steps = 12052, 8000, 0
	o.CurveEvery = 1000
	o.Dir = "out/train-small"
	return o
}

// Validate reports the first unusable setting.
func (o *Options) Validate() error {
	if err := o.Config.Validate(); err != nil {
		return err
	}
	switch {
	case o.Data.Res != o.Config.ImageResolution || o.Data.NR != o.Config.NeuralResolution:
		return fmt.Errorf("train: views at %d/%d pixels, the generator makes %d/%d", o.Data.Res, o.Data.NR, o.Config.ImageResolution, o.Config.NeuralResolution)
	case o.Data.Res%o.Data.NR != 0:
		return fmt.Errorf("train: image resolution %d is not a multiple of the neural resolution %d", o.Data.Res, o.Data.NR)
	case o.Identities < 2 || o.Batch < 1 || o.Batch > o.Identities || o.Rays < 1 || o.SRBatch < 1:
		return fmt.Errorf("train: %d identities, batch %d, %d rays, SR batch %d: want at least 2 identities and positive sizes", o.Identities, o.Batch, o.Rays, o.SRBatch)
	case o.Data.Views < 1:
		return fmt.Errorf("train: %d views per identity", o.Data.Views)
	case o.DecaySteps < 0 || o.DecaySteps > o.Phase1Steps:
		return fmt.Errorf("train: decay over %d steps of %d phase-1 steps", o.DecaySteps, o.Phase1Steps)
	case o.CurveEvery < 0 || (o.CurveEvery > 0 && (o.CurveIdentities < 1 || o.CurveIdentities > o.Identities || o.CurveViews < 1)):
		return fmt.Errorf("train: learning curve every %d steps on %d of %d identities x %d views", o.CurveEvery, o.CurveIdentities, o.Identities, o.CurveViews)
	case o.LearningRate <= 0 || o.LatentScale <= 0:
		return fmt.Errorf("train: learning rate %g and latent scale %g must be positive", o.LearningRate, o.LatentScale)
	case o.Dir == "":
		return fmt.Errorf("train: no run directory")
	}
	return nil
}
