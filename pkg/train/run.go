package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/heads"
)

// Progress reports a training run: rendering the views (Phase 0) or a step of phase 1 or 2.
type Progress struct {
	Phase       int
	Step, Steps int
	// Loss and Terms of the step (phases 1 and 2).
	Loss  float64
	Terms map[string]float64
	// Elapsed is the time spent in this phase by this process; ETA extrapolates it.
	Elapsed, ETA time.Duration
}

// Result is a finished run.
type Result struct {
	// Generator is the trained model, its mapping network set to the latents' Gaussian.
	Generator *eg3d.Generator
	// Train and Test are the identity seeds trained on and held out.
	Train, Test []uint64
	// Data are the training views.
	Data []Identity
	// Latents are the learned w of the training identities, row by row.
	Latents []float32
	// Final are the mean terms of the last 100 steps of each phase, by name ("rgb", "mask", "depth",
	// "latent" for phase 1; "sr" for phase 2).
	Final map[string]float64
	// Steps are the steps done (phase 1, then phase 2).
	Steps int
}

// Run trains a generator as o says, resuming from o.Dir's checkpoint when there is one. Cancelling stdctx
// saves a checkpoint and returns the context's error; calling Run again continues from there.
func Run(stdctx context.Context, be backends.Backend, o Options, progress func(Progress)) (*Result, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if progress == nil {
		progress = func(Progress) {}
	}
	trainSeeds, testSeeds := heads.Split(o.SplitSeed, o.Identities, o.TestIdentities)
	start := time.Now()
	data, err := LoadOrRender(filepath.Join(o.Dir, "views"), trainSeeds, o.Data, func(done, total int) {
		el := time.Since(start)
		progress(Progress{Phase: 0, Step: done, Steps: total, Elapsed: el, ETA: eta(el, done, total)})
	})
	if err != nil {
		return nil, err
	}
	s, err := newSession(be, &o)
	if err != nil {
		return nil, err
	}
	res := &Result{Train: trainSeeds, Test: testSeeds, Data: data, Final: map[string]float64{}}
	if err := s.phase1(stdctx, data, progress, res.Final); err != nil {
		return nil, err
	}
	if err := s.phase2(stdctx, data, progress, res.Final); err != nil {
		return nil, err
	}
	return res, s.finish(res)
}

// finish fills res with the session's latents, steps and generator, its mapping network set to the
// latents' Gaussian.
func (s *session) finish(res *Result) error {
	var err error
	if res.Latents, err = s.latentValues(); err != nil {
		return err
	}
	gauss, err := FitGaussian(res.Latents, s.o.Identities, s.o.Config.WDim)
	if err != nil {
		return err
	}
	res.Generator = &eg3d.Generator{Config: s.o.Config, Context: s.ctx}
	res.Steps = s.steps()
	return SetMapping(res.Generator, gauss)
}

// Snapshot returns the generator of the run in o.Dir as its last checkpoint holds it, without training: the
// mapping network set to the latents' Gaussian as at the end of Run. It is how a run's progress is looked at
// (held-out inversions, samples) while it goes on; copy the checkpoint folder first if the run is writing it.
func Snapshot(be backends.Backend, o Options) (*Result, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	s, err := newSession(be, &o)
	if err != nil {
		return nil, err
	}
	if s.steps() == 0 {
		return nil, fmt.Errorf("train: %s holds no checkpoint", filepath.Join(o.Dir, "checkpoint"))
	}
	trainSeeds, testSeeds := heads.Split(o.SplitSeed, o.Identities, o.TestIdentities)
	res := &Result{Train: trainSeeds, Test: testSeeds, Final: map[string]float64{}}
	return res, s.finish(res)
}

// session is the state of a run: the context (generator, latents, optimizer state), its checkpoint handler
// and the step counter saved with it.
type session struct {
	be      backends.Backend
	o       *Options
	ctx     *mlctx.Context
	ckpt    *checkpoints.Handler
	latents *mlctx.Variable
	step    *mlctx.Variable
	saved   time.Time
}

func newSession(be backends.Backend, o *Options) (*session, error) {
	ctx := mlctx.New().Checked(false)
	ckpt, err := checkpoints.Build(ctx).Dir(filepath.Join(o.Dir, "checkpoint")).Keep(2).Done()
	if err != nil {
		return nil, fmt.Errorf("train: checkpoint in %s: %w", o.Dir, err)
	}
	// Variables whose values the checkpoint holds are loaded instead of initialized.
	if err := eg3d.InitVariables(ctx, &o.Config, o.Seed); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x6c6174656e74)) // "latent"
	init := make([]float32, o.Identities*o.Config.WDim)
	for i := range init {
		init[i] = float32((o.LatentAnchor + o.LatentInit*rng.NormFloat64()) / o.LatentScale)
	}
	latents := ctx.InAbsPath(stateScope).VariableWithValue(latentsName, tensors.FromFlatDataAndDimensions(init, o.Identities, o.Config.WDim))
	step := ctx.InAbsPath(stateScope).VariableWithValue(stepName, int64(0)).SetTrainable(false)
	return &session{be: be, o: o, ctx: ctx, ckpt: ckpt, latents: latents, step: step, saved: time.Now()}, nil
}

