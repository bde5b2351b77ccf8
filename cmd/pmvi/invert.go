package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pmvi/pmvi/models"
	"github.com/pmvi/pmvi/pkg/align"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/checkpoint/npy"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/export"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/invert"
)

func runInvert(args []string, stdout, stderr io.Writer) error {
	const summary = "invert an image with the paper's method (W+, PTI, pseudo multi-views, final optimization) and write its novel views"
	fs := newFlags("invert", summary, stderr)
	network := fs.String("network", models.DefaultName, "generator: "+models.Names()+" (embedded), an official EG3D .pkl or a pmvi .safetensors checkpoint")
	var images stringList
	fs.Var(&images, "image", "input: an aligned image (PNG/JPEG, or .npy [1,3,H,W] in [-1,1]) with --camera or --yaw/--pitch, or a photo to align first (required; repeat it for several photos of one person: multi-view inversion)")
	camFile := fs.String("camera", "", "input camera: .npy or JSON array of 25 floats, or an EG3D dataset.json (the entry named like each image)")
	var yaws, pitches floatList
	fs.Var(&yaws, "yaw", "input camera yaw offset from the frontal view, radians (a comma list, one per --image, for several)")
	fs.Var(&pitches, "pitch", "input camera pitch offset from the frontal view, radians (a comma list for several images)")
	method := fs.String("method", string(invert.MethodOurs), "ours (the paper's method), pti, w, densityreg or ptilong")
	stages := fs.String("stages", "", "a prefix of the chain instead of --method: w | w,pti | w,pti,final")
	trajectory := fs.String("trajectory", "eval", "novel views: eval (the paper's 5 evaluation cameras), orbit (the official 30-view orbit) or a count N on an ellipse")
	yawRange := fs.Float64("yaw-range", 0.35, "with --trajectory N: the ellipse's yaw half-range, radians")
	pitchRange := fs.Float64("pitch-range", 0.25, "with --trajectory N: the ellipse's pitch half-range, radians")
	pseudoViews := fs.Int("pseudo-views", 30, "pseudo views along the official orbit's path (30: the official orbit itself)")
	orbit := fs.Bool("orbit", true, "write orbit.gif (40 renders of the final generator)")
	flags := addInversionFlags(fs)
	out := fs.String("out", "", "output directory; rerunning with the same --out continues where a run stopped (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if len(images) == 0 || *out == "" {
		fmt.Fprintln(fs.Output(), "pmvi invert: --image and --out are required (-h for help)")
		return errUsage
	}
	for name, l := range map[string]floatList{"--yaw": yaws, "--pitch": pitches} {
		if len(l) > 1 && len(l) != len(images) {
			return fmt.Errorf("%s has %d values for %d images: give one per --image", name, len(l), len(images))
		}
	}
	m, err := invert.ParseMethod(*method)
	if err != nil {
		return err
	}
	if *stages != "" {
		if m, err = invert.MethodOfStages(*stages); err != nil {
			return err
		}
	}
	opts, preset, perceptual, err := flags.options()
	if err != nil {
		return err
	}
	cams, err := export.Trajectory(*trajectory, *yawRange, *pitchRange)
	if err != nil {
		return err
	}
	switch {
	case *pseudoViews < 1 || *pseudoViews > 360:
		return fmt.Errorf("--pseudo-views %d: want 1 to 360", *pseudoViews)
	case *pseudoViews != 30:
		opts.Trajectory = camera.Cameras(camera.Ellipse(*pseudoViews, 0.35, 0.25, -0.05))
	}
	g, err := models.Load(*network)
	if err != nil {
		return err
	}
	if flags.patch > 0 && g.Config.SR.Module != eg3d.SRNone {
		return fmt.Errorf("--patch %d: %s has super-resolution, whose image needs the whole feature image; patches serve generators without it", flags.patch, networkName(*network))
	}
	posed := *camFile != ""
	fs.Visit(func(f *flag.Flag) { posed = posed || f.Name == "yaw" || f.Name == "pitch" })
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	var targets []invert.Target
	for i, image := range images {
		var t invert.Target
		switch {
		case posed:
			t, err = readTarget(image, *camFile, yaws.at(i), pitches.at(i), &g.Config)
		case strings.EqualFold(filepath.Ext(image), ".npy"):
			err = fmt.Errorf("--image %s: an array is taken as aligned; give its --camera or --yaw/--pitch", image)
		default:
			name := "aligned"
			if i > 0 {
				name = fmt.Sprintf("aligned-%d", i+1)
			}
			t, err = alignTarget(image, *out, name, &g.Config, stdout)
		}
		if err != nil {
			return err
		}
		targets = append(targets, t)
	}
	be, err := backend.New()
	if err != nil {
		return err
	}
	stdctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	p := &invert.Pipeline{
		Inversion: invert.Inversion{Backend: be, Generator: g, Target: targets[0], Extra: targets[1:], Options: opts, Progress: newProgressBar(stderr).Step},
		Workspace: invert.Workspace{Dir: *out}, Network: networkName(*network), Preset: preset, PerceptualName: perceptual,
	}
	fmt.Fprintf(stdout, "inverting %s with %s (%dx%d), method %s, preset %s, losses %s\n", strings.Join(images, ", "), p.Network,
		g.Config.ImageResolution, g.Config.ImageResolution, m, preset, lossSummary(opts, perceptual))
	if _, err := invertInto(stdctx, p, m, cams, *orbit, stdout); err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintf(stdout, "\ninterrupted: finished stages are in %s; run the same command again to continue\n", *out)
		}
		return err
	}
	return nil
}

