package figures

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
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
// second, at least 0.02 s). All frames share one palette of at most 256 colours, chosen by median cut over
// every frame so an orbit keeps steady colours; frames with 256 colours or fewer in all are kept exactly,
// others get the nearest palette colour. Frames must have the same size and 1 or 3 channels in [-1, 1].
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
	pal := medianCut(rgb, 256)
	cs := max(minGIFDelay, int(math.Round(delay.Seconds()*100)))
	g := &gif.GIF{LoopCount: 0}
	q := newQuantizer(pal)
	for _, m := range rgb {
		g.Image = append(g.Image, q.paletted(m))
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

// medianCut returns a palette of at most n colours for the pixels of frames: all distinct colours when
// there are n or fewer, otherwise the means of n boxes made by splitting, again and again, the box with the
// widest channel range at its median along that channel.
func medianCut(frames []*image.NRGBA, n int) color.Palette {
	// Count distinct colours (24-bit), sampling at most ~1M pixels so long animations stay fast.
	total := 0
	for _, m := range frames {
		total += m.Rect.Dx() * m.Rect.Dy()
	}
	stride := max(1, total/(1<<20))
	counts := map[uint32]int{}
	k := 0
	for _, m := range frames {
		for i := 0; i+3 < len(m.Pix); i += 4 {
			if k%stride == 0 {
				counts[uint32(m.Pix[i])<<16|uint32(m.Pix[i+1])<<8|uint32(m.Pix[i+2])]++
			}
			k++
		}
	}
	colors := make([]weighted, 0, len(counts))
	for c, w := range counts {
		colors = append(colors, weighted{[3]uint8{uint8(c >> 16), uint8(c >> 8), uint8(c)}, w})
	}
	// Map iteration order is random: sort so the palette (and the GIF's bytes) are deterministic.
	sortColors(colors, -1)
	if len(colors) <= n {
		pal := make(color.Palette, len(colors))
		for i, c := range colors {
			pal[i] = color.NRGBA{c.rgb[0], c.rgb[1], c.rgb[2], 0xff}
		}
		return pal
	}
	boxes := []box{{colors}}
	for len(boxes) < n {
		best, ch, widest := -1, 0, 0
		for i, b := range boxes {
			if c, r := b.widest(); r > widest {
				best, ch, widest = i, c, r
			}
		}
		if best < 0 {
			break // every box holds one colour
		}
		lo, hi := boxes[best].split(ch)
		boxes[best] = lo
		boxes = append(boxes, hi)
	}
	pal := make(color.Palette, len(boxes))
	for i, b := range boxes {
		pal[i] = b.mean()
	}
	return pal
}

type weighted struct {
	rgb [3]uint8
	n   int
}

type box struct{ colors []weighted }

// widest returns the channel with the largest range in b, and that range.
func (b box) widest() (ch, r int) {
	for c := range 3 {
		lo, hi := 255, 0
		for _, w := range b.colors {
			lo, hi = min(lo, int(w.rgb[c])), max(hi, int(w.rgb[c]))
		}
		if hi-lo > r {
			ch, r = c, hi-lo
		}
	}
	return ch, r
}

// split sorts b along channel ch and cuts it where half the pixels (by weight) lie on each side.
func (b box) split(ch int) (lo, hi box) {
	sortColors(b.colors, ch)
	total := 0
	for _, w := range b.colors {
		total += w.n
	}
	acc, cut := 0, 1
	for i, w := range b.colors[:len(b.colors)-1] {
		acc += w.n
		if 2*acc >= total {
			cut = i + 1
			break
		}
	}
	return box{b.colors[:cut]}, box{b.colors[cut:]}
}

func (b box) mean() color.NRGBA {
	var s [3]float64
	n := 0
	for _, w := range b.colors {
		for c := range 3 {
			s[c] += float64(w.rgb[c]) * float64(w.n)
		}
		n += w.n
	}
	return color.NRGBA{uint8(math.Round(s[0] / float64(n))), uint8(math.Round(s[1] / float64(n))), uint8(math.Round(s[2] / float64(n))), 0xff}
}
