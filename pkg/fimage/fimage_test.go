package fimage

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestBilinearMatchesPixelCentres(t *testing.T) {
	m := New(1, 2, 2)
	copy(m.Pix, []float32{0, 1, 2, 3})
	tests := []struct{ x, y, want float64 }{
		{0.5, 0.5, 0}, {1.5, 0.5, 1}, {0.5, 1.5, 2}, {1.5, 1.5, 3}, // centres
		{1, 1, 1.5},  // the middle averages all four
		{-3, 0.5, 0}, // clamps left
		{1.5, 9, 3},  // clamps bottom
	}
	for _, tt := range tests {
		if got := m.Bilinear(0, tt.x, tt.y); math.Abs(float64(got)-tt.want) > 1e-6 {
			t.Errorf("Bilinear(%v, %v) = %v, want %v", tt.x, tt.y, got, tt.want)
		}
	}
}

func TestResizeKeepsConstantAndRamp(t *testing.T) {
	m := New(1, 4, 4)
	for y := 0; y < 4; y++ {
		for x := 0; x < 4; x++ {
			m.Set(0, y, x, float32(x))
		}
	}
	r := m.Resize(8, 8)
	// Interior samples of a linear ramp stay on the ramp: x' maps to (x'+0.5)/2 - 0.5.
	for x := 1; x < 7; x++ {
		want := (float64(x)+0.5)/2 - 0.5
		if got := r.At(0, 3, x); math.Abs(float64(got)-want) > 1e-6 {
			t.Errorf("resized ramp at %d = %v, want %v", x, got, want)
		}
	}
}

func TestPNGRoundTrip(t *testing.T) {
	m := New(3, 5, 7)
	for i := range m.Pix {
		m.Pix[i] = float32(i%11)/5 - 1
	}
	path := filepath.Join(t.TempDir(), "x.png")
	if err := WritePNG(path, m); err != nil {
		t.Fatal(err)
	}
	back, err := ReadImage(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.Pix {
		if d := math.Abs(float64(back.Pix[i] - m.Pix[i])); d > 1.0/127.5 {
			t.Fatalf("pixel %d: %v after round trip, want %v (8-bit quantization)", i, back.Pix[i], m.Pix[i])
		}
	}
}

func TestReadImageErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.png")
	os.WriteFile(bad, []byte("not an image"), 0o644)
	if _, err := ReadImage(bad); err == nil || !strings.Contains(err.Error(), "bad.png") {
		t.Errorf("ReadImage(corrupt) error %v, want one naming the file", err)
	}
	if _, err := ReadImage(filepath.Join(dir, "missing.png")); err == nil {
		t.Error("ReadImage(missing) succeeded")
	}
}

func TestCheckFiniteNamesPixel(t *testing.T) {
	m := New(2, 3, 4)
	m.Set(1, 2, 3, float32(math.NaN()))
	err := m.CheckFinite("depth")
	if err == nil || !strings.Contains(err.Error(), "channel 1, row 2, column 3") {
		t.Errorf("CheckFinite error %v", err)
	}
}

func TestFromPixChecksLength(t *testing.T) {
	if _, err := FromPix(3, 2, 2, make([]float32, 11)); err == nil {
		t.Error("FromPix accepted 11 values for 3x2x2")
	}
}

func TestDownsampleAveragesBlocks(t *testing.T) {
	m := New(1, 2, 4)
	copy(m.Pix, []float32{1, 3, 5, 7, 1, 3, 9, 11})
	d, err := m.Downsample(2)
	if err != nil {
		t.Fatal(err)
	}
	if d.W != 2 || d.H != 1 || d.Pix[0] != 2 || d.Pix[1] != 8 {
		t.Errorf("Downsample(2) = %v (%dx%d), want [2 8]", d.Pix, d.W, d.H)
	}
	if _, err := m.Downsample(3); err == nil {
		t.Error("Downsample(3) of a 4x2 image accepted")
	}
}

// Quantize8 is exactly a PNG round trip.
func TestQuantize8IsAPNGRoundTrip(t *testing.T) {
	m := New(3, 5, 7)
	for i := range m.Pix {
		m.Pix[i] = float32(i%41)/20 - 1.03 // includes values just outside [-1, 1]
	}
	path := filepath.Join(t.TempDir(), "q.png")
	if err := WritePNG(path, m); err != nil {
		t.Fatal(err)
	}
	back, err := ReadImage(path)
	if err != nil {
		t.Fatal(err)
	}
	q := m.Quantize8()
	for i := range q.Pix {
		if q.Pix[i] != back.Pix[i] {
			t.Fatalf("value %d: Quantize8 %v, PNG round trip %v (from %v)", i, q.Pix[i], back.Pix[i], m.Pix[i])
		}
	}
}

// Mirrored flips every channel left to right, and twice is the identity.
func TestMirrored(t *testing.T) {
	m := New(2, 2, 3)
	copy(m.Pix, []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	got := m.Mirrored()
	want := []float32{3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10}
	for i := range want {
		if got.Pix[i] != want[i] {
			t.Fatalf("Mirrored = %v, want %v", got.Pix, want)
		}
	}
	if back := got.Mirrored(); !slices.Equal(back.Pix, m.Pix) {
		t.Errorf("mirrored twice = %v, want %v", back.Pix, m.Pix)
	}
}
