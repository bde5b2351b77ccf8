package invert

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"github.com/pmvi/pmvi/pkg/eg3d"
)

// loop runs one stage: a compiled step that computes the loss, updates the trainable variables with Adam and
// returns [loss, terms..., render]; the host side sets the learning rate, checks for cancellation and NaN,
// reports progress and keeps the history.
type loop struct {
	stage    Stage
	steps    int
	names    []string
	snapshot int
	ctx      *mlctx.Context
	exec     *mlctx.Exec
	lr       *mlctx.Variable
	// schedule returns the learning rate of step i (0-based).
	schedule func(i int) float64
	// inputs returns the step's inputs.
	inputs func(i int) []any
	// gen, when set, is reported with each step (the generator being tuned).
	gen *eg3d.Generator
	// ws returns the W+ code to report with each step (nil: none).
	ws func() (*tensors.Tensor, error)
}

// newLoop compiles step (which must return the scalar loss first, then the terms, then the render) with an
// Adam update of ctx's trainable variables.
// after, when not nil, adds graph operations after the update (e.g. renormalizing noise buffers).
func newLoop(be backends.Backend, ctx *mlctx.Context, stage Stage, steps int, names []string,
	step func(ctx *mlctx.Context, inputs []*Node) (loss *Node, terms []*Node, render *Node),
	after func(ctx *mlctx.Context, g *Graph)) (*loop, error) {
	opt := optimizers.Adam().Betas(0.9, 0.999).Epsilon(1e-8).LearningRate(1).Done()
	lr := optimizers.LearningRateVar(ctx, dtypes.Float32, 0)
	exec, err := mlctx.NewExecAny(be, ctx, func(ctx *mlctx.Context, inputs []*Node) []*Node {
		loss, terms, render := step(ctx, inputs)
		opt.UpdateGraph(ctx, loss.Graph(), loss)
		if after != nil {
			after(ctx, loss.Graph())
		}
		return append(append([]*Node{loss}, terms...), render)
	})
	if err != nil {
		return nil, fmt.Errorf("invert: building the %s step: %w", stage, err)
	}
	return &loop{stage: stage, steps: steps, names: names, ctx: ctx, exec: exec, lr: lr}, nil
}

// run executes the steps, reporting each to cb. It stops early when stop returns true for a step's loss.
func (l *loop) run(stdctx context.Context, cb Callback, stop func(loss float64) bool) ([]Record, error) {
	start := time.Now()
	var history []Record
	for i := 0; i < l.steps; i++ {
		if err := stdctx.Err(); err != nil {
			return history, fmt.Errorf("invert: %s stopped after %d of %d steps: %w", l.stage, i, l.steps, err)
		}
		rate := l.schedule(i)
		if err := l.lr.SetValue(tensors.FromScalar(float32(rate))); err != nil {
			return history, err
		}
		outs, err := l.exec.Exec(l.inputs(i)...)
		if err != nil {
			return history, fmt.Errorf("invert: %s step %d: %w", l.stage, i+1, err)
		}
		loss := float64(tensors.ToScalar[float32](outs[0]))
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return history, fmt.Errorf("invert: %s step %d: loss is %v (learning rate %g too high?)", l.stage, i+1, loss, rate)
		}
		rec := Record{Step: i + 1, Loss: loss, Terms: map[string]float64{}}
		for k, name := range l.names {
			rec.Terms[name] = float64(tensors.ToScalar[float32](outs[1+k]))
		}
		history = append(history, rec)
		if cb != nil {
			s := Step{Stage: l.stage, Step: i + 1, Steps: l.steps, Loss: loss, Terms: rec.Terms,
				LearningRate: rate, Elapsed: time.Since(start), Generator: l.gen}
			if l.ws != nil {
				if s.WS, err = l.ws(); err != nil {
					return history, err
				}
			}
			if l.snapshot > 0 && ((i+1)%l.snapshot == 0 || i+1 == l.steps) {
				if s.Render, err = eg3d.ToImage(outs[len(outs)-1]); err != nil {
					return history, err
				}
			}
			if err := cb(s); err != nil {
				return history, err
			}
		}
		if stop != nil && stop(loss) {
			break
		}
	}
	return history, nil
}
