package invert

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// PseudoView is one pseudo multi-view: the blend of warped input texture and generator render at a novel
// camera, with its blend mask.
type PseudoView struct {
	Camera camera.Camera
	// Image is the pseudo view [3, R, R] in [-1, 1].
	Image *fimage.Image
	// Mask (one channel, [0, 1]; nil means all ones) is the blend weight of the warped input texture: 1 where
	// the input saw the surface, 0 where the generator filled it in. Options.OccludedWeight uses it.
	Mask *fimage.Image
}

// FinalResult is what stage 3 returns.
type FinalResult struct {
	Generator *eg3d.Generator `json:"-"`
	// From says which generator stage 3 started from.
	From    Start
	History []Record
}

// Final is stage 3, the pseudo-multi-view optimization: with the W+ code fixed, it fine-tunes every parameter
// of a copy of start (the PTI-tuned generator in the paper, the original in the official code: Options.
// FinalFrom documents the choice, the caller passes the matching generator) on the input view plus one
// pseudo view drawn at random each step. Each view's loss is Options.FinalLoss; the pseudo view's MSE is
// weighted per pixel by its mask (see Options.OccludedWeight).
func Final(stdctx context.Context, be backends.Backend, start *eg3d.Generator, ws *tensors.Tensor, target Target, views []PseudoView, opts Options, losses Losses, cb Callback) (*FinalResult, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	cfg := &start.Config
	if err := target.validate(cfg); err != nil {
		return nil, err
	}
	if err := losses.Validate(); err != nil {
		return nil, err
	}
	if len(views) == 0 {
		return nil, fmt.Errorf("invert: stage 3 needs at least one pseudo view")
	}
	for i, v := range views {
		if err := (Target{Image: v.Image, Camera: v.Camera}).validate(cfg); err != nil {
			return nil, fmt.Errorf("%w (pseudo view %d)", err, i)
		}
		if v.Mask != nil && (v.Mask.C != 1 || !v.Mask.SameSize(v.Image)) {
			return nil, fmt.Errorf("invert: pseudo view %d: mask is %dx%dx%d, want 1x%dx%d", i, v.Mask.C, v.Mask.H, v.Mask.W, v.Image.H, v.Image.W)
		}
	}
	tuned, err := trainableCopy(start, ws)
	if err != nil {
		return nil, err
	}
	names := append(prefixed("input_", losses.Names()), prefixed("pseudo_", losses.Names())...)
	l, err := newLoop(be, tuned.Context, StageFinal, opts.FinalSteps, names, func(ctx *mlctx.Context, in []*Node) (*Node, []*Node, *Node) {
		ws, img, cam, pv, pvCam, pvWeight := in[0], in[1], in[2], in[3], in[4], in[5]
		render := eg3d.Synthesis(ctx, cfg, ws, cam, opts.Render).Image
		inLoss, inTerms := losses.Graph(render, img)
		pvRender := eg3d.Synthesis(ctx, cfg, ws, pvCam, opts.Render).Image
		pvLoss, pvTerms := weightedLoss(losses, pvRender, pv, pvWeight)
		return Add(inLoss, pvLoss), append(inTerms, pvTerms...), render
	}, nil)
	if err != nil {
		return nil, err
	}
	l.snapshot, l.gen = opts.SnapshotEvery, tuned
	fixed := []any{ws, eg3d.FromImage(target.Image), labelOf(target.Camera)}
	pvTensors := make([][]any, len(views))
	for i, v := range views {
		pvTensors[i] = []any{eg3d.FromImage(v.Image), labelOf(v.Camera), pixelWeights(v, opts.OccludedWeight)}
	}
	l.schedule = func(int) float64 { return opts.FinalLearningRate }
	l.inputs = func(i int) []any {
		// The pseudo view of step i depends on the seed and i only.
		k := rand.New(rand.NewPCG(uint64(opts.Seed), uint64(i))).IntN(len(views))
		return append(append([]any{}, fixed...), pvTensors[k]...)
	}
	history, runErr := l.run(stdctx, cb, nil)
	dropOptimizerState(tuned.Context)
	return &FinalResult{Generator: tuned, From: opts.FinalFrom, History: history}, runErr
}

// weightedLoss is Losses.Graph with the MSE term weighted per pixel by weight [1, 1, H, W] (normalized by the
// weights' mean, so uniform weights give the plain MSE).
func weightedLoss(l Losses, pred, target, weight *Node) (total *Node, terms []*Node) {
	total, terms = l.Graph(pred, target)
	for i, name := range l.Names() {
		if name != "mse" {
			continue
		}
		wmse := Div(ReduceAllMean(Mul(Square(Sub(pred, target)), weight)), ReduceAllMean(weight))
		total = Add(total, MulScalar(Sub(wmse, terms[i]), l.Weights.MSE))
		terms[i] = wmse
	}
	return total, terms
}

// pixelWeights turns a pseudo view's mask into per-pixel loss weights: 1 where the warped texture is
// trusted, occluded where the generator filled in, blended in between.
func pixelWeights(v PseudoView, occluded float64) *tensors.Tensor {
	n := v.Image.H * v.Image.W
	w := make([]float32, n)
	for i := range w {
		m := float32(1)
		if v.Mask != nil {
			m = v.Mask.Pix[i]
		}
		w[i] = m + (1-m)*float32(occluded)
	}
	return tensors.FromFlatDataAndDimensions(w, 1, 1, v.Image.H, v.Image.W)
}

func prefixed(p string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = p + n
	}
	return out
}
