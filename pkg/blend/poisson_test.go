package blend

import (
	"math"
	"testing"
	"time"

	"github.com/pmvi/pmvi/pkg/fimage"
)

// smoothImage is a 3-channel image of low-frequency sinusoids in [-0.8, 0.8].
func smoothImage(h, w int, phase float64) *fimage.Image {
	m := fimage.New(3, h, w)
	for c := 0; c < 3; c++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				fx, fy := float64(x)/float64(w), float64(y)/float64(h)
				m.Set(c, y, x, float32(0.5*math.Sin(6*fx+float64(c)+phase)+0.3*math.Cos(5*fy-2*fx*float64(c))))
			}
		}
	}
	return m
}

// The generator's render is the true view off by a constant, and V_i is the true view where the mask holds:
// cloning the render's gradients and meeting V_i at the seam gives back the true view everywhere. The solver
// starts from the render, off by the constant: a smooth error, the kind plain iterations are slowest on.
func TestPoissonRecoversTheTruth(t *testing.T) {
	for _, size := range []int{64, 256} {
		truth := smoothImage(size, size, 0.3)
		v, g := truth.Clone(), truth.Clone()
		mask := disk(size, size, 0.45*float64(size), 0.55*float64(size), 0.3*float64(size))
		for c := 0; c < 3; c++ {
			for i, m := range mask.Pix {
				g.Pix[c*size*size+i] += 0.4 // the constant
				if m == 0 {
					v.Pix[c*size*size+i] = -1 // no texture outside the mask, as in V_i
				}
			}
		}
		opts := Official()
		opts.Method, opts.Tolerance, opts.Falloff = Poisson, 1e-8, 0
		out, st, err := PoissonBlend(Layers{Visible: v, Mask: mask, Generated: g}, opts)
		if err != nil {
			t.Fatal(err)
		}
		var worst float64
		for i := range out.Pix {
			worst = max(worst, math.Abs(float64(out.Pix[i]-truth.Pix[i])))
		}
		t.Logf("%dx%d: %d unknowns, %d iterations, relative residual %.2g, max error %.2g", size, size, st.Unknowns, st.Iterations, st.Residual, worst)
		if worst > 1e-5 {
			t.Errorf("%dx%d: result differs from the truth by %.3g, want <= 1e-5", size, size, worst)
		}
		if st.Iterations > 25 {
			t.Errorf("%dx%d: %d iterations, want the multigrid preconditioner to keep it under 25", size, size, st.Iterations)
		}
	}
}

// With a straight seam the screened equation is one-dimensional: the correction h = f - G solves
// 2 h_x - h_(x-1) - h_(x+1) + l h_x = 0 along each row, h = V - G on the seam and a Neumann end at the
// image's edge. A tridiagonal solve gives it exactly.
func TestScreenedPoissonMatchesTheExactProfile(t *testing.T) {
	const h, w, seam, c = 24, 80, 30, 0.5
	v, g := smoothImage(h, w, 0.7), smoothImage(h, w, 0.7)
	mask := fimage.New(1, h, w)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if x < seam+1 { // eroded by the 3x3 below, the kept region ends at column seam-1
				mask.Set(0, y, x, 1)
			}
			for k := 0; k < 3; k++ {
				g.Set(k, y, x, g.At(k, y, x)+c)
			}
		}
	}
	opts := Options{Method: Poisson, MaskErosion: 3, Falloff: 6, Tolerance: 1e-10}
	out, _, err := PoissonBlend(Layers{Visible: v, Mask: mask, Generated: g}, opts)
	if err != nil {
		t.Fatal(err)
	}
	// Unknowns are columns seam..w-1; h_(seam-1) = -c.
	n, l := w-seam, 1/(opts.Falloff*opts.Falloff)
	diag, rhs := make([]float64, n), make([]float64, n)
	for i := range diag {
		diag[i] = 2 + l
	}
	diag[n-1] = 1 + l // the image edge: one horizontal neighbour
	rhs[0] = -c
	// Thomas algorithm for the symmetric tridiagonal matrix with -1 off the diagonal.
	for i := 1; i < n; i++ {
		m := -1 / diag[i-1]
		diag[i] += m
		rhs[i] -= m * rhs[i-1]
	}
	want := make([]float64, n)
	want[n-1] = rhs[n-1] / diag[n-1]
	for i := n - 2; i >= 0; i-- {
		want[i] = (rhs[i] + want[i+1]) / diag[i]
	}
	var worst float64
	for k := 0; k < 3; k++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				got := float64(out.At(k, y, x) - g.At(k, y, x))
				exp := float64(v.At(k, y, x) - g.At(k, y, x))
				if x >= seam {
					exp = want[x-seam]
				}
				worst = max(worst, math.Abs(got-exp))
			}
		}
	}
	t.Logf("correction at the seam %.3f, %.0f px away %.4f; max error %.2g", want[0], 3*opts.Falloff, want[int(3*opts.Falloff)], worst)
	if worst > 1e-6 {
		t.Errorf("screened Poisson differs from the exact profile by %.3g, want <= 1e-6", worst)
	}
	if r := -want[int(3*opts.Falloff)] / c; r > 0.06 {
		t.Errorf("three falloff lengths from the seam the correction is still %.1f%% of the jump, want about exp(-3) = 5%%", 100*r)
	}
}

