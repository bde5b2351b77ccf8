package blend

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/pmvi/pmvi/pkg/fimage"
)

func randomImage(seed uint64, c, h, w int) *fimage.Image {
	rng := rand.New(rand.NewPCG(seed, 9))
	m := fimage.New(c, h, w)
	for i := range m.Pix {
		m.Pix[i] = float32(rng.Float64()*2 - 1)
	}
	return m
}

// disk returns a one-channel mask with 1 inside the circle of radius r around (cx, cy).
func disk(h, w int, cx, cy, r float64) *fimage.Image {
	m := fimage.New(1, h, w)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy; dx*dx+dy*dy <= r*r {
				m.Set(0, y, x, 1)
			}
		}
	}
	return m
}

func TestErodeMatchesNaiveMinimum(t *testing.T) {
	m := randomImage(1, 2, 23, 31)
	for _, size := range []int{1, 3, 5, 11, 51} {
		got := Erode(m, size)
		r := size / 2
		for c := 0; c < m.C; c++ {
			for y := 0; y < m.H; y++ {
				for x := 0; x < m.W; x++ {
					want := float32(math.Inf(1))
					for yy := max(0, y-r); yy <= min(m.H-1, y+r); yy++ {
						for xx := max(0, x-r); xx <= min(m.W-1, x+r); xx++ {
							want = min(want, m.At(c, yy, xx))
						}
					}
					if got.At(c, y, x) != want {
						t.Fatalf("size %d: Erode at (%d,%d,%d) = %v, want %v", size, c, y, x, got.At(c, y, x), want)
					}
				}
			}
		}
	}
}

func TestBlurMatchesDirectConvolution(t *testing.T) {
	m := randomImage(2, 1, 17, 26)
	for _, tt := range []struct {
		size  int
		sigma float64
	}{{21, 3.5}, {5, 1.2}, {9, 0}} {
		got := Blur(m, tt.size, tt.sigma)
		sigma := tt.sigma
		if sigma == 0 {
			sigma = OpenCVSigma(tt.size)
		}
		r := tt.size / 2
		for y := 0; y < m.H; y++ {
			for x := 0; x < m.W; x++ {
				var s, norm float64
				for dy := -r; dy <= r; dy++ {
					for dx := -r; dx <= r; dx++ {
						k := math.Exp(-float64(dx*dx+dy*dy) / (2 * sigma * sigma))
						s += k * float64(m.At(0, reflect101(y+dy, m.H), reflect101(x+dx, m.W)))
						norm += k
					}
				}
				if d := math.Abs(float64(got.At(0, y, x)) - s/norm); d > 1e-5 {
					t.Fatalf("size %d sigma %v: Blur at (%d,%d) = %v, want %v", tt.size, tt.sigma, y, x, got.At(0, y, x), s/norm)
				}
			}
		}
	}
}

func TestReflect101(t *testing.T) {
	// gfedcb|abcdefgh|gfedcba
	want := map[int]int{-3: 3, -1: 1, 0: 0, 7: 7, 8: 6, 10: 4}
	for i, w := range want {
		if got := reflect101(i, 8); got != w {
			t.Errorf("reflect101(%d, 8) = %d, want %d", i, got, w)
		}
	}
}

func TestOfficialKernel(t *testing.T) {
	o := Official()
	if o.KernelSize != 21 || o.Sigma != 3.5 || o.MaskErosion != 3 || o.CoverageErosion != 51 {
		t.Errorf("Official() = %+v, want 21x21 sigma 3.5 (OpenCV's sigma for ksize 21), erosions 3 and 51", o)
	}
	k := GaussianKernel(21, 0)
	if r := k[10] / k[0]; math.Abs(r-math.Exp(100/(2*3.5*3.5))) > 1e-9*r {
		t.Errorf("centre/edge ratio %v, want exp(100/24.5)", r)
	}
	s := o.Scale(128.0 / 512)
	if s.KernelSize != 7 || s.CoverageErosion != 13 || s.MaskErosion != 1 || s.Sigma != 0.875 {
		t.Errorf("Official().Scale(1/4) = %+v, want kernel 7, erosions 1 and 13, sigma 0.875", s)
	}
}

func TestParseMethod(t *testing.T) {
	for _, m := range []Method{Gaussian, Poisson} {
		if got, err := ParseMethod(strings.ToUpper(m.String())); err != nil || got != m {
			t.Errorf("ParseMethod(%q) = %v, %v", m.String(), got, err)
		}
	}
	if _, err := ParseMethod("laplacian"); err == nil || !strings.Contains(err.Error(), `unknown method "laplacian"`) {
		t.Errorf("ParseMethod(laplacian): error %v", err)
	}
}

