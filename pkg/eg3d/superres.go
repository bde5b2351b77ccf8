package eg3d

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/pmvi/pmvi/pkg/ops"
)

// SuperResolution is EG3D's super-resolution module (cfg.SR): the raw image rgb [B,3,H,W] and the feature
// image [B,C,H,W], resized to the module's input resolution when they differ, go through StyleGAN2 synthesis
// blocks modulated by the last w (ws [B, NumWS, WDim]) and return the final image. No noise is added, as
// every official config sets superresolution_noise_mode "none". ctx is the generator's root.
func SuperResolution(ctx *context.Context, cfg *Config, rgb, features, ws *Node) *Node {
	return superResolution(ctx, cfg, rgb, features, ws, nil)
}

// superResolution runs SuperResolution, calling each (when not nil) with every block's running image.
func superResolution(ctx *context.Context, cfg *Config, rgb, features, ws *Node, each func(block int, img *Node)) *Node {
	sr := &cfg.SR
	if sr.Module == SRNone {
		return rgb
	}
	ctx = ctx.In("superresolution")
	b, n := ws.Shape().Dimensions[0], ws.Shape().Dimensions[1]
	last := SliceAxis(ws, 1, AxisElem(n-1))
	blockWS := BroadcastToDims(last, b, 3, cfg.WDim)
	if h := features.Shape().Dimensions[2]; h != sr.InputResolution && (!sr.ResizeOnlyUp || h < sr.InputResolution) {
		features = ops.ResizeBilinear(features, sr.InputResolution, sr.InputResolution, sr.Antialias)
		rgb = ops.ResizeBilinear(rgb, sr.InputResolution, sr.InputResolution, sr.Antialias)
	}
	x, img := features, rgb
	in, res := cfg.PlaneChannels, features.Shape().Dimensions[2]
	for i, blk := range sr.Blocks {
		if blk.Up {
			res *= 2
		}
		s := blockSpec{in: in, out: blk.Channels, res: res, imgChannels: 3, up: blk.Up, clamp: sr.Clamp, noise: NoiseNone}
		x, img = synthesisBlock(ctx.In(fmt.Sprintf("block%d", i)), s, x, img, blockWS)
		if each != nil {
			each(i, img)
		}
		in = blk.Channels
	}
	return img
}
