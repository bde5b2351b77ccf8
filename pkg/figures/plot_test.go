package figures

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	stddraw "image/draw"
	"image/png"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

func TestPlotImageSize(t *testing.T) {
	p := plot.New()
	p.Title.Text = "loss"
	line, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 1}, {X: 1, Y: 0.5}, {X: 2, Y: 0.2}})
	if err != nil {
		t.Fatal(err)
	}
	p.Add(line)
	for _, tc := range []struct {
		w, h   vg.Length
		dpi    int
		wx, wy int
	}{
		{6 * vg.Inch, 4 * vg.Inch, 0, 576, 384},
		{3 * vg.Inch, 2 * vg.Inch, 200, 600, 400},
	} {
		img, err := PlotImage(p, tc.w, tc.h, tc.dpi)
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != tc.wx || b.Dy() != tc.wy {
			t.Errorf("%vx%v at %d dpi: %dx%d pixels, want %dx%d", tc.w, tc.h, tc.dpi, b.Dx(), b.Dy(), tc.wx, tc.wy)
		}
		data, err := EncodePNG(img)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(bytes.NewReader(data)); err != nil {
			t.Errorf("EncodePNG gave an unreadable PNG: %v", err)
		}
	}
	if _, err := PlotImage(p, 0, vg.Inch, 0); err == nil {
		t.Error("zero width: no error")
	}
}

func TestLinePlotDrawsSeries(t *testing.T) {
	p, err := LinePlot("trade-off", "step", "PSNR", Series{Name: "input", X: []float64{0, 1, 2}, Y: []float64{20, 22, 23}},
		Series{Name: "novel", X: []float64{0, 1, 2}, Y: []float64{19, 18.5, 18}, Dashed: true})
	if err != nil {
		t.Fatal(err)
	}
	img, err := PlotImage(p, 4*vg.Inch, 3*vg.Inch, 0)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 384 || b.Dy() != 288 {
		t.Errorf("plot image %v, want 384x288", b)
	}
	if _, err := LinePlot("x", "", "", Series{Name: "bad", X: []float64{1}, Y: nil}); err == nil {
		t.Error("mismatched series accepted")
	}
}

// The legend goes to the corner the lines leave free.
func TestLegendAvoidsTheLines(t *testing.T) {
	x := []float64{0, 1, 2, 3}
	tests := []struct {
		name      string
		y         []float64
		top, left bool
	}{
		{"rising line: top left is free", []float64{0, 1, 2, 3}, true, true},
		{"falling line: top right is free", []float64{3, 2, 1, 0}, true, false},
		{"dip: the bottom corners are taken", []float64{3, 0.2, 0.2, 3}, true, false},
	}
	for _, tt := range tests {
		p, err := LinePlot("", "", "", Series{Name: "a", X: x, Y: tt.y}, Series{Name: "floor", X: []float64{0, 3}, Y: []float64{0, 0}})
		if err != nil {
			t.Fatal(err)
		}
		if p.Legend.Top != tt.top || p.Legend.Left != tt.left {
			t.Errorf("%s: legend top=%v left=%v, want top=%v left=%v", tt.name, p.Legend.Top, p.Legend.Left, tt.top, tt.left)
		}
	}
}

// cornerSeries returns curves through the top two corners and the bottom right one of [0, 10]², leaving the
// bottom left free, and with all four a curve through the bottom left too.
func cornerSeries(all4 bool) []Series {
	s := []Series{
		{Name: "along the top", X: []float64{0, 10}, Y: []float64{10, 10}},
		{Name: "bottom right", X: []float64{7, 10}, Y: []float64{0, 4}},
		{Name: "across the middle", X: []float64{0, 5, 10}, Y: []float64{5, 6.5, 6}, Dashed: true},
	}
	if all4 {
		s = append(s, Series{Name: "bottom left", X: []float64{0, 3}, Y: []float64{0, 1.5}})
	}
	return s
}

