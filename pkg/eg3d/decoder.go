package eg3d

import (
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Decode is EG3D's OSGDecoder on per-plane features [B, 3, M, C]: the planes' mean goes through a
// C -> hidden -> 1+C MLP with a softplus between; the first output is the raw density sigma [B, M, 1] and the
// rest, squashed by a sigmoid widened to (-0.001, 1.001) as in Mip-NeRF, the colour/features [B, M, C].
// The ray direction is not an input, as in the official code. ctx is the generator's root.
func Decode(ctx *context.Context, cfg *Config, features *Node) (rgb, sigma *Node) {
	ctx = ctx.In("decoder").In("net")
	x := ReduceMean(features, 1)
	dims := x.Shape().Dimensions
	b, m, c := dims[0], dims[1], dims[2]
	x = Reshape(x, b*m, c)
	x = fullyConnected(ctx.In("0"), x, cfg.DecoderHidden, cfg.DecoderLRMul, false)
	x = softplus(x)
	x = fullyConnected(ctx.In("2"), x, 1+cfg.PlaneChannels, cfg.DecoderLRMul, false)
	x = Reshape(x, b, m, 1+cfg.PlaneChannels)
	sigma = SliceAxis(x, 2, AxisRange(0, 1))
	rgb = AddScalar(MulScalar(Sigmoid(SliceAxis(x, 2, AxisRange(1, 1+cfg.PlaneChannels))), 1.002), -0.001)
	return rgb, sigma
}

// SampleField returns the colour/features [B, M, C] and raw density [B, M, 1] of the radiance field at world
// points [B, M, 3] (EG3D's run_model / G.sample): the triplanes read by SamplePlanes, then Decode.
func SampleField(ctx *context.Context, cfg *Config, planes, points *Node) (rgb, sigma *Node) {
	return Decode(ctx, cfg, SamplePlanes(planes, points, cfg.BoxWarp))
}
