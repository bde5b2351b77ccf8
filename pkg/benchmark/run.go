package benchmark

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pmvi/pmvi/internal/atomicfile"

	"github.com/gomlx/gomlx/backends"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/heads"
	"github.com/pmvi/pmvi/pkg/invert"
)

// Method is an inversion method the benchmark compares (invert's methods, run by invert.Pipeline).
type Method = invert.Method

// The methods, named as in package invert.
const (
	W          = invert.MethodW          // W+ projection alone, rendered by the untuned generator (a reference)
	PTI        = invert.MethodPTI        // W+ projection then PTI (the paper's baseline)
	Ours       = invert.MethodOurs       // PTI, pseudo multi-views, final optimization (the paper's method)
	DensityReg = invert.MethodDensityReg // PTI then single-view tuning with density regularization (supp. D)
	PTILong    = invert.MethodPTILong    // PTI continued as long as stage 3 runs (the fair baseline)
)

// ParseMethods parses a comma-separated list such as "pti,ours,densityreg".
func ParseMethods(s string) ([]Method, error) {
	var out []Method
	for _, p := range strings.Split(s, ",") {
		m, err := invert.ParseMethod(p)
		if err != nil {
			return nil, fmt.Errorf("benchmark: %w", err)
		}
		out = append(out, m)
	}
	return out, nil
}

// Point is one sample of a trade-off curve.
type Point struct {
	// Stage is the stage that was running; Step counts steps from the start of the inversion (stage 1's
	// first step is 1), so the curves of every stage share one axis.
	Stage     invert.Stage `json:"stage,omitempty"`
	Step      int          `json:"step"`
	InputPSNR float64      `json:"input_psnr"`
	NovelPSNR float64      `json:"novel_psnr"`
	DepthMAE  float64      `json:"novel_depth_mae"`
	// ViewPSNR is the PSNR at each evaluation camera (Scores.ViewPSNR).
	ViewPSNR []float64 `json:"view_psnr,omitempty"`
}

// CaseResult is everything measured on one case.
type CaseResult struct {
	Case   int               `json:"case"`
	Seed   uint64            `json:"seed"`
	Yaw    float64           `json:"input_yaw"`
	Pitch  float64           `json:"input_pitch"`
	Scores map[Method]Scores `json:"scores"`
	// Curves hold, per method, the scores every CurveEvery steps of the whole run: W+, PTI, then the method's
	// last tuning stage (stage 3 for "ours", the regularized tuning for "densityreg", PTI continued for
	// "ptilong"); "w" and "pti" end with their last stage.
	Curves map[Method][]Point `json:"curves,omitempty"`
	// FinalFrom records which generator stage 3 started from ("tuned" is the paper's).
	FinalFrom string `json:"final_from"`
	// Steps records the stage lengths W+/PTI/final the case ran with.
	Steps string `json:"steps,omitempty"`
	// Seconds is the case's wall time.
	Seconds float64 `json:"seconds,omitempty"`
	// Views is the number of input views (1 plus Options.Views' extra ones).
	Views int `json:"views,omitempty"`
	// GivenPoseError is the angle (degrees) between the camera the inversion was given and the true one
	// (Options.Perturb); PoseError[m] the refined camera's, per method, when the camera was refined.
	GivenPoseError float64            `json:"given_pose_error_deg,omitempty"`
	PoseError      map[Method]float64 `json:"pose_error_deg,omitempty"`
	// Warnings are the pipeline's warnings (e.g. a refined camera that moved too far).
	Warnings []string `json:"warnings,omitempty"`
}

// Options configure a benchmark run.
type Options struct {
	Invert  invert.Options
	Methods []Method
	// CurveEvery samples the trade-off curves every n steps of every stage (0: no curves).
	CurveEvery int
	// Workspace, when not empty, keeps each case's stage results in Workspace/case_NNN, so an interrupted
	// case resumes at the stage where it stopped.
	Workspace string
	// Network and Preset name the generator and the preset in each case's run.json.
	Network, Preset string
	// PerceptualName names Invert.Perceptual (see invert.Pipeline).
	PerceptualName string
	// Perturb turns the camera the inversion is given away from the true one by this angle (radians), in a
	// direction drawn from the case's index: what a pose estimate's error does. Refinement is
	// Invert.RefineCamera.
	Perturb float64
	// Views adds input views of the same head to the case's (multi-view inversion): 2 adds yaw +0.4, 3 also
	// yaw -0.4 (at the case's pitch). 0 and 1 mean the case's view alone.
	Views int
}

// ExtraViewYaws are the yaws of the extra input views Options.Views adds, in order.
var ExtraViewYaws = []float64{0.4, -0.4}

// Target returns what the pipeline inverts for the case: its input view (8-bit, as a saved image) at its
// camera. The ground truth stays with the case; the pipeline finds the foreground itself, as for a photo.
func (c *Case) Target() invert.Target { return invert.Target{Image: c.Input.RGB, Camera: c.Camera} }

