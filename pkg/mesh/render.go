package mesh

import (
	"fmt"
	"math"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// Rendering is what the input view's texture looks like from another camera: the pieces a pseudo view is
// blended from.
type Rendering struct {
	// Visible is V_i: 3 channels in [-1, 1], the input's texture on the front-most of the surfaces the input
	// view saw, and -1 (black, the official renders' background) where there is none.
	Visible *fimage.Image
	// Mask is M_i: 1 channel, 1 where the front-most surface of the whole mesh was visible in the input view,
	// 0 elsewhere (occluded in the input, or no surface).
	Mask *fimage.Image
	// Coverage is 1 where any part of the mesh is drawn, 0 elsewhere. The official blending erodes it to cut
	// the frame of the image that parallax leaves uncovered.
	Coverage *fimage.Image
	// Depth is the distance along each pixel's ray to the front-most surface (EG3D's depth convention), +Inf
	// where there is none.
	Depth *fimage.Image
}

// Render rasterizes m at cam into a width x height Rendering, texturing it with tex (from See at the input
// view). A nil tex renders only Coverage and Depth (Visible and Mask are nil).
//
// Each pixel centre takes the nearest triangle covering it (z-buffer on camera depth, top-left fill rule);
// colours are interpolated with perspective-correct barycentric weights. V_i is drawn from the textured
// triangles only, so where the front surface was hidden from the input view it shows the visible surface
// behind it, as the official colour render (visible points only) does; M_i is 0 there.
func (m *Mesh) Render(tex *Texture, cam camera.Camera, width, height int) (*Rendering, error) {
	if width <= 0 || height <= 0 {
		return nil, fmt.Errorf("mesh: render size %dx%d, want positive", width, height)
	}
	if err := cam.Validate(); err != nil {
		return nil, fmt.Errorf("mesh: render camera: %w", err)
	}
	if tex != nil && (len(tex.Visible) != m.NumVertices() || len(tex.Colors) != 3*m.NumVertices() || len(tex.Textured) != m.NumTriangles()) {
		return nil, fmt.Errorf("mesh: texture has %d vertices and %d triangles, mesh %d and %d: want the texture See made for this mesh",
			len(tex.Visible), len(tex.Textured), m.NumVertices(), m.NumTriangles())
	}
	s := project(m, cam, width, height)
	var flags []bool
	if tex != nil {
		flags = tex.Textured
	}
	all, textured := rasterize(s, m.Triangles, flags, workers())

	r := &Rendering{Coverage: fimage.New(1, height, width), Depth: fimage.New(1, height, width)}
	if tex != nil {
		r.Visible, r.Mask = fimage.New(3, height, width), fimage.New(1, height, width)
	}
	inf := float32(math.Inf(1))
	fwd := cam.Forward()
	plane := width * height
	parallel(height, func(lo, hi int) {
		for py := lo; py < hi; py++ {
			for px := 0; px < width; px++ {
				i := py*width + px
				if id := all.id[i]; id >= 0 {
					r.Coverage.Pix[i] = 1
					// Camera z over the cosine between the pixel's ray and the optical axis is the ray distance.
					d := cam.PixelDirection((float64(px)+0.5)/float64(width), (float64(py)+0.5)/float64(height))
					r.Depth.Pix[i] = float32(float64(all.z[i]) / dot(d, fwd))
					if tex != nil && tex.Textured[id] {
						r.Mask.Pix[i] = 1
					}
				} else {
					r.Depth.Pix[i] = inf
				}
				if tex == nil {
					continue
				}
				id := textured.id[i]
				if id < 0 {
					for c := 0; c < 3; c++ {
						r.Visible.Pix[c*plane+i] = -1
					}
					continue
				}
				w0, w1, w2 := perspective(s, m.Triangles, int(id), px, py)
				a, b, cc := 3*m.Triangles[3*id], 3*m.Triangles[3*id+1], 3*m.Triangles[3*id+2]
				for c := int32(0); c < 3; c++ {
					v := w0*float64(tex.Colors[a+c]) + w1*float64(tex.Colors[b+c]) + w2*float64(tex.Colors[cc+c])
					r.Visible.Pix[int(c)*plane+i] = float32(v)
				}
			}
		}
	})
	return r, nil
}