// legendAndCurves draws p at w x h and returns the box around the legend's pixels (where the picture differs
// from p drawn with an empty legend) and the curves' pixels (those in a series' colour) of that picture.
func legendAndCurves(t *testing.T, p *plot.Plot, w, h vg.Length) (legend image.Rectangle, curves []image.Point, img *image.NRGBA) {
	t.Helper()
	bare := *p
	bare.Legend = plot.NewLegend()
	bare.Legend.Top, bare.Legend.Left, bare.Legend.XOffs, bare.Legend.YOffs = p.Legend.Top, p.Legend.Left, p.Legend.XOffs, p.Legend.YOffs
	draw := func(q *plot.Plot) *image.NRGBA {
		m, err := PlotImage(q, w, h, 0)
		if err != nil {
			t.Fatal(err)
		}
		out := image.NewNRGBA(m.Bounds())
		stddraw.Draw(out, out.Rect, m, m.Bounds().Min, stddraw.Src)
		return out
	}
	with, without := draw(p), draw(&bare)
	for y := with.Rect.Min.Y; y < with.Rect.Max.Y; y++ {
		for x := with.Rect.Min.X; x < with.Rect.Max.X; x++ {
			if with.NRGBAAt(x, y) != without.NRGBAAt(x, y) {
				legend = legend.Union(image.Rect(x, y, x+1, y+1))
			}
			c := without.NRGBAAt(x, y)
			for _, pc := range palette {
				q := color.NRGBAModel.Convert(pc).(color.NRGBA)
				if abs(int(c.R)-int(q.R))+abs(int(c.G)-int(q.G))+abs(int(c.B)-int(q.B)) < 60 {
					curves = append(curves, image.Pt(x, y))
					break
				}
			}
		}
	}
	return legend, curves, with
}

func abs(v int) int { return max(v, -v) }

// The legend never covers a curve, at any of the sizes plots are drawn at: with three corners taken it goes to
// the fourth; with all four taken, above the plotting area.
func TestLegendNeverTouchesACurve(t *testing.T) {
	for _, all4 := range []bool{false, true} {
		p, err := LinePlot("corners", "x", "y", cornerSeries(all4)...)
		if err != nil {
			t.Fatal(err)
		}
		if !all4 && (p.Legend.Top || !p.Legend.Left) {
			t.Errorf("three corners taken: legend top=%v left=%v, want the bottom left", p.Legend.Top, p.Legend.Left)
		}
		for _, size := range [][2]vg.Length{{4 * vg.Inch, 2.5 * vg.Inch}, {5 * vg.Inch, 3 * vg.Inch}, {6 * vg.Inch, 4 * vg.Inch}, {7 * vg.Inch, 2.5 * vg.Inch}} {
			legend, curves, img := legendAndCurves(t, p, size[0], size[1])
			writeFigure(t, fmt.Sprintf("legend-%dcorners-%.0fx%.1f.png", 3+btoi(all4), float64(size[0]/vg.Inch), float64(size[1]/vg.Inch)), img)
			if legend.Empty() || len(curves) == 0 {
				t.Fatalf("%v: legend %v and %d curve pixels: nothing to compare", size, legend, len(curves))
			}
			top := img.Rect.Max.Y
			for _, c := range curves {
				top = min(top, c.Y)
				if c.In(legend) {
					t.Errorf("all four corners %v, %v: curve pixel %v inside the legend %v", all4, size, c, legend)
					break
				}
			}
			if all4 && legend.Max.Y > top {
				t.Errorf("%v: legend %v reaches below the top of the curves (y %d): not above the plotting area", size, legend, top)
			}
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestPlotsInARow(t *testing.T) {
	// Two plots whose lines are drawn in different colours: each half of the picture holds its own plot's.
	red, blue := color.NRGBA{220, 0, 0, 255}, color.NRGBA{0, 0, 220, 255}
	plots := make([]*plot.Plot, 2)
	for k, c := range []color.Color{red, blue} {
		p, err := LinePlot(fmt.Sprint("plot ", k), "x", "y", Series{Name: "line", X: []float64{0, 1, 2}, Y: []float64{0, 2, 1}, Color: c})
		if err != nil {
			t.Fatal(err)
		}
		plots[k] = p
	}
	img, err := PlotsInARow(plots, 8*vg.Inch, 3*vg.Inch, 0)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if b.Dx() != 768 || b.Dy() != 288 {
		t.Fatalf("%dx%d pixels, want 768x288", b.Dx(), b.Dy())
	}
	count := func(c color.NRGBA, x0, x1 int) (n int) {
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := x0; x < x1; x++ {
				if color.NRGBAModel.Convert(img.At(x, y)) == c {
					n++
				}
			}
		}
		return n
	}
	mid := b.Dx() / 2
	if count(red, 0, mid) == 0 || count(red, mid, b.Dx()) != 0 || count(blue, mid, b.Dx()) == 0 || count(blue, 0, mid) != 0 {
		t.Errorf("red pixels left/right %d/%d, blue %d/%d: want each plot in its own half",
			count(red, 0, mid), count(red, mid, b.Dx()), count(blue, 0, mid), count(blue, mid, b.Dx()))
	}
	if _, err := PlotsInARow(nil, 8*vg.Inch, 3*vg.Inch, 0); err == nil {
		t.Error("no plots drawn without an error")
	}
}
