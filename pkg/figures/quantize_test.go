package figures

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"
)

// nearest's pruned search finds what a scan of every colour finds, ties going to the earliest colour.
func TestNearestMatchesFullScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 20 {
		colors := make([][3]float64, 1+rng.IntN(256))
		for i := range colors {
			for k := range 3 {
				colors[i][k] = float64(rng.IntN(256))
				if trial%2 == 1 {
					colors[i][k] = float64(rng.IntN(4) * 64) // coarse: many ties and duplicates
				}
			}
		}
		nr := newNearest(colors)
		for range 500 {
			q := [3]float64{float64(rng.IntN(256)), float64(rng.IntN(256)), float64(rng.IntN(256))}
			want, wantD := 0, math.Inf(1)
			for i, c := range colors {
				if d := (q[0]-c[0])*(q[0]-c[0]) + (q[1]-c[1])*(q[1]-c[1]) + (q[2]-c[2])*(q[2]-c[2]); d < wantD {
					want, wantD = i, d
				}
			}
			if got := nr.find(q); got != want {
				t.Fatalf("trial %d: nearest of %v is colour %d %v, want %d %v", trial, q, got, colors[got], want, colors[want])
			}
		}
	}
}

// A frame with more colours than the fitting keeps (random noise: ~65000) is binned, still gets 256 colours,
// and every pixel its nearest one.
func TestFramePaletteOfNoise(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m := image.NewNRGBA(image.Rect(0, 0, 256, 256))
	for i := 0; i < len(m.Pix); i += 4 {
		m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 0xff
	}
	entries := colorCounts(m)
	if len(entries) <= maxFitColors {
		t.Fatalf("%d colours: the noise does not exercise binning", len(entries))
	}
	binned := coarsen(entries, maxFitColors)
	total := 0.0
	for _, e := range binned {
		total += e.n
	}
	if len(binned) > maxFitColors || total != 256*256 {
		t.Errorf("binned to %d colours of %v pixels, want at most %d of %d", len(binned), total, maxFitColors, 256*256)
	}
	pal := framePalette(m, 256)
	if len(pal) != 256 {
		t.Errorf("palette of %d colours, want 256", len(pal))
	}
	p := paletted(m, pal)
	for _, xy := range [][2]int{{0, 0}, {17, 200}, {255, 255}} {
		c := m.NRGBAAt(xy[0], xy[1])
		got := pal[p.ColorIndexAt(xy[0], xy[1])].(color.NRGBA)
		d := func(q color.NRGBA) int {
			dr, dg, db := int(c.R)-int(q.R), int(c.G)-int(q.G), int(c.B)-int(q.B)
			return dr*dr + dg*dg + db*db
		}
		for _, q := range pal {
			if d(q.(color.NRGBA)) < d(got) {
				t.Errorf("pixel %v %v maps to %v, but %v is nearer", xy, c, got, q)
				break
			}
		}
	}
}
