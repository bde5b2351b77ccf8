package pseudoview

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/pmvi/pmvi/pkg/blend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/mesh"
	"github.com/pmvi/pmvi/pkg/mesh/meshtest"
)

// fixture is an input view of the analytic head with its depth at a quarter of the image's resolution (as
// EG3D's 128x128 depth is to its 512x512 image) and a stand-in generator: the exact head blurred and shifted
// in colour, as a tuned generator renders the unseen side plausibly but without the input's detail.
type fixture struct {
	size   int
	in     camera.Camera
	input  *fimage.Image
	depth  *fimage.Image
	render RenderFunc
}

func newFixture(size int) fixture {
	scene := meshtest.Head()
	in := camera.At(0.05, -0.03)
	input, _ := scene.Render(in, size, size)
	_, depth := scene.Render(in, size/4, size/4)
	return fixture{size: size, in: in, input: input, depth: depth, render: func(cam camera.Camera) (*fimage.Image, error) {
		img, _ := scene.Render(cam, size, size)
		img = blend.Blur(img, 2*(size/64)+1, float64(size)/128)
		for i, v := range img.Pix {
			img.Pix[i] = 0.9*v + 0.05
		}
		return img, nil
	}}
}

func TestBuildImprovesOnTheGenerator(t *testing.T) {
	f := newFixture(128)
	views := camera.Cameras(camera.Ellipse(4, 0.35, 0.25, -0.05))
	for _, method := range []blend.Method{blend.Gaussian, blend.Poisson} {
		for _, warp := range []mesh.WarpMode{mesh.Triangles, mesh.Points} {
			t.Run(method.String()+" "+warp.String(), func(t *testing.T) {
				opts := QuickOptions().Scale(128.0 / 512)
				opts.Blend.Method, opts.Warp = method, warp
				var calls [][2]int
				opts.Progress = func(done, total int) { calls = append(calls, [2]int{done, total}) }
				out, err := Build(f.render, f.input, f.in, f.depth, views, opts)
				if err != nil {
					t.Fatal(err)
				}
				if len(out) != len(views) || len(calls) != len(views) || calls[len(calls)-1] != [2]int{4, 4} {
					t.Fatalf("%d views and progress %v, want %d views reported 1..4 of 4", len(out), calls, len(views))
				}
				for i, v := range out {
					want, _ := meshtest.Head().Render(v.Camera, f.size, f.size)
					// Where the blend keeps the input's texture the pseudo view must be clearly closer to the
					// truth than the generator, and over the whole view no further from it.
					kept := blend.Region(v.Mask, v.Coverage, opts.Blend)
					gen, _ := meshtest.PSNR(v.Generated, want, kept)
					got, n := meshtest.PSNR(v.Blended, want, kept)
					all := fimage.New(1, f.size, f.size)
					for i := range all.Pix {
						all.Pix[i] = 1
					}
					genAll, _ := meshtest.PSNR(v.Generated, want, all)
					gotAll, _ := meshtest.PSNR(v.Blended, want, all)
					t.Logf("view %d: pseudo view %.2f dB, generator %.2f dB on %d kept pixels; whole view %.2f and %.2f dB; solver %+v",
						i, got, gen, n, gotAll, genAll, v.Stats)
					if got < gen+3 {
						t.Errorf("view %d: the pseudo view (%.2f dB) is not clearly closer to the truth than the generator (%.2f dB) where it keeps the input's texture", i, got, gen)
					}
					if gotAll < genAll {
						t.Errorf("view %d: over the whole view the pseudo view (%.2f dB) is further from the truth than the generator (%.2f dB)", i, gotAll, genAll)
					}
					if v.Visible.C != 3 || v.Mask.C != 1 || !v.Blended.SameSize(f.input) || v.Camera != views[i] {
						t.Errorf("view %d: wrong shapes or camera", i)
					}
				}
			})
		}
	}
}

// Where the official blend weight is 0 the pseudo view is the generator's render, where it is 1 the input's
// texture.
func TestGaussianPseudoViewTakesEachSideWhole(t *testing.T) {
	f := newFixture(96)
	opts := QuickOptions().Scale(96.0 / 512)
	out, err := Build(f.render, f.input, f.in, f.depth, []camera.Camera{camera.At(0.3, 0.1)}, opts)
	if err != nil {
		t.Fatal(err)
	}
	v := out[0]
	alpha := blend.Weight(v.Mask, v.Coverage, opts.Blend)
	plane := f.size * f.size
	var zeros, ones int
	for i, a := range alpha.Pix {
		for c := 0; c < 3; c++ {
			j := c*plane + i
			switch a {
			case 0:
				if v.Blended.Pix[j] != v.Generated.Pix[j] {
					t.Fatalf("pixel %d has weight 0 but is not the generator's", i)
				}
				zeros++
			case 1:
				if math.Abs(float64(v.Blended.Pix[j]-v.Visible.Pix[j])) > 1e-6 {
					t.Fatalf("pixel %d has weight 1 but is not the input's texture", i)
				}
				ones++
			}
		}
	}
	if zeros == 0 || ones == 0 {
		t.Errorf("weights: %d zeros, %d ones: the view mixes everything", zeros, ones)
	}
}

