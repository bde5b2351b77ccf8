package figures

import (
	"bytes"
	"fmt"
	"image"
	"image/png"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// PlotDPI is the resolution PlotImage uses when given 0: 96 dots per inch, the resolution at which a browser
// shows an image 1:1, so a 6x4 inch plot is 576x384 pixels.
const PlotDPI = vgimg.DefaultDPI

// PlotImage draws p on a w x h canvas (gonum lengths, e.g. 6*vg.Inch) at dpi dots per inch (0: PlotDPI)
// and returns the picture.
func PlotImage(p *plot.Plot, w, h vg.Length, dpi int) (image.Image, error) {
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("figures: plot size %vx%v, want positive lengths", w, h)
	}
	if dpi <= 0 {
		dpi = PlotDPI
	}
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi))
	p.Draw(draw.New(c))
	return c.Image(), nil
}

// PlotsInARow draws the plots side by side on a w x h canvas (each plot w/len(plots) wide, their plotting areas
// aligned) at dpi dots per inch (0: PlotDPI) and returns the picture: e.g. a quantity beside its change.
func PlotsInARow(plots []*plot.Plot, w, h vg.Length, dpi int) (image.Image, error) {
	if len(plots) == 0 {
		return nil, fmt.Errorf("figures: no plots to draw")
	}
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("figures: plot size %vx%v, want positive lengths", w, h)
	}
	if dpi <= 0 {
		dpi = PlotDPI
	}
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi))
	dc := draw.New(c)
	tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Inch / 4}
	canvases := plot.Align([][]*plot.Plot{plots}, tiles, dc)
	for k, p := range plots {
		p.Draw(canvases[0][k])
	}
	return c.Image(), nil
}

// EncodePNG returns img encoded as PNG.
func EncodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("figures: encoding PNG: %w", err)
	}
	return buf.Bytes(), nil
}

// WritePNG writes img to the file path as PNG, atomically (see WriteFile).
func WritePNG(path string, img image.Image) error {
	data, err := EncodePNG(img)
	if err != nil {
		return err
	}
	return WriteFile(path, data)
}
