package main

// pmvi batch: every image of a folder or an EG3D dataset.json inverted by the one pipeline, one shard of the
// sorted list per process (Slurm array task, Kubernetes Indexed Job pod), one result folder per image.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/pmvi/pmvi/internal/atomicfile"
	"github.com/pmvi/pmvi/models"
	"github.com/pmvi/pmvi/pkg/align"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/export"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/invert"
	"github.com/pmvi/pmvi/pkg/metrics"
	"github.com/pmvi/pmvi/pkg/shard"
)

// Files of a batch's output folder.
const (
	resultFile   = "result.json" // in each image's folder, written last: the image is done
	manifestFile = "batch.json"  // at the top: the settings, the sorted image names and the shard count
)

// Image statuses in result.json.
const (
	statusOK     = "ok"
	statusFailed = "failed"
)

// consistencyTol is how far, in world units, a novel-view point may lie from the input view's own surface and
// still count as seen by the input (1.5 cm on a head of about 0.5 units; the benchmark's tolerance).
const consistencyTol = 0.015

// scoreNames are the scores result.json holds per method, in the report's column order: what can be measured
// without ground truth (Table 1's input-view reconstruction, and the geometry-based agreement of novel views
// with the input standing in for its novel-view columns).
var scoreNames = []struct{ key, label string }{
	{"input_psnr", "input PSNR (dB)"},
	{"input_ssim", "input SSIM"},
	{"consistency", "consistency (dB)"},
}

// addShardFlags adds --shard and --shards to fs; the function it returns resolves the process's shard from
// them and the environment (package shard). what names the items split, for the help text.
func addShardFlags(fs *flag.FlagSet, what string) func() (shard.Shard, error) {
	s := fs.String("shard", "", "run shard i/N: "+what+" i, i+N, i+2N... of the sorted list (default: from $JOB_COMPLETION_INDEX or $SLURM_ARRAY_TASK_ID, else all)")
	n := fs.Int("shards", 0, "the shard count N, with the index from $JOB_COMPLETION_INDEX or $SLURM_ARRAY_TASK_ID (default $PMVI_SHARDS)")
	return func() (shard.Shard, error) { return shard.Resolve(*s, *n, os.Getenv) }
}

// batchFlags are pmvi batch's settings.
type batchFlags struct {
	images, out, network, method, trajectory string
	yawRange, pitchRange                     float64
	pseudoViews                              int
	orbit, retryFailed, keepStages, list     bool
	shardOf                                  func() (shard.Shard, error)
	inversion                                *inversionFlags
}

func newBatchFlags(stderr io.Writer) (*flag.FlagSet, *batchFlags) {
	const summary = "invert every image of a folder or an EG3D dataset.json, one shard per process (Slurm arrays, Kubernetes Indexed Jobs); finished images are skipped on rerun"
	fs := newFlags("batch", summary, stderr)
	f := &batchFlags{}
	fs.StringVar(&f.images, "images", "", "a folder of images (PNG/JPEG/.npy; a dataset.json beside them gives cameras, the other photos are aligned) or an EG3D dataset.json (required)")
	fs.StringVar(&f.out, "out", "", "results folder: one folder per image (named like the image without its extension) with result.json written last (required)")
	fs.StringVar(&f.network, "network", models.DefaultName, "generator: "+models.Names()+" (embedded), an official EG3D .pkl or a pmvi .safetensors checkpoint")
	fs.StringVar(&f.method, "method", string(invert.MethodOurs), "ours (the paper's method), pti, w, densityreg or ptilong")
	fs.StringVar(&f.trajectory, "trajectory", "eval", "novel views written per image: eval (the paper's 5 evaluation cameras), orbit or a count N on an ellipse")
	fs.Float64Var(&f.yawRange, "yaw-range", 0.35, "with --trajectory N: the ellipse's yaw half-range, radians")
	fs.Float64Var(&f.pitchRange, "pitch-range", 0.25, "with --trajectory N: the ellipse's pitch half-range, radians")
	fs.IntVar(&f.pseudoViews, "pseudo-views", 30, "pseudo views along the official orbit's path (30: the official orbit itself)")
	fs.BoolVar(&f.orbit, "orbit", false, "write orbit.gif per image (40 more renders each)")
	fs.BoolVar(&f.retryFailed, "retry-failed", false, "invert again the images whose result.json says failed (finished ones are always skipped)")
	fs.BoolVar(&f.keepStages, "keep-stages", false, "keep each image's tuned generators and pseudo-view arrays (each generator is the network's size) for pmvi edit or a rerun with other settings; by default they are deleted once the image is done")
	fs.BoolVar(&f.list, "list", false, "print this shard's images and whether each is done, then exit without inverting")
	f.shardOf = addShardFlags(fs, "images")
	f.inversion = addInversionFlags(fs)
	return fs, f
}

