package kernelext

import (
	"fmt"

	"github.com/pmvi/pmvi/models"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/heads"
	"github.com/pmvi/pmvi/pkg/invert"
)

// inversion.go: the plumbing every notebook that inverts shares, so its cells read as the method.

// Options returns a notebook's inversion options: the quick preset, or the paper's settings when paper is
// true, with every stage capped at PMVI_NOTEBOOK_STEPS steps in CI's smoke runs (StepsOverride).
func Options(paper bool) invert.Options {
	o := invert.QuickOptions()
	if paper {
		o = invert.PaperOptions()
	}
	if n, ok := StepsOverride(); ok {
		o = o.WithSteps(n)
	}
	return o
}

// HeldOut is one of an embedded model's held-out heads seen from a camera: the scene (for its exact ground
// truth at any camera) and the input the pipeline inverts, 8-bit as a saved image holds it.
type HeldOut struct {
	Scene  heads.Scene
	Input  *heads.View
	Target invert.Target
}

// HeldOutHead returns held-out head index of the embedded model network seen from cam at the model's image
// size, on the white background the model was trained on (variant v).
func HeldOutHead(network string, index int, v heads.Variant, cam camera.Camera) (HeldOut, error) {
	info, err := models.InfoOf(network)
	if err != nil {
		return HeldOut{}, err
	}
	if index < 0 || index >= len(info.TestIdentities) {
		return HeldOut{}, fmt.Errorf("kernelext: held-out head %d of %d", index, len(info.TestIdentities))
	}
	scene := heads.Scene{Identity: heads.NewIdentity(info.TestIdentities[index]), Variant: v, Background: heads.Plain(1, 1, 1)}
	in := heads.Render(scene, cam, info.Config.ImageResolution)
	in.RGB = in.RGB.Quantize8()
	return HeldOut{Scene: scene, Input: in, Target: invert.Target{Image: in.RGB, Camera: cam}}, nil
}

// Pipeline returns the pipeline that inverts target with g and opts on the default backend, keeping its
// stages in dir (a folder of its own per smoke-run step count, so CI's short runs never mix with real ones);
// progress shows every step. Each cell that runs it continues from the stages an earlier cell stored.
func Pipeline(network string, g *eg3d.Generator, target invert.Target, opts invert.Options, dir string, progress *Progress) (*invert.Pipeline, error) {
	be, err := backend.New()
	if err != nil {
		return nil, err
	}
	if n, ok := StepsOverride(); ok {
		dir += fmt.Sprintf("-smoke%d", n)
	}
	p := &invert.Pipeline{Inversion: invert.Inversion{Backend: be, Generator: g, Target: target, Options: opts},
		Workspace: invert.Workspace{Dir: dir}, Network: network, Preset: "quick"}
	if opts.WSteps == invert.PaperOptions().WSteps {
		p.Preset = "paper"
	}
	if progress != nil {
		p.Progress = progress.Step
	}
	return p, nil
}

// SaveFigure writes fig to path (a notebook's figures/ file), except in a smoke run, whose pictures mean
// nothing.
func SaveFigure(fig *Figure, path string) error {
	if _, smoke := StepsOverride(); smoke {
		return nil
	}
	return fig.Save(path)
}
