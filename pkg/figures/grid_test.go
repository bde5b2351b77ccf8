package figures

import (
	"bytes"
	"errors"
	"flag"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/pmvi/pmvi/pkg/fimage"
)

var (
	regen  = flag.Bool("regen", false, "rewrite the golden images in testdata")
	figDir = flag.String("figdir", "", "write the pictures the tests draw into this directory, to look at")
)

// writeFigure writes img as name into -figdir, when it is set.
func writeFigure(t *testing.T, name string, img image.Image) {
	t.Helper()
	if *figDir == "" {
		return
	}
	if err := WritePNG(filepath.Join(*figDir, name), img); err != nil {
		t.Fatal(err)
	}
}

// flat returns a c-channel h x w image filled with v.
func flat(c, h, w int, v float32) *fimage.Image {
	m := fimage.New(c, h, w)
	for i := range m.Pix {
		m.Pix[i] = v
	}
	return m
}

// rgb returns a 3-channel h x w image of one colour given in 8-bit values.
func rgb(h, w int, r, g, b uint8) *fimage.Image {
	m := fimage.New(3, h, w)
	for i := range h * w {
		m.Pix[i], m.Pix[h*w+i], m.Pix[2*h*w+i] = unit(r), unit(g), unit(b)
	}
	return m
}

// countDark counts pixels in r darker than mid-grey: label ink on the white background.
func countDark(m *image.NRGBA, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := m.NRGBAAt(x, y)
			if int(c.R)+int(c.G)+int(c.B) < 3*128 {
				n++
			}
		}
	}
	return n
}

func TestGridLayout(t *testing.T) {
	red, blue := rgb(20, 30, 200, 10, 10), rgb(20, 30, 10, 10, 200)
	g := &Grid{Rows: [][]*fimage.Image{{red, blue}, {blue, nil}}, Gap: 2}
	out, err := g.Draw()
	if err != nil {
		t.Fatal(err)
	}
	// No labels: 2 + 30 + 2 + 30 + 2 wide, 2 + 20 + 2 + 20 + 2 tall.
	if got, want := out.Rect.Size(), image.Pt(66, 46); got != want {
		t.Fatalf("size %v, want %v", got, want)
	}
	for _, tc := range []struct {
		x, y int
		want color.NRGBA
	}{
		{2, 2, color.NRGBA{200, 10, 10, 255}},     // row 0 col 0, top-left pixel
		{31, 21, color.NRGBA{200, 10, 10, 255}},   // row 0 col 0, bottom-right pixel
		{34, 2, color.NRGBA{10, 10, 200, 255}},    // row 0 col 1
		{2, 24, color.NRGBA{10, 10, 200, 255}},    // row 1 col 0
		{40, 30, color.NRGBA{255, 255, 255, 255}}, // row 1 col 1 is nil: background
		{32, 10, color.NRGBA{255, 255, 255, 255}}, // the gap between columns
	} {
		if got := out.NRGBAAt(tc.x, tc.y); got != tc.want {
			t.Errorf("pixel (%d, %d) = %v, want %v", tc.x, tc.y, got, tc.want)
		}
	}
}

func TestGridLabels(t *testing.T) {
	m := flat(1, 40, 40, 0.8) // light grey: no pixel counts as dark
	g := &Grid{
		Rows:      [][]*fimage.Image{{m, m, m}, {m, m, m}},
		RowLabels: []string{"input", "PTI"},
		ColLabels: []string{"-30", "", "+30"}, // narrower than the images
	}
	out, err := g.Draw()
	if err != nil {
		t.Fatal(err)
	}
	b := out.Rect
	// The labels make room on the left and on top.
	if b.Dx() <= 4+3*40+2*4+4 || b.Dy() <= 4+2*40+4+4 {
		t.Fatalf("size %v leaves no room for labels", b.Size())
	}
	left := b.Dx() - (3*40 + 2*4 + 4) - 4 // x where the first column starts
	top := b.Dy() - (2*40 + 4 + 4) - 4    // y where the first row starts
	if countDark(out, image.Rect(left, top, b.Max.X, b.Max.Y)) != 0 {
		t.Error("dark pixels inside the image area")
	}
	for _, tc := range []struct {
		name string
		r    image.Rectangle
		ink  bool
	}{
		{"row label 0", image.Rect(0, top, left, top+40), true},
		{"row label 1", image.Rect(0, top+44, left, top+84), true},
		{"column label 0", image.Rect(left, 0, left+40, top), true},
		{"empty column label 1", image.Rect(left+44, 0, left+84, top), false},
		{"column label 2", image.Rect(left+88, 0, left+128, top), true},
	} {
		if got := countDark(out, tc.r) > 10; got != tc.ink {
			t.Errorf("%s: ink %v, want %v", tc.name, got, tc.ink)
		}
	}
}

