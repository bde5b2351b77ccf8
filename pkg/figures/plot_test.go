package figures

import (
	"bytes"
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
		series := []Series{{Name: "a", X: x, Y: tt.y}, {Name: "floor", X: []float64{0, 3}, Y: []float64{0, 0}}}
		top, left := legendCorner(series)
		if top != tt.top || left != tt.left {
			t.Errorf("%s: legend top=%v left=%v, want top=%v left=%v", tt.name, top, left, tt.top, tt.left)
		}
	}
}
