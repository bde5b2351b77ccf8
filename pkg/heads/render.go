package heads

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// render.go: sphere tracing from an EG3D camera, adaptive anti-aliasing and the View images.

// View is one rendered view with its ground truth. All images are size x size, row 0 at the top.
type View struct {
	// RGB is the colour image, 3 channels in [-1, 1] (EG3D's range), anti-aliased, background included.
	RGB *fimage.Image
	// Depth is EG3D's image_depth: the distance along each pixel's ray from the camera centre to the surface,
	// in world units. It is +Inf where the pixel shows only background.
	Depth *fimage.Image
	// Mask is the fraction of the pixel the head covers, in [0, 1]; Mask > 0 exactly where Depth is finite.
	Mask *fimage.Image
	// Normals are the world-space unit surface normals (3 channels, x y z), 0 on background.
	Normals *fimage.Image
	// Parts labels each pixel (row-major, size*size) with the part at its depth sample.
	Parts []Part
}

// PartAt returns the part shown at column x, row y.
func (v *View) PartAt(x, y int) Part { return v.Parts[y*v.Depth.W+x] }

// Marching constants, in head-space centimetres.
const (
	maxSteps  = 160
	hitEps    = 0.002 // a hit is closer than 20 microns: depth is exact to far below a pixel
	coarseEps = 0.03  // below this, one secant step finishes the march
	normalH   = 0.008 // finite-difference step for normals
)

// Depth samples of a pixel: its centre, then four rotated-grid subsamples taken where the pixel is on an
// edge. The pattern (RGSS) resolves near-horizontal and near-vertical edges with four distinct offsets.
var subsamples = [4][2]float64{{0.125, -0.375}, {0.375, 0.125}, {-0.125, 0.375}, {-0.375, -0.125}}

// sample is one traced ray.
type sample struct {
	hit   bool
	t     float64 // distance along the ray, cm
	n     vec3    // unit normal
	rgb   [3]float64
	part  Part
	light light // occlusion and shadow at the hit
}

// tracer renders one scene from one camera.
type tracer struct {
	m      *model
	cam    camera.Camera
	o      vec3 // camera centre in head space
	bg     Background
	size   int
	shade  bool
	starts []float64 // per tile: distance every ray of the tile can skip (see coneMarch)
}

// coneTile is the side, in pixels, of the tiles coneMarch traces one cone for.
const coneTile = 4

func newTracer(s Scene, cam camera.Camera, size int, shade bool) *tracer {
	if size < 1 {
		panic(fmt.Sprintf("heads: image size %d, want at least 1", size))
	}
	return &tracer{m: compile(s), cam: cam, o: worldToHead(cam.Position()), bg: s.Background, size: size, shade: shade}
}

// Render draws scene s from camera cam as a size x size view: colour, depth, coverage mask, normals and part
// labels. It is deterministic (no randomness, no concurrency) and allocates only the output images.
func Render(s Scene, cam camera.Camera, size int) *View {
	return newTracer(s, cam, size, true).render()
}

// RenderDepth draws only the geometry of s from cam: depth (+Inf on background) and the coverage mask, about
// twice as fast as Render because nothing is shaded. The depth is Render's; so is the mask, except where
// Render's extra samples at a colour edge find a gap in the head narrower than a pixel.
func RenderDepth(s Scene, cam camera.Camera, size int) (depth, mask *fimage.Image) {
	v := newTracer(s, cam, size, false).render()
	return v.Depth, v.Mask
}

// RenderViews renders s from every camera, in parallel over GOMAXPROCS goroutines. The result is identical
// to calling Render for each camera.
func RenderViews(s Scene, cams []camera.Camera, size int) []*View {
	out := make([]*View, len(cams))
	parallel(len(cams), func(i int) { out[i] = Render(s, cams[i], size) })
	return out
}

