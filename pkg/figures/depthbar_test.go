package figures

import (
	"image"
	"image/color"
	"math"
	"slices"
	"testing"

	"github.com/pmvi/pmvi/pkg/fimage"
)

// sphereDepth returns an n x n depth map of a ball seen from the front: depth lo at its centre, hi at its
// rim, no surface (NaN) around it.
func sphereDepth(n int, lo, hi float32) *fimage.Image {
	d := fimage.New(1, n, n)
	for y := range n {
		for x := range n {
			u, v := 2*float64(x)/float64(n-1)-1, 2*float64(y)/float64(n-1)-1
			r2 := u*u + v*v
			if r2 >= 0.8 {
				d.Set(0, y, x, float32(math.NaN()))
				continue
			}
			d.Set(0, y, x, lo+(hi-lo)*float32(r2/0.8))
		}
	}
	return d
}

func TestColorizeDepthWithBar(t *testing.T) {
	depth := sphereDepth(64, 2.4, 3.1)
	plain, err := ColorizeDepth(depth, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, height := range []int{0, 192} {
		bar, err := ColorizeDepthWithBar(depth, 0, 0, height)
		if err != nil {
			t.Fatal(err)
		}
		out := bar.ToNRGBA()
		writeFigure(t, "depth-bar-"+map[int]string{0: "64", 192: "192"}[height]+".png", out)
		wantH := max(height, 64)
		if out.Rect.Dy() != wantH || out.Rect.Dx() <= wantH+20 {
			t.Fatalf("height %d: picture %v, want %d tall with a bar beside the %d-pixel map", height, out.Rect.Size(), wantH, wantH)
		}
		if height == 0 { // the map itself is ColorizeDepth's, pixel for pixel
			want := plain.ToNRGBA()
			for y := range 64 {
				for x := range 64 {
					if out.NRGBAAt(x, y) != want.NRGBAAt(x, y) {
						t.Fatalf("map pixel (%d, %d) = %v, ColorizeDepth's %v", x, y, out.NRGBAAt(x, y), want.NRGBAAt(x, y))
					}
				}
			}
		}
		// Walk down the bar's middle column: far (purple) at the top, near (yellow) at the bottom.
		barX := -1
		for x := wantH; x < out.Rect.Dx(); x++ {
			if c := out.NRGBAAt(x, wantH/2); c != (color.NRGBA{255, 255, 255, 255}) && c != barOutline {
				barX = x + 2
				break
			}
		}
		if barX < 0 {
			t.Fatalf("height %d: no bar right of the map", height)
		}
		var column []color.NRGBA
		for y := range wantH {
			if c := out.NRGBAAt(barX, y); c != (color.NRGBA{255, 255, 255, 255}) && c != barOutline {
				column = append(column, c)
			}
		}
		if len(column) < wantH*3/4 {
			t.Fatalf("height %d: the bar spans %d of %d rows", height, len(column), wantH)
		}
		if top, bottom := column[0], column[len(column)-1]; top != Viridis(0) || bottom != Viridis(1) {
			t.Errorf("height %d: bar from %v at the top to %v at the bottom, want far %v to near %v", height, top, bottom, Viridis(0), Viridis(1))
		}
		for i := 1; i < len(column); i++ {
			if luma(column[i]) < luma(column[i-1])-0.5 {
				t.Errorf("height %d: the bar darkens downwards at row %d", height, i)
				break
			}
		}
		// Tick labels right of the bar.
		if countDark(out, image.Rect(barX+4, 0, out.Rect.Dx(), wantH)) < 20 {
			t.Errorf("height %d: no tick labels right of the bar", height)
		}
	}
	if _, err := ColorizeDepthWithBar(depth, 0, 0, -1); err == nil {
		t.Error("negative height: no error")
	}
	if _, err := ColorizeDepthWithBar(fimage.New(3, 4, 4), 0, 0, 0); err == nil {
		t.Error("three channels: no error")
	}
	if _, err := ColorizeDepthWithBar(flat(1, 4, 4, float32(math.NaN())), 0, 0, 0); err == nil {
		t.Error("no finite depth: no error")
	}
}

func TestBarTicks(t *testing.T) {
	for _, tc := range []struct {
		name        string
		lo, hi      float64
		span, lineH int
		want        []string
	}{
		{"tall bar", 2.4, 3.1, 300, 14, []string{"2.4", "2.7", "3.0"}},
		{"short bar: thinned", 2.4, 3.1, 25, 14, []string{"2.4", "3.0"}},
		{"shorter: the ends", 2.4137, 3.0871, 16, 14, []string{"2.41", "3.09"}},
		{"shorter than a label", 2.4137, 3.0871, 12, 14, []string{"2.41"}},
		{"flat", 2.5, 2.5, 100, 14, []string{"2.5"}},
		{"world units", 0, 500, 200, 14, []string{"0", "250", "500"}},
	} {
		_, got := barTicks(tc.lo, tc.hi, tc.span, tc.lineH)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: labels %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestDepthBarGolden compares a depth map with its bar with testdata/depth-bar.png; go test -regen rewrites it.
func TestDepthBarGolden(t *testing.T) {
	bar, err := ColorizeDepthWithBar(sphereDepth(48, 2.4, 3.1), 0, 0, 96)
	if err != nil {
		t.Fatal(err)
	}
	compareGolden(t, "depth-bar.png", bar.ToNRGBA())
}
