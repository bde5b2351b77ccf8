package facescore

import (
	"errors"
	"math"
	"testing"

	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/faces"
	"github.com/pmvi/pmvi/pkg/fimage"
)

func TestCosine(t *testing.T) {
	for _, tt := range []struct {
		a, b []float32
		want float64
	}{
		{[]float32{1, 0}, []float32{2, 0}, 1},
		{[]float32{1, 0}, []float32{0, 3}, 0},
		{[]float32{1, 1}, []float32{-1, -1}, -1},
		{[]float32{3, 4}, []float32{4, 3}, 24.0 / 25},
		{[]float32{0, 0}, []float32{1, 2}, 0},
	} {
		if got := Cosine(tt.a, tt.b); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("Cosine(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// Identity similarity as Table 1 measures it: a photo and its mirror are the same person (a rendered novel
// view of a good inversion should score like this), the two sample photos are different people.
func TestIdentitySimilarity(t *testing.T) {
	m, err := NewIdentity(backend.MustNew())
	if errors.Is(err, faces.ErrMissing) {
		t.Skip("face models not fetched (scripts/fetch-face-models.sh)")
	}
	if err != nil {
		t.Fatal(err)
	}
	read := func(name string) *fimage.Image {
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
	hopper, astro := read(faces.HopperPhoto), read(faces.AstronautPhoto)
	for _, tt := range []struct {
		name   string
		a, b   *fimage.Image
		lo, hi float64
	}{
		{"hopper vs mirror", hopper, hopper.Mirrored(), 0.8, 1},
		{"astronaut vs mirror", astro, astro.Mirrored(), 0.8, 1},
		{"hopper vs half-size hopper", hopper, hopper.Resize(256, 256), 0.8, 1},
		{"hopper vs astronaut", hopper, astro, -1, 0.4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := m.Similarity(tt.a, tt.b)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("identity cosine %.3f", s)
			if s < tt.lo || s > tt.hi {
				t.Errorf("similarity %.3f, want in [%v, %v]", s, tt.lo, tt.hi)
			}
		})
	}
	if _, err := m.Embed(fimage.New(3, 128, 128)); err == nil {
		t.Error("Embed of a blank image: no error, want one")
	}
}
