package figures

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Series is one line of a LinePlot.
type Series struct {
	Name string
	X, Y []float64
	// Dashed draws the line dashed (e.g. a second quantity of the same method).
	Dashed bool
	// Color is the line's colour; nil picks the next of a colour-blind-safe palette.
	Color color.Color
}

// palette is Okabe and Ito's colour-blind-safe palette.
var palette = []color.Color{
	color.NRGBA{0, 114, 178, 255}, color.NRGBA{213, 94, 0, 255}, color.NRGBA{0, 158, 115, 255},
	color.NRGBA{204, 121, 167, 255}, color.NRGBA{230, 159, 0, 255}, color.NRGBA{86, 180, 233, 255},
}

// LinePlot returns a plot of the series with a legend, e.g. loss histories or the texture-geometry trade-off.
func LinePlot(title, xLabel, yLabel string, series ...Series) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = title, xLabel, yLabel
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
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
		l.Width = vg.Points(1.5)
		if s.Dashed {
			l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		p.Add(l)
		p.Legend.Add(s.Name, l)
	}
	p.Legend.ThumbnailWidth = vg.Points(20)
	return p, nil
}
