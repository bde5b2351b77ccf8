package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/pmvi/pmvi/models"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/checkpoint/safetensors"
	"github.com/pmvi/pmvi/pkg/figures"
	"github.com/pmvi/pmvi/pkg/train"
	"gonum.org/v1/plot/vg"
)

func runTrainTiny(args []string, stdout, stderr io.Writer) error {
	const summary = "train an embedded generator (tiny or small) on the procedural head world (resumable)"
	fs := newFlags("train-tiny", summary, stderr)
	presets := map[string]train.Options{"tiny": train.DefaultOptions(), "small": train.SmallOptions()}
	name := presetArg(args, "tiny")
	def, ok := presets[name]
	if !ok {
		fmt.Fprintf(stderr, "pmvi train-tiny: unknown preset %q (tiny or small)\n", name)
		return errUsage
	}
	fs.String("preset", "tiny", "the model and its training run: tiny (64-px rendering + super-resolution) or small (128-px volume rendering, no super-resolution); the other flags default to the preset's values")
	dir := fs.String("dir", def.Dir, "run directory: cached views, checkpoints and the learning curve (rerun to resume)")
	out := fs.String("out", "models/"+name+"/"+name+".safetensors", "where to write the trained generator (a JSON sidecar goes beside it)")
	ids := fs.Int("identities", def.Identities, "training identities")
	views := fs.Int("views", def.Data.Views, "views per identity")
	steps1 := fs.Int("steps1", def.Phase1Steps, "phase-1 steps (latents, backbone, decoder on random rays)")
	decay := fs.Int("decay", def.DecaySteps, "phase-1 steps of the final learning-rate decay (0: the last 30%)")
	steps2 := fs.Int("steps2", def.Phase2Steps, "phase-2 steps (super-resolution on full views)")
	batch := fs.Int("batch", def.Batch, "phase-1 identities a step")
	rays := fs.Int("rays", def.Rays, "phase-1 random rays per identity a step")
	seed := fs.Uint64("seed", def.Seed, "random seed")
	snapshot := fs.Bool("snapshot", false, "write the generator of the run's last checkpoint without training (to look at a run while it goes on; copy --dir first if the run is writing it)")
	if err := parse(fs, args); err != nil {
		return err
	}
	o := def
	o.Dir, o.Identities, o.Data.Views, o.Phase1Steps, o.Phase2Steps, o.Seed = *dir, *ids, *views, *steps1, *steps2, *seed
	o.Batch, o.Rays, o.DecaySteps = *batch, *rays, *decay
	be, err := backend.New()
	if err != nil {
		return err
	}
	stdctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	bar := newTrainBar(stderr)
	start := time.Now()
	var res *train.Result
	if *snapshot {
		res, err = train.Snapshot(be, o)
	} else {
		res, err = train.Run(stdctx, be, o, bar.update)
	}
	if err != nil {
		return err
	}
	g := res.Generator
	command := "pmvi train-tiny " + strings.Join(withoutPaths(args), " ")
	g.Metadata = map[string]string{
		"command": command, "seed": fmt.Sprint(o.Seed), "commit": gitCommit(),
		"phase1_steps": fmt.Sprint(o.Phase1Steps), "phase2_steps": fmt.Sprint(o.Phase2Steps), "steps_done": fmt.Sprint(res.Steps),
	}
	for k, v := range res.Final {
		g.Metadata["final_"+k] = fmt.Sprintf("%.6g", v)
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return err
	}
	// The training identities' latents travel with the weights (ignored by eg3d.Load), so the model's
	// quality on its training identities can be checked without retraining.
	f, err := g.Safetensors()
	if err != nil {
		return err
	}
	if err := f.AddFloat32(models.LatentsTensor, res.Latents, o.Identities, o.Config.WDim); err != nil {
		return err
	}
	if err := safetensors.Write(*out, f); err != nil {
		return err
	}
	sidecar := map[string]any{
		"config": g.Config, "command": command, "seed": o.Seed, "commit": g.Metadata["commit"],
		"identities": o.Identities, "views_per_identity": o.Data.Views, "split_seed": o.SplitSeed,
		"train_identities": res.Train, "test_identities": res.Test, "phase1_steps": o.Phase1Steps, "phase2_steps": o.Phase2Steps,
		"steps_done": res.Steps, "decay_steps": o.DecaySteps, "rays": o.Rays, "batch": o.Batch,
		"final_losses": res.Final, "parameters": g.Config.NumParameters(),
		"this_process_seconds": time.Since(start).Seconds(),
	}
	data, err := json.MarshalIndent(sidecar, "", "  ")
	if err != nil {
		return err
	}
	side := strings.TrimSuffix(*out, filepath.Ext(*out)) + ".json"
	if err := os.WriteFile(side, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s and %s\n", *out, side)
	if plot, err := writeCurvePlot(o.Dir); err != nil {
		return err
	} else if plot != "" {
		fmt.Fprintf(stdout, "wrote %s\n", plot)
	}
	return nil
}

// writeCurvePlot draws the run's learning curve (dir/curve.csv) as dir/curve.png, held-out-camera PSNR
// against steps, and returns its path ("" when the run has no curve yet).
func writeCurvePlot(dir string) (string, error) {
	curve, err := train.ReadCurve(dir)
	if err != nil || len(curve) == 0 {
		return "", err
	}
	psnr := figures.Series{Name: "training identities at held-out cameras (dB)"}
	for _, p := range curve {
		psnr.X, psnr.Y = append(psnr.X, float64(p.Step)), append(psnr.Y, p.PSNR)
	}
	p, err := figures.LinePlot("Learning curve: re-rendering PSNR against the head world", "step", "PSNR (dB)", psnr)
	if err != nil {
		return "", err
	}
	img, err := figures.PlotImage(p, 6*vg.Inch, 3.5*vg.Inch, 110)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "curve.png")
	return path, figures.WritePNG(path, img)
}

