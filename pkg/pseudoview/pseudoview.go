package pseudoview

import (
	"errors"
	"fmt"
	"math"

	"github.com/pmvi/pmvi/pkg/blend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/mesh"
)

// RenderFunc renders the tuned generator at cam: a 3-channel image in [-1, 1] of the input image's size.
type RenderFunc func(cam camera.Camera) (*fimage.Image, error)

// Options gather the settings of every step. Pixel sizes are in pixels of the input image; Scale adapts
// them to another image size.
type Options struct {
	// Mesh controls the mesh built from the depth. Mesh.Resolution 0 means the input image's rows (not the
	// depth's): the texture is sampled once per vertex, so a coarser mesh blurs it.
	Mesh mesh.Options
	// Visibility controls the input-view z-buffer. Visibility.Resolution 0 means the input image's rows.
	Visibility mesh.VisibilityOptions
	// Warp selects triangles (the zero value) or the official point splats.
	Warp mesh.WarpMode
	// Splat controls the point splats when Warp is mesh.Points.
	Splat mesh.SplatOptions
	// Blend controls how V_i and the generator's render are joined.
	Blend blend.Options
	// Progress, when non-nil, is called after each view with the number of views done and the total.
	Progress func(done, total int)
}

// PaperOptions returns the official settings for 512x512 images: a 1024-row mesh (from EG3D's 128x128
// depth), a 512-row visibility z-buffer with threshold 1/512, triangles, and the official Gaussian blend.
// Stretched triangles are dropped beyond 84 degrees (the official code keeps them; see package mesh).
func PaperOptions() Options {
	return Options{
		Mesh:       mesh.DefaultOptions(),
		Visibility: mesh.DefaultVisibility(),
		Warp:       mesh.Triangles,
		Splat:      mesh.DefaultSplat(),
		Blend:      blend.Official(),
	}
}

// QuickOptions returns a preset for CPUs and notebooks: PaperOptions with the mesh and the visibility
// z-buffer at the input image's resolution (a quarter of the paper's triangles at 512x512) and a looser
// Poisson tolerance (1e-5). Its blend sizes are the official ones for 512x512 images; use Scale for others.
func QuickOptions() Options {
	o := PaperOptions()
	o.Mesh.Resolution, o.Visibility.Resolution = 0, 0
	o.Blend.Tolerance = 1e-5
	return o
}

// Scale returns o adapted to images f times the size it was made for, e.g. PaperOptions().Scale(128.0/512)
// for 128x128 pseudo views: mesh and z-buffer resolutions, splat radius (kept at 1 px or more, so that splats
// still overlap) and blend sizes scale with f, the splat count with f^2, and the visibility threshold (1/512
// for a 512-row z-buffer, about one depth step per pixel) with 1/f.
func (o Options) Scale(f float64) Options {
	scale := func(n int) int {
		if n == 0 {
			return 0
		}
		return max(2, int(math.Round(float64(n)*f)))
	}
	o.Mesh.Resolution = scale(o.Mesh.Resolution)
	o.Visibility.Resolution = scale(o.Visibility.Resolution)
	o.Visibility.Threshold /= f
	o.Splat.Radius = max(o.Splat.Radius*f, min(o.Splat.Radius, 1))
	o.Splat.Points = max(1, int(math.Round(float64(o.Splat.Points)*f*f)))
	o.Blend = o.Blend.Scale(f)
	return o
}

// View is one pseudo view and the pieces it was blended from.
type View struct {
	// Camera is where the view is seen from.
	Camera camera.Camera
	// Visible is V_i, the input's texture warped to Camera (3 channels, [-1, 1]; -1 where there is none).
	Visible *fimage.Image
	// Mask is M_i: 1 where Visible holds surface the input view saw (1 channel).
	Mask *fimage.Image
	// Coverage is 1 where the mesh covers the view (1 channel).
	Coverage *fimage.Image
	// Generated is the generator's render at Camera.
	Generated *fimage.Image
	// Blended is the pseudo view.
	Blended *fimage.Image
	// Stats reports the blend's solver work (Poisson only).
	Stats blend.Stats
}

// Build makes one pseudo view per camera of views. input is the input image (3 channels, [-1, 1]) seen by
// cam; depth is the tuned generator's depth at cam (1 channel, distance along each ray, any resolution with
// the input's aspect, +Inf where there is no surface); render renders the tuned generator at a camera.
func Build(render RenderFunc, input *fimage.Image, cam camera.Camera, depth *fimage.Image, views []camera.Camera, opts Options) ([]View, error) {
	return BuildFrom(render, []Source{{Image: input, Camera: cam, Depth: depth}}, views, opts)
}

// Source is one input view of the subject that pseudo views take texture from: its image, camera, and the
// tuned generator's depth there (as Build's).
type Source struct {
	Image  *fimage.Image
	Camera camera.Camera
	Depth  *fimage.Image
}

