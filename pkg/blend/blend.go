package blend

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/pmvi/pmvi/pkg/fimage"
)

// ErrEmptyMask is returned when the mask marks no pixel: there is nothing of the input to blend in.
var ErrEmptyMask = errors.New("blend: mask is empty")

// Method selects how the visible texture and the generator's render are joined.
type Method int

const (
	// Gaussian uses a blurred mask as alpha: the official code's blend.
	Gaussian Method = iota
	// Poisson clones the visible texture into the generator's render in the gradient domain.
	Poisson
)

// String returns "gaussian" or "poisson".
func (m Method) String() string {
	switch m {
	case Gaussian:
		return "gaussian"
	case Poisson:
		return "poisson"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// ParseMethod parses "gaussian" or "poisson" (case-insensitive).
func ParseMethod(s string) (Method, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "gaussian":
		return Gaussian, nil
	case "poisson":
		return Poisson, nil
	}
	return 0, fmt.Errorf("blend: unknown method %q, want gaussian or poisson", s)
}

// Options control the blend. Sizes are in pixels of the blended image; Official holds the values for the
// official 512x512 images and Scale adapts them to other sizes.
type Options struct {
	// Method is Gaussian (the zero value) or Poisson.
	Method Method
	// MaskErosion is the side of the square that erodes M_i before blending (official: 3). Zero or 1 leaves
	// the mask as it is.
	MaskErosion int
	// CoverageErosion is the side of the square that erodes the coverage of the mesh (official: 51, a 25 px
	// margin that cuts the uncovered frame). Zero or 1 leaves it as it is.
	CoverageErosion int
	// KernelSize is the side of the Gaussian kernel (official: 21, the paper's "Gaussian kernel of radius
	// 10"). Zero or 1 means no blur. Poisson ignores it.
	KernelSize int
	// Sigma is the Gaussian's standard deviation in pixels (official: 3.5, what OpenCV derives from a 21 px
	// kernel given sigma 0; see OpenCVSigma). Zero derives it the same way.
	Sigma float64
	// Falloff is the distance in pixels over which the Poisson blend's correction of the generator's render
	// fades away from the visible region (the screening length: the correction decays like exp(-d/Falloff)).
	// Zero solves the plain Poisson equation, whose correction spreads over the whole occluded part, image
	// edges included. Official: 10, the paper's radius. Gaussian ignores it.
	Falloff float64
	// Tolerance ends the Poisson solve when the residual's norm falls below Tolerance times the norm of the
	// right-hand side. Zero means 1e-6.
	Tolerance float64
	// MaxIterations caps the Poisson solver's iterations per channel. Zero means 200.
	MaxIterations int
}

// Official returns the official code's settings for 512x512 images: erosions 3 and 51, a 21x21 Gaussian
// of sigma 3.5, and the Gaussian method. For Poisson (not in the official code) it sets a falloff of 10 px,
// the paper's blend radius.
func Official() Options {
	return Options{Method: Gaussian, MaskErosion: 3, CoverageErosion: 51, KernelSize: 21, Sigma: OpenCVSigma(21), Falloff: 10}
}

// OpenCVSigma returns the sigma cv2.GaussianBlur uses for a kernel of side ksize when given sigma 0:
// 0.3*((ksize-1)/2 - 1) + 0.8, which is 3.5 for the official 21.
func OpenCVSigma(ksize int) float64 { return 0.3*(float64(ksize-1)/2-1) + 0.8 }

// Scale returns o with its pixel sizes multiplied by f (sizes stay odd, at least 1), for images f times the
// size o was made for: Official().Scale(128.0/512) suits 128x128 pseudo views.
func (o Options) Scale(f float64) Options {
	odd := func(n int) int {
		if n <= 1 {
			return n
		}
		return 2*int(math.Round(float64(n-1)/2*f)) + 1
	}
	o.MaskErosion, o.CoverageErosion, o.KernelSize = odd(o.MaskErosion), odd(o.CoverageErosion), odd(o.KernelSize)
	o.Sigma *= f
	o.Falloff *= f
	return o
}

// Layers are the images a pseudo view is blended from, all of the same size.
type Layers struct {
	// Visible is V_i: 3 channels in [-1, 1].
	Visible *fimage.Image
	// Mask is M_i: 1 channel, 1 where Visible holds the input's texture (values in [0, 1]; Poisson keeps V_i
	// where the eroded mask exceeds 0.5).
	Mask *fimage.Image
	// Coverage is 1 where the mesh covers the view (1 channel). Nil means everywhere.
	Coverage *fimage.Image
	// Generated is the generator's render of the view: 3 channels in [-1, 1].
	Generated *fimage.Image
}

// Stats reports how a blend went: for Poisson, the solver's work and accuracy.
type Stats struct {
	// Unknowns is the number of pixels the Poisson solve determined (per channel): the generator's part.
	Unknowns int
	// Iterations is the largest number of solver iterations over the channels.
	Iterations int
	// Residual is the largest final relative residual ||b - Ax|| / ||b|| over the channels.
	Residual float64
}

// Blend joins l with the method in opts.
func Blend(l Layers, opts Options) (*fimage.Image, Stats, error) {
	switch opts.Method {
	case Gaussian:
		out, err := GaussianBlend(l, opts)
		return out, Stats{}, err
	case Poisson:
		return PoissonBlend(l, opts)
	}
	return nil, Stats{}, fmt.Errorf("blend: unknown method %v", opts.Method)
}

// check validates the layers: sizes, channels, finite values and a non-empty mask.
func (l Layers) check() error {
	if l.Visible == nil || l.Mask == nil || l.Generated == nil {
		return fmt.Errorf("blend: layers need Visible, Mask and Generated images (got Visible %v, Mask %v, Generated %v)",
			l.Visible != nil, l.Mask != nil, l.Generated != nil)
	}
	named := []struct {
		name string
		img  *fimage.Image
		c    int
	}{{"visible texture", l.Visible, 3}, {"mask", l.Mask, 1}, {"coverage", l.Coverage, 1}, {"generated image", l.Generated, 3}}
	for _, n := range named {
		if n.img == nil {
			continue
		}
		if n.img.C != n.c {
			return fmt.Errorf("blend: %s has %d channels, want %d", n.name, n.img.C, n.c)
		}
		if !n.img.SameSize(l.Visible) {
			return fmt.Errorf("blend: %s is %dx%d, visible texture %dx%d: want the same size", n.name, n.img.H, n.img.W, l.Visible.H, l.Visible.W)
		}
		if err := n.img.CheckFinite(n.name); err != nil {
			return fmt.Errorf("blend: %w", err)
		}
	}
	for _, v := range l.Mask.Pix {
		if v > 0.5 {
			return nil
		}
	}
	return ErrEmptyMask
}

func (o Options) check() error {
	if o.MaskErosion < 0 || o.CoverageErosion < 0 || o.KernelSize < 0 || o.Sigma < 0 || o.Falloff < 0 || o.Tolerance < 0 || o.MaxIterations < 0 {
		return fmt.Errorf("blend: options %+v, want non-negative sizes, sigma, tolerance and iterations", o)
	}
	for _, s := range []int{o.MaskErosion, o.CoverageErosion, o.KernelSize} {
		if s > 1 && s%2 == 0 {
			return fmt.Errorf("blend: kernel and erosion sizes %d, %d, %d, want odd (a centred square)", o.MaskErosion, o.CoverageErosion, o.KernelSize)
		}
	}
	return nil
}
