package figures

import (
	"cmp"
	"image"
	"image/color"
	"slices"
)

// sortColors sorts colours by channel ch, then by the whole colour (ch < 0: by the whole colour only), so
// the order never depends on the input's order.
func sortColors(cs []weighted, ch int) {
	slices.SortFunc(cs, func(a, b weighted) int {
		if ch >= 0 {
			if c := cmp.Compare(a.rgb[ch], b.rgb[ch]); c != 0 {
				return c
			}
		}
		return cmp.Compare(uint32(a.rgb[0])<<16|uint32(a.rgb[1])<<8|uint32(a.rgb[2]),
			uint32(b.rgb[0])<<16|uint32(b.rgb[1])<<8|uint32(b.rgb[2]))
	})
}

// quantizer maps colours to the nearest palette entry, remembering answers: the frames of an orbit repeat
// the same colours.
type quantizer struct {
	pal     color.Palette
	rgb     [][3]int32
	nearest map[uint32]uint8
}

func newQuantizer(pal color.Palette) *quantizer {
	q := &quantizer{pal: pal, nearest: map[uint32]uint8{}}
	for _, c := range pal {
		n := c.(color.NRGBA)
		q.rgb = append(q.rgb, [3]int32{int32(n.R), int32(n.G), int32(n.B)})
	}
	return q
}

// index returns the palette index nearest (in squared RGB distance) to r, g, b.
func (q *quantizer) index(r, g, b int32) uint8 {
	key := uint32(r)<<16 | uint32(g)<<8 | uint32(b)
	if i, ok := q.nearest[key]; ok {
		return i
	}
	best, bestD := 0, int32(1<<30)
	for i, p := range q.rgb {
		dr, dg, db := r-p[0], g-p[1], b-p[2]
		if d := dr*dr + dg*dg + db*db; d < bestD {
			best, bestD = i, d
		}
	}
	q.nearest[key] = uint8(best)
	return uint8(best)
}

// paletted returns m in q's palette, each pixel the nearest palette colour. No dithering: an orbit's frames
// would each get their own noise, which flickers when they play and makes the GIF several times larger.
func (q *quantizer) paletted(m *image.NRGBA) *image.Paletted {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	out := image.NewPaletted(image.Rect(0, 0, w, h), q.pal)
	for y := range h {
		row := m.Pix[y*m.Stride:]
		for x := range w {
			out.Pix[y*out.Stride+x] = q.index(int32(row[4*x]), int32(row[4*x+1]), int32(row[4*x+2]))
		}
	}
	return out
}
