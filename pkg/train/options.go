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
		Dir:             "out/train-tiny",
		CheckpointEvery: 3 * time.Minute,
	}
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
	case o.LearningRate <= 0 || o.LatentScale <= 0:
		return fmt.Errorf("train: learning rate %g and latent scale %g must be positive", o.LearningRate, o.LatentScale)
	case o.Dir == "":
		return fmt.Errorf("train: no run directory")
	}
	return nil
}
