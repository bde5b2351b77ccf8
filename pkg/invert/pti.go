package invert

import (
	"context"
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"github.com/pmvi/pmvi/pkg/eg3d"
)

// PTIResult is what stage 2 returns.
type PTIResult struct {
	// Key identifies what the result depends on (see Workspace); empty when nobody asked.
	Key string `json:"key,omitempty"`
	// Generator is the tuned copy; the input generator is unchanged.
	Generator *eg3d.Generator `json:"-"`
	History   []Record
	// Cameras are the input cameras refined further during PTI (Options.RefineCamera.PTI); nil otherwise.
	Cameras []RefinedCamera `json:"cameras,omitempty"`
}

// TunePTI is stage 2, pivotal tuning (Roich et al.): with the W+ code ws [1, NumWS, WDim] fixed, it fine-tunes
// every parameter of a copy of the inversion's generator (buffers excluded) with Adam at a constant rate,
// under Options.PTILoss, so that it renders the target at its camera. It stops early when the loss reaches
// Options.PTIStopLoss. On cancellation or a callback error it returns the generator tuned so far with the
// error. (Continuing PTI from an already tuned generator, "PTI-long", is TunePTI of an Inversion whose
// Generator is the tuned one.)
func (in *Inversion) TunePTI(stdctx context.Context, ws *tensors.Tensor) (*PTIResult, error) {
	return in.tune(stdctx, StagePTI, in.Options.PTISteps, ws)
}

// tune runs PTI's loop as stage for steps steps.
func (in *Inversion) tune(stdctx context.Context, stage Stage, steps int, ws *tensors.Tensor) (*PTIResult, error) {
	opts := in.Options
	if err := in.check(opts.PTILoss); err != nil {
		return nil, err
	}
	tuned, err := trainableCopy(in.Generator, ws)
	if err != nil {
		return nil, err
	}
	cfg := &tuned.Config
	var ref *refiner
	if opts.RefineCamera.PTI && stage == StagePTI {
		ref = newRefiner(tuned.Context, in.cameras(), nil, opts.RefineCamera, opts.PTILearningRate)
	}
	losses := in.losses(opts.PTILoss)
	names := losses.Names()
	if ref != nil {
		names = append(names, "camera_prior")
	}
	n := len(in.Extra) + 1
	patches := in.patches(stage)
	l, err := newLoop(in.Backend, tuned.Context, stage, steps, names, func(ctx *mlctx.Context, inputs []*Node) (*Node, []*Node, *Node) {
		ws, img, cam := inputs[0], inputs[1], inputs[2]
		if ref != nil {
			cam = ref.labels(ws.Graph())
		}
		render := patches.synthesize(ctx, cfg, broadcastWS(ws, n), cam, patches.uv(inputs), opts.Render).Image
		loss, terms := losses.Graph(ctx, render, img)
		if ref != nil {
			prior := ref.prior(ws.Graph())
			loss, terms = Add(loss, prior), append(terms, prior)
		}
		return loss, terms, SliceAxis(render, 0, AxisRange(0, 1))
	}, nil)
	if err != nil {
		return nil, err
	}
	l.snapshot, l.gen = opts.SnapshotEvery, tuned
	l.ws = func() (*tensors.Tensor, error) { return ws, nil }
	whole, cams := in.images(patches, square{}), in.labels()
	l.schedule = func(int) float64 { return opts.PTILearningRate }
	l.inputs = func(i int) []any {
		if !patches.on() {
			return []any{ws, whole, cams}
		}
		sq := patches.at(i)
		return sq.with(ws, in.images(patches, sq), cams)
	}
	var stop func(float64) bool
	if opts.PTIStopLoss > 0 {
		stop = func(loss float64) bool { return loss <= opts.PTIStopLoss }
	}
	history, runErr := l.run(stdctx, in.Progress, stop)
	res := &PTIResult{Generator: tuned, History: history}
	if ref != nil {
		adj, cams, err := ref.result()
		if err != nil {
			return nil, err
		}
		res.Cameras = refinedCameras(adj, cams, in.cameras(), opts.RefineCamera.Warn)
		_ = tuned.Context.InAbsPath(cameraScope).DeleteVariable(cameraScope, cameraName)
	}
	dropOptimizerState(tuned.Context)
	return res, runErr
}

// trainableCopy returns a copy of g whose parameters (not buffers) are trainable, after checking ws's shape.
func trainableCopy(g *eg3d.Generator, ws *tensors.Tensor) (*eg3d.Generator, error) {
	cfg := &g.Config
	if d := ws.Shape().Dimensions; len(d) != 3 || d[0] != 1 || d[1] != cfg.NumWS() || d[2] != cfg.WDim {
		return nil, fmt.Errorf("invert: W+ code has shape %v, want [1 %d %d]", d, cfg.NumWS(), cfg.WDim)
	}
	c, err := g.Clone()
	if err != nil {
		return nil, err
	}
	for v := range c.Context.IterVariables() {
		v.SetTrainable(false)
	}
	for _, p := range cfg.Params() {
		scope, name := eg3d.ParamScope(p.Name)
		c.Context.GetVariableByScopeAndName(scope, name).SetTrainable(!p.Buffer)
	}
	return c, nil
}

// dropOptimizerState deletes Adam's moments, step counters and learning rate from a tuned generator's
// context, so copies of it stay the size of the generator.
func dropOptimizerState(ctx *mlctx.Context) {
	_ = ctx.InAbsPath("/" + optimizers.AdamDefaultScope).DeleteVariablesInScope()
	_ = ctx.InAbsPath("/" + optimizers.Scope).DeleteVariablesInScope()
	_ = ctx.InAbsPath("/").DeleteVariable("/", optimizers.GlobalStepVariableName)
}
