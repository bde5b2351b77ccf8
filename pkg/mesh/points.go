package mesh

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"sync"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// SplatOptions control the official code's point-splat warp.
type SplatOptions struct {
	// Points is how many points Mesh.Sample draws (official: 1,000,000).
	Points int
	// Radius is the splat radius in pixels of the rendered image (official: 2 at 512x512).
	Radius float64
	// PerPixel is how many of the nearest points each pixel composites (official: 16).
	PerPixel int
	// Seed seeds the sampling. The official sampling is unseeded.
	Seed uint64
}

// DefaultSplat returns the official settings: 1M points, radius 2 px, 16 points per pixel.
func DefaultSplat() SplatOptions {
	return SplatOptions{Points: 1_000_000, Radius: 2, PerPixel: 16, Seed: 1}
}

// PointCloud is a set of points on a mesh, with what the input view saw of them.
type PointCloud struct {
	// Positions holds x, y, z per point, in world coordinates.
	Positions []float32
	// Visible marks the points the input view sees (set by See).
	Visible []bool
	// Colors holds the input image's RGB in [-1, 1] at each visible point, 3 values per point (set by See).
	Colors []float32
}

// samplingChunks fixes how the sampling is split over goroutines, so the points depend only on the seed.
const samplingChunks = 64

// Sample draws n points uniformly over the surface of m, as pytorch3d's sample_points_from_meshes does in the
// official code: a triangle with probability proportional to its area, then barycentric weights
// (1-sqrt(u), sqrt(u)(1-v), sqrt(u)v). The same seed gives the same points.
func (m *Mesh) Sample(n int, seed uint64) (*PointCloud, error) {
	if n <= 0 {
		return nil, fmt.Errorf("mesh: %d points to sample, want a positive count", n)
	}
	nt := m.NumTriangles()
	if nt == 0 {
		return nil, fmt.Errorf("mesh: the mesh has no triangles to sample points on")
	}
	cum := make([]float64, nt)
	total := 0.0
	for t := 0; t < nt; t++ {
		a := m.Vertex(int(m.Triangles[3*t]))
		total += norm(cross(sub(m.Vertex(int(m.Triangles[3*t+1])), a), sub(m.Vertex(int(m.Triangles[3*t+2])), a))) / 2
		cum[t] = total
	}
	pc := &PointCloud{Positions: make([]float32, 3*n)}
	var wg sync.WaitGroup
	for _, ch := range splitRange(n, samplingChunks) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(ch[0])))
			for i := ch[0]; i < ch[1]; i++ {
				t := min(sort.SearchFloat64s(cum, rng.Float64()*total), nt-1)
				su, v := math.Sqrt(rng.Float64()), rng.Float64()
				w := [3]float64{1 - su, su * (1 - v), su * v}
				for k := 0; k < 3; k++ {
					var x float64
					for j := 0; j < 3; j++ {
						x += w[j] * float64(m.Vertices[3*int(m.Triangles[3*t+j])+k])
					}
					pc.Positions[3*i+k] = float32(x)
				}
			}
		}()
	}
	wg.Wait()
	return pc, nil
}

// Len returns the number of points.
func (pc *PointCloud) Len() int { return len(pc.Positions) / 3 }

func (pc *PointCloud) point(i int) [3]float64 {
	return [3]float64{float64(pc.Positions[3*i]), float64(pc.Positions[3*i+1]), float64(pc.Positions[3*i+2])}
}

