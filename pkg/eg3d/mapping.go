package eg3d

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Mapping is EG3D's mapping network: z [B, ZDim] and the camera label c [B, CDim] become ws [B, NumWS, WDim].
// Both inputs are normalized to unit second moment (c after the embedding layer), concatenated, passed
// through MappingLayers leaky-ReLU layers and broadcast to every synthesis layer. psi != 1 applies the
// truncation trick towards the stored w_avg. ctx is the generator's root.
func Mapping(ctx *context.Context, cfg *Config, z, c *Node, psi float64) *Node {
	g := z.Graph()
	ctx = ctx.In("backbone").In("mapping")
	x := normalize2ndMoment(z)
	if cfg.CDim > 0 {
		if cfg.ZeroConditioning {
			c = ZerosLike(c)
		}
		// EG3D quirk: the label is scaled by c_scale, read with a default of 0.
		c = MulScalar(c, cfg.CScale)
		y := normalize2ndMoment(fullyConnected(ctx.In("embed"), c, cfg.WDim, 1, false))
		x = Concatenate([]*Node{x, y}, 1)
	}
	for i := 0; i < cfg.MappingLayers; i++ {
		x = fullyConnected(ctx.In(fmt.Sprintf("fc%d", i)), x, cfg.WDim, cfg.MappingLRMul, true)
	}
	b := x.Shape().Dimensions[0]
	ws := BroadcastToDims(ExpandAxes(x, 1), b, cfg.NumWS(), cfg.WDim)
	if psi != 1 {
		ws = Truncate(ws, variable(ctx, g, "w_avg", cfg.WDim), psi)
	}
	return ws
}

// Truncate moves ws towards wAvg: wAvg + psi·(ws − wAvg), computed as torch's lerp does for psi ≥ 0.5
// (ws − (ws − wAvg)·(1 − psi)) so that results match the official code bit for bit.
func Truncate(ws, wAvg *Node, psi float64) *Node {
	avg := BroadcastToShape(Reshape(wAvg, 1, 1, -1), ws.Shape())
	if psi >= 0.5 {
		return Sub(ws, MulScalar(Sub(ws, avg), 1-psi))
	}
	return Add(avg, MulScalar(Sub(ws, avg), psi))
}
