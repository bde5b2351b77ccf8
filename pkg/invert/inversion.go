package invert

import (
	"fmt"
	"math/rand/v2"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// Inversion is one inversion problem: the generator to invert, on a backend, the target, the options of
// every stage (their losses included) and the callback that hears every step. Its methods are the paper's
// stages (ProjectW, TunePTI, BuildPseudoViews, Final, and the DensityReg alternative); Pipeline chains them
// for a named method, with caching and resume.
type Inversion struct {
	Backend backends.Backend
	// Generator is the pretrained generator; no stage changes it (tuning stages work on copies).
	Generator *eg3d.Generator
	Target    Target
	// Extra are more images of the same subject at their own cameras (multi-view inversion, beyond the
	// paper): every stage fits them with the target, and the pseudo views take texture from all of them.
	Extra   []Target
	Options Options
	// Progress receives every step of every stage (nil: nobody listens). Returning an error stops the stage.
	Progress Callback
}

// losses returns the loss of a stage with the given weights, the perceptual term from the options.
func (in *Inversion) losses(w LossWeights) Losses {
	return Losses{Weights: w, LPIPS: in.Options.Perceptual}
}

// check validates the options, the target against the generator, and the stage's loss weights.
func (in *Inversion) check(w LossWeights) error {
	if in.Generator == nil || in.Backend == nil {
		return fmt.Errorf("invert: an inversion needs a generator and a backend")
	}
	if err := in.Options.Validate(); err != nil {
		return err
	}
	cfg := &in.Generator.Config
	for i, t := range in.views() {
		if err := t.validate(cfg); err != nil {
			if i > 0 {
				return fmt.Errorf("%w (extra view %d)", err, i)
			}
			return err
		}
	}
	if err := in.Options.RefineCamera.validate(); err != nil {
		return err
	}
	if p := in.Options.Patch; p > cfg.ImageResolution {
		return fmt.Errorf("invert: patch side %d exceeds the image side %d", p, cfg.ImageResolution)
	}
	return in.losses(w).Validate()
}

// views returns the input views: the target, then the extra ones.
func (in *Inversion) views() []Target { return append([]Target{in.Target}, in.Extra...) }

// cameras returns the input views' cameras.
func (in *Inversion) cameras() []camera.Camera {
	var out []camera.Camera
	for _, t := range in.views() {
		out = append(out, t.Camera)
	}
	return out
}

// labels returns the input views' camera labels [N, 25].
func (in *Inversion) labels() *tensors.Tensor {
	var out []float32
	for _, t := range in.views() {
		out = append(out, t.Camera.Label()...)
	}
	return tensors.FromFlatDataAndDimensions(out, len(in.Extra)+1, camera.LabelSize)
}

// images returns the input views' images a step fits, [N, 3, h, w]: whole, or the square.
func (in *Inversion) images(p patches, sq square) *tensors.Tensor {
	var out []float32
	var dims []int
	for _, t := range in.views() {
		x := p.image(t.Image, sq)
		out = append(out, tensors.MustCopyFlatData[float32](x)...)
		dims = x.Shape().Dimensions
	}
	return tensors.FromFlatDataAndDimensions(out, len(in.Extra)+1, dims[1], dims[2], dims[3])
}

// withCameras returns in with the input views' cameras replaced (by refined ones).
func (in Inversion) withCameras(cams []RefinedCamera) (Inversion, error) {
	if cams == nil {
		return in, nil
	}
	if len(cams) != len(in.Extra)+1 {
		return in, fmt.Errorf("invert: %d refined cameras for %d views", len(cams), len(in.Extra)+1)
	}
	in.Extra = append([]Target(nil), in.Extra...)
	for i, c := range cams {
		cam, err := c.Camera()
		if err != nil {
			return in, err
		}
		if i == 0 {
			in.Target.Camera = cam
		} else {
			in.Extra[i-1].Camera = cam
		}
	}
	return in, nil
}

// broadcastWS repeats ws [1, NumWS, WDim] for n views.
func broadcastWS(ws *Node, n int) *Node {
	d := ws.Shape().Dimensions
	return BroadcastToDims(ws, n, d[1], d[2])
}

// patches draws the random squares of a stage's steps: the square of step i depends on the seed, the
// stage and i alone. A zero side means whole images.
type patches struct {
	side, res int
	seed      uint64
}

func (in *Inversion) patches(stage Stage) patches {
	var salt uint64
	for _, c := range stage {
		salt = salt*131 + uint64(c)
	}
	side := in.Options.Patch
	if in.Generator.Config.SR.Module != eg3d.SRNone {
		side = 0 // the super-resolved image needs the whole feature image
	}
	return patches{side: side, res: in.Generator.Config.ImageResolution, seed: uint64(in.Options.Seed) ^ salt}
}

// on reports whether steps fit patches.
func (p patches) on() bool { return p.side > 0 && p.side < p.res }

// square is one step's patch: its top-left pixel and its pixels' normalized image coordinates u, v (nil when
// patches are off).
type square struct {
	x0, y0 int
	u, v   *tensors.Tensor
}

// at returns step i's square.
func (p patches) at(i int) square {
	if !p.on() {
		return square{}
	}
	rng := rand.New(rand.NewPCG(p.seed, uint64(i)))
	sq := square{x0: rng.IntN(p.res - p.side + 1), y0: rng.IntN(p.res - p.side + 1)}
	us := make([]float32, 0, p.side*p.side)
	vs := make([]float32, 0, p.side*p.side)
	for y := 0; y < p.side; y++ {
		for x := 0; x < p.side; x++ {
			us = append(us, float32((float64(sq.x0+x)+0.5)/float64(p.res)))
			vs = append(vs, float32((float64(sq.y0+y)+0.5)/float64(p.res)))
		}
	}
	sq.u, sq.v = tensors.FromFlatDataAndDimensions(us, len(us)), tensors.FromFlatDataAndDimensions(vs, len(vs))
	return sq
}

// image returns the part of m a step fits as a [1, C, h, w] tensor: all of it, or the square.
func (p patches) image(m *fimage.Image, sq square) *tensors.Tensor {
	if !p.on() {
		return eg3d.FromImage(m)
	}
	out := make([]float32, 0, m.C*p.side*p.side)
	for c := 0; c < m.C; c++ {
		for y := sq.y0; y < sq.y0+p.side; y++ {
			row := (c*m.H + y) * m.W
			out = append(out, m.Pix[row+sq.x0:row+sq.x0+p.side]...)
		}
	}
	return tensors.FromFlatDataAndDimensions(out, 1, m.C, p.side, p.side)
}

// with appends the square's u, v to a step's other inputs when patches are on; steps read them back with uv.
func (sq square) with(inputs ...any) []any {
	if sq.u == nil {
		return inputs
	}
	return append(inputs, sq.u, sq.v)
}

// uv returns the patch coordinates a step was given last by square.with (nil when patches are off).
func (p patches) uv(in []*Node) []*Node {
	if !p.on() {
		return nil
	}
	return in[len(in)-2:]
}

// synthesize renders ws at cameras cam in the graph: the whole image, or (patch holding the u, v inputs) the
// patch's pixels.
func (p patches) synthesize(ctx *mlctx.Context, cfg *eg3d.Config, ws, cam *Node, patch []*Node, opts eg3d.RenderOptions) eg3d.Output {
	if patch == nil {
		return eg3d.Synthesis(ctx, cfg, ws, cam, opts)
	}
	return eg3d.PatchSynthesis(ctx, cfg, ws, cam, patch[0], patch[1], p.side, opts)
}
