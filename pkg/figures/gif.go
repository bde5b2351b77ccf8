package figures

import (
	"bytes"
	"fmt"
	"image"
	"image/gif"
	"io"
	"math"
	"time"

	"github.com/pmvi/pmvi/internal/atomicfile"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// minGIFDelay is the shortest frame time browsers honour: they show frames of 0 or 1 hundredths of a
// second for 10 hundredths instead.
const minGIFDelay = 2

// Animation returns frames as a looping GIF that shows each frame for delay (rounded to hundredths of a
// second, at least 0.02 s). Each frame gets its own palette of at most 256 colours fitted to its pixels
// (variance-minimizing median cut refined by k-means), so smooth shading stays smooth: a frame with 256
// colours or fewer is kept exactly, others get the nearest palette colour, without dithering. Frames must
// have the same size and 1 or 3 channels in [-1, 1].
func Animation(frames []*fimage.Image, delay time.Duration) (*gif.GIF, error) {
	if len(frames) == 0 {
		return nil, ErrNoImages
	}
	rgb := make([]*image.NRGBA, len(frames))
	for i, f := range frames {
		if f == nil {
			return nil, fmt.Errorf("figures: animation frame %d is nil", i)
		}
		if f.C != 1 && f.C != 3 {
			return nil, fmt.Errorf("figures: animation frame %d has %d channels, want 1 or 3", i, f.C)
		}
		if !f.SameSize(frames[0]) {
			return nil, fmt.Errorf("figures: animation frame %d is %dx%d, frame 0 is %dx%d", i, f.W, f.H, frames[0].W, frames[0].H)
		}
		rgb[i] = f.ToNRGBA()
	}
	cs := max(minGIFDelay, int(math.Round(delay.Seconds()*100)))
	g := &gif.GIF{LoopCount: 0}
	for _, m := range rgb {
		g.Image = append(g.Image, paletted(m, framePalette(m, maxPaletteColors)))
		g.Delay = append(g.Delay, cs)
	}
	return g, nil
}

// EncodeGIF writes frames to w as Animation encodes them.
func EncodeGIF(w io.Writer, frames []*fimage.Image, delay time.Duration) error {
	g, err := Animation(frames, delay)
	if err != nil {
		return err
	}
	if err := gif.EncodeAll(w, g); err != nil {
		return fmt.Errorf("figures: encoding GIF: %w", err)
	}
	return nil
}

// WriteGIF writes frames to the file path as Animation encodes them, atomically.
func WriteGIF(path string, frames []*fimage.Image, delay time.Duration) error {
	var buf bytes.Buffer
	if err := EncodeGIF(&buf, frames, delay); err != nil {
		return err
	}
	return WriteFile(path, buf.Bytes())
}

// WriteFile writes data to the file path atomically: into a temporary file beside it, then renamed, so a
// reader (or a crashed run) never sees half a figure.
func WriteFile(path string, data []byte) error {
	if err := atomicfile.WriteBytes(path, data); err != nil {
		return fmt.Errorf("figures: %w", err)
	}
	return nil
}
