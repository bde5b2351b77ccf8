package pseudoview

import (
	"fmt"
	"math"
	"testing"

	"github.com/pmvi/pmvi/pkg/blend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/heads"
	"github.com/pmvi/pmvi/pkg/mesh/meshtest"
)

// Warping pkg/heads' exact input view with its exact depth to novel views, against its exact novel views:
// PSNR >= 30 dB at yaw 0.2 and 0.4 on the pixels the pseudo view takes from V_i (M_i eroded by the blend's
// 3x3, on pixels the head covers fully: the ground truth anti-aliases its silhouettes with the background).
// pkg/heads shades view-independently, so what is left is resampling and the depth grid's silhouettes.
func TestWarpMatchesHeads(t *testing.T) {
	const size = 256
	hand := heads.NewScene(5)
	hand.Variant = heads.Hand
	scenes := []struct {
		name  string
		scene heads.Scene
	}{{"clean", heads.NewScene(3)}, {"hand", hand}}
	in := camera.At(0, 0)
	for _, sc := range scenes {
		input := heads.Render(sc.scene, in, size)
		w, err := NewWarper(input.RGB, in, input.Depth, PaperOptions().Scale(size/512.0))
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			yaw, floor float64 // floor: the PSNR all used pixels must reach
		}{{0.2, 30}, {0.4, 30}} {
			t.Run(fmt.Sprintf("%s yaw %.1f", sc.name, tt.yaw), func(t *testing.T) {
				cam := camera.At(tt.yaw, 0)
				want := heads.Render(sc.scene, cam, size)
				r, err := w.Warp(cam)
				if err != nil {
					t.Fatal(err)
				}
				score := meshtest.IoU(r.Mask, visibleInInput(want, cam, input, in, 0.005))
				used := blend.Erode(r.Mask, 3)
				for i := range used.Pix {
					if want.Mask.Pix[i] < 1 {
						used.Pix[i] = 0
					}
				}
				all, n := meshtest.PSNR(r.Visible, want.RGB, used)
				skin, nSkin := meshtest.PSNR(r.Visible, want.RGB, part(used, want, heads.PartSkin))
				hair, nHair := meshtest.PSNR(r.Visible, want.RGB, part(used, want, heads.PartHair))
				raw, nRaw := meshtest.PSNR(r.Visible, want.RGB, r.Mask)
				t.Logf("mask IoU %.4f; PSNR %.2f dB on %d used pixels (skin %.2f on %d, hair %.2f on %d); %.2f on all %d of M_i",
					score, all, n, skin, nSkin, hair, nHair, raw, nRaw)
				if score < 0.95 {
					t.Errorf("mask IoU %.4f against ground-truth visibility, want >= 0.95", score)
				}
				if skin < 30 {
					t.Errorf("PSNR on the skin %.2f dB, want >= 30", skin)
				}
				if all < tt.floor {
					t.Errorf("PSNR on the used pixels %.2f dB, want >= %v", all, tt.floor)
				}
			})
		}
	}
}

// part returns mask restricted to the pixels of a view that show part p.
func part(mask *fimage.Image, v *heads.View, p heads.Part) *fimage.Image {
	out := mask.Clone()
	for i := range out.Pix {
		if v.Parts[i] != p {
			out.Pix[i] = 0
		}
	}
	return out
}

// visibleInInput returns the ground-truth M_i of a view from the two ground-truth depth maps: 1 where the
// surface point a pixel of the view shows lies inside the input's frame and at most tol behind the input's
// own depth there (interpolated bilinearly, or the nearest finite neighbour next to the background).
func visibleInInput(view *heads.View, cam camera.Camera, input *heads.View, in camera.Camera, tol float64) *fimage.Image {
	n := view.Depth.W
	out := fimage.New(1, n, n)
	d0, q := input.Depth, in.Position()
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			d := float64(view.Depth.At(0, y, x))
			if math.IsInf(d, 1) {
				continue
			}
			p := cam.PointAtDepth((float64(x)+0.5)/float64(n), (float64(y)+0.5)/float64(n), d)
			px, py, _ := in.Project(p, d0.W, d0.H)
			if px < 0 || py < 0 || px >= float64(d0.W) || py >= float64(d0.H) {
				continue
			}
			dist := math.Sqrt((p[0]-q[0])*(p[0]-q[0]) + (p[1]-q[1])*(p[1]-q[1]) + (p[2]-q[2])*(p[2]-q[2]))
			if ref, ok := depthAt(d0, px, py); ok && dist <= ref+tol {
				out.Set(0, y, x, 1)
			}
		}
	}
	return out
}

// depthAt interpolates a depth map bilinearly at continuous pixel coordinates; next to the background it
// returns the nearest finite neighbour. ok is false when all four neighbours are background.
func depthAt(d *fimage.Image, x, y float64) (float64, bool) {
	fx, fy := x-0.5, y-0.5
	x0, y0 := math.Floor(fx), math.Floor(fy)
	ax, ay := fx-x0, fy-y0
	var sum float64
	nearest, finite := math.Inf(1), 0
	for _, s := range [4][3]float64{{0, 0, (1 - ax) * (1 - ay)}, {1, 0, ax * (1 - ay)}, {0, 1, (1 - ax) * ay}, {1, 1, ax * ay}} {
		xi := min(max(int(x0)+int(s[0]), 0), d.W-1)
		yi := min(max(int(y0)+int(s[1]), 0), d.H-1)
		v := float64(d.At(0, yi, xi))
		if math.IsInf(v, 1) {
			continue
		}
		finite++
		nearest = min(nearest, v)
		sum += s[2] * v
	}
	switch finite {
	case 0:
		return 0, false
	case 4:
		return sum, true
	}
	return nearest, true
}

