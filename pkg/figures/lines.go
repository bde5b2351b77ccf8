package figures

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Series is one line of a LinePlot.
type Series struct {
	Name string
	X, Y []float64
	// Dashed draws the line dashed (e.g. a second quantity of the same method), Dotted dotted (a third).
	Dashed, Dotted bool
	// Color is the line's colour; nil picks the next of a colour-blind-safe palette.
	Color color.Color
	// Lo and Hi, when set (one value per X each), draw a translucent band of the line's colour between them
	// under the line: e.g. the 95% interval of a mean over several runs.
	Lo, Hi []float64
}

// palette is Okabe and Ito's colour-blind-safe palette.
var palette = []color.Color{
	color.NRGBA{0, 114, 178, 255}, color.NRGBA{213, 94, 0, 255}, color.NRGBA{0, 158, 115, 255},
	color.NRGBA{204, 121, 167, 255}, color.NRGBA{230, 159, 0, 255}, color.NRGBA{86, 180, 233, 255},
}

// PaletteColor is the i-th colour LinePlot gives a series without one: to keep a quantity's colour from one
// plot to the next when the second draws fewer series.
func PaletteColor(i int) color.Color { return palette[i%len(palette)] }

// LinePlot returns a plot of the series with a legend, e.g. loss histories or the texture-geometry trade-off.
// Tick labels carry no needless decimals (TidyTicks). The legend never covers a curve when the plot is
// drawn at least 4 x 2.5 inches: it goes in a corner of the plotting area that every curve leaves free or,
// when no corner is, above the plotting area under the title.
func LinePlot(title, xLabel, yLabel string, series ...Series) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = title, xLabel, yLabel
	p.Add(plotter.NewGrid())
	for i, s := range series {
		if len(s.X) != len(s.Y) || len(s.X) == 0 {
			return nil, fmt.Errorf("figures: series %q has %d x and %d y values", s.Name, len(s.X), len(s.Y))
		}
		pts := make(plotter.XYs, len(s.X))
		for k := range pts {
			pts[k] = plotter.XY{X: s.X[k], Y: s.Y[k]}
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, fmt.Errorf("figures: series %q: %w", s.Name, err)
		}
		l.Color = s.Color
		if l.Color == nil {
			l.Color = palette[i%len(palette)]
		}
		if s.Lo != nil || s.Hi != nil {
			if len(s.Lo) != len(s.X) || len(s.Hi) != len(s.X) {
				return nil, fmt.Errorf("figures: series %q has %d x values and a band of %d and %d", s.Name, len(s.X), len(s.Lo), len(s.Hi))
			}
			band := make(plotter.XYs, 0, 2*len(s.X))
			for k := range s.X {
				band = append(band, plotter.XY{X: s.X[k], Y: s.Lo[k]})
			}
			for k := len(s.X) - 1; k >= 0; k-- {
				band = append(band, plotter.XY{X: s.X[k], Y: s.Hi[k]})
			}
			poly, err := plotter.NewPolygon(band)
			if err != nil {
				return nil, fmt.Errorf("figures: series %q band: %w", s.Name, err)
			}
			r, g, b, _ := l.Color.RGBA()
			poly.Color = color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 50}
			poly.LineStyle.Width = 0
			p.Add(poly)
		}
		l.Width = vg.Points(1.5)
		switch {
		case s.Dashed:
			l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		case s.Dotted:
			l.Dashes = []vg.Length{vg.Points(1.5), vg.Points(2.5)}
		}
		p.Add(l)
		p.Legend.Add(s.Name, l)
	}
	p.Legend.ThumbnailWidth = vg.Points(20)
	p.X.Tick.Marker, p.Y.Tick.Marker = TidyTicks{}, TidyTicks{}
	placeLegend(p, series)
	return p, nil
}

// The legend's placement is decided for the smallest plot it must suit: at least legendMinWidth by
// legendMinHeight (the notebooks draw 5x3 inches, the scripts 7x4.5 and 7x2.5). A larger plot has a larger
// plotting area and the same legend, so a corner free at this size stays free.
const (
	legendMinWidth  = 4 * vg.Inch
	legendMinHeight = 2.5 * vg.Inch
	// legendMargin is the clearance kept between the legend's box and any curve (half a line's width
	// included), and between the legend and the plotting area when the legend goes above it.
	legendMargin = 3 // points
)