// batchItem is one input of a batch.
type batchItem struct {
	// Name is the image's path relative to the dataset, slash-separated, without its extension: its result
	// folder under --out, and its place in the sorted list.
	Name string
	// Path is the image file.
	Path string
	// Camera is the camera a dataset.json gives; nil means the photo is aligned first.
	Camera *camera.Camera
}

// imageExts are the file types a folder's images may have.
var imageExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".npy": true}

// listInputs returns the images of src sorted by name: the images directly in a folder (with the cameras of
// a dataset.json beside them, for the files it lists), or every entry of an EG3D dataset.json (file names
// relative to its folder).
func listInputs(src string) ([]batchItem, error) {
	st, err := os.Stat(src)
	if err != nil {
		return nil, fmt.Errorf("--images: %w", err)
	}
	var items []batchItem
	if !st.IsDir() {
		labelled, err := camera.ReadDataset(src)
		if err != nil {
			return nil, fmt.Errorf("--images %s: want a folder or an EG3D dataset.json: %w", src, err)
		}
		for _, l := range labelled {
			rel := path.Clean(filepath.ToSlash(l.File))
			if path.IsAbs(rel) || rel == ".." || strings.HasPrefix(rel, "../") {
				return nil, fmt.Errorf("--images %s: %q is outside the dataset's folder", src, l.File)
			}
			c := l.Camera
			items = append(items, batchItem{Name: strings.TrimSuffix(rel, path.Ext(rel)), Path: filepath.Join(filepath.Dir(src), filepath.FromSlash(rel)), Camera: &c})
		}
	} else {
		cams := map[string]camera.Camera{}
		if ds := filepath.Join(src, "dataset.json"); exists(ds) {
			labelled, err := camera.ReadDataset(ds)
			if err != nil {
				return nil, err
			}
			for _, l := range labelled {
				cams[path.Clean(filepath.ToSlash(l.File))] = l.Camera
			}
		}
		entries, err := os.ReadDir(src)
		if err != nil {
			return nil, fmt.Errorf("--images: %w", err)
		}
		for _, e := range entries {
			name := e.Name()
			ext := filepath.Ext(name)
			if e.IsDir() || strings.HasPrefix(name, ".") || !imageExts[strings.ToLower(ext)] {
				continue
			}
			it := batchItem{Name: strings.TrimSuffix(name, ext), Path: filepath.Join(src, name)}
			if c, ok := cams[name]; ok {
				it.Camera = &c
			}
			items = append(items, it)
		}
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("--images %s: no images (PNG, JPEG or .npy)", src)
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Name < items[j].Name })
	for i := 1; i < len(items); i++ {
		if items[i].Name == items[i-1].Name {
			return nil, fmt.Errorf("--images %s: %s and %s would share the result folder %q; rename one", src, items[i-1].Path, items[i].Path, items[i].Name)
		}
	}
	return items, nil
}

// batchSettings are what every image of one results folder must be inverted with, so that its table
// compares like with like.
type batchSettings struct {
	Method      invert.Method `json:"method"`
	Network     string        `json:"network"`
	Preset      string        `json:"preset"`
	Steps       [3]int        `json:"steps"` // W+, PTI, final
	Seed        int64         `json:"seed"`
	Patch       int           `json:"patch"`
	Perceptual  string        `json:"perceptual"`
	Trajectory  string        `json:"trajectory"`
	PseudoViews int           `json:"pseudo_views"`
}

// batchManifest is batch.json: written by every shard (the same content when they agree), read by pmvi report
// to tell images not done yet, and their shards, from images never listed.
type batchManifest struct {
	Settings batchSettings `json:"settings"`
	Shards   int           `json:"shards"`
	Images   []string      `json:"images"`
}

