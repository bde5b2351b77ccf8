package edit

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/heads"
)

// heads.go: attribute directions of a generator trained on the procedural head world (the embedded tiny
// model), where every training identity's attributes are known exactly.

// Heads are the training identities of a head-world auto-decoder: the latent w it learnt for each identity
// and the identity's seed, whose ground-truth attributes package heads knows.
type Heads struct {
	Latents [][]float32
	Seeds   []uint64
}

// NewHeads returns the identities seeds with their latents, len(seeds) rows of dim values (the layout of
// the embedded model's models.TinyLatents and train.Result.Latents).
func NewHeads(latents []float32, dim int, seeds []uint64) (*Heads, error) {
	if dim < 1 || len(latents) != dim*len(seeds) || len(seeds) == 0 {
		return nil, fmt.Errorf("edit: %d latent values for %d identities of %d dims", len(latents), len(seeds), dim)
	}
	h := &Heads{Seeds: seeds}
	for i := range seeds {
		h.Latents = append(h.Latents, latents[i*dim:(i+1)*dim:(i+1)*dim])
	}
	return h, nil
}

// GroundTruth returns the identities' latents labelled with their true value of the named attribute (one of
// heads.AttributeNames).
func (h *Heads) GroundTruth(attribute string) (Labelled, error) {
	set := Labelled{Attribute: attribute, Latents: h.Latents, Scores: make([]float64, len(h.Seeds))}
	for i, s := range h.Seeds {
		v, err := heads.NewIdentity(s).Attribute(attribute)
		if err != nil {
			return Labelled{}, fmt.Errorf("edit: %w", err)
		}
		set.Scores[i] = v
	}
	return set, nil
}

// HeadsRecipe is the paper's recipe (supp. A.2) on a head-world generator, where no attribute classifier
// scores images but the training identities' latents have known attributes: draw Sampling.Count latents at
// the canonical view, score each with a scorer that Fit learns from the identities' ground truth, and Find
// the direction with Options.
type HeadsRecipe struct {
	Sampling Sampling
	// Fit returns the scorer of one attribute learnt from the identities' latents labelled with its ground
	// truth (e.g. Nearest or Linear). Its scorers are called from several goroutines.
	Fit     func(truth Labelled) (Scorer, error)
	Options Options
	// ConditionOn names attributes to hold fixed: every direction found is made orthogonal to theirs
	// (InterFaceGAN's conditional manipulation, Condition), found on the same sample, and its Sigma is
	// measured along the conditioned normal. An attribute is never conditioned on itself.
	ConditionOn []string
}

// TinyRecipe returns the recipe used for the embedded tiny model: 20,000 latents (a laptop-sized stand-in
// for the paper's 500,000) scored by ridge regression on the identities (Linear, lambda 0.1), and the
// paper's top/bottom 2% with a 70/30 split (400 latents per class). Ridge rather than nearest-neighbour
// scores, because on the tiny model's latents they predict held-out identities' attributes better
// (CrossValidate) and their directions move the rendered attribute further for the same change of the
// others. Its SVM accuracies are near 1 by construction (see Linear); TruthOptions on Heads.GroundTruth
// measures how well W encodes each attribute.
func TinyRecipe() HeadsRecipe {
	return HeadsRecipe{
		Sampling: Sampling{Count: 20000, Psi: 1},
		Fit:      func(truth Labelled) (Scorer, error) { return Linear(truth, 0.1) },
		Options:  PaperOptions(),
	}
}

// TruthOptions are Find's options for directions from the identities' own latents and ground truth
// (Heads.GroundTruth), the honest test of whether W encodes an attribute: the top and bottom quarter by
// true value (128 of the tiny model's 512 identities each, fewer for binary attributes), 70% to train the
// SVM and 30% to test it.
func TruthOptions() Options {
	return Options{Keep: 0.25, TrainFraction: 0.7}
}

