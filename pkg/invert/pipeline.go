package invert

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pmvi/pmvi/pkg/checkpoint/safetensors"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/pseudoview"
)

// Method names an inversion method: the chain of stages a Pipeline runs.
type Method string

const (
	// MethodW is W+ projection alone, rendered by the untouched generator (a reference).
	MethodW Method = "w"
	// MethodPTI is W+ projection then pivotal tuning: the paper's baseline.
	MethodPTI Method = "pti"
	// MethodOurs is the paper's method: W+, PTI, pseudo multi-views, then the final optimization on the input
	// and the pseudo views.
	MethodOurs Method = "ours"
	// MethodDensityReg is W+, PTI, then single-view tuning with density regularization (supp. D).
	MethodDensityReg Method = "densityreg"
	// MethodPTILong is W+, PTI, then PTI continued for as many steps as stage 3 takes: the baseline that
	// gets as much optimization as the method, without pseudo views.
	MethodPTILong Method = "ptilong"
)

// Methods lists every method, the paper's first.
var Methods = []Method{MethodOurs, MethodPTI, MethodW, MethodDensityReg, MethodPTILong}

// ParseMethod accepts a method's name.
func ParseMethod(s string) (Method, error) {
	for _, m := range Methods {
		if string(m) == strings.TrimSpace(s) {
			return m, nil
		}
	}
	return "", fmt.Errorf("invert: unknown method %q, want ours, pti, w, densityreg or ptilong", s)
}

// Stages returns the stages the method runs, in order.
func (m Method) Stages() []Stage {
	switch m {
	case MethodW:
		return []Stage{StageW}
	case MethodPTI:
		return []Stage{StageW, StagePTI}
	case MethodOurs:
		return []Stage{StageW, StagePTI, StagePseudo, StageFinal}
	case MethodDensityReg:
		return []Stage{StageW, StagePTI, StageDensity}
	case MethodPTILong:
		return []Stage{StageW, StagePTI, StagePTILong}
	}
	return nil
}

// MethodOfStages returns the method whose stages are the given list ("w", "pti", "final" — the pseudo views
// are implied by "final" — "densityreg" or "ptilong"), for commands that name a prefix of the chain.
func MethodOfStages(list string) (Method, error) {
	var names []string
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s != "" && s != string(StagePseudo) {
			names = append(names, s)
		}
	}
	got := strings.Join(names, ",")
	for _, m := range Methods {
		var want []string
		for _, st := range m.Stages() {
			if st != StagePseudo {
				want = append(want, string(st))
			}
		}
		if got == strings.Join(want, ",") {
			return m, nil
		}
	}
	return "", fmt.Errorf("invert: stages %q are no method's chain: want w | w,pti | w,pti,final | w,pti,densityreg | w,pti,ptilong", list)
}

// Result holds what a Pipeline run produced, stage by stage.
type Result struct {
	Method Method
	W      *WResult
	PTI    *PTIResult
	// Depth is the PTI-tuned generator's depth at the input camera, from which the mesh is built.
	Depth *fimage.Image
	// Views are the pseudo multi-views and their pieces (method ours).
	Views []pseudoview.View
	// Final is the method's last tuning stage: stage 3 (ours), the regularized tuning (densityreg) or PTI
	// continued (ptilong).
	Final *FinalResult
	// Generator is what the method produced: the original generator for w, PTI's, or Final's.
	Generator *eg3d.Generator
	// Record says what ran (also written to run.json in the workspace).
	Record *RunRecord
}

// WS returns the W+ code every stage after stage 1 renders with.
func (r *Result) WS() *tensors.Tensor { return r.W.WS }

// Cameras returns the refined input cameras the later stages use (PTI's refinement when it refined, else
// stage 1's), or nil when no stage refined them.
func (r *Result) Cameras() []RefinedCamera {
	if r.PTI != nil && r.PTI.Cameras != nil {
		return r.PTI.Cameras
	}
	if r.W != nil {
		return r.W.Cameras
	}
	return nil
}

