package mesh

import (
	"fmt"
	"math"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// VisibilityOptions control which vertices count as seen by the input view.
type VisibilityOptions struct {
	// Resolution is the number of rows of the input-view z-buffer; the columns follow the input image's aspect.
	// Zero uses the input image's own size. The official code uses 512.
	Resolution int
	// Threshold is how far, in world units of camera depth, a vertex may lie behind the z-buffer and still be
	// visible. The official code uses 1/512 (1/H for H = 512, an absolute distance about two steps of its 1 mm
	// depth quantization, not a fraction of the depth range). Zero means exactly on the front surface.
	Threshold float64
}

// DefaultVisibility returns the official settings: a 512-row z-buffer and a threshold of 1/512.
func DefaultVisibility() VisibilityOptions {
	return VisibilityOptions{Resolution: 512, Threshold: 1.0 / 512}
}

// Texture is what the input view saw of a mesh: which vertices, with what colour, and so which triangles
// carry the input's texture into novel views.
type Texture struct {
	// Visible marks, per vertex, those the input view sees.
	Visible []bool
	// Colors holds the input image's RGB in [-1, 1] at each visible vertex (3 values per vertex, zero for the
	// vertices it does not see).
	Colors []float32
	// Textured marks, per triangle, those whose three vertices are visible.
	Textured []bool
}

// See finds the vertices of m that the input view (img seen through cam) sees and samples their colours.
//
// It rasterizes m into a z-buffer at cam (opts.Resolution rows) holding the front-most triangle at each pixel
// centre. The surface in front of a vertex along its own ray is then read from the triangles of the 3x3
// pixels around its projection: the nearest of those whose projection contains the vertex's, else the plane
// of the triangle at the vertex's pixel, else the z-buffer's depth interpolated there. A vertex is visible
// when it projects inside the image and lies at most opts.Threshold (camera depth) behind that surface.
//
// Unlike comparing with the z-buffer's depth at the pixel centre (what the official point z-buffer does),
// this does not take a steep but unoccluded surface for a hidden one. A mesh that FromDepth built from cam's
// own depth is a height field seen from cam, so all of it is visible; its stretched triangles are what
// Options.MaxStretch removes. Visible vertices take the colour of img at their projection (bilinear, pixel
// centres at half-integers).
func (m *Mesh) See(img *fimage.Image, cam camera.Camera, opts VisibilityOptions) (*Texture, error) {
	if img == nil || img.C != 3 {
		return nil, fmt.Errorf("mesh: input image must have 3 channels, got %s", describe(img))
	}
	if err := img.CheckFinite("input image"); err != nil {
		return nil, fmt.Errorf("mesh: %w", err)
	}
	if err := cam.Validate(); err != nil {
		return nil, fmt.Errorf("mesh: input camera: %w", err)
	}
	if opts.Resolution < 0 || !(opts.Threshold >= 0) {
		return nil, fmt.Errorf("mesh: visibility Resolution=%d Threshold=%v, want non-negative", opts.Resolution, opts.Threshold)
	}
	if err := m.checkAspect(img.H, img.W, "input image"); err != nil {
		return nil, err
	}
	if m.NumTriangles() == 0 {
		return nil, fmt.Errorf("mesh: the mesh has no triangles (is the depth all +Inf?)")
	}
	zh, zw := img.H, img.W
	if opts.Resolution > 0 {
		zh = opts.Resolution
		zw = max(1, int(math.Round(float64(opts.Resolution)*float64(img.W)/float64(img.H))))
	}
	s := project(m, cam, zw, zh)
	zbuf, _ := rasterize(s, m.Triangles, nil, workers())

	n := m.NumVertices()
	tex := &Texture{Visible: make([]bool, n), Colors: make([]float32, 3*n), Textured: make([]bool, m.NumTriangles())}
	o := cam.Position()
	parallel(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			z := float64(s.z[i])
			if z != z { // missing, behind the camera or far outside
				continue
			}
			x, y := s.x[i], s.y[i]
			if x < 0 || y < 0 || x >= int32(zw*subPixel) || y >= int32(zh*subPixel) {
				continue
			}
			if z-m.surfaceAlong(s, zbuf, i, o) > opts.Threshold {
				continue
			}
			tex.Visible[i] = true
			ix, iy, _ := cam.Project(m.Vertex(i), img.W, img.H)
			for c := 0; c < 3; c++ {
				tex.Colors[3*i+c] = img.Bilinear(c, ix, iy)
			}
		}
	})
	for t := range tex.Textured {
		tex.Textured[t] = tex.Visible[m.Triangles[3*t]] && tex.Visible[m.Triangles[3*t+1]] && tex.Visible[m.Triangles[3*t+2]]
	}
	return tex, nil
}

