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
// single input view (under Options.PTILoss) and add a loss that keeps the radiance field's raw density at
// random points of the volume close to a reference generator's (the PTI-tuned one, or the original:
// Options.DensityFrom documents which, the caller passes it). Options.DensitySteps steps of Adam at
// Options.FinalLearningRate on a copy of start.
func (in *Inversion) DensityReg(stdctx context.Context, start, reference *eg3d.Generator, ws *tensors.Tensor) (*FinalResult, error) {
	opts := in.Options
	if err := in.check(opts.PTILoss); err != nil {
		return nil, err
	}
	cfg := &start.Config
	pool := opts.DensityPoints * densityPool
	points := randomPoints(uint64(opts.Seed), pool, cfg.BoxWarp)
	refSigma, err := fieldDensity(in.Backend, reference, ws, points)
	if err != nil {
		return nil, err
	}
	tuned, err := trainableCopy(start, ws)
	if err != nil {
		return nil, err
	}
	losses := in.losses(opts.PTILoss)
	patches := in.patches(StageDensity)
	names := append(losses.Names(), "density")
	n := len(in.Extra) + 1
	l, err := newLoop(in.Backend, tuned.Context, StageDensity, opts.DensitySteps, names, func(ctx *mlctx.Context, inputs []*Node) (*Node, []*Node, *Node) {
		ws, img, cam, pts, ref := inputs[0], inputs[1], inputs[2], inputs[3], inputs[4]
		ws = broadcastWS(ws, n)
		planes := eg3d.Backbone(ctx, cfg, ws, opts.Render.Noise)
		var render *Node
		if uv := patches.uv(inputs); uv != nil {
			origins, directions := eg3d.RaysThrough(cam, uv[0], uv[1])
			r := eg3d.Render(ctx, cfg, planes, origins, directions, opts.Render)
			rgb := SliceAxis(r.Features, 2, AxisRange(0, 3)) // [1, M, 3]
			render = Reshape(TransposeAllAxes(rgb, 0, 2, 1), n, 3, patches.side, patches.side)
		} else {
			render = eg3d.SynthesisFromPlanes(ctx, cfg, planes, ws, cam, opts.Render).Image
		}
		loss, terms := losses.Graph(ctx, render, img)
		_, sigma := eg3d.SampleField(ctx, cfg, SliceAxis(planes, 0, AxisRange(0, 1)), pts)
		reg := ReduceAllMean(Abs(Sub(sigma, ref)))
		return Add(loss, MulScalar(reg, opts.DensityWeight)), append(terms, reg), SliceAxis(render, 0, AxisRange(0, 1))
	}, nil)
	if err != nil {
		return nil, err
	}
	l.snapshot, l.gen = opts.SnapshotEvery, tuned
	l.ws = func() (*tensors.Tensor, error) { return ws, nil }
	cams := in.labels()
	np := opts.DensityPoints
	l.schedule = func(int) float64 { return opts.FinalLearningRate }
	l.inputs = func(i int) []any {
		rng := rand.New(rand.NewPCG(uint64(opts.Seed)^0x64656e73, uint64(i)))
		pts := make([]float32, 3*np)
		ref := make([]float32, np)
		for k := 0; k < np; k++ {
			j := rng.IntN(pool)
			copy(pts[3*k:3*k+3], points[3*j:3*j+3])
			ref[k] = refSigma[j]
		}
		sq := patches.at(i)
		return sq.with(ws, in.images(patches, sq), cams, tensors.FromFlatDataAndDimensions(pts, 1, np, 3), tensors.FromFlatDataAndDimensions(ref, 1, np, 1))
	}
	history, runErr := l.run(stdctx, in.Progress, nil)
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