// referencePoisson solves the same equation by plain Gauss-Seidel, written from the definition, until the
// largest update is below 1e-13.
func referencePoisson(v, g, keep *fimage.Image, c int, screen float64) []float64 {
	h, w := v.H, v.W
	f := make([]float64, h*w)
	for i := range f {
		if keep.Pix[i] > 0 {
			f[i] = float64(v.At(c, i/w, i%w))
		} else {
			f[i] = float64(g.At(c, i/w, i%w))
		}
	}
	for sweep := 0; sweep < 200000; sweep++ {
		change := 0.0
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				if keep.At(0, y, x) > 0 {
					continue
				}
				gp := float64(g.At(c, y, x))
				s := screen * gp
				n := 0
				for _, d := range [][2]int{{0, -1}, {0, 1}, {-1, 0}, {1, 0}} {
					yy, xx := y+d[0], x+d[1]
					if yy < 0 || xx < 0 || yy >= h || xx >= w {
						continue
					}
					n++
					s += f[yy*w+xx] + gp - float64(g.At(c, yy, xx)) // neighbour's value: unknown or kept texture
				}
				nv := s / (float64(n) + screen)
				change = max(change, math.Abs(nv-f[y*w+x]))
				f[y*w+x] = nv
			}
		}
		if change < 1e-13 {
			break
		}
	}
	return f
}

func TestPoissonMatchesGaussSeidel(t *testing.T) {
	const h, w = 21, 26
	v, g := randomImage(3, 3, h, w), smoothImage(h, w, 1)
	// A ring touching the image's left edge, with an island of generator inside.
	mask := disk(h, w, 7, 10, 9)
	hole := disk(h, w, 8, 10, 2.5)
	for i := range mask.Pix {
		mask.Pix[i] -= hole.Pix[i]
	}
	for _, opts := range []Options{{MaskErosion: 1}, {MaskErosion: 3, Falloff: 2}} {
		opts.Method, opts.Tolerance = Poisson, 1e-12
		out, st, err := PoissonBlend(Layers{Visible: v, Mask: mask, Generated: g}, opts)
		if err != nil {
			t.Fatal(err)
		}
		screen := 0.0
		if opts.Falloff > 0 {
			screen = 1 / (opts.Falloff * opts.Falloff)
		}
		keep := Region(mask, nil, opts)
		var worst float64
		for c := 0; c < 3; c++ {
			ref := referencePoisson(v, g, keep, c, screen)
			for i, r := range ref {
				worst = max(worst, math.Abs(float64(out.Pix[c*h*w+i])-r))
			}
		}
		t.Logf("erosion %d, falloff %v: %d unknowns, %d iterations, max difference from Gauss-Seidel %.2g",
			opts.MaskErosion, opts.Falloff, st.Unknowns, st.Iterations, worst)
		if worst > 1e-6 {
			t.Errorf("erosion %d: differs from the Gauss-Seidel solution by %.3g, want <= 1e-6", opts.MaskErosion, worst)
		}
	}
}

// A mask over the whole image leaves nothing to solve: the pseudo view is the texture.
func TestPoissonWithoutBoundaryKeepsTheTexture(t *testing.T) {
	v, g := smoothImage(16, 16, 0), smoothImage(16, 16, 2)
	mask := fimage.New(1, 16, 16)
	for i := range mask.Pix {
		mask.Pix[i] = 1
	}
	out, _, err := PoissonBlend(Layers{Visible: v, Mask: mask, Generated: g}, Options{Method: Poisson})
	if err != nil {
		t.Fatal(err)
	}
	for i := range out.Pix {
		if out.Pix[i] != v.Pix[i] {
			t.Fatalf("pixel %d = %v, want V = %v", i, out.Pix[i], v.Pix[i])
		}
	}
}

// The official pseudo views are 512x512 with a face-sized mask: the solve should take well under a second.
func TestPoissonSpeed512(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	const size = 512
	v, g := smoothImage(size, size, 0), smoothImage(size, size, 1.5)
	mask := disk(size, size, 250, 270, 170)
	opts := Official()
	opts.Method = Poisson
	start := time.Now()
	_, st, err := PoissonBlend(Layers{Visible: v, Mask: mask, Generated: g}, opts)
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	t.Logf("512x512, %d unknowns per channel: %d iterations, relative residual %.2g, %v", st.Unknowns, st.Iterations, st.Residual, el)
	if st.Residual > 1e-6 {
		t.Errorf("relative residual %.2g, want <= 1e-6", st.Residual)
	}
}
