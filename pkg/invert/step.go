package invert

import (
	"time"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// Stage names an optimization stage.
type Stage string

const (
	StageW       Stage = "w"          // stage 1: W+ latent optimization
	StagePTI     Stage = "pti"        // stage 2: pivotal tuning of all generator parameters
	StageFinal   Stage = "final"      // stage 3: pseudo-multi-view optimization
	StageDensity Stage = "densityreg" // supp. D: single view + density regularization
	StagePTILong Stage = "ptilong"    // PTI continued as long as stage 3 runs: the fair "more optimization" baseline
)

// Step reports one optimization step to a Callback.
type Step struct {
	Stage Stage
	// Step counts from 1 to Steps.
	Step, Steps int
	// StageIndex counts a Pipeline's stages from 1 to StageCount (both 0 for a stage run on its own).
	StageIndex, StageCount int
	// Loss is the weighted loss of the step; Terms its unweighted terms by name.
	Loss  float64
	Terms map[string]float64
	// LearningRate is the rate the step used.
	LearningRate float64
	// Elapsed is the time since the stage started.
	Elapsed time.Duration
	// Render is the current render at the input camera, on steps that are multiples of
	// Options.SnapshotEvery (and the last); nil otherwise.
	Render *fimage.Image
	// WS is the W+ code the step renders with [1, NumWS, WDim]: in stage 1 the latent after this step's update
	// (without the optimization noise), in later stages the fixed code. Stage 1 copies it for the callback.
	WS *tensors.Tensor
	// Generator is the generator being tuned (stages pti, final and densityreg), with this step's update
	// applied. It is live: valid during the callback, for evaluating it (e.g. rendering novel views with an
	// eg3d.Runner kept across steps); clone it to keep a snapshot.
	Generator *eg3d.Generator
}

// ETA estimates the remaining time of the stage from the average step time so far.
func (s Step) ETA() time.Duration {
	if s.Step == 0 {
		return 0
	}
	return time.Duration(float64(s.Elapsed) / float64(s.Step) * float64(s.Steps-s.Step))
}

// Callback receives every step. Returning an error stops the stage, which then returns that error with the
// results so far.
type Callback func(Step) error

// Record is one step of a loss history.
type Record struct {
	Step  int
	Loss  float64
	Terms map[string]float64
}
