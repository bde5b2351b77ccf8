package train

import (
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pmvi/pmvi/pkg/eg3d"
)

// Names of the training state kept in the context next to the generator's variables.
const (
	stateScope  = "/train"
	latentsName = "latents" // [Identities, WDim], stored divided by LatentScale
	stepName    = "step"    // int64: steps done, phase 1 then phase 2
)

// Phase-1 loss terms, in the order the step returns them.
var phase1Terms = []string{"rgb", "mask", "depth", "latent"}

// latentWS returns the ws [B, NumWS, WDim] of identities ids [B] (int32), with N(0, noise²) added.
func latentWS(ctx *mlctx.Context, o *Options, latents *mlctx.Variable, ids *graph.Node, noise float64) (ws, w *graph.Node) {
	g := ids.Graph()
	cfg := &o.Config
	table := graph.MulScalar(latents.ValueGraph(g), o.LatentScale)
	w = graph.Gather(table, graph.ExpandAxes(ids, -1)) // [B, WDim]
	b := ids.Shape().Dimensions[0]
	if noise > 0 {
		w = graph.Add(w, graph.MulScalar(ctx.RandomNormal(g, shapes.Make(dtypes.Float32, b, cfg.WDim)), noise))
	}
	return graph.BroadcastToDims(graph.ExpandAxes(w, 1), b, cfg.NumWS(), cfg.WDim), w
}

// phase1Step renders random rays of each identity's view and compares colour, coverage and depth with the
// head world's. Inputs: ids [B], origins and directions [B, R, 3], rgb [B, R, 3], mask and depth [B, R, 1].
func phase1Step(ctx *mlctx.Context, o *Options, latents *mlctx.Variable, in []*graph.Node) (loss *graph.Node, terms []*graph.Node) {
	ids, origins, dirs, rgb, mask, depth := in[0], in[1], in[2], in[3], in[4], in[5]
	cfg := &o.Config
	ws, w := latentWS(ctx, o, latents, ids, o.LatentNoise)
	planes := eg3d.Backbone(ctx, cfg, ws, eg3d.NoiseConst)
	r := eg3d.Render(ctx, cfg, planes, origins, dirs, eg3d.RenderOptions{}) // jittered samples anti-alias
	pred := graph.SliceAxis(r.Features, 2, graph.AxisRange(0, 3))
	lRGB := graph.ReduceAllMean(graph.Square(graph.Sub(pred, rgb)))
	lMask := graph.ReduceAllMean(graph.Square(graph.Sub(r.WeightsSum, mask)))
	// Depth counts where the head covers the pixel, weighted by coverage.
	lDepth := graph.Div(graph.ReduceAllSum(graph.Mul(graph.Abs(graph.Sub(r.Depth, depth)), mask)), graph.AddScalar(graph.ReduceAllSum(mask), 1))
	lLatent := graph.ReduceAllMean(graph.Square(graph.AddScalar(w, -o.LatentAnchor)))
	loss = graph.Add(graph.Add(lRGB, graph.MulScalar(lMask, o.MaskWeight)), graph.Add(graph.MulScalar(lDepth, o.DepthWeight), graph.MulScalar(lLatent, o.LatentPenalty)))
	return loss, []*graph.Node{lRGB, lMask, lDepth, lLatent}
}

// phase2Step renders full views of the identities and compares the super-resolved image with the head
// world's. Only the super-resolution variables are trainable in phase 2, so the backward pass stops there.
// Inputs: ids [B], cameras [B, 25], images [B, 3, Res, Res].
func phase2Step(ctx *mlctx.Context, o *Options, latents *mlctx.Variable, in []*graph.Node) (loss *graph.Node, terms []*graph.Node) {
	ids, cams, images := in[0], in[1], in[2]
	ws, _ := latentWS(ctx, o, latents, ids, 0)
	out := eg3d.Synthesis(ctx, &o.Config, ws, cams, eg3d.RenderOptions{Deterministic: true})
	l2 := graph.ReduceAllMean(graph.Square(graph.Sub(out.Image, images)))
	return l2, []*graph.Node{l2}
}
