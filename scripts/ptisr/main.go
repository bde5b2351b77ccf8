// Command ptisr measures where PTI's gain at the input view lives on the embedded model: in the neural
// rendering (the 3D part: triplanes, decoder, volume rendering) or in the 2D super-resolution. Every -every
// steps of PTI on a benchmark head it scores, against the exact ground truth, the raw neural rendering (at
// its own resolution, truth area-downsampled) and the final image, at the input view and at the paper's five
// evaluation views, and the depth error of those views.
//
//	go run ./scripts/ptisr -out results/pti-sr          # case 0, 500 PTI steps: about 10 minutes on 2 cores
//	go run ./scripts/ptisr -out results/pti-sr -replot  # redraw the plots from its curves.csv
//
// It writes curves.csv, pti-sr.png and pti-sr-depth.png into -out. Why it exists: on the embedded model PTI never degrades the
// final novel views the way the paper's supp. Fig. 2 shows for EG3D, and this separates the two parts of the
// generator to show where the over-fitting goes instead.
package main

import (
	"context"
	"flag"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pmvi/pmvi/models"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/benchmark"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/figures"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/heads"
	"github.com/pmvi/pmvi/pkg/invert"
	"github.com/pmvi/pmvi/pkg/metrics"
	"gonum.org/v1/plot/vg"
)

func main() {
	out := flag.String("out", "results/pti-sr", "output directory")
	index := flag.Int("case", 0, "benchmark case (pmvi eval's held-out heads, in order)")
	steps := flag.Int("steps", 500, "PTI steps (the paper: 500)")
	every := flag.Int("every", 25, "score every n steps")
	wsteps := flag.Int("wsteps", invert.QuickOptions().WSteps, "W+ projection steps before PTI")
	replot := flag.Bool("replot", false, "only redraw the plots from -out's curves.csv")
	flag.Parse()
	var err error
	if *replot {
		err = replotFrom(*out, *index)
	} else {
		err = run(*out, *index, *wsteps, *steps, *every)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ptisr:", err)
		os.Exit(1)
	}
}

// point is one row of curves.csv.
type point struct {
	step                                int
	inputRaw, inputFinal                float64
	novelRaw, novelFinal, novelDepthMAE float64
}

func run(out string, index, wsteps, steps, every int) error {
	g, err := models.Tiny()
	if err != nil {
		return err
	}
	info, err := models.TinyInfo()
	if err != nil {
		return err
	}
	be, err := backend.New()
	if err != nil {
		return err
	}
	if index < 0 || index >= len(info.TestIdentities) || steps < 1 || every < 1 {
		return fmt.Errorf("-case %d (of %d), -steps %d, -every %d", index, len(info.TestIdentities), steps, every)
	}
	// The suite pmvi eval uses, so case i here is case i of results/benchmark.
	suite := benchmark.Standard(g, info.TestIdentities, heads.Clean)
	c, err := suite.Case(index)
	if err != nil {
		return err
	}
	opts := invert.QuickOptions()
	opts.WSteps, opts.PTISteps = wsteps, steps
	target := invert.Target{Image: c.Input.RGB, Camera: c.Camera}
	ctx := context.Background()
	fmt.Fprintf(os.Stderr, "case %d: W+ projection (%d steps)\n", index, opts.WSteps)
	in := &invert.Inversion{Backend: be, Generator: g, Target: target, Options: opts}
	w, err := in.ProjectW(ctx)
	if err != nil {
		return err
	}
	var points []point
	score := func(step int, gen *eg3d.Generator) error {
		p, err := scoreAt(be, gen, w.WS, c)
		if err != nil {
			return err
		}
		p.step = step
		points = append(points, p)
		fmt.Fprintf(os.Stderr, "step %4d  input raw %.2f final %.2f dB | novel raw %.2f final %.2f dB, depth MAE %.4f\n",
			step, p.inputRaw, p.inputFinal, p.novelRaw, p.novelFinal, p.novelDepthMAE)
		return nil
	}
	if err := score(0, g); err != nil {
		return err
	}
	cb := func(s invert.Step) error {
		if s.Step%every == 0 || s.Step == s.Steps {
			return score(s.Step, s.Generator)
		}
		return nil
	}
	in.Progress = cb
	if _, err := in.TunePTI(ctx, w.WS); err != nil {
		return err
	}
	return write(out, index, points)
}

