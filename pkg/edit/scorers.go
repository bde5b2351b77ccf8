package edit

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// scorers.go: scorers of latents learnt from a labelled reference set, for generators whose latents have
// known attributes (the tiny model's training identities) but no attribute classifier on images.

// Nearest returns a scorer that rates w by the mean score of its k nearest reference latents (Euclidean
// distance in W): k-nearest-neighbour regression. For an auto-decoder it reads as "w renders a head like
// these k identities, and they have this much of the attribute". It assumes nothing about the shape of the
// attribute in W, at the price of noisier scores than Linear where the attribute is close to linear.
func Nearest(ref Labelled, k int) (Scorer, error) {
	if err := ref.Validate(); err != nil {
		return nil, err
	}
	if k < 1 || k > len(ref.Latents) {
		return nil, fmt.Errorf("edit: %d nearest neighbours among %d reference latents", k, len(ref.Latents))
	}
	d := len(ref.Latents[0])
	return func(w []float32) (float64, error) {
		if len(w) != d {
			return 0, fmt.Errorf("edit: latent of %d values, the reference latents have %d", len(w), d)
		}
		s := 0.0
		for _, i := range nearest(ref.Latents, w, k) {
			s += ref.Scores[i]
		}
		return s / float64(k), nil
	}, nil
}

// nearest returns the indices of the k latents of ref closest to w (Euclidean), closest first; ties keep
// the order of ref.
func nearest(ref [][]float32, w []float32, k int) []int {
	idx := make([]int, 0, k+1)
	dist := make([]float64, 0, k+1)
	for i, r := range ref {
		s := 0.0
		for j, v := range r {
			e := float64(v) - float64(w[j])
			s += e * e
		}
		if len(idx) == k && s >= dist[k-1] {
			continue
		}
		// Insert in order, dropping the farthest when full.
		at := sort.SearchFloat64s(dist, math.Nextafter(s, math.Inf(1)))
		idx = slices.Insert(idx, at, i)
		dist = slices.Insert(dist, at, s)
		if len(idx) > k {
			idx, dist = idx[:k], dist[:k]
		}
	}
	return idx
}

// Linear returns a scorer that rates w by ridge regression fitted on the reference latents: score ≈ a·w + b,
// minimizing the squared error plus lambda·m·|a|², where m is the mean squared norm of the centred latents
// (so one lambda suits any scale of W; 0.1 is a mild penalty). Labelling samples with it makes the top and
// bottom of their scores linearly separable, so an SVM trained on them recovers a (its direction) with an
// accuracy near 1 by construction: the accuracy then says nothing about how well W encodes the attribute,
// which CrossValidate on the reference set measures instead.
func Linear(ref Labelled, lambda float64) (Scorer, error) {
	if err := ref.Validate(); err != nil {
		return nil, err
	}
	n := len(ref.Latents)
	if n < 2 || lambda < 0 || math.IsNaN(lambda) {
		return nil, fmt.Errorf("edit: ridge regression on %d latents with lambda %v", n, lambda)
	}
	x := make([][]float64, n)
	for i, w := range ref.Latents {
		x[i] = toFloat64(w)
	}
	as, bs, err := ridge(x, [][]float64{ref.Scores}, lambda*meanSquaredSpread(x))
	if err != nil {
		return nil, err
	}
	a, b, d := as[0], bs[0], len(as[0])
	return func(w []float32) (float64, error) {
		if len(w) != d {
			return 0, fmt.Errorf("edit: latent of %d values, the reference latents have %d", len(w), d)
		}
		return dot(a, toFloat64(w)) + b, nil
	}, nil
}

// meanSquaredSpread returns the mean squared distance of the rows of x from their mean.
func meanSquaredSpread(x [][]float64) float64 {
	mean := make([]float64, len(x[0]))
	for _, xi := range x {
		axpy(mean, 1/float64(len(x)), xi)
	}
	s := 0.0
	for _, xi := range x {
		for j, v := range xi {
			s += (v - mean[j]) * (v - mean[j]) / float64(len(x))
		}
	}
	return s
}

// ridge fits y_k ≈ a_k·x + b_k for each output k (ys[k] holds output k of every sample) by ridge regression,
// the intercepts unpenalized. It solves the n x n dual system (XXᵀ + λI)c = y - mean(y) on centred X, once
// factorized for all outputs, so it is as cheap for d > n (pixels) as for d < n (latents).
func ridge(x [][]float64, ys [][]float64, lambda float64) (a [][]float64, b []float64, err error) {
	n, d := len(x), len(x[0])
	mean := make([]float64, d)
	for _, xi := range x {
		axpy(mean, 1/float64(n), xi)
	}
	xc := mat.NewDense(n, d, nil)
	for i, xi := range x {
		for j, v := range xi {
			xc.Set(i, j, v-mean[j])
		}
	}
	var k mat.SymDense
	k.SymOuterK(1, xc)
	// A relative floor keeps the system solvable when lambda is 0 and the samples are degenerate.
	floor := 1e-9 * (mat.Trace(&k)/float64(n) + 1)
	for i := 0; i < n; i++ {
		k.SetSym(i, i, k.At(i, i)+lambda+floor)
	}
	var ch mat.Cholesky
	if !ch.Factorize(&k) {
		return nil, nil, fmt.Errorf("edit: ridge regression system is singular")
	}
	for _, y := range ys {
		ym := 0.0
		for _, v := range y {
			ym += v / float64(n)
		}
		yc := mat.NewVecDense(n, nil)
		for i, v := range y {
			yc.SetVec(i, v-ym)
		}
		var c, av mat.VecDense
		if err := ch.SolveVecTo(&c, yc); err != nil {
			return nil, nil, fmt.Errorf("edit: ridge regression: %w", err)
		}
		av.MulVec(xc.T(), &c)
		ak := make([]float64, d)
		for j := range ak {
			ak[j] = av.AtVec(j)
		}
		a = append(a, ak)
		b = append(b, ym-dot(ak, mean))
	}
	return a, b, nil
}

// CrossValidate measures how well a scorer fitted by fit on part of set predicts the rest: set is split
// into folds (round robin), each fold is scored by a scorer fitted on the others, and the result is the
// Pearson correlation between the held-out scores and the true ones.
func CrossValidate(set Labelled, folds int, fit func(Labelled) (Scorer, error)) (float64, error) {
	if err := set.Validate(); err != nil {
		return 0, err
	}
	n := len(set.Latents)
	if folds < 2 || folds > n {
		return 0, fmt.Errorf("edit: %d folds of %d latents", folds, n)
	}
	pred := make([]float64, n)
	for f := 0; f < folds; f++ {
		var train Labelled
		for i := range n {
			if i%folds != f {
				train.Latents = append(train.Latents, set.Latents[i])
				train.Scores = append(train.Scores, set.Scores[i])
			}
		}
		score, err := fit(train)
		if err != nil {
			return 0, err
		}
		for i := f; i < n; i += folds {
			if pred[i], err = score(set.Latents[i]); err != nil {
				return 0, err
			}
		}
	}
	return Correlation(pred, set.Scores), nil
}

// Correlation returns the Pearson correlation of a and b (NaN when either is constant).
func Correlation(a, b []float64) float64 {
	n := float64(len(a))
	var ma, mb float64
	for i := range a {
		ma += a[i] / n
		mb += b[i] / n
	}
	var sab, saa, sbb float64
	for i := range a {
		sab += (a[i] - ma) * (b[i] - mb)
		saa += (a[i] - ma) * (a[i] - ma)
		sbb += (b[i] - mb) * (b[i] - mb)
	}
	return sab / math.Sqrt(saa*sbb)
}
