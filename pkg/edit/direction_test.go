package edit

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// planeSet returns m latents w ~ N(anchor, spread²I) of d dims (the shape of the tiny model's latents)
// scored by a known plane p plus Gaussian noise, as a classifier's confidence would be.
func planeSet(rng *rand.Rand, p plane, m int, anchor, spread, noise float64) Labelled {
	set := Labelled{Attribute: "known"}
	for range m {
		w := make([]float32, len(p.n))
		for j := range w {
			w[j] = float32(anchor + spread*rng.NormFloat64())
		}
		set.Latents = append(set.Latents, w)
		set.Scores = append(set.Scores, p.b+dot(p.n, toFloat64(w))+noise*rng.NormFloat64())
	}
	return set
}

// Find, with the paper's protocol, recovers the plane that generated the scores, oriented towards higher
// scores, with held-out accuracy, split sizes and spread as the protocol and the data say.
func TestFindRecoversKnownDirection(t *testing.T) {
	tests := []struct {
		name      string
		keep      float64
		wantTrain int
		wantTest  int
	}{
		{"paper: top and bottom 2%", 0.02, 2 * 70, 2 * 30},
		{"count: 300 a class", 300, 2 * 210, 2 * 90},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(i), 2))
			p := randomPlane(rng, 32, -1)
			set := planeSet(rng, p, 5000, 1.5, 0.3, 0.05)
			o := PaperOptions()
			o.Keep = tt.keep
			d, err := Find(set, o)
			if err != nil {
				t.Fatal(err)
			}
			cos := cosine(toFloat64(d.Normal), p.n)
			t.Logf("cos(direction, true) = %.4f, train/test accuracy %.3f/%.3f on %d/%d, sigma %.3f",
				cos, d.TrainAccuracy, d.TestAccuracy, d.Train, d.Test, d.Sigma)
			if cos < 0.95 {
				t.Errorf("cos(direction, true normal) = %.4f, want >= 0.95 (and positive: towards higher scores)", cos)
			}
			if d.TestAccuracy < 0.97 {
				t.Errorf("held-out accuracy %.3f, want >= 0.97", d.TestAccuracy)
			}
			if d.Train != tt.wantTrain || d.Test != tt.wantTest {
				t.Errorf("split %d/%d, want %d/%d", d.Train, d.Test, tt.wantTrain, tt.wantTest)
			}
			// Isotropic latents of spread 0.3 project on any unit vector with standard deviation 0.3.
			if math.Abs(d.Sigma-0.3) > 0.02 {
				t.Errorf("sigma %.3f, want 0.3", d.Sigma)
			}
			if d.Attribute != "known" {
				t.Errorf("attribute %q, want the set's", d.Attribute)
			}
			if n := math.Sqrt(dot(toFloat64(d.Normal), toFloat64(d.Normal))); math.Abs(n-1) > 1e-5 {
				t.Errorf("|normal| = %v, want 1", n)
			}
		})
	}
}

func TestFindRejectsBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	good := planeSet(rng, randomPlane(rng, 4, 0), 100, 0, 1, 0)
	flat := planeSet(rng, randomPlane(rng, 4, 0), 100, 0, 1, 0)
	for i := range flat.Scores {
		flat.Scores[i] = 0.5
	}
	nan := planeSet(rng, randomPlane(rng, 4, 0), 100, 0, 1, 0)
	nan.Scores[7] = math.NaN()
	ragged := planeSet(rng, randomPlane(rng, 4, 0), 100, 0, 1, 0)
	ragged.Latents[3] = ragged.Latents[3][:2]
	tests := []struct {
		name string
		set  Labelled
		o    Options
		want string
	}{
		{"too few kept", good, Options{Keep: 0.01, TrainFraction: 0.7}, "at least 2"},
		{"no split", good, Options{Keep: 0.2}, "train fraction"},
		{"one score", flat, PaperOptions(), "same label"},
		{"nan score", nan, PaperOptions(), "score 7"},
		{"ragged", ragged, PaperOptions(), "latent 3"},
		{"scores missing", Labelled{Latents: good.Latents, Scores: good.Scores[:5]}, PaperOptions(), "5 scores"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Find(tt.set, tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
	if _, err := Find(flat, Options{Keep: 10, TrainFraction: 0.7}); !errors.Is(err, ErrOneClass) {
		t.Errorf("tied scores: got %v, want ErrOneClass", err)
	}
}

// A binary attribute with fewer positives than Keep asks for gives classes of the positives and as many
// negatives, not classes polluted with tied scores.
func TestFindBinaryAttribute(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	p := randomPlane(rng, 8, -1.2) // about 12% of N(0, I) lies on the positive side
	set := planeSet(rng, p, 1000, 0, 1, 0)
	positives := 0
	for i, s := range set.Scores {
		set.Scores[i] = 0
		if s > 0 {
			set.Scores[i] = 1
			positives++
		}
	}
	d, err := Find(set, Options{Keep: 0.25, TrainFraction: 0.7})
	if err != nil {
		t.Fatal(err)
	}
	train := int(0.7 * float64(positives))
	t.Logf("%d positives: split %d/%d, held-out accuracy %.3f, cos %.3f", positives, d.Train, d.Test, d.TestAccuracy, cosine(toFloat64(d.Normal), p.n))
	if d.Train != 2*train || d.Test != 2*(positives-train) {
		t.Errorf("split %d/%d, want %d/%d: all %d positives and as many negatives", d.Train, d.Test, 2*train, 2*(positives-train), positives)
	}
	if d.TestAccuracy < 0.9 {
		t.Errorf("held-out accuracy %.3f, want >= 0.9", d.TestAccuracy)
	}
}

// Conditioning removes the components along the conditions and keeps a unit vector; it refuses a primary
// direction inside their span.
func TestCondition(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	vec := func() []float32 {
		v := make([]float32, 8)
		for j := range v {
			v[j] = float32(rng.NormFloat64())
		}
		return v
	}
	a, b, c := vec(), vec(), vec()
	got, err := Condition(a, b, c)
	if err != nil {
		t.Fatal(err)
	}
	for k, cond := range [][]float32{b, c} {
		if d := project(got, cond); math.Abs(d) > 1e-5 {
			t.Errorf("conditioned direction · condition %d = %v, want 0", k, d)
		}
	}
	if n := math.Sqrt(project(got, got)); math.Abs(n-1) > 1e-5 {
		t.Errorf("|conditioned| = %v, want 1", n)
	}
	// The part of a orthogonal to b and c is what is left: a·got = |a - proj(a)| > 0.
	if project(a, got) <= 0 {
		t.Errorf("conditioned direction points away from the primary")
	}
	inSpan := make([]float32, 8)
	for j := range inSpan {
		inSpan[j] = 2*b[j] - c[j]
	}
	if _, err := Condition(inSpan, b, c); err == nil {
		t.Errorf("a primary direction in the span of the conditions was accepted")
	}
	if _, err := Condition(a, b[:3]); err == nil {
		t.Errorf("a condition of the wrong length was accepted")
	}
}