// invertInto inverts one input: it runs method m with p, whose Workspace.Dir is the output folder (a rerun
// there resumes from the last finished stage), and writes what a user keeps into that folder
// (writeInversion). pmvi invert and pmvi batch both call it.
func invertInto(stdctx context.Context, p *invert.Pipeline, m invert.Method, cams []camera.Camera, orbit bool, stdout io.Writer) (*invert.Result, error) {
	res, err := p.Run(stdctx, m)
	if err != nil {
		return res, err
	}
	target := p.Target
	if refined := res.Cameras(); refined != nil {
		if err := writeRefinedCameras(p.Workspace.Dir, refined, stdout); err != nil {
			return res, err
		}
		if target.Camera, err = refined[0].Camera(); err != nil {
			return res, err
		}
	}
	return res, writeInversion(p.Workspace.Dir, p.Backend, res, target, cams, orbit, p.Options.Render, stdout)
}

// writeRefinedCameras writes the refined input cameras as an EG3D dataset.json (refined_cameras.json, view
// 0 the first --image) and says how far each moved, with the refinement's warnings.
func writeRefinedCameras(dir string, refined []invert.RefinedCamera, stdout io.Writer) error {
	var items []camera.Labelled
	for i, r := range refined {
		c, err := r.Camera()
		if err != nil {
			return err
		}
		items = append(items, camera.Labelled{File: fmt.Sprintf("view%d", i), Camera: c})
		yaw, pitch := c.YawPitch()
		fmt.Fprintf(stdout, "refined camera %d: moved %.2f degrees (now yaw %.3f, pitch %.3f rad)\n", i, r.Degrees, yaw, pitch)
		if r.Warning != "" {
			fmt.Fprintln(stdout, "warning:", r.Warning)
		}
	}
	return camera.WriteDataset(filepath.Join(dir, "refined_cameras.json"), items)
}

