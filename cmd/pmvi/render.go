package main

import (
	"errors"
	"fmt"
	"github.com/pmvi/pmvi/models"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/pmvi/pmvi/internal/nprand"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/checkpoint/npy"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/fimage"
)

func runRender(args []string, stdout, stderr io.Writer) error {
	const summary = "render a view of a generator for a seed or latent at a camera"
	fs := newFlags("render", summary, stderr)
	network := fs.String("network", models.DefaultName, "generator: "+models.Names()+" (embedded), an official EG3D .pkl or a pmvi .safetensors checkpoint")
	seed := fs.Int64("seed", -1, "latent z = numpy RandomState(seed).randn(1, z_dim), as EG3D's scripts draw it")
	zFile := fs.String("z", "", "latent z from a .npy file of z_dim float32 values (instead of --seed)")
	yaw := fs.Float64("yaw", 0, "camera yaw offset from the frontal view, radians")
	pitch := fs.Float64("pitch", 0, "camera pitch offset from the frontal view, radians")
	condYaw := fs.Float64("cond-yaw", 0, "yaw of the camera the mapping network is conditioned on")
	condPitch := fs.Float64("cond-pitch", 0, "pitch of the camera the mapping network is conditioned on")
	psi := fs.Float64("truncation", 1, "truncation psi (1 = none)")
	jitter := fs.Bool("jitter", false, "jitter the ray samples as EG3D's training does (a speckled image; the default places stratified samples at fixed depths and importance samples at fixed quantiles, as inversion renders)")
	fs.Bool("deterministic", true, "no sample jitter (the default; kept for older scripts)")
	neuralRes := fs.Int("neural-res", 0, "neural rendering resolution (default: the network's)")
	out := fs.String("out", "", "output directory (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		fmt.Fprintln(fs.Output(), "pmvi render: --out is required (-h for help)")
		return errUsage
	}
	if (*seed >= 0) == (*zFile != "") {
		return fmt.Errorf("give exactly one of --seed N (N >= 0) and --z FILE.npy")
	}
	if *seed > math.MaxUint32 {
		return fmt.Errorf("--seed %d: numpy seeds are 0..2^32-1", *seed)
	}
	if *neuralRes < 0 {
		return fmt.Errorf("--neural-res %d: want a positive resolution", *neuralRes)
	}
	for name, v := range map[string]float64{"--yaw": *yaw, "--pitch": *pitch, "--cond-yaw": *condYaw, "--cond-pitch": *condPitch} {
		if math.IsNaN(v) || math.Abs(v) > math.Pi {
			return fmt.Errorf("%s %v: want radians in [-pi, pi]", name, v)
		}
	}
	g, err := models.Load(*network)
	if err != nil {
		return err
	}
	var z []float32
	if *zFile != "" {
		var shape []int
		if z, shape, err = npy.ReadFloat32(*zFile); err != nil {
			return err
		}
		if len(z) != g.Config.ZDim {
			return fmt.Errorf("--z %s: shape %v has %d values, the network's z_dim is %d", *zFile, shape, len(z), g.Config.ZDim)
		}
	} else {
		z = nprand.Randn(uint32(*seed), g.Config.ZDim)
	}
	be, err := backend.New()
	if err != nil {
		return err
	}
	r := eg3d.NewRunner(g, be)
	ws, err := r.Mapping(z, camera.At(*condYaw, *condPitch), *psi)
	if err != nil {
		return err
	}
	opts := eg3d.RenderOptions{Deterministic: !*jitter, NeuralResolution: *neuralRes}
	imgs, err := r.Render(ws, camera.At(*yaw, *pitch), opts)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if err := writeViews(*out, imgs); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote image.npy, image_raw.npy, depth.npy, image.png, depth.png to %s\n", *out)
	return nil
}

// writeViews writes a render's arrays (float32 NCHW, EG3D's scale) and PNG previews into dir.
func writeViews(dir string, imgs *eg3d.Images) error {
	var errs []error
	for name, m := range map[string]*fimage.Image{"image": imgs.Image, "image_raw": imgs.ImageRaw, "depth": imgs.Depth} {
		errs = append(errs, npy.WriteFloat32(filepath.Join(dir, name+".npy"), m.Pix, 1, m.C, m.H, m.W))
	}
	errs = append(errs, fimage.WritePNG(filepath.Join(dir, "image.png"), imgs.Image))
	errs = append(errs, fimage.WritePNG(filepath.Join(dir, "depth.png"), DepthPreview(imgs.Depth)))
	return errors.Join(errs...)
}

// DepthPreview maps depth to grey in [-1, 1], near white and far black, over the finite range of the map.
func DepthPreview(depth *fimage.Image) *fimage.Image {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range depth.Pix {
		if f := float64(v); !math.IsInf(f, 0) && !math.IsNaN(f) {
			lo, hi = math.Min(lo, f), math.Max(hi, f)
		}
	}
	out := fimage.New(1, depth.H, depth.W)
	for i, v := range depth.Pix {
		t := 0.0
		if hi > lo && !math.IsInf(float64(v), 0) {
			t = (hi - float64(v)) / (hi - lo)
		}
		out.Pix[i] = float32(2*t - 1)
	}
	return out
}
