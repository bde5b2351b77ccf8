package align

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/faces"
	"github.com/pmvi/pmvi/pkg/fimage"
)

var (
	alignerOnce sync.Once
	aligner     *Aligner
	alignerErr  error
)

// models returns the shared Aligner, or skips the test when scripts/fetch-face-models.sh has not run.
func models(t *testing.T) *Aligner {
	t.Helper()
	alignerOnce.Do(func() { aligner, alignerErr = New() })
	if errors.Is(alignerErr, faces.ErrMissing) {
		t.Skip("face models not fetched (scripts/fetch-face-models.sh)")
	}
	if alignerErr != nil {
		t.Fatal(alignerErr)
	}
	return aligner
}

func photo(t *testing.T, name string) *fimage.Image {
	t.Helper()
	p, err := faces.Path(name)
	if err != nil {
		t.Skip("sample photos not fetched (scripts/fetch-face-models.sh)")
	}
	img, err := fimage.ReadImage(p)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// Both sample photos align like EG3D's crop: the eyes land where the template's eyes land (the crop is fitted
// to them), the face is nearly frontal, the template fits the landmarks to a few pixels, and the mirrored
// photo gives the mirrored yaw.
func TestPhotos(t *testing.T) {
	a := models(t)
	deg := 180 / math.Pi
	// Where the crop puts the template's eye centres: 300/700 of the output per template unit.
	k := OutputSize * rescaleFactor / centreCrop
	wantEyeY := 256 + 1 - k*(template5[0][1]+template5[1][1])/2
	for _, name := range []string{faces.AstronautPhoto, faces.HopperPhoto} {
		t.Run(filepath.Base(name), func(t *testing.T) {
			img := photo(t, name)
			r, err := a.Image(img, DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			if r.Aligned.W != OutputSize || r.Aligned.H != OutputSize || r.Aligned.C != 3 {
				t.Fatalf("aligned image is %dx%dx%d, want 3x512x512", r.Aligned.C, r.Aligned.H, r.Aligned.W)
			}
			five := r.AlignedLandmarks.Five()
			eyes := faces.Mid(five[0], five[1])
			// The crop is a least-squares fit over five points (a smile moves the mouth corners), so the eyes
			// land within a few percent of the template's place.
			if math.Abs(eyes.X-256) > 10 || math.Abs(eyes.Y-wantEyeY) > 20 {
				t.Errorf("eye midpoint at %v in the aligned image, want near (256, %.0f)", eyes, wantEyeY)
			}
			if d := five[0].Dist(five[1]); math.Abs(d-k*0.62) > 0.1*k*0.62 {
				t.Errorf("eye distance %.1f px, want %.1f ± 10%%", d, k*0.62)
			}
			yaw, pitch := r.Camera.YawPitch()
			if math.Abs(yaw*deg) > 8 || math.Abs(pitch*deg) > 20 || r.Residual > 12 {
				t.Errorf("camera yaw %.1f° pitch %.1f° residual %.1f px, want a near-frontal fit", yaw*deg, pitch*deg, r.Residual)
			}
			if err := r.Camera.Validate(); err != nil {
				t.Error(err)
			}
			m, err := a.Image(img.Mirrored(), DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			myaw, mpitch := m.Camera.YawPitch()
			if math.Abs((myaw+yaw)*deg) > 3 || math.Abs((mpitch-pitch)*deg) > 3 {
				t.Errorf("mirrored photo: yaw %.1f° pitch %.1f°, want %.1f° and %.1f° (±3°)", myaw*deg, mpitch*deg, -yaw*deg, pitch*deg)
			}
			t.Logf("yaw %.1f° pitch %.1f° roll %.1f°, residual %.1f px, scale %.2f, warnings %q", yaw*deg, pitch*deg, Roll(r.Camera)*deg, r.Residual, r.Transform.Scale, r.Warnings)
		})
	}
}

func TestBadInputs(t *testing.T) {
	a := models(t)
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.png")
	if err := os.WriteFile(garbage, []byte("not a PNG at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	grey := fimage.New(3, 256, 256)
	noise := fimage.New(3, 200, 300)
	seed := uint32(1)
	for i := range noise.Pix {
		seed = seed*1664525 + 1013904223
		noise.Pix[i] = float32(seed>>8)/float32(1<<24)*2 - 1
	}
	hopper := photo(t, faces.HopperPhoto)
	tiny := hopper.Resize(100, 100)

	for _, tt := range []struct {
		name string
		run  func() error
		want error
		text string
	}{
		{"missing file", func() error { _, err := a.Photo(filepath.Join(dir, "none.jpg"), DefaultOptions()); return err }, ErrUnreadable, "none.jpg"},
		{"not an image", func() error { _, err := a.Photo(garbage, DefaultOptions()); return err }, ErrUnreadable, "garbage.png"},
		{"too small", func() error { _, err := a.Image(fimage.New(3, 8, 8), DefaultOptions()); return err }, ErrUnreadable, "16x16"},
		{"grey", func() error { _, err := a.Image(grey, DefaultOptions()); return err }, ErrNoFace, "256x256"},
		{"noise", func() error { _, err := a.Image(noise, DefaultOptions()); return err }, ErrNoFace, "300x200"},
		{"tiny face", func() error { _, err := a.Image(tiny, DefaultOptions()); return err }, ErrTinyFace, "want at least 64"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q does not mention %q", err, tt.text)
			}
		})
	}

	// Two faces: the largest is aligned, and the result says so.
	astro := photo(t, faces.AstronautPhoto)
	both := fimage.New(3, 512, 768)
	small := hopper.Resize(160, 160)
	for c := 0; c < 3; c++ {
		for y := 0; y < 512; y++ {
			for x := 0; x < 512; x++ {
				both.Set(c, y, x, astro.At(c, y, x))
			}
		}
		for y := 0; y < 160; y++ {
			for x := 0; x < 160; x++ {
				both.Set(c, y+128, x+560, small.At(c, y, x))
			}
		}
	}
	r, err := a.Image(both, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Faces) != 2 || len(r.Warnings) == 0 || !strings.Contains(r.Warnings[0], "2 faces") {
		t.Errorf("two-face image: %d faces, warnings %q; want 2 faces and a warning", len(r.Faces), r.Warnings)
	}
	if r.Box.Centre().X > 512 {
		t.Errorf("chose the face at %v, want the larger one (the astronaut, x < 512)", r.Box.Centre())
	}
}

func TestSave(t *testing.T) {
	a := models(t)
	r, err := a.Image(photo(t, faces.HopperPhoto), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	paths, err := r.Save(dir, "hopper")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 3 {
		t.Fatalf("Save wrote %v, want 3 files", paths)
	}
	items, err := camera.ReadDataset(filepath.Join(dir, "dataset.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].File != "hopper.png" {
		t.Fatalf("dataset.json holds %+v, want one entry for hopper.png", items)
	}
	got, want := items[0].Camera.Label(), r.Camera.Label()
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("dataset.json label[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	img, err := fimage.ReadImage(paths[0])
	if err != nil || img.W != OutputSize {
		t.Fatalf("aligned PNG: %v, %v", img, err)
	}
	if _, err := r.Save(dir, "../escape"); err == nil {
		t.Error("Save with a path as name: no error, want one")
	}
}
