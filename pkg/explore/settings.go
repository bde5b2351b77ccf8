package explore

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/pmvi/pmvi/pkg/blend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/invert"
)

// settings.go: what the explorer's controls set, and which of it each cached stage depends on.

// OrbitViews is the number of cameras on the official pseudo-view orbit, the most Settings.Views may ask for.
const OrbitViews = 30

// Settings are the explorer's controls. The novel camera and the blend are cheap to change (a render, a
// blend); the rest, together with the blend (which makes the pseudo views), configure stage 3, which is run
// once per distinct combination and cached.
type Settings struct {
	// Yaw and Pitch place the novel view, in degrees from the frontal view (camera.At's convention:
	// positive yaw shows the face's left side, positive pitch looks from below).
	Yaw, Pitch float64
	// Blend is the pseudo views' blend method.
	Blend blend.Method
	// Radius is the blend radius in pixels of the explorer's images: the Gaussian kernel's half side (its
	// sigma follows the official ratio, 3.5 px for radius 10) and the Poisson blend's falloff. 0 is a hard
	// mask edge (Gaussian) or the plain, unscreened Poisson equation.
	Radius int
	// Views is the number of pseudo views stage 3 trains on, spread evenly over the official 30-view orbit
	// (1 to OrbitViews).
	Views int
	// Steps is the number of stage-3 steps; 0 shows the PTI result as the final one.
	Steps int
	// MSE and MSSSIM weigh stage 3's loss terms (at least one positive); Occluded is invert.Options'
	// OccludedWeight, the weight of a pseudo view's generated (not warped) pixels in the MSE.
	MSE, MSSSIM, Occluded float64
}

// DefaultSettings returns the explorer's starting point: the novel view 20 degrees to the side of the
// frontal view, the official Gaussian blend at radius 3 px (the paper's 10 px at 512x512, scaled to the
// embedded model's 128x128), and a short stage 3 of 10 steps on 6 pseudo views with the default loss.
func DefaultSettings() Settings {
	return Settings{Yaw: -20, Pitch: 0, Blend: blend.Gaussian, Radius: 3, Views: 6, Steps: 10, MSE: 1, MSSSIM: 1, Occluded: 1}
}

// Validate reports the first setting the explorer cannot use.
func (s Settings) Validate() error {
	for _, v := range []float64{s.Yaw, s.Pitch, s.MSE, s.MSSSIM, s.Occluded} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("explore: settings %v: not finite", s)
		}
	}
	switch {
	case math.Abs(s.Yaw) > 90 || math.Abs(s.Pitch) > 60:
		return fmt.Errorf("explore: camera yaw %g, pitch %g degrees: want |yaw| <= 90 and |pitch| <= 60", s.Yaw, s.Pitch)
	case s.Blend != blend.Gaussian && s.Blend != blend.Poisson:
		return fmt.Errorf("explore: unknown blend method %v", s.Blend)
	case s.Radius < 0:
		return fmt.Errorf("explore: blend radius %d, want >= 0", s.Radius)
	case s.Views < 1 || s.Views > OrbitViews:
		return fmt.Errorf("explore: %d pseudo views, want 1 to %d", s.Views, OrbitViews)
	case s.Steps < 0:
		return fmt.Errorf("explore: %d stage-3 steps, want >= 0", s.Steps)
	case s.MSE < 0 || s.MSSSIM < 0 || s.Occluded < 0:
		return fmt.Errorf("explore: loss weights mse %g, msssim %g, occluded %g: want non-negative", s.MSE, s.MSSSIM, s.Occluded)
	case s.MSE == 0 && s.MSSSIM == 0:
		return errors.New("explore: stage 3 needs a loss: mse and msssim weights are both 0")
	}
	return nil
}

// Camera returns the novel view's camera.
func (s Settings) Camera() camera.Camera {
	return camera.At(s.Yaw*math.Pi/180, s.Pitch*math.Pi/180)
}

// BlendOptions returns the blend the settings select for images of size pixels: the official erosions
// scaled from 512 pixels, with Method, kernel, sigma and falloff from Blend and Radius.
func (s Settings) BlendOptions(size int) blend.Options {
	o := blend.Official().Scale(float64(size) / 512)
	o.Method = s.Blend
	o.KernelSize = 2*s.Radius + 1
	o.Sigma = officialSigmaPerRadius * float64(s.Radius)
	o.Falloff = float64(s.Radius)
	return o
}

// officialSigmaPerRadius is the official blend's sigma over its radius: 3.5 px for the 21 px kernel.
var officialSigmaPerRadius = blend.OpenCVSigma(21) / 10

// Trajectory returns the cameras of the pseudo views: Views cameras spread evenly over the official orbit.
func (s Settings) Trajectory() []camera.Camera {
	orbit := camera.Orbit()
	cams := make([]camera.Camera, s.Views)
	for i := range cams {
		cams[i] = orbit[i*len(orbit)/s.Views].Camera()
	}
	return cams
}

// Losses returns stage 3's loss weights.
func (s Settings) Losses() invert.LossWeights {
	return invert.LossWeights{MSE: s.MSE, MSSSIM: s.MSSSIM}
}

// Stage3 returns the part of s that stage 3 depends on: s without the novel camera. Two settings with the
// same Stage3 share one stage-3 run.
func (s Settings) Stage3() Settings {
	s.Yaw, s.Pitch = 0, 0
	return s
}

// String lists the settings as space-separated key=value pairs, the format the explorer shows and
// ParseSettings reads: "yaw=-20 pitch=0 blend=gaussian radius=3 views=6 steps=10 mse=1 msssim=1 occluded=1".
func (s Settings) String() string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	return fmt.Sprintf("yaw=%s pitch=%s blend=%s radius=%d views=%d steps=%d mse=%s msssim=%s occluded=%s",
		f(s.Yaw), f(s.Pitch), s.Blend, s.Radius, s.Views, s.Steps, f(s.MSE), f(s.MSSSIM), f(s.Occluded))
}

// ParseSettings reads the key=value pairs String writes, on top of DefaultSettings; unknown keys are errors,
// so are values that do not parse. It does not validate the result.
func ParseSettings(text string) (Settings, error) {
	s := DefaultSettings()
	for _, field := range strings.Fields(text) {
		key, value, ok := strings.Cut(field, "=")
		if !ok {
			return s, fmt.Errorf("explore: setting %q is not key=value", field)
		}
		var err error
		switch key {
		case "yaw":
			s.Yaw, err = strconv.ParseFloat(value, 64)
		case "pitch":
			s.Pitch, err = strconv.ParseFloat(value, 64)
		case "blend":
			s.Blend, err = blend.ParseMethod(value)
		case "radius":
			s.Radius, err = strconv.Atoi(value)
		case "views":
			s.Views, err = strconv.Atoi(value)
		case "steps":
			s.Steps, err = strconv.Atoi(value)
		case "mse":
			s.MSE, err = strconv.ParseFloat(value, 64)
		case "msssim":
			s.MSSSIM, err = strconv.ParseFloat(value, 64)
		case "occluded":
			s.Occluded, err = strconv.ParseFloat(value, 64)
		default:
			return s, fmt.Errorf("explore: unknown setting %q", key)
		}
		if err != nil {
			return s, fmt.Errorf("explore: setting %s: %w", key, err)
		}
	}
	return s, nil
}
