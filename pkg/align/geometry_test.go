package align

import (
	"math"
	"testing"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/faces"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// A face whose five landmarks are the template seen by a weak-perspective camera with scale s (pixels per
// template unit) and the template origin at pixel (ox, oy) must be cropped around that origin with
// 700*s/300 photo pixels becoming 512.
func TestCropTransformInvertsWeakPerspective(t *testing.T) {
	for _, tt := range []struct {
		name          string
		s, ox, oy     float64
		height, yawed int
	}{
		{"frontal", 120, 300, 200, 480, 0},
		{"small", 30, 50.5, 70.25, 100, 0},
		{"turned", 200, 600, 400, 900, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var five [5]faces.Point
			c, sn := 1.0, 0.0
			if tt.yawed != 0 {
				c, sn = math.Cos(0.3), math.Sin(0.3)
			}
			for i, p := range Template5() {
				x := c*p[0] + sn*p[2] // rotate about y, then drop z
				five[i] = faces.Point{X: tt.ox + tt.s*x, Y: tt.oy - tt.s*p[1]}
			}
			tr, err := CropTransform(five, tt.height)
			if err != nil {
				t.Fatal(err)
			}
			// POS's scale is the mean norm of the two rows of the affine map: exact without rotation, and for a
			// yaw rotation the x row still has norm s.
			wantScale := OutputSize * rescaleFactor / (centreCrop * tt.s)
			if math.Abs(tr.Scale/wantScale-1) > 1e-9 {
				t.Errorf("Scale = %v, want %v", tr.Scale, wantScale)
			}
			// The official code's y flip puts the centre one pixel below the origin.
			if math.Abs(tr.Centre.X-tt.ox) > 1e-6 || math.Abs(tr.Centre.Y-(tt.oy+1)) > 1e-6 {
				t.Errorf("Centre = %v, want (%v, %v)", tr.Centre, tt.ox, tt.oy+1)
			}
		})
	}
	if _, err := CropTransform([5]faces.Point{}, 100); err == nil {
		t.Error("CropTransform of five identical points: no error, want one")
	}
}

func TestTransformRoundTrip(t *testing.T) {
	tr := Transform{Centre: faces.Point{X: 123.4, Y: 56.7}, Scale: 2.5, Size: OutputSize}
	p := faces.Point{X: 100, Y: 80}
	if q := tr.Invert(tr.Apply(p)); q.Dist(p) > 1e-9 {
		t.Errorf("Invert(Apply(%v)) = %v", p, q)
	}
	if c := tr.Apply(tr.Centre); c.Dist(faces.Point{X: 256, Y: 256}) > 1e-9 {
		t.Errorf("Apply(Centre) = %v, want the middle of the aligned image", c)
	}
	r := tr.Region()
	if math.Abs(r.Width()-OutputSize/2.5) > 1e-9 || r.Centre().Dist(tr.Centre) > 1e-9 {
		t.Errorf("Region = %v, want a %v-pixel square around the centre", r, OutputSize/2.5)
	}
}

func TestWarp(t *testing.T) {
	img := fimage.New(3, 40, 60)
	for y := 0; y < img.H; y++ {
		for x := 0; x < img.W; x++ {
			for c := 0; c < 3; c++ {
				img.Set(c, y, x, float32(x+2*y+5*c)/200-0.5) // a smooth ramp: bilinear is exact on it
			}
		}
	}
	// Scale 1 centred on the photo centre: a 32x32 window of the photo, pixel for pixel.
	tr := Transform{Centre: faces.Point{X: 30, Y: 20}, Scale: 1, Size: 32}
	out := Warp(img, tr, PadBlack)
	for y := 0; y < 32; y++ {
		for x := 0; x < 32; x++ {
			if got, want := out.At(1, y, x), img.At(1, y+4, x+14); math.Abs(float64(got-want)) > 1e-5 {
				t.Fatalf("pixel (%d, %d) = %v, want %v", x, y, got, want)
			}
		}
	}
	// Shrinking by 4 averages 4x4 subsamples: on a ramp the average is the value at the footprint's centre.
	tr = Transform{Centre: faces.Point{X: 30, Y: 20}, Scale: 0.25, Size: 8}
	out = Warp(img, tr, PadEdge)
	src := tr.Invert(faces.Point{X: 4.5, Y: 4.5})
	if got, want := out.At(0, 4, 4), img.Bilinear(0, src.X, src.Y); math.Abs(float64(got-want)) > 1e-4 {
		t.Errorf("shrunk pixel = %v, want %v", got, want)
	}
	// Outside the photo: black with PadBlack, the edge colour with PadEdge.
	tr = Transform{Centre: faces.Point{X: 0, Y: 0}, Scale: 1, Size: 8}
	if v := Warp(img, tr, PadBlack).At(0, 0, 0); v != -1 {
		t.Errorf("PadBlack corner = %v, want -1", v)
	}
	if v := Warp(img, tr, PadEdge).At(0, 0, 0); math.Abs(float64(v-img.At(0, 0, 0))) > 1e-6 {
		t.Errorf("PadEdge corner = %v, want %v", v, img.At(0, 0, 0))
	}
}

// FitCamera must recover the camera that projected the template exactly, over the FFHQ range of poses.
func TestFitCameraRecoversCamera(t *testing.T) {
	deg := math.Pi / 180
	for _, tt := range []struct{ yaw, pitch float64 }{
		{0, 0}, {20, 0}, {-35, 5}, {0, -15}, {45, 12}, {-60, -10},
	} {
		cam := camera.At(tt.yaw*deg, tt.pitch*deg)
		var l faces.Landmarks
		for i, p := range Template68() {
			x, y, _ := cam.Project(TemplateWorld(p), OutputSize, OutputSize)
			l[i] = faces.Point{X: x, Y: y}
		}
		got, res, err := FitCamera(&l, OutputSize)
		if err != nil {
			t.Fatal(err)
		}
		yaw, pitch := got.YawPitch()
		if math.Abs(yaw/deg-tt.yaw) > 0.01 || math.Abs(pitch/deg-tt.pitch) > 0.01 || res > 1e-3 {
			t.Errorf("At(%v°, %v°): FitCamera gives yaw %.4f° pitch %.4f°, residual %.2g px", tt.yaw, tt.pitch, yaw/deg, pitch/deg, res)
		}
		p, q := got.Position(), cam.Position()
		if d := math.Hypot(math.Hypot(p[0]-q[0], p[1]-q[1]), p[2]-q[2]); d > 1e-3 {
			t.Errorf("At(%v°, %v°): camera position off by %.2g world units", tt.yaw, tt.pitch, d)
		}
	}
}

// The template's world placement makes EG3D's crop of a frontal face and the frontal FFHQ camera agree:
// the template seen by camera.At(0, 0) in a 512 image is cropped (nearly) to itself.
func TestTemplateWorldMatchesCrop(t *testing.T) {
	cam := camera.At(0, 0)
	var five [5]faces.Point
	for i, p := range Template5() {
		x, y, _ := cam.Project(TemplateWorld(p), OutputSize, OutputSize)
		five[i] = faces.Point{X: x, Y: y}
	}
	tr, err := CropTransform(five, OutputSize)
	if err != nil {
		t.Fatal(err)
	}
	// Perspective makes the nose (nearer) look larger than the weak-perspective fit assumes: a few percent.
	if math.Abs(tr.Scale-1) > 0.05 || tr.Centre.Dist(faces.Point{X: 256, Y: 257}) > 6 {
		t.Errorf("crop of the frontal template = %+v, want scale 1 around (256, 257)", tr)
	}
}
