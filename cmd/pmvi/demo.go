package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/pmvi/pmvi/models"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/figures"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/heads"
	"github.com/pmvi/pmvi/pkg/invert"
	"github.com/pmvi/pmvi/pkg/metrics"
)

func runDemo(args []string, stdout, stderr io.Writer) error {
	const summary = "invert a held-out head with the embedded model through every stage and write the figures"
	fs := newFlags("demo", summary, stderr)
	network := fs.String("network", models.DefaultName, "model: embedded ("+models.Names()+") or a checkpoint with its pmvi train-tiny sidecar (which names its held-out heads)")
	out := fs.String("out", "out/demo", "where to write demo-*.png, demo-orbit.gif and the run's stages (rerun to reuse them)")
	index := fs.Int("head", 0, "which held-out test identity of the embedded model to invert")
	yaw := fs.Float64("yaw", 0.25, "input camera yaw offset, radians")
	pitch := fs.Float64("pitch", -0.05, "input camera pitch offset, radians")
	flags := addInversionFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	info, err := models.InfoOf(*network)
	if err != nil {
		return err
	}
	g, err := models.Load(*network)
	if err != nil {
		return err
	}
	if *index < 0 || *index >= len(info.TestIdentities) {
		return fmt.Errorf("--head %d: the model has %d held-out identities", *index, len(info.TestIdentities))
	}
	if flags.patch < 0 && flags.preset == "quick" {
		// A first run in minutes: 64x64 patches a step cost a quarter of a whole-image step on a model
		// without super-resolution (--patch 0 fits whole images, as pmvi invert and eval do by default).
		flags.patch = 64
	}
	opts, preset, perceptual, err := flags.options()
	if err != nil {
		return err
	}
	be, err := backend.New()
	if err != nil {
		return err
	}
	cfg := &g.Config
	scene := heads.Scene{Identity: heads.NewIdentity(info.TestIdentities[*index]), Background: heads.Plain(1, 1, 1)}
	cam := camera.At(*yaw, *pitch)
	input := heads.Render(scene, cam, cfg.ImageResolution).RGB.Quantize8()
	patches := opts.Patch > 0 && cfg.SR.Module == eg3d.SRNone // what invert.Inversion fits
	fitting := "whole images"
	if patches {
		fitting = fmt.Sprintf("%dx%d patches", opts.Patch, opts.Patch)
	}
	fmt.Fprintf(stdout, "inverting held-out head %d (seed %d) seen from yaw %.2f, pitch %.2f with the embedded %s model (%dx%d), preset %s, fitting %s a step\n",
		*index, scene.Identity.Seed, *yaw, *pitch, *network, cfg.ImageResolution, cfg.ImageResolution, preset, fitting)
	stdctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	p := &invert.Pipeline{
		Inversion: invert.Inversion{Backend: be, Generator: g, Target: invert.Target{Image: input, Camera: cam}, Options: opts, Progress: newProgressBar(stderr).Step},
		Workspace: invert.Workspace{Dir: filepath.Join(*out, "run")}, Network: *network, Preset: preset, PerceptualName: perceptual,
	}
	res, err := p.Run(stdctx, invert.MethodOurs)
	if err != nil {
		return err
	}
	d := demo{be: be, g: g, res: res, scene: scene, cam: cam, input: input, render: opts.Render, out: *out}
	files, err := d.write()
	if err != nil {
		return err
	}
	for _, line := range d.summary {
		fmt.Fprintln(stdout, line)
	}
	fmt.Fprintf(stdout, "done in %s; wrote:\n", time.Since(start).Round(time.Second))
	for _, f := range files {
		fmt.Fprintln(stdout, "  "+f)
	}
	same := fmt.Sprintf("pmvi invert --network %s --image %s --yaw %g --pitch %g", *network, filepath.Join(*out, "input.png"), *yaw, *pitch)
	if flags.preset != "quick" {
		same += " --preset " + flags.preset
	}
	if flags.steps != "" {
		same += " --steps " + flags.steps
	}
	if flags.seed != 0 {
		same += fmt.Sprintf(" --seed %d", flags.seed)
	}
	if patches {
		same += fmt.Sprintf(" --patch %d", opts.Patch)
	}
	fmt.Fprintf(stdout, "the same from the shell: %s --out out/head\n", same)
	return nil
}

// demo renders the figures of one inversion.
type demo struct {
	be      backends.Backend
	g       *eg3d.Generator
	res     *invert.Result
	scene   heads.Scene
	cam     camera.Camera
	input   *fimage.Image
	render  eg3d.RenderOptions
	out     string
	summary []string
}

