package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/pmvi/pmvi/models"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pmvi/pmvi/pkg/align"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/checkpoint/npy"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/invert"
)

func runInvert(args []string, stdout, stderr io.Writer) error {
	const summary = "invert an image: W+ optimization (w) and pivotal tuning (pti)"
	fs := newFlags("invert", summary, stderr)
	network := fs.String("network", "", "generator: tiny (the embedded model), an official EG3D .pkl or a pmvi .safetensors checkpoint (required)")
	image := fs.String("image", "", "input: an aligned image (PNG/JPEG or .npy [1,3,H,W] in [-1,1]) with --camera or --yaw/--pitch, or a photo to align first (required)")
	camFile := fs.String("camera", "", "input camera: .npy or JSON array of 25 floats, or an EG3D dataset.json")
	yaw := fs.Float64("yaw", 0, "input camera yaw offset, radians")
	pitch := fs.Float64("pitch", 0, "input camera pitch offset, radians")
	stages := fs.String("stages", "w,pti", "stages to run, in order: w, pti")
	steps := fs.Int("steps", 0, "steps of every listed stage (default: the paper's 500 each)")
	quick := fs.Bool("quick", false, "the quick preset (150 steps per stage) instead of the paper's settings")
	seed := fs.Int64("seed", 0, "random seed")
	resume := fs.Bool("resume", false, "load the stages already finished in --out instead of recomputing them")
	out := fs.String("out", "", "output directory (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *network == "" || *image == "" || *out == "" {
		fmt.Fprintln(fs.Output(), "pmvi invert: --network, --image and --out are required (-h for help)")
		return errUsage
	}
	want, err := parseStages(*stages)
	if err != nil {
		return err
	}
	opts := invert.PaperOptions()
	if *quick {
		opts = invert.QuickOptions()
	}
	if *steps < 0 {
		return fmt.Errorf("--steps %d: want a positive count", *steps)
	}
	if *steps > 0 {
		opts.WSteps, opts.PTISteps = *steps, *steps
	}
	opts.Seed = *seed
	g, err := models.Load(*network)
	if err != nil {
		return err
	}
	posed := *camFile != ""
	fs.Visit(func(f *flag.Flag) { posed = posed || f.Name == "yaw" || f.Name == "pitch" })
	var target invert.Target
	switch {
	case posed:
		target, err = readTarget(*image, *camFile, *yaw, *pitch, &g.Config)
	case strings.EqualFold(filepath.Ext(*image), ".npy"):
		err = fmt.Errorf("--image %s: an array is taken as aligned; give its --camera or --yaw/--pitch", *image)
	default:
		target, err = alignTarget(*image, *out, &g.Config, stdout)
	}
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	be, err := backend.New()
	if err != nil {
		return err
	}
	stdctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	losses := invert.Losses{Weights: opts.WLoss}
	csv := &lossLog{}
	bar := newProgressBar(stderr)
	cb := func(s invert.Step) error { csv.add(s); return bar.Step(s) }
	ws := invert.Workspace{Dir: *out}
	if !*resume {
		for _, f := range []string{"latent.npy", "w.json", "generator.safetensors", "pti.json"} {
			os.Remove(filepath.Join(*out, f)) // a fresh run must not pick up an old run's stages
		}
	}
	var w *invert.WResult
	if want["w"] {
		w, err = ws.W(func() (*invert.WResult, error) { return invert.ProjectW(stdctx, be, g, target, opts, losses, cb) })
	} else {
		var latent *tensors.Tensor
		if latent, err = readLatent(filepath.Join(*out, "latent.npy"), &g.Config); err != nil {
			return fmt.Errorf("%w (the pti stage needs the w stage's latent.npy in --out)", err)
		}
		w = &invert.WResult{WS: latent}
	}
	if err != nil {
		return interrupted(err, stdout, *out, csv)
	}
	final := g
	if want["pti"] {
		pti, err := ws.PTI(func() (*invert.PTIResult, error) {
			return invert.TunePTI(stdctx, be, g, w.WS, target, opts, invert.Losses{Weights: opts.PTILoss}, cb)
		})
		if err != nil {
			return interrupted(err, stdout, *out, csv)
		}
		final = pti.Generator
	}
	if err := csv.write(filepath.Join(*out, "losses.csv")); err != nil {
		return err
	}
	imgs, err := eg3d.NewRunner(final, be).Render(w.WS, target.Camera, opts.Render)
	if err != nil {
		return err
	}
	m := imgs.Image
	if err := errors.Join(
		npy.WriteFloat32(filepath.Join(*out, "render.npy"), m.Pix, 1, m.C, m.H, m.W),
		fimage.WritePNG(filepath.Join(*out, "render.png"), m)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote latent.npy, %srender.npy, render.png, losses.csv to %s\n", map[bool]string{true: "generator.safetensors, "}[want["pti"]], *out)
	return nil
}

// interrupted reports a stage that stopped early: the stages finished before it are saved in dir.
func interrupted(err error, stdout io.Writer, dir string, csv *lossLog) error {
	if errors.Is(err, context.Canceled) {
		csv.write(filepath.Join(dir, "losses.csv"))
		fmt.Fprintf(stdout, "\ninterrupted: finished stages and losses.csv are in %s (rerun with --resume to continue)\n", dir)
	}
	return err
}

func parseStages(s string) (map[string]bool, error) {
	want := map[string]bool{}
	for _, st := range strings.Split(s, ",") {
		st = strings.TrimSpace(st)
		if st != "w" && st != "pti" {
			return nil, fmt.Errorf("--stages %q: unknown stage %q, want w and/or pti", s, st)
		}
		want[st] = true
	}
	return want, nil
}

// alignTarget aligns a photo (no camera given): EG3D's crop, resized to the generator's resolution, with the
// estimated camera. The aligned image and overlay are saved in dir.
func alignTarget(path, dir string, cfg *eg3d.Config, stdout io.Writer) (invert.Target, error) {
	res, err := align.Photo(path, align.DefaultOptions())
	if err != nil {
		return invert.Target{}, fmt.Errorf("%w (give --camera or --yaw/--pitch for an image that is already aligned)", err)
	}
	if _, err := res.Save(dir, "aligned"); err != nil {
		return invert.Target{}, err
	}
	yaw, pitch := res.Camera.YawPitch()
	fmt.Fprintf(stdout, "aligned %s: camera yaw %.3f pitch %.3f rad (aligned.png, aligned-overlay.png in %s)\n", path, yaw, pitch, dir)
	img := res.Aligned
	if img.H != cfg.ImageResolution {
		if img.H%cfg.ImageResolution == 0 {
			img, err = img.Downsample(img.H / cfg.ImageResolution)
		} else {
			img = img.Resize(cfg.ImageResolution, cfg.ImageResolution)
		}
	}
	if err != nil {
		return invert.Target{}, err
	}
	return invert.Target{Image: img, Camera: res.Camera}, nil
}

// readTarget reads the input image and camera and checks them against the generator.
func readTarget(imagePath, camPath string, yaw, pitch float64, cfg *eg3d.Config) (invert.Target, error) {
	img, err := readImage(imagePath)
	if err != nil {
		return invert.Target{}, err
	}
	if img.H != cfg.ImageResolution || img.W != cfg.ImageResolution {
		return invert.Target{}, fmt.Errorf("--image %s is %dx%d, the generator makes %dx%d images (align and crop photos first)", imagePath, img.W, img.H, cfg.ImageResolution, cfg.ImageResolution)
	}
	cam := camera.At(yaw, pitch)
	if camPath != "" {
		if cam, err = readCamera(camPath, imagePath); err != nil {
			return invert.Target{}, err
		}
	}
	return invert.Target{Image: img, Camera: cam}, nil
}

func readLatent(path string, cfg *eg3d.Config) (*tensors.Tensor, error) {
	data, shape, err := npy.ReadFloat32(path)
	if err != nil {
		return nil, err
	}
	if len(shape) != 3 || shape[0] != 1 || shape[1] != cfg.NumWS() || shape[2] != cfg.WDim {
		return nil, fmt.Errorf("%s: shape %v, want [1 %d %d] for this generator", path, shape, cfg.NumWS(), cfg.WDim)
	}
	return tensors.FromFlatDataAndDimensions(data, shape...), nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// lossLog collects every step's losses for losses.csv.
type lossLog struct {
	rows  []invert.Step
	terms map[string]bool
}

func (l *lossLog) add(s invert.Step) {
	if l.terms == nil {
		l.terms = map[string]bool{}
	}
	for k := range s.Terms {
		l.terms[k] = true
	}
	s.Render = nil
	l.rows = append(l.rows, s)
}

func (l *lossLog) write(path string) error {
	var names []string
	for k := range l.terms {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "stage,step,loss,lr,%s\n", strings.Join(names, ","))
	for _, s := range l.rows {
		fmt.Fprintf(&b, "%s,%d,%g,%g", s.Stage, s.Step, s.Loss, s.LearningRate)
		for _, n := range names {
			if v, ok := s.Terms[n]; ok {
				fmt.Fprintf(&b, ",%g", v)
			} else {
				b.WriteString(",")
			}
		}
		b.WriteString("\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