// See marks the points the input view sees and samples their colours with the official point z-buffer: each
// point falls into one pixel of an opts.Resolution-row grid at cam, and is visible when its camera depth is
// within opts.Threshold of the nearest point in that pixel. Points outside the image are not visible. (The
// official code rounds to the nearest pixel; here pixel i covers [i, i+1).) Steep surfaces, whose points in
// one pixel spread in depth, come out partly invisible: that is how the official code hides its rubber
// sheets.
func (pc *PointCloud) See(img *fimage.Image, cam camera.Camera, opts VisibilityOptions) error {
	if img == nil || img.C != 3 {
		return fmt.Errorf("mesh: input image must have 3 channels, got %s", describe(img))
	}
	if err := cam.Validate(); err != nil {
		return fmt.Errorf("mesh: input camera: %w", err)
	}
	if opts.Resolution < 0 || !(opts.Threshold >= 0) {
		return fmt.Errorf("mesh: visibility Resolution=%d Threshold=%v, want non-negative", opts.Resolution, opts.Threshold)
	}
	zh, zw := img.H, img.W
	if opts.Resolution > 0 {
		zh = opts.Resolution
		zw = max(1, int(math.Round(float64(opts.Resolution)*float64(img.W)/float64(img.H))))
	}
	n := pc.Len()
	pix := make([]int32, n) // the z-buffer pixel of each point, -1 outside
	zs := make([]float32, n)
	parallel(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			x, y, z := cam.Project(pc.point(i), zw, zh)
			pix[i], zs[i] = -1, float32(z)
			if z > nearZ && x >= 0 && y >= 0 && x < float64(zw) && y < float64(zh) {
				pix[i] = int32(int(y)*zw + int(x))
			}
		}
	})
	zmin := make([]float32, zw*zh)
	for i := range zmin {
		zmin[i] = float32(math.Inf(1))
	}
	for i, p := range pix {
		if p >= 0 && zs[i] < zmin[p] {
			zmin[p] = zs[i]
		}
	}
	pc.Visible, pc.Colors = make([]bool, n), make([]float32, 3*n)
	parallel(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if p := pix[i]; p < 0 || float64(zs[i]-zmin[p]) > opts.Threshold {
				continue
			}
			pc.Visible[i] = true
			x, y, _ := cam.Project(pc.point(i), img.W, img.H)
			for c := 0; c < 3; c++ {
				pc.Colors[3*i+c] = img.Bilinear(c, x, y)
			}
		}
	})
	return nil
}

// Render splats the point cloud at cam into a width x height Rendering, as the official code does with
// pytorch3d's point rasterizer and alpha compositor: each pixel takes the opts.PerPixel nearest points (by
// camera depth) whose centres lie within opts.Radius pixels, each with opacity a = 1 - sqrt(clamp(0.1 d^2/r^2,
// 0.001, 1)) at squared distance d^2, composited front to back over a zero background without normalizing.
// V_i composites the visible points' colours (from See), M_i the visibility of all points, and Coverage their
// opacity alone. Colours are composited in [0, 1] as in the official code and returned in [-1, 1].
func (pc *PointCloud) Render(cam camera.Camera, width, height int, opts SplatOptions) (*Rendering, error) {
	if width <= 0 || height <= 0 {
		return nil, fmt.Errorf("mesh: render size %dx%d, want positive", width, height)
	}
	if err := cam.Validate(); err != nil {
		return nil, fmt.Errorf("mesh: render camera: %w", err)
	}
	if !(opts.Radius > 0) || opts.PerPixel <= 0 {
		return nil, fmt.Errorf("mesh: splat Radius=%v PerPixel=%d, want positive", opts.Radius, opts.PerPixel)
	}
	if len(pc.Visible) != pc.Len() || len(pc.Colors) != 3*pc.Len() {
		return nil, fmt.Errorf("mesh: point cloud has no visibility: call See before Render")
	}
	n := pc.Len()
	xs, ys, zs := make([]float32, n), make([]float32, n), make([]float32, n)
	parallel(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			x, y, z := cam.Project(pc.point(i), width, height)
			if !(z > nearZ) {
				z = math.NaN()
			}
			xs[i], ys[i], zs[i] = float32(x), float32(y), float32(z)
		}
	})
	r := &Rendering{
		Visible: fimage.New(3, height, width), Mask: fimage.New(1, height, width),
		Coverage: fimage.New(1, height, width), Depth: fimage.New(1, height, width),
	}
	plane := width * height
	fwd := cam.Forward()
	all := nearest(xs, ys, zs, nil, width, height, opts)
	parallel(height, func(lo, hi int) {
		for py := lo; py < hi; py++ {
			for px := 0; px < width; px++ {
				i := py*width + px
				r.Depth.Pix[i] = float32(math.Inf(1))
				var mask, cover float64
				all.composite(i, xs, ys, px, py, opts.Radius, func(p int32, w float64) {
					if cover == 0 {
						d := cam.PixelDirection((float64(px)+0.5)/float64(width), (float64(py)+0.5)/float64(height))
						r.Depth.Pix[i] = float32(float64(zs[p]) / dot(d, fwd))
					}
					if pc.Visible[p] {
						mask += w
					}
					cover += w
				})
				r.Mask.Pix[i], r.Coverage.Pix[i] = float32(mask), float32(cover)
			}
		}
	})
	seen := nearest(xs, ys, zs, pc.Visible, width, height, opts)
	parallel(height, func(lo, hi int) {
		for py := lo; py < hi; py++ {
			for px := 0; px < width; px++ {
				i := py*width + px
				var rgb [3]float64
				seen.composite(i, xs, ys, px, py, opts.Radius, func(p int32, w float64) {
					for c := 0; c < 3; c++ {
						rgb[c] += w * (float64(pc.Colors[3*int(p)+c]) + 1) / 2
					}
				})
				for c := 0; c < 3; c++ {
					r.Visible.Pix[c*plane+i] = float32(2*rgb[c] - 1)
				}
			}
		}
	})
	return r, nil
}

