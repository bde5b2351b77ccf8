package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
)

// After SetMapping, the generator's own mapping network computes Mean + L·n(z) for any z and camera.
func TestSetMappingMapsToTheGaussian(t *testing.T) {
	cfg := eg3d.Micro()
	cfg.ZeroConditioning = true
	g, err := eg3d.New(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	d := cfg.WDim
	rng := rand.New(rand.NewPCG(1, 1))
	const n = 200
	latents := make([]float32, n*d)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			latents[i*d+j] = float32(3 + 0.4*rng.NormFloat64() + 0.1*float64(j%3)*rng.NormFloat64())
		}
	}
	gauss, err := FitGaussian(latents, n, d)
	if err != nil {
		t.Fatal(err)
	}
	if err := SetMapping(g, gauss); err != nil {
		t.Fatal(err)
	}
	r := eg3d.NewRunner(g, backend.MustNew())
	for trial := 0; trial < 3; trial++ {
		z := make([]float32, d)
		ms := 0.0
		for i := range z {
			z[i] = float32(rng.NormFloat64())
			ms += float64(z[i]*z[i]) / float64(d)
		}
		ws, err := r.Mapping(z, camera.At(0.3*float64(trial), 0), 1)
		if err != nil {
			t.Fatal(err)
		}
		got := tensors.MustCopyFlatData[float32](ws)[:d] // every ws row is the same w
		worst := 0.0
		for i := 0; i < d; i++ {
			want := gauss.Mean[i]
			for j := 0; j <= i; j++ {
				want += gauss.L.At(i, j) * float64(z[j]) / math.Sqrt(ms+1e-8)
			}
			worst = math.Max(worst, math.Abs(float64(got[i])-want))
		}
		if worst > 1e-4 {
			t.Errorf("trial %d: mapping differs from Mean + L·n(z) by %v", trial, worst)
		}
	}
	// The empirical covariance of the latents is reproduced by L·Lᵀ.
	var sum float64
	for j := 0; j < d; j++ {
		sum += gauss.L.At(0, j) * gauss.L.At(0, j)
	}
	if math.Abs(sum-0.16) > 0.05 {
		t.Errorf("variance of latent dim 0 = %v, want about 0.16", sum)
	}
}
