package mesh

import (
	"math"
	"sync"

	"github.com/pmvi/pmvi/pkg/camera"
)

// The rasterizer works on vertex positions snapped to a fixed-point grid of 1/256 pixel, so edge functions are
// exact integers: two triangles that share an edge agree on every pixel centre, and the top-left rule gives
// each such pixel to exactly one of them (no cracks, no double hits).
const (
	subBits  = 8
	subPixel = 1 << subBits
	halfSub  = subPixel / 2
	// guardPixels is how far outside the image a vertex may lie and still be drawn. Mesh triangles are tiny, so
	// a triangle reaching further is dropped instead of clipped; it keeps fixed-point products within int64.
	guardPixels = 1 << 13
	// nearZ is the smallest camera z drawn. Pseudo-view cameras sit 2.7 units from the head, so nothing comes
	// near the camera and no near-plane clipping is needed.
	nearZ = 1e-6
)

// screen is a mesh's vertices projected into one view of w x h pixels.
type screen struct {
	w, h int
	// x and y are fixed-point pixel coordinates: pixel (i, j) has its centre at ((j+0.5)*256, (i+0.5)*256).
	x, y []int32
	// z is the camera z (depth along the optical axis); NaN marks vertices that cannot be drawn.
	z []float32
}

// project projects every vertex of m into a w x h image of cam, with camera.Project's arithmetic written out
// (it runs once per vertex and view: a million times per pseudo view).
func project(m *Mesh, cam camera.Camera, w, h int) *screen {
	n := m.NumVertices()
	s := &screen{w: w, h: h, x: make([]int32, n), y: make([]int32, n), z: make([]float32, n)}
	limX, limY := float64(w+guardPixels), float64(h+guardPixels)
	r, k := cam.CamToWorld, cam.Intrinsics
	fw, fh := float64(w), float64(h)
	parallel(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			dx := float64(m.Vertices[3*i]) - r[3]
			dy := float64(m.Vertices[3*i+1]) - r[7]
			dz := float64(m.Vertices[3*i+2]) - r[11]
			// The rotation's transpose takes world offsets to camera axes.
			qx := r[0]*dx + r[4]*dy + r[8]*dz
			qy := r[1]*dx + r[5]*dy + r[9]*dz
			qz := r[2]*dx + r[6]*dy + r[10]*dz
			x := ((k[0]*qx+k[1]*qy)/qz + k[2]) * fw
			y := (k[4]*qy/qz + k[5]) * fh
			if !(qz > nearZ) || !(x > -guardPixels && x < limX && y > -guardPixels && y < limY) {
				s.z[i] = nan32
				continue
			}
			s.x[i] = int32(math.Round(x * subPixel))
			s.y[i] = int32(math.Round(y * subPixel))
			s.z[i] = float32(qz)
		}
	})
	return s
}

// zbuffer holds the front-most fragment per pixel.
type zbuffer struct {
	w, h int
	z    []float32 // camera z; +Inf where nothing was drawn
	id   []int32   // triangle index; -1 where nothing was drawn
}

func newZBuffer(w, h int) *zbuffer {
	b := &zbuffer{w: w, h: h, z: make([]float32, w*h), id: make([]int32, w*h)}
	inf := float32(math.Inf(1))
	for i := range b.z {
		b.z[i], b.id[i] = inf, -1
	}
	return b
}

// rasterize draws the triangles tris (3 vertex indices each) of s into a z-buffer of every triangle and, when
// flags is non-nil, into a second z-buffer of only the flagged triangles. Ties in depth go to the triangle
// with the smaller index, so the result does not depend on nworkers.
func rasterize(s *screen, tris []int32, flags []bool, nworkers int) (all, flagged *zbuffer) {
	chunks := splitRange(len(tris)/3, nworkers)
	if len(chunks) == 0 {
		chunks = [][2]int{{0, 0}}
	}
	alls := make([]*zbuffer, len(chunks))
	flaggeds := make([]*zbuffer, len(chunks))
	var wg sync.WaitGroup
	for k, ch := range chunks {
		alls[k] = newZBuffer(s.w, s.h)
		if flags != nil {
			flaggeds[k] = newZBuffer(s.w, s.h)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			draw(s, tris, ch[0], ch[1], flags, alls[k], flaggeds[k])
		}()
	}
	wg.Wait()
	merge := func(bufs []*zbuffer) *zbuffer {
		out := bufs[0]
		parallel(s.h, func(lo, hi int) {
			for i := lo * s.w; i < hi*s.w; i++ {
				for _, b := range bufs[1:] {
					// Later chunks hold larger triangle indices: they win only when strictly nearer.
					if b.z[i] < out.z[i] {
						out.z[i], out.id[i] = b.z[i], b.id[i]
					}
				}
			}
		})
		return out
	}
	all = merge(alls)
	if flags != nil {
		flagged = merge(flaggeds)
	}
	return all, flagged
}