// Pipeline runs a named method on one input (the one orchestration of the paper's chain: the CLI, the
// benchmark, the explorer and the notebooks all use it). Each stage's result is kept in the Workspace (and
// in memory), keyed by everything it depends on: a rerun, a run interrupted at any point (kill -9
// included), or another method on the same input redoes only the stages whose inputs changed. What ran is
// written to run.json beside the results.
type Pipeline struct {
	Inversion
	// Workspace keeps the stage results; an empty Dir keeps them in memory only.
	Workspace Workspace
	// Network and Preset name the generator and the options' preset in run.json ("small", "quick", ...).
	Network, Preset string
	// PerceptualName says which perceptual network Options.Perceptual is (e.g. "lpips-vgg16"): it is part of
	// the stages' keys and of run.json. Empty when there is none.
	PerceptualName string

	memo      map[string]any
	generator string // sha256 of the generator's weights, once computed
}

// RunRecord is run.json: what a Pipeline ran and how.
type RunRecord struct {
	Method     Method    `json:"method"`
	Network    string    `json:"network"`
	Preset     string    `json:"preset"`
	Generator  string    `json:"generator_sha256"`
	Camera     []float32 `json:"camera"`
	Seed       int64     `json:"seed"`
	Patch      int       `json:"patch,omitempty"`
	Perceptual string    `json:"perceptual"`
	// Steps are the step counts of the stages the method runs; Losses their loss weights.
	Steps  map[Stage]int    `json:"steps"`
	Losses map[Stage]string `json:"losses"`
	// FinalFrom is the generator stage 3 started from ("tuned" is the paper's).
	FinalFrom string `json:"final_from,omitempty"`
	// Views counts the input views (1 plus the extra ones); Cameras are the refined cameras, when refined.
	Views   int             `json:"views"`
	Cameras []RefinedCamera `json:"refined_cameras,omitempty"`
	Stages  []StageRecord   `json:"stages"`
}

// StageRecord is one stage of a run: its key, whether its result was loaded instead of computed, and the
// time it took in this run.
type StageRecord struct {
	Stage   Stage   `json:"stage"`
	Key     string  `json:"key"`
	Loaded  bool    `json:"loaded"`
	Seconds float64 `json:"seconds"`
}

// Run runs method m: every stage whose result the workspace (or an earlier Run of this pipeline) does not
// already hold for the same inputs is computed, reported to Progress with its place in the chain, and
// stored. On cancellation or an error it returns the stages finished so far with the error; rerunning
// continues from there.
func (p *Pipeline) Run(stdctx context.Context, m Method) (*Result, error) {
	stages := m.Stages()
	if stages == nil {
		return nil, fmt.Errorf("invert: unknown method %q", m)
	}
	return p.RunUntil(stdctx, m, stages[len(stages)-1])
}