// parallel calls f(i) for i in [0, n) on up to GOMAXPROCS goroutines.
func parallel(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

func (tr *tracer) render() *View {
	n := tr.size
	tr.coneMarch()
	centre := make([]sample, n*n)
	for y := range n {
		for x := range n {
			centre[y*n+x] = tr.trace(x, y, 0, 0, nil)
		}
	}
	v := &View{
		Depth: fimage.New(1, n, n),
		Mask:  fimage.New(1, n, n),
		Parts: make([]Part, n*n),
	}
	if tr.shade {
		v.RGB = fimage.New(3, n, n)
		v.Normals = fimage.New(3, n, n)
	}
	var subs [4]sample
	for y := range n {
		for x := range n {
			i := y*n + x
			c := centre[i]
			best := c // the depth sample: the centre if it hits, else the nearest hit subsample
			hits := 0
			rgb := c.rgb
			count := 1.0
			if c.hit {
				hits = 1
			}
			if tr.edge(centre, x, y) {
				for k := range subs {
					subs[k] = tr.trace(x, y, subsamples[k][0], subsamples[k][1], &centre[i])
					s := &subs[k]
					if s.hit {
						hits++
						if !best.hit || (!c.hit && s.t < best.t) {
							best = *s
						}
					}
					for ch := range 3 {
						rgb[ch] += s.rgb[ch]
					}
					count++
				}
			}
			v.Mask.Pix[i] = float32(float64(hits) / count)
			if best.hit {
				v.Depth.Pix[i] = float32(best.t * worldPerCM)
				v.Parts[i] = best.part
			} else {
				v.Depth.Pix[i] = float32(math.Inf(1))
			}
			if tr.shade {
				for ch := range 3 {
					v.RGB.Pix[ch*n*n+i] = float32(2*rgb[ch]/count - 1)
				}
				if best.hit {
					v.Normals.Pix[i] = float32(best.n.x)
					v.Normals.Pix[n*n+i] = float32(best.n.y)
					v.Normals.Pix[2*n*n+i] = float32(best.n.z)
				}
			}
		}
	}
	return v
}

// edge reports whether pixel (x, y) needs subsamples: a neighbour differs in coverage, depth (an occlusion
// edge) or colour. Part labels are not antialiased and do not count.
func (tr *tracer) edge(c []sample, x, y int) bool {
	n := tr.size
	s := &c[y*n+x]
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			xx, yy := x+dx, y+dy
			if (dx == 0 && dy == 0) || xx < 0 || yy < 0 || xx >= n || yy >= n {
				continue
			}
			o := &c[yy*n+xx]
			if o.hit != s.hit {
				return true
			}
			if s.hit && math.Abs(o.t-s.t) > 1.2 {
				return true
			}
			if tr.shade {
				d := math.Abs(o.rgb[0]-s.rgb[0]) + math.Abs(o.rgb[1]-s.rgb[1]) + math.Abs(o.rgb[2]-s.rgb[2])
				if d > 0.3 {
					return true
				}
			}
		}
	}
	return false
}

// coneMarch sphere-traces one cone per coneTile x coneTile tile, wide enough to hold every ray of the
// tile, until the cone touches the scene. Every ray of the tile can start where the cone stopped: the spheres
// the cone marched through are empty and contain the rays' segments (a ray inside the cone passes within
// t*angle of the cone axis, and the axis is advanced by the free distance minus that radius). The rays then
// start about a centimetre from the surface instead of at the scene box.
func (tr *tracer) coneMarch() {
	n := tr.size
	nt := (n + coneTile - 1) / coneTile
	tr.starts = make([]float64, nt*nt)
	// Angle of one pixel at the image centre (the largest), and the half-diagonal of a tile with a margin.
	pixel := 1 / (tr.cam.Intrinsics[0] * float64(n))
	half := 1.25 * coneTile * math.Sqrt2 / 2 * pixel
	for ty := range nt {
		for tx := range nt {
			cx := float64(tx*coneTile) + float64(min(coneTile, n-tx*coneTile))/2
			cy := float64(ty*coneTile) + float64(min(coneTile, n-ty*coneTile))/2
			dw := tr.cam.PixelDirection(cx/float64(n), cy/float64(n))
			d := vec3{dw[0], dw[1], dw[2]}
			t0, t1, ok := clipBox(tr.o, d)
			if !ok {
				continue // start at each ray's own box entry
			}
			t := t0
			for range 48 {
				h := tr.m.dist(tr.o.add(d.mul(t)))
				r := t * half
				if h < 2*r || t > t1 {
					break
				}
				t += h - r
			}
			tr.starts[ty*nt+tx] = t
		}
	}
}

// trace follows the ray through pixel (x, y) offset by (ox, oy) pixels from its centre.
//
// A subsample passes its pixel's centre sample as ref: where both hit the same surface (depths within
// 0.5 cm) it reuses the centre's occlusion and shadow, which vary slowly across a pixel, and computes its own
// normal and material, which carry the edges the subsamples are for.
func (tr *tracer) trace(x, y int, ox, oy float64, ref *sample) sample {
	d := tr.dir(x, y, ox, oy)
	s := sample{}
	start := 0.0
	if tr.starts != nil {
		nt := (tr.size + coneTile - 1) / coneTile
		start = tr.starts[(y/coneTile)*nt+x/coneTile]
	}
	if t, ok := tr.march(tr.o, d, start); ok {
		s.hit, s.t = true, t
		p := tr.o.add(d.mul(t))
		if tr.shade {
			s.n = tr.m.normal(p)
			s.light = light{ao: -1}
			if ref != nil && ref.hit && math.Abs(ref.t-t) < 0.5 {
				s.light = ref.light
			}
			s.rgb, s.part, s.light = tr.m.shadePoint(p, s.n, s.light)
		} else {
			s.part = PartSkin // geometry only: any hit is foreground
		}
		return s
	}
	if tr.shade {
		s.rgb = tr.bg.at((float64(y) + 0.5 + oy) / float64(tr.size))
	}
	return s
}