func (d *demo) write() ([]string, error) {
	be := d.be
	ws := d.res.WS()
	runners := map[string]*eg3d.Runner{
		"W+":   eg3d.NewRunner(d.g, be),
		"PTI":  eg3d.NewRunner(d.res.PTI.Generator, be),
		"ours": eg3d.NewRunner(d.res.Generator, be),
	}
	at := func(name string, c camera.Camera) (*eg3d.Images, error) { return runners[name].Render(ws, c, d.render) }
	// The input itself, so a reader can invert it with pmvi invert and compare.
	inputPath := filepath.Join(d.out, "input.png")
	if err := fimage.WritePNG(inputPath, d.input); err != nil {
		return nil, err
	}
	files := []string{inputPath}
	save := func(name string, rows [][]*fimage.Image, captions [][]string, rowLabels, colLabels []string) error {
		img, err := (&figures.Grid{Rows: rows, Captions: captions, RowLabels: rowLabels, ColLabels: colLabels, CellHeight: 192}).Draw()
		if err != nil {
			return err
		}
		path := filepath.Join(d.out, name)
		files = append(files, path)
		return figures.WritePNG(path, img)
	}

	// Every stage at the input view, each with its PSNR against the input.
	row, caps := []*fimage.Image{d.input}, []string{"input"}
	for _, name := range []string{"W+", "PTI", "ours"} {
		imgs, err := at(name, d.cam)
		if err != nil {
			return nil, err
		}
		p, _ := metrics.PSNR(imgs.Image, d.input, nil)
		row, caps = append(row, imgs.Image), append(caps, fmt.Sprintf("%s %.1f dB", name, p))
		d.summary = append(d.summary, fmt.Sprintf("input-view PSNR after %-4s %.2f dB", name+":", p))
	}
	depth, err := figures.ColorizeDepthWithBar(d.res.Depth, 0, 0, 192)
	if err != nil {
		return nil, err
	}
	row, caps = append(row, depth), append(caps, "world units")
	if err := save("demo-stages.png", [][]*fimage.Image{row}, [][]string{caps}, nil, []string{"input", "W+", "PTI", "final (ours)", "PTI depth"}); err != nil {
		return nil, err
	}

	// Pseudo views: a few of the orbit's.
	var pv [][]*fimage.Image
	var pvCaps [][]string
	var pvLabels []string
	for _, k := range []int{0, 7, 22} {
		v := d.res.Views[k]
		truth := heads.Render(d.scene, v.Camera, d.input.H)
		gen, _ := metrics.PSNR(v.Generated, truth.RGB, nil)
		blended, _ := metrics.PSNR(v.Blended, truth.RGB, nil)
		pv = append(pv, []*fimage.Image{v.Visible, figures.Mask(v.Mask), v.Generated, v.Blended, truth.RGB})
		pvCaps = append(pvCaps, []string{"", "", fmt.Sprintf("%.1f dB", gen), fmt.Sprintf("%.1f dB", blended), "truth"})
		y, p := v.Camera.YawPitch()
		pvLabels = append(pvLabels, fmt.Sprintf("yaw %+.2f pitch %+.2f", y, p))
	}
	if err := save("demo-pseudo-views.png", pv, pvCaps, pvLabels, []string{"V_i (warped input)", "M_i", "PTI render", "pseudo view", "ground truth"}); err != nil {
		return nil, err
	}

	// Novel views against the head world's truth: PTI's geometry drifts, pseudo views hold it.
	var nv [][]*fimage.Image
	var nvCaps [][]string
	views := camera.Cameras(camera.Evaluation())
	psnr := map[string]float64{}
	for _, name := range []string{"truth", "PTI", "ours"} {
		var r []*fimage.Image
		var c []string
		for _, cam := range views {
			if name == "truth" {
				r, c = append(r, heads.Render(d.scene, cam, d.input.H).RGB), append(c, "truth")
				continue
			}
			imgs, err := at(name, cam)
			if err != nil {
				return nil, err
			}
			p, _ := metrics.PSNR(imgs.Image, nv[0][len(r)], nil)
			r, c = append(r, imgs.Image), append(c, fmt.Sprintf("%s %.1f dB", name, p))
			psnr[name] += p / float64(len(views))
		}
		nv, nvCaps = append(nv, r), append(nvCaps, c)
	}
	d.summary = append(d.summary, fmt.Sprintf("novel-view PSNR against ground truth: PTI %.2f dB, ours %.2f dB", psnr["PTI"], psnr["ours"]))
	if err := save("demo-novel-views.png", nv, nvCaps, []string{"ground truth", "PTI", "ours"}, []string{"canonical", "yaw -0.35", "yaw +0.35", "pitch -0.25", "pitch +0.25"}); err != nil {
		return nil, err
	}

	// The final generator's orbit.
	var frames []*fimage.Image
	for _, p := range camera.Ellipse(40, 0.5, 0.25, -0.05) {
		imgs, err := at("ours", p.Camera())
		if err != nil {
			return nil, err
		}
		frames = append(frames, imgs.Image)
	}
	path := filepath.Join(d.out, "demo-orbit.gif")
	files = append(files, path)
	return files, figures.WriteGIF(path, frames, 60*time.Millisecond)
}
