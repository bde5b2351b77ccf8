package camera

import (
	"math"
	"path/filepath"
	"strings"
	"testing"
)

func TestLabelRoundTrip(t *testing.T) {
	c := At(0.3, -0.2)
	got, err := FromLabel(c.Label())
	if err != nil {
		t.Fatal(err)
	}
	for i := range c.CamToWorld {
		if d := math.Abs(got.CamToWorld[i] - c.CamToWorld[i]); d > 1e-6 {
			t.Errorf("cam2world[%d]: %v after round trip, want %v", i, got.CamToWorld[i], c.CamToWorld[i])
		}
	}
}

func TestFromLabelRejects(t *testing.T) {
	good := At(0, 0).Label()
	tests := []struct {
		name   string
		mutate func([]float32) []float32
		want   string
	}{
		{"short", func(l []float32) []float32 { return l[:24] }, "24 values, want 25"},
		{"nan", func(l []float32) []float32 { l[5] = float32(math.NaN()); return l }, "cam2world[5]"},
		{"inf intrinsics", func(l []float32) []float32 { l[16] = float32(math.Inf(1)); return l }, "intrinsics[0]"},
		{"not rigid", func(l []float32) []float32 { l[0] *= 2; return l }, "not a rigid transform"},
		{"last row", func(l []float32) []float32 { l[15] = 2; return l }, "last row"},
		{"negative focal", func(l []float32) []float32 { l[16] = -1; return l }, "focal lengths"},
		{"pixel intrinsics", func(l []float32) []float32 { l[16], l[18], l[20], l[21] = 1000, 256, 1000, 256; return l }, "pixel units"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := tt.mutate(append([]float32(nil), good...))
			_, err := FromLabel(l)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("FromLabel: error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestLookAtGeometry(t *testing.T) {
	rig := FFHQ()
	for _, p := range []Pose{{0, 0}, {0.4, 0}, {-0.5, 0.2}, {1.4, 0.15}, {0.35, -0.2}} {
		c := rig.At(p.Yaw, p.Pitch)
		o := c.Position()
		if r := math.Sqrt(o[0]*o[0] + o[1]*o[1] + o[2]*o[2]); math.Abs(r-rig.Radius) > 1e-12 {
			t.Errorf("%v: camera at distance %v from the origin, want %v", p, r, rig.Radius)
		}
		// The optical axis passes through the pivot: it projects to the image centre.
		x, y, z := c.Project(rig.Pivot, 512, 512)
		if math.Abs(x-256) > 1e-9 || math.Abs(y-256) > 1e-9 || z <= 0 {
			t.Errorf("%v: pivot projects to (%v, %v, z=%v), want the image centre in front", p, x, y, z)
		}
		yaw, pitch := c.YawPitch()
		if math.Abs(yaw-p.Yaw) > 1e-9 || math.Abs(pitch-p.Pitch) > 1e-9 {
			t.Errorf("YawPitch() = (%v, %v), want (%v, %v)", yaw, pitch, p.Yaw, p.Pitch)
		}
	}
	// Frontal camera: on +z, image up is world +y (row 0 looks up), image right is world -x... as in EG3D,
	// where the subject's right cheek (world -x) appears on the image's left.
	c := At(0, 0)
	if o := c.Position(); o[2] < 2.6 {
		t.Errorf("frontal camera at %v, want on the +z axis", o)
	}
	top := c.PixelDirection(0.5, 0)
	if top[1] <= 0 {
		t.Errorf("ray through the top row points %v, want upwards (+y)", top)
	}
	left := c.PixelDirection(0, 0.5)
	if left[0] >= 0 {
		t.Errorf("ray through the left column points %v, want towards -x", left)
	}
	// Positive yaw puts the camera on the +x side.
	if o := At(0.5, 0).Position(); o[0] <= 0 {
		t.Errorf("yaw +0.5 camera at %v, want x > 0", o)
	}
	// Positive pitch puts the camera below the head.
	if o := At(0, 0.3).Position(); o[1] >= 0 {
		t.Errorf("pitch +0.3 camera at %v, want y < 0", o)
	}
}

func TestProjectInvertsPointAtDepth(t *testing.T) {
	c := At(-0.3, 0.1)
	for _, uv := range [][2]float64{{0.5, 0.5}, {0.1, 0.9}, {0.73, 0.2}} {
		p := c.PointAtDepth(uv[0], uv[1], 2.6)
		x, y, _ := c.Project(p, 1, 1)
		if math.Abs(x-uv[0]) > 1e-12 || math.Abs(y-uv[1]) > 1e-12 {
			t.Errorf("Project(PointAtDepth(%v)) = (%v, %v)", uv, x, y)
		}
		o := c.Position()
		if d := math.Sqrt(sq(p[0]-o[0]) + sq(p[1]-o[1]) + sq(p[2]-o[2])); math.Abs(d-2.6) > 1e-12 {
			t.Errorf("point at depth 2.6 lies %v from the camera", d)
		}
	}
}

func TestRaysMatchPixelDirection(t *testing.T) {
	c := At(0.2, 0.1)
	const res = 8
	orig, dirs := c.Rays(res)
	if len(orig) != 3*res*res || len(dirs) != 3*res*res {
		t.Fatalf("Rays(%d): %d origins, %d directions, want %d each", res, len(orig), len(dirs), 3*res*res)
	}
	row, col := 2, 5
	d := c.PixelDirection((float64(col)+0.5)/res, (float64(row)+0.5)/res)
	m := 3 * (row*res + col)
	for k := 0; k < 3; k++ {
		if math.Abs(float64(dirs[m+k])-d[k]) > 1e-7 {
			t.Errorf("ray (%d,%d)[%d] = %v, want %v", row, col, k, dirs[m+k], d[k])
		}
	}
}

func TestTrajectories(t *testing.T) {
	o := Orbit()
	if len(o) != 30 {
		t.Fatalf("Orbit has %d poses, want 30", len(o))
	}
	// EG3D's horizontal angle 3.14/2 lies 0.000796 rad short of pi/2.
	if math.Abs(o[0].Yaw+0.000796) > 1e-6 || math.Abs(o[0].Pitch-(0.2-0.000796)) > 1e-6 {
		t.Errorf("orbit starts at %v, want yaw 3.14/2-pi/2, pitch 3.14/2-pi/2-0.05+0.25", o[0])
	}
	h, v := math.Pi/2+o[15].Yaw, math.Pi/2+o[15].Pitch
	if math.Abs(h-(1.57+0.35*math.Sin(3.14))) > 1e-12 || math.Abs(v-(1.57-0.05+0.25*math.Cos(3.14))) > 1e-12 {
		t.Errorf("orbit pose 15 at horizontal %v vertical %v", h, v)
	}
	e := Ellipse(4, 0.35, 0.25, -0.05)
	if math.Abs(e[1].Yaw-0.35) > 1e-12 || math.Abs(e[2].Pitch-(-0.3)) > 1e-12 {
		t.Errorf("Ellipse(4) = %v", e)
	}
	g := Grid(3, 2, 0.4, 0.2)
	want := []Pose{{-0.4, -0.2}, {0, -0.2}, {0.4, -0.2}, {-0.4, 0.2}, {0, 0.2}, {0.4, 0.2}}
	for i := range want {
		if math.Abs(g[i].Yaw-want[i].Yaw) > 1e-12 || math.Abs(g[i].Pitch-want[i].Pitch) > 1e-12 {
			t.Errorf("Grid[%d] = %v, want %v", i, g[i], want[i])
		}
	}
	if e := Evaluation(); len(e) != 5 || e[0] != (Pose{}) {
		t.Errorf("Evaluation() = %v, want canonical first and 5 views", e)
	}
}

func TestDatasetRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dataset.json")
	items := []Labelled{{"img00000000.png", At(0, 0)}, {"img00000001.png", At(0.4, -0.1)}}
	if err := WriteDataset(path, items); err != nil {
		t.Fatal(err)
	}
	got, err := ReadDataset(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].File != "img00000001.png" {
		t.Fatalf("ReadDataset = %+v", got)
	}
	if d := math.Abs(got[1].Camera.CamToWorld[3] - items[1].Camera.CamToWorld[3]); d > 1e-6 {
		t.Errorf("camera x position off by %v after round trip", d)
	}
}

func TestParseDatasetErrors(t *testing.T) {
	tests := []struct{ name, json, want string }{
		{"not json", `{labels`, "want {\"labels\""},
		{"no labels", `{"other": 1}`, "no \"labels\""},
		{"short label", `{"labels": [["a.png", [1, 2, 3]]]}`, "3 values, want 25"},
		{"bad file", `{"labels": [[7, []]]}`, "labels[0][0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseDataset([]byte(tt.json), "d.json")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func sq(x float64) float64 { return x * x }
