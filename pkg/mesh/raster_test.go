package mesh

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/pmvi/pmvi/pkg/camera"
)

// refRaster is the deliberately simple reference: for every pixel centre and every triangle, compute the
// barycentric coordinates from scratch, apply the textbook top-left rule on edges, and keep the nearest
// fragment (the smaller triangle index on ties).
func refRaster(s *screen, tris []int32) (ids []int32, zs []float64) {
	ids = make([]int32, s.w*s.h)
	zs = make([]float64, s.w*s.h)
	for i := range ids {
		ids[i], zs[i] = -1, math.Inf(1)
	}
	type pt struct{ x, y float64 }
	for py := 0; py < s.h; py++ {
		for px := 0; px < s.w; px++ {
			p := pt{float64(px) + 0.5, float64(py) + 0.5}
			for t := 0; t < len(tris)/3; t++ {
				var v [3]pt
				var z [3]float64
				skip := false
				for k := 0; k < 3; k++ {
					j := tris[3*t+k]
					v[k] = pt{float64(s.x[j]) / subPixel, float64(s.y[j]) / subPixel}
					z[k] = float64(s.z[j])
					skip = skip || math.IsNaN(z[k])
				}
				area := (v[1].x-v[0].x)*(v[2].y-v[0].y) - (v[1].y-v[0].y)*(v[2].x-v[0].x)
				if skip || area == 0 {
					continue
				}
				var lam [3]float64
				inside := true
				for k := 0; k < 3; k++ {
					a, b, c := v[(k+1)%3], v[(k+2)%3], v[k] // edge a-b, opposite vertex c
					lam[k] = ((b.x-a.x)*(p.y-a.y) - (b.y-a.y)*(p.x-a.x)) / area
					if lam[k] < 0 {
						inside = false
					} else if lam[k] == 0 {
						// On the edge: a top edge is horizontal with the triangle below it; a left edge has the
						// triangle to its right.
						var topLeft bool
						if a.y == b.y {
							topLeft = c.y > a.y
						} else {
							topLeft = c.x > a.x+(c.y-a.y)*(b.x-a.x)/(b.y-a.y)
						}
						inside = inside && topLeft
					}
				}
				if !inside {
					continue
				}
				zz := 1 / (lam[0]/z[0] + lam[1]/z[1] + lam[2]/z[2])
				i := py*s.w + px
				if float32(zz) < float32(zs[i]) {
					ids[i], zs[i] = int32(t), zz
				}
			}
		}
	}
	return ids, zs
}

// randomScreen returns triangles with vertices on random sub-pixel positions (half of them on pixel centres,
// so edges run through centres) at random depths, plus a shared-edge fan.
func randomScreen(seed uint64, w, h, n int) (*screen, []int32) {
	rng := rand.New(rand.NewPCG(seed, 1))
	s := &screen{w: w, h: h}
	add := func(x, y float64, z float32) int32 {
		s.x = append(s.x, int32(math.Round(x*subPixel)))
		s.y = append(s.y, int32(math.Round(y*subPixel)))
		s.z = append(s.z, z)
		return int32(len(s.z) - 1)
	}
	coord := func(lim int) float64 {
		if rng.IntN(2) == 0 {
			return float64(rng.IntN(lim+8)-4) + 0.5
		}
		return rng.Float64()*float64(lim+8) - 4
	}
	var tris []int32
	for t := 0; t < n; t++ {
		size := 1 + rng.Float64()*12
		cx, cy := coord(w), coord(h)
		for k := 0; k < 3; k++ {
			x, y := cx, cy
			if k > 0 {
				x, y = cx+math.Round((rng.Float64()*2-1)*size)+0.5, cy+math.Round((rng.Float64()*2-1)*size)
			}
			tris = append(tris, add(x, y, float32(2+rng.Float64())))
		}
	}
	// A fan around a pixel centre: every spoke runs through pixel centres and is shared by two triangles.
	c := add(float64(w/2)+0.5, float64(h/2)+0.5, 1.5)
	var ring []int32
	for k := 0; k < 8; k++ {
		a := 2 * math.Pi * float64(k) / 8
		ring = append(ring, add(float64(w/2)+0.5+7*math.Round(math.Cos(a)*2)/2, float64(h/2)+0.5+7*math.Round(math.Sin(a)*2)/2, 1.5))
	}
	for k := range ring {
		tris = append(tris, c, ring[k], ring[(k+1)%len(ring)])
	}
	return s, tris
}