// BuildFrom is Build with several input views of one subject (multi-view inversion): each source's visible
// texture is warped to the camera, and where several saw the surface their textures are averaged with weights
// that favour the source whose viewing direction is closest to the camera's (only sources whose warped
// surface is the front-most, within 2% of its depth, take part at a pixel). M_i is where any source saw the
// surface. With one source it is exactly Build.
func BuildFrom(render RenderFunc, sources []Source, views []camera.Camera, opts Options) ([]View, error) {
	if render == nil {
		return nil, errors.New("pseudoview: no generator render function")
	}
	if len(views) == 0 {
		return nil, errors.New("pseudoview: the trajectory has no cameras")
	}
	if len(sources) == 0 {
		return nil, errors.New("pseudoview: no input view")
	}
	for i, c := range views {
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("pseudoview: view %d: %w", i, err)
		}
	}
	warpers := make([]*Warper, len(sources))
	for k, src := range sources {
		w, err := NewWarper(src.Image, src.Camera, src.Depth, opts)
		if err != nil {
			if len(sources) > 1 {
				return nil, fmt.Errorf("%w (input view %d)", err, k)
			}
			return nil, err
		}
		warpers[k] = w
	}
	input := sources[0].Image
	out := make([]View, len(views))
	for i, c := range views {
		var rs []*mesh.Rendering
		for _, w := range warpers {
			r, err := w.Warp(c)
			if err != nil {
				return nil, fmt.Errorf("pseudoview: view %d: %w", i, err)
			}
			rs = append(rs, r)
		}
		r := rs[0]
		if len(rs) > 1 {
			r = merge(rs, sources, c)
		}
		gen, err := render(c)
		if err != nil {
			return nil, fmt.Errorf("pseudoview: view %d: generator: %w", i, err)
		}
		if gen == nil || gen.C != 3 || !gen.SameSize(input) {
			return nil, fmt.Errorf("pseudoview: view %d: generator render is %s, want 3 channels of %dx%d like the input image", i, describe(gen), input.H, input.W)
		}
		blended, st, err := blend.Blend(blend.Layers{Visible: r.Visible, Mask: r.Mask, Coverage: r.Coverage, Generated: gen}, opts.Blend)
		if err != nil {
			return nil, fmt.Errorf("pseudoview: view %d: %w", i, err)
		}
		out[i] = View{Camera: c, Visible: r.Visible, Mask: r.Mask, Coverage: r.Coverage, Generated: gen, Blended: blended, Stats: st}
		if opts.Progress != nil {
			opts.Progress(i+1, len(views))
		}
	}
	return out, nil
}

// viewAngleScale is the angle (radians) over which a source's weight falls to exp(-1/2) as its viewing
// direction turns away from the pseudo view's.
const viewAngleScale = 0.25

// merge combines the warps of several sources at camera c (see BuildFrom).
func merge(rs []*mesh.Rendering, sources []Source, c camera.Camera) *mesh.Rendering {
	first := rs[0]
	n := first.Mask.H * first.Mask.W
	out := &mesh.Rendering{Visible: fimage.New(3, first.Mask.H, first.Mask.W), Mask: fimage.New(1, first.Mask.H, first.Mask.W),
		Coverage: fimage.New(1, first.Mask.H, first.Mask.W), Depth: fimage.New(1, first.Mask.H, first.Mask.W)}
	angle := make([]float64, len(rs))
	for k, src := range sources {
		a := camera.AngleBetween(src.Camera, c, [3]float64{})
		angle[k] = math.Exp(-a * a / (2 * viewAngleScale * viewAngleScale))
	}
	for p := 0; p < n; p++ {
		front := math.Inf(1)
		for _, r := range rs {
			if r.Mask.Pix[p] > 0 {
				front = math.Min(front, float64(r.Depth.Pix[p]))
			}
		}
		var sum, mask, cover float64
		var rgb [3]float64
		for k, r := range rs {
			cover = math.Max(cover, float64(r.Coverage.Pix[p]))
			m := float64(r.Mask.Pix[p])
			if m <= 0 || float64(r.Depth.Pix[p]) > front*1.02 {
				continue
			}
			mask = math.Max(mask, m)
			w := m * angle[k]
			sum += w
			for ch := 0; ch < 3; ch++ {
				rgb[ch] += w * float64(r.Visible.Pix[ch*n+p])
			}
		}
		out.Mask.Pix[p], out.Coverage.Pix[p], out.Depth.Pix[p] = float32(mask), float32(cover), float32(front)
		for ch := 0; ch < 3; ch++ {
			v := -1.0 // no texture: black, as a single warp leaves it
			if sum > 0 {
				v = rgb[ch] / sum
			}
			out.Visible.Pix[ch*n+p] = float32(v)
		}
	}
	return out
}

// Orbit returns the cameras of the official 30-view trajectory (camera.Orbit on the FFHQ rig).
func Orbit() []camera.Camera { return camera.Cameras(camera.Orbit()) }

func describe(m *fimage.Image) string {
	if m == nil {
		return "nil"
	}
	return fmt.Sprintf("%d channels of %dx%d", m.C, m.H, m.W)
}