// writeManifest records m in out/batch.json, refusing settings other than those already recorded there.
func writeManifest(out string, m batchManifest, stdout io.Writer) error {
	p := filepath.Join(out, manifestFile)
	if data, err := os.ReadFile(p); err == nil {
		var old batchManifest
		if err := json.Unmarshal(data, &old); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if old.Settings != m.Settings {
			a, _ := json.Marshal(old.Settings)
			b, _ := json.Marshal(m.Settings)
			return fmt.Errorf("%s records other settings than this run's, and one table must compare like with like:\n  there: %s\n  here:  %s\nuse another --out, or delete %s to mix them", p, a, b, p)
		}
		if old.Shards != m.Shards {
			fmt.Fprintf(stdout, "note: %s recorded %d shards, this run splits into %d (fine once no shard of the other split still runs)\n", p, old.Shards, m.Shards)
		}
	}
	data, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(p, data)
}

// imageResult is result.json: one image's outcome. It is written last, atomically, so it marks the image
// done: a rerun skips the image (unless it failed and --retry-failed is given).
type imageResult struct {
	Name   string `json:"name"`
	Input  string `json:"input"`
	Status string `json:"status"` // "ok" or "failed"
	// Error says why the image failed, naming the file: unreadable, no face found, not finite...
	Error string `json:"error,omitempty"`
	// Camera is "given" (by a dataset.json) or "aligned" (estimated from the photo); empty when the image
	// failed before.
	Camera  string        `json:"camera,omitempty"`
	Method  invert.Method `json:"method"`
	Network string        `json:"network"`
	Preset  string        `json:"preset"`
	Shard   string        `json:"shard"`
	Host    string        `json:"host"`
	// Seconds is the wall time of the run that finished the image (stages an earlier, interrupted run
	// finished are loaded, not counted).
	Seconds  float64   `json:"seconds"`
	Finished time.Time `json:"finished"`
	// Scores holds, per method (the one run and PTI, its baseline, when it ran), the scores of scoreNames
	// that could be computed.
	Scores map[invert.Method]map[string]float64 `json:"scores,omitempty"`
}

// readResult reads dir's result.json; ok is false when there is none (or it cannot be read: the image is
// then done again).
func readResult(dir string) (r imageResult, ok bool) {
	data, err := os.ReadFile(filepath.Join(dir, resultFile))
	if err != nil || json.Unmarshal(data, &r) != nil || (r.Status != statusOK && r.Status != statusFailed) {
		return imageResult{}, false
	}
	return r, true
}

