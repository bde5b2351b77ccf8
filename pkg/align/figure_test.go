package align

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/pmvi/pmvi/pkg/faces"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// TestFigure builds figures/align.png (both sample photos: overlay with landmarks, crop square and head
// axes, then the aligned result). It writes into the repository only with PMVI_WRITE_FIGURES=1.
func TestFigure(t *testing.T) {
	a := models(t)
	var results []*Result
	for _, name := range []string{faces.AstronautPhoto, faces.HopperPhoto} {
		r, err := a.Image(photo(t, name), DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, r)
	}
	fig := Figure(results...)
	if fig.H != 2*OutputSize+8 {
		t.Errorf("figure is %d rows, want %d", fig.H, 2*OutputSize+8)
	}
	out := filepath.Join(t.TempDir(), "align.png")
	if os.Getenv("PMVI_WRITE_FIGURES") == "1" {
		_, file, _, _ := runtime.Caller(0)
		out = filepath.Join(filepath.Dir(file), "..", "..", "figures", "align.png")
	}
	if err := fimage.WritePNG(out, fig); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", out)
}
