// Command pseudofit measures how much of what the pseudo views carry stage 3 takes up: for each case of a pmvi
// eval run whose workspace holds the pseudo views and stage 3 ("final"), every pseudo view, PTI's render, stage
// 3's render (and PTI-long's, when stored) at the pseudo views' cameras, against the head world's truth. The
// pseudo views are what stage 3 trains on, so their PSNR against the truth bounds what it can reach there;
// "taken up" is stage 3's gain over PTI as a share of the pseudo views' gain over PTI. A second set of pseudo
// views, warped through the head world's true depth instead of PTI's and blended the same way, bounds what
// better geometry could add.
//
//	go run ./scripts/pseudofit results/benchmark out/results-ws/quick
//
// The network, variant and cases come from the results directory's eval.json and case files. It prints a
// markdown table, one row a case.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/benchmark"
	"github.com/pmvi/pmvi/pkg/blend"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/heads"
	"github.com/pmvi/pmvi/pkg/invert"
	"github.com/pmvi/pmvi/pkg/metrics"
	"github.com/pmvi/pmvi/pkg/pseudoview"
	"github.com/pmvi/pmvi/scripts/internal/evalrun"
)

func main() {
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: go run ./scripts/pseudofit RESULTS_DIR WORKSPACE_DIR")
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), flag.Arg(1)); err != nil {
		fmt.Fprintln(os.Stderr, "pseudofit:", err)
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
	po := invert.QuickOptions().PseudoViews.Scale(float64(g.Config.ImageResolution) / 512)
	fmt.Printf("_%s; stages of %s, scored at the pseudo views' cameras_\n\n", benchmark.Describe(resultsDir), wsDir)
	fmt.Println("| head | views | pseudo views vs truth (dB) | through the true depth | PTI | stage 3 | PTI-long | stage 3 vs the pseudo views (PTI vs them) | taken up |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	var sum [4]float64
	var sumExact float64
	n, nLong := 0, 0
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
		views, err := w.PseudoViews("", nil)
		if err != nil {
			return err
		}
		final, err := w.Final("final", "", nil)
		if err != nil {
			return err
		}
		long, _ := w.Final("ptilong", "", nil) // optional
		c, err := suite.Case(r.Case)
		if err != nil {
			return err
		}
		d, m := heads.RenderDepth(c.Scene, c.Camera, g.Config.NeuralResolution)
		trueDepth, err := pseudoview.KeepForeground(d, m)
		if err != nil {
			return err
		}
		warper, err := pseudoview.NewWarper(c.Input.RGB, c.Camera, trueDepth, po)
		if err != nil {
			return err
		}
		var exact float64 // pseudo views through the true depth vs truth
		runners := []*eg3d.Runner{eg3d.NewRunner(pr.Generator, be), eg3d.NewRunner(final.Generator, be)}
		if long != nil {
			runners = append(runners, eg3d.NewRunner(long.Generator, be))
		}
		var mean [4]float64 // pseudo, PTI, stage 3, PTI-long vs truth
		var fit [2]float64  // stage 3 and PTI vs the pseudo views
		for _, view := range views {
			cam := view.Camera
			truth := heads.Render(c.Scene, cam, g.Config.ImageResolution).RGB
			wv, err := warper.Warp(cam)
			if err != nil {
				return err
			}
			eb, _, err := blend.Blend(blend.Layers{Visible: wv.Visible, Mask: wv.Mask, Coverage: wv.Coverage, Generated: view.Generated}, po.Blend)
			if err != nil {
				return err
			}
			pe, err := metrics.PSNR(eb, truth, nil)
			if err != nil {
				return err
			}
			exact += pe / float64(len(views))
			imgs := []*fimage.Image{view.Blended}
			for _, rn := range runners {
				out, err := rn.Render(wr.WS, cam, opts)
				if err != nil {
					return err
				}
				imgs = append(imgs, out.Image)
			}
			for k, img := range imgs {
				p, err := metrics.PSNR(img, truth, nil)
				if err != nil {
					return err
				}
				mean[k] += p / float64(len(views))
			}
			for k, img := range imgs[1:3] {
				p, err := metrics.PSNR(img, view.Blended, nil)
				if err != nil {
					return err
				}
				fit[1-k] += p / float64(len(views))
			}
		}
		longCell := "—"
		if long != nil {
			longCell = fmt.Sprintf("%.2f", mean[3])
			nLong++
		}
		fmt.Printf("| %d | %d | %.2f | %.2f | %.2f | %.2f | %s | %.2f (%.2f) | %.0f%% |\n", r.Case, len(views), mean[0], exact, mean[1], mean[2], longCell,
			fit[0], fit[1], 100*(mean[2]-mean[1])/(mean[0]-mean[1]))
		for k := range sum {
			sum[k] += mean[k]
		}
		sumExact += exact
		n++
	}
	if n > 1 {
		longCell := "—"
		if nLong == n {
			longCell = fmt.Sprintf("%.2f", sum[3]/float64(n))
		}
		fmt.Printf("| mean of %d | | %.2f | %.2f | %.2f | %.2f | %s | | %.0f%% |\n", n, sum[0]/float64(n), sumExact/float64(n), sum[1]/float64(n), sum[2]/float64(n), longCell,
			100*(sum[2]-sum[1])/(sum[0]-sum[1]))
	}
	return nil
}