// A head on a saturated green background, with a generator-like depth that puts the background on a far
// wall instead of +Inf: without a foreground the wall's texture (green) is warped next to the head's
// silhouette in a novel view; KeepForeground with the head's mask leaves no green in V_i.
func TestForegroundKeepsTheBackgroundOffTheHead(t *testing.T) {
	const size = 128
	scene := heads.NewScene(7)
	scene.Background = heads.Plain(0, 1, 0)
	in := camera.At(0.3, 0)
	input := heads.Render(scene, in, size)
	wall := input.Depth.Clone()
	for i, d := range wall.Pix {
		if math.IsInf(float64(d), 1) {
			wall.Pix[i] = 3.2 // where a generator trained on backgrounds puts them
		}
	}
	green := func(depth *fimage.Image) (frac float64) {
		w, err := NewWarper(input.RGB, in, depth, QuickOptions().Scale(size/512.0))
		if err != nil {
			t.Fatal(err)
		}
		r, err := w.Warp(camera.At(-0.3, 0))
		if err != nil {
			t.Fatal(err)
		}
		var n, g float64
		for i, m := range r.Mask.Pix {
			if m < 0.5 {
				continue
			}
			n++
			red, grn, blu := r.Visible.Pix[i], r.Visible.Pix[size*size+i], r.Visible.Pix[2*size*size+i]
			if grn > 0.5 && red < 0 && blu < 0 { // mostly background green (>= 75% green, < 50% red and blue)
				g++
			}
		}
		return g / n
	}
	kept, err := KeepForeground(wall, input.Mask)
	if err != nil {
		t.Fatal(err)
	}
	without, with := green(wall), green(kept)
	t.Logf("green pixels in V_i's mask at yaw -0.3: %.2f%% with the far wall, %.3f%% with the foreground kept", 100*without, 100*with)
	if without < 0.01 {
		t.Errorf("negative control: the far wall put only %.3f%% green into V_i; the test no longer sees the problem", 100*without)
	}
	if with > 0.001 {
		t.Errorf("%.3f%% of V_i is background green with the foreground kept, want < 0.1%%", 100*with)
	}

	if _, err := KeepForeground(wall, fimage.New(3, size, size)); err == nil {
		t.Error("a 3-channel foreground was accepted")
	}
}

// Two input views (yaw ±0.4) of one head, warped with their exact depths to a camera between them and one
// beyond: the merged texture covers clearly more of the view between them than either input alone, never
// less than the better input, and stays faithful (PSNR on its mask against the truth).
func TestBuildFromTwoViewsCoversMore(t *testing.T) {
	const size = 128
	scene := heads.NewScene(9)
	var sources []Source
	for _, yaw := range []float64{-0.4, 0.4} {
		cam := camera.At(yaw, 0)
		v := heads.Render(scene, cam, size)
		sources = append(sources, Source{Image: v.RGB, Camera: cam, Depth: v.Depth})
	}
	render := func(c camera.Camera) (*fimage.Image, error) { return heads.Render(scene, c, size).RGB, nil }
	cams := []camera.Camera{camera.At(0, 0), camera.At(0.6, 0.1)}
	opts := QuickOptions().Scale(size / 512.0)
	both, err := BuildFrom(render, sources, cams, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cams {
		truth := heads.Render(scene, c, size)
		covered := func(m *fimage.Image) float64 {
			var n float64
			for _, x := range m.Pix {
				if x > 0.5 {
					n++
				}
			}
			return n / float64(len(m.Pix))
		}
		var single []float64
		for k := range sources {
			one, err := BuildFrom(render, sources[k:k+1], cams[i:i+1], opts)
			if err != nil {
				t.Fatal(err)
			}
			single = append(single, covered(one[0].Mask))
		}
		got := covered(both[i].Mask)
		used := both[i].Mask.Clone()
		for p := range used.Pix {
			if truth.Mask.Pix[p] < 1 {
				used.Pix[p] = 0
			}
		}
		psnr, n := meshtest.PSNR(both[i].Visible, truth.RGB, used)
		t.Logf("camera %d: M_i covers %.1f%% (single inputs %.1f%%, %.1f%%); PSNR %.1f dB on %d pixels", i, 100*got, 100*single[0], 100*single[1], psnr, n)
		best := math.Max(single[0], single[1])
		if want := map[int]float64{0: best + 0.02, 1: best}[i]; got < want {
			t.Errorf("camera %d: two views cover %.1f%%, want >= %.1f%% (the best single view covers %.1f%%)", i, 100*got, 100*want, 100*best)
		}
		if psnr < 28 {
			t.Errorf("camera %d: merged texture %.1f dB against the truth, want >= 28", i, psnr)
		}
	}
}
