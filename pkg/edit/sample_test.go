package edit

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
)

func microGenerator(t *testing.T) *eg3d.Generator {
	t.Helper()
	g, err := eg3d.New(eg3d.Micro(), 7)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// The batched mapping gives, row for row, the w that eg3d.Runner.Mapping gives one latent at a time at the
// canonical camera, with and without truncation.
func TestMapperMatchesRunner(t *testing.T) {
	be := backend.MustNew()
	g := microGenerator(t)
	r := eg3d.NewRunner(g, be)
	zdim := g.Config.ZDim
	z := make([]float32, 3*zdim)
	for i := range z {
		z[i] = float32(math.Sin(float64(i)*0.37)) * 1.3
	}
	for _, psi := range []float64{1, 0.7} {
		m, err := newMapper(be, g, psi)
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.mapBatch(z, 3)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			ws, err := r.Mapping(z[i*zdim:(i+1)*zdim], camera.At(0, 0), psi)
			if err != nil {
				t.Fatal(err)
			}
			want := tensors.MustCopyFlatData[float32](ws)
			for j, v := range got[i] {
				if math.Abs(float64(v-want[j])) > 1e-5*(1+math.Abs(float64(want[j]))) {
					t.Fatalf("psi %v, latent %d, value %d: batched %v, runner %v", psi, i, j, v, want[j])
				}
			}
		}
	}
}

// Sample returns the count asked for across partial batches, the same latents for the same seed, and
// different ones for another seed.
func TestSampleIsSeeded(t *testing.T) {
	be := backend.MustNew()
	g := microGenerator(t)
	a, err := Sample(be, g, Sampling{Count: 10, Batch: 4, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Sample(be, g, Sampling{Count: 10, Batch: 4, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Sample(be, g, Sampling{Count: 10, Batch: 4, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 10 || len(a[9]) != g.Config.WDim {
		t.Fatalf("%d latents of %d values, want 10 of %d", len(a), len(a[0]), g.Config.WDim)
	}
	same, differ := true, false
	for i := range a {
		for j := range a[i] {
			same = same && a[i][j] == b[i][j]
			differ = differ || a[i][j] != c[i][j]
		}
	}
	if !same || !differ {
		t.Errorf("same seed gives the same latents: %v; another seed different ones: %v", same, differ)
	}
	if a[0][0] == a[5][0] && a[0][1] == a[5][1] {
		t.Errorf("latents of two batches coincide")
	}
	if _, err := Sample(be, g, Sampling{}); err == nil {
		t.Errorf("sampling 0 latents accepted")
	}
}