func TestBuildRejects(t *testing.T) {
	f := newFixture(64)
	views := []camera.Camera{camera.At(0.2, 0)}
	nanDepth := f.depth.Clone()
	nanDepth.Set(0, 3, 7, float32(math.NaN()))
	away := camera.Rig{Pivot: [3]float64{0, 0, 10}, Radius: 2.7, FOVDegrees: 18.837}.At(0, 0)
	broken := camera.At(0, 0)
	broken.CamToWorld[0] = 3
	tests := []struct {
		name   string
		render RenderFunc
		input  *fimage.Image
		depth  *fimage.Image
		views  []camera.Camera
		want   string
	}{
		{"no generator", nil, f.input, f.depth, views, "pseudoview: no generator render function"},
		{"no views", f.render, f.input, f.depth, nil, "pseudoview: the trajectory has no cameras"},
		{"nan depth", f.render, f.input, nanDepth, views, "pseudoview: mesh: depth has NaN at row 3, column 7"},
		{"aspect", f.render, f.input, fimage.New(1, 16, 8), views, "pseudoview: depth is 16x8, input image 64x64: want the same aspect"},
		{"grey input", f.render, fimage.New(1, 64, 64), f.depth, views, "pseudoview: input image must have 3 channels"},
		{"rgb depth", f.render, f.input, fimage.New(3, 16, 16), views, "pseudoview: depth must have 1 channel"},
		{"bad view", f.render, f.input, f.depth, []camera.Camera{views[0], broken}, "pseudoview: view 1: camera:"},
		{"looking away", f.render, f.input, f.depth, []camera.Camera{away}, "pseudoview: view 0: blend: mask is empty"},
		{"generator size", func(camera.Camera) (*fimage.Image, error) { return fimage.New(3, 32, 32), nil }, f.input, f.depth, views,
			"pseudoview: view 0: generator render is 3 channels of 32x32, want 3 channels of 64x64 like the input image"},
		{"generator fails", func(camera.Camera) (*fimage.Image, error) { return nil, errors.New("out of memory") }, f.input, f.depth, views,
			"pseudoview: view 0: generator: out of memory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(tt.render, tt.input, f.in, tt.depth, tt.views, QuickOptions().Scale(64.0/512))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
	_, err := Build(f.render, f.input, f.in, f.depth, []camera.Camera{away}, QuickOptions().Scale(64.0/512))
	if !errors.Is(err, blend.ErrEmptyMask) {
		t.Errorf("error %v does not wrap blend.ErrEmptyMask", err)
	}
}

func TestOptions(t *testing.T) {
	p := PaperOptions()
	if p.Mesh.Resolution != 1024 || p.Visibility.Resolution != 512 || p.Visibility.Threshold != 1.0/512 ||
		p.Warp != mesh.Triangles || p.Blend.KernelSize != 21 || p.Blend.Sigma != 3.5 || p.Blend.CoverageErosion != 51 ||
		p.Splat.Points != 1_000_000 || p.Splat.Radius != 2 || p.Splat.PerPixel != 16 {
		t.Errorf("PaperOptions() = %+v, want the official settings", p)
	}
	s := p.Scale(0.25)
	if s.Mesh.Resolution != 256 || s.Visibility.Resolution != 128 || s.Visibility.Threshold != 4.0/512 ||
		s.Splat.Points != 62500 || s.Splat.Radius != 1 || s.Blend.KernelSize != 7 {
		t.Errorf("PaperOptions().Scale(0.25) = %+v", s)
	}
	q := QuickOptions()
	if q.Mesh.Resolution != 0 || q.Visibility.Resolution != 0 || q.Blend.Tolerance != 1e-5 {
		t.Errorf("QuickOptions() = %+v, want mesh and z-buffer at the image's resolution", q)
	}
	orbit := Orbit()
	if len(orbit) != 30 || orbit[7] != camera.Orbit()[7].Camera() {
		t.Errorf("Orbit() has %d cameras, want the 30 of camera.Orbit", len(orbit))
	}
}
