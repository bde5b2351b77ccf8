package heads

import (
	"testing"

	"github.com/pmvi/pmvi/pkg/camera"
)

// partCount counts pixels of part p, optionally within rows [y0, y1) (fractions of the height).
func partCount(v *View, p Part, y0, y1 float64) int {
	n := v.Depth.W
	c := 0
	for y := int(y0 * float64(n)); y < int(y1*float64(n)); y++ {
		for x := range n {
			if v.PartAt(x, y) == p {
				c++
			}
		}
	}
	return c
}

// TestVariants checks that each failure case shows what it names, from its own camera, and occludes what
// it should.
func TestVariants(t *testing.T) {
	const n = 96
	base := NewScene(5)
	base.Identity.Glasses = 0
	clean := Render(base, Clean.Camera(), n)
	cleanIris, cleanLips := partCount(clean, PartIris, 0, 1), partCount(clean, PartLips, 0, 1)
	if cleanIris < 10 || cleanLips < 20 {
		t.Fatalf("clean view has %d iris and %d lip pixels", cleanIris, cleanLips)
	}
	tests := []struct {
		v     Variant
		part  Part
		least int
		check func(v *View) string
	}{
		{Hand, PartHand, n * n / 12, func(v *View) string {
			if partCount(v, PartLips, 0, 1) > cleanLips/3 {
				return "the hand does not cover the mouth"
			}
			return ""
		}},
		{Glasses, PartGlasses, n * n / 100, func(v *View) string {
			if partCount(v, PartIris, 0, 1) > cleanIris/5 {
				return "sunglasses do not hide the eyes"
			}
			return ""
		}},
		{Earrings, PartEarring, 4, nil},
		{Hat, PartHat, n * n / 20, nil},
		{Trinkets, PartHat, n * n / 20, func(v *View) string {
			if partCount(v, PartGlasses, 0, 1) == 0 || partCount(v, PartEarring, 0, 1) == 0 {
				return "trinkets lack glasses or earrings"
			}
			return ""
		}},
		{ExtremePose, PartHair, n * n / 10, func(v *View) string {
			if yaw, _ := ExtremePose.Camera().YawPitch(); yaw < 0.9 {
				return "extreme pose camera is not extreme"
			}
			if partCount(v, PartIris, 0, 1) > cleanIris*2/3 {
				return "the far eye is still visible at extreme yaw"
			}
			return ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.v.String(), func(t *testing.T) {
			s := base
			s.Variant = tt.v
			v := Render(s, tt.v.Camera(), n)
			if c := partCount(v, tt.part, 0, 1); c < tt.least {
				t.Errorf("%d %v pixels, want at least %d", c, tt.part, tt.least)
			}
			if tt.check != nil {
				if msg := tt.check(v); msg != "" {
					t.Error(msg)
				}
			}
		})
	}
}

// TestAttributeEdits changes one attribute from 0 to 1 and checks that the picture changes the way its name
// says, so editing code can rely on the names.
func TestAttributeEdits(t *testing.T) {
	const n = 96
	cam := camera.At(0.15, 0)
	lum := func(v *View, p Part, y0, y1 float64) float64 {
		s, c := 0.0, 0
		for y := int(y0 * n); y < int(y1*n); y++ {
			for x := range n {
				if v.PartAt(x, y) == p {
					i := y*n + x
					s += float64(v.RGB.Pix[i] + v.RGB.Pix[n*n+i] + v.RGB.Pix[2*n*n+i])
					c++
				}
			}
		}
		return s / float64(3*max(c, 1))
	}
	blueness := func(v *View) float64 {
		s, c := 0.0, 0
		for i, p := range v.Parts {
			if p == PartIris {
				s += float64(v.RGB.Pix[2*n*n+i] - v.RGB.Pix[i])
				c++
			}
		}
		return s / float64(max(c, 1))
	}
	tests := []struct {
		name    string
		measure func(v *View) float64
		grows   bool
		by      float64
	}{
		{"smile", func(v *View) float64 { return float64(partCount(v, PartMouth, 0, 1)) }, true, 35},
		{"glasses", func(v *View) float64 { return float64(partCount(v, PartGlasses, 0, 1)) }, true, 60},
		{"hair_length", func(v *View) float64 { return float64(partCount(v, PartHair, 0.5, 1)) }, true, 800},
		{"fringe", func(v *View) float64 { return float64(partCount(v, PartHair, 0.1, 0.3)) }, true, 400},
		{"skin_tone", func(v *View) float64 { return lum(v, PartSkin, 0, 1) }, false, 0.6},
		{"beard", func(v *View) float64 { return lum(v, PartSkin, 0.65, 0.85) }, false, 0.1},
		{"iris_hue", blueness, true, 0.3},
		{"hair_darkness", func(v *View) float64 { return lum(v, PartHair, 0, 1) }, false, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := NewIdentity(21)
			id.HairLength, id.Fringe, id.Glasses, id.Beard, id.Smile = 0.3, 0.2, 0, 0, 0.3
			lo, _ := id.WithAttribute(tt.name, 0)
			hi, _ := id.WithAttribute(tt.name, 1)
			a := tt.measure(Render(Scene{Identity: lo, Background: DefaultBackground()}, cam, n))
			b := tt.measure(Render(Scene{Identity: hi, Background: DefaultBackground()}, cam, n))
			t.Logf("%s 0 -> 1: %.3f -> %.3f", tt.name, a, b)
			change := b - a
			if !tt.grows {
				change = -change
			}
			if change < tt.by {
				t.Errorf("%s 0 -> 1: measure goes %.3f -> %.3f, want it to %s by at least %v",
					tt.name, a, b, map[bool]string{true: "grow", false: "fall"}[tt.grows], tt.by)
			}
		})
	}
}
