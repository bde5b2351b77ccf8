package edit

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Nearest averages the scores of the k closest reference latents, worked out by hand on a line.
func TestNearest(t *testing.T) {
	ref := Labelled{Latents: [][]float32{{0, 0}, {1, 0}, {3, 0}, {10, 0}}, Scores: []float64{1, 2, 4, 8}}
	tests := []struct {
		w    []float32
		k    int
		want float64
	}{
		{[]float32{0.9, 0}, 1, 2},
		{[]float32{0.4, 0}, 2, 1.5},     // 0 and 1
		{[]float32{2.5, 0.1}, 2, 3},     // 3 and 1
		{[]float32{9, 0}, 3, 14.0 / 3},  // 10, 3, 1
		{[]float32{-5, 0}, 4, 15.0 / 4}, // all
	}
	for _, tt := range tests {
		score, err := Nearest(ref, tt.k)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := score(tt.w); err != nil || math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("k=%d at %v: %v (%v), want %v", tt.k, tt.w, got, err, tt.want)
		}
	}
	if _, err := Nearest(ref, 5); err == nil {
		t.Errorf("5 neighbours of 4 latents accepted")
	}
	score, _ := Nearest(ref, 1)
	if _, err := score([]float32{1}); err == nil {
		t.Errorf("a latent of the wrong length was scored")
	}
}

// Linear recovers an exactly linear score, and cross-validation tells a scorer that generalizes (linear
// regression of a linear score) from one that cannot (nearest neighbours of pure noise).
func TestLinearAndCrossValidate(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	p := randomPlane(rng, 8, 0.3)
	exact := planeSet(rng, p, 200, 1.5, 0.3, 0)
	score, err := Linear(exact, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if got, _ := score(exact.Latents[i]); math.Abs(got-exact.Scores[i]) > 1e-6 {
			t.Errorf("latent %d: linear score %v, want %v", i, got, exact.Scores[i])
		}
	}
	noisy := planeSet(rng, p, 200, 1.5, 0.3, 0.05)
	linear, err := CrossValidate(noisy, 5, func(l Labelled) (Scorer, error) { return Linear(l, 1e-3) })
	if err != nil {
		t.Fatal(err)
	}
	nearest, err := CrossValidate(noisy, 5, func(l Labelled) (Scorer, error) { return Nearest(l, 5) })
	if err != nil {
		t.Fatal(err)
	}
	noise := planeSet(rng, p, 200, 1.5, 0.3, 0)
	for i := range noise.Scores {
		noise.Scores[i] = rng.Float64()
	}
	chance, err := CrossValidate(noise, 5, func(l Labelled) (Scorer, error) { return Nearest(l, 5) })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("held-out correlation: linear %.3f, 5-NN %.3f, 5-NN on noise %.3f", linear, nearest, chance)
	if linear < 0.95 || nearest < 0.5 || math.Abs(chance) > 0.25 {
		t.Errorf("held-out correlations linear %.3f (want >= 0.95), 5-NN %.3f (>= 0.5), noise %.3f (near 0)", linear, nearest, chance)
	}
}
