package figures

import (
	"fmt"
	"image/color"
	"math"

	"github.com/pmvi/pmvi/pkg/fimage"
)

// viridisStops are matplotlib's viridis at t = 0, 1/8, ..., 1; Viridis interpolates between them.
var viridisStops = [...]color.NRGBA{
	{0x44, 0x01, 0x54, 0xff}, {0x47, 0x2d, 0x7b, 0xff}, {0x3b, 0x52, 0x8b, 0xff},
	{0x2c, 0x72, 0x8e, 0xff}, {0x21, 0x91, 0x8c, 0xff}, {0x28, 0xae, 0x80, 0xff},
	{0x5e, 0xc9, 0x62, 0xff}, {0xad, 0xdc, 0x30, 0xff}, {0xfd, 0xe7, 0x25, 0xff},
}

// Viridis maps t in [0, 1] to matplotlib's viridis colour map (dark purple at 0, yellow at 1), a map whose
// lightness rises steadily so depth order survives printing in grey. t outside [0, 1] is clamped; NaN gives
// the colour of 0.
func Viridis(t float64) color.NRGBA {
	if !(t > 0) {
		return viridisStops[0]
	}
	if t >= 1 {
		return viridisStops[len(viridisStops)-1]
	}
	f := t * float64(len(viridisStops)-1)
	i := int(f)
	a, b, w := viridisStops[i], viridisStops[i+1], f-float64(i)
	mix := func(p, q uint8) uint8 { return uint8(math.Round(float64(p)*(1-w) + float64(q)*w)) }
	return color.NRGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 0xff}
}

// DepthRange returns the smallest and largest finite values of a one-channel depth map, and false when it
// has none.
func DepthRange(depth *fimage.Image) (near, far float32, ok bool) {
	near, far = float32(math.Inf(1)), float32(math.Inf(-1))
	for _, v := range depth.Pix {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			continue
		}
		near, far = min(near, v), max(far, v)
	}
	return near, far, near <= far
}

// ColorizeDepth paints a one-channel depth map with Viridis: depth near (or nearer) is yellow, depth far (or
// farther) dark purple, so the face's front stands out. near == far == 0 uses the map's own finite range
// (DepthRange). NaN and infinite depths (no surface) are painted black. The result is a 3-channel image in
// [-1, 1], ready for a Grid, an animation or fimage.WritePNG.
func ColorizeDepth(depth *fimage.Image, near, far float32) (*fimage.Image, error) {
	if depth.C != 1 {
		return nil, fmt.Errorf("figures: depth map has %d channels, want 1", depth.C)
	}
	if near == 0 && far == 0 {
		var ok bool
		if near, far, ok = DepthRange(depth); !ok {
			return nil, fmt.Errorf("figures: depth map (%dx%d) has no finite value", depth.W, depth.H)
		}
	}
	if math.IsNaN(float64(near)) || math.IsNaN(float64(far)) {
		return nil, fmt.Errorf("figures: depth range [%v, %v] is not a number", near, far)
	}
	out := fimage.New(3, depth.H, depth.W)
	n := depth.H * depth.W
	for i, v := range depth.Pix {
		var c color.NRGBA // black: no surface
		if !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) {
			t := 0.5 // a flat map (near == far) is one mid colour
			if far != near {
				t = float64(far-v) / float64(far-near)
			}
			c = Viridis(t)
		}
		out.Pix[i], out.Pix[n+i], out.Pix[2*n+i] = unit(c.R), unit(c.G), unit(c.B)
	}
	return out, nil
}

// unit maps an 8-bit channel to [-1, 1] as fimage does, so ToNRGBA gives the same byte back.
func unit(v uint8) float32 { return float32(v)/127.5 - 1 }

// Mask returns a one-channel mask with values in [0, 1] as a picture: 0 black, 1 white (images are drawn
// from EG3D's [-1, 1] range, where a raw mask would show 0 as grey).
func Mask(m *fimage.Image) *fimage.Image {
	out := fimage.New(1, m.H, m.W)
	for i, v := range m.Plane(0) {
		out.Pix[i] = 2*v - 1
	}
	return out
}
