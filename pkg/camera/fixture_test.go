package camera

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/pmvi/pmvi/internal/fixture"
	"github.com/pmvi/pmvi/pkg/checkpoint/npy"
)

// The official fixtures' cameras were made with LookAtPoseSampler and FOV_to_intrinsics(18.837) at these
// offsets; their rays with RaySampler at 128x128.
func TestMatchesOfficialCameras(t *testing.T) {
	dir := filepath.Join(fixture.Dir(t), "tiny")
	for _, tt := range []struct {
		name       string
		yaw, pitch float64
	}{{"front", 0.35, -0.20}, {"side", 1.40, 0.15}} {
		t.Run(tt.name, func(t *testing.T) {
			want, _, err := npy.ReadFloat32(filepath.Join(dir, "c_"+tt.name+".npy"))
			if err != nil {
				t.Fatal(err)
			}
			c := At(tt.yaw, tt.pitch)
			assertMaxError(t, "label", c.Label(), want, 1e-6)
			origins, dirs := c.Rays(128)
			for _, r := range []struct {
				name string
				got  []float32
			}{{"ray_origins", origins}, {"ray_directions", dirs}} {
				want, _, err := npy.ReadFloat32(filepath.Join(dir, tt.name+"_"+r.name+".npy"))
				if err != nil {
					t.Fatal(err)
				}
				assertMaxError(t, r.name, r.got, want, 1e-6)
			}
			// The official label parses back into the same camera.
			parsed, err := FromLabel(want)
			if err != nil {
				t.Fatal(err)
			}
			yaw, pitch := parsed.YawPitch()
			if math.Abs(yaw-tt.yaw) > 1e-5 || math.Abs(pitch-tt.pitch) > 1e-5 {
				t.Errorf("YawPitch of the official label = (%v, %v), want (%v, %v)", yaw, pitch, tt.yaw, tt.pitch)
			}
		})
	}
}

func assertMaxError(t *testing.T, name string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	worst := 0.0
	for i := range got {
		worst = math.Max(worst, math.Abs(float64(got[i])-float64(want[i])))
	}
	if worst > tol {
		t.Errorf("%s: max error %.3g, want <= %g", name, worst, tol)
	}
	t.Logf("%s: max error %.3g", name, worst)
}