// withoutPaths drops the flags that name this machine's folders (--dir, --out) from a command line, so the
// sidecar records how to make the model anywhere.
func withoutPaths(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name := strings.TrimLeft(a, "-")
		if k, _, ok := strings.Cut(name, "="); ok {
			name = k
		} else if (name == "dir" || name == "out") && i+1 < len(args) {
			i++ // the value
		}
		if name == "dir" || name == "out" || name == "snapshot" {
			continue
		}
		out = append(out, a)
	}
	return out
}

// presetArg returns the value of a -preset/--preset flag in args, or def: the preset decides the other flags'
// defaults, so it is read before they are defined.
func presetArg(args []string, def string) string {
	for i, a := range args {
		for _, p := range []string{"-preset", "--preset"} {
			if a == p && i+1 < len(args) {
				return args[i+1]
			}
			if v, ok := strings.CutPrefix(a, p+"="); ok {
				return v
			}
		}
	}
	return def
}

// gitCommit returns the checked-out commit, or "unknown" outside a git checkout.
func gitCommit() string {
	b, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

// trainBar prints the run's progress: one updating line per phase.
type trainBar struct {
	w     io.Writer
	last  time.Time
	phase int
}

func newTrainBar(w io.Writer) *trainBar { return &trainBar{w: w, phase: -1} }

func (b *trainBar) update(p train.Progress) {
	final := p.Step == p.Steps
	if p.Phase == b.phase && !final && time.Since(b.last) < time.Second {
		return
	}
	b.last, b.phase = time.Now(), p.Phase
	name := [...]string{"render views", "phase 1", "phase 2"}[p.Phase]
	fmt.Fprintf(b.w, "\r%-12s %6d/%-6d", name, p.Step, p.Steps)
	if p.Phase > 0 {
		fmt.Fprintf(b.w, " loss %.4f", p.Loss)
		for _, k := range []string{"rgb", "mask", "depth"} {
			if v, ok := p.Terms[k]; ok {
				fmt.Fprintf(b.w, " %s %.4f", k, v)
			}
		}
	}
	fmt.Fprintf(b.w, "  %s elapsed, ETA %s   ", p.Elapsed.Round(time.Second), p.ETA.Round(time.Second))
	if final {
		fmt.Fprintln(b.w)
	}
}