// draw rasterizes triangles [lo, hi) into all and, for flagged triangles, into flagged.
func draw(s *screen, tris []int32, lo, hi int, flags []bool, all, flagged *zbuffer) {
	w, h := s.w, s.h
	for t := lo; t < hi; t++ {
		a, b, c := tris[3*t], tris[3*t+1], tris[3*t+2]
		z0, z1, z2 := s.z[a], s.z[b], s.z[c]
		if z0 != z0 || z1 != z1 || z2 != z2 { // NaN: not drawable
			continue
		}
		x0, y0 := int64(s.x[a]), int64(s.y[a])
		x1, y1 := int64(s.x[b]), int64(s.y[b])
		x2, y2 := int64(s.x[c]), int64(s.y[c])
		area := (x1-x0)*(y2-y0) - (y1-y0)*(x2-x0)
		if area == 0 {
			continue
		}
		if area < 0 { // make the edge functions positive inside
			x1, y1, x2, y2, z1, z2 = x2, y2, x1, y1, z2, z1
			area = -area
		}
		px0 := max(ceilDiv(min(x0, x1, x2)-halfSub, subPixel), 0)
		px1 := min(floorDiv(max(x0, x1, x2)-halfSub, subPixel), int64(w-1))
		py0 := max(ceilDiv(min(y0, y1, y2)-halfSub, subPixel), 0)
		py1 := min(floorDiv(max(y0, y1, y2)-halfSub, subPixel), int64(h-1))
		if px0 > px1 || py0 > py1 {
			continue
		}
		// Edge k is the one opposite vertex k; its function is twice the signed area of (edge, pixel), so it
		// equals area at vertex k and 0 on the edge: it is vertex k's screen-space barycentric times area.
		b0, b1, b2 := topLeftBias(x1, y1, x2, y2), topLeftBias(x2, y2, x0, y0), topLeftBias(x0, y0, x1, y1)
		inv0, inv1, inv2 := 1/float64(z0), 1/float64(z1), 1/float64(z2)
		invArea := 1 / float64(area)
		isFlagged := flagged != nil && flags[t]
		for py := py0; py <= py1; py++ {
			cy := py*subPixel + halfSub
			cx := px0*subPixel + halfSub
			e0 := (x2-x1)*(cy-y1) - (y2-y1)*(cx-x1)
			e1 := (x0-x2)*(cy-y2) - (y0-y2)*(cx-x2)
			e2 := (x1-x0)*(cy-y0) - (y1-y0)*(cx-x0)
			d0, d1, d2 := -(y2-y1)*subPixel, -(y0-y2)*subPixel, -(y1-y0)*subPixel
			row := int(py) * w
			for px := px0; px <= px1; px++ {
				if e0+b0 >= 0 && e1+b1 >= 0 && e2+b2 >= 0 {
					// 1/z is affine in screen space; z itself is not.
					z := float32(1 / ((float64(e0)*inv0 + float64(e1)*inv1 + float64(e2)*inv2) * invArea))
					i := row + int(px)
					if z < all.z[i] {
						all.z[i], all.id[i] = z, int32(t)
					}
					if isFlagged && z < flagged.z[i] {
						flagged.z[i], flagged.id[i] = z, int32(t)
					}
				}
				e0 += d0
				e1 += d1
				e2 += d2
			}
		}
	}
}

// topLeftBias returns 0 when the directed edge a->b (interior on the side where its edge function is positive)
// is a top or left edge, whose pixel centres belong to the triangle, and -1 otherwise, so that "e + bias >= 0"
// implements the top-left fill rule on integer edge functions.
func topLeftBias(ax, ay, bx, by int64) int64 {
	// The interior lies along the edge function's gradient (ay-by, bx-ax): a left edge has the interior to its
	// right, a top edge (horizontal) has it below (y grows downwards).
	nx, ny := ay-by, bx-ax
	if nx > 0 || (nx == 0 && ny > 0) {
		return 0
	}
	return -1
}

// perspective returns the perspective-correct barycentric weights of triangle t at the centre of pixel
// (px, py): the weights that interpolate vertex attributes on the surface, not on the screen.
func perspective(s *screen, tris []int32, t int, px, py int) (w0, w1, w2 float64) {
	a, b, c := tris[3*t], tris[3*t+1], tris[3*t+2]
	x0, y0 := int64(s.x[a]), int64(s.y[a])
	x1, y1 := int64(s.x[b]), int64(s.y[b])
	x2, y2 := int64(s.x[c]), int64(s.y[c])
	cx, cy := int64(px)*subPixel+halfSub, int64(py)*subPixel+halfSub
	// Signed edge functions over the signed area give screen-space barycentrics for either winding.
	e0 := float64((x2-x1)*(cy-y1) - (y2-y1)*(cx-x1))
	e1 := float64((x0-x2)*(cy-y2) - (y0-y2)*(cx-x2))
	e2 := float64((x1-x0)*(cy-y0) - (y1-y0)*(cx-x0))
	q0, q1, q2 := e0/float64(s.z[a]), e1/float64(s.z[b]), e2/float64(s.z[c])
	sum := q0 + q1 + q2
	return q0 / sum, q1 / sum, q2 / sum
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }
