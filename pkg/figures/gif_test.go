package figures

import (
	"bytes"
	"errors"
	"image/color"
	"image/gif"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pmvi/pmvi/pkg/fimage"
)

// orbit returns n frames of a smooth colour field that shifts with the frame: thousands of colours, like a
// rendered orbit.
func orbit(n, h, w int) []*fimage.Image {
	frames := make([]*fimage.Image, n)
	for i := range frames {
		m := fimage.New(3, h, w)
		for y := range h {
			for x := range w {
				a := 2 * math.Pi * float64(i) / float64(n)
				m.Set(0, y, x, float32(math.Sin(float64(x)/9+a)))
				m.Set(1, y, x, float32(math.Cos(float64(y)/7-a)))
				m.Set(2, y, x, float32(x+y)/float32(h+w)*2-1)
			}
		}
		frames[i] = m
	}
	return frames
}

func TestAnimationFramesAndDelays(t *testing.T) {
	frames := []*fimage.Image{rgb(6, 8, 255, 0, 0), rgb(6, 8, 0, 255, 0), flat(1, 6, 8, 0)}
	for _, tc := range []struct {
		delay time.Duration
		want  int // hundredths of a second
	}{
		{40 * time.Millisecond, 4},
		{1 * time.Second, 100},
		{34 * time.Millisecond, 3},
		{5 * time.Millisecond, 2}, // browsers slow anything shorter down
		{0, 2},
	} {
		var buf bytes.Buffer
		if err := EncodeGIF(&buf, frames, tc.delay); err != nil {
			t.Fatal(err)
		}
		g, err := gif.DecodeAll(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if len(g.Image) != 3 || len(g.Delay) != 3 {
			t.Fatalf("%d images and %d delays, want 3", len(g.Image), len(g.Delay))
		}
		for i, d := range g.Delay {
			if d != tc.want {
				t.Errorf("delay %v: frame %d delay %d, want %d", tc.delay, i, d, tc.want)
			}
		}
		if g.LoopCount != 0 {
			t.Errorf("loop count %d, want 0 (forever)", g.LoopCount)
		}
		// Few colours are kept exactly.
		for i, want := range []color.NRGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {128, 128, 128, 255}} {
			if got := color.NRGBAModel.Convert(g.Image[i].At(3, 2)); got != want {
				t.Errorf("frame %d pixel = %v, want %v", i, got, want)
			}
		}
	}
}

func TestAnimationQuantizesManyColours(t *testing.T) {
	frames := orbit(6, 48, 64)
	g, err := Animation(frames, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(g.Image[0].Palette); n != 256 {
		t.Errorf("palette of %d colours, want 256", n)
	}
	for i, f := range frames {
		want := f.ToNRGBA()
		// Per pixel the error is bounded by the palette's spacing (~40 levels for 256 colours spread over a
		// cube, more at the gamut's corners, which box means do not reach); over 8x8 blocks it mostly cancels.
		var worstPixel, blockErr float64
		blocks := 0
		for by := 0; by < 48; by += 8 {
			for bx := 0; bx < 64; bx += 8 {
				var sum [3]float64
				for y := by; y < by+8; y++ {
					for x := bx; x < bx+8; x++ {
						got := color.NRGBAModel.Convert(g.Image[i].At(x, y)).(color.NRGBA)
						w := want.NRGBAAt(x, y)
						d := [3]float64{float64(got.R) - float64(w.R), float64(got.G) - float64(w.G), float64(got.B) - float64(w.B)}
						for k := range 3 {
							sum[k] += d[k]
							worstPixel = max(worstPixel, math.Abs(d[k]))
						}
					}
				}
				for k := range 3 {
					blockErr += math.Abs(sum[k] / 64)
				}
				blocks += 3
			}
		}
		if blockErr /= float64(blocks); worstPixel > 64 || blockErr > 4 {
			t.Errorf("frame %d: worst pixel error %.0f (want <= 64), mean 8x8 block error %.1f (want <= 4)", i, worstPixel, blockErr)
		}
	}
	// The same frames give the same bytes.
	var a, b bytes.Buffer
	if err := EncodeGIF(&a, frames, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := EncodeGIF(&b, frames, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two encodings of the same frames differ")
	}
}

func TestAnimationErrors(t *testing.T) {
	if _, err := Animation(nil, time.Second); !errors.Is(err, ErrNoImages) {
		t.Errorf("no frames: %v, want ErrNoImages", err)
	}
	for _, tc := range []struct {
		name   string
		frames []*fimage.Image
	}{
		{"sizes differ", []*fimage.Image{flat(3, 4, 4, 0), flat(3, 4, 5, 0)}},
		{"nil frame", []*fimage.Image{flat(3, 4, 4, 0), nil}},
		{"four channels", []*fimage.Image{flat(4, 4, 4, 0)}},
	} {
		if _, err := Animation(tc.frames, time.Second); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestWriteGIFLeavesOnlyTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "orbit.gif")
	if err := WriteGIF(path, orbit(3, 8, 8), 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "orbit.gif" {
		t.Errorf("directory holds %v, want only orbit.gif", entries)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := gif.DecodeAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != 3 {
		t.Errorf("%d frames, want 3", len(g.Image))
	}
	if err := WriteGIF(filepath.Join(dir, "missing", "x.gif"), orbit(1, 4, 4), 0); err == nil {
		t.Error("writing into a missing directory: no error")
	}
}
