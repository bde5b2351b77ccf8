package heads

import (
	"fmt"
	"strings"

	"github.com/pmvi/pmvi/pkg/camera"
)

// Variant is a failure case of the paper's supplement (C.1, Fig. 3) applied to an identity, or Clean.
type Variant int

const (
	// Clean renders the identity as it is (with its own glasses, if it wears them).
	Clean Variant = iota
	// Hand raises a hand in front of the mouth, chin and one cheek.
	Hand
	// Glasses puts dark sunglasses on, hiding the eyes.
	Glasses
	// Earrings hangs gold hoops from the ears; long hair is tucked behind the ears so they show.
	Earrings
	// Hat puts a brimmed hat on, shadowing the forehead.
	Hat
	// Trinkets is Glasses, Earrings and Hat together.
	Trinkets
	// ExtremePose is the clean head meant to be seen from Variant.Camera, far outside FFHQ's pose range.
	ExtremePose
	numVariants
)

var variantNames = [...]string{"clean", "hand", "glasses", "earrings", "hat", "trinkets", "extreme-pose"}

// Variants returns every variant, Clean first.
func Variants() []Variant {
	out := make([]Variant, numVariants)
	for i := range out {
		out[i] = Variant(i)
	}
	return out
}

func (v Variant) String() string {
	if v < 0 || v >= numVariants {
		return fmt.Sprintf("Variant(%d)", int(v))
	}
	return variantNames[v]
}

// ParseVariant returns the variant named s (as String writes it, case-insensitive).
func ParseVariant(s string) (Variant, error) {
	for i, n := range variantNames {
		if strings.EqualFold(s, n) {
			return Variant(i), nil
		}
	}
	return 0, fmt.Errorf("heads: unknown variant %q, want one of %s", s, strings.Join(variantNames[:], ", "))
}

// Camera returns the camera a variant is meant to be seen from: the frontal FFHQ camera, except ExtremePose,
// which is seen from yaw 1.05 rad and pitch -0.42 rad (from above), far outside the [-0.5, 0.5] x
// [-0.25, 0.25] range the generator is trained on.
func (v Variant) Camera() camera.Camera {
	if v == ExtremePose {
		return camera.At(1.05, -0.42)
	}
	return camera.At(0, 0)
}

func (v Variant) hasHand() bool       { return v == Hand }
func (v Variant) hasSunglasses() bool { return v == Glasses || v == Trinkets }
func (v Variant) hasEarrings() bool   { return v == Earrings || v == Trinkets }
func (v Variant) hasHat() bool        { return v == Hat || v == Trinkets }

// Background is what the camera sees where no ray hits the head: a vertical gradient from Top (image row 0)
// to Bottom (last row), colours in [0, 1] RGB. Top == Bottom is a plain colour. The zero value is black.
type Background struct {
	Top, Bottom [3]float64
}

// Plain returns a background of one colour (RGB in [0, 1]).
func Plain(r, g, b float64) Background {
	c := [3]float64{r, g, b}
	return Background{Top: c, Bottom: c}
}

// Gradient returns a vertical gradient from top to bottom (RGB in [0, 1]).
func Gradient(top, bottom [3]float64) Background { return Background{Top: top, Bottom: bottom} }

// DefaultBackground is a plain light grey, the background of the figures.
func DefaultBackground() Background { return Plain(0.82, 0.82, 0.8) }

// BackgroundFor returns a background drawn from a seed: half plain, half gradients, in muted colours that
// never match skin or hair closely, so a generator has to learn the mask.
func BackgroundFor(seed uint64) Background {
	r := newRNG(seed ^ 0x243f6a8885a308d3)
	colour := func() [3]float64 {
		h, s, v := r.float(), 0.1+0.35*r.float(), 0.35+0.6*r.float()
		return hsv(h, s, v)
	}
	top := colour()
	if r.float() < 0.5 {
		return Background{Top: top, Bottom: top}
	}
	return Background{Top: top, Bottom: colour()}
}

// at returns the background colour of image row fraction v in [0, 1].
func (b Background) at(v float64) [3]float64 {
	v = clamp(v, 0, 1)
	return [3]float64{
		mix(b.Top[0], b.Bottom[0], v), mix(b.Top[1], b.Bottom[1], v), mix(b.Top[2], b.Bottom[2], v),
	}
}

// Scene is what Render draws: an identity, a variant of it and a background.
type Scene struct {
	Identity   Identity
	Variant    Variant
	Background Background
}

// NewScene returns the clean scene of a seed's identity on the default background.
func NewScene(seed uint64) Scene {
	return Scene{Identity: NewIdentity(seed), Background: DefaultBackground()}
}

// Distance returns the signed distance, in world units, from world point p to the surface of the scene
// (negative inside). It is a lower bound of the true distance, exact on the surface. Each call compiles
// the scene; for many points use DistanceFunc.
func (s Scene) Distance(p [3]float64) float64 { return s.DistanceFunc()(p) }

// DistanceFunc compiles the scene once and returns its signed distance function (world units).
func (s Scene) DistanceFunc() func(p [3]float64) float64 {
	m := compile(s)
	return m.distWorld
}

// visibleTolerance is how far (world units; 0.08 mm on the head) a marched hit may fall short of a point
// that still counts as visible: far below a pixel, far above the marcher's error.
const visibleTolerance = 2e-3

// Visible reports, for each world point, whether it is the first surface the ray from the camera centre
// towards it meets: ground-truth visibility for points on the surface (from a depth map, a mesh vertex).
// Surface within visibleTolerance (0.002 world units) in front of a point does not occlude it, so points
// lifted from a depth map count as visible; a point in empty space is visible when nothing lies between it
// and the camera.
func (s Scene) Visible(cam camera.Camera, points [][3]float64) []bool {
	m := compile(s)
	tr := &tracer{m: m}
	o := worldToHead(cam.Position())
	out := make([]bool, len(points))
	for i, p := range points {
		ph := worldToHead(p)
		v := ph.sub(o)
		dist := v.length()
		t, hit := tr.march(o, v.mul(1/dist), 0)
		out[i] = !hit || t*worldPerCM >= (dist*worldPerCM)-visibleTolerance
	}
	return out
}

// hsv converts hue, saturation, value in [0, 1] to RGB in [0, 1].
func hsv(h, s, v float64) [3]float64 {
	h = (h - float64(int(h))) * 6
	i := int(h)
	f := h - float64(i)
	p, q, t := v*(1-s), v*(1-s*f), v*(1-s*(1-f))
	switch i {
	case 0:
		return [3]float64{v, t, p}
	case 1:
		return [3]float64{q, v, p}
	case 2:
		return [3]float64{p, v, t}
	case 3:
		return [3]float64{p, q, v}
	case 4:
		return [3]float64{t, p, v}
	default:
		return [3]float64{v, p, q}
	}
}
