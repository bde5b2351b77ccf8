package train

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"gonum.org/v1/gonum/mat"
)

// linearShift keeps the first mapping layer's pre-activations positive: n(z) has unit mean square, so no
// coordinate exceeds sqrt(z_dim), far below this offset for any z_dim up to 400.
const linearShift = 20.0

// Gaussian is the distribution of the learned latents: mean and lower-triangular factor of the covariance.
type Gaussian struct {
	Mean []float64
	L    *mat.TriDense
}

// FitGaussian estimates the mean and covariance of latents (rows of an n x d matrix, row-major) and its
// Cholesky factor, with a small ridge so the factor exists.
func FitGaussian(latents []float32, n, d int) (Gaussian, error) {
	if n < 2 || len(latents) != n*d {
		return Gaussian{}, fmt.Errorf("train: %d latent values for %d latents of %d dims", len(latents), n, d)
	}
	mean := make([]float64, d)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			mean[j] += float64(latents[i*d+j]) / float64(n)
		}
	}
	cov := mat.NewSymDense(d, nil)
	for a := 0; a < d; a++ {
		for b := a; b < d; b++ {
			s := 0.0
			for i := 0; i < n; i++ {
				s += (float64(latents[i*d+a]) - mean[a]) * (float64(latents[i*d+b]) - mean[b])
			}
			cov.SetSym(a, b, s/float64(n-1))
		}
	}
	ridge := 1e-6 * math.Max(1e-12, mat.Trace(cov)/float64(d))
	for a := 0; a < d; a++ {
		cov.SetSym(a, a, cov.At(a, a)+ridge)
	}
	var ch mat.Cholesky
	if !ch.Factorize(cov) {
		return Gaussian{}, fmt.Errorf("train: latent covariance is not positive definite")
	}
	var l mat.TriDense
	ch.LTo(&l)
	return Gaussian{Mean: mean, L: &l}, nil
}

// SetMapping writes the mapping network of g so that mapping(z, c) = Mean + L·n(z) for any camera c, where
// n(z) = z/rms(z) is EG3D's input normalization, and sets w_avg to Mean. It needs the auto-decoder's mapping
// shape: two layers, z_dim = w_dim, camera conditioning zeroed. Both layers stay in the linear part of their
// leaky ReLUs: the first adds linearShift to n(z), the second subtracts it again; latents trained near a
// positive anchor keep Mean + L·n(z) positive for all but extreme z.
func SetMapping(g *eg3d.Generator, gauss Gaussian) error {
	cfg := &g.Config
	d := cfg.WDim
	if cfg.MappingLayers != 2 || cfg.ZDim != d || !cfg.ZeroConditioning || len(gauss.Mean) != d {
		return fmt.Errorf("train: SetMapping needs 2 mapping layers, z_dim = w_dim, zeroed conditioning and a %d-d Gaussian", d)
	}
	lr := cfg.MappingLRMul
	in0 := cfg.ZDim
	if cfg.CDim > 0 {
		in0 += cfg.WDim
	}
	g0 := lr / math.Sqrt(float64(in0))
	g1 := lr / math.Sqrt(float64(d))
	sqrt2 := math.Sqrt(2)
	// Layer 0: y = √2·(n(z) + shift): weight I/g0 on the z block, 0 on the camera block.
	w0 := make([]float32, d*in0)
	b0 := make([]float32, d)
	for i := 0; i < d; i++ {
		w0[i*in0+i] = float32(1 / g0)
		b0[i] = float32(linearShift / lr)
	}
	// Layer 1: w = √2·(A·y + b) with A = L/2 and b = (Mean - L·shift·1)/√2 gives Mean + L·n(z).
	w1 := make([]float32, d*d)
	b1 := make([]float32, d)
	for i := 0; i < d; i++ {
		rowSum := 0.0
		for j := 0; j <= i; j++ {
			l := gauss.L.At(i, j)
			w1[i*d+j] = float32(l / 2 / g1)
			rowSum += l
		}
		b1[i] = float32((gauss.Mean[i] - rowSum*linearShift) / sqrt2 / lr)
	}
	avg := make([]float32, d)
	for i, m := range gauss.Mean {
		avg[i] = float32(m)
	}
	for name, v := range map[string]*tensors.Tensor{
		"backbone.mapping.fc0.weight": tensors.FromFlatDataAndDimensions(w0, d, in0),
		"backbone.mapping.fc0.bias":   tensors.FromFlatDataAndDimensions(b0, d),
		"backbone.mapping.fc1.weight": tensors.FromFlatDataAndDimensions(w1, d, d),
		"backbone.mapping.fc1.bias":   tensors.FromFlatDataAndDimensions(b1, d),
		"backbone.mapping.w_avg":      tensors.FromFlatDataAndDimensions(avg, d),
	} {
		scope, vname := eg3d.ParamScope(name)
		if err := g.Context.GetVariableByScopeAndName(scope, vname).SetValue(v); err != nil {
			return fmt.Errorf("train: setting %s: %w", name, err)
		}
	}
	return nil
}
