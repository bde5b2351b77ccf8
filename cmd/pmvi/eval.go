package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/pmvi/pmvi/models"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/benchmark"
	"github.com/pmvi/pmvi/pkg/figures"
	"github.com/pmvi/pmvi/pkg/heads"
	"github.com/pmvi/pmvi/pkg/invert"
	"gonum.org/v1/plot/vg"
)

func runEval(args []string, stdout, stderr io.Writer) error {
	const summary = "the synthetic benchmark: invert held-out heads with each method, score against ground truth, tabulate"
	fs := newFlags("eval", summary, stderr)
	network := fs.String("network", models.DefaultName, "model whose held-out heads are inverted: embedded ("+models.Names()+") or a checkpoint with its pmvi train-tiny sidecar")
	methods := fs.String("methods", "pti,ours,densityreg", "methods to compare: ours, pti, ptilong (PTI as long as stage 3), densityreg, w (W+ alone)")
	cases := fs.Int("cases", 16, "held-out heads to evaluate (the embedded model's test identities, in order)")
	variant := fs.String("variant", "clean", "head variant: clean, hand, glasses, earrings, hat, trinkets, extreme-pose")
	shardOf := addShardFlags(fs, "cases") // every shard merges what exists into the tables
	curveEvery := fs.Int("curve-every", 0, "sample trade-off curves every n steps of every stage (0: none)")
	finalFrom := fs.String("final-from", "tuned", "generator stage 3 starts from: tuned (the paper) or original (the official code)")
	perturb := fs.Float64("perturb", 0, "turn each input camera this many degrees away from the truth (a pose estimate's error; refine with --refine-camera)")
	views := fs.Int("views", 1, "input views per head: 1, 2 (adds yaw +0.4) or 3 (and yaw -0.4): multi-view inversion")
	workspace := fs.String("workspace", "", "keep each case's stages in DIR/case_NNN, so an interrupted case resumes at its last stage and a later run of other methods reuses W+ and PTI (default: none)")
	flags := addInversionFlags(fs)
	out := fs.String("out", "", "results directory: one JSON per case, table.md, table.csv, curves.csv (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		fmt.Fprintln(fs.Output(), "pmvi eval: --out is required (-h for help)")
		return errUsage
	}
	ms, err := benchmark.ParseMethods(*methods)
	if err != nil {
		return err
	}
	v, err := heads.ParseVariant(*variant)
	if err != nil {
		return err
	}
	sh, err := shardOf()
	if err != nil {
		return err
	}
	opts, preset, perceptual, err := flags.options()
	if err != nil {
		return err
	}
	switch *finalFrom {
	case "tuned":
	case "original":
		opts.FinalFrom = invert.FromOriginal
	default:
		return fmt.Errorf("--final-from %q: want tuned or original", *finalFrom)
	}
	info, err := models.InfoOf(*network)
	if err != nil {
		return err
	}
	g, err := models.Load(*network)
	if err != nil {
		return err
	}
	if *cases < 1 || *cases > len(info.TestIdentities) {
		return fmt.Errorf("--cases %d: the model holds out %d identities", *cases, len(info.TestIdentities))
	}
	be, err := backend.New()
	if err != nil {
		return err
	}
	suite := benchmark.Standard(g, info.TestIdentities[:*cases], v)
	if *perturb < 0 || *perturb > 45 {
		return fmt.Errorf("--perturb %g: want 0 to 45 degrees", *perturb)
	}
	if *views < 1 || *views > len(benchmark.ExtraViewYaws)+1 {
		return fmt.Errorf("--views %d: want 1 to %d", *views, len(benchmark.ExtraViewYaws)+1)
	}
	bo := benchmark.Options{Invert: opts, Methods: ms, CurveEvery: *curveEvery, Network: *network, Preset: preset, PerceptualName: perceptual,
		Perturb: *perturb * math.Pi / 180, Views: *views, Workspace: *workspace}
	settings := benchmark.Settings{Network: *network, Methods: *methods, Variant: *variant, Preset: preset,
		Steps: fmt.Sprintf("%d,%d,%d", opts.WSteps, opts.PTISteps, opts.FinalSteps),
		Patch: opts.Patch, Seed: opts.Seed, Perceptual: perceptual, CurveEvery: *curveEvery, FinalFrom: *finalFrom,
		Perturb: *perturb, Views: *views, RefineCamera: flags.refine}
	if err := benchmark.RecordSettings(*out, settings); err != nil {
		return err
	}
	stdctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	bar := newProgressBar(stderr)
	for _, i := range sh.Items(suite.Len()) {
		if exists(benchmark.CasePath(*out, i)) {
			continue // finished by an earlier run
		}
		fmt.Fprintf(stderr, "case %d/%d (head seed %d)\n", i+1, suite.Len(), suite.Seeds[i])
		c, err := suite.Case(i)
		if err != nil {
			return err
		}
		r, err := benchmark.RunCase(stdctx, be, g, c, bo, bar.Step)
		if err != nil {
			return fmt.Errorf("case %d: %w (finished cases are saved; rerun to continue)", i, err)
		}
		if err := benchmark.Save(*out, r); err != nil {
			return err
		}
	}
	return writeTables(*out, ms, stdout)
}

// writeTables merges every case result in dir into table.md, table.csv and curves.csv.
func writeTables(dir string, ms []benchmark.Method, stdout io.Writer) error {
	results, err := benchmark.Load(dir)
	if err != nil {
		return err
	}
	t := benchmark.Summarize(results, ms)
	md := "_" + benchmark.Describe(dir) + "_\n\n" + t.Markdown()
	if err := os.WriteFile(filepath.Join(dir, "table.md"), []byte(md), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "table.csv"), []byte(t.CSV()), 0o644); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("method,step,input_psnr,novel_psnr,novel_depth_mae\n")
	for _, m := range ms {
		for _, p := range benchmark.MeanCurve(results, m) {
			fmt.Fprintf(&b, "%s,%d,%g,%g,%g\n", m, p.Step, p.InputPSNR, p.NovelPSNR, p.DepthMAE)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "curves.csv"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	if img, err := benchmark.TradeoffFigure(results, ms, 7*vg.Inch, 4.5*vg.Inch, 110); err == nil {
		if err := figures.WritePNG(filepath.Join(dir, "tradeoff.png"), img); err != nil {
			return err
		}
	}
	fmt.Fprint(stdout, t.Markdown())
	fmt.Fprintf(stdout, "wrote table.md, table.csv, curves.csv in %s\n", dir)
	return nil
}