func TestRasterizerMatchesReference(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		s, tris := randomScreen(seed, 37, 29, 60)
		wantID, wantZ := refRaster(s, tris)
		for _, nw := range []int{1, 3} {
			all, _ := rasterize(s, tris, nil, nw)
			mismatch := 0
			for i := range wantID {
				if all.id[i] != wantID[i] {
					mismatch++
					if mismatch < 5 {
						t.Errorf("seed %d, %d workers: pixel (%d,%d) drawn by triangle %d, reference %d",
							seed, nw, i/s.w, i%s.w, all.id[i], wantID[i])
					}
					continue
				}
				if wantID[i] >= 0 && math.Abs(float64(all.z[i])-wantZ[i]) > 1e-6*wantZ[i] {
					t.Errorf("seed %d: pixel %d depth %v, reference %v", seed, i, all.z[i], wantZ[i])
				}
			}
			if mismatch > 0 {
				t.Errorf("seed %d, %d workers: %d of %d pixels differ from the reference", seed, nw, mismatch, len(wantID))
			}
		}
	}
}

func TestRasterizerIsDeterministicAcrossWorkers(t *testing.T) {
	s, tris := randomScreen(7, 64, 48, 400)
	flags := make([]bool, len(tris)/3)
	for i := range flags {
		flags[i] = i%3 != 0
	}
	all1, fl1 := rasterize(s, tris, flags, 1)
	for _, nw := range []int{2, 5, 16} {
		all, fl := rasterize(s, tris, flags, nw)
		if !slices.Equal(all.id, all1.id) || !slices.Equal(all.z, all1.z) || !slices.Equal(fl.id, fl1.id) {
			t.Errorf("%d workers give a different z-buffer than 1", nw)
		}
	}
	for i, id := range fl1.id {
		if id >= 0 && !flags[id] {
			t.Fatalf("flagged buffer holds unflagged triangle %d at pixel %d", id, i)
		}
	}
}

// Each pixel centre inside a tessellation belongs to exactly one of its triangles: no cracks, no double hits.
func TestRasterizerIsWatertight(t *testing.T) {
	const w, h, n = 40, 40, 8
	rng := rand.New(rand.NewPCG(5, 5))
	s := &screen{w: w, h: h}
	for j := 0; j <= n; j++ {
		for i := 0; i <= n; i++ {
			x, y := 2+4.5*float64(i), 2+4.5*float64(j)
			if i > 0 && i < n && j > 0 && j < n && rng.IntN(2) == 0 {
				// Inner vertices: half on pixel centres, half jittered.
				x += rng.Float64() - 0.5
				y += rng.Float64() - 0.5
			}
			s.x = append(s.x, int32(math.Round(x*subPixel)))
			s.y = append(s.y, int32(math.Round(y*subPixel)))
			s.z = append(s.z, 2)
		}
	}
	var tris []int32
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			q := int32(j*(n+1) + i)
			if (i+j)%2 == 0 {
				tris = append(tris, q, q+n+1, q+n+2, q, q+n+2, q+1)
			} else {
				tris = append(tris, q, q+n+1, q+1, q+1, q+n+1, q+n+2)
			}
		}
	}
	count := make([]int, w*h)
	for tr := 0; tr < len(tris)/3; tr++ {
		b := newZBuffer(w, h)
		draw(s, tris, tr, tr+1, nil, b, nil)
		for i, id := range b.id {
			if id >= 0 {
				count[i]++
			}
		}
	}
	for py := 0; py < h; py++ {
		for px := 0; px < w; px++ {
			// Pixel centres strictly inside the outer square [2, 38]^2.
			inner := float64(px)+0.5 > 2 && float64(px)+0.5 < 38 && float64(py)+0.5 > 2 && float64(py)+0.5 < 38
			if c := count[py*w+px]; inner && c != 1 {
				t.Errorf("pixel (%d,%d) covered %d times, want exactly once", py, px, c)
			}
		}
	}
}

