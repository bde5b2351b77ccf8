package figures

import (
	"image/color"
	"math"
	"testing"

	"github.com/pmvi/pmvi/pkg/fimage"
)

// luma is the Rec. 601 lightness of c.
func luma(c color.NRGBA) float64 { return 0.299*float64(c.R) + 0.587*float64(c.G) + 0.114*float64(c.B) }

func TestViridis(t *testing.T) {
	for _, tc := range []struct {
		t    float64
		want color.NRGBA
	}{
		{0, color.NRGBA{0x44, 0x01, 0x54, 0xff}},
		{-3, color.NRGBA{0x44, 0x01, 0x54, 0xff}},
		{math.NaN(), color.NRGBA{0x44, 0x01, 0x54, 0xff}},
		{0.5, color.NRGBA{0x21, 0x91, 0x8c, 0xff}},
		{1, color.NRGBA{0xfd, 0xe7, 0x25, 0xff}},
		{7, color.NRGBA{0xfd, 0xe7, 0x25, 0xff}},
		{1.0 / 16, color.NRGBA{0x46, 0x17, 0x68, 0xff}}, // halfway between the first two stops
	} {
		if got := Viridis(tc.t); got != tc.want {
			t.Errorf("Viridis(%v) = %v, want %v", tc.t, got, tc.want)
		}
	}
	// Lightness rises along the map: what makes it readable as depth.
	prev := -1.0
	for i := range 101 {
		l := luma(Viridis(float64(i) / 100))
		if l < prev-0.5 {
			t.Fatalf("lightness falls at t=%.2f: %.1f after %.1f", float64(i)/100, l, prev)
		}
		prev = l
	}
}

func TestColorizeDepth(t *testing.T) {
	d := fimage.New(1, 1, 5)
	copy(d.Pix, []float32{2.5, 2.7, 2.9, float32(math.NaN()), float32(math.Inf(1))})
	pixel := func(m *fimage.Image, x int) color.NRGBA { return m.ToNRGBA().NRGBAAt(x, 0) }
	black := color.NRGBA{0, 0, 0, 255}

	auto, err := ColorizeDepth(d, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for x, want := range []color.NRGBA{Viridis(1), Viridis(0.5), Viridis(0), black, black} {
		if got := pixel(auto, x); got != want {
			t.Errorf("auto range, pixel %d (depth %v) = %v, want %v", x, d.Pix[x], got, want)
		}
	}
	// A fixed range clamps depths outside it to the ends.
	fixed, err := ColorizeDepth(d, 2.6, 2.8)
	if err != nil {
		t.Fatal(err)
	}
	for x, want := range []color.NRGBA{Viridis(1), Viridis(0.5), Viridis(0)} {
		if got := pixel(fixed, x); got != want {
			t.Errorf("range [2.6, 2.8], pixel %d (depth %v) = %v, want %v", x, d.Pix[x], got, want)
		}
	}
	if near, far, ok := DepthRange(d); !ok || near != 2.5 || far != 2.9 {
		t.Errorf("DepthRange = %v, %v, %v; want 2.5, 2.9, true", near, far, ok)
	}
}

func TestColorizeDepthErrors(t *testing.T) {
	empty := fimage.New(1, 2, 2)
	for i := range empty.Pix {
		empty.Pix[i] = float32(math.NaN())
	}
	for _, tc := range []struct {
		name      string
		d         *fimage.Image
		near, far float32
	}{
		{"three channels", fimage.New(3, 2, 2), 1, 2},
		{"no finite depth", empty, 0, 0},
		{"NaN range", fimage.New(1, 2, 2), float32(math.NaN()), 1},
	} {
		if _, err := ColorizeDepth(tc.d, tc.near, tc.far); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestMaskMapsZeroToBlackAndOneToWhite(t *testing.T) {
	m := fimage.New(1, 1, 3)
	copy(m.Pix, []float32{0, 0.5, 1})
	got := Mask(m).ToNRGBA()
	for i, want := range []uint8{0, 128, 255} {
		if r := got.NRGBAAt(i, 0).R; r != want {
			t.Errorf("mask %v drawn as %d, want %d", m.Pix[i], r, want)
		}
	}
}
