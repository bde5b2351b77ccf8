package eg3d

import (
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Output holds what one synthesis pass produces, all NCHW.
type Output struct {
	// Image is the final image [B, 3, ImageResolution, ImageResolution] in [-1, 1] (EG3D's "image").
	Image *Node
	// ImageRaw is the neural rendering's RGB [B, 3, R, R] ("image_raw").
	ImageRaw *Node
	// Depth is the expected ray distance [B, 1, R, R] ("image_depth").
	Depth *Node
	// Features is the whole neural rendering [B, PlaneChannels, R, R] (feature_image).
	Features *Node
	// WeightsSum is the accumulated opacity [B, 1, R, R].
	WeightsSum *Node
	// Planes are the triplanes [B, 3*PlaneChannels, P, P].
	Planes *Node
}

// Synthesis is EG3D's TriPlaneGenerator.synthesis: ws [B, NumWS, WDim] and camera labels c [B, 25] give the
// rendered images. ctx is the generator's root.
func Synthesis(ctx *context.Context, cfg *Config, ws, c *Node, opts RenderOptions) Output {
	return SynthesisFromPlanes(ctx, cfg, Backbone(ctx, cfg, ws, opts.Noise), ws, c, opts)
}

// SynthesisFromPlanes is Synthesis from triplanes already computed by Backbone for the same ws, for callers
// that also sample the radiance field (e.g. a density regularizer) and should not run the backbone twice.
func SynthesisFromPlanes(ctx *context.Context, cfg *Config, planes, ws, c *Node, opts RenderOptions) Output {
	res := cfg.NeuralResolution
	if opts.NeuralResolution > 0 {
		res = opts.NeuralResolution
	}
	origins, directions := Rays(c, res)
	r := Render(ctx, cfg, planes, origins, directions, opts)
	b := ws.Shape().Dimensions[0]
	toImage := func(x *Node) *Node { // [B, M, C] -> [B, C, R, R]
		ch := x.Shape().Dimensions[2]
		return Reshape(TransposeAllAxes(x, 0, 2, 1), b, ch, res, res)
	}
	out := Output{
		Features:   toImage(r.Features),
		Depth:      toImage(r.Depth),
		WeightsSum: toImage(r.WeightsSum),
		Planes:     planes,
	}
	out.ImageRaw = SliceAxis(out.Features, 1, AxisRange(0, 3))
	out.Image = SuperResolution(ctx, cfg, out.ImageRaw, out.Features, ws)
	return out
}

// PatchSynthesis renders the part of the image of ws [B, NumWS, WDim] at cameras c [B, 25] that a square of
// side size covers: u, v [size*size] are the patch pixels' normalized image coordinates, row by row. It
// serves generators without super-resolution (whose image is the neural rendering), for optimizing on random
// patches of an image; Output.Image, ImageRaw, Depth, Features and WeightsSum are [B, C, size, size]. It panics
// (GoMLX style) for a generator with super-resolution, whose image depends on the whole feature image.
func PatchSynthesis(ctx *context.Context, cfg *Config, ws, c, u, v *Node, size int, opts RenderOptions) Output {
	if cfg.SR.Module != SRNone {
		panic("eg3d.PatchSynthesis: the generator has super-resolution; patches need the neural rendering to be the image")
	}
	planes := Backbone(ctx, cfg, ws, opts.Noise)
	origins, directions := RaysThrough(c, u, v)
	r := Render(ctx, cfg, planes, origins, directions, opts)
	b := ws.Shape().Dimensions[0]
	toImage := func(x *Node) *Node { // [B, M, C] -> [B, C, size, size]
		ch := x.Shape().Dimensions[2]
		return Reshape(TransposeAllAxes(x, 0, 2, 1), b, ch, size, size)
	}
	out := Output{Features: toImage(r.Features), Depth: toImage(r.Depth), WeightsSum: toImage(r.WeightsSum), Planes: planes}
	out.ImageRaw = SliceAxis(out.Features, 1, AxisRange(0, 3))
	out.Image = out.ImageRaw
	return out
}

// Generate is EG3D's forward pass: mapping (conditioned on c, truncated with psi) then synthesis at c.
func Generate(ctx *context.Context, cfg *Config, z, c *Node, psi float64, opts RenderOptions) Output {
	return Synthesis(ctx, cfg, Mapping(ctx, cfg, z, c, psi), c, opts)
}
