package mesh

import (
	"math"
	"strings"
	"testing"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/mesh/meshtest"
)

func TestFromDepthPutsVerticesOnTheirRays(t *testing.T) {
	cam := camera.At(0.1, -0.05)
	_, depth := meshtest.Head().Render(cam, 48, 48)
	m, err := FromDepth(depth, cam, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Rows != 48 || m.Cols != 48 || m.NumVertices() != 48*48 {
		t.Fatalf("grid %dx%d with %d vertices, want 48x48", m.Rows, m.Cols, m.NumVertices())
	}
	o := cam.Position()
	checked := 0
	for r := 0; r < m.Rows; r++ {
		for c := 0; c < m.Cols; c++ {
			i := r*m.Cols + c
			p := m.Vertex(i)
			want := float64(depth.At(0, r, c))
			if math.IsInf(want, 1) {
				if !math.IsNaN(p[0]) {
					t.Fatalf("vertex (%d,%d) = %v over the background, want NaN", r, c, p)
				}
				continue
			}
			// The vertex projects to its pixel centre, at the depth's distance from the camera centre.
			x, y, _ := cam.Project(p, m.Cols, m.Rows)
			if math.Abs(x-(float64(c)+0.5)) > 1e-4 || math.Abs(y-(float64(r)+0.5)) > 1e-4 {
				t.Fatalf("vertex (%d,%d) projects to (%.5f, %.5f), want its pixel centre", r, c, x, y)
			}
			if d := norm(sub(p, o)); math.Abs(d-want) > 1e-5 {
				t.Fatalf("vertex (%d,%d) is %.6f from the camera, want the ray distance %.6f", r, c, d, want)
			}
			checked++
		}
	}
	if checked < 500 {
		t.Fatalf("only %d vertices on the head; the test scene is off-screen", checked)
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
}

// stepDepth is a 32x32 depth map: a near square (2.4) in front of a far wall (3.0).
func stepDepth() *fimage.Image {
	d := fimage.New(1, 32, 32)
	for y := 0; y < 32; y++ {
		for x := 0; x < 32; x++ {
			v := float32(3.0)
			if x >= 10 && x < 22 && y >= 10 && y < 22 {
				v = 2.4
			}
			d.Set(0, y, x, v)
		}
	}
	return d
}

func TestFromDepthDropsRubberSheets(t *testing.T) {
	cam := camera.At(0, 0)
	// widest returns the largest spread of camera distances over the vertices of one triangle.
	widest := func(m *Mesh) float64 {
		w := 0.0
		o := cam.Position()
		for t := 0; t < m.NumTriangles(); t++ {
			lo, hi := math.Inf(1), 0.0
			for k := 0; k < 3; k++ {
				d := norm(sub(m.Vertex(int(m.Triangles[3*t+k])), o))
				lo, hi = min(lo, d), max(hi, d)
			}
			w = max(w, hi-lo)
		}
		return w
	}
	stretch := DefaultOptions().MaxStretch
	tests := []struct {
		name          string
		opts          Options
		minW, maxW    float64 // the widest triangle's spread
		total, fewest int     // exact count (-1: any), lower bound
	}{
		// The step is 0.6: the official mesh joins the plateaus with triangles spanning all of it.
		{"official keeps all", Options{MaxStretch: 0}, 0.59, 0.61, 2 * 31 * 31, 0},
		{"default drops the step", Options{MaxStretch: stretch}, 0, 0.01, -1, 2*31*31 - 4*12*2 - 8},
		// Up-sampled 4x, the step becomes a ramp of four 0.15 steps with a half step (0.075) at each end:
		// the ramp goes, its gentle ends stay.
		{"up-sampled official", Options{Resolution: 128}, 0.14, 0.16, 2 * 127 * 127, 0},
		{"up-sampled 4x", Options{Resolution: 128, MaxStretch: stretch}, 0, 0.1, -1, 2 * 127 * 127 * 9 / 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := FromDepth(stepDepth(), cam, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if w := widest(m); w < tt.minW || w > tt.maxW {
				t.Errorf("widest triangle spans %.3f in depth, want %.3f..%.3f", w, tt.minW, tt.maxW)
			}
			if tt.total >= 0 && m.NumTriangles() != tt.total {
				t.Errorf("%d triangles, want %d", m.NumTriangles(), tt.total)
			}
			if m.NumTriangles() < tt.fewest {
				t.Errorf("%d triangles, want at least %d (only the step's should go)", m.NumTriangles(), tt.fewest)
			}
		})
	}
}

func TestFromDepthRejects(t *testing.T) {
	cam := camera.At(0, 0)
	with := func(y, x int, v float32) *fimage.Image {
		d := stepDepth()
		d.Set(0, y, x, v)
		return d
	}
	tests := []struct {
		name  string
		depth *fimage.Image
		opts  Options
		want  string
	}{
		{"nan", with(3, 7, float32(math.NaN())), Options{}, "depth has NaN at row 3, column 7"},
		{"negative", with(5, 1, -2), Options{}, "depth has -2 at row 5, column 1"},
		{"minus inf", with(0, 0, float32(math.Inf(-1))), Options{}, "row 0, column 0"},
		{"rgb", fimage.New(3, 8, 8), Options{}, "one-channel"},
		{"nil", nil, Options{}, "got nil"},
		{"bad stretch", stepDepth(), Options{MaxStretch: -1}, "want non-negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromDepth(tt.depth, cam, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "mesh: ") {
				t.Fatalf("error %v, want one starting with mesh: and mentioning %q", err, tt.want)
			}
		})
	}
}

func TestUpsampleKeepsRampsAndBackground(t *testing.T) {
	d := fimage.New(1, 4, 4)
	for y := 0; y < 4; y++ {
		for x := 0; x < 4; x++ {
			d.Set(0, y, x, float32(2+0.1*float64(x)))
		}
	}
	d.Set(0, 0, 0, float32(math.Inf(1)))
	u := upsample(d, 8, 8)
	// Away from the hole the ramp is resampled as fimage.Resize does.
	ref := d.Clone()
	ref.Set(0, 0, 0, 2)
	want := ref.Resize(8, 8)
	for y := 3; y < 8; y++ {
		for x := 0; x < 8; x++ {
			if math.Abs(float64(u.At(0, y, x)-want.At(0, y, x))) > 1e-6 {
				t.Fatalf("upsampled (%d,%d) = %v, want %v", y, x, u.At(0, y, x), want.At(0, y, x))
			}
		}
	}
	// The corner pixels nearest the hole stay background; their neighbours mix only finite depths.
	if !math.IsInf(float64(u.At(0, 0, 0)), 1) || !math.IsInf(float64(u.At(0, 1, 1)), 1) {
		t.Errorf("pixels next to the background hole: %v %v, want +Inf", u.At(0, 0, 0), u.At(0, 1, 1))
	}
	if v := u.At(0, 0, 2); math.IsInf(float64(v), 0) || v < 2 || v > 2.4 {
		t.Errorf("pixel (0,2) = %v, want a finite depth from the neighbours", v)
	}
}

func errHas(err error, s string) bool { return err != nil && strings.Contains(err.Error(), s) }
