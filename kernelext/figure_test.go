package kernelext

import (
	"bytes"
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/pmvi/pmvi/pkg/fimage"
)

func ramp(c, h, w int) *fimage.Image {
	m := fimage.New(c, h, w)
	for i := range m.Pix {
		m.Pix[i] = float32(i%w)/float32(w)*2 - 1
	}
	return m
}

func pngSize(t *testing.T, f *Figure) (int, int) {
	t.Helper()
	if f.Format() != PNG {
		t.Fatalf("format %s, want png", f.Format())
	}
	img, err := png.Decode(bytes.NewReader(f.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if w, h := f.Size(); w != b.Dx() || h != b.Dy() {
		t.Errorf("Size %dx%d, PNG %dx%d", w, h, b.Dx(), b.Dy())
	}
	return b.Dx(), b.Dy()
}

func TestFigureConstructors(t *testing.T) {
	// Two 3x16x24 images in one NCHW tensor: shown side by side with a 4-pixel gap around.
	nchw := tensors.FromFlatDataAndDimensions(append(ramp(3, 16, 24).Pix, ramp(3, 16, 24).Pix...), 2, 3, 16, 24)
	chw := tensors.FromFlatDataAndDimensions(ramp(1, 16, 24).Pix, 1, 16, 24)
	depth := fimage.New(1, 10, 12)
	for i := range depth.Pix {
		depth.Pix[i] = 2 + float32(i)/120
	}
	p := plot.New()
	line, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	if err != nil {
		t.Fatal(err)
	}
	p.Add(line)
	for _, tc := range []struct {
		name string
		make func() (*Figure, error)
		w, h int
	}{
		{"image", func() (*Figure, error) { return Image(ramp(3, 20, 30), "x") }, 30, 20},
		{"grey image", func() (*Figure, error) { return Image(ramp(1, 20, 30), "x") }, 30, 20},
		{"grid", func() (*Figure, error) {
			return Grid([][]*fimage.Image{{ramp(3, 20, 30), ramp(3, 20, 30)}}, nil, nil)
		}, 4 + 30 + 4 + 30 + 4, 4 + 20 + 4},
		{"NCHW tensor", func() (*Figure, error) { return Tensor(nchw, "two") }, 4 + 24 + 4 + 24 + 4, 4 + 16 + 4},
		{"CHW tensor", func() (*Figure, error) { return Tensor(chw, "one") }, 24, 16},
		{"depth", func() (*Figure, error) { return Depth(depth, "depth") }, 12, 10},
		{"plot", func() (*Figure, error) { return Plot(p, 3*vg.Inch, 2*vg.Inch) }, 288, 192},
	} {
		f, err := tc.make()
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if w, h := pngSize(t, f); w != tc.w || h != tc.h {
			t.Errorf("%s: %dx%d, want %dx%d", tc.name, w, h, tc.w, tc.h)
		}
	}
}

func TestFigureErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func() (*Figure, error)
	}{
		{"nil image", func() (*Figure, error) { return Image(nil, "x") }},
		{"two channels", func() (*Figure, error) { return Image(fimage.New(2, 4, 4), "x") }},
		{"grid label count", func() (*Figure, error) {
			return Grid([][]*fimage.Image{{ramp(3, 4, 4)}}, []string{"a", "b"}, nil)
		}},
		{"int tensor", func() (*Figure, error) {
			return Tensor(tensors.FromFlatDataAndDimensions([]int32{1, 2, 3}, 3, 1, 1), "x")
		}},
		{"rank-2 tensor", func() (*Figure, error) {
			return Tensor(tensors.FromFlatDataAndDimensions([]float32{1, 2}, 1, 2), "x")
		}},
		{"5-channel tensor", func() (*Figure, error) {
			return Tensor(tensors.FromFlatDataAndDimensions(make([]float32, 5*4), 1, 5, 2, 2), "x")
		}},
		{"colour depth", func() (*Figure, error) { return Depth(fimage.New(3, 4, 4), "x") }},
		{"no frames", func() (*Figure, error) { return Animation(nil, time.Second, "x") }},
	} {
		if _, err := tc.make(); err == nil || !strings.HasPrefix(err.Error(), "kernelext: ") {
			t.Errorf("%s: error %v, want one starting with kernelext:", tc.name, err)
		}
	}
}

func TestAnimationFigure(t *testing.T) {
	frames := []*fimage.Image{ramp(3, 12, 16), ramp(1, 12, 16), ramp(3, 12, 16)}
	f, err := Animation(frames, 80*time.Millisecond, "orbit")
	if err != nil {
		t.Fatal(err)
	}
	g, err := gif.DecodeAll(bytes.NewReader(f.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != 3 || g.Delay[0] != 8 {
		t.Errorf("%d frames, delay %d; want 3 frames of 8 hundredths", len(g.Image), g.Delay[0])
	}
	if w, h := f.Size(); w != 16 || h != 12 {
		t.Errorf("size %dx%d, want 16x12", w, h)
	}
	if !strings.HasPrefix(f.DataURI(), "data:image/gif;base64,R0lGOD") { // "GIF8" in base64
		t.Errorf("data URI starts %q", f.DataURI()[:40])
	}
}

func TestFigureSave(t *testing.T) {
	dir := t.TempDir()
	img, err := Image(ramp(3, 8, 8), "x")
	if err != nil {
		t.Fatal(err)
	}
	anim, err := Animation([]*fimage.Image{ramp(3, 8, 8)}, time.Second, "y")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		f    *Figure
		name string
		ok   bool
	}{
		{img, "a.png", true},
		{img, "a.PNG", true},
		{img, "a.gif", false},
		{img, "a", false},
		{anim, "b.gif", true},
		{anim, "b.png", false},
	} {
		path := filepath.Join(dir, tc.name)
		err := tc.f.Save(path)
		if (err == nil) != tc.ok {
			t.Errorf("Save(%s) of a %s figure: error %v, want ok=%v", tc.name, tc.f.Format(), err, tc.ok)
			continue
		}
		if tc.ok {
			data, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(data, tc.f.Bytes()) {
				t.Errorf("%s holds other bytes than the figure (%v)", tc.name, err)
			}
		}
	}
}

func TestFigureHTMLEscapesCaption(t *testing.T) {
	f, err := Image(ramp(3, 4, 6), `a <b> & "c"`)
	if err != nil {
		t.Fatal(err)
	}
	h := f.HTML()
	for _, want := range []string{`<img src="data:image/png;base64,`, `width="6" height="4"`, `<figcaption style="font-size:90%">a &lt;b&gt; &amp; &#34;c&#34;</figcaption>`} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %q:\n%.200s", want, h)
		}
	}
}
