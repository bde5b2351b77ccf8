package invert

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pmvi/pmvi/pkg/eg3d"
)

// densityPool is how many candidate points, per point used in a step, the reference densities are
// precomputed at.
const densityPool = 8

// DensityReg is the alternative the paper studies in supp. D: instead of pseudo views, keep fitting the
// single input view and add a loss that keeps the radiance field's raw density at random points of the volume
// close to a reference generator's (the PTI-tuned one, or the original: Options.DensityFrom documents which,
// the caller passes it). Options.DensitySteps steps of Adam at Options.FinalLearningRate on a copy of start.
func DensityReg(stdctx context.Context, be backends.Backend, start, reference *eg3d.Generator, ws *tensors.Tensor, target Target, opts Options, losses Losses, cb Callback) (*FinalResult, error) {
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
	pool := opts.DensityPoints * densityPool
	points := randomPoints(uint64(opts.Seed), pool, cfg.BoxWarp)
	refSigma, err := fieldDensity(be, reference, ws, points)
	if err != nil {
		return nil, err
	}
	tuned, err := trainableCopy(start, ws)
	if err != nil {
		return nil, err
	}
	names := append(losses.Names(), "density")
	l, err := newLoop(be, tuned.Context, StageDensity, opts.DensitySteps, names, func(ctx *mlctx.Context, in []*Node) (*Node, []*Node, *Node) {
		ws, img, cam, pts, ref := in[0], in[1], in[2], in[3], in[4]
		planes := eg3d.Backbone(ctx, cfg, ws, opts.Render.Noise)
		render := eg3d.SynthesisFromPlanes(ctx, cfg, planes, ws, cam, opts.Render).Image
		loss, terms := losses.Graph(render, img)
		_, sigma := eg3d.SampleField(ctx, cfg, planes, pts)
		reg := ReduceAllMean(Abs(Sub(sigma, ref)))
		return Add(loss, MulScalar(reg, opts.DensityWeight)), append(terms, reg), render
	}, nil)
	if err != nil {
		return nil, err
	}
	l.snapshot, l.gen = opts.SnapshotEvery, tuned
	fixed := []any{ws, eg3d.FromImage(target.Image), labelOf(target.Camera)}
	n := opts.DensityPoints
	l.schedule = func(int) float64 { return opts.FinalLearningRate }
	l.inputs = func(i int) []any {
		rng := rand.New(rand.NewPCG(uint64(opts.Seed)^0x64656e73, uint64(i)))
		pts := make([]float32, 3*n)
		ref := make([]float32, n)
		for k := 0; k < n; k++ {
			j := rng.IntN(pool)
			copy(pts[3*k:3*k+3], points[3*j:3*j+3])
			ref[k] = refSigma[j]
		}
		return append(append([]any{}, fixed...), tensors.FromFlatDataAndDimensions(pts, 1, n, 3), tensors.FromFlatDataAndDimensions(ref, 1, n, 1))
	}
	history, runErr := l.run(stdctx, cb, nil)
	dropOptimizerState(tuned.Context)
	return &FinalResult{Generator: tuned, From: opts.DensityFrom, History: history}, runErr
}

// randomPoints draws n points uniformly in the cube of side boxWarp the triplanes span, flat [n*3].
func randomPoints(seed uint64, n int, boxWarp float64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 0x706f696e74)) // "point"
	p := make([]float32, 3*n)
	for i := range p {
		p[i] = float32((rng.Float64() - 0.5) * boxWarp)
	}
	return p
}

// fieldDensity returns g's raw density at points (flat [n*3]) for the W+ code ws.
func fieldDensity(be backends.Backend, g *eg3d.Generator, ws *tensors.Tensor, points []float32) ([]float32, error) {
	cfg := &g.Config
	exec, err := mlctx.NewExec(be, g.Context.Reuse(), func(ctx *mlctx.Context, ws, pts *Node) *Node {
		_, sigma := eg3d.SampleField(ctx, cfg, eg3d.Backbone(ctx, cfg, ws, eg3d.NoiseConst), pts)
		return sigma
	})
	if err != nil {
		return nil, fmt.Errorf("invert: building the reference density: %w", err)
	}
	defer exec.Finalize()
	outs, err := exec.Exec(ws, tensors.FromFlatDataAndDimensions(points, 1, len(points)/3, 3))
	if err != nil {
		return nil, fmt.Errorf("invert: reference density: %w", err)
	}
	return tensors.MustCopyFlatData[float32](outs[0]), nil
}
