package edit

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// direction.go: InterFaceGAN's boundary training (train_boundary), the recipe of the paper's supp. A.2.

// Labelled is a set of latents w with one attribute score each: higher means more of the attribute. Scores
// may be a classifier's confidence (InterFaceGAN), a ground-truth attribute value or any regressor's output;
// only their order matters.
type Labelled struct {
	// Attribute names what the scores measure ("" when unnamed); found directions carry it.
	Attribute string
	// Latents holds one w per sample, all of one length (the generator's w_dim).
	Latents [][]float32
	// Scores holds one score per latent.
	Scores []float64
}

// Validate reports a set that cannot be used: mismatched lengths, ragged latents, or non-finite values.
func (l Labelled) Validate() error {
	if len(l.Latents) != len(l.Scores) {
		return fmt.Errorf("edit: %d latents with %d scores", len(l.Latents), len(l.Scores))
	}
	for i, w := range l.Latents {
		if len(w) != len(l.Latents[0]) {
			return fmt.Errorf("edit: latent %d has %d values, latent 0 has %d", i, len(w), len(l.Latents[0]))
		}
		if s := l.Scores[i]; math.IsNaN(s) || math.IsInf(s, 0) {
			return fmt.Errorf("edit: score %d is %v", i, s)
		}
	}
	return nil
}

// Options are the choices of direction finding. PaperOptions are the paper's.
type Options struct {
	// Keep is how many of the highest- and of the lowest-scored latents become the positive and the negative
	// class: a fraction of the set when below 1 (the paper: 10,000 of 500,000, 0.02), otherwise a count.
	// It is capped at half the set, and lowered where scores tie across the two classes.
	Keep float64
	// TrainFraction of each class trains the SVM; the rest measures its accuracy (the paper: 0.7).
	TrainFraction float64
	// Seed draws the train/test split.
	Seed uint64
	// SVM trains the classifier (its zero value is scikit-learn's SVC defaults, as InterFaceGAN uses).
	SVM SVM
}

// PaperOptions returns the paper's protocol: the top and bottom 2% of the scored latents, a random 70% of
// them to train the SVM and 30% to test it.
func PaperOptions() Options {
	return Options{Keep: 0.02, TrainFraction: 0.7}
}

// Direction is an attribute direction in W: editing moves a latent along Normal. Its JSON form (the sidecar
// of WriteDirection) leaves Normal out, which lives in the .npy.
type Direction struct {
	// Attribute names what the direction edits ("" when unknown, e.g. an InterFaceGAN file).
	Attribute string `json:"attribute,omitempty"`
	// Normal is the unit normal of the separating hyperplane, pointing to higher scores (a direction read
	// from a file is used as stored).
	Normal []float32 `json:"normal,omitempty"`
	// Offset places the hyperplane: Normal·w + Offset is the signed distance of w from it.
	Offset float64 `json:"offset"`
	// Sigma is the standard deviation of the labelled latents' projections on Normal: the spread of the latent
	// distribution along the direction, a natural unit for edit strengths. Zero when unknown.
	Sigma float64 `json:"sigma"`
	// TrainAccuracy and TestAccuracy are the SVM's accuracies on its training split and on the held-out
	// split; Train and Test their sizes (both classes together). Zero when unknown.
	TrainAccuracy float64 `json:"train_accuracy"`
	TestAccuracy  float64 `json:"test_accuracy"`
	Train         int     `json:"train"`
	Test          int     `json:"test"`
	// ConditionedOn names the attributes whose directions Normal was made orthogonal to (Condition), so that
	// an edit along it leaves their scores unchanged to first order; the accuracies are the SVM's before that.
	ConditionedOn []string `json:"conditioned_on,omitempty"`
}

