package figures

import (
	"image"
	"image/color"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// goRegular is the parsed Go Regular font; parsing is done once because it never changes.
var goRegular = sync.OnceValues(func() (*opentype.Font, error) { return opentype.Parse(goregular.TTF) })

// labelFace returns a new Go Regular face of the given pixel size. Faces cache glyphs and are not safe for
// concurrent use, so each drawing gets its own.
func labelFace(px float64) (font.Face, error) {
	f, err := goRegular()
	if err != nil {
		return nil, err
	}
	return opentype.NewFace(f, &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingFull})
}

// textWidth returns the advance width of s in whole pixels.
func textWidth(face font.Face, s string) int {
	return font.MeasureString(face, s).Ceil()
}

// drawText draws s in colour c with its left end at x and its baseline at y.
func drawText(dst *image.NRGBA, face font.Face, c color.Color, x, y int, s string) {
	d := font.Drawer{Dst: dst, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x, y)}
	d.DrawString(s)
}
