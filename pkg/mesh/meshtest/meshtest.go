// Package meshtest provides an analytic head for testing warps: ellipsoids ray-cast exactly, with a smooth
// texture fixed to the surface, so depth, colour and visibility are known exactly at any camera. Tests of
// packages mesh and pseudoview use it as ground truth.
package meshtest

import (
	"math"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// Ellipsoid is an axis-aligned ellipsoid.
type Ellipsoid struct{ Centre, Radii [3]float64 }

// Scene is a union of ellipsoids.
type Scene []Ellipsoid

// Head returns the test head: an ellipsoid skull about the size of an EG3D head, a nose and two ears that
// hide parts of the face from the side.
func Head() Scene {
	return Scene{
		{Centre: [3]float64{0, 0.02, 0}, Radii: [3]float64{0.26, 0.32, 0.28}},
		{Centre: [3]float64{0, -0.02, 0.26}, Radii: [3]float64{0.05, 0.09, 0.07}},  // nose
		{Centre: [3]float64{0.25, 0, -0.02}, Radii: [3]float64{0.04, 0.08, 0.06}},  // ear
		{Centre: [3]float64{-0.25, 0, -0.02}, Radii: [3]float64{0.04, 0.08, 0.06}}, // ear
	}
}

// Hit returns the distance along the unit ray (o, d) to the nearest surface, or +Inf.
func (s Scene) Hit(o, d [3]float64) float64 {
	best := math.Inf(1)
	for _, e := range s {
		// Scale space so the ellipsoid is the unit sphere; t stays the same parameter.
		var oc, dc [3]float64
		for k := 0; k < 3; k++ {
			oc[k] = (o[k] - e.Centre[k]) / e.Radii[k]
			dc[k] = d[k] / e.Radii[k]
		}
		a, b, c := dot(dc, dc), 2*dot(oc, dc), dot(oc, oc)-1
		disc := b*b - 4*a*c
		if disc < 0 {
			continue
		}
		sq := math.Sqrt(disc)
		for _, t := range []float64{(-b - sq) / (2 * a), (-b + sq) / (2 * a)} {
			if t > 1e-9 && t < best {
				best = t
				break
			}
		}
	}
	return best
}

// Normal returns the unit outward normal at a surface point p, from the ellipsoid p lies on.
func (s Scene) Normal(p [3]float64) [3]float64 {
	best, n := math.Inf(1), [3]float64{}
	for _, e := range s {
		var q, g [3]float64
		for k := 0; k < 3; k++ {
			q[k] = (p[k] - e.Centre[k]) / e.Radii[k]
			g[k] = q[k] / e.Radii[k]
		}
		if f := math.Abs(dot(q, q) - 1); f < best {
			best, n = f, g
		}
	}
	l := norm(n)
	return [3]float64{n[0] / l, n[1] / l, n[2] / l}
}

// Albedo is the surface texture: smooth stripes and blobs in [-0.9, 0.9], the same from every view.
func Albedo(p [3]float64) [3]float64 {
	x, y, z := p[0], p[1], p[2]
	return [3]float64{
		0.5*math.Sin(14*x+3*z) + 0.3*math.Cos(9*y),
		0.4*math.Cos(11*y-6*x) + 0.4*math.Sin(8*z),
		0.6 * math.Sin(10*(x+y)+5*z),
	}
}

// Render ray-casts the scene at cam into an RGB image (background black) and a depth image (+Inf background).
func (s Scene) Render(cam camera.Camera, w, h int) (rgb, depth *fimage.Image) {
	rgb, depth = fimage.New(3, h, w), fimage.New(1, h, w)
	o := cam.Position()
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			d := cam.PixelDirection((float64(x)+0.5)/float64(w), (float64(y)+0.5)/float64(h))
			t := s.Hit(o, d)
			depth.Set(0, y, x, float32(t))
			c := [3]float64{-1, -1, -1}
			if !math.IsInf(t, 1) {
				c = Albedo([3]float64{o[0] + t*d[0], o[1] + t*d[1], o[2] + t*d[2]})
			}
			for k := 0; k < 3; k++ {
				rgb.Set(k, y, x, float32(c[k]))
			}
		}
	}
	return rgb, depth
}

// VisibleFrom returns, per pixel of a view with depth image depth at cam, 1 when that surface point is seen
// by the camera in (inside its w x h frame and not occluded), else 0: the exact ground-truth M_i.
func (s Scene) VisibleFrom(cam camera.Camera, depth *fimage.Image, in camera.Camera, w, h int) *fimage.Image {
	out := fimage.New(1, depth.H, depth.W)
	o, oi := cam.Position(), in.Position()
	for y := 0; y < depth.H; y++ {
		for x := 0; x < depth.W; x++ {
			t := float64(depth.At(0, y, x))
			if math.IsInf(t, 1) {
				continue
			}
			d := cam.PixelDirection((float64(x)+0.5)/float64(depth.W), (float64(y)+0.5)/float64(depth.H))
			p := [3]float64{o[0] + t*d[0], o[1] + t*d[1], o[2] + t*d[2]}
			px, py, _ := in.Project(p, w, h)
			if px < 0 || py < 0 || px >= float64(w) || py >= float64(h) {
				continue
			}
			ray := sub(p, oi)
			dist := norm(ray)
			if s.Hit(oi, [3]float64{ray[0] / dist, ray[1] / dist, ray[2] / dist}) >= dist*(1-1e-6) {
				out.Set(0, y, x, 1)
			}
		}
	}
	return out
}

// PSNR returns the PSNR (peak-to-peak 2, images in [-1, 1]) of a against b over pixels where mask > 0.5,
// and how many pixels that is.
func PSNR(a, b, mask *fimage.Image) (float64, int) {
	var se float64
	n := 0
	plane := a.H * a.W
	for i := 0; i < plane; i++ {
		if mask.Pix[i] <= 0.5 {
			continue
		}
		n++
		for c := 0; c < a.C; c++ {
			d := float64(a.Pix[c*plane+i] - b.Pix[c*plane+i])
			se += d * d
		}
	}
	mse := se / float64(n*a.C)
	return 10 * math.Log10(4/mse), n
}

// IoU returns the intersection over union of two masks (> 0.5 is in).
func IoU(a, b *fimage.Image) float64 {
	var inter, union int
	for i := range a.Pix {
		x, y := a.Pix[i] > 0.5, b.Pix[i] > 0.5
		if x && y {
			inter++
		}
		if x || y {
			union++
		}
	}
	return float64(inter) / float64(union)
}

func dot(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

func norm(a [3]float64) float64 { return math.Sqrt(dot(a, a)) }

func sub(a, b [3]float64) [3]float64 { return [3]float64{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }
