package eg3d

import (
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// RenderOptions are the per-call choices of volume rendering that are not part of the architecture.
type RenderOptions struct {
	// Deterministic disables the jitter of stratified samples and draws importance samples at fixed quantiles
	// (EG3D's sample_pdf with det=True), as the parity fixtures do. Inversion and rendering for display use it
	// too, so the same code gives the same image.
	Deterministic bool
	// Noise is the backbone's noise mode; super-resolution layers never get noise (superresolution_noise_mode
	// "none" in every official config).
	Noise NoiseMode
	// NeuralResolution overrides Config.NeuralResolution when > 0.
	NeuralResolution int
}

// Rendered holds the volume renderer's per-ray outputs.
type Rendered struct {
	// Features [B, M, C] are the composited decoder features scaled to [-1, 1]; the first three are RGB.
	Features *Node
	// Depth [B, M, 1] is the expected ray distance, clamped to the range of the samples.
	Depth *Node
	// WeightsSum [B, M, 1] is the accumulated opacity.
	WeightsSum *Node
}

// Render is EG3D's ImportanceRenderer: a coarse pass at stratified depths, importance samples drawn from its
// weights, a fine pass, and compositing over the merged, sorted samples. ctx is the generator's root; the
// random draws of non-deterministic rendering come from ctx's random state.
func Render(ctx *context.Context, cfg *Config, planes, origins, directions *Node, opts RenderOptions) Rendered {
	g := planes.Graph()
	dims := origins.Shape().Dimensions
	b, m := dims[0], dims[1]
	coarse := stratifiedDepths(ctx, g, cfg, b, m, opts.Deterministic) // [B, M, S]
	rgbC, sigmaC := SampleField(ctx, cfg, planes, samplePoints(origins, directions, coarse))
	s := cfg.DepthSamples
	rgbC = Reshape(rgbC, b, m, s, -1)
	sigmaC = Reshape(sigmaC, b, m, s)
	if cfg.ImportanceSamples == 0 {
		return composite(cfg, rgbC, sigmaC, coarse)
	}
	// EG3D places importance samples under no_grad: no gradient flows through their depths.
	wC := marchWeights(StopGradient(sigmaC), coarse)
	fine := StopGradient(importanceDepths(ctx, g, coarse, wC, cfg.ImportanceSamples, opts.Deterministic))
	rgbF, sigmaF := SampleField(ctx, cfg, planes, samplePoints(origins, directions, fine))
	rgbF = Reshape(rgbF, b, m, cfg.ImportanceSamples, -1)
	sigmaF = Reshape(sigmaF, b, m, cfg.ImportanceSamples)
	depths, rgb, sigma := mergeSorted(coarse, fine, rgbC, rgbF, sigmaC, sigmaF)
	return composite(cfg, rgb, sigma, depths)
}

// samplePoints returns o + t·d for depths t [B, M, S] as points [B, M*S, 3].
func samplePoints(origins, directions, depths *Node) *Node {
	dims := depths.Shape().Dimensions
	p := Add(ExpandAxes(origins, 2), Mul(ExpandAxes(directions, 2), ExpandAxes(depths, 3)))
	return Reshape(p, dims[0], dims[1]*dims[2], 3)
}

// stratifiedDepths is EG3D's sample_stratified: linspace(RayStart, RayEnd, S) for every ray, each sample
// jittered forward by U[0,1)·(end-start)/(S-1) unless deterministic.
func stratifiedDepths(ctx *context.Context, g *Graph, cfg *Config, b, m int, deterministic bool) *Node {
	s := cfg.DepthSamples
	lin := make([]float32, s)
	delta := (cfg.RayEnd - cfg.RayStart) / float64(s-1)
	for i := range lin {
		lin[i] = float32(cfg.RayStart + float64(i)*delta)
	}
	lin[s-1] = float32(cfg.RayEnd)
	d := BroadcastToDims(Reshape(Const(g, lin), 1, 1, s), b, m, s)
	if !deterministic {
		d = Add(d, MulScalar(ctx.RandomUniform(g, shapes.Make(dtypes.Float32, b, m, s)), delta))
	}
	return d
}

// midpoints averages neighbours along the last axis (n values -> n-1).
func midpoints(x *Node) *Node {
	n := x.Shape().Dimensions[x.Rank()-1]
	return MulScalar(Add(SliceAxis(x, -1, AxisRange(0, n-1)), SliceAxis(x, -1, AxisRange(1, n))), 0.5)
}

// marchWeights is the ray marcher's per-interval weights (MipRayMarcher2 with softplus density): raw
// densities sigma [B, M, S] at sorted depths [B, M, S] give S-1 weights α_i·Π_{j<i}(1-α_j+1e-10) with
// α = 1 - exp(-softplus(σ_mid - 1)·δ).
func marchWeights(sigma, depths *Node) *Node {
	n := depths.Shape().Dimensions[2]
	deltas := Sub(SliceAxis(depths, 2, AxisRange(1, n)), SliceAxis(depths, 2, AxisRange(0, n-1)))
	// The -1 bias makes densities start small (EG3D's comment: "makes things initialize better").
	dens := softplus(SubScalar(midpoints(sigma), 1))
	alpha := OneMinus(Exp(Neg(Mul(dens, deltas))))
	// Π_{j<i}(1-α_j+1e-10) as exp of an exclusive cumulative sum of logs; the factors are formed as the
	// official cumprod forms them, so values agree to float rounding.
	logT := exclusiveCumSum(Log(AddScalar(OneMinus(alpha), 1e-10)))
	return Mul(alpha, Exp(logT))
}

// exclusiveCumSum sums x [..., N] along its last axis, excluding each element itself, with a constant
// strictly-triangular matrix: a matmul, fast on every backend and with an exact gradient.
func exclusiveCumSum(x *Node) *Node {
	n := x.Shape().Dimensions[x.Rank()-1]
	tri := make([]float32, n*n) // tri[j][i] = 1 for j < i
	for j := 0; j < n; j++ {
		for i := j + 1; i < n; i++ {
			tri[j*n+i] = 1
		}
	}
	t := Reshape(Const(x.Graph(), tri), n, n)
	dims := x.Shape().Dimensions
	return Reshape(Einsum("rj,ji->ri", Reshape(x, -1, n), t), dims...)
}

// composite is the ray marcher's compositing: weighted colour (then scaled to [-1,1]), expected depth
// clamped to the global sample range (NaN, i.e. no opacity, becomes the far end), and the weights sum.
func composite(cfg *Config, rgb, sigma, depths *Node) Rendered {
	w := marchWeights(sigma, depths)                     // [B, M, S-1]
	cMid := midpoints(TransposeAllAxes(rgb, 0, 1, 3, 2)) // [B, M, C, S-1]
	feat := Einsum("bmcs,bms->bmc", cMid, w)
	total := ReduceAndKeep(w, ReduceSum, -1)
	dMid := midpoints(depths)
	num := ReduceAndKeep(Mul(w, dMid), ReduceSum, -1)
	positive := GreaterThan(total, ZerosLike(total))
	depth := Div(num, Where(positive, total, OnesLike(total)))
	depth = Where(positive, depth, AddScalar(ZerosLike(depth), math.Inf(1)))
	// Clamp as Min/Max: GoMLX's Clamp has no gradient, and depth is supervised when training.
	depth = Max(Min(depth, ReduceAllMax(depths)), ReduceAllMin(depths))
	if cfg.WhiteBackground {
		feat = Sub(AddScalar(feat, 1), total)
	}
	return Rendered{Features: AddScalar(MulScalar(feat, 2), -1), Depth: depth, WeightsSum: total}
}
