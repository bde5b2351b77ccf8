package benchmark

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pmvi/pmvi/internal/atomicfile"

	"github.com/gomlx/gomlx/backends"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/invert"
)

// Method is an inversion method the benchmark compares.
type Method string

const (
	W          Method = "w"          // W+ projection alone, rendered by the untuned generator (a reference)
	PTI        Method = "pti"        // W+ projection then PTI (the baseline)
	Ours       Method = "ours"       // PTI, pseudo multi-views, final optimization (the paper)
	DensityReg Method = "densityreg" // PTI then single-view tuning with density regularization (supp. D)
)

// ParseMethods parses a comma-separated list such as "pti,ours,densityreg".
func ParseMethods(s string) ([]Method, error) {
	var out []Method
	for _, p := range strings.Split(s, ",") {
		m := Method(strings.TrimSpace(p))
		switch m {
		case W, PTI, Ours, DensityReg:
			out = append(out, m)
		default:
			return nil, fmt.Errorf("benchmark: unknown method %q, want w, pti, ours or densityreg", p)
		}
	}
	return out, nil
}

// Point is one sample of a trade-off curve.
type Point struct {
	Step      int     `json:"step"`
	InputPSNR float64 `json:"input_psnr"`
	NovelPSNR float64 `json:"novel_psnr"`
	DepthMAE  float64 `json:"novel_depth_mae"`
}

// CaseResult is everything measured on one case.
type CaseResult struct {
	Case   int               `json:"case"`
	Seed   uint64            `json:"seed"`
	Yaw    float64           `json:"input_yaw"`
	Pitch  float64           `json:"input_pitch"`
	Scores map[Method]Scores `json:"scores"`
	// Curves hold, per method, the scores every CurveEvery steps of its last tuning stage (PTI continued
	// for "pti", stage 3 for "ours", the regularized tuning for "densityreg"), starting from the PTI result.
	Curves map[Method][]Point `json:"curves,omitempty"`
	// FinalFrom records which generator stage 3 started from ("tuned" is the paper's).
	FinalFrom string `json:"final_from"`
	// Steps records the stage lengths W+/PTI/final the case ran with (empty in results from before it was kept).
	Steps string `json:"steps,omitempty"`
}

// Options configure a benchmark run.
type Options struct {
	Invert  invert.Options
	Methods []Method
	// CurveEvery samples the trade-off curves every n steps (0: no curves). For "pti" the curve continues
	// PTI for Invert.FinalSteps more steps after the table's PTI result.
	CurveEvery int
	// Perceptual supplies LPIPS when the options weigh it.
	Perceptual invert.Perceptual
}

