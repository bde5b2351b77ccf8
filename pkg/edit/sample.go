package edit

import (
	"fmt"
	"math/rand/v2"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
)

// sample.go: the first half of the paper's recipe: sample latents at the canonical view and score them.

// Scorer rates one latent w for an attribute: higher means more of it. InterFaceGAN scores the image a
// latent renders with an attribute classifier; any function of w will do (see Nearest for the head world).
type Scorer func(w []float32) (float64, error)

// Sampling says how many latents to draw for a direction and how.
type Sampling struct {
	// Count of latents to draw (the paper: 500,000; each costs WDim float32s of memory).
	Count int
	// Psi is the truncation of the mapping network (1 = none; 0 is read as 1).
	Psi float64
	// Seed draws the z.
	Seed uint64
	// Batch is how many latents one run of the mapping network maps; zero means 1024.
	Batch int
}

// Sample draws s.Count latents z ~ N(0, I), maps them with g's mapping network conditioned on the canonical
// (frontal) camera, and returns each w (the first of the identical ws the mapping network emits).
func Sample(be backends.Backend, g *eg3d.Generator, s Sampling) ([][]float32, error) {
	if s.Count < 1 {
		return nil, fmt.Errorf("edit: sampling %d latents, want at least 1", s.Count)
	}
	psi, batch := s.Psi, s.Batch
	if psi == 0 {
		psi = 1
	}
	if batch <= 0 {
		batch = 1024
	}
	batch = min(batch, s.Count)
	m, err := newMapper(be, g, psi)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(s.Seed, 0x7a)) // "z"
	zdim := g.Config.ZDim
	out := make([][]float32, 0, s.Count)
	z := make([]float32, batch*zdim)
	for len(out) < s.Count {
		for i := range z {
			z[i] = float32(rng.NormFloat64())
		}
		ws, err := m.mapBatch(z, batch)
		if err != nil {
			return nil, err
		}
		for i := 0; i < batch && len(out) < s.Count; i++ {
			out = append(out, ws[i])
		}
	}
	return out, nil
}

// Score returns latents labelled by score.
func Score(latents [][]float32, score Scorer) (Labelled, error) {
	set := Labelled{Latents: latents, Scores: make([]float64, len(latents))}
	for i, w := range latents {
		var err error
		if set.Scores[i], err = score(w); err != nil {
			return Labelled{}, fmt.Errorf("edit: scoring latent %d: %w", i, err)
		}
	}
	return set, set.Validate()
}

// mapper runs g's mapping network on batches of z at the canonical camera.
type mapper struct {
	cfg   *eg3d.Config
	exec  *context.Exec
	label []float32
}

func newMapper(be backends.Backend, g *eg3d.Generator, psi float64) (*mapper, error) {
	cfg := &g.Config
	exec, err := context.NewExec(be, g.Context.Reuse(), func(ctx *context.Context, z, c *Node) *Node {
		ws := eg3d.Mapping(ctx, cfg, z, c, psi)
		return Squeeze(Slice(ws, AxisRange(), AxisElem(0), AxisRange()), 1) // every ws is the same w
	})
	if err != nil {
		return nil, fmt.Errorf("edit: building the mapping network: %w", err)
	}
	return &mapper{cfg: cfg, exec: exec, label: camera.At(0, 0).Label()}, nil
}

// mapBatch maps n latents z (n rows of ZDim values) to n w.
func (m *mapper) mapBatch(z []float32, n int) ([][]float32, error) {
	labels := make([]float32, 0, n*camera.LabelSize)
	for range n {
		labels = append(labels, m.label...)
	}
	outs, err := m.exec.Exec(tensors.FromFlatDataAndDimensions(z, n, m.cfg.ZDim), tensors.FromFlatDataAndDimensions(labels, n, camera.LabelSize))
	if err != nil {
		return nil, fmt.Errorf("edit: mapping: %w", err)
	}
	flat := tensors.MustCopyFlatData[float32](outs[0])
	d := m.cfg.WDim
	ws := make([][]float32, n)
	for i := range ws {
		ws[i] = flat[i*d : (i+1)*d : (i+1)*d]
	}
	return ws, nil
}
