package faces

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/pmvi/pmvi/pkg/fimage"
)

func TestPath(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PMVI_CACHE", dir)
	if got := Dir(); got != filepath.Join(dir, "faces") {
		t.Fatalf("Dir() = %q, want %q", got, filepath.Join(dir, "faces"))
	}
	if _, err := Path(FeatureNet); !errors.Is(err, ErrMissing) {
		t.Errorf("Path of a missing model: %v, want ErrMissing", err)
	}
	p := filepath.Join(dir, "faces", FaceFinder)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Path(FaceFinder); !errors.Is(err, ErrMissing) {
		t.Errorf("Path of an empty file: %v, want ErrMissing", err)
	}
	if err := os.WriteFile(p, []byte{1}, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := Path(FaceFinder); err != nil || got != p {
		t.Errorf("Path = %q, %v; want %q", got, err, p)
	}
}

func TestFiveAndBoxes(t *testing.T) {
	var l Landmarks
	for i := range l {
		l[i] = Point{X: float64(i), Y: float64(2 * i)}
	}
	five := l.Five()
	want := [5]Point{{37.5, 75}, {43.5, 87}, {30, 60}, {48, 96}, {54, 108}}
	if five != want {
		t.Errorf("Five() = %v, want %v", five, want)
	}
	if b := l.Bounds(); b != (Box{Min: Point{0, 0}, Max: Point{67, 134}}) {
		t.Errorf("Bounds() = %v", b)
	}
	a := Box{Max: Point{2, 2}}
	for _, tt := range []struct {
		b    Box
		want float64
	}{{a, 1}, {Box{Min: Point{1, 0}, Max: Point{3, 2}}, 1.0 / 3}, {Box{Min: Point{5, 5}, Max: Point{6, 6}}, 0}} {
		if got := a.IoU(tt.b); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("IoU(%v) = %v, want %v", tt.b, got, tt.want)
		}
	}
}

func TestGrayFrom(t *testing.T) {
	m := fimage.New(3, 1, 2)
	// Pixel 0: RGB (255, 0, 0) -> 85; pixel 1: (255, 255, 254) -> 254 (integer mean, as dlib).
	m.Set(0, 0, 0, 1)
	m.Set(1, 0, 0, -1)
	m.Set(2, 0, 0, -1)
	m.Set(0, 0, 1, 1)
	m.Set(1, 0, 1, 1)
	m.Set(2, 0, 1, 254/127.5-1)
	g := GrayFrom(m)
	if g.Pix[0] != 85 || g.Pix[1] != 254 {
		t.Errorf("GrayFrom = %v, want [85 254]", g.Pix)
	}
}
