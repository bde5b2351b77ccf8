package eg3d

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// NoiseMode selects the per-pixel noise of synthesis layers (EG3D's noise_mode).
type NoiseMode int

const (
	// NoiseConst adds each layer's stored noise_const buffer scaled by its noise_strength (deterministic).
	NoiseConst NoiseMode = iota
	// NoiseRandom draws fresh N(0,1) noise on every run, scaled by noise_strength.
	NoiseRandom
	// NoiseNone adds no noise.
	NoiseNone
)

// String returns the official spelling ("const", "random", "none").
func (m NoiseMode) String() string {
	switch m {
	case NoiseConst:
		return "const"
	case NoiseRandom:
		return "random"
	case NoiseNone:
		return "none"
	}
	return fmt.Sprintf("NoiseMode(%d)", int(m))
}

// blockSpec is one StyleGAN2 synthesis block as the backbone and the super-resolution module use it.
type blockSpec struct {
	in, out, res, imgChannels int
	up                        bool    // conv0 doubles the resolution and the running image is up-sampled
	clamp                     float64 // conv_clamp; 0 = none
	noise                     NoiseMode
}

// synthesisLayer is EG3D's SynthesisLayer: affine(w) -> styles, modulated 3x3 convolution (up-sampling when
// up), noise, bias, leaky ReLU with gain √2 and clamp.
func synthesisLayer(ctx *context.Context, x, w *Node, in, out, res int, up bool, clamp float64, noise NoiseMode) *Node {
	g := x.Graph()
	styles := fullyConnected(ctx.In("affine"), w, in, 1, false)
	weight := variable(ctx, g, "weight", out, in, 3, 3)
	x = ModulatedConv2d(x, weight, styles, true, up)
	if noise != NoiseNone {
		strength := variable(ctx, g, "noise_strength")
		var n *Node
		if noise == NoiseConst {
			n = Reshape(variable(ctx, g, "noise_const", res, res), 1, 1, res, res)
		} else {
			n = ctx.RandomNormal(g, shapes.Make(x.DType(), x.Shape().Dimensions[0], 1, res, res))
		}
		x = Add(x, Mul(n, strength))
	}
	bias := variable(ctx, g, "bias", out)
	// EG3D clamps at conv_clamp times the layer's forward gain, which is 1 in the skip architecture.
	return biasAct(x, bias, true, lreluGain, clamp)
}

// toRGB is EG3D's ToRGBLayer: a 1x1 modulated convolution without demodulation, styles scaled by 1/√in.
func toRGB(ctx *context.Context, x, w *Node, in, out int, clamp float64) *Node {
	g := x.Graph()
	styles := MulScalar(fullyConnected(ctx.In("affine"), w, in, 1, false), 1/math.Sqrt(float64(in)))
	x = ModulatedConv2d(x, variable(ctx, g, "weight", out, in, 1, 1), styles, false, false)
	return biasAct(x, variable(ctx, g, "bias", out), false, 1, clamp)
}

// synthesisBlock is EG3D's SynthesisBlock (skip architecture), and SynthesisBlockNoUp when !s.up: conv0 (when
// the block has an input), conv1, then ToRGB added to the running image (up-sampled first when s.up).
// ws holds the block's ws [B, numConv+1, WDim]; x is nil for the first block, which starts from its "const".
func synthesisBlock(ctx *context.Context, s blockSpec, x, img, ws *Node) (*Node, *Node) {
	g := ws.Graph()
	b := ws.Shape().Dimensions[0]
	wAt := func(i int) *Node { return Squeeze(SliceAxis(ws, 1, AxisElem(i)), 1) }
	i := 0
	if x == nil {
		c := variable(ctx, g, "const", s.out, s.res, s.res)
		x = BroadcastToDims(ExpandAxes(c, 0), b, s.out, s.res, s.res)
	} else {
		x = synthesisLayer(ctx.In("conv0"), x, wAt(i), s.in, s.out, s.res, s.up, s.clamp, s.noise)
		i++
	}
	x = synthesisLayer(ctx.In("conv1"), x, wAt(i), s.out, s.out, s.res, false, s.clamp, s.noise)
	i++
	if img != nil && s.up {
		img = Upsample2d(img)
	}
	y := toRGB(ctx.In("torgb"), x, wAt(i), s.out, s.imgChannels, s.clamp)
	if img == nil {
		return x, y
	}
	return x, Add(img, y)
}

// Backbone runs the StyleGAN2 synthesis network on ws [B, NumWS, WDim] and returns the triplanes
// [B, 3*PlaneChannels, PlaneResolution, PlaneResolution] (plane-major channels). ctx is the generator's root.
func Backbone(ctx *context.Context, cfg *Config, ws *Node, noise NoiseMode) *Node {
	return backboneBlocks(ctx, cfg, ws, noise, nil)
}

// backboneBlocks runs the backbone, calling each (when not nil) with every block's resolution and outputs.
func backboneBlocks(ctx *context.Context, cfg *Config, ws *Node, noise NoiseMode, each func(res int, x, img *Node)) *Node {
	ctx = ctx.In("backbone").In("synthesis")
	var x, img *Node
	wi, prev := 0, 0
	for _, r := range cfg.BlockResolutions() {
		s := blockSpec{in: prev, out: cfg.BlockChannels(r), res: r, imgChannels: 3 * cfg.PlaneChannels,
			up: prev != 0, clamp: cfg.ConvClamp, noise: noise}
		nconv := 2
		if prev == 0 {
			nconv = 1
		}
		x, img = synthesisBlock(ctx.In(fmt.Sprintf("b%d", r)), s, x, img, SliceAxis(ws, 1, AxisRange(wi, wi+nconv+1)))
		if each != nil {
			each(r, x, img)
		}
		wi += nconv
		prev = s.out
	}
	return img
}
