package faces

import (
	"math"

	"github.com/pmvi/pmvi/pkg/fimage"
)

// Gray is an 8-bit intensity image, row-major, the input of the cascade detector and the shape predictor.
type Gray struct {
	W, H int
	Pix  []uint8
}

// GrayFrom converts an RGB image in [-1, 1] to intensities the way dlib does for RGB pixels: the 8-bit
// channels' integer mean. A one-channel image is converted directly.
func GrayFrom(m *fimage.Image) *Gray {
	g := &Gray{W: m.W, H: m.H, Pix: make([]uint8, m.W*m.H)}
	to8 := func(v float32) int { return int(min(max(math.Round((float64(v)+1)*127.5), 0), 255)) }
	for i := range g.Pix {
		if m.C < 3 {
			g.Pix[i] = uint8(to8(m.Pix[i]))
			continue
		}
		r, gr, b := m.Pix[i], m.Pix[m.H*m.W+i], m.Pix[2*m.H*m.W+i]
		g.Pix[i] = uint8((to8(r) + to8(gr) + to8(b)) / 3)
	}
	return g
}
