package edit

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// plane is a known separating hyperplane in d dimensions: unit normal n, offset b.
type plane struct {
	n []float64
	b float64
}

func randomPlane(rng *rand.Rand, d int, b float64) plane {
	n := make([]float64, d)
	for j := range n {
		n[j] = rng.NormFloat64()
	}
	s := math.Sqrt(dot(n, n))
	for j := range n {
		n[j] /= s
	}
	return plane{n, b}
}

// samples draws m points x ~ N(shift, I) labelled by the side of p they fall on; points closer to the
// plane than margin are redrawn, and a fraction flip of the labels is inverted (label noise).
func (p plane) samples(rng *rand.Rand, m int, shift, margin, flip float64) ([][]float32, []bool) {
	var xs [][]float32
	var ys []bool
	for len(xs) < m {
		x := make([]float32, len(p.n))
		s := p.b
		for j := range x {
			x[j] = float32(shift + rng.NormFloat64())
			s += p.n[j] * float64(x[j])
		}
		if math.Abs(s) < margin {
			continue
		}
		xs = append(xs, x)
		ys = append(ys, (s > 0) != (rng.Float64() < flip))
	}
	return xs, ys
}

func cosine(a []float64, b []float64) float64 {
	return dot(a, b) / math.Sqrt(dot(a, a)*dot(b, b))
}

// The SVM recovers a known separating plane (direction and offset) and classifies held-out points of it, on
// separable data with a margin and with 5% of the labels flipped; its solution is optimal: the duality gap
// between the primal objective and the dual one of its multipliers vanishes.
func TestSVMRecoversKnownPlane(t *testing.T) {
	tests := []struct {
		name           string
		d              int
		shift, margin  float64
		flip           float64
		minCos, minAcc float64
	}{
		{"separable, centred", 16, 0, 0.3, 0, 0.995, 0.995},
		{"separable, offset data", 64, 1.5, 0.3, 0, 0.98, 0.98},
		{"5% label noise", 16, 0, 0, 0.05, 0.98, 0.93},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(i), 1))
			p := randomPlane(rng, tt.d, 0.4)
			x, y := p.samples(rng, 2000, tt.shift, tt.margin, tt.flip)
			xt, yt := p.samples(rng, 2000, tt.shift, tt.margin, 0)
			s := SVM{C: 1, Tol: 1e-6, MaxSweeps: 1e6}
			h, alpha, err := s.train(x, y)
			if err != nil {
				t.Fatal(err)
			}
			cos := cosine(h.Normal, p.n)
			offset := h.Bias / math.Sqrt(dot(h.Normal, h.Normal))
			acc := h.Accuracy(xt, yt)
			gap, primal := dualityGap(x, y, h, alpha, s.C)
			t.Logf("cos(normal, true) = %.5f, offset %.3f (true %.3f), held-out accuracy %.4f, duality gap %.2g of %.4g",
				cos, offset, p.b, acc, gap, primal)
			if cos < tt.minCos {
				t.Errorf("cos(normal, true normal) = %.4f, want >= %v", cos, tt.minCos)
			}
			if math.Abs(offset-p.b) > 0.1 {
				t.Errorf("offset %.3f, true %.3f", offset, p.b)
			}
			if acc < tt.minAcc {
				t.Errorf("held-out accuracy %.4f, want >= %v", acc, tt.minAcc)
			}
			if gap < -1e-9*primal || gap > 1e-5*primal {
				t.Errorf("duality gap %.3g of primal objective %.4g: not optimal", gap, primal)
			}
		})
	}
}

// dualityGap returns P(w) - D(alpha) and P(w) for the SVM's problem on the centred, bias-augmented samples:
// P(w) = ½|w|² + C Σ max(0, 1 - y_i w·z_i), D(α) = Σ α_i - ½|Σ α_i y_i z_i|², recomputed from scratch.
func dualityGap(x [][]float32, y []bool, h Hyperplane, alpha []float64, c float64) (gap, primal float64) {
	d := len(x[0])
	mean := make([]float64, d)
	for _, xi := range x {
		for j, v := range xi {
			mean[j] += float64(v) / float64(len(x))
		}
	}
	w := append(append([]float64(nil), h.Normal...), h.Bias+dot(h.Normal, mean))
	primal = dot(w, w) / 2
	v := make([]float64, d+1)
	sumAlpha := 0.0
	for i, xi := range x {
		sign := -1.0
		if y[i] {
			sign = 1
		}
		primal += c * math.Max(0, 1-sign*h.Decision(xi))
		for j, xv := range xi {
			v[j] += alpha[i] * sign * (float64(xv) - mean[j])
		}
		v[d] += alpha[i] * sign
		sumAlpha += alpha[i]
	}
	return primal - (sumAlpha - dot(v, v)/2), primal
}

func TestSVMRejectsBadInput(t *testing.T) {
	x := [][]float32{{0, 1}, {1, 0}, {1, 1}}
	tests := []struct {
		name string
		svm  SVM
		x    [][]float32
		y    []bool
		want error
	}{
		{"one class", SVM{}, x, []bool{true, true, true}, ErrOneClass},
		{"labels mismatch", SVM{}, x, []bool{true}, nil},
		{"ragged", SVM{}, [][]float32{{0, 1}, {1}}, []bool{true, false}, nil},
		{"negative C", SVM{C: -1}, x, []bool{true, false, true}, nil},
		{"not finite", SVM{}, [][]float32{{0, float32(math.Inf(1))}, {1, 0}}, []bool{true, false}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.svm.Train(tt.x, tt.y)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("got error %v, want one (%v)", err, tt.want)
			}
		})
	}
}
