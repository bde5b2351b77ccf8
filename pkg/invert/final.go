package invert

import (
	"context"
	"fmt"
	"math/rand/v2"

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
	// Key identifies what the result depends on (see Workspace); empty when nobody asked.
	Key       string          `json:"key,omitempty"`
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
func (in *Inversion) Final(stdctx context.Context, start *eg3d.Generator, ws *tensors.Tensor, views []PseudoView) (*FinalResult, error) {
	opts := in.Options
	if err := in.check(opts.FinalLoss); err != nil {
		return nil, err
	}
	cfg := &start.Config
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
	losses := in.losses(opts.FinalLoss)
	patches := in.patches(StageFinal)
	names := append(prefixed("input_", losses.Names()), prefixed("pseudo_", losses.Names())...)
	n := len(in.Extra) + 1
	l, err := newLoop(in.Backend, tuned.Context, StageFinal, opts.FinalSteps, names, func(ctx *mlctx.Context, inputs []*Node) (*Node, []*Node, *Node) {
		ws, img, cam, pv, pvCam, pvWeight := inputs[0], inputs[1], inputs[2], inputs[3], inputs[4], inputs[5]
		uv := patches.uv(inputs)
		render := patches.synthesize(ctx, cfg, broadcastWS(ws, n), cam, uv, opts.Render).Image
		inLoss, inTerms := losses.Graph(ctx, render, img)
		pvRender := patches.synthesize(ctx, cfg, ws, pvCam, uv, opts.Render).Image
		pvLoss, pvTerms := weightedLoss(ctx, losses, pvRender, pv, pvWeight)
		return Add(inLoss, pvLoss), append(inTerms, pvTerms...), SliceAxis(render, 0, AxisRange(0, 1))
	}, nil)
	if err != nil {
		return nil, err
	}
	l.snapshot, l.gen = opts.SnapshotEvery, tuned
	l.ws = func() (*tensors.Tensor, error) { return ws, nil }
	cams := in.labels()
	weights := make([]*fimage.Image, len(views))
	for i, v := range views {
		weights[i] = pixelWeights(v, opts.OccludedWeight)
	}
	l.schedule = func(int) float64 { return opts.FinalLearningRate }
	l.inputs = func(i int) []any {
		// The pseudo view of step i depends on the seed and i only.
		k := rand.New(rand.NewPCG(uint64(opts.Seed), uint64(i))).IntN(len(views))
		sq := patches.at(i)
		return sq.with(ws, in.images(patches, sq), cams,
			patches.image(views[k].Image, sq), labelOf(views[k].Camera), patches.image(weights[k], sq))
	}
	history, runErr := l.run(stdctx, in.Progress, nil)
	dropOptimizerState(tuned.Context)
	return &FinalResult{Generator: tuned, From: opts.FinalFrom, History: history}, runErr
}

// weightedLoss is Losses.Graph with the MSE term weighted per pixel by weight [1, 1, H, W] (normalized by the
// weights' mean, so uniform weights give the plain MSE).
func weightedLoss(ctx *mlctx.Context, l Losses, pred, target, weight *Node) (total *Node, terms []*Node) {
	total, terms = l.Graph(ctx, pred, target)
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

// pixelWeights turns a pseudo view's mask into per-pixel loss weights (one channel): 1 where the warped
// texture is trusted, occluded where the generator filled in, blended in between.
func pixelWeights(v PseudoView, occluded float64) *fimage.Image {
	w := fimage.New(1, v.Image.H, v.Image.W)
	for i := range w.Pix {
		m := float32(1)
		if v.Mask != nil {
			m = v.Mask.Pix[i]
		}
		w.Pix[i] = m + (1-m)*float32(occluded)
	}
	return w
}

func prefixed(p string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = p + n
	}
	return out
}
