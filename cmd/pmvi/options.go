package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pmvi/pmvi/pkg/invert"
	"github.com/pmvi/pmvi/pkg/lpips"
)

// inversionFlags are the flags every command that inverts shares, named and defaulted the same everywhere:
// the preset, the stages' step counts, the seed, the perceptual loss and camera refinement.
type inversionFlags struct {
	preset, steps, lpipsDir, refine string
	seed                            int64
	patch                           int
}

func addInversionFlags(fs *flag.FlagSet) *inversionFlags {
	f := &inversionFlags{}
	fs.StringVar(&f.preset, "preset", "quick", "stage settings: quick (150 W+, 150 PTI, 300 final steps; for CPUs) or paper (500, 500, 3000: the paper's)")
	fs.StringVar(&f.steps, "steps", "", "step counts W,PTI,FINAL overriding the preset's, e.g. 150,1000,300 (one number sets all three; density regularization and PTI-long run FINAL)")
	fs.Int64Var(&f.seed, "seed", 0, "random seed of the inversion")
	fs.IntVar(&f.patch, "patch", -1, "fit a random PxP patch each step instead of the whole image (generators without super-resolution; 0: whole images; default: the preset's)")
	fs.StringVar(&f.refine, "refine-camera", "", "optimize the input cameras too: w (during W+), w,pti (and PTI); add radius and/or focal to refine distance and focal length, e.g. w,focal; with w, a scout projection and a line search over yaw and pitch come first (nosearch: gradient steps alone) (default: off, as in the paper)")
	fs.StringVar(&f.lpipsDir, "lpips", "", "folder with LPIPS weights (vgg16-397923af.pth and vgg.pth): the losses become the official code's (LPIPS for W+, MSE + LPIPS after); default $"+lpips.EnvDir+", else MSE + MS-SSIM")
	return f
}

// options returns the inversion options the flags ask for, the preset's name, and the perceptual network's
// name ("" without one).
func (f *inversionFlags) options() (invert.Options, string, string, error) {
	var o invert.Options
	switch f.preset {
	case "quick":
		o = invert.QuickOptions()
	case "paper":
		o = invert.PaperOptions()
	default:
		return o, "", "", fmt.Errorf("--preset %q: want quick or paper", f.preset)
	}
	if f.steps != "" {
		var err error
		if o, err = withSteps(o, f.steps); err != nil {
			return o, "", "", err
		}
	}
	o.Seed = f.seed
	if f.patch >= 0 {
		o.Patch = f.patch
	}
	var err error
	if o.RefineCamera, err = parseRefine(f.refine); err != nil {
		return o, "", "", err
	}
	name := ""
	if dir := f.lpipsDir; dir != "" || os.Getenv(lpips.EnvDir) != "" || os.Getenv("PMVI_LPIPS_VGG") != "" {
		var m *lpips.Model
		var err error
		if dir != "" {
			m, err = lpips.Load(lpips.VGG16, filepath.Join(dir, lpips.VGG16.BackboneFile()), filepath.Join(dir, lpips.VGG16.LinearFile()))
		} else {
			m, err = lpips.LoadFromEnv(lpips.VGG16)
		}
		if err != nil && (dir != "" || !errors.Is(err, lpips.ErrUnavailable)) {
			return o, "", "", err
		}
		if err == nil {
			o = o.WithLPIPS(m.Distance)
			name = "lpips-vgg16"
		}
	}
	return o, f.preset, name, nil
}

// parseRefine reads --refine-camera: a comma list of w, pti, radius, focal ("" is off).
func parseRefine(s string) (invert.CameraRefinement, error) {
	if strings.TrimSpace(s) == "" {
		return invert.CameraRefinement{}, nil
	}
	r := invert.DefaultCameraRefinement()
	r.W = false
	for _, part := range strings.Split(s, ",") {
		switch strings.TrimSpace(part) {
		case "w":
			r.W = true
		case "pti":
			r.PTI = true
		case "radius":
			r.Radius = true
		case "focal":
			r.Focal = true
		case "nosearch":
			r.Search = invert.CameraSearch{}
		default:
			return r, fmt.Errorf("--refine-camera %q: unknown part %q, want a list of w, pti, radius, focal, nosearch", s, part)
		}
	}
	if !r.W && !r.PTI {
		return r, fmt.Errorf("--refine-camera %q: name the stages that refine (w and/or pti)", s)
	}
	return r, nil
}

// withSteps sets o's stage lengths from "W,PTI,FINAL" or one count for all (the density-regularized tuning
// and PTI-long run the final count, so that they compare with stage 3 at equal cost).
func withSteps(o invert.Options, s string) (invert.Options, error) {
	parts := strings.Split(s, ",")
	if len(parts) == 1 {
		parts = []string{parts[0], parts[0], parts[0]}
	}
	if len(parts) != 3 {
		return o, fmt.Errorf("--steps %q: want W,PTI,FINAL (e.g. 150,1000,300) or one count for all three", s)
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || v < 0 {
			return o, fmt.Errorf("--steps %q: %q is not a step count", s, p)
		}
		n[i] = v
	}
	o.WSteps, o.PTISteps, o.FinalSteps, o.DensitySteps = n[0], n[1], n[2], n[2]
	return o, nil
}
