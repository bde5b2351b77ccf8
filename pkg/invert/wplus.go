package invert

import (
	"context"
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// Target is the image being inverted and the camera it was taken from.
type Target struct {
	// Image is the input [3, R, R] in [-1, 1], R the generator's output resolution.
	Image  *fimage.Image
	Camera camera.Camera
	// Foreground (optional, one channel in [0, 1], the image's size) marks the subject: 1 on the head, 0 on
	// the background. The pseudo views warp only the foreground's texture, so the background never becomes
	// texture on the head's silhouette. Nil treats the whole image as foreground.
	Foreground *fimage.Image
}

// validate checks the target against the generator.
func (t Target) validate(cfg *eg3d.Config) error {
	if t.Image == nil {
		return fmt.Errorf("invert: no target image")
	}
	if t.Image.C != 3 || t.Image.H != cfg.ImageResolution || t.Image.W != cfg.ImageResolution {
		return fmt.Errorf("invert: target image is %dx%dx%d, the generator makes 3x%dx%d images", t.Image.C, t.Image.H, t.Image.W, cfg.ImageResolution, cfg.ImageResolution)
	}
	if err := t.Image.CheckFinite("target image"); err != nil {
		return err
	}
	if f := t.Foreground; f != nil {
		if f.C != 1 || !f.SameSize(t.Image) {
			return fmt.Errorf("invert: target foreground is %dx%dx%d, want 1x%dx%d", f.C, f.H, f.W, t.Image.H, t.Image.W)
		}
		if err := f.CheckFinite("target foreground"); err != nil {
			return err
		}
	}
	return t.Camera.Validate()
}

// WResult is what stage 1 returns.
type WResult struct {
	// Key identifies what the result depends on (see Workspace); empty when nobody asked.
	Key string `json:"key,omitempty"`
	// WS is the W+ code [1, NumWS, WDim], without the optimization noise.
	WS *tensors.Tensor `json:"-"`
	// Stats are the w_avg and w_std it started from.
	Stats WStats
	// History is the loss of every step.
	History []Record
	// Cameras are the refined input cameras (target first, then the extra views) when Options.RefineCamera.W
	// is set; nil otherwise.
	Cameras []RefinedCamera `json:"cameras,omitempty"`
}

// wsScope and wsName hold the latent being optimized in the stage's context.
const wsScope, wsName = "/invert", "ws"

// ProjectW is stage 1: starting from w_avg, it optimizes a W+ code (one w per synthesis layer) so that the
// generator renders the target at its camera, with the projector's learning-rate schedule and decaying W
// noise (and, with Options.OptimizeNoise, the noise buffers), under Options.WLoss. The generator is not
// changed. On cancellation or a callback error it returns the code reached so far with the error.
func (in *Inversion) ProjectW(stdctx context.Context) (*WResult, error) {
	opts := in.Options
	if err := in.check(opts.WLoss); err != nil {
		return nil, err
	}
	g, cfg := in.Generator, &in.Generator.Config
	stats, err := MeasureW(in.Backend, g, opts.WAvgSamples, in.Target.Camera.Intrinsics)
	if err != nil {
		return nil, err
	}
	ctx, err := g.Context.Clone()
	if err != nil {
		return nil, fmt.Errorf("invert: copying the generator: %w", err)
	}
	ctx = ctx.Checked(false)
	for v := range ctx.IterVariables() {
		v.SetTrainable(opts.OptimizeNoise && isBackboneNoise(v))
	}
	if opts.OptimizeNoise {
		if err := randomizeNoise(ctx, opts.Seed); err != nil {
			return nil, err
		}
	}
	if err := ctx.SetRNGStateFromSeed(opts.Seed); err != nil {
		return nil, err
	}
	start := make([]float32, 0, cfg.NumWS()*cfg.WDim)
	for i := 0; i < cfg.NumWS(); i++ {
		start = append(start, stats.Mean...)
	}
	wsVar := ctx.InAbsPath(wsScope).VariableWithValue(wsName, tensors.FromFlatDataAndDimensions(start, 1, cfg.NumWS(), cfg.WDim))
	wsVar.SetTrainable(true)

	var after func(*mlctx.Context, *Graph)
	if opts.OptimizeNoise {
		after = renormalizeNoise
	}
	var ref *refiner
	if opts.RefineCamera.W {
		var start []camera.Adjustment
		if opts.RefineCamera.Search.on() {
			if start, err = in.scoutCameras(stdctx); err != nil {
				return nil, err
			}
		}
		ref = newRefiner(ctx, in.cameras(), start, opts.RefineCamera, opts.WLearningRate)
	}
	losses := in.losses(opts.WLoss)
	names := losses.Names()
	if ref != nil {
		names = append(names, "camera_prior")
	}
	n := len(in.Extra) + 1
	patches := in.patches(StageW)
	l, err := newLoop(in.Backend, ctx, StageW, opts.WSteps, names, func(ctx *mlctx.Context, inputs []*Node) (*Node, []*Node, *Node) {
		img, cam, noiseScale, gate := inputs[0], inputs[1], inputs[2], inputs[3]
		gr := img.Graph()
		ws := wsVar.ValueGraph(gr)
		// gate 0 holds the latent (no gradient reaches it) while the cameras alone move.
		ws = Add(Mul(ws, gate), Mul(StopGradient(ws), OneMinus(gate)))
		ws = Add(ws, Mul(ctx.RandomNormal(gr, ws.Shape()), noiseScale))
		if ref != nil {
			cam = ref.labels(gr)
		}
		render := patches.synthesize(ctx, cfg, broadcastWS(ws, n), cam, patches.uv(inputs), opts.Render).Image
		loss, terms := losses.Graph(ctx, downsampleForLoss(render, losses), downsampleForLoss(img, losses))
		if opts.OptimizeNoise {
			loss = Add(loss, MulScalar(noiseRegularization(ctx, gr), opts.NoiseRegularization))
		}
		if ref != nil {
			prior := ref.prior(gr)
			loss, terms = Add(loss, prior), append(terms, prior)
		}
		return loss, terms, SliceAxis(render, 0, AxisRange(0, 1))
	}, after)
	if err != nil {
		return nil, err
	}
	l.snapshot = opts.SnapshotEvery
	l.ws = func() (*tensors.Tensor, error) {
		v, err := wsVar.Value()
		if err != nil {
			return nil, err
		}
		return v.LocalClone()
	}
	cams := in.labels()
	l.schedule = func(i int) float64 {
		return ProjectorLR(opts.WLearningRate, float64(i)/float64(opts.WSteps), opts.WRampUp, opts.WRampDown)
	}
	l.inputs = func(i int) []any {
		scale := tensors.FromScalar(float32(ProjectorNoise(stats.Std, opts.WNoise, float64(i)/float64(opts.WSteps), opts.WNoiseRamp)))
		gate := float32(1)
		if ref != nil && i < opts.RefineCamera.First {
			gate = 0
		}
		sq := patches.at(i)
		return sq.with(in.images(patches, sq), cams, scale, tensors.FromScalar(gate))
	}
	history, runErr := l.run(stdctx, in.Progress, nil)
	ws, err := wsVar.Value()
	if err == nil {
		ws, err = ws.LocalClone()
	}
	if err != nil {
		return nil, fmt.Errorf("invert: reading the optimized W+: %w", err)
	}
	res := &WResult{WS: ws, Stats: stats, History: history}
	if ref != nil {
		adj, cams, err := ref.result()
		if err != nil {
			return nil, err
		}
		res.Cameras = refinedCameras(adj, cams, in.cameras(), opts.RefineCamera.Warn)
	}
	return res, runErr
}

// labelOf returns a camera's label as a [1, 25] tensor.
func labelOf(c camera.Camera) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(c.Label(), 1, camera.LabelSize)
}

// downsampleForLoss area-averages images larger than 256 pixels to 256 before an LPIPS term, as the official
// projector does; without LPIPS the images are compared at full resolution.
func downsampleForLoss(x *Node, l Losses) *Node {
	side := x.Shape().Dimensions[2]
	if l.Weights.LPIPS == 0 || side <= 256 || side%256 != 0 {
		return x
	}
	f := side / 256
	d := x.Shape().Dimensions
	return ReduceMean(Reshape(x, d[0], d[1], 256, f, 256, f), 3, 5)
}
