package facescore

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/backends"

	"github.com/pmvi/pmvi/pkg/align"
	"github.com/pmvi/pmvi/pkg/faces"
	"github.com/pmvi/pmvi/pkg/faces/nets"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// Cosine returns the cosine similarity of two vectors of the same length (0 when either is zero).
func Cosine(a, b []float32) float64 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("facescore: cosine of vectors of lengths %d and %d", len(a), len(b)))
	}
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

// Identity embeds faces for the identity metric: detection and landmarks (package align's models), the
// ArcFace 5-point alignment to 112x112, and the embedding network. It is safe for sequential use only.
type Identity struct {
	aligner  *align.Aligner
	embedder *nets.Embedder
	opt      align.Options
}

// NewIdentity loads the face models from faces.Dir and compiles the embedding network for backend b.
func NewIdentity(b backends.Backend) (*Identity, error) {
	a, err := align.New()
	if err != nil {
		return nil, err
	}
	p, err := faces.Path(faces.FeatureNet)
	if err != nil {
		return nil, err
	}
	e, err := nets.LoadEmbedder(b, p)
	if err != nil {
		return nil, err
	}
	opt := align.DefaultOptions()
	opt.MinFaceSize = 32 // renders at 128 pixels are still measurable
	return &Identity{aligner: a, embedder: e, opt: opt}, nil
}

// Embed returns the unit-length embedding of the largest face of img (RGB in [-1, 1]: a photo, an aligned
// image or a render).
func (m *Identity) Embed(img *fimage.Image) ([]float32, error) {
	l, _, err := m.aligner.Find(img, m.opt)
	if err != nil {
		return nil, fmt.Errorf("facescore: identity: %w", err)
	}
	return m.embedder.Embed(nets.AlignArcFace(img, &l))
}

// Similarity returns the identity similarity of the largest faces of a and b: the cosine of their
// embeddings, in [-1, 1] (the same person typically above 0.5 with this network, different people below 0.3).
func (m *Identity) Similarity(a, b *fimage.Image) (float64, error) {
	ea, err := m.Embed(a)
	if err != nil {
		return 0, err
	}
	eb, err := m.Embed(b)
	if err != nil {
		return 0, err
	}
	return Cosine(ea, eb), nil
}
