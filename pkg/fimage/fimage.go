package fimage

import (
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // ReadImage accepts JPEG photos
	"image/png"
	"io"
	"math"
	"os"

	"github.com/pmvi/pmvi/internal/atomicfile"
)

// Image is a float32 image with C channels of H rows and W columns, stored plane by plane:
// Pix[(c*H+y)*W+x]. Row 0 is the top of the image.
type Image struct {
	C, H, W int
	Pix     []float32
}

// New returns a zero image of the given size.
func New(c, h, w int) *Image {
	return &Image{C: c, H: h, W: w, Pix: make([]float32, c*h*w)}
}

// FromPix wraps pix (length c*h*w, planar) without copying.
func FromPix(c, h, w int, pix []float32) (*Image, error) {
	if len(pix) != c*h*w {
		return nil, fmt.Errorf("fimage: %d values for a %dx%dx%d image, want %d", len(pix), c, h, w, c*h*w)
	}
	return &Image{C: c, H: h, W: w, Pix: pix}, nil
}

// At returns channel c at row y, column x.
func (m *Image) At(c, y, x int) float32 { return m.Pix[(c*m.H+y)*m.W+x] }

// Set sets channel c at row y, column x.
func (m *Image) Set(c, y, x int, v float32) { m.Pix[(c*m.H+y)*m.W+x] = v }

// Plane returns channel c as a slice sharing m's storage.
func (m *Image) Plane(c int) []float32 { return m.Pix[c*m.H*m.W : (c+1)*m.H*m.W] }

// Clone returns a deep copy.
func (m *Image) Clone() *Image {
	return &Image{C: m.C, H: m.H, W: m.W, Pix: append([]float32(nil), m.Pix...)}
}

// Mirrored returns m flipped left to right (a face's mirror image: the same person, yaw and roll negated).
func (m *Image) Mirrored() *Image {
	o := &Image{C: m.C, H: m.H, W: m.W, Pix: make([]float32, len(m.Pix))}
	for c := 0; c < m.C; c++ {
		for y := 0; y < m.H; y++ {
			row := m.Pix[(c*m.H+y)*m.W : (c*m.H+y+1)*m.W]
			out := o.Pix[(c*m.H+y)*m.W : (c*m.H+y+1)*m.W]
			for x := range row {
				out[m.W-1-x] = row[x]
			}
		}
	}
	return o
}

// Channels returns a new image holding channels [from, to) of m.
func (m *Image) Channels(from, to int) *Image {
	return &Image{C: to - from, H: m.H, W: m.W, Pix: append([]float32(nil), m.Pix[from*m.H*m.W:to*m.H*m.W]...)}
}

// SameSize reports whether m and o have the same height and width.
func (m *Image) SameSize(o *Image) bool { return m.H == o.H && m.W == o.W }

// Bilinear samples channel c at continuous pixel coordinates (x, y), pixel centres at half-integers as in
// grid_sample with align_corners=False; samples outside the image read the nearest edge pixel.
func (m *Image) Bilinear(c int, x, y float64) float32 {
	fx, fy := x-0.5, y-0.5
	x0, y0 := math.Floor(fx), math.Floor(fy)
	ax, ay := float32(fx-x0), float32(fy-y0)
	xi, yi := int(x0), int(y0)
	p := m.Plane(c)
	at := func(yy, xx int) float32 {
		xx = min(max(xx, 0), m.W-1)
		yy = min(max(yy, 0), m.H-1)
		return p[yy*m.W+xx]
	}
	top := at(yi, xi)*(1-ax) + at(yi, xi+1)*ax
	bottom := at(yi+1, xi)*(1-ax) + at(yi+1, xi+1)*ax
	return top*(1-ay) + bottom*ay
}

