package train

import (
	"context"
	"math"
	"math/rand/v2"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pmvi/pmvi/pkg/camera"
)

// phase1 trains latents, backbone and decoder on random rays until o.Phase1Steps.
func (s *session) phase1(stdctx context.Context, data []Identity, progress func(Progress), final map[string]float64) error {
	o := s.o
	done := s.steps()
	if done >= o.Phase1Steps {
		return nil
	}
	s.setTrainable(func(name string) bool { return !isSR(name) })
	s.latents.SetTrainable(true)
	exec, lr, err := s.compile("phase1", func(ctx *mlctx.Context, in []*graph.Node) (*graph.Node, []*graph.Node) {
		return phase1Step(ctx, o, s.latents, in)
	})
	if err != nil {
		return err
	}
	defer exec.Finalize()
	return s.runPhase(stdctx, 1, done, o.Phase1Steps, 0, exec, lr,
		func(i int) float64 { return phase1Rate(o, i) },
		func(i int) []any { return phase1Batch(o, data, i) },
		phase1Terms, progress, final)
}

// phase1Rate warms up over 200 steps (a tenth of short runs) and decays with a half cosine to 10% over the
// last DecaySteps of phase 1 (the last 30% when DecaySteps is 0).
func phase1Rate(o *Options, i int) float64 {
	warm := math.Min(200, float64(o.Phase1Steps)/10)
	r := o.LearningRate * math.Min(1, float64(i+1)/warm)
	decay := float64(o.DecaySteps)
	if o.DecaySteps == 0 {
		decay = 0.3 * float64(o.Phase1Steps)
	}
	if t := (float64(i) - (float64(o.Phase1Steps) - decay)) / decay; t > 0 {
		r *= 0.55 + 0.45*math.Cos(math.Pi*t)
	}
	return r
}

// phase1Batch draws step i's batch, a function of the run's seed and i only (so a resumed run draws what
// the uninterrupted one would have): Batch distinct identities, one random view each, Rays random pixels.
func phase1Batch(o *Options, data []Identity, i int) []any {
	rng := rand.New(rand.NewPCG(o.Seed, uint64(i)+1))
	nr, r, b := o.Data.NR, o.Rays, o.Batch
	ids := make([]int32, b)
	origins := make([]float32, 0, b*r*3)
	dirs := make([]float32, 0, b*r*3)
	rgb := make([]float32, 0, b*r*3)
	mask := make([]float32, 0, b*r)
	depth := make([]float32, 0, b*r)
	for k, id := range rng.Perm(len(data))[:b] {
		ids[k] = int32(id)
		v := &data[id].Views[rng.IntN(len(data[id].Views))]
		o := v.Camera.Position()
		for j := 0; j < r; j++ {
			p := rng.IntN(nr * nr)
			x, y := p%nr, p/nr
			d := v.Camera.PixelDirection((float64(x)+0.5)/float64(nr), (float64(y)+0.5)/float64(nr))
			origins = append(origins, float32(o[0]), float32(o[1]), float32(o[2]))
			dirs = append(dirs, float32(d[0]), float32(d[1]), float32(d[2]))
			rgb = append(rgb, v.Raw[p], v.Raw[nr*nr+p], v.Raw[2*nr*nr+p])
			mask = append(mask, v.Mask[p])
			depth = append(depth, v.Depth[p])
		}
	}
	t := func(x []float32, last int) *tensors.Tensor { return tensors.FromFlatDataAndDimensions(x, b, r, last) }
	return []any{tensors.FromFlatDataAndDimensions(ids, b), t(origins, 3), t(dirs, 3), t(rgb, 3), t(mask, 1), t(depth, 1)}
}

// phase2 trains the super-resolution on full views until o.Phase1Steps+o.Phase2Steps.
func (s *session) phase2(stdctx context.Context, data []Identity, progress func(Progress), final map[string]float64) error {
	o := s.o
	done := s.steps() - o.Phase1Steps
	if done >= o.Phase2Steps || len(o.Config.SR.Blocks) == 0 {
		return nil
	}
	s.setTrainable(isSR)
	exec, lr, err := s.compile("phase2", func(ctx *mlctx.Context, in []*graph.Node) (*graph.Node, []*graph.Node) {
		return phase2Step(ctx, o, s.latents, in)
	})
	if err != nil {
		return err
	}
	defer exec.Finalize()
	return s.runPhase(stdctx, 2, done, o.Phase2Steps, o.Phase1Steps, exec, lr,
		func(int) float64 { return o.LearningRate },
		func(i int) []any { return phase2Batch(o, data, i) },
		[]string{"sr"}, progress, final)
}

// phase2Batch draws SRBatch random views of distinct identities for step i.
func phase2Batch(o *Options, data []Identity, i int) []any {
	rng := rand.New(rand.NewPCG(o.Seed^0x7372, uint64(i)+1))
	b, res := o.SRBatch, o.Data.Res
	ids := make([]int32, b)
	cams := make([]float32, 0, b*camera.LabelSize)
	imgs := make([]float32, 0, b*3*res*res)
	for k, id := range rng.Perm(len(data))[:b] {
		ids[k] = int32(id)
		v := &data[id].Views[rng.IntN(len(data[id].Views))]
		cams = append(cams, v.Camera.Label()...)
		for _, p := range v.Image {
			imgs = append(imgs, float32(p)/127.5-1)
		}
	}
	return []any{tensors.FromFlatDataAndDimensions(ids, b), tensors.FromFlatDataAndDimensions(cams, b, camera.LabelSize),
		tensors.FromFlatDataAndDimensions(imgs, b, 3, res, res)}
}
