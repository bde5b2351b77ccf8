package mesh

import (
	"math"
	"slices"
	"testing"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/mesh/meshtest"
)

func TestSampleIsAreaWeightedAndSeeded(t *testing.T) {
	// Two triangles of areas 0.5 and 1.5 in the plane z = 0.
	m := &Mesh{
		Vertices:  []float32{0, 0, 0, 1, 0, 0, 0, 1, 0, 2, 0, 0, 2, 3, 0},
		Triangles: []int32{0, 1, 2, 1, 3, 4},
	}
	const n = 40000
	pc, err := m.Sample(n, 7)
	if err != nil {
		t.Fatal(err)
	}
	first := 0
	for i := 0; i < n; i++ {
		p := pc.point(i)
		if p[0]+p[1] <= 1+1e-6 && p[0] <= 1 {
			first++
		}
	}
	// Binomial with p = 0.25: the standard deviation of the fraction is 0.0022.
	if f := float64(first) / n; math.Abs(f-0.25) > 0.01 {
		t.Errorf("%.4f of the points on the triangle with a quarter of the area, want 0.25", f)
	}
	again, _ := m.Sample(n, 7)
	other, _ := m.Sample(n, 8)
	if !slices.Equal(pc.Positions, again.Positions) {
		t.Error("the same seed gives different points")
	}
	if slices.Equal(pc.Positions, other.Positions) {
		t.Error("different seeds give the same points")
	}
}

func TestSplatsFollowTheTriangles(t *testing.T) {
	const size = 128
	scene := meshtest.Head()
	in := camera.At(0, 0)
	rgb, depth := scene.Render(in, size, size)
	m, err := FromDepth(depth, in, Options{Resolution: 2 * size})
	if err != nil {
		t.Fatal(err)
	}
	tex, err := m.See(rgb, in, VisibilityOptions{Threshold: 1.0 / 512})
	if err != nil {
		t.Fatal(err)
	}
	// The official density: 1M points for a 512x512 image, i.e. 4 per pixel; radius 2 px at 512 is 0.5 here.
	opts := SplatOptions{Points: 4 * size * size, Radius: 0.5 * 2, PerPixel: 16, Seed: 3}
	pc, err := m.Sample(opts.Points, opts.Seed)
	if err != nil {
		t.Fatal(err)
	}
	// The official threshold, 1/512 at a 512-pixel z-buffer, scaled to the pixel size here.
	if err := pc.See(rgb, in, VisibilityOptions{Resolution: size, Threshold: 1.0 / size}); err != nil {
		t.Fatal(err)
	}
	cam := camera.At(0.3, 0)
	want, _ := scene.Render(cam, size, size)
	tri, err := m.Render(tex, cam, size, size)
	if err != nil {
		t.Fatal(err)
	}
	spl, err := pc.Render(cam, size, size, opts)
	if err != nil {
		t.Fatal(err)
	}
	// Deep inside the face the splats are opaque and the colour is a local average of the input.
	inner := spl.Mask.Clone()
	for i, v := range spl.Mask.Pix {
		if v < 0.99 || tri.Mask.Pix[i] < 1 {
			inner.Pix[i] = 0
		}
	}
	psnr, n := meshtest.PSNR(spl.Visible, want, inner)
	triPSNR, _ := meshtest.PSNR(tri.Visible, want, inner)
	score := meshtest.IoU(spl.Mask, tri.Mask)
	t.Logf("splats: PSNR %.2f dB on %d opaque visible pixels (triangles %.2f dB), mask IoU with triangles %.4f", psnr, n, triPSNR, score)
	if psnr < 25 || n < size*size/8 {
		t.Errorf("splat PSNR %.2f dB on %d pixels, want >= 25 dB on a good part of the face", psnr, n)
	}
	if score < 0.9 {
		t.Errorf("splat mask IoU with the triangle mask %.4f, want >= 0.9", score)
	}
	if triPSNR < psnr {
		t.Errorf("triangles (%.2f dB) are less accurate than splats (%.2f dB)", triPSNR, psnr)
	}
}

func TestWarpModeParse(t *testing.T) {
	for _, w := range []WarpMode{Triangles, Points} {
		got, err := ParseWarpMode(w.String())
		if err != nil || got != w {
			t.Errorf("ParseWarpMode(%q) = %v, %v", w.String(), got, err)
		}
	}
	if _, err := ParseWarpMode("splines"); err == nil || !errHas(err, `unknown warp mode "splines"`) {
		t.Errorf("ParseWarpMode(splines): error %v", err)
	}
}