func runBatch(args []string, stdout, stderr io.Writer) error {
	fs, f := newBatchFlags(stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	if f.images == "" || f.out == "" {
		fmt.Fprintln(fs.Output(), "pmvi batch: --images and --out are required (-h for help)")
		return errUsage
	}
	sh, err := f.shardOf()
	if err != nil {
		return err
	}
	items, err := listInputs(f.images)
	if err != nil {
		return err
	}
	mine := sh.Items(len(items))
	var todo []int
	done := 0
	for _, k := range mine {
		if r, ok := readResult(filepath.Join(f.out, filepath.FromSlash(items[k].Name))); ok && (r.Status == statusOK || !f.retryFailed) {
			done++
			if f.list {
				fmt.Fprintf(stdout, "%-8s %s\n", r.Status, items[k].Name)
			}
			continue
		}
		todo = append(todo, k)
		if f.list {
			fmt.Fprintf(stdout, "%-8s %s\n", "to do", items[k].Name)
		}
	}
	fmt.Fprintf(stdout, "shard %s (%s): %d of %d images, %d done earlier, %d to do\n", sh, sh.Source, len(mine), len(items), done, len(todo))
	if f.list {
		return nil
	}

	m, err := invert.ParseMethod(f.method)
	if err != nil {
		return err
	}
	opts, preset, perceptual, err := f.inversion.options()
	if err != nil {
		return err
	}
	cams, err := export.Trajectory(f.trajectory, f.yawRange, f.pitchRange)
	if err != nil {
		return err
	}
	switch {
	case f.pseudoViews < 1 || f.pseudoViews > 360:
		return fmt.Errorf("--pseudo-views %d: want 1 to 360", f.pseudoViews)
	case f.pseudoViews != 30:
		opts.Trajectory = camera.Cameras(camera.Ellipse(f.pseudoViews, 0.35, 0.25, -0.05))
	}
	settings := batchSettings{Method: m, Network: networkName(f.network), Preset: preset, Steps: [3]int{opts.WSteps, opts.PTISteps, opts.FinalSteps},
		Seed: opts.Seed, Patch: opts.Patch, Perceptual: perceptual, Trajectory: f.trajectory, PseudoViews: f.pseudoViews}
	if m == invert.MethodDensityReg {
		settings.Steps[2] = opts.DensitySteps
	}
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return err
	}
	names := make([]string, len(items))
	for i, it := range items {
		names[i] = it.Name
	}
	if err := writeManifest(f.out, batchManifest{Settings: settings, Shards: sh.Count, Images: names}, stdout); err != nil {
		return err
	}
	if len(todo) == 0 {
		fmt.Fprintf(stdout, "shard %s: nothing to do\n", sh)
		return nil
	}
	g, err := models.Load(f.network)
	if err != nil {
		return err
	}
	be, err := backend.New()
	if err != nil {
		return err
	}
	stdctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	host, _ := os.Hostname()
	b := &batchRun{flags: f, method: m, opts: opts, preset: preset, perceptual: perceptual, cams: cams, gen: g, be: be,
		shard: sh.String(), host: host, stderr: stderr}

	start := time.Now()
	var ok, failed int
	var okTime time.Duration
	for n, k := range todo {
		it := items[k]
		t0 := time.Now()
		r, err := b.invertItem(stdctx, it)
		if err != nil { // the shard itself cannot go on: interrupted, or the results folder is not writable
			fmt.Fprintf(stdout, "shard %s stopped at %s after %d images (%d failed): %v\n", sh, it.Name, ok+failed, failed, err)
			if errors.Is(err, context.Canceled) {
				return fmt.Errorf("interrupted during %s: finished images are recorded; run the same command again to continue (the image resumes from its last finished stage)", it.Name)
			}
			return err
		}
		took := time.Since(t0)
		line := fmt.Sprintf("[%d/%d] %s %s in %s", n+1, len(todo), it.Name, r.Status, took.Round(10*time.Millisecond))
		if r.Status == statusOK {
			ok++
			okTime += took
			line += ": " + scoreSummary(r)
		} else {
			failed++
			line += ": " + r.Error
		}
		// The ETA assumes the rest will succeed: failures are usually quick (an unreadable file, no face).
		if left := len(todo) - n - 1; left > 0 && ok > 0 {
			line += fmt.Sprintf("; shard ETA %s", (okTime / time.Duration(ok) * time.Duration(left)).Round(time.Second))
		}
		fmt.Fprintln(stdout, line)
	}
	fmt.Fprintf(stdout, "shard %s done in %s: %d inverted, %d failed, %d done earlier; `pmvi report %s` merges every shard's results\n",
		sh, time.Since(start).Round(time.Second), ok, failed, done, f.out)
	return nil
}

// batchRun holds what every image of a shard is inverted with.
type batchRun struct {
	flags            *batchFlags
	method           invert.Method
	opts             invert.Options
	preset, shard    string
	perceptual, host string
	cams             []camera.Camera
	gen              *eg3d.Generator
	be               backends.Backend
	stderr           io.Writer
}

// invertItem inverts one image into its folder and records the outcome in its result.json. The image's own
// failures (unreadable, no face, not finite, a stage's error, a panic) are recorded there and returned as a
// failed result; err is for what stops the shard: an interruption, or a result that cannot be written.
func (b *batchRun) invertItem(stdctx context.Context, it batchItem) (imageResult, error) {
	start := time.Now()
	dir := filepath.Join(b.flags.out, filepath.FromSlash(it.Name))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return imageResult{}, err
	}
	logf, err := os.OpenFile(filepath.Join(dir, "log.txt"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return imageResult{}, err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "%s shard %s on %s: inverting %s\n", start.Format(time.RFC3339), b.shard, b.host, it.Path)
	r := imageResult{Name: it.Name, Input: it.Path, Status: statusOK, Method: b.method, Network: networkName(b.flags.network),
		Preset: b.preset, Shard: b.shard, Host: b.host}
	err = safely(func() error { return b.invertInto(stdctx, it, dir, &r, logf) })
	if stdctx.Err() != nil || errors.Is(err, context.Canceled) {
		fmt.Fprintf(logf, "interrupted: %v\n", err)
		return r, context.Canceled
	}
	if err != nil {
		r.Status, r.Error, r.Scores = statusFailed, err.Error(), nil
		fmt.Fprintf(logf, "failed: %v\n", err)
	}
	r.Seconds, r.Finished = time.Since(start).Seconds(), time.Now().UTC().Round(time.Second)
	data, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		return r, err
	}
	return r, atomicfile.WriteBytes(filepath.Join(dir, resultFile), data)
}