// writeInversion writes what a user keeps of a finished run: losses.csv, the render at the input camera, the
// novel views along cams with their cameras and depth, the orbit, and the pseudo views.
func writeInversion(dir string, be backends.Backend, res *invert.Result, target invert.Target, cams []camera.Camera, orbit bool, render eg3d.RenderOptions, stdout io.Writer) error {
	if err := writeLosses(filepath.Join(dir, "losses.csv"), res); err != nil {
		return err
	}
	r := eg3d.NewRunner(res.Generator, be)
	at, err := r.Render(res.WS(), target.Camera, render)
	if err != nil {
		return err
	}
	m := at.Image
	if err := errors.Join(
		npy.WriteFloat32(filepath.Join(dir, "render.npy"), m.Pix, 1, m.C, m.H, m.W),
		fimage.WritePNG(filepath.Join(dir, "render.png"), m)); err != nil {
		return err
	}
	if _, err := export.NovelViews(dir, r, res.WS(), cams, render); err != nil {
		return err
	}
	if orbit {
		if err := export.Orbit(dir, r, res.WS(), render); err != nil {
			return err
		}
	}
	if res.Views != nil {
		if err := export.PseudoViews(dir, res.Views); err != nil {
			return err
		}
	}
	files := append([]string{"run.json", "latent.npy", "losses.csv", "render.png"}, export.Files(dir)...)
	for _, f := range []string{"generator.safetensors", "final.safetensors", "densityreg.safetensors", "ptilong.safetensors"} {
		if exists(filepath.Join(dir, f)) {
			files = append(files, f)
		}
	}
	fmt.Fprintf(stdout, "wrote to %s: %s\n", dir, strings.Join(files, ", "))
	return nil
}

// lossSummary says which losses the stages use.
func lossSummary(o invert.Options, perceptual string) string {
	if perceptual == "" {
		return fmt.Sprintf("%s (no LPIPS weights: see --lpips)", o.PTILoss)
	}
	return fmt.Sprintf("W+ %s, then %s (%s)", o.WLoss, o.PTILoss, perceptual)
}

// networkName is how run.json names a --network: embedded models by name, files by base name.
func networkName(network string) string {
	if models.IsEmbedded(network) {
		return network
	}
	return filepath.Base(network)
}

// alignTarget aligns a photo (no camera given): EG3D's crop, resized to the generator's resolution, with the
// estimated camera. The aligned image and overlay are saved in dir.
func alignTarget(path, dir, name string, cfg *eg3d.Config, stdout io.Writer) (invert.Target, error) {
	res, err := align.Photo(path, align.DefaultOptions())
	if err != nil {
		return invert.Target{}, fmt.Errorf("%w (give --camera or --yaw/--pitch for an image that is already aligned)", err)
	}
	if _, err := res.Save(dir, name); err != nil {
		return invert.Target{}, err
	}
	yaw, pitch := res.Camera.YawPitch()
	fmt.Fprintf(stdout, "aligned %s: camera yaw %.3f pitch %.3f rad (%s.png, %s-overlay.png in %s)\n", path, yaw, pitch, name, name, dir)
	for _, w := range res.Warnings {
		fmt.Fprintln(stdout, "warning:", w)
	}
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
		return invert.Target{}, fmt.Errorf("--image %s is %dx%d, the generator makes %dx%d images (align and crop photos first: pass the photo without --yaw/--pitch/--camera)", imagePath, img.W, img.H, cfg.ImageResolution, cfg.ImageResolution)
	}
	if err := img.CheckFinite("--image " + imagePath); err != nil {
		return invert.Target{}, err
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

// writeLosses writes every step's loss of every stage of res (loaded stages included) as CSV.
func writeLosses(path string, res *invert.Result) error {
	type row struct {
		stage invert.Stage
		rec   invert.Record
	}
	var rows []row
	add := func(st invert.Stage, h []invert.Record) {
		for _, r := range h {
			rows = append(rows, row{st, r})
		}
	}
	if res.W != nil {
		add(invert.StageW, res.W.History)
	}
	if res.PTI != nil {
		add(invert.StagePTI, res.PTI.History)
	}
	if res.Final != nil {
		add(res.Method.Stages()[len(res.Method.Stages())-1], res.Final.History)
	}
	terms := map[string]bool{}
	for _, r := range rows {
		for k := range r.rec.Terms {
			terms[k] = true
		}
	}
	var names []string
	for k := range terms {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "stage,step,loss,%s\n", strings.Join(names, ","))
	for _, r := range rows {
		fmt.Fprintf(&b, "%s,%d,%g", r.stage, r.rec.Step, r.rec.Loss)
		for _, n := range names {
			if v, ok := r.rec.Terms[n]; ok {
				fmt.Fprintf(&b, ",%g", v)
			} else {
				b.WriteString(",")
			}
		}
		b.WriteString("\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