// Two flat colours joined along a disk: the hard paste jumps by 1.2 at the edge; the Gaussian blend must
// change by no more than the blurred step's steepest slope allows.
func TestGaussianBlendIsContinuousAcrossTheMask(t *testing.T) {
	const h, w = 96, 128
	v, g := fimage.New(3, h, w), fimage.New(3, h, w)
	for i := range v.Pix {
		v.Pix[i], g.Pix[i] = 0.6, -0.6
	}
	mask := disk(h, w, 60, 50, 30)
	out, err := GaussianBlend(Layers{Visible: v, Mask: mask, Generated: g}, Official())
	if err != nil {
		t.Fatal(err)
	}
	var jump float64
	for c := 0; c < 3; c++ {
		for y := 0; y < h; y++ {
			for x := 0; x+1 < w; x++ {
				jump = max(jump, math.Abs(float64(out.At(c, y, x+1)-out.At(c, y, x))))
				if y+1 < h {
					jump = max(jump, math.Abs(float64(out.At(c, y+1, x)-out.At(c, y, x))))
				}
			}
		}
	}
	// A unit step blurred by a Gaussian of sigma 3.5 rises by at most 1/(sigma*sqrt(2 pi)) = 0.114 per pixel.
	limit := 1.2 / (3.5 * math.Sqrt(2*math.Pi)) * 1.05
	t.Logf("largest step between neighbours %.4f (limit %.4f, hard paste 1.2)", jump, limit)
	if jump > limit {
		t.Errorf("largest step between neighbouring pixels %.4f, want <= %.4f", jump, limit)
	}
	// Deep inside the mask the pseudo view is the input's texture, far outside it the generator's render.
	if got := out.At(0, 50, 60); math.Abs(float64(got)-0.6) > 1e-6 {
		t.Errorf("centre of the mask = %v, want V = 0.6", got)
	}
	if got := out.At(0, 2, 2); math.Abs(float64(got)+0.6) > 1e-6 {
		t.Errorf("far corner = %v, want G = -0.6", got)
	}
}

func TestWeightMatchesTheOfficialRecipe(t *testing.T) {
	mask := disk(40, 50, 20, 22, 12)
	cover := disk(40, 50, 25, 20, 30)
	opts := Official().Scale(0.5)
	got := Weight(mask, cover, opts)
	want := Erode(mask, opts.MaskErosion)
	ec := Erode(cover, opts.CoverageErosion)
	for i := range want.Pix {
		want.Pix[i] *= ec.Pix[i]
	}
	want = Blur(want, opts.KernelSize, opts.Sigma)
	for i := range got.Pix {
		if got.Pix[i] != want.Pix[i] {
			t.Fatalf("Weight pixel %d = %v, want %v", i, got.Pix[i], want.Pix[i])
		}
	}
}

func TestBlendRejects(t *testing.T) {
	ok := func() Layers {
		return Layers{Visible: fimage.New(3, 8, 8), Mask: disk(8, 8, 4, 4, 3), Generated: fimage.New(3, 8, 8)}
	}
	tests := []struct {
		name   string
		mutate func(*Layers)
		opts   Options
		want   string
	}{
		{"size", func(l *Layers) { l.Generated = fimage.New(3, 8, 9) }, Official(), "generated image is 8x9, visible texture 8x8: want the same size"},
		{"channels", func(l *Layers) { l.Mask = fimage.New(3, 8, 8) }, Official(), "mask has 3 channels, want 1"},
		{"coverage size", func(l *Layers) { l.Coverage = fimage.New(1, 4, 4) }, Official(), "coverage is 4x4"},
		{"missing", func(l *Layers) { l.Visible = nil }, Official(), "need Visible, Mask and Generated"},
		{"nan", func(l *Layers) { l.Visible.Set(1, 2, 3, float32(math.NaN())) }, Official(), "visible texture has NaN at channel 1, row 2, column 3"},
		{"empty", func(l *Layers) { l.Mask = fimage.New(1, 8, 8) }, Official(), "blend: mask is empty"},
		{"even kernel", func(*Layers) {}, Options{KernelSize: 4}, "want odd"},
	}
	for _, tt := range tests {
		for _, method := range []Method{Gaussian, Poisson} {
			t.Run(tt.name+" "+method.String(), func(t *testing.T) {
				l := ok()
				tt.mutate(&l)
				opts := tt.opts
				opts.Method = method
				_, _, err := Blend(l, opts)
				if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "blend: ") {
					t.Fatalf("error %v, want one mentioning %q", err, tt.want)
				}
				if tt.name == "empty" && !errors.Is(err, ErrEmptyMask) {
					t.Fatalf("error %v is not ErrEmptyMask", err)
				}
			})
		}
	}
}