// invertInto reads (or aligns) the image, runs the pipeline in dir, writes the outputs and input.png, and
// scores the result into r.
func (b *batchRun) invertInto(stdctx context.Context, it batchItem, dir string, r *imageResult, log io.Writer) error {
	cfg := &b.gen.Config
	var target invert.Target
	var err error
	switch {
	case it.Camera != nil:
		target, err = readGiven(it.Path, *it.Camera, cfg)
		r.Camera = "given"
	case strings.EqualFold(filepath.Ext(it.Path), ".npy"):
		return fmt.Errorf("%s: an array is taken as aligned, and the dataset gives it no camera (list it in a dataset.json beside it)", it.Path)
	default:
		target, err = alignTarget(it.Path, dir, "aligned", cfg, log)
		if errors.Is(err, align.ErrNoFace) || errors.Is(err, align.ErrTinyFace) || errors.Is(err, align.ErrUnreadable) {
			// alignTarget's hint names pmvi invert's flags; here a camera comes from a dataset.json.
			err = fmt.Errorf("%w (an image already aligned needs its camera in a dataset.json beside it)", errors.Unwrap(err))
		}
		r.Camera = "aligned"
	}
	if err != nil {
		return err
	}
	if err := fimage.WritePNG(filepath.Join(dir, "input.png"), target.Image); err != nil {
		return err
	}
	p := &invert.Pipeline{
		Inversion: invert.Inversion{Backend: b.be, Generator: b.gen, Target: target, Options: b.opts, Progress: newStageLog(io.MultiWriter(b.stderr, log), it.Name).Step},
		Workspace: invert.Workspace{Dir: dir}, Network: networkName(b.flags.network), Preset: b.preset, PerceptualName: b.perceptual,
	}
	res, err := invertInto(stdctx, p, b.method, b.cams, b.flags.orbit, log)
	if err != nil {
		return err
	}
	if r.Scores, err = scoreInversion(b.be, res, target, b.opts.Render); err != nil {
		return err
	}
	if !b.flags.keepStages {
		return pruneStages(dir)
	}
	return nil
}

// readGiven reads an image a dataset gives a camera for: it must be aligned already, at the generator's
// resolution, and finite. (readTarget's messages name pmvi invert's flags.)
func readGiven(path string, cam camera.Camera, cfg *eg3d.Config) (invert.Target, error) {
	img, err := readImage(path)
	if err != nil {
		return invert.Target{}, err
	}
	if img.H != cfg.ImageResolution || img.W != cfg.ImageResolution {
		return invert.Target{}, fmt.Errorf("%s is %dx%d, the generator makes %dx%d images: a dataset.json's cameras are for aligned crops (leave a photo out of dataset.json to have it aligned)",
			path, img.W, img.H, cfg.ImageResolution, cfg.ImageResolution)
	}
	if err := img.CheckFinite(path); err != nil {
		return invert.Target{}, err
	}
	return invert.Target{Image: img, Camera: cam}, nil
}