// surfaceAlong returns the camera z of the front-most surface on the ray from o through vertex v (+Inf when
// the z-buffer knows of none). The triangles the z-buffer holds at the 3x3 pixel centres around v's projection
// give it exactly when one of them contains v's projection: the nearest such triangle, intersected with v's
// ray. Otherwise (a surface sampled too coarsely to catch one, such as one seen edge-on) the plane of the
// triangle at v's own pixel stands in for it, and without one the z-buffer's depth interpolated at v.
func (m *Mesh) surfaceAlong(s *screen, zbuf *zbuffer, v int, o [3]float64) float64 {
	x, y := int64(s.x[v]), int64(s.y[v])
	px, py := int(x>>subBits), int(y>>subBits)
	best, found := math.Inf(1), false
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			qx, qy := px+dx, py+dy
			if qx < 0 || qy < 0 || qx >= zbuf.w || qy >= zbuf.h {
				continue
			}
			t := zbuf.id[qy*zbuf.w+qx]
			if t < 0 || !contains(s, m.Triangles[3*t:3*t+3], x, y) {
				continue
			}
			if k, ok := m.rayPlane(int(t), v, o); ok {
				best, found = min(best, k), true
			}
		}
	}
	if !found {
		if t := zbuf.id[py*zbuf.w+px]; t >= 0 {
			if k, ok := m.rayPlane(int(t), v, o); ok {
				best, found = k, true
			}
		}
	}
	if found {
		// Camera z grows linearly along the ray, so the crossing at k times the way to v has k times its z.
		return best * float64(s.z[v])
	}
	z, ok := surfaceAt(zbuf, float64(x)/subPixel, float64(y)/subPixel)
	if !ok {
		return math.Inf(1)
	}
	return z
}

// contains reports whether the projected triangle tri contains the fixed-point screen point (x, y), edges
// included.
func contains(s *screen, tri []int32, x, y int64) bool {
	var e [3]int64
	for k := 0; k < 3; k++ {
		a, b := tri[k], tri[(k+1)%3]
		ax, ay, bx, by := int64(s.x[a]), int64(s.y[a]), int64(s.x[b]), int64(s.y[b])
		e[k] = (bx-ax)*(y-ay) - (by-ay)*(x-ax)
	}
	return (e[0] >= 0 && e[1] >= 0 && e[2] >= 0) || (e[0] <= 0 && e[1] <= 0 && e[2] <= 0)
}

// rayPlane intersects the ray o + t (v - o) with the plane of triangle tri and returns t; ok is false when
// the ray runs parallel to the plane or meets it behind the camera.
func (m *Mesh) rayPlane(tri, v int, o [3]float64) (t float64, ok bool) {
	a := m.Vertex(int(m.Triangles[3*tri]))
	n := cross(sub(m.Vertex(int(m.Triangles[3*tri+1])), a), sub(m.Vertex(int(m.Triangles[3*tri+2])), a))
	den := dot(n, sub(m.Vertex(v), o))
	if den == 0 {
		return 0, false
	}
	t = dot(n, sub(a, o)) / den
	return t, t > 0
}

// checkAspect reports an error when m is a grid whose aspect differs from an h x w image's by more than a
// pixel: the mesh was built from a depth map of another picture.
func (m *Mesh) checkAspect(h, w int, what string) error {
	if m.Rows == 0 || m.Cols == 0 {
		return nil
	}
	if want := float64(m.Rows) * float64(w) / float64(h); math.Abs(want-float64(m.Cols)) > 1 {
		return fmt.Errorf("mesh: mesh grid is %dx%d, %s %dx%d: want the same aspect", m.Rows, m.Cols, what, h, w)
	}
	return nil
}

// surfaceAt interpolates the z-buffer bilinearly at continuous pixel coordinates (x, y). Next to empty pixels
// it returns the nearest (smallest) of the finite neighbours; ok is false when all four are empty.
func surfaceAt(b *zbuffer, x, y float64) (z float64, ok bool) {
	fx, fy := x-0.5, y-0.5
	x0, y0 := math.Floor(fx), math.Floor(fy)
	ax, ay := fx-x0, fy-y0
	xa, xb := clampInt(int(x0), b.w-1), clampInt(int(x0)+1, b.w-1)
	ya, yb := clampInt(int(y0), b.h-1), clampInt(int(y0)+1, b.h-1)
	zs := [4]float64{float64(b.z[ya*b.w+xa]), float64(b.z[ya*b.w+xb]), float64(b.z[yb*b.w+xa]), float64(b.z[yb*b.w+xb])}
	ws := [4]float64{(1 - ay) * (1 - ax), (1 - ay) * ax, ay * (1 - ax), ay * ax}
	sum, nearest, finite := 0.0, math.Inf(1), 0
	for k, v := range zs {
		if !math.IsInf(v, 1) {
			finite++
			nearest = min(nearest, v)
			sum += ws[k] * v
		}
	}
	switch finite {
	case 0:
		return 0, false
	case 4:
		return sum, true
	}
	return nearest, true
}
