package pseudoview

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

	"github.com/pmvi/pmvi/pkg/blend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/heads"
)

var writeFigure = flag.Bool("figure", false, "write figures/blending-exact-depth-standin.png (TestWritePseudoViewsFigure)")

// TestWritePseudoViewsFigure writes figures/blending-exact-depth-standin.png, a figure of this package alone
// (not of the method's output, which notebook 01 shows): for three views of the official orbit, V_i, M_i, a
// stand-in generator's render, the Gaussian and the Poisson pseudo views, and the ground truth.
//
// The input is a pkg/heads head at 512x512 seen frontally, with its exact depth at 128x128 (EG3D's depth
// resolution), the background removed by KeepForeground with the head's true mask. No generator is involved:
// a stand-in plays it, the true view blurred (sigma 4 px) and tinted, i.e. right in shape but short of the
// input's detail and colour, which makes the two halves of each blend easy to tell apart.
//
//	go test ./pkg/pseudoview -run PseudoViewsFigure -args -figure
func TestWritePseudoViewsFigure(t *testing.T) {
	if !*writeFigure {
		t.Skip("writes figures/blending-exact-depth-standin.png; run with -args -figure")
	}
	const size, tile = 512, 256
	scene := heads.NewScene(3)
	in := camera.At(0, 0)
	input := heads.Render(scene, in, size)
	depth, mask := heads.RenderDepth(scene, in, size/4)
	depth, err := KeepForeground(depth, mask)
	if err != nil {
		t.Fatal(err)
	}
	orbit := Orbit()
	views := []camera.Camera{orbit[7], orbit[15], orbit[22]}
	truth := make([]*fimage.Image, len(views))
	for i, c := range views {
		truth[i] = heads.Render(scene, c, size).RGB
	}
	k := 0
	render := func(camera.Camera) (*fimage.Image, error) {
		g := blend.Blur(truth[k], 25, 4)
		k++
		plane := size * size
		for i := 0; i < plane; i++ {
			g.Pix[i] = 0.92*g.Pix[i] + 0.05 // warmer, flatter
			g.Pix[2*plane+i] = 0.92*g.Pix[2*plane+i] - 0.03
		}
		return g, nil
	}
	gauss := PaperOptions()
	out, err := Build(render, input.RGB, in, depth, views, gauss)
	columns := []string{"V_i (warped input)", "M_i (visible mask)", "stand-in generator", "Gaussian blend", "Poisson blend", "ground truth"}
	if err != nil {
		t.Fatal(err)
	}
	poisson := gauss.Blend
	poisson.Method = blend.Poisson
	const left, top = 0, 22
	grid := image.NewNRGBA(image.Rect(0, 0, left+len(columns)*tile, top+len(views)*tile))
	draw.Draw(grid, grid.Bounds(), image.White, image.Point{}, draw.Src)
	for c, name := range columns {
		label(grid, c*tile+left+6, 15, name)
	}
	for r, v := range out {
		p, st, err := blend.Blend(blend.Layers{Visible: v.Visible, Mask: v.Mask, Coverage: v.Coverage, Generated: v.Generated}, poisson)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("view %d: Poisson %d unknowns, %d iterations, residual %.1g", r, st.Unknowns, st.Iterations, st.Residual)
		mask := v.Mask.Clone()
		for i, m := range mask.Pix {
			mask.Pix[i] = 2*m - 1
		}
		for c, img := range []*fimage.Image{v.Visible, mask, v.Generated, v.Blended, p, truth[r]} {
			x0, y0 := left+c*tile, top+r*tile
			draw.Draw(grid, image.Rect(x0, y0, x0+tile, y0+tile), halve(img).ToNRGBA(), image.Point{}, draw.Src)
		}
		yaw, pitch := v.Camera.YawPitch()
		yaw, pitch = math.Round(yaw*100)/100+0, math.Round(pitch*100)/100+0 // no "-0.00"
		label(grid, left+6, top+r*tile+tile-8, fmt.Sprintf("yaw %+.2f pitch %+.2f", yaw, pitch))
	}
	path := filepath.Join("..", "..", "figures", "blending-exact-depth-standin.png")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, grid); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}

// halve averages 2x2 blocks.
func halve(m *fimage.Image) *fimage.Image {
	out := fimage.New(m.C, m.H/2, m.W/2)
	for c := 0; c < m.C; c++ {
		for y := 0; y < out.H; y++ {
			for x := 0; x < out.W; x++ {
				s := m.At(c, 2*y, 2*x) + m.At(c, 2*y, 2*x+1) + m.At(c, 2*y+1, 2*x) + m.At(c, 2*y+1, 2*x+1)
				out.Set(c, y, x, s/4)
			}
		}
	}
	return out
}

func label(dst *image.NRGBA, x, y int, s string) {
	d := font.Drawer{Dst: dst, Src: image.NewUniform(color.Black), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	// A white box behind the text keeps it legible on the pictures.
	w := d.MeasureString(s).Ceil()
	draw.Draw(dst, image.Rect(x-2, y-11, x+w+2, y+3), image.White, image.Point{}, draw.Src)
	d.DrawString(s)
}
