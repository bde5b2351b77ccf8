package heads

import (
	"math"
	"sort"
	"testing"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// TestDepthReprojection lifts every fully covered pixel of view A to 3D with its depth
// (camera.PointAtDepth), keeps the points visible from view B (a ray marched from B's centre towards the
// point reaches it, Scene.Visible: visibility from the scene itself, not from the images), projects them into B
// (camera.Project) and compares their distance from B's centre with B's depth image, bilinearly
// interpolated where the four neighbours are covered. Wrong conventions (camera z instead of ray distance,
// a flipped axis, a half-pixel shift) give errors of millimetres to centimetres; the ground truth agrees to
// a small fraction of a pixel.
func TestDepthReprojection(t *testing.T) {
	tests := []struct {
		name   string
		seed   uint64
		va, vb camera.Camera
	}{
		{"yaw -0.3 to +0.3", 2, camera.At(-0.3, 0), camera.At(0.3, 0)},
		{"frontal to yaw 0.5 pitch 0.2", 9, camera.At(0, 0), camera.At(0.5, 0.2)},
		{"yaw 0.4 pitch -0.25 to yaw -0.2", 14, camera.At(0.4, -0.25), camera.At(-0.2, 0.1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const n = 96
			s := NewScene(tt.seed)
			da, ma := RenderDepth(s, tt.va, n)
			db, mb := RenderDepth(s, tt.vb, n)
			ob := tt.vb.Position()
			var pts [][3]float64
			for y := range n {
				for x := range n {
					if ma.Pix[y*n+x] == 1 {
						pts = append(pts, tt.va.PointAtDepth((float64(x)+0.5)/n, (float64(y)+0.5)/n, float64(da.Pix[y*n+x])))
					}
				}
			}
			visible := s.Visible(tt.vb, pts)
			var errs []float64
			occluded := 0
			for i, p := range pts {
				if !visible[i] {
					occluded++
					continue
				}
				dist := math.Sqrt(sq(p[0]-ob[0]) + sq(p[1]-ob[1]) + sq(p[2]-ob[2]))
				bx, by, bz := tt.vb.Project(p, n, n)
				if bz <= 0 {
					t.Fatalf("point %v behind camera B", p)
				}
				if got, ok := bilinearCovered(db, mb, bx, by); ok {
					errs = append(errs, math.Abs(got-dist))
				}
			}
			if len(errs) < n*n/8 || occluded == 0 {
				t.Fatalf("%d comparable pixels, %d occluded in B: the views do not overlap as expected", len(errs), occluded)
			}
			sort.Float64s(errs)
			med, p95, p99 := errs[len(errs)/2], errs[len(errs)*95/100], errs[len(errs)*99/100]
			// One pixel at the head spans about 2.5 / (4.26 * 96) = 0.006 world units.
			t.Logf("%d points visible in both views (%d occluded in B): |depth error| median %.2g, 95%% %.2g, 99%% %.2g world units (pixel footprint 0.006)",
				len(errs), occluded, med, p95, p99)
			if med > 2e-4 || p95 > 3e-3 {
				t.Errorf("depth reprojection error median %.3g, 95th percentile %.3g; want <= 2e-4 and <= 3e-3 (half a pixel)", med, p95)
			}
		})
	}
}

func sq(x float64) float64 { return x * x }

// bilinearCovered interpolates depth at continuous pixel coordinates (x, y), if its four neighbours are
// fully covered.
func bilinearCovered(depth, mask *fimage.Image, x, y float64) (float64, bool) {
	fx, fy := x-0.5, y-0.5
	x0, y0 := int(math.Floor(fx)), int(math.Floor(fy))
	if x0 < 0 || y0 < 0 || x0+1 >= depth.W || y0+1 >= depth.H {
		return 0, false
	}
	for _, q := range [4][2]int{{x0, y0}, {x0 + 1, y0}, {x0, y0 + 1}, {x0 + 1, y0 + 1}} {
		if mask.At(0, q[1], q[0]) < 1 {
			return 0, false
		}
	}
	return float64(depth.Bilinear(0, x, y)), true
}

// EG3D's crop (dataset_preprocessing/ffhq/crop_images_in_the_wild.py) aligns Deep3DFaceRecon's five
// standard 3D landmarks to the photo, scales so that one unit of them spans 300 px of a 1024 px image and
// keeps the central 700 px: the origin of the landmarks lands on the image centre at 300/700 = 0.4286 image
// widths per unit. The standard eyes sit at (±0.31, +0.29), so in an EG3D image the eyes are at
// u = 0.5 ± 0.133 and v = 0.5 - 0.124 (image y points down). FFHQ's own alignment (download_ffhq.py,
// 1024 px) puts them at about (0.371, 0.469) and (0.635, 0.469): the same interocular scale (0.264 against
// 0.266) but 0.09 lower, since FFHQ centres just below the eyes and EG3D on the face's centroid.
var eg3dEyes = [2][2]float64{{0.5 - 0.31*300/700, 0.5 - 0.29*300/700}, {0.5 + 0.31*300/700, 0.5 - 0.29*300/700}}

// eyeTolerance is how far (as a fraction of the image side) a rendered eye may be from the EG3D target:
// 3% covers the spread of eye spacing and face length across identities, like the spread of real faces
// around the template after alignment.
const eyeTolerance = 0.03

// TestEyesWhereEG3DPutsThem renders identities from the frontal FFHQ camera (camera.At(0, 0)) and finds
// each eye as the centroid of its iris pixels; both must be within eyeTolerance of EG3D's crop targets. The
// projected Landmarks must agree with the rendered irises to a pixel.
func TestEyesWhereEG3DPutsThem(t *testing.T) {
	const n = 128
	cam := camera.At(0, 0)
	var sum, worst float64
	count := 0
	for seed := range uint64(16) {
		id := NewIdentity(seed)
		v := Render(Scene{Identity: id, Background: DefaultBackground()}, cam, n)
		var sx, sy, cnt [2]float64
		for y := range n {
			for x := range n {
				if v.PartAt(x, y) != PartIris {
					continue
				}
				side := 0
				if x >= n/2 {
					side = 1
				}
				sx[side] += float64(x) + 0.5
				sy[side] += float64(y) + 0.5
				cnt[side]++
			}
		}
		lm := id.Landmarks()
		for side, world := range [2][3]float64{lm.RightEye, lm.LeftEye} { // image left is the subject's right
			if cnt[side] < 4 {
				t.Fatalf("seed %d: %v iris pixels on side %d", seed, cnt[side], side)
			}
			u, vv := sx[side]/cnt[side]/n, sy[side]/cnt[side]/n
			e := math.Hypot(u-eg3dEyes[side][0], vv-eg3dEyes[side][1])
			sum += e
			worst = max(worst, e)
			count++
			if e > eyeTolerance {
				t.Errorf("seed %d eye %d at (%.3f, %.3f), EG3D target (%.3f, %.3f): off by %.3f > %.2f",
					seed, side, u, vv, eg3dEyes[side][0], eg3dEyes[side][1], e, eyeTolerance)
			}
			px, py, _ := cam.Project(world, n, n)
			if d := math.Hypot(px/n-u, py/n-vv); d > 1.0/n {
				t.Errorf("seed %d eye %d: landmark projects %.2f px from the rendered iris", seed, side, d*n)
			}
		}
	}
	t.Logf("eye centres vs EG3D targets %v: mean error %.4f, max %.4f of the image side (tolerance %.2f)",
		eg3dEyes, sum/float64(count), worst, eyeTolerance)
}

// TestFraming checks the rest of the FFHQ/EG3D framing on the average head: face centred, nose tip and
// mouth where the standard landmarks put them, chin in the lower fifth, hair reaching the top edge.
func TestFraming(t *testing.T) {
	const n = 128
	cam := camera.At(0, 0)
	id := Average()
	lm := id.Landmarks()
	project := func(p [3]float64) (float64, float64) {
		x, y, _ := cam.Project(p, n, n)
		return x / n, y / n
	}
	// Targets from the standard landmarks as above: nose (0.003, -0.046), mouth corners (±0.25, -0.381).
	const s = 300.0 / 700
	for _, c := range []struct {
		name   string
		p      [3]float64
		u, v   float64
		within float64
	}{
		{"nose tip", lm.Nose, 0.5 + 0.003*s, 0.5 + 0.046*s, 0.03},
		{"mouth left", lm.MouthLeft, 0.5 + 0.25*s, 0.5 + 0.381*s, 0.03},
		{"mouth right", lm.MouthRight, 0.5 - 0.25*s, 0.5 + 0.381*s, 0.03},
	} {
		u, v := project(c.p)
		if e := math.Hypot(u-c.u, v-c.v); e > c.within {
			t.Errorf("%s at (%.3f, %.3f), want (%.3f, %.3f) within %.2f", c.name, u, v, c.u, c.v, c.within)
		}
	}
	view := Render(Scene{Identity: id, Background: DefaultBackground()}, cam, n)
	top, chin := n, 0
	for y := range n {
		for x := range n {
			p := view.PartAt(x, y)
			if p == PartHair && y < top {
				top = y
			}
			if (p == PartSkin || p == PartLips) && x > n*2/5 && x < n*3/5 {
				chin = max(chin, y) // lowest skin in the middle column: chin or neck
			}
		}
	}
	if top > 2 {
		t.Errorf("hair starts at row %d, want it to reach the top edge (EG3D crops cut the top of the head)", top)
	}
	if chin < n*3/4 {
		t.Errorf("skin ends at row %d in the middle, want the chin and neck below 3/4 of the height", chin)
	}
}

// TestVisible checks ground-truth visibility: points lifted from a view's own depth are visible from it,
// the same points pushed 1 mm into the head are not, and the face is hidden from behind.
func TestVisible(t *testing.T) {
	s := NewScene(4)
	front := camera.At(0, 0)
	const n = 32
	depth, mask := RenderDepth(s, front, n)
	var on, inside [][3]float64
	o := front.Position()
	for y := range n {
		for x := range n {
			if mask.Pix[y*n+x] < 1 {
				continue
			}
			u, v, d := (float64(x)+0.5)/n, (float64(y)+0.5)/n, float64(depth.Pix[y*n+x])
			on = append(on, front.PointAtDepth(u, v, d))
			inside = append(inside, front.PointAtDepth(u, v, d+0.04)) // 0.04 world units = 1.6 cm deep
		}
	}
	if len(on) < 100 {
		t.Fatalf("%d foreground pixels", len(on))
	}
	count := func(b []bool) int {
		c := 0
		for _, v := range b {
			if v {
				c++
			}
		}
		return c
	}
	if c := count(s.Visible(front, on)); c != len(on) {
		t.Errorf("%d of %d depth points visible from their own camera", c, len(on))
	}
	if c := count(s.Visible(front, inside)); c != 0 {
		t.Errorf("%d of %d points inside the head visible", c, len(inside))
	}
	back := camera.At(math.Pi, 0)
	if c := count(s.Visible(back, on)); c > len(on)/10 {
		t.Errorf("%d of %d frontal points visible from behind", c, len(on))
	}
	if d := s.Distance(o); d < 2 {
		t.Errorf("camera centre at distance %v from the head", d)
	}
}