// RunUntil runs method m's stages up to and including last, as Run does: a notebook shows the method stage by
// stage this way, each cell continuing from the workspace where the previous one stopped.
func (p *Pipeline) RunUntil(stdctx context.Context, m Method, last Stage) (*Result, error) {
	stages := m.Stages()
	n := slices.Index(stages, last)
	if n < 0 {
		return nil, fmt.Errorf("invert: method %q has no stage %q (its stages: %v)", m, last, stages)
	}
	stages = stages[:n+1]
	if err := p.Options.Validate(); err != nil {
		return nil, err
	}
	keys, err := p.keys()
	if err != nil {
		return nil, err
	}
	if p.memo == nil {
		p.memo = map[string]any{}
	}
	res := &Result{Method: m, Generator: p.Generator, Record: p.newRecord(m)}
	for i, st := range stages {
		in, err := p.Inversion.withCameras(res.Cameras())
		if err != nil {
			return res, err
		}
		if p.Progress != nil {
			in.Progress = func(s Step) error {
				s.StageIndex, s.StageCount = i+1, len(m.Stages())
				return p.Progress(s)
			}
		}
		start, loaded := time.Now(), true
		computed := func() { loaded = false }
		key := keys[st]
		if err := p.stage(stdctx, &in, st, key, res, computed); err != nil {
			return res, err
		}
		res.Record.Cameras = res.Cameras()
		res.Record.Stages = append(res.Record.Stages, StageRecord{Stage: st, Key: key, Loaded: loaded, Seconds: time.Since(start).Seconds()})
		if p.Workspace.Dir != "" {
			if err := writeJSON(filepath.Join(p.Workspace.Dir, "run.json"), res.Record); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

// stage runs (or loads) one stage into res; computed is called when it is computed.
func (p *Pipeline) stage(stdctx context.Context, in *Inversion, st Stage, key string, res *Result, computed func()) error {
	ws := p.Workspace
	var err error
	switch st {
	case StageW:
		res.W, err = remember(p, key, func() (*WResult, error) {
			return ws.W(key, func() (*WResult, error) { computed(); return in.ProjectW(stdctx) })
		})
	case StagePTI:
		res.PTI, err = remember(p, key, func() (*PTIResult, error) {
			return ws.PTI(key, func() (*PTIResult, error) { computed(); return in.TunePTI(stdctx, res.W.WS) })
		})
		if err == nil {
			res.Generator = res.PTI.Generator
		}
	case StagePseudo:
		res.Views, err = remember(p, key, func() ([]pseudoview.View, error) {
			return ws.PseudoViews(key, func() ([]pseudoview.View, error) {
				computed()
				views, _, err := in.BuildPseudoViews(stdctx, res.PTI.Generator, res.W.WS)
				return views, err
			})
		})
		if err == nil {
			res.Depth, err = remember(p, key+"/depth", func() (*fimage.Image, error) {
				at, err := eg3d.NewRunner(res.PTI.Generator, in.Backend).Render(res.W.WS, in.Target.Camera, in.Options.Render)
				if err != nil {
					return nil, err
				}
				return at.Depth, nil
			})
		}
	case StageFinal:
		res.Final, err = remember(p, key, func() (*FinalResult, error) {
			return ws.Final("final", key, func() (*FinalResult, error) {
				computed()
				start := res.PTI.Generator
				if in.Options.FinalFrom == FromOriginal {
					start = in.Generator
				}
				return in.Final(stdctx, start, res.W.WS, AsPseudoViews(res.Views))
			})
		})
	case StageDensity:
		res.Final, err = remember(p, key, func() (*FinalResult, error) {
			return ws.Final("densityreg", key, func() (*FinalResult, error) {
				computed()
				ref := res.PTI.Generator
				if in.Options.DensityFrom == FromOriginal {
					ref = in.Generator
				}
				return in.DensityReg(stdctx, res.PTI.Generator, ref, res.W.WS)
			})
		})
	case StagePTILong:
		res.Final, err = remember(p, key, func() (*FinalResult, error) {
			return ws.Final("ptilong", key, func() (*FinalResult, error) {
				computed()
				more := *in
				more.Generator = res.PTI.Generator
				r, err := more.tune(stdctx, StagePTILong, in.Options.FinalSteps, res.W.WS)
				if r == nil {
					return nil, err
				}
				return &FinalResult{Generator: r.Generator, From: FromTuned, History: r.History}, err
			})
		})
	}
	if err == nil && res.Final != nil && (st == StageFinal || st == StageDensity || st == StagePTILong) {
		res.Generator = res.Final.Generator
	}
	return err
}

// remember returns the pipeline's in-memory result for key, or load's (kept when it succeeds).
func remember[T any](p *Pipeline, key string, load func() (T, error)) (T, error) {
	if v, ok := p.memo[key].(T); ok {
		return v, nil
	}
	v, err := load()
	if err == nil {
		p.memo[key] = v
	}
	return v, err
}

// newRecord describes a run of m with the pipeline's settings.
func (p *Pipeline) newRecord(m Method) *RunRecord {
	o := &p.Options
	r := &RunRecord{Method: m, Network: p.Network, Preset: p.Preset, Generator: p.generator, Camera: p.Target.Camera.Label(),
		Seed: o.Seed, Patch: o.Patch, Perceptual: p.PerceptualName, Steps: map[Stage]int{}, Losses: map[Stage]string{},
		Views: 1 + len(p.Extra)}
	if r.Perceptual == "" {
		r.Perceptual = "none"
	}
	for _, st := range m.Stages() {
		switch st {
		case StageW:
			r.Steps[st], r.Losses[st] = o.WSteps, o.WLoss.String()
		case StagePTI:
			r.Steps[st], r.Losses[st] = o.PTISteps, o.PTILoss.String()
		case StageFinal:
			r.Steps[st], r.Losses[st] = o.FinalSteps, o.FinalLoss.String()
			r.FinalFrom = o.FinalFrom.String()
		case StageDensity:
			r.Steps[st], r.Losses[st] = o.DensitySteps, o.PTILoss.String()+fmt.Sprintf(" density=%g", o.DensityWeight)
		case StagePTILong:
			r.Steps[st], r.Losses[st] = o.FinalSteps, o.PTILoss.String()
		}
	}
	return r
}

// keyVersion changes whenever what a stage computes, or how its key is made, changes.
const keyVersion = "pmvi-stage/2"

// keys returns every stage's key: a hash of everything its result depends on, its predecessors' keys
// included.
func (p *Pipeline) keys() (map[Stage]string, error) {
	if p.generator == "" {
		f, err := p.Generator.Safetensors()
		if err != nil {
			return nil, fmt.Errorf("invert: hashing the generator: %w", err)
		}
		h := sha256.New()
		if err := safetensors.Encode(h, f); err != nil {
			return nil, fmt.Errorf("invert: hashing the generator: %w", err)
		}
		p.generator = hex.EncodeToString(h.Sum(nil))
	}
	o, t := &p.Options, &p.Target
	sum := func(parent string, write func(h hash.Hash)) string {
		h := sha256.New()
		fmt.Fprintln(h, keyVersion, parent)
		write(h)
		return hex.EncodeToString(h.Sum(nil))[:20]
	}
	base := sum(p.generator, func(h hash.Hash) {
		for _, t := range append([]Target{*t}, p.Extra...) {
			binary.Write(h, binary.LittleEndian, []int32{int32(t.Image.C), int32(t.Image.H), int32(t.Image.W)})
			binary.Write(h, binary.LittleEndian, t.Image.Pix)
			if t.Foreground != nil {
				binary.Write(h, binary.LittleEndian, t.Foreground.Pix)
			}
			binary.Write(h, binary.LittleEndian, t.Camera.Label())
		}
		fmt.Fprintf(h, "seed=%d render=%+v patch=%d perceptual=%q\n", o.Seed, o.Render, o.Patch, p.PerceptualName)
	})
	k := map[Stage]string{}
	k[StageW] = sum(base, func(h hash.Hash) {
		fmt.Fprintf(h, "w steps=%d lr=%v ramp=%v,%v avg=%d noise=%v,%v optnoise=%v noisereg=%v loss=%+v camera=%s\n",
			o.WSteps, o.WLearningRate, o.WRampUp, o.WRampDown, o.WAvgSamples, o.WNoise, o.WNoiseRamp, o.OptimizeNoise,
			o.NoiseRegularization, o.WLoss, o.RefineCamera.key())
	})
	k[StagePTI] = sum(k[StageW], func(h hash.Hash) {
		fmt.Fprintf(h, "pti steps=%d lr=%v stop=%v loss=%+v camera=%v\n", o.PTISteps, o.PTILearningRate, o.PTIStopLoss, o.PTILoss, o.RefineCamera.PTI)
	})
	k[StagePseudo] = sum(k[StagePTI], func(h hash.Hash) {
		pv := o.PseudoViews
		fmt.Fprintf(h, "views mesh=%+v visibility=%+v warp=%v splat=%+v blend=%+v\n", pv.Mesh, pv.Visibility, pv.Warp, pv.Splat, pv.Blend)
		for _, c := range o.Trajectory {
			binary.Write(h, binary.LittleEndian, c.Label())
		}
	})
	k[StageFinal] = sum(k[StagePseudo], func(h hash.Hash) {
		fmt.Fprintf(h, "final steps=%d lr=%v from=%v occluded=%v loss=%+v\n", o.FinalSteps, o.FinalLearningRate, o.FinalFrom, o.OccludedWeight, o.FinalLoss)
	})
	k[StageDensity] = sum(k[StagePTI], func(h hash.Hash) {
		fmt.Fprintf(h, "densityreg steps=%d lr=%v weight=%v points=%d from=%v loss=%+v\n", o.DensitySteps, o.FinalLearningRate,
			o.DensityWeight, o.DensityPoints, o.DensityFrom, o.PTILoss)
	})
	k[StagePTILong] = sum(k[StagePTI], func(h hash.Hash) {
		fmt.Fprintf(h, "ptilong steps=%d lr=%v loss=%+v\n", o.FinalSteps, o.PTILearningRate, o.PTILoss)
	})
	return k, nil
}