// scoreInversion scores what can be measured without ground truth, for the method's generator and, when the
// method tuned further, for PTI's: the render at the input camera against the input (PSNR, SSIM), and the
// consistency of the evaluation cameras' views with the input through their own depth (metrics.Consistency,
// mean dB over the views that overlap the input). A render that is not finite fails the image.
func scoreInversion(be backends.Backend, res *invert.Result, target invert.Target, opts eg3d.RenderOptions) (map[invert.Method]map[string]float64, error) {
	gens := map[invert.Method]*eg3d.Generator{res.Method: res.Generator}
	if res.PTI != nil && res.Method != invert.MethodPTI {
		gens[invert.MethodPTI] = res.PTI.Generator
	}
	out := map[invert.Method]map[string]float64{}
	for m, g := range gens {
		r := eg3d.NewRunner(g, be)
		in, err := r.Render(res.WS(), target.Camera, opts)
		if err != nil {
			return nil, err
		}
		if err := errors.Join(in.Image.CheckFinite(string(m)+"'s render at the input camera"), in.Depth.CheckFinite(string(m)+"'s depth at the input camera")); err != nil {
			return nil, err
		}
		s := map[string]float64{}
		put := func(k string, v float64) {
			if !math.IsNaN(v) && !math.IsInf(v, 0) { // identical images have an infinite PSNR: left out
				s[k] = v
			}
		}
		psnr, err := metrics.PSNR(in.Image, target.Image, nil)
		if err != nil {
			return nil, err
		}
		ssim, err := metrics.SSIM(in.Image, target.Image)
		if err != nil {
			return nil, err
		}
		put("input_psnr", psnr)
		put("input_ssim", ssim)
		var sum, n float64
		for i, c := range camera.Cameras(camera.Evaluation()) {
			v, err := r.Render(res.WS(), c, opts)
			if err != nil {
				return nil, err
			}
			if err := v.Image.CheckFinite(fmt.Sprintf("%s's evaluation view %d", m, i)); err != nil {
				return nil, err
			}
			if c, _, err := metrics.Consistency(target.Image, in.Depth, target.Camera, v.Image, v.Depth, c, consistencyTol); err == nil && !math.IsNaN(c) {
				sum, n = sum+c, n+1 // a view that sees nothing of the input has no consistency
			}
		}
		if n > 0 {
			put("consistency", sum/n)
		}
		out[m] = s
	}
	return out, nil
}

// prunedStages are the stage files of a finished image that a rerun no longer needs: the tuned generators
// (the network's size each) and the pseudo views' arrays, each with the JSON that marks it stored, so that a
// later pmvi invert in the folder recomputes them rather than find them half gone. W+ (latent.npy, w.json)
// and the outputs stay.
var prunedStages = []string{"pti.json", "generator.safetensors", "views.json", "views", "final.json", "final.safetensors",
	"densityreg.json", "densityreg.safetensors", "ptilong.json", "ptilong.safetensors"}

func pruneStages(dir string) error {
	for _, f := range prunedStages {
		if err := os.RemoveAll(filepath.Join(dir, f)); err != nil {
			return err
		}
	}
	return nil
}

// scoreSummary is the scores of a finished image in a few words.
func scoreSummary(r imageResult) string {
	s := r.Scores[r.Method]
	var parts []string
	if v, ok := s["input_psnr"]; ok {
		parts = append(parts, fmt.Sprintf("input PSNR %.2f dB", v))
		if p, ok := r.Scores[invert.MethodPTI]["input_psnr"]; ok && r.Method != invert.MethodPTI {
			parts[len(parts)-1] += fmt.Sprintf(" (PTI %.2f)", p)
		}
	}
	if v, ok := s["consistency"]; ok {
		parts = append(parts, fmt.Sprintf("consistency %.2f dB", v))
	}
	return r.Camera + " camera, " + strings.Join(parts, ", ")
}

// stageLog reports a batch image's stages in a log: a line when a stage ends, and every few minutes within a
// long one (a terminal's progress bar would fill a job's log file).
type stageLog struct {
	w    io.Writer
	name string
	last time.Time
}

const stageLogEvery = 5 * time.Minute

func newStageLog(w io.Writer, name string) *stageLog {
	return &stageLog{w: w, name: name, last: time.Now()}
}

// Step is an invert.Callback.
func (l *stageLog) Step(s invert.Step) error {
	if s.Step != s.Steps && time.Since(l.last) < stageLogEvery {
		return nil
	}
	l.last = time.Now()
	loss := fmt.Sprintf(", loss %.4g", s.Loss)
	if s.Stage == invert.StagePseudo {
		loss = ""
	}
	fmt.Fprintf(l.w, "  %s: stage %d/%d %s %d/%d%s, %s\n", l.name, s.StageIndex, s.StageCount, s.Stage, s.Step, s.Steps, loss, s.Elapsed.Round(time.Second))
	return nil
}