func TestGridWidensColumnsForLongLabels(t *testing.T) {
	m := flat(3, 10, 10, 0)
	short, err := (&Grid{Rows: [][]*fimage.Image{{m, m}}, ColLabels: []string{"a", "b"}}).Draw()
	if err != nil {
		t.Fatal(err)
	}
	long, err := (&Grid{Rows: [][]*fimage.Image{{m, m}}, ColLabels: []string{"a much longer label", "b"}}).Draw()
	if err != nil {
		t.Fatal(err)
	}
	if short.Rect.Dx() != 4+10+4+10+4 {
		t.Errorf("short labels: width %d, want the images' 32", short.Rect.Dx())
	}
	if long.Rect.Dx() < short.Rect.Dx()+80 {
		t.Errorf("long label: width %d, want its column widened well past %d", long.Rect.Dx(), short.Rect.Dx())
	}
}

func TestGridScalesToCellHeight(t *testing.T) {
	small, tall := flat(3, 16, 32, 0), flat(3, 64, 64, 0)
	for _, tc := range []struct {
		name       string
		cellHeight int
		want       image.Point
	}{
		{"tallest", 0, image.Pt(4+128+4+64+4, 4+64+4)}, // 16x32 grows to 64x128
		{"fixed", 32, image.Pt(4+64+4+32+4, 4+32+4)},   // both shrink or grow to 32 tall
	} {
		out, err := (&Grid{Rows: [][]*fimage.Image{{small, tall}}, CellHeight: tc.cellHeight}).Draw()
		if err != nil {
			t.Fatal(err)
		}
		if got := out.Rect.Size(); got != tc.want {
			t.Errorf("%s: size %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestGridCaptions(t *testing.T) {
	m := flat(1, 40, 40, 0.8) // light grey: no pixel counts as dark
	plain, err := (&Grid{Rows: [][]*fimage.Image{{m, m}, {m, m}}}).Draw()
	if err != nil {
		t.Fatal(err)
	}
	g := &Grid{
		Rows:     [][]*fimage.Image{{m, m}, {m, m}},
		Captions: [][]string{{"PTI 21.3 dB", ""}, nil},
	}
	out, err := g.Draw()
	if err != nil {
		t.Fatal(err)
	}
	writeFigure(t, "grid-captions.png", out)
	// One caption line under every row; the first column widened to the caption.
	extra := out.Rect.Dy() - plain.Rect.Dy()
	if extra%2 != 0 || extra/2 < 10 || extra/2 > 24 {
		t.Fatalf("height %d, plain %d: want a caption line of 10 to 24 pixels under each of 2 rows", out.Rect.Dy(), plain.Rect.Dy())
	}
	line := extra / 2
	if out.Rect.Dx() <= plain.Rect.Dx() {
		t.Errorf("width %d: the first column is not widened for its caption (plain %d)", out.Rect.Dx(), plain.Rect.Dx())
	}
	colW := out.Rect.Dx() - 4 - 40 - 4 - 4 // the first column's width
	for _, tc := range []struct {
		name string
		r    image.Rectangle
		ink  bool
	}{
		{"image (0, 0)", image.Rect(4+(colW-40)/2, 4, 4+(colW-40)/2+40, 44), false},
		{"caption (0, 0)", image.Rect(4, 44, 4+colW, 44+line), true},
		{"empty caption (0, 1)", image.Rect(4+colW+4, 44, out.Rect.Dx(), 44+line), false},
		{"row 1's images", image.Rect(0, 44+line+4, out.Rect.Dx(), 44+line+4+40), false},
		{"row 1 without captions", image.Rect(0, 44+line+4+40, out.Rect.Dx(), out.Rect.Dy()), false},
	} {
		if got := countDark(out, tc.r) > 10; got != tc.ink {
			t.Errorf("%s: ink %v, want %v", tc.name, got, tc.ink)
		}
	}
	// Captions that are all empty take no room.
	empty, err := (&Grid{Rows: [][]*fimage.Image{{m, m}, {m, m}}, Captions: [][]string{{"", ""}, nil}}).Draw()
	if err != nil {
		t.Fatal(err)
	}
	if empty.Rect != plain.Rect {
		t.Errorf("empty captions: size %v, want %v", empty.Rect.Size(), plain.Rect.Size())
	}
}

func TestGridErrors(t *testing.T) {
	m := flat(3, 8, 8, 0)
	for _, tc := range []struct {
		name string
		g    Grid
	}{
		{"no rows", Grid{}},
		{"only nil cells", Grid{Rows: [][]*fimage.Image{{nil}}}},
		{"two channels", Grid{Rows: [][]*fimage.Image{{m, fimage.New(2, 8, 8)}}}},
		{"row labels", Grid{Rows: [][]*fimage.Image{{m}}, RowLabels: []string{"a", "b"}}},
		{"column labels", Grid{Rows: [][]*fimage.Image{{m, m}}, ColLabels: []string{"a"}}},
		{"caption rows", Grid{Rows: [][]*fimage.Image{{m, m}}, Captions: [][]string{{"a", "b"}, {"c"}}}},
		{"captions in a row", Grid{Rows: [][]*fimage.Image{{m, m}}, Captions: [][]string{{"a"}}}},
	} {
		if _, err := tc.g.Draw(); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if _, err := (&Grid{}).Draw(); !errors.Is(err, ErrNoImages) {
		t.Errorf("empty grid: %v, want ErrNoImages", err)
	}
}

// TestGridGolden compares a small labelled grid with testdata/grid.png pixel for pixel; go test -regen
// rewrites it.
func TestGridGolden(t *testing.T) {
	ramp := fimage.New(1, 48, 48)
	for y := range 48 {
		for x := range 48 {
			ramp.Set(0, y, x, float32(x+y)/47-1)
		}
	}
	depth := fimage.New(1, 24, 24)
	for i := range depth.Pix {
		depth.Pix[i] = 2 + float32(i%24)/24
	}
	colored, err := ColorizeDepth(depth, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	g := &Grid{
		Rows:      [][]*fimage.Image{{ramp, rgb(48, 32, 230, 120, 40)}, {colored, nil}},
		RowLabels: []string{"input", "depth"},
		ColLabels: []string{"view 0", "view 1"},
	}
	out, err := g.Draw()
	if err != nil {
		t.Fatal(err)
	}
	compareGolden(t, "grid.png", out)
	g.Captions = [][]string{{"PTI 21.3 dB", "ours 22.0 dB"}, {"2.4-3.1", ""}}
	g.FontSize = 12
	if out, err = g.Draw(); err != nil {
		t.Fatal(err)
	}
	compareGolden(t, "grid-captions.png", out)
}

func compareGolden(t *testing.T, name string, got *image.NRGBA) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *regen {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := WritePNG(path, got); err != nil {
			t.Fatal(err)
		}
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -regen writes it)", err)
	}
	want, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if want.Bounds() != got.Rect {
		t.Fatalf("size %v, golden %v", got.Rect.Size(), want.Bounds().Size())
	}
	diff := 0
	for y := got.Rect.Min.Y; y < got.Rect.Max.Y; y++ {
		for x := got.Rect.Min.X; x < got.Rect.Max.X; x++ {
			if color.NRGBAModel.Convert(want.At(x, y)) != got.NRGBAAt(x, y) {
				diff++
			}
		}
	}
	if diff > 0 {
		bad := filepath.Join(t.TempDir(), name)
		_ = WritePNG(bad, got)
		t.Errorf("%d pixels differ from %s; got written to %s", diff, path, bad)
	}
}
