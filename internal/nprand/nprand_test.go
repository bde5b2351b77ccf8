package nprand

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/pmvi/pmvi/internal/fixture"
	"github.com/pmvi/pmvi/pkg/checkpoint/npy"
)

// numpy.random.RandomState(0): the first outputs of random_sample and randn, as printed by numpy.
func TestKnownValues(t *testing.T) {
	s := New(0)
	if got, want := s.Float64(), 0.5488135039273248; got != want {
		t.Errorf("RandomState(0).random_sample() = %v, want %v", got, want)
	}
	r := New(0)
	want := []float64{1.764052345967664, 0.4001572083672233, 0.9787379841057392}
	for i, w := range want {
		if got := r.Normal(); math.Abs(got-w) > 1e-15 {
			t.Errorf("RandomState(0).randn()[%d] = %v, want %v", i, got, w)
		}
	}
}

// The fixtures' z is np.random.RandomState(42).randn(1, 512).astype(float32).
func TestMatchesFixtureLatent(t *testing.T) {
	want, _, err := npy.ReadFloat32(filepath.Join(fixture.Dir(t), "tiny", "z.npy"))
	if err != nil {
		t.Fatal(err)
	}
	got := Randn(42, 512)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("z[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}