// placeLegend puts p's legend (one entry per series) in the first corner of the plotting area, of top
// right, top left, bottom right and bottom left, that no curve passes through (with legendMargin to spare)
// when p is drawn legendMinWidth x legendMinHeight or larger. When every corner is taken it puts the legend
// outside the plotting area: above it, under the title, which gets the room by a larger Title.Padding.
func placeLegend(p *plot.Plot, series []Series) {
	if len(series) == 0 {
		return
	}
	c := draw.New(vgimg.NewWith(vgimg.UseWH(legendMinWidth, legendMinHeight), vgimg.UseDPI(72)))
	data := p.DataCanvas(c)
	trX, trY := p.Transforms(&data)
	w, h := legendSize(&p.Legend, series)
	margin := vg.Points(legendMargin)
	obstacles := append([]Series{}, series...) // the bands' edges too
	for _, s := range series {
		if s.Lo != nil {
			obstacles = append(obstacles, Series{X: s.X, Y: s.Lo}, Series{X: s.X, Y: s.Hi})
		}
	}
	for _, corner := range [4]struct{ top, left bool }{{true, false}, {true, true}, {false, false}, {false, true}} {
		box := vg.Rectangle{Min: data.Min, Max: data.Max}
		if corner.left {
			box.Max.X = box.Min.X + w
		} else {
			box.Min.X = box.Max.X - w
		}
		if corner.top {
			box.Min.Y = box.Max.Y - h
		} else {
			box.Max.Y = box.Min.Y + h
		}
		box.Min.X, box.Min.Y, box.Max.X, box.Max.Y = box.Min.X-margin, box.Min.Y-margin, box.Max.X+margin, box.Max.Y+margin
		if !curvesCross(obstacles, box, trX, trY) {
			p.Legend.Top, p.Legend.Left = corner.top, corner.left
			return
		}
	}
	// Every corner is taken: above the plotting area. Legend.Draw puts the first entry's top a descent below
	// the area's top; lift it by the legend's height and a margin, and pad the title by as much again.
	p.Legend.Top, p.Legend.Left = true, false
	p.Legend.YOffs += h + margin
	if p.Title.Text == "" {
		p.Title.Text = " " // gonum pads only a plot with a title
	}
	p.Title.Padding += h + 2*margin
}

// legendSize returns the width and height of a legend of one entry per series as gonum's Legend.Draw lays
// it out: thumbnail, a space and the widest name across; the entries' rows with their padding and a
// descent and a half of the font down (the first row starts a descent below the top, the last row's text
// hangs half a descent below its thumbnail).
func legendSize(l *plot.Legend, series []Series) (w, h vg.Length) {
	var textW, rowH vg.Length
	for _, s := range series {
		r := l.TextStyle.Rectangle(" " + s.Name)
		textW, rowH = max(textW, r.Max.X), max(rowH, l.TextStyle.Rectangle(s.Name).Max.Y)
	}
	n := vg.Length(len(series))
	return l.ThumbnailWidth + textW, n*rowH + (n-1)*l.Padding + 1.5*l.TextStyle.FontExtents().Descent
}

// curvesCross reports whether a segment of any series, mapped to the canvas by trX and trY, passes through
// box (a one-point series: whether its point lies in box).
func curvesCross(series []Series, box vg.Rectangle, trX, trY func(float64) vg.Length) bool {
	for _, s := range series {
		for k := range s.X {
			a := vg.Point{X: trX(s.X[k]), Y: trY(s.Y[k])}
			b := a
			if k > 0 {
				b = vg.Point{X: trX(s.X[k-1]), Y: trY(s.Y[k-1])}
			} else if len(s.X) > 1 {
				continue
			}
			if segmentMeetsBox(a, b, box) {
				return true
			}
		}
	}
	return false
}

// segmentMeetsBox reports whether the segment from a to b has a point in box (Liang-Barsky clipping).
func segmentMeetsBox(a, b vg.Point, box vg.Rectangle) bool {
	t0, t1 := 0.0, 1.0
	d := [2]float64{float64(b.X - a.X), float64(b.Y - a.Y)}
	lo := [2]float64{float64(box.Min.X - a.X), float64(box.Min.Y - a.Y)}
	hi := [2]float64{float64(box.Max.X - a.X), float64(box.Max.Y - a.Y)}
	for k := range 2 {
		if d[k] == 0 {
			if lo[k] > 0 || hi[k] < 0 {
				return false // parallel to this side and outside
			}
			continue
		}
		ta, tb := lo[k]/d[k], hi[k]/d[k]
		if ta > tb {
			ta, tb = tb, ta
		}
		t0, t1 = max(t0, ta), min(t1, tb)
		if t0 > t1 {
			return false
		}
	}
	return true
}
