package invert

import (
	"math"
	"testing"

	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pmvi/pmvi/internal/nprand"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
)

// The search finds a camera turned away on both axes when the latent is the one that made the image (the true
// camera then fits exactly), lands on the grid point, and leaves a camera alone when no move fits clearly better.
func TestSearchCamerasFindsTheTrueCamera(t *testing.T) {
	be := backend.MustNew()
	g, err := eg3d.New(eg3d.Micro(), 3)
	if err != nil {
		t.Fatal(err)
	}
	run := eg3d.NewRunner(g, be)
	truth := camera.At(0.1, -0.05)
	ws, err := run.Mapping(nprand.Randn(2, g.Config.ZDim), truth, 1)
	if err != nil {
		t.Fatal(err)
	}
	render := eg3d.RenderOptions{Deterministic: true}
	imgs, err := run.Render(ws, truth, render)
	if err != nil {
		t.Fatal(err)
	}
	deg := math.Pi / 180
	given := truth.Adjust(camera.Adjustment{Yaw: 9 * deg, Pitch: -4 * deg}, refineCentre) // on the search's grids
	opts := DefaultCameraRefinement()
	opts.Search.Range = 12 * deg
	for _, tc := range []struct {
		name    string
		gain    float64
		wantYaw float64
		wantPit float64
	}{
		{"finds the truth", 0.1, -9 * deg, 4 * deg},
		{"no clear gain", 1e9, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := opts
			o.Search.MinGain = tc.gain
			r := newRefiner(mlctx.New(), []camera.Camera{given}, nil, o, 0.1)
			moved, err := r.searchCameras(run, ws, []Target{{Image: imgs.Image, Camera: given}}, render)
			if err != nil {
				t.Fatal(err)
			}
			adj, _, err := r.result()
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(adj[0].Yaw-tc.wantYaw) > 1e-5 || math.Abs(adj[0].Pitch-tc.wantPit) > 1e-5 || adj[0].Roll != 0 {
				t.Errorf("adjustment %+v, want yaw %.4f pitch %.4f", adj[0], tc.wantYaw, tc.wantPit)
			}
			want := camera.AngleBetween(given, given.Adjust(adj[0], refineCentre), refineCentre)
			if math.Abs(moved[0]-want) > 1e-6 { // the refiner stores float32
				t.Errorf("moved %.4f rad, the adjustment turns %.4f", moved[0], want)
			}
		})
	}
	bad := opts
	bad.Search.Step = 2 * bad.Search.Range
	if err := bad.validate(); err == nil {
		t.Error("a search step larger than its range accepted")
	}
}
