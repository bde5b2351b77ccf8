package eg3d

import (
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/pmvi/pmvi/pkg/backend"
)

// Every configuration builds a graph (not executed) that uses exactly the variables Params lists, with the
// right output shapes: the official presets and super-resolution modules, and a model with non-official sizes.
func TestGraphsUseExactlyTheirParams(t *testing.T) {
	withSR := func(m SRModule, nr, img int) Config {
		c := FFHQ512()
		c.NeuralResolution, c.ImageResolution = nr, img
		c.SR = HybridSR(m, 4, true)
		return c
	}
	noSR := Micro()
	noSR.SR, noSR.ImageResolution = SRConfig{}, noSR.NeuralResolution
	odd := Micro()
	odd.PlaneResolution, odd.PlaneChannels, odd.DepthSamples, odd.ImportanceSamples = 32, 5, 12, 0
	tests := []struct {
		name string
		cfg  Config
	}{
		{"FFHQ512", FFHQ512()},
		{"Fixture", Fixture()},
		{"Hybrid8X", withSR(SRHybrid8X, 128, 512)},
		{"Hybrid4X", withSR(SRHybrid4X, 128, 256)},
		{"Hybrid4X from 64", withSR(SRHybrid4X, 64, 256)},
		{"Hybrid2X", withSR(SRHybrid2X, 64, 128)},
		{"Hybrid8XDC from 64", withSR(SRHybrid8XDC, 64, 512)},
		{"Deepfp32", withSR(SRHybridDeepfp32, 128, 256)},
		{"Micro", Micro()},
		{"no SR", noSR},
		{"odd sizes, no importance", odd},
	}
	be := backend.MustNew()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			if testing.Short() && cfg.ZDim > 16 {
				t.Skip("-short: allocating full-size parameters")
			}
			ctx, err := NewContext(&cfg, 0)
			if err != nil {
				t.Fatal(err)
			}
			g := NewGraph(be, tt.name)
			z := Parameter(g, "z", shapes.Make(dtypes.Float32, 2, cfg.ZDim))
			c := Parameter(g, "c", shapes.Make(dtypes.Float32, 2, 25))
			out := Generate(ctx, &cfg, z, c, 0.7, RenderOptions{})
			want := map[string][]int{
				"image": {2, 3, cfg.ImageResolution, cfg.ImageResolution},
				"depth": {2, 1, cfg.NeuralResolution, cfg.NeuralResolution},
			}
			for name, got := range map[string]*Node{"image": out.Image, "depth": out.Depth} {
				if d := got.Shape().Dimensions; !equalDims(d, want[name]) {
					t.Errorf("%s shape %v, want %v", name, d, want[name])
				}
			}
			used := 0
			for _, p := range cfg.Params() {
				scope, name := ParamScope(p.Name)
				v := ctx.GetVariableByScopeAndName(scope, name)
				if v.InUseByGraph(g) {
					used++
				} else if p.Init != InitFIR && !srNoise(p.Name) { // filters are graph constants; SR runs without noise
					t.Errorf("%s is listed but the graph does not use it", p.Name)
				}
			}
			t.Logf("%d parameters, %d tensors used by the graph", cfg.NumParameters(), used)
		})
	}
}

func equalDims(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func srNoise(name string) bool {
	return strings.HasPrefix(name, "superresolution.") && strings.Contains(name, ".noise_")
}
