package figures

import (
	"fmt"
	"image/color"
	"math"

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
	p.Legend.Top, p.Legend.Left = legendCorner(series)
	return p, nil
}

// legendCorner picks the corner of the plotting area where a legend of len(series) rows covers the fewest
// points of the lines (sampled along each segment), so that it does not hide the curves; top right on a tie.
func legendCorner(series []Series) (top, left bool) {
	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for k := range s.X {
			xmin, xmax = math.Min(xmin, s.X[k]), math.Max(xmax, s.X[k])
			ymin, ymax = math.Min(ymin, s.Y[k]), math.Max(ymax, s.Y[k])
		}
	}
	// The legend's share of a plot of the usual 6x4 inches: about 40% of the width, 5.5% of the height a row.
	w, h := 0.4, math.Min(1, 0.055*float64(len(series)))
	corners := [4][2]bool{{true, false}, {true, true}, {false, false}, {false, true}} // {top, left}
	best, bestCount := 0, math.MaxInt
	for c, corner := range corners {
		count := 0
		for _, s := range series {
			for k := 1; k < len(s.X); k++ {
				for t := 0.0; t < 1; t += 0.05 {
					x := normalized(s.X[k-1]+t*(s.X[k]-s.X[k-1]), xmin, xmax)
					y := normalized(s.Y[k-1]+t*(s.Y[k]-s.Y[k-1]), ymin, ymax)
					inX := (corner[1] && x <= w) || (!corner[1] && x >= 1-w)
					inY := (corner[0] && y >= 1-h) || (!corner[0] && y <= h)
					if inX && inY {
						count++
					}
				}
			}
		}
		if count < bestCount {
			best, bestCount = c, count
		}
	}
	return corners[best][0], corners[best][1]
}

// normalized maps v from [lo, hi] to [0, 1] (0.5 when the range is empty).
func normalized(v, lo, hi float64) float64 {
	if hi <= lo {
		return 0.5
	}
	return (v - lo) / (hi - lo)
}
