package invert

import (
	"context"
	"fmt"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"github.com/pmvi/pmvi/pkg/eg3d"
)

// PTIResult is what stage 2 returns.
type PTIResult struct {
	// Generator is the tuned copy; the input generator is unchanged.
	Generator *eg3d.Generator `json:"-"`
	History   []Record
}

// TunePTI is stage 2, pivotal tuning (Roich et al.): with the W+ code ws [1, NumWS, WDim] fixed, it fine-tunes
// every parameter of a copy of the generator (buffers excluded) with Adam at a constant rate so that it
// renders the target at its camera. It stops early when the loss reaches Options.PTIStopLoss. On
// cancellation or a callback error it returns the generator tuned so far with the error.
func TunePTI(stdctx context.Context, be backends.Backend, g *eg3d.Generator, ws *tensors.Tensor, target Target, opts Options, losses Losses, cb Callback) (*PTIResult, error) {
	tuned, err := trainableCopy(g, ws)
	if err != nil {
		return nil, err
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if err := target.validate(&g.Config); err != nil {
		return nil, err
	}
	if err := losses.Validate(); err != nil {
		return nil, err
	}
	cfg := &tuned.Config
	l, err := newLoop(be, tuned.Context, StagePTI, opts.PTISteps, losses.Names(), func(ctx *mlctx.Context, in []*Node) (*Node, []*Node, *Node) {
		ws, img, cam := in[0], in[1], in[2]
		render := eg3d.Synthesis(ctx, cfg, ws, cam, opts.Render).Image
		loss, terms := losses.Graph(render, img)
		return loss, terms, render
	}, nil)
	if err != nil {
		return nil, err
	}
	l.snapshot, l.gen = opts.SnapshotEvery, tuned
	inputs := []any{ws, eg3d.FromImage(target.Image), labelOf(target.Camera)}
	l.schedule = func(int) float64 { return opts.PTILearningRate }
	l.inputs = func(int) []any { return inputs }
	var stop func(float64) bool
	if opts.PTIStopLoss > 0 {
		stop = func(loss float64) bool { return loss <= opts.PTIStopLoss }
	}
	history, runErr := l.run(stdctx, cb, stop)
	dropOptimizerState(tuned.Context)
	return &PTIResult{Generator: tuned, History: history}, runErr
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