// dir returns the unit direction, in head space, of the ray through pixel (x, y) offset by (ox, oy) pixels.
func (tr *tracer) dir(x, y int, ox, oy float64) vec3 {
	fs := float64(tr.size)
	dw := tr.cam.PixelDirection((float64(x)+0.5+ox)/fs, (float64(y)+0.5+oy)/fs)
	return vec3{dw[0], dw[1], dw[2]} // a uniform scale leaves directions unchanged
}

// march sphere-traces the ray o + t d (d unit) from start (or the box entry) and returns the hit distance.
//
// Near a surface seen at a grazing angle sphere tracing converges slowly (each step shrinks the gap by a
// constant factor), so close to the surface it takes secant steps along the ray instead, which land on a
// locally planar surface in one step. Blends and tapers make the field slightly exceed the true
// distance in places, so a step can land inside the solid; the crossing is then found by bisection between
// the last point outside and the first inside, so hits always lie on the outer surface.
func (tr *tracer) march(o, d vec3, start float64) (float64, bool) {
	t0, t1, ok := clipBox(o, d)
	if !ok {
		return 0, false
	}
	h := math.NaN()
	if start > t0 {
		if hs := tr.m.dist(o.add(d.mul(start))); hs > 0 {
			t0, h = start, hs
		} // else: the start is inside the scene (never expected); march from the box entry
	}
	t, prev, prevH := t0, t0, math.Inf(1)
	for range maxSteps {
		if math.IsNaN(h) {
			h = tr.m.dist(o.add(d.mul(t)))
		}
		if h < 0 && t > t0 {
			return tr.bisect(o, d, prev, t), true
		}
		if h < hitEps {
			return t, true
		}
		next := t + h
		// Secant step to the zero of the field along the ray, through the last two samples, unless the ray
		// runs nearly parallel to the surface (it may yet miss: keep sphere tracing).
		if g := (prevH - h) / (t - prev); h < coarseEps && t > prev && g > 0.1 {
			next = t + min(h/g, 4*h)
		}
		prev, prevH = t, h
		t, h = next, math.NaN()
		if t > t1 {
			return 0, false
		}
	}
	return 0, false
}

// bisect finds the surface between lo (outside) and hi (inside) on the ray o + t d.
func (tr *tracer) bisect(o, d vec3, lo, hi float64) float64 {
	for range 24 {
		mid := 0.5 * (lo + hi)
		if tr.m.dist(o.add(d.mul(mid))) > 0 {
			lo = mid
		} else {
			hi = mid
		}
		if hi-lo < hitEps {
			break
		}
	}
	return lo
}

// clipBox intersects the ray o + t d with sceneBox (slab test) and returns the parameter interval inside it.
func clipBox(o, d vec3) (t0, t1 float64, ok bool) {
	t0, t1 = 0, math.Inf(1)
	lo, hi := sceneBox[0], sceneBox[1]
	for _, a := range [3][4]float64{{o.x, d.x, lo.x, hi.x}, {o.y, d.y, lo.y, hi.y}, {o.z, d.z, lo.z, hi.z}} {
		if a[1] == 0 {
			if a[0] < a[2] || a[0] > a[3] {
				return 0, 0, false
			}
			continue
		}
		inv := 1 / a[1]
		ta, tb := (a[2]-a[0])*inv, (a[3]-a[0])*inv
		if ta > tb {
			ta, tb = tb, ta
		}
		t0, t1 = max(t0, ta), min(t1, tb)
	}
	return t0, t1, t0 < t1
}

// normal is the SDF gradient by the tetrahedral central difference (four evaluations instead of six).
func (m *model) normal(p vec3) vec3 {
	const h = normalH
	a := m.dist(vec3{p.x + h, p.y - h, p.z - h})
	b := m.dist(vec3{p.x - h, p.y - h, p.z + h})
	c := m.dist(vec3{p.x - h, p.y + h, p.z - h})
	e := m.dist(vec3{p.x + h, p.y + h, p.z + h})
	return vec3{a - b - c + e, -a - b + c + e, -a + b - c + e}.normalize()
}
