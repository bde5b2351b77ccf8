package facescore

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/faces"
	"github.com/pmvi/pmvi/pkg/heads"
)

func TestCameraError(t *testing.T) {
	deg := math.Pi / 180
	for _, tt := range []struct {
		name                string
		est, target         camera.Camera
		yaw, pitch, atLeast float64
	}{
		{"same", camera.At(0.2, -0.1), camera.At(0.2, -0.1), 0, 0, 0},
		{"yaw", camera.At(10*deg, 0), camera.At(-5*deg, 0), 15, 0, 12},
		{"pitch", camera.At(0, 8*deg), camera.At(0, 2*deg), 0, 6, 3},
		{"both", camera.At(20*deg, -10*deg), camera.At(-20*deg, 10*deg), 40, 20, 30},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := CameraError(tt.est, tt.target)
			if math.Abs(e.Yaw-tt.yaw) > 1e-6 || math.Abs(e.Pitch-tt.pitch) > 1e-6 {
				t.Errorf("CameraError = %+v, want yaw %v pitch %v", e, tt.yaw, tt.pitch)
			}
			// The cameras look at the pivot (0, 0, 0.2), not the orbit's centre, and EG3D's pitch is not a polar
			// angle, so the viewing directions turn by roughly, not exactly, the yaw and pitch offsets.
			if e.Angle < tt.atLeast || e.Angle > 1.2*(tt.yaw+tt.pitch)+1e-6 {
				t.Errorf("Angle = %v, want in [%v, %v]", e.Angle, tt.atLeast, 1.2*(tt.yaw+tt.pitch))
			}
			if r := CameraError(tt.target, tt.est); math.Abs(r.Angle-e.Angle) > 1e-9 {
				t.Errorf("Angle is not symmetric: %v and %v", e.Angle, r.Angle)
			}
		})
	}
	if m := MeanPoseError([]PoseError{{1, 2, 3}, {3, 4, 5}}); m != (PoseError{2, 3, 4}) {
		t.Errorf("MeanPoseError = %+v, want {2 3 4}", m)
	}
}

// TestPoseOnHeads renders pkg/heads identities at random FFHQ-like cameras and measures the camera estimated
// back from the images. PMVI_POSE_HEADS sets how many (the report's numbers use 50; the default 6 keeps the
// test short).
func TestPoseOnHeads(t *testing.T) {
	p, err := NewPose()
	if errors.Is(err, faces.ErrMissing) {
		t.Skip("face models not fetched (scripts/fetch-face-models.sh)")
	}
	if err != nil {
		t.Fatal(err)
	}
	n := 6
	if s := os.Getenv("PMVI_POSE_HEADS"); s != "" {
		if n, err = strconv.Atoi(s); err != nil {
			t.Fatalf("PMVI_POSE_HEADS=%q: %v", s, err)
		}
	}
	rng := rand.New(rand.NewPCG(11, 2023))
	cams := make([]camera.Camera, n)
	scenes := make([]heads.Scene, n)
	for i := range cams {
		cams[i] = camera.At((rng.Float64()*2-1)*0.6, (rng.Float64()*2-1)*0.25) // yaw ±34°, pitch ±14°
		scenes[i] = heads.NewScene(uint64(1000 + i))
	}
	var errs []PoseError
	var worst PoseError
	missed := 0
	for i := range cams {
		v := heads.Render(scenes[i], cams[i], 256)
		e, err := p.Error(v.RGB, cams[i])
		if err != nil {
			missed++
			t.Logf("head %d: %v", i, err)
			continue
		}
		errs = append(errs, e)
		if e.Angle > 10 {
			y, p := cams[i].YawPitch()
			t.Logf("head %d at yaw %.1f° pitch %.1f°: error %+v", i, y*180/math.Pi, p*180/math.Pi, e)
		}
		worst = PoseError{max(worst.Yaw, e.Yaw), max(worst.Pitch, e.Pitch), max(worst.Angle, e.Angle)}
	}
	mean := MeanPoseError(errs)
	t.Logf("%d heads, %d missed: mean error yaw %.2f° pitch %.2f° angle %.2f°; max yaw %.2f° pitch %.2f° angle %.2f°",
		n, missed, mean.Yaw, mean.Pitch, mean.Angle, worst.Yaw, worst.Pitch, worst.Angle)
	if missed > n/10 {
		t.Errorf("%d of %d heads not found, want at most %d", missed, n, n/10)
	}
	if mean.Yaw > 3 || mean.Pitch > 7 {
		t.Errorf("mean error yaw %.2f° pitch %.2f°, want below 3° and 7°", mean.Yaw, mean.Pitch)
	}
}
