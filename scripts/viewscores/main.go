// Command viewscores scores every evaluation view of a pmvi eval run apart, for W+ and for PTI: each case's
// stored stages (the --workspace of the run) rendered at the paper's five evaluation cameras with the untuned
// generator and W+'s latent, and with the PTI-tuned generator, against the head world's truth. The benchmark's
// novel-view score is the mean of the five; this shows which views PTI improves (those near the input camera,
// whose texture it fits) and which it breaks (the far ones, whose geometry it distorts).
//
//	go run ./scripts/viewscores results/pti-long out/results-ws/pti-long
//
// The network, variant and case count come from the results directory's eval.json. It prints a markdown table.
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/benchmark"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/invert"
	"github.com/pmvi/pmvi/pkg/metrics"
	"github.com/pmvi/pmvi/scripts/internal/evalrun"
)

func main() {
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: go run ./scripts/viewscores RESULTS_DIR WORKSPACE_DIR")
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), flag.Arg(1)); err != nil {
		fmt.Fprintln(os.Stderr, "viewscores:", err)
		os.Exit(1)
	}
}

func run(resultsDir, wsDir string) error {
	ev, err := evalrun.Open(resultsDir)
	if err != nil {
		return err
	}
	g, results, suite := ev.Generator, ev.Results, ev.Suite
	be, err := backend.New()
	if err != nil {
		return err
	}
	opts := invert.QuickOptions().Render
	poses := camera.Evaluation()
	fmt.Printf("_%s; W+ and the PTI generator of %s_\n\n", benchmark.Describe(resultsDir), wsDir)
	fmt.Println("| head | input yaw, pitch | view yaw, pitch | yaw-pitch distance from input | PSNR W+ → PTI (dB) | depth error W+ → PTI |")
	fmt.Println("|---|---|---|---|---|---|")
	for _, r := range results {
		w := invert.Workspace{Dir: filepath.Join(wsDir, fmt.Sprintf("case_%03d", r.Case))}
		wr, err := w.W("", nil)
		if err != nil {
			return err
		}
		pr, err := w.PTI("", nil)
		if err != nil {
			return err
		}
		c, err := suite.Case(r.Case)
		if err != nil {
			return err
		}
		before, after := eg3d.NewRunner(g, be), eg3d.NewRunner(pr.Generator, be)
		for k, view := range c.Views {
			a, err := before.Render(wr.WS, view, opts)
			if err != nil {
				return err
			}
			b, err := after.Render(wr.WS, view, opts)
			if err != nil {
				return err
			}
			pa, err := metrics.PSNR(a.Image, c.Truth[k].RGB, nil)
			if err != nil {
				return err
			}
			pb, err := metrics.PSNR(b.Image, c.Truth[k].RGB, nil)
			if err != nil {
				return err
			}
			da, _, err := metrics.DepthError(a.Depth, c.TruthDepth[k], c.TruthMask[k])
			if err != nil {
				return err
			}
			db, _, err := metrics.DepthError(b.Depth, c.TruthDepth[k], c.TruthMask[k])
			if err != nil {
				return err
			}
			angle := math.Hypot(poses[k].Yaw-r.Yaw, poses[k].Pitch-r.Pitch)
			fmt.Printf("| %d | %+.2f, %+.2f | %+.2f, %+.2f | %.2f | %.2f → %.2f (%s) | %.4f → %.4f |\n", r.Case, r.Yaw, r.Pitch,
				poses[k].Yaw, poses[k].Pitch, angle, pa, pb, strings.Replace(fmt.Sprintf("%+.2f", pb-pa), "-", "−", 1), da, db)
		}
	}
	return nil
}