// Find returns the direction that separates the highest- from the lowest-scored latents of set: the top and
// bottom o.Keep latents by score become two classes, a random o.TrainFraction of each trains a linear SVM,
// the rest tests it, and the direction is the SVM's unit normal, oriented towards higher scores.
func Find(set Labelled, o Options) (*Direction, error) {
	if err := set.Validate(); err != nil {
		return nil, err
	}
	n := len(set.Latents)
	keep := int(o.Keep)
	if o.Keep < 1 {
		keep = int(o.Keep * float64(n))
	}
	keep = min(keep, n/2)
	if math.IsNaN(o.Keep) || o.Keep <= 0 || keep < 2 {
		return nil, fmt.Errorf("edit: keeping %v of %d latents per class leaves %d, want at least 2", o.Keep, n, keep)
	}
	if !(o.TrainFraction > 0 && o.TrainFraction <= 1) {
		return nil, fmt.Errorf("edit: train fraction %v, want a value in (0, 1]", o.TrainFraction)
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return set.Scores[order[a]] > set.Scores[order[b]] })
	// Tied scores cannot be ranked: with a binary attribute (glasses) there may be fewer latents clearly on
	// either side than asked for, so keep only as many as have a score strictly above (below) the other class.
	for keep >= 2 && set.Scores[order[keep-1]] <= set.Scores[order[n-keep]] {
		keep--
	}
	if keep < 2 {
		return nil, fmt.Errorf("edit: fewer than 2 latents score strictly above the rest: %w", ErrOneClass)
	}

	rng := rand.New(rand.NewPCG(o.Seed, 0x73706c6974)) // "split"
	nTrain := max(1, int(o.TrainFraction*float64(keep)))
	var trainX, testX [][]float32
	var trainY, testY []bool
	for _, class := range []struct {
		idx   []int
		label bool
	}{{order[:keep], true}, {order[n-keep:], false}} {
		idx := append([]int(nil), class.idx...)
		rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		for k, i := range idx {
			if k < nTrain {
				trainX, trainY = append(trainX, set.Latents[i]), append(trainY, class.label)
			} else {
				testX, testY = append(testX, set.Latents[i]), append(testY, class.label)
			}
		}
	}
	h, err := o.SVM.Train(trainX, trainY)
	if err != nil {
		return nil, err
	}
	norm := math.Sqrt(dot(h.Normal, h.Normal))
	if norm == 0 || math.IsNaN(norm) {
		return nil, errors.New("edit: the SVM found no separating direction (zero normal)")
	}
	d := &Direction{
		Attribute:     set.Attribute,
		Normal:        make([]float32, len(h.Normal)),
		Offset:        h.Bias / norm,
		TrainAccuracy: h.Accuracy(trainX, trainY),
		Train:         len(trainX),
		Test:          len(testX),
	}
	for j, v := range h.Normal {
		d.Normal[j] = float32(v / norm)
	}
	if len(testX) > 0 {
		d.TestAccuracy = h.Accuracy(testX, testY)
	}
	d.Sigma = spread(set.Latents, d.Normal)
	return d, nil
}

// spread returns the standard deviation of the projections of latents on the unit vector n.
func spread(latents [][]float32, n []float32) float64 {
	if len(latents) < 2 {
		return 0
	}
	var s, ss float64
	for _, w := range latents {
		p := project(w, n)
		s += p
		ss += p * p
	}
	m := s / float64(len(latents))
	return math.Sqrt(math.Max(0, (ss-m*s)/float64(len(latents)-1)))
}

// project returns w·n.
func project(w, n []float32) float64 {
	s := 0.0
	for j, v := range w {
		s += float64(v) * float64(n[j])
	}
	return s
}

// Condition returns primary with its components along the conditions removed, normalized: InterFaceGAN's
// conditional manipulation, which edits one attribute while keeping the others' scores (to first order).
// Directions of correlated attributes (in the head world, hair length and beard both follow a sex-like
// latent) otherwise move together. It fails when primary lies in the span of the conditions.
func Condition(primary []float32, conditions ...[]float32) ([]float32, error) {
	// Gram-Schmidt on the conditions, then remove each orthonormal component from primary.
	var basis [][]float64
	for k, c := range conditions {
		if len(c) != len(primary) {
			return nil, fmt.Errorf("edit: condition %d has %d values, the primary direction %d", k, len(c), len(primary))
		}
		v := toFloat64(c)
		for _, b := range basis {
			axpy(v, -dot(v, b), b)
		}
		if nv := math.Sqrt(dot(v, v)); nv > 1e-6 {
			for j := range v {
				v[j] /= nv
			}
			basis = append(basis, v)
		}
	}
	p := toFloat64(primary)
	norm0 := math.Sqrt(dot(p, p))
	for _, b := range basis {
		axpy(p, -dot(p, b), b)
	}
	norm := math.Sqrt(dot(p, p))
	if norm <= 1e-6*norm0 || norm == 0 {
		return nil, errors.New("edit: the primary direction lies in the span of the conditions")
	}
	out := make([]float32, len(p))
	for j, v := range p {
		out[j] = float32(v / norm)
	}
	return out, nil
}

func toFloat64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}