// Directions finds the direction of each named attribute with recipe rc on generator g; one sample of
// latents serves every attribute.
func (h *Heads) Directions(be backends.Backend, g *eg3d.Generator, attributes []string, rc HeadsRecipe) ([]*Direction, error) {
	if rc.Fit == nil {
		return nil, fmt.Errorf("edit: a head-world recipe without a scorer (HeadsRecipe.Fit)")
	}
	if len(h.Latents[0]) != g.Config.WDim {
		return nil, fmt.Errorf("edit: identity latents of %d values for a generator of w_dim %d", len(h.Latents[0]), g.Config.WDim)
	}
	all := attributes
	for _, c := range rc.ConditionOn {
		if !slices.Contains(all, c) {
			all = append(slices.Clip(all), c)
		}
	}
	truths := make([]Labelled, len(all))
	for a, name := range all {
		var err error
		if truths[a], err = h.GroundTruth(name); err != nil {
			return nil, err
		}
	}
	samples, err := Sample(be, g, rc.Sampling)
	if err != nil {
		return nil, err
	}
	found := make([]*Direction, len(all))
	for a, truth := range truths {
		score, err := rc.Fit(truth)
		if err != nil {
			return nil, fmt.Errorf("%w (attribute %q)", err, truth.Attribute)
		}
		set := Labelled{Attribute: truth.Attribute, Latents: samples, Scores: make([]float64, len(samples))}
		errs := make([]error, len(samples))
		parallelFor(len(samples), func(i int) { set.Scores[i], errs[i] = score(samples[i]) })
		if err := errors.Join(errs...); err != nil {
			return nil, fmt.Errorf("edit: scoring %q: %w", truth.Attribute, err)
		}
		if found[a], err = Find(set, rc.Options); err != nil {
			return nil, fmt.Errorf("%w (attribute %q)", err, truth.Attribute)
		}
	}
	// out is a copy: conditioning one direction must not change the ones the next is conditioned on.
	out := slices.Clone(found[:len(attributes)])
	if len(rc.ConditionOn) == 0 {
		return out, nil
	}
	for a, d := range out {
		var others [][]float32
		var names []string
		for _, o := range found {
			if o.Attribute != d.Attribute && slices.Contains(rc.ConditionOn, o.Attribute) {
				others = append(others, o.Normal)
				names = append(names, o.Attribute)
			}
		}
		n, err := Condition(d.Normal, others...)
		if err != nil {
			return nil, fmt.Errorf("%w (attribute %q conditioned on %v)", err, d.Attribute, names)
		}
		c := *d
		c.Normal, c.Sigma, c.ConditionedOn = n, spread(samples, n), names
		out[a] = &c
	}
	return out, nil
}

// parallelFor calls f(i) for i in [0, n) on GOMAXPROCS goroutines.
func parallelFor(n int, f func(i int)) {
	var wg sync.WaitGroup
	workers := min(runtime.GOMAXPROCS(0), n)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// Renders returns the generator's renders of the identities' latents at cam (final images) with every
// attribute of each identity (heads.AttributeNames order): what a Probe of this generator's renders is
// fitted on, so that measuring an edit reads the generator's images with a probe made for them.
func (h *Heads) Renders(r *eg3d.Runner, cam camera.Camera, opts eg3d.RenderOptions) ([]*fimage.Image, [][]float64, error) {
	images := make([]*fimage.Image, len(h.Latents))
	num := r.Gen.Config.NumWS()
	for i, w := range h.Latents {
		v, err := r.Render(Broadcast(w, num), cam, opts)
		if err != nil {
			return nil, nil, err
		}
		images[i] = v.Image
	}
	return images, attributeRows(h.Seeds), nil
}

// attributeRows returns every attribute of each seed's identity, in heads.AttributeNames order.
func attributeRows(seeds []uint64) [][]float64 {
	names := heads.AttributeNames()
	rows := make([][]float64, len(seeds))
	for i, s := range seeds {
		attrs := heads.NewIdentity(s).Attributes()
		rows[i] = make([]float64, len(names))
		for k, n := range names {
			rows[i][k] = attrs[n]
		}
	}
	return rows
}

// HeadsViews renders the identities of seeds at cam, size x size on the background the tiny model is trained
// on (white), and returns the images with every attribute of each identity (in heads.AttributeNames order):
// the data a Probe of the head world is fitted on.
func HeadsViews(seeds []uint64, cam camera.Camera, size int) ([]*fimage.Image, [][]float64) {
	images := make([]*fimage.Image, len(seeds))
	parallelFor(len(seeds), func(i int) {
		scene := heads.Scene{Identity: heads.NewIdentity(seeds[i]), Background: heads.Plain(1, 1, 1)}
		images[i] = heads.Render(scene, cam, size).RGB
	})
	return images, attributeRows(seeds)
}
