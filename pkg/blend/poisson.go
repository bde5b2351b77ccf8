package blend

import (
	"sync"

	"github.com/pmvi/pmvi/pkg/fimage"
)

// Region returns where a pseudo view keeps the input's texture: 1 where the mask eroded by opts.MaskErosion
// times the coverage (nil: 1) eroded by opts.CoverageErosion exceeds 0.5, else 0. The Gaussian blend's alpha
// is this product before thresholding and blurring; Poisson keeps V_i exactly here and solves for the rest.
func Region(mask, coverage *fimage.Image, opts Options) *fimage.Image {
	r := Erode(mask, opts.MaskErosion)
	var c *fimage.Image
	if coverage != nil {
		c = Erode(coverage, opts.CoverageErosion)
	}
	for i, v := range r.Pix {
		if c != nil {
			v *= c.Pix[i]
		}
		r.Pix[i] = 0
		if v > 0.5 {
			r.Pix[i] = 1
		}
	}
	return r
}

// PoissonBlend joins V_i and the generator's render G in the gradient domain (Pérez et al. 2003, "Poisson
// image editing"). On Region the pseudo view is V_i, unchanged. Everywhere else (the part the input did not
// see) it is the f that solves the screened Poisson equation
//
//	sum over the 4 neighbours q of p of (f_p - f_q)  +  l (f_p - G_p)  =  sum over q of (G_p - G_q)
//
// with f_q = V_q for the neighbours in Region (Dirichlet values at the seam), neighbours outside the image
// left out (Neumann edges) and l = 1/Falloff^2. So f keeps G's gradients, its content, while its values meet
// V_i at the seam: f = G + h, where the correction h starts at V_i - G on the seam and fades like
// exp(-distance/Falloff). With Falloff 0 (l = 0) h is harmonic and reaches across the whole generated part.
//
// This is the generator's render cloned into the input's texture rather than the texture cloned into the
// render (the textbook use, with the mask as the region). Cloning the texture would shift its colours towards
// the generator's wherever they disagree at the seam, and the pseudo views exist to carry the input's texture,
// true colours included, to novel views; so the texture stays exact and the generated part adapts.
//
// Each channel is solved independently, in parallel, by conjugate gradients preconditioned with an
// aggregation multigrid V-cycle, starting from G, to opts.Tolerance (relative residual).
func PoissonBlend(l Layers, opts Options) (*fimage.Image, Stats, error) {
	if err := l.check(); err != nil {
		return nil, Stats{}, err
	}
	if err := opts.check(); err != nil {
		return nil, Stats{}, err
	}
	tol, maxIter := opts.Tolerance, opts.MaxIterations
	if tol == 0 {
		tol = 1e-6
	}
	if maxIter == 0 {
		maxIter = 200
	}
	screen := 0.0
	if opts.Falloff > 0 {
		screen = 1 / (opts.Falloff * opts.Falloff)
	}
	w, h := l.Visible.W, l.Visible.H
	plane := w * h
	keep := Region(l.Mask, l.Coverage, opts)
	solve := make([]bool, plane)
	unknowns := 0
	for i, v := range keep.Pix {
		solve[i] = v == 0
		if solve[i] {
			unknowns++
		}
	}
	out := l.Generated.Clone()
	stats := Stats{Unknowns: unknowns}
	if unknowns == plane { // nothing kept: no seam to meet
		stats.Unknowns = 0
		return out, stats, nil
	}
	for c := 0; c < 3; c++ {
		dst, v := out.Plane(c), l.Visible.Plane(c)
		for i, s := range solve {
			if !s {
				dst[i] = v[i]
			}
		}
	}
	if unknowns == 0 {
		return out, stats, nil
	}
	g := newHierarchy(solve, w, h, screen)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for c := 0; c < 3; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, gen := l.Visible.Plane(c), l.Generated.Plane(c)
			b, x := poissonRHS(solve, v, gen, w, h, screen), make([]float64, plane)
			for i, s := range solve {
				if s {
					x[i] = float64(gen[i])
				}
			}
			it, res := g.solve(b, x, tol, maxIter)
			dst := out.Plane(c)
			for i, s := range solve {
				if s {
					dst[i] = float32(x[i])
				}
			}
			mu.Lock()
			stats.Iterations, stats.Residual = max(stats.Iterations, it), max(stats.Residual, res)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out, stats, nil
}

// poissonRHS returns, for p to solve for, b_p = sum over in-image neighbours q of (G_p - G_q), plus V_q for
// the neighbours kept from the texture (the Dirichlet values), plus screen*G_p; 0 elsewhere.
func poissonRHS(solve []bool, v, gen []float32, w, h int, screen float64) []float64 {
	b := make([]float64, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			p := y*w + x
			if !solve[p] {
				continue
			}
			gp := float64(gen[p])
			s := screen * gp
			add := func(q int) {
				s += gp - float64(gen[q])
				if !solve[q] {
					s += float64(v[q])
				}
			}
			if x > 0 {
				add(p - 1)
			}
			if x+1 < w {
				add(p + 1)
			}
			if y > 0 {
				add(p - w)
			}
			if y+1 < h {
				add(p + w)
			}
			b[p] = s
		}
	}
	return b
}
