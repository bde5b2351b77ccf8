package edit

import (
	"fmt"
	"math"

	"github.com/pmvi/pmvi/pkg/fimage"
)

// probe.go: reading attributes off rendered images, to measure what an edit did to the head a generator
// renders (InterFaceGAN measures with the attribute classifiers it labels with; here the measure is kept
// independent of the scorer that found the direction).

// Probe predicts attribute values from an image: ridge regression on its pixels, after reducing it to a
// small size so that only the coarse appearance counts (which also narrows the gap between the sharp
// images it is fitted on and a generator's softer renders).
type Probe struct {
	// Attributes names the outputs, in order.
	Attributes []string
	// Size is the side images are reduced to before the regression.
	Size int

	weights [][]float64 // per attribute, per feature
	bias    []float64
}

// FitProbe fits a probe of the named attributes on images (3 channels, any one size) whose attribute values
// are labels[i][k] for image i and attribute k. Images are reduced to size x size; lambda is the ridge
// penalty relative to the mean squared norm of the centred features (0.01 is a mild one).
func FitProbe(images []*fimage.Image, labels [][]float64, attributes []string, size int, lambda float64) (*Probe, error) {
	n := len(images)
	if n < 2 || len(labels) != n {
		return nil, fmt.Errorf("edit: probe from %d images and %d label rows, want at least 2 of each", n, len(labels))
	}
	if size < 1 || lambda < 0 || math.IsNaN(lambda) {
		return nil, fmt.Errorf("edit: probe of size %d, lambda %v", size, lambda)
	}
	p := &Probe{Attributes: attributes, Size: size}
	x := make([][]float64, n)
	for i, m := range images {
		var err error
		if x[i], err = p.features(m); err != nil {
			return nil, fmt.Errorf("%w (image %d)", err, i)
		}
		if len(labels[i]) != len(attributes) {
			return nil, fmt.Errorf("edit: probe label row %d has %d values for %d attributes", i, len(labels[i]), len(attributes))
		}
	}
	ys := make([][]float64, len(attributes))
	for k := range ys {
		ys[k] = make([]float64, n)
		for i := range n {
			ys[k][i] = labels[i][k]
		}
	}
	var err error
	if p.weights, p.bias, err = ridge(x, ys, lambda*meanSquaredSpread(x)); err != nil {
		return nil, err
	}
	return p, nil
}

// features reduces m to p.Size x p.Size and flattens it.
func (p *Probe) features(m *fimage.Image) ([]float64, error) {
	if m.C != 3 {
		return nil, fmt.Errorf("edit: probe image has %d channels, want 3", m.C)
	}
	small := m
	switch {
	case m.H == p.Size && m.W == p.Size:
	case m.H%p.Size == 0 && m.W%p.Size == 0 && m.H == m.W:
		var err error
		if small, err = m.Downsample(m.H / p.Size); err != nil {
			return nil, err
		}
	default:
		small = m.Resize(p.Size, p.Size)
	}
	return toFloat64(small.Pix), nil
}

// Score returns the predicted value of each of p.Attributes for the image m.
func (p *Probe) Score(m *fimage.Image) ([]float64, error) {
	x, err := p.features(m)
	if err != nil {
		return nil, err
	}
	if len(x) != len(p.weights[0]) {
		return nil, fmt.Errorf("edit: probe image reduces to %d features, the probe has %d", len(x), len(p.weights[0]))
	}
	out := make([]float64, len(p.weights))
	for k, a := range p.weights {
		out[k] = dot(a, x) + p.bias[k]
	}
	return out, nil
}

// Index returns the position of the named attribute in p.Attributes, or -1.
func (p *Probe) Index(name string) int {
	for k, a := range p.Attributes {
		if a == name {
			return k
		}
	}
	return -1
}

// R2 returns the coefficient of determination of p on images with known labels, per attribute: 1 for
// perfect predictions, 0 for predicting the mean, negative for worse. It measures how far to trust the probe
// on a given kind of image (e.g. the ground-truth renders of held-out identities, or a generator's renders
// of identities it was trained on).
func (p *Probe) R2(images []*fimage.Image, labels [][]float64) ([]float64, error) {
	if len(images) != len(labels) || len(images) < 2 {
		return nil, fmt.Errorf("edit: probe R² on %d images with %d label rows", len(images), len(labels))
	}
	pred := make([][]float64, len(images))
	for i, m := range images {
		var err error
		if pred[i], err = p.Score(m); err != nil {
			return nil, err
		}
	}
	return r2(pred, labels), nil
}

// CrossValidateProbe measures, per attribute, the R² of probes (FitProbe with size and lambda) on images they
// were not fitted on: the images are split into folds round robin and each fold is predicted by a probe
// fitted on the others. Attributes with a low value are ones the probe cannot read off these images, so an
// edit's effect on them is not measurable this way.
func CrossValidateProbe(images []*fimage.Image, labels [][]float64, attributes []string, size int, lambda float64, folds int) ([]float64, error) {
	n := len(images)
	if folds < 2 || folds > n || len(labels) != n {
		return nil, fmt.Errorf("edit: %d folds of %d images with %d label rows", folds, n, len(labels))
	}
	pred := make([][]float64, n)
	for f := 0; f < folds; f++ {
		var fitImages []*fimage.Image
		var fitLabels [][]float64
		for i := range n {
			if i%folds != f {
				fitImages, fitLabels = append(fitImages, images[i]), append(fitLabels, labels[i])
			}
		}
		p, err := FitProbe(fitImages, fitLabels, attributes, size, lambda)
		if err != nil {
			return nil, err
		}
		for i := f; i < n; i += folds {
			if pred[i], err = p.Score(images[i]); err != nil {
				return nil, err
			}
		}
	}
	return r2(pred, labels), nil
}

// r2 returns the coefficient of determination of predictions against labels, per column.
func r2(pred, labels [][]float64) []float64 {
	out := make([]float64, len(labels[0]))
	for k := range out {
		var mean, ssRes, ssTot float64
		for i := range labels {
			mean += labels[i][k] / float64(len(labels))
		}
		for i := range labels {
			ssRes += (labels[i][k] - pred[i][k]) * (labels[i][k] - pred[i][k])
			ssTot += (labels[i][k] - mean) * (labels[i][k] - mean)
		}
		out[k] = 1 - ssRes/ssTot
	}
	return out
}