// kNearest holds, per pixel, up to k point indices sorted by camera depth (ties by index).
type kNearest struct {
	k     int
	count []uint8
	z     []float32
	id    []int32
}

// nearest collects, for each pixel, the opts.PerPixel nearest points (only those with keep set, when keep is
// non-nil) whose projection lies within opts.Radius of the pixel centre. Row bands run in parallel; the
// result does not depend on their number.
func nearest(xs, ys, zs []float32, keep []bool, w, h int, opts SplatOptions) *kNearest {
	k := min(opts.PerPixel, 255)
	b := &kNearest{k: k, count: make([]uint8, w*h), z: make([]float32, w*h*k), id: make([]int32, w*h*k)}
	rad, r2 := opts.Radius, float32(opts.Radius*opts.Radius)
	parallel(h, func(lo, hi int) {
		for p := range xs {
			z := zs[p]
			if z != z || (keep != nil && !keep[p]) {
				continue
			}
			x, y := float64(xs[p]), float64(ys[p])
			py0, py1 := max(int(math.Ceil(y-rad-0.5)), lo), min(int(math.Floor(y+rad-0.5)), hi-1)
			if py0 > py1 {
				continue
			}
			px0, px1 := max(int(math.Ceil(x-rad-0.5)), 0), min(int(math.Floor(x+rad-0.5)), w-1)
			for py := py0; py <= py1; py++ {
				dy := float32(float64(py) + 0.5 - y)
				for px := px0; px <= px1; px++ {
					dx := float32(float64(px) + 0.5 - x)
					if dx*dx+dy*dy <= r2 {
						b.insert(py*w+px, z, int32(p))
					}
				}
			}
		}
	})
	return b
}

func (b *kNearest) insert(i int, z float32, p int32) {
	base, n := i*b.k, int(b.count[i])
	if n == b.k {
		if lz, lp := b.z[base+n-1], b.id[base+n-1]; z > lz || (z == lz && p > lp) {
			return
		}
		n--
	} else {
		b.count[i]++
	}
	j := n
	for ; j > 0; j-- {
		pz, pp := b.z[base+j-1], b.id[base+j-1]
		if pz < z || (pz == z && pp < p) {
			break
		}
		b.z[base+j], b.id[base+j] = pz, pp
	}
	b.z[base+j], b.id[base+j] = z, p
}

// composite calls fn, front to back, with each point splatted on pixel i and its compositing weight
// a_k * prod_{j<k} (1 - a_j).
func (b *kNearest) composite(i int, xs, ys []float32, px, py int, radius float64, fn func(p int32, w float64)) {
	base := i * b.k
	transmit := 1.0
	r2 := radius * radius
	for j := 0; j < int(b.count[i]); j++ {
		p := b.id[base+j]
		dx, dy := float64(px)+0.5-float64(xs[p]), float64(py)+0.5-float64(ys[p])
		a := 1 - math.Sqrt(min(max(0.1*(dx*dx+dy*dy)/r2, 1e-3), 1))
		fn(p, a*transmit)
		transmit *= 1 - a
	}
}
