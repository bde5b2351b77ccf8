package benchmark

import (
	"fmt"
	"math/rand/v2"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/heads"
)

// Suite describes the benchmark's cases: which heads, from which cameras, at which resolutions.
type Suite struct {
	// Seeds are the identities (held out from the generator's training).
	Seeds []uint64
	// Variant of every head (heads.Clean for the main benchmark; failure variants for the failure study).
	Variant heads.Variant
	// Res is the image resolution of inputs and ground truth, NR the depth maps'.
	Res, NR int
	// Background of every scene (the embedded model was trained on white).
	Background heads.Background
	// YawRange and PitchRange bound the random input cameras; Seed draws them.
	YawRange, PitchRange float64
	Seed                 uint64
	// Views are the evaluation cameras (camera.Evaluation by default).
	Views []camera.Camera
}

// Standard returns the suite pmvi eval runs for a generator g trained on the head world on white (the embedded
// model): the given held-out seeds with the variant, inputs at g's image resolution with depth at its neural
// rendering's, input cameras within yaw ±0.3 and pitch ±0.15 drawn from seed 2023. Results of different runs
// line up case by case because case i's camera depends on i alone.
func Standard(g *eg3d.Generator, seeds []uint64, v heads.Variant) *Suite {
	return &Suite{Seeds: seeds, Variant: v, Res: g.Config.ImageResolution, NR: g.Config.NeuralResolution,
		Background: heads.Plain(1, 1, 1), YawRange: 0.3, PitchRange: 0.15, Seed: 2023}
}

// Case is one benchmark input with its ground truth.
type Case struct {
	Index int
	Scene heads.Scene
	// Input is the input view at Camera, its colours quantized to 8 bits as a saved PNG holds them (so
	// inverting the PNG of a case gives exactly the benchmark's result).
	Camera camera.Camera
	Input  *heads.View
	// InputDepth is the true depth at the input camera at resolution NR (+Inf on background), InputMask its
	// coverage.
	InputDepth, InputMask *fimage.Image
	// Views are the evaluation cameras; Truth their true views (images at Res) and TruthDepth/TruthMask their
	// depth and coverage at NR.
	Views      []camera.Camera
	Truth      []*heads.View
	TruthDepth []*fimage.Image
	TruthMask  []*fimage.Image
}

// Len returns the number of cases.
func (s *Suite) Len() int { return len(s.Seeds) }

// Case renders case i: its input camera is drawn from the suite's seed and i alone.
func (s *Suite) Case(i int) (*Case, error) {
	if i < 0 || i >= len(s.Seeds) {
		return nil, fmt.Errorf("benchmark: case %d of %d", i, len(s.Seeds))
	}
	rng := rand.New(rand.NewPCG(s.Seed, uint64(i)))
	pose := camera.Pose{Yaw: (2*rng.Float64() - 1) * s.YawRange, Pitch: (2*rng.Float64() - 1) * s.PitchRange}
	if s.Variant == heads.ExtremePose {
		pose.Yaw, pose.Pitch = heads.ExtremePose.Camera().YawPitch()
	}
	scene := heads.Scene{Identity: heads.NewIdentity(s.Seeds[i]), Variant: s.Variant, Background: s.Background}
	c := NewCase(scene, pose.Camera(), s.Views, s.Res, s.NR)
	c.Index = i
	return c, nil
}

// NewCase renders the case of scene seen from cam: the input (8-bit, as a saved image holds it) and the
// ground truth at views (camera.Evaluation when nil), images at res pixels and depth at nr. Notebooks use it
// to score an input of their own choosing as the benchmark scores its cases.
func NewCase(scene heads.Scene, cam camera.Camera, views []camera.Camera, res, nr int) *Case {
	c := &Case{Scene: scene, Camera: cam, Views: views}
	if c.Views == nil {
		c.Views = camera.Cameras(camera.Evaluation())
	}
	c.Input = heads.Render(scene, c.Camera, res)
	c.Input.RGB = c.Input.RGB.Quantize8() // what a user's saved image holds
	c.InputDepth, c.InputMask = heads.RenderDepth(scene, c.Camera, nr)
	for _, v := range c.Views {
		c.Truth = append(c.Truth, heads.Render(scene, v, res))
		d, m := heads.RenderDepth(scene, v, nr)
		c.TruthDepth = append(c.TruthDepth, d)
		c.TruthMask = append(c.TruthMask, m)
	}
	return c
}
