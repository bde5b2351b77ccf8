package figures

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"

	xdraw "golang.org/x/image/draw"

	"github.com/pmvi/pmvi/pkg/fimage"
)

// ErrNoImages is returned for a grid or an animation without a single image.
var ErrNoImages = errors.New("figures: no images")

// Grid is a table of images with a label per row (on the left) and per column (on top), and optionally a
// caption under each image, drawn as one picture: the layout of the paper's comparison figures (rows: inputs
// or methods; columns: views or stages; captions: scores).
// Fill in the fields and call Draw; the zero values of the numeric fields pick sensible defaults.
type Grid struct {
	// Rows holds the images row by row. Rows may have different lengths; a nil image leaves its cell
	// empty. Images must have 1 channel (shown grey) or 3 (RGB), in [-1, 1].
	Rows [][]*fimage.Image
	// RowLabels and ColLabels label the rows and the columns. Either may be nil; otherwise it has one entry
	// per row (per column of the longest row), and an empty string leaves that label out.
	RowLabels, ColLabels []string
	// Captions holds a caption per cell, drawn centred under its image: a method and its score (e.g.
	// "PTI 21.3 dB"). Nil means no captions; otherwise it has one entry per row, each nil or with one string
	// per cell of that row, and an empty string leaves that cell without one. Every row gets a caption line
	// when any cell has a caption, and a column widens to fit its longest caption.
	Captions [][]string
	// CellHeight is the height in pixels every image is scaled to, keeping its aspect ratio. Zero means the
	// height of the tallest image, so nothing is shrunk.
	CellHeight int
	// Gap is the space in pixels between cells and around the figure. Zero means 4; negative means none.
	Gap int
	// FontSize is the labels' size in pixels. Zero means 14.
	FontSize float64
	// Background is the colour around and between the images. Nil means white.
	Background color.Color
}

// Label colours: near-black on the (default white) background.
var labelColor = color.NRGBA{0x22, 0x22, 0x22, 0xff}

// captionGap is the space in pixels between an image and its caption.
const captionGap = 2

// Draw lays out the grid and returns it as one image. It returns ErrNoImages when every cell is nil, and an
// error naming the cell or the label list when they do not fit the rows.
func (g *Grid) Draw() (*image.NRGBA, error) {
	cols := 0
	tallest := 0
	for i, row := range g.Rows {
		cols = max(cols, len(row))
		for j, m := range row {
			if m == nil {
				continue
			}
			if m.C != 1 && m.C != 3 {
				return nil, fmt.Errorf("figures: grid image at row %d, column %d has %d channels, want 1 or 3", i, j, m.C)
			}
			if m.H < 1 || m.W < 1 {
				return nil, fmt.Errorf("figures: grid image at row %d, column %d is empty (%dx%d)", i, j, m.W, m.H)
			}
			tallest = max(tallest, m.H)
		}
	}
	if tallest == 0 {
		return nil, ErrNoImages
	}
	if g.RowLabels != nil && len(g.RowLabels) != len(g.Rows) {
		return nil, fmt.Errorf("figures: %d row labels for %d rows", len(g.RowLabels), len(g.Rows))
	}
	if g.ColLabels != nil && len(g.ColLabels) != cols {
		return nil, fmt.Errorf("figures: %d column labels for %d columns", len(g.ColLabels), cols)
	}
	if g.Captions != nil && len(g.Captions) != len(g.Rows) {
		return nil, fmt.Errorf("figures: %d rows of captions for %d rows", len(g.Captions), len(g.Rows))
	}
	for i, row := range g.Captions {
		if row != nil && len(row) != len(g.Rows[i]) {
			return nil, fmt.Errorf("figures: %d captions in row %d of %d images", len(row), i, len(g.Rows[i]))
		}
	}
	cellH := g.CellHeight
	if cellH <= 0 {
		cellH = tallest
	}
	gap := g.Gap
	switch {
	case gap == 0:
		gap = 4
	case gap < 0:
		gap = 0
	}
	size := g.FontSize
	if size <= 0 {
		size = 14
	}
	face, err := labelFace(size)
	if err != nil {
		return nil, fmt.Errorf("figures: label font: %w", err)
	}
	defer face.Close()
	metrics := face.Metrics()
	ascent, descent := metrics.Ascent.Ceil(), metrics.Descent.Ceil()

	// Scale every image to the cell height, then size the columns to their widest image or label.
	cells := make([][]*image.NRGBA, len(g.Rows))
	colW := make([]int, cols)
	for i, row := range g.Rows {
		cells[i] = make([]*image.NRGBA, len(row))
		for j, m := range row {
			if m == nil {
				continue
			}
			cells[i][j] = scaleToHeight(m.ToNRGBA(), cellH)
			colW[j] = max(colW[j], cells[i][j].Rect.Dx())
		}
	}
	topH := 0
	for j, l := range g.ColLabels {
		if l != "" {
			colW[j] = max(colW[j], textWidth(face, l))
			topH = ascent + descent + gap
		}
	}
	captionH := 0 // the caption line under every row: a small gap, then the text
	for _, row := range g.Captions {
		for j, c := range row {
			if c != "" {
				colW[j] = max(colW[j], textWidth(face, c)+ascent/2) // a little air between neighbours
				captionH = captionGap + ascent + descent
			}
		}
	}
	rowH := cellH + captionH
	leftW := 0
	for _, l := range g.RowLabels {
		if l != "" {
			leftW = max(leftW, textWidth(face, l)+gap)
		}
	}
	width := gap + leftW + gap*(cols-1) + gap
	for _, w := range colW {
		width += w
	}
	height := gap + topH + len(g.Rows)*rowH + max(len(g.Rows)-1, 0)*gap + gap

	out := image.NewNRGBA(image.Rect(0, 0, width, height))
	bg := g.Background
	if bg == nil {
		bg = color.White
	}
	draw.Draw(out, out.Rect, image.NewUniform(bg), image.Point{}, draw.Src)

	colX := make([]int, cols)
	x := gap + leftW
	for j := range cols {
		colX[j] = x
		x += colW[j] + gap
	}
	for j, l := range g.ColLabels {
		drawText(out, face, labelColor, colX[j]+(colW[j]-textWidth(face, l))/2, gap+ascent, l)
	}
	for i, row := range cells {
		top := gap + topH + i*(rowH+gap)
		if g.RowLabels != nil {
			drawText(out, face, labelColor, gap, top+(cellH+ascent-descent)/2, g.RowLabels[i])
		}
		for j, m := range row {
			if m == nil {
				continue
			}
			at := image.Pt(colX[j]+(colW[j]-m.Rect.Dx())/2, top)
			draw.Draw(out, m.Rect.Add(at), m, image.Point{}, draw.Src)
		}
		if i < len(g.Captions) {
			for j, c := range g.Captions[i] {
				drawText(out, face, labelColor, colX[j]+(colW[j]-textWidth(face, c))/2, top+cellH+captionGap+ascent, c)
			}
		}
	}
	return out, nil
}

// scaleToHeight returns m scaled to height h with its aspect ratio kept (at least one pixel wide): Catmull-Rom,
// which filters properly when shrinking. An image already h tall is returned as is.
func scaleToHeight(m *image.NRGBA, h int) *image.NRGBA {
	if m.Rect.Dy() == h {
		return m
	}
	w := max(1, (m.Rect.Dx()*h+m.Rect.Dy()/2)/m.Rect.Dy())
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	xdraw.CatmullRom.Scale(out, out.Rect, m, m.Rect, xdraw.Src, nil)
	return out
}
