package heads

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/fimage"
)

var (
	writeFigure = flag.Bool("write", false, "write figures/heads-grid.png (TestWriteHeadsGrid)")
	figureSize  = flag.Int("figsize", 128, "tile size of the figure in pixels")
	figureOut   = flag.String("figout", "", "write the figure here instead of figures/heads-grid.png")
)

// headsGrid renders the figure: 16 identities x 3 views (yaw -0.4, 0, +0.4), four identities per row; then
// the failure variants of one identity, each from its own camera, and the ground truth of its clean view
// (depth, normals, mask, parts).
func headsGrid(size int) *image.NRGBA {
	const perRow, gap, label = 4, 8, 16
	yaws := []float64{-0.4, 0, 0.4}
	cols := perRow * len(yaws)
	w := cols*size + (perRow-1)*gap
	h := label + 4*(size+gap) + label + size
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	draw.Draw(out, out.Bounds(), &image.Uniform{color.NRGBA{255, 255, 255, 255}}, image.Point{}, draw.Src)
	colX := func(col int) int { return col*size + (col/len(yaws))*gap }
	for c := range cols {
		text(out, colX(c)+size/2, label-4, fmt.Sprintf("yaw %+.1f", yaws[c%len(yaws)]))
	}
	cams := make([]camera.Camera, len(yaws))
	for i, y := range yaws {
		cams[i] = camera.At(y, 0)
	}
	for k := range 16 {
		views := RenderViews(NewScene(uint64(k)), cams, size)
		y0 := label + (k/perRow)*(size+gap)
		for j, v := range views {
			x0 := colX((k%perRow)*len(yaws) + j)
			draw.Draw(out, image.Rect(x0, y0, x0+size, y0+size), v.RGB.ToNRGBA(), image.Point{}, draw.Src)
		}
	}
	// Failure variants of identity 3 on a gradient, then the ground truth of its clean frontal view.
	base := NewScene(3)
	base.Background = Gradient([3]float64{0.55, 0.65, 0.8}, [3]float64{0.9, 0.88, 0.82})
	y0 := label + 4*(size+gap) + label
	var tiles []*image.NRGBA
	var names []string
	for _, vr := range Variants() {
		s := base
		s.Variant = vr
		tiles = append(tiles, Render(s, vr.Camera(), size).RGB.ToNRGBA())
		names = append(names, vr.String())
	}
	gt := Render(base, camera.At(0, 0), size)
	mask := gt.Mask.Clone()
	for i, m := range mask.Pix {
		mask.Pix[i] = 2*m - 1 // coverage 0..1 to black..white
	}
	tiles = append(tiles, depthImage(gt), gt.Normals.ToNRGBA(), mask.ToNRGBA(), partImage(gt))
	names = append(names, "depth", "normals", "mask", "parts")
	for i, tile := range tiles {
		x0 := colX(i)
		draw.Draw(out, image.Rect(x0, y0, x0+size, y0+size), tile, image.Point{}, draw.Src)
		text(out, x0+size/2, y0-4, names[i])
	}
	return out
}

// text draws s centred at x with its baseline at y, in a small grey font.
func text(dst draw.Image, x, y int, s string) {
	d := font.Drawer{Dst: dst, Src: image.NewUniform(color.NRGBA{60, 60, 60, 255}), Face: basicfont.Face7x13}
	d.Dot = fixed.P(x-d.MeasureString(s).Round()/2, y)
	d.DrawString(s)
}

// depthImage shows depth as grey, near bright, over the head's own depth range; background black.
func depthImage(v *View) *image.NRGBA {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, d := range v.Depth.Pix {
		if !math.IsInf(float64(d), 1) {
			lo, hi = min(lo, float64(d)), max(hi, float64(d))
		}
	}
	g := fimage.New(1, v.Depth.H, v.Depth.W)
	for i, d := range v.Depth.Pix {
		g.Pix[i] = -1
		if !math.IsInf(float64(d), 1) {
			g.Pix[i] = float32(1 - 1.6*(float64(d)-lo)/(hi-lo))
		}
	}
	return g.ToNRGBA()
}

// partImage paints each part a fixed colour.
func partImage(v *View) *image.NRGBA {
	n := v.Depth.W
	out := image.NewNRGBA(image.Rect(0, 0, n, n))
	for i, p := range v.Parts {
		c := hsv(float64(p)*0.29, 0.6, 0.95)
		if p == PartBackground {
			c = [3]float64{0, 0, 0}
		}
		out.SetNRGBA(i%n, i/n, color.NRGBA{uint8(255 * c[0]), uint8(255 * c[1]), uint8(255 * c[2]), 255})
	}
	return out
}

// TestWriteHeadsGrid writes figures/heads-grid.png; run it with
//
//	go test ./pkg/heads -run TestWriteHeadsGrid -args -write
func TestWriteHeadsGrid(t *testing.T) {
	if !*writeFigure {
		t.Skip("figure not requested: pass -args -write")
	}
	path := *figureOut
	if path == "" {
		path = filepath.Join(moduleRoot(t), "figures", "heads-grid.png")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, headsGrid(*figureSize)); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}

// moduleRoot returns the directory holding go.mod above the package.
func moduleRoot(t testing.TB) string {
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the package")
		}
		dir = parent
	}
}