// RunCase inverts case c with every method through one invert.Pipeline (stages shared between methods run
// once) and scores each result against the case's ground truth.
func RunCase(stdctx context.Context, be backends.Backend, g *eg3d.Generator, c *Case, o Options, cb invert.Callback) (*CaseResult, error) {
	start := time.Now()
	yaw, pitch := c.Camera.YawPitch()
	res := &CaseResult{Case: c.Index, Seed: c.Scene.Identity.Seed, Yaw: yaw, Pitch: pitch,
		Scores: map[Method]Scores{}, Curves: map[Method][]Point{}, FinalFrom: o.Invert.FinalFrom.String(),
		Steps: fmt.Sprintf("%d/%d/%d", o.Invert.WSteps, o.Invert.PTISteps, o.Invert.FinalSteps)}
	curve := &curveRecorder{be: be, every: o.CurveEvery, c: c, render: o.Invert.Render, next: cb, original: g,
		opts: &o.Invert, points: map[invert.Stage][]Point{}}
	p := &invert.Pipeline{
		Inversion: invert.Inversion{Backend: be, Generator: g, Target: c.Target(), Options: o.Invert, Progress: curve.step},
		Network:   o.Network, Preset: o.Preset, PerceptualName: o.PerceptualName,
	}
	if o.Perturb > 0 {
		phi := rand.New(rand.NewPCG(uint64(c.Index), 0x706f7365)).Float64() * 2 * math.Pi // "pose"
		p.Target.Camera = camera.At(yaw+o.Perturb*math.Cos(phi), pitch+o.Perturb*math.Sin(phi))
		res.GivenPoseError = camera.AngleBetween(p.Target.Camera, c.Camera, camera.FFHQ().Pivot) * 180 / math.Pi
	}
	if o.Views > len(ExtraViewYaws)+1 {
		return nil, fmt.Errorf("benchmark: %d input views, at most %d", o.Views, len(ExtraViewYaws)+1)
	}
	for k := 0; k+1 < o.Views; k++ {
		cam := camera.At(ExtraViewYaws[k], pitch)
		p.Extra = append(p.Extra, invert.Target{Image: heads.Render(c.Scene, cam, c.Input.RGB.H).RGB.Quantize8(), Camera: cam})
	}
	res.Views = 1 + len(p.Extra)
	if o.Workspace != "" {
		p.Workspace.Dir = filepath.Join(o.Workspace, fmt.Sprintf("case_%03d", c.Index))
	}
	for _, m := range o.Methods {
		r, err := p.Run(stdctx, m)
		if err != nil {
			return nil, err
		}
		if curve.err != nil {
			return nil, curve.err
		}
		if res.Scores[m], err = Score(eg3d.NewRunner(r.Generator, be), r.WS(), c, o.Invert.Render); err != nil {
			return nil, err
		}
		if cams := r.Cameras(); cams != nil {
			refined, err := cams[0].Camera()
			if err != nil {
				return nil, err
			}
			if res.PoseError == nil {
				res.PoseError = map[Method]float64{}
			}
			res.PoseError[m] = camera.AngleBetween(refined, c.Camera, camera.FFHQ().Pivot) * 180 / math.Pi
			for _, rc := range cams {
				if rc.Warning != "" && !slices.Contains(res.Warnings, rc.Warning) {
					res.Warnings = append(res.Warnings, rc.Warning)
				}
			}
		}
		if o.CurveEvery > 0 {
			stages := m.Stages()
			var points []Point
			for _, st := range stages {
				points = append(points, curve.points[st]...)
			}
			if len(points) > 0 {
				res.Curves[m] = points
			}
		}
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// curveRecorder scores the inversion every n steps of every stage: stage 1's latent on the original
// generator, later stages' generators with the W+ code.
type curveRecorder struct {
	be       backends.Backend
	every    int
	c        *Case
	render   eg3d.RenderOptions
	next     invert.Callback
	original *eg3d.Generator
	opts     *invert.Options
	runner   *eg3d.Runner
	points   map[invert.Stage][]Point
	err      error
}

func (r *curveRecorder) step(s invert.Step) error {
	if r.every > 0 && s.Stage != invert.StagePseudo && s.WS != nil && (s.Step%r.every == 0 || s.Step == s.Steps) {
		gen := s.Generator
		if gen == nil {
			gen = r.original
		}
		if r.runner == nil || r.runner.Gen != gen {
			r.runner = eg3d.NewRunner(gen, r.be)
		}
		sc, err := Score(r.runner, s.WS, r.c, r.render)
		if err != nil {
			r.err = err
			return err
		}
		r.points[s.Stage] = append(r.points[s.Stage], Point{Stage: s.Stage, Step: r.offset(s.Stage) + s.Step,
			InputPSNR: sc.InputPSNR, NovelPSNR: sc.NovelPSNR, DepthMAE: sc.NovelDepthMAE, ViewPSNR: sc.ViewPSNR})
	}
	if r.next != nil {
		return r.next(s)
	}
	return nil
}

// offset is where a stage's steps start on the curves' common axis: stage 1 at 0, PTI after it, the last
// tuning stages after PTI.
func (r *curveRecorder) offset(st invert.Stage) int {
	switch st {
	case invert.StageW:
		return 0
	case invert.StagePTI:
		return r.opts.WSteps
	}
	return r.opts.WSteps + r.opts.PTISteps
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