func (s *session) steps() int { return int(tensors.ToScalar[int64](s.step.MustValue())) }

// save records the steps done and writes a checkpoint.
func (s *session) save(done int) error {
	if err := s.step.SetValue(tensors.FromScalar(int64(done))); err != nil {
		return err
	}
	s.saved = time.Now()
	if err := s.ckpt.Save(); err != nil {
		return fmt.Errorf("train: saving the checkpoint: %w", err)
	}
	return nil
}

// setTrainable makes exactly the variables keep says trainable.
func (s *session) setTrainable(keep func(name string) bool) {
	for v := range s.ctx.IterVariables() {
		v.SetTrainable(false)
	}
	for _, p := range s.o.Config.Params() {
		if !p.Buffer && keep(p.Name) {
			scope, name := eg3d.ParamScope(p.Name)
			s.ctx.GetVariableByScopeAndName(scope, name).SetTrainable(true)
		}
	}
}

// compile builds a training step with its own Adam state (scope) and learning-rate variable.
func (s *session) compile(scope string, fn func(ctx *mlctx.Context, in []*graph.Node) (*graph.Node, []*graph.Node)) (*mlctx.Exec, *mlctx.Variable, error) {
	opt := optimizers.Adam().Scope(scope).Betas(0.9, 0.99).Epsilon(1e-8).LearningRate(1).Done()
	lr := optimizers.LearningRateVar(s.ctx.In(scope), dtypes.Float32, s.o.LearningRate)
	exec, err := mlctx.NewExecAny(s.be, s.ctx, func(ctx *mlctx.Context, in []*graph.Node) []*graph.Node {
		loss, terms := fn(ctx, in)
		opt.UpdateGraph(ctx.In(scope), loss.Graph(), loss)
		return append([]*graph.Node{loss}, terms...)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("train: building the %s step: %w", scope, err)
	}
	return exec, lr, nil
}

// runPhase runs steps [first, last) of a phase: each step sets the learning rate, runs, reports and
// checkpoints on schedule; a cancelled context saves and stops.
func (s *session) runPhase(stdctx context.Context, phase, first, last, offset int, exec *mlctx.Exec, lr *mlctx.Variable,
	rate func(i int) float64, inputs func(i int) []any, names []string, progress func(Progress), final map[string]float64) error {
	start := time.Now()
	sums := make([]float64, len(names))
	count := 0
	for i := first; i < last; i++ {
		if err := stdctx.Err(); err != nil {
			if serr := s.save(offset + i); serr != nil {
				return serr
			}
			return fmt.Errorf("train: stopped in phase %d at step %d of %d (checkpoint saved; run again to resume): %w", phase, i, last, err)
		}
		if err := lr.SetValue(tensors.FromScalar(float32(rate(i)))); err != nil {
			return err
		}
		// Each step's random draws are a function of the seed and the step alone, so a resumed run draws
		// what the uninterrupted one would have (GoMLX v0.26.0's checkpoints do not store the uint64 random
		// state exactly).
		if err := s.ctx.SetRNGStateFromSeed(int64(s.o.Seed*0x9e3779b97f4a7c15 + uint64(offset+i))); err != nil {
			return err
		}
		outs, err := exec.Exec(inputs(i)...)
		if err != nil {
			return fmt.Errorf("train: phase %d step %d: %w", phase, i+1, err)
		}
		loss := float64(tensors.ToScalar[float32](outs[0]))
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return fmt.Errorf("train: phase %d step %d: loss is %v", phase, i+1, loss)
		}
		terms := map[string]float64{}
		for k, n := range names {
			terms[n] = float64(tensors.ToScalar[float32](outs[1+k]))
			if i >= last-100 {
				sums[k] += terms[n]
			}
		}
		if i >= last-100 {
			count++
		}
		el := time.Since(start)
		progress(Progress{Phase: phase, Step: i + 1, Steps: last, Loss: loss, Terms: terms, Elapsed: el, ETA: eta(el, i+1-first, last-first)})
		if phase == 1 && s.o.CurveEvery > 0 && (i+1)%s.o.CurveEvery == 0 {
			if err := s.recordCurve(i + 1); err != nil {
				return err
			}
		}
		if time.Since(s.saved) > s.o.CheckpointEvery {
			if err := s.save(offset + i + 1); err != nil {
				return err
			}
		}
	}
	for k, n := range names {
		if count > 0 {
			final[n] = sums[k] / float64(count)
		}
	}
	return s.save(offset + last)
}

func eta(elapsed time.Duration, done, total int) time.Duration {
	if done <= 0 {
		return 0
	}
	return time.Duration(float64(elapsed) / float64(done) * float64(total-done))
}

// latentValues returns the learned latents in w space.
func (s *session) latentValues() ([]float32, error) {
	t, err := s.latents.Value()
	if err != nil {
		return nil, err
	}
	v := tensors.MustCopyFlatData[float32](t)
	for i := range v {
		v[i] *= float32(s.o.LatentScale)
	}
	return v, nil
}

func isSR(name string) bool { return strings.HasPrefix(name, "superresolution.") }