// A textured plane seen at a slant: colours that are the vertices' world coordinates must come back as the
// exact world point of each pixel when interpolated perspective-correctly; affine interpolation is far off.
func TestRenderIsPerspectiveCorrect(t *testing.T) {
	cam := camera.At(0.5, 0.2)
	// A quad in the plane z = 0.1 - 0.6 x, from x = -0.3 to 0.3, y = -0.3 to 0.3, as two triangles.
	plane := func(x, y float64) [3]float64 { return [3]float64{x, y, 0.1 - 0.6*x} }
	m := &Mesh{}
	for _, xy := range [][2]float64{{-0.3, -0.3}, {0.3, -0.3}, {-0.3, 0.3}, {0.3, 0.3}} {
		p := plane(xy[0], xy[1])
		m.Vertices = append(m.Vertices, float32(p[0]), float32(p[1]), float32(p[2]))
	}
	m.Triangles = []int32{0, 2, 3, 0, 3, 1}
	tex := &Texture{Visible: []bool{true, true, true, true}, Textured: []bool{true, true}, Colors: slices.Clone(m.Vertices)}
	const size = 96
	r, err := m.Render(tex, cam, size, size)
	if err != nil {
		t.Fatal(err)
	}
	o := cam.Position()
	n := [3]float64{0.6, 0, 1} // plane normal: 0.6 x + z = 0.1
	var worst, affineWorst float64
	covered := 0
	s := project(m, cam, size, size)
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			if r.Mask.At(0, py, px) == 0 {
				continue
			}
			covered++
			d := cam.PixelDirection((float64(px)+0.5)/size, (float64(py)+0.5)/size)
			tt := (0.1 - dot(n, o)) / dot(n, d)
			want := [3]float64{o[0] + tt*d[0], o[1] + tt*d[1], o[2] + tt*d[2]}
			if e := math.Abs(float64(r.Depth.At(0, py, px)) - tt); e > 1e-5 {
				t.Fatalf("pixel (%d,%d): depth %v, want %v", py, px, r.Depth.At(0, py, px), tt)
			}
			// The affine alternative: screen-space barycentrics without the 1/z weights.
			id := int(r.triangleAt(s, m, px, py))
			aw := affine(s, m.Triangles, id, px, py)
			for c := 0; c < 3; c++ {
				worst = max(worst, math.Abs(float64(r.Visible.At(c, py, px))-want[c]))
				var av float64
				for k := 0; k < 3; k++ {
					av += aw[k] * float64(m.Vertices[3*int(m.Triangles[3*id+k])+c])
				}
				affineWorst = max(affineWorst, math.Abs(av-want[c]))
			}
		}
	}
	if covered < size*size/8 {
		t.Fatalf("the plane covers only %d pixels", covered)
	}
	if worst > 2e-5 {
		t.Errorf("perspective-correct interpolation is off by %.2g world units, want < 2e-5", worst)
	}
	if affineWorst < 100*worst {
		t.Errorf("affine interpolation error %.2g is not much worse than %.2g: the test does not tell them apart", affineWorst, worst)
	}
	t.Logf("max error: perspective-correct %.2g, affine %.2g (world units)", worst, affineWorst)
}

// triangleAt finds the triangle drawn at a pixel (for the test): the one whose affine barycentrics are all
// non-negative there.
func (r *Rendering) triangleAt(s *screen, m *Mesh, px, py int) int32 {
	for t := 0; t < m.NumTriangles(); t++ {
		w := affine(s, m.Triangles, t, px, py)
		if w[0] >= 0 && w[1] >= 0 && w[2] >= 0 {
			return int32(t)
		}
	}
	return -1
}

func affine(s *screen, tris []int32, t, px, py int) [3]float64 {
	var v [3][2]float64
	for k := 0; k < 3; k++ {
		j := tris[3*t+k]
		v[k] = [2]float64{float64(s.x[j]) / subPixel, float64(s.y[j]) / subPixel}
	}
	p := [2]float64{float64(px) + 0.5, float64(py) + 0.5}
	area := (v[1][0]-v[0][0])*(v[2][1]-v[0][1]) - (v[1][1]-v[0][1])*(v[2][0]-v[0][0])
	var out [3]float64
	for k := 0; k < 3; k++ {
		a, b := v[(k+1)%3], v[(k+2)%3]
		out[k] = ((b[0]-a[0])*(p[1]-a[1]) - (b[1]-a[1])*(p[0]-a[0])) / area
	}
	return out
}

func TestProjectMatchesCamera(t *testing.T) {
	cam := camera.At(0.3, -0.2)
	m := &Mesh{Vertices: []float32{0, 0, 0, 0.1, -0.2, 0.3, -0.25, 0.3, 0.1, 0, 0, 5}}
	s := project(m, cam, 300, 200)
	for i := 0; i < 3; i++ {
		x, y, z := cam.Project(m.Vertex(i), 300, 200)
		if math.Abs(float64(s.x[i])/subPixel-x) > 0.5/subPixel || math.Abs(float64(s.y[i])/subPixel-y) > 0.5/subPixel || math.Abs(float64(s.z[i])-z) > 1e-6 {
			t.Errorf("vertex %d: projected to (%v, %v, %v), camera.Project says (%v, %v, %v)", i, float64(s.x[i])/subPixel, float64(s.y[i])/subPixel, s.z[i], x, y, z)
		}
	}
	if s.z[3] == s.z[3] {
		t.Errorf("a vertex behind the camera was kept: z = %v", s.z[3])
	}
}
