package edit

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// svm.go: a linear support vector machine, trained by dual coordinate descent (Hsieh et al., "A Dual
// Coordinate Descent Method for Large-scale Linear SVM", ICML 2008; LIBLINEAR's solver for the L1-loss SVM).

// SVM configures the training of a linear SVM: minimize ½|w|² + C·Σ max(0, 1 - y_i (w·x_i + b)). The bias is
// learnt as the weight of a constant feature after the samples are centred on their mean, so it is
// regularized only by how far the separating plane sits from the data's centre (small for balanced classes).
type SVM struct {
	// C weighs the hinge losses against the margin; the zero value means 1 (scikit-learn's SVC default, which
	// InterFaceGAN uses).
	C float64
	// Tol stops the descent when the largest violation of the optimality conditions (the spread of the
	// projected gradient over one sweep) falls below it. Zero means 1e-3.
	Tol float64
	// MaxSweeps bounds the passes over the samples; most are cheap, as the samples that settled at a bound
	// are set aside. Zero means 10000.
	MaxSweeps int
	// Seed orders the samples in each sweep (random order converges faster than a fixed one).
	Seed uint64
}

// Hyperplane is a linear classifier: a sample x is positive when Normal·x + Bias > 0.
type Hyperplane struct {
	Normal []float64
	Bias   float64
}

// ErrOneClass is returned when a classifier is asked to separate samples that all carry the same label.
var ErrOneClass = errors.New("edit: all samples have the same label")

// Decision returns Normal·x + Bias: positive on the positive side, and |Normal| times the distance to the
// plane.
func (h Hyperplane) Decision(x []float32) float64 {
	s := h.Bias
	for j, v := range x {
		s += h.Normal[j] * float64(v)
	}
	return s
}

// Accuracy returns the fraction of samples on the side of the plane their label says (y true = positive).
func (h Hyperplane) Accuracy(x [][]float32, y []bool) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	right := 0
	for i, xi := range x {
		if (h.Decision(xi) > 0) == y[i] {
			right++
		}
	}
	return float64(right) / float64(len(x))
}

// Train fits a linear SVM separating the samples x (rows of one length) labelled y (true = positive).
func (s SVM) Train(x [][]float32, y []bool) (Hyperplane, error) {
	h, _, err := s.train(x, y)
	return h, err
}

// train is Train that also returns the dual variables (one per sample, in [0, C]), for tests of optimality.
func (s SVM) train(x [][]float32, y []bool) (Hyperplane, []float64, error) {
	c, tol, sweeps := s.C, s.Tol, s.MaxSweeps
	if c == 0 {
		c = 1
	}
	if tol == 0 {
		tol = 1e-3
	}
	if sweeps == 0 {
		sweeps = 10000
	}
	if c < 0 || tol < 0 || sweeps < 0 || math.IsNaN(c) || math.IsNaN(tol) {
		return Hyperplane{}, nil, fmt.Errorf("edit: SVM with C=%g, tolerance %g, %d sweeps: want positive values", c, tol, sweeps)
	}
	n := len(x)
	if n == 0 || len(y) != n {
		return Hyperplane{}, nil, fmt.Errorf("edit: SVM on %d samples with %d labels", n, len(y))
	}
	d := len(x[0])
	pos := 0
	for i, xi := range x {
		if len(xi) != d {
			return Hyperplane{}, nil, fmt.Errorf("edit: SVM sample %d has %d values, sample 0 has %d", i, len(xi), d)
		}
		if y[i] {
			pos++
		}
	}
	if pos == 0 || pos == n {
		return Hyperplane{}, nil, ErrOneClass
	}

	// Centred features with a constant last feature carrying the bias: z_i = (x_i - mean, 1).
	mean := make([]float64, d)
	for _, xi := range x {
		for j, v := range xi {
			mean[j] += float64(v) / float64(n)
		}
	}
	z := make([][]float64, n)
	sign := make([]float64, n)
	qii := make([]float64, n)
	for i, xi := range x {
		zi := make([]float64, d+1)
		for j, v := range xi {
			zi[j] = float64(v) - mean[j]
		}
		zi[d] = 1
		z[i] = zi
		sign[i] = -1
		if y[i] {
			sign[i] = 1
		}
		qii[i] = dot(zi, zi)
		if math.IsNaN(qii[i]) || math.IsInf(qii[i], 0) {
			return Hyperplane{}, nil, fmt.Errorf("edit: SVM sample %d is not finite", i)
		}
	}

	// Dual: minimize ½ αᵀQα - Σα over 0 ≤ α ≤ C, Q_ij = y_i y_j z_i·z_j, keeping w = Σ α_i y_i z_i up to date.
	// One coordinate at a time has a closed-form minimizer, clipped to the box.
	alpha := make([]float64, n)
	w := make([]float64, d+1)
	index := make([]int, n)
	for i := range index {
		index[i] = i
	}
	// Shrinking (LIBLINEAR): a coordinate at a bound whose gradient pushes it further out than any violation
	// of the last sweep is set aside; once the rest converge, all return for a final check.
	active := n
	oldHi, oldLo := math.Inf(1), math.Inf(-1)
	rng := rand.New(rand.NewPCG(s.Seed, 0x73766d)) // "svm"
	for sweep := 0; sweep < sweeps; sweep++ {
		rng.Shuffle(active, func(a, b int) { index[a], index[b] = index[b], index[a] })
		hi, lo := math.Inf(-1), math.Inf(1)
		for k := 0; k < active; k++ {
			i := index[k]
			g := sign[i]*dot(w, z[i]) - 1
			// Projected gradient: the part of the gradient the box [0, C] lets the coordinate follow.
			pg := g
			switch {
			case alpha[i] == 0 && g > oldHi, alpha[i] == c && g < oldLo:
				active--
				index[k], index[active] = index[active], index[k]
				k--
				continue
			case alpha[i] == 0:
				pg = math.Min(g, 0)
			case alpha[i] == c:
				pg = math.Max(g, 0)
			}
			hi, lo = math.Max(hi, pg), math.Min(lo, pg)
			if pg == 0 || qii[i] == 0 {
				continue
			}
			old := alpha[i]
			alpha[i] = math.Min(math.Max(old-g/qii[i], 0), c)
			axpy(w, (alpha[i]-old)*sign[i], z[i])
		}
		if hi-lo <= tol {
			if active == n {
				break
			}
			active, oldHi, oldLo = n, math.Inf(1), math.Inf(-1)
			continue
		}
		oldHi, oldLo = hi, lo
		if oldHi <= 0 {
			oldHi = math.Inf(1)
		}
		if oldLo >= 0 {
			oldLo = math.Inf(-1)
		}
	}
	h := Hyperplane{Normal: w[:d:d], Bias: w[d] - dot(w[:d], mean)}
	return h, alpha, nil
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

// axpy sets y += a·x.
func axpy(y []float64, a float64, x []float64) {
	for i, v := range x {
		y[i] += a * v
	}
}
