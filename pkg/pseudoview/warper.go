package pseudoview

import (
	"errors"
	"fmt"
	"math"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/mesh"
)

// Warper carries the input view's texture to other cameras. It builds the mesh, its visibility and (for
// point splats) its point cloud once, so that any number of views, or a notebook slider, can reuse them.
type Warper struct {
	// Mesh is the mesh built from the depth.
	Mesh *mesh.Mesh
	// Texture is what the input view saw of Mesh.
	Texture *mesh.Texture
	// Points is the point cloud the splats use; nil unless the warp mode is mesh.Points.
	Points *mesh.PointCloud

	width, height int
	opts          Options
}

// NewWarper builds the mesh of depth seen by cam and textures it with input. See Build for the inputs.
func NewWarper(input *fimage.Image, cam camera.Camera, depth *fimage.Image, opts Options) (*Warper, error) {
	if input == nil || input.C != 3 {
		return nil, fmt.Errorf("pseudoview: input image must have 3 channels, got %s", describe(input))
	}
	if err := input.CheckFinite("input image"); err != nil {
		return nil, fmt.Errorf("pseudoview: %w", err)
	}
	if depth == nil || depth.C != 1 {
		return nil, fmt.Errorf("pseudoview: depth must have 1 channel, got %s", describe(depth))
	}
	// Same aspect, to within one depth pixel.
	if d := float64(depth.W)*float64(input.H)/float64(input.W) - float64(depth.H); d > 1 || d < -1 {
		return nil, fmt.Errorf("pseudoview: depth is %dx%d, input image %dx%d: want the same aspect", depth.H, depth.W, input.H, input.W)
	}
	if err := cam.Validate(); err != nil {
		return nil, fmt.Errorf("pseudoview: input camera: %w", err)
	}
	if opts.Warp != mesh.Triangles && opts.Warp != mesh.Points {
		return nil, fmt.Errorf("pseudoview: unknown warp mode %v", opts.Warp)
	}
	mo := opts.Mesh
	if mo.Resolution == 0 {
		mo.Resolution = input.H
	}
	m, err := mesh.FromDepth(depth, cam, mo)
	if err != nil {
		return nil, fmt.Errorf("pseudoview: %w", err)
	}
	if m.NumTriangles() == 0 {
		return nil, errors.New("pseudoview: the depth gives no surface (all +Inf, or every triangle too stretched)")
	}
	w := &Warper{Mesh: m, width: input.W, height: input.H, opts: opts}
	if opts.Warp == mesh.Points {
		if w.Points, err = m.Sample(opts.Splat.Points, opts.Splat.Seed); err != nil {
			return nil, fmt.Errorf("pseudoview: %w", err)
		}
		if err := w.Points.See(input, cam, opts.Visibility); err != nil {
			return nil, fmt.Errorf("pseudoview: %w", err)
		}
		return w, nil
	}
	if w.Texture, err = m.See(input, cam, opts.Visibility); err != nil {
		return nil, fmt.Errorf("pseudoview: %w", err)
	}
	return w, nil
}

// Warp renders the input's texture at cam, at the input image's size: V_i, M_i, coverage and depth.
func (w *Warper) Warp(cam camera.Camera) (*mesh.Rendering, error) {
	if w.Points != nil {
		return w.Points.Render(cam, w.width, w.height, w.opts.Splat)
	}
	return w.Mesh.Render(w.Texture, cam, w.width, w.height)
}

// KeepForeground returns depth with every pixel outside the foreground set to +Inf (no surface), so that the
// mesh, its visibility and the warped texture cover the subject only and the input's background never
// becomes texture on the subject's silhouette. foreground has one channel in [0, 1] at any resolution with
// depth's aspect (it is resampled to depth's size); a depth pixel counts as foreground where it is >= 0.5.
func KeepForeground(depth, foreground *fimage.Image) (*fimage.Image, error) {
	if depth == nil || depth.C != 1 {
		return nil, fmt.Errorf("pseudoview: depth must have 1 channel, got %s", describe(depth))
	}
	if foreground == nil || foreground.C != 1 {
		return nil, fmt.Errorf("pseudoview: foreground must have 1 channel, got %s", describe(foreground))
	}
	if err := foreground.CheckFinite("foreground"); err != nil {
		return nil, fmt.Errorf("pseudoview: %w", err)
	}
	fg := foreground
	if !fg.SameSize(depth) {
		if fg.H%depth.H == 0 && fg.W%depth.W == 0 && fg.H/depth.H == fg.W/depth.W {
			var err error
			if fg, err = fg.Downsample(fg.H / depth.H); err != nil {
				return nil, fmt.Errorf("pseudoview: foreground: %w", err)
			}
		} else {
			fg = fg.Resize(depth.H, depth.W)
		}
	}
	out := depth.Clone()
	for i, f := range fg.Pix {
		if f < 0.5 {
			out.Pix[i] = float32(math.Inf(1))
		}
	}
	return out, nil
}