// Resize returns m resampled to h x w with bilinear interpolation (align_corners=False, no antialiasing).
func (m *Image) Resize(h, w int) *Image {
	out := New(m.C, h, w)
	sx, sy := float64(m.W)/float64(w), float64(m.H)/float64(h)
	for c := 0; c < m.C; c++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				out.Set(c, y, x, m.Bilinear(c, (float64(x)+0.5)*sx, (float64(y)+0.5)*sy))
			}
		}
	}
	return out
}

// Downsample returns m reduced by an integer factor f, each output pixel the mean of an f x f block (the
// area filter, free of aliasing for such factors). m's sides must be multiples of f.
func (m *Image) Downsample(f int) (*Image, error) {
	if f < 1 || m.H%f != 0 || m.W%f != 0 {
		return nil, fmt.Errorf("fimage: cannot downsample a %dx%d image by %d", m.W, m.H, f)
	}
	h, w := m.H/f, m.W/f
	out := New(m.C, h, w)
	inv := 1 / float32(f*f)
	for c := 0; c < m.C; c++ {
		src, dst := m.Plane(c), out.Plane(c)
		for y := 0; y < m.H; y++ {
			for x := 0; x < m.W; x++ {
				dst[(y/f)*w+x/f] += src[y*m.W+x] * inv
			}
		}
	}
	return out, nil
}

// CheckFinite returns an error naming the first NaN or infinite value, with what the image is.
func (m *Image) CheckFinite(what string) error {
	for i, v := range m.Pix {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			c, rest := i/(m.H*m.W), i%(m.H*m.W)
			return fmt.Errorf("fimage: %s has %v at channel %d, row %d, column %d", what, v, c, rest/m.W, rest%m.W)
		}
	}
	return nil
}

// ToNRGBA converts a 1- or 3-channel image in [-1, 1] to 8-bit RGB (grey for one channel), clamping.
func (m *Image) ToNRGBA() *image.NRGBA {
	out := image.NewNRGBA(image.Rect(0, 0, m.W, m.H))
	for y := 0; y < m.H; y++ {
		for x := 0; x < m.W; x++ {
			var r, g, b uint8
			if m.C >= 3 {
				r, g, b = to8(m.At(0, y, x)), to8(m.At(1, y, x)), to8(m.At(2, y, x))
			} else {
				r = to8(m.At(0, y, x))
				g, b = r, r
			}
			out.SetNRGBA(x, y, color.NRGBA{r, g, b, 255})
		}
	}
	return out
}

func to8(v float32) uint8 {
	f := (float64(v) + 1) * 127.5
	return uint8(min(max(math.Round(f), 0), 255))
}

// FromImage converts any image to a 3-channel image in [-1, 1] (alpha is ignored).
func FromImage(src image.Image) *Image {
	b := src.Bounds()
	out := New(3, b.Dy(), b.Dx())
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			c := color.NRGBAModel.Convert(src.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
			out.Set(0, y, x, float32(c.R)/127.5-1)
			out.Set(1, y, x, float32(c.G)/127.5-1)
			out.Set(2, y, x, float32(c.B)/127.5-1)
		}
	}
	return out
}

// WritePNG writes a 1- or 3-channel image in [-1, 1] as an 8-bit PNG, atomically (temporary file, rename).
func WritePNG(path string, m *Image) error {
	return atomicfile.Write(path, func(f io.Writer) error { return png.Encode(f, m.ToNRGBA()) })
}

// ReadImage reads a PNG or JPEG (any format registered with package image) as a 3-channel image in [-1, 1].
func ReadImage(path string) (*Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("fimage: %w", err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("fimage: %s: not a readable image: %w", path, err)
	}
	return FromImage(img), nil
}

// Quantize8 returns the image as an 8-bit PNG would store it and ReadImage read it back: each value rounded
// to the nearest of 256 levels in [-1, 1] (clamped). Synthetic inputs quantized this way are the same images
// a user would save and load.
func (m *Image) Quantize8() *Image {
	out := m.Clone()
	for i, v := range out.Pix {
		out.Pix[i] = float32(to8(v))/127.5 - 1
	}
	return out
}