// RunCase inverts case c with every method and scores the results.
func RunCase(stdctx context.Context, be backends.Backend, g *eg3d.Generator, c *Case, o Options, cb invert.Callback) (*CaseResult, error) {
	yaw, pitch := c.Camera.YawPitch()
	res := &CaseResult{Case: c.Index, Seed: c.Scene.Identity.Seed, Yaw: yaw, Pitch: pitch,
		Scores: map[Method]Scores{}, Curves: map[Method][]Point{}, FinalFrom: o.Invert.FinalFrom.String(),
		Steps: fmt.Sprintf("%d/%d/%d", o.Invert.WSteps, o.Invert.PTISteps, o.Invert.FinalSteps)}
	target := invert.Target{Image: c.Input.RGB, Camera: c.Camera}
	losses := func(w invert.LossWeights) invert.Losses { return invert.Losses{Weights: w, LPIPS: o.Perceptual} }
	opts := o.Invert
	w, err := invert.ProjectW(stdctx, be, g, target, opts, losses(opts.WLoss), cb)
	if err != nil {
		return nil, err
	}
	pti, err := invert.TunePTI(stdctx, be, g, w.WS, target, opts, losses(opts.PTILoss), cb)
	if err != nil {
		return nil, err
	}
	tuned := eg3d.NewRunner(pti.Generator, be)
	if res.Scores[PTI], err = Score(tuned, w.WS, c, opts.Render); err != nil {
		return nil, err
	}
	start := func(s Scores) []Point { return []Point{{0, s.InputPSNR, s.NovelPSNR, s.NovelDepthMAE}} }
	var untuned Scores // the W+ code on the original generator: method W, and the start of stage 3's curve
	startsUntuned := opts.FinalFrom == invert.FromOriginal && o.CurveEvery > 0 && slices.Contains(o.Methods, Ours)
	if slices.Contains(o.Methods, W) || startsUntuned {
		if untuned, err = Score(eg3d.NewRunner(g, be), w.WS, c, opts.Render); err != nil {
			return nil, err
		}
	}
	for _, m := range o.Methods {
		curve := &curveRecorder{be: be, every: o.CurveEvery, ws: w, c: c, render: opts.Render, next: cb}
		if o.CurveEvery > 0 {
			curve.points = start(res.Scores[PTI])
			if m == Ours && opts.FinalFrom == invert.FromOriginal {
				curve.points = start(untuned)
			}
		}
		switch m {
		case W:
			res.Scores[W] = untuned
		case PTI:
			if o.CurveEvery > 0 {
				more := opts
				more.PTISteps = opts.FinalSteps
				if _, err := invert.TunePTI(stdctx, be, pti.Generator, w.WS, target, more, losses(opts.PTILoss), curve.step); err != nil {
					return nil, err
				}
			}
		case Ours:
			at, err := tuned.Render(w.WS, c.Camera, opts.Render)
			if err != nil {
				return nil, err
			}
			views, err := invert.BuildPseudoViews(stdctx, tuned, w, target, at.Depth, opts, cb)
			if err != nil {
				return nil, err
			}
			from := pti.Generator
			if opts.FinalFrom == invert.FromOriginal {
				from = g
			}
			fin, err := invert.Final(stdctx, be, from, w.WS, target, invert.AsPseudoViews(views), opts, losses(opts.FinalLoss), curve.step)
			if err != nil {
				return nil, err
			}
			if res.Scores[Ours], err = Score(eg3d.NewRunner(fin.Generator, be), w.WS, c, opts.Render); err != nil {
				return nil, err
			}
		case DensityReg:
			ref := pti.Generator
			if opts.DensityFrom == invert.FromOriginal {
				ref = g
			}
			dr, err := invert.DensityReg(stdctx, be, pti.Generator, ref, w.WS, target, opts, losses(opts.PTILoss), curve.step)
			if err != nil {
				return nil, err
			}
			if res.Scores[DensityReg], err = Score(eg3d.NewRunner(dr.Generator, be), w.WS, c, opts.Render); err != nil {
				return nil, err
			}
		}
		if curve.err != nil {
			return nil, curve.err
		}
		if o.CurveEvery > 0 && m != W { // W has no tuning stage to follow
			res.Curves[m] = curve.points
		}
	}
	return res, nil
}

// curveRecorder scores the generator being tuned every n steps.
type curveRecorder struct {
	be     backends.Backend
	every  int
	ws     *invert.WResult
	c      *Case
	render eg3d.RenderOptions
	next   invert.Callback
	runner *eg3d.Runner
	points []Point
	err    error
}

func (r *curveRecorder) step(s invert.Step) error {
	if r.every > 0 && s.Generator != nil && (s.Step%r.every == 0 || s.Step == s.Steps) {
		if r.runner == nil || r.runner.Gen != s.Generator {
			r.runner = eg3d.NewRunner(s.Generator, r.be)
		}
		sc, err := Score(r.runner, r.ws.WS, r.c, r.render)
		if err != nil {
			r.err = err
			return err
		}
		r.points = append(r.points, Point{s.Step, sc.InputPSNR, sc.NovelPSNR, sc.NovelDepthMAE})
	}
	if r.next != nil {
		return r.next(s)
	}
	return nil
}

// Save writes a case result to dir/case_NNN.json (atomically).
func Save(dir string, r *CaseResult) error {
	data, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		return err
	}
	path := CasePath(dir, r.Case)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, data)
}

// CasePath is where case i's result lives in dir.
func CasePath(dir string, i int) string { return filepath.Join(dir, fmt.Sprintf("case_%03d.json", i)) }

// Load reads every case result in dir.
func Load(dir string) ([]*CaseResult, error) {
	files, err := filepath.Glob(filepath.Join(dir, "case_*.json"))
	if err != nil {
		return nil, err
	}
	var out []*CaseResult
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var r CaseResult
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, fmt.Errorf("benchmark: %s: %w", f, err)
		}
		out = append(out, &r)
	}
	return out, nil
}
