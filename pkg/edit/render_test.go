package edit

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
)

// unitVector returns a random unit vector of d values.
func unitVector(rng *rand.Rand, d int) []float32 {
	v := make([]float64, d)
	for j := range v {
		v[j] = rng.NormFloat64()
	}
	s := math.Sqrt(dot(v, v))
	out := make([]float32, d)
	for j := range v {
		out[j] = float32(v[j] / s)
	}
	return out
}

// psnr returns the PSNR of b against a, both in [-1, 1].
func psnr(a, b []float32) float64 {
	se := 0.0
	for i := range a {
		e := float64(a[i]-b[i]) / 2
		se += e * e
	}
	return -10 * math.Log10(se/float64(len(a)))
}

// The figure has a row per direction and pose and a column per strength; the alpha = 0 column is the
// unedited render in every row of the same pose; strengths in sigmas need a known spread.
func TestFigureLayout(t *testing.T) {
	be := backend.MustNew()
	g := microGenerator(t)
	r := eg3d.NewRunner(g, be)
	rng := rand.New(rand.NewPCG(6, 6))
	lat, err := Sample(be, g, Sampling{Count: 1, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	ws := Broadcast(lat[0], g.Config.NumWS())
	a := &Direction{Attribute: "a", Normal: unitVector(rng, g.Config.WDim), Sigma: 0.5}
	b := &Direction{Attribute: "b", Normal: unitVector(rng, g.Config.WDim), Sigma: 0.2}
	f := EditingFigure(a, b)
	f.Alphas = []float64{-2, 0, 2}
	rows, err := f.Images(r, ws)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || len(rows[3]) != 3 {
		t.Fatalf("%d rows of %d images, want 4 of 3", len(rows), len(rows[0]))
	}
	plain, err := r.Render(ws, camera.At(0.5, 0), f.Render)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range []int{1, 3} {
		if p := psnr(rows[row][1].Pix, plain.Image.Pix); p < 60 {
			t.Errorf("row %d, alpha 0: %.1f dB from the unedited yaw-0.5 render, want identical", row, p)
		}
		if p := psnr(rows[row][0].Pix, rows[row][2].Pix); p > 40 {
			t.Errorf("row %d: alpha -2 and +2 look the same (%.1f dB)", row, p)
		}
	}
	img, err := f.Draw(r, ws)
	if err != nil {
		t.Fatal(err)
	}
	if w, h := img.Rect.Dx(), img.Rect.Dy(); w < 3*16 || h < 4*16 {
		t.Errorf("figure is %dx%d, too small for 4x3 cells of 16 px", w, h)
	}
	f.Directions = []*Direction{{Normal: a.Normal}}
	if _, err := f.Draw(r, ws); err == nil {
		t.Errorf("sigma units without a known sigma accepted")
	}
}

// Orbit renders the 30 views of camera.Orbit.
func TestOrbitFrames(t *testing.T) {
	be := backend.MustNew()
	g := microGenerator(t)
	ws := tensors.FromFlatDataAndDimensions(make([]float32, g.Config.NumWS()*g.Config.WDim), 1, g.Config.NumWS(), g.Config.WDim)
	frames, err := Orbit(eg3d.NewRunner(g, be), ws, make([]float32, g.Config.WDim), 1, Layers{}, eg3d.RenderOptions{Deterministic: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != len(camera.Orbit()) || frames[0].H != g.Config.ImageResolution {
		t.Errorf("%d frames of %d px, want %d of %d", len(frames), frames[0].H, len(camera.Orbit()), g.Config.ImageResolution)
	}
	if p := psnr(frames[0].Pix, frames[7].Pix); p > 60 {
		t.Errorf("orbit frames 0 and 7 are identical")
	}
}

func TestSelectivity(t *testing.T) {
	scores := [][]float64{{0.2, 0.5, 0.5, 0.1}, {0.5, 0.5, 0.6, 0.1}, {0.9, 0.3, 0.6, 0.4}}
	moved, others, err := Selectivity(scores, 0)
	if err != nil || math.Abs(moved-0.7) > 1e-12 || math.Abs(others-(0.2+0.1+0.3)/3) > 1e-12 {
		t.Errorf("Selectivity = %v, %v, %v; want 0.7, 0.2", moved, others, err)
	}
	moved, others, err = Selectivity(scores, 0, 3)
	if err != nil || math.Abs(moved-0.7) > 1e-12 || math.Abs(others-0.15) > 1e-12 {
		t.Errorf("Selectivity ignoring 3 = %v, %v, %v; want 0.7, 0.15", moved, others, err)
	}
	if _, _, err := Selectivity(scores[:1], 0); err == nil {
		t.Errorf("one edit strength accepted")
	}
}
