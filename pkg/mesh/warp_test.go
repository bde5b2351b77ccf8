package mesh

import (
	"fmt"
	"math"
	"testing"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/mesh/meshtest"
)

// Warping the exact input view with its exact depth to a novel view reproduces the exact novel view on the
// pixels marked visible, and the mask matches the exact visibility.
func TestWarpMatchesAnalyticNovelViews(t *testing.T) {
	const size = 256
	scene := meshtest.Head()
	in := camera.At(0, 0)
	rgb, depth := scene.Render(in, size, size)
	m, err := FromDepth(depth, in, Options{Resolution: 2 * size, MaxStretch: DefaultOptions().MaxStretch})
	if err != nil {
		t.Fatal(err)
	}
	tex, err := m.See(rgb, in, VisibilityOptions{Resolution: size, Threshold: 1.0 / 512})
	if err != nil {
		t.Fatal(err)
	}
	for _, pose := range []camera.Pose{{Yaw: 0.2}, {Yaw: 0.4}, {Yaw: -0.3, Pitch: 0.2}} {
		t.Run(fmt.Sprintf("yaw %.1f pitch %.1f", pose.Yaw, pose.Pitch), func(t *testing.T) {
			cam := pose.Camera()
			wantRGB, wantDepth := scene.Render(cam, size, size)
			wantMask := scene.VisibleFrom(cam, wantDepth, in, size, size)
			r, err := m.Render(tex, cam, size, size)
			if err != nil {
				t.Fatal(err)
			}
			psnr, n := meshtest.PSNR(r.Visible, wantRGB, r.Mask)
			score := meshtest.IoU(r.Mask, wantMask)
			t.Logf("PSNR %.2f dB on %d visible pixels, mask IoU %.4f", psnr, n, score)
			if psnr < 30 {
				t.Errorf("PSNR on visible pixels %.2f dB, want >= 30", psnr)
			}
			if score < 0.95 {
				t.Errorf("mask IoU %.4f against exact visibility, want >= 0.95", score)
			}
			if n < size*size/8 {
				t.Errorf("only %d visible pixels", n)
			}
		})
	}
}

func TestSeeRejects(t *testing.T) {
	in := camera.At(0, 0)
	_, depth := meshtest.Head().Render(in, 32, 32)
	m, err := FromDepth(depth, in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		img  *fimage.Image
		opts VisibilityOptions
		want string
	}{
		{"grey", fimage.New(1, 32, 32), VisibilityOptions{}, "3 channels"},
		{"aspect", fimage.New(3, 32, 64), VisibilityOptions{}, "mesh grid is 32x32, input image 32x64: want the same aspect"},
		{"threshold", fimage.New(3, 32, 32), VisibilityOptions{Threshold: -1}, "want non-negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := m.See(tt.img, in, tt.opts); err == nil || !errHas(err, tt.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// A mesh seen from another camera than the one it was built from is no longer a height field: the nose and
// the ears hide parts of it. See must find exactly those vertices.
func TestSeeFindsOccludedVertices(t *testing.T) {
	const size = 192
	scene := meshtest.Head()
	built, seen := camera.At(0, 0), camera.At(0.7, 0.1)
	// At the depth's own resolution the vertices lie on the analytic surface (up-sampling would cut chords).
	_, depth := scene.Render(built, size, size)
	m, err := FromDepth(depth, built, Options{MaxStretch: DefaultOptions().MaxStretch})
	if err != nil {
		t.Fatal(err)
	}
	img, _ := scene.Render(seen, size, size)
	tex, err := m.See(img, seen, DefaultVisibility())
	if err != nil {
		t.Fatal(err)
	}
	o := seen.Position()
	// Vertices hidden by more than 0.01 must be found, and those on the front surface must not be: in between
	// lies the threshold (1/512) and what the grid's resolution can tell. Surfaces seen edge-on (within 75
	// degrees of grazing) are left out: whether a vertex there is just before or just after the horizon is
	// below the mesh's resolution.
	var front, frontSeen, behind, behindFound int
	for i := 0; i < m.NumVertices(); i++ {
		p := m.Vertex(i)
		if p[0] != p[0] {
			continue
		}
		x, y, _ := seen.Project(p, size, size)
		if x < 0 || y < 0 || x >= size || y >= size {
			continue
		}
		ray := sub(p, o)
		dist := norm(ray)
		if n := scene.Normal(p); math.Abs(dot(n, ray)) < 0.25*dist {
			continue
		}
		switch hit := scene.Hit(o, [3]float64{ray[0] / dist, ray[1] / dist, ray[2] / dist}); {
		case hit >= dist-1e-5:
			front++
			if tex.Visible[i] {
				frontSeen++
			}
		case hit < dist-0.01:
			behind++
			if !tex.Visible[i] {
				behindFound++
			}
		}
	}
	t.Logf("%d of %d vertices on the front surface visible, %d of %d hidden ones found", frontSeen, front, behindFound, behind)
	if behind < front/10 {
		t.Fatalf("only %d hidden vertices for %d visible: the test view sees too little occlusion", behind, front)
	}
	if float64(frontSeen) < 0.99*float64(front) {
		t.Errorf("%.2f%% of the vertices on the front surface are visible, want >= 99%%", 100*float64(frontSeen)/float64(front))
	}
	if float64(behindFound) < 0.99*float64(behind) {
		t.Errorf("%.2f%% of the hidden vertices are found, want >= 99%%", 100*float64(behindFound)/float64(behind))
	}
}