// scoreAt renders the W+ code ws with gen at the input and evaluation cameras of c.
func scoreAt(be backends.Backend, gen *eg3d.Generator, ws *tensors.Tensor, c *benchmark.Case) (point, error) {
	var p point
	r := eg3d.NewRunner(gen, be)
	opts := eg3d.RenderOptions{Deterministic: true}
	f := gen.Config.ImageResolution / gen.Config.NeuralResolution
	psnrs := func(v *eg3d.Images, truth *fimage.Image) (raw, final float64, err error) {
		small, err := truth.Downsample(f)
		if err != nil {
			return 0, 0, err
		}
		if raw, err = metrics.PSNR(v.ImageRaw, small, nil); err != nil {
			return 0, 0, err
		}
		final, err = metrics.PSNR(v.Image, truth, nil)
		return raw, final, err
	}
	in, err := r.Render(ws, c.Camera, opts)
	if err != nil {
		return p, err
	}
	if p.inputRaw, p.inputFinal, err = psnrs(in, c.Input.RGB); err != nil {
		return p, err
	}
	n := float64(len(c.Views))
	for i, cam := range c.Views {
		v, err := r.Render(ws, cam, opts)
		if err != nil {
			return p, err
		}
		raw, final, err := psnrs(v, c.Truth[i].RGB)
		if err != nil {
			return p, err
		}
		d, _, err := metrics.DepthError(v.Depth, c.TruthDepth[i], c.TruthMask[i])
		if err != nil {
			return p, err
		}
		p.novelRaw += raw / n
		p.novelFinal += final / n
		p.novelDepthMAE += d / n
	}
	return p, nil
}

const header = "step,input_raw_psnr,input_psnr,novel_raw_psnr,novel_psnr,novel_depth_mae"

// replotFrom redraws the plots of dir from its curves.csv.
func replotFrom(dir string, index int) error {
	raw, err := os.ReadFile(filepath.Join(dir, "curves.csv"))
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) < 2 || lines[0] != header {
		return fmt.Errorf("%s: want the header %q and at least one row", filepath.Join(dir, "curves.csv"), header)
	}
	var points []point
	for i, l := range lines[1:] {
		var p point
		if _, err := fmt.Sscanf(strings.ReplaceAll(l, ",", " "), "%d %g %g %g %g %g", &p.step, &p.inputRaw, &p.inputFinal, &p.novelRaw, &p.novelFinal, &p.novelDepthMAE); err != nil {
			return fmt.Errorf("curves.csv row %d: %w", i+1, err)
		}
		points = append(points, p)
	}
	return write(dir, index, points)
}

// write saves curves.csv and the plots pti-sr.png and pti-sr-depth.png in dir.
func write(dir string, index int, points []point) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(header + "\n")
	series := make([]figures.Series, 4)
	names := []string{"input view, neural rendering", "input view, final image", "novel views, neural rendering", "novel views, final image"}
	for k := range series {
		series[k] = figures.Series{Name: names[k], Dashed: k >= 2}
	}
	for _, p := range points {
		fmt.Fprintf(&b, "%d,%g,%g,%g,%g,%g\n", p.step, p.inputRaw, p.inputFinal, p.novelRaw, p.novelFinal, p.novelDepthMAE)
		for k, v := range []float64{p.inputRaw, p.inputFinal, p.novelRaw, p.novelFinal} {
			series[k].X = append(series[k].X, float64(p.step))
			series[k].Y = append(series[k].Y, v)
		}
	}
	// One colour per image kind, solid at the input view and dashed at the novel views.
	raw, final := color.NRGBA{0, 114, 178, 255}, color.NRGBA{213, 94, 0, 255}
	series[0].Color, series[1].Color, series[2].Color, series[3].Color = raw, final, raw, final
	if err := os.WriteFile(filepath.Join(dir, "curves.csv"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	p, err := figures.LinePlot(fmt.Sprintf("PTI on benchmark case %d: neural rendering vs super-resolved image", index), "PTI step", "PSNR vs ground truth (dB)", series...)
	if err != nil {
		return err
	}
	if err := p.Save(7*vg.Inch, 4.5*vg.Inch, filepath.Join(dir, "pti-sr.png")); err != nil {
		return err
	}
	depth := figures.Series{Name: "novel views: depth MAE inside the true mask"}
	for _, pt := range points {
		depth.X, depth.Y = append(depth.X, float64(pt.step)), append(depth.Y, pt.novelDepthMAE)
	}
	if p, err = figures.LinePlot("the same run: geometry", "PTI step", "depth error (world units)", depth); err != nil {
		return err
	}
	return p.Save(7*vg.Inch, 2.5*vg.Inch, filepath.Join(dir, "pti-sr-depth.png"))
}
