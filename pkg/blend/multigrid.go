package blend

import "math"

// grid is a symmetric 5-point operator on a w x h grid: (Ax)_p = diag_p x_p - sum over neighbours q of
// weight_pq x_q. Inactive points (diag 0) are not unknowns; weights to them are 0. The finest grid is the
// (screened) Poisson matrix of a masked region (diag = number of in-image neighbours plus the screening,
// weight 1 inside the region); each
// coarser grid aggregates 2x2 blocks with the Galerkin product P^T A P of piecewise-constant prolongation P,
// which keeps the 5-point form and follows any mask shape exactly.
type grid struct {
	w, h int
	// box is the bounding box of the unknowns, [x0, x1) x [y0, y1): loops skip the rest.
	x0, x1, y0, y1 int
	diag           []float64
	east, south    []float64 // weight to the east (x+1) and south (y+1) neighbour
	// screened is the screening's total over the diagonal: the same on every level, as P^T (sI) P sums it.
	screened float64
	// omega scales the correction from this grid when it is the coarse grid of another (see newHierarchy).
	omega  float64
	coarse *grid
}

const (
	coarsestUnknowns = 64 // coarsen until at most this many unknowns remain
	coarsestSweeps   = 30 // symmetric Gauss-Seidel sweeps on the coarsest grid
	// overCorrect sets how much the coarse-grid correction is scaled up (see grid.omega).
	// overCorrect is how much the coarse-grid correction is scaled up when the Laplacian dominates.
	overCorrect = 0.8
)

// newHierarchy builds the grid of region (true = unknown) on a w x h image, with screen added to the
// diagonal (the screened Poisson equation), and its coarser levels.
func newHierarchy(region []bool, w, h int, screen float64) *grid {
	g := &grid{w: w, h: h, diag: make([]float64, w*h), east: make([]float64, w*h), south: make([]float64, w*h)}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			p := y*w + x
			if !region[p] {
				continue
			}
			n := 0
			if x > 0 {
				n++
			}
			if x+1 < w {
				n++
				if region[p+1] {
					g.east[p] = 1
				}
			}
			if y > 0 {
				n++
			}
			if y+1 < h {
				n++
				if region[p+w] {
					g.south[p] = 1
				}
			}
			g.diag[p] = float64(n) + screen
			g.screened += screen
		}
	}
	g.bound()
	for c := g; c.unknowns() > coarsestUnknowns && c.w > 2 && c.h > 2; c = c.coarse {
		cc := c.coarsen()
		cc.bound()
		// Piecewise-constant aggregation makes the Laplacian's coarse operator too stiff for smooth errors
		// (twice the rediscretized one per level), so its correction comes out too small; scaling it up, the
		// standard remedy, cuts the iterations at 512x512 from 35 to 14. The screening term aggregates exactly,
		// so where it dominates a coarse grid the correction is left as it is. Any positive scale keeps the
		// cycle symmetric positive definite.
		total := 0.0
		for _, d := range cc.diag {
			total += d
		}
		cc.omega = 1 + overCorrect*max(0, 1-40*cc.screened/total)
		c.coarse = cc
	}
	return g
}

// bound sets the bounding box of the unknowns.
func (g *grid) bound() {
	g.x0, g.x1, g.y0, g.y1 = g.w, 0, g.h, 0
	for y := 0; y < g.h; y++ {
		for x := 0; x < g.w; x++ {
			if g.diag[y*g.w+x] != 0 {
				g.x0, g.x1, g.y0, g.y1 = min(g.x0, x), max(g.x1, x+1), min(g.y0, y), max(g.y1, y+1)
			}
		}
	}
}

func (g *grid) unknowns() int {
	n := 0
	for _, d := range g.diag {
		if d > 0 {
			n++
		}
	}
	return n
}

// coarsen returns P^T A P for P copying each coarse value onto the unknowns of its 2x2 block.
func (g *grid) coarsen() *grid {
	cw, ch := (g.w+1)/2, (g.h+1)/2
	c := &grid{w: cw, h: ch, diag: make([]float64, cw*ch), east: make([]float64, cw*ch), south: make([]float64, cw*ch), screened: g.screened}
	for y := 0; y < g.h; y++ {
		for x := 0; x < g.w; x++ {
			p, I := y*g.w+x, (y/2)*cw+x/2
			c.diag[I] += g.diag[p]
			if e := g.east[p]; e != 0 {
				if x%2 == 0 { // both in block I: the coupling cancels twice on the diagonal
					c.diag[I] -= 2 * e
				} else {
					c.east[I] += e
				}
			}
			if s := g.south[p]; s != 0 {
				if y%2 == 0 {
					c.diag[I] -= 2 * s
				} else {
					c.south[I] += s
				}
			}
		}
	}
	for i, d := range c.diag {
		if d < 1e-9 { // round-off of a block with no outside coupling (cannot happen with a boundary)
			c.diag[i], c.east[i], c.south[i] = 0, 0, 0
		}
	}
	return c
}

// apply sets out = A x.
func (g *grid) apply(x, out []float64) {
	w := g.w
	for y := g.y0; y < g.y1; y++ {
		for xx := g.x0; xx < g.x1; xx++ {
			p := y*w + xx
			d := g.diag[p]
			if d == 0 {
				out[p] = 0
				continue
			}
			v := d*x[p] - g.east[p]*at(x, p+1, xx+1 < w) - g.south[p]*at(x, p+w, y+1 < g.h)
			if xx > 0 {
				v -= g.east[p-1] * x[p-1]
			}
			if y > 0 {
				v -= g.south[p-w] * x[p-w]
			}
			out[p] = v
		}
	}
}

func at(x []float64, i int, ok bool) float64 {
	if ok {
		return x[i]
	}
	return 0
}

// relax does one Gauss-Seidel sweep on A e = r at point p.
func (g *grid) relax(r, e []float64, p, xx, y int) {
	d := g.diag[p]
	if d == 0 {
		return
	}
	w := g.w
	s := r[p]
	if xx+1 < w {
		s += g.east[p] * e[p+1]
	}
	if y+1 < g.h {
		s += g.south[p] * e[p+w]
	}
	if xx > 0 {
		s += g.east[p-1] * e[p-1]
	}
	if y > 0 {
		s += g.south[p-w] * e[p-w]
	}
	e[p] = s / d
}

func (g *grid) forward(r, e []float64) {
	for y := g.y0; y < g.y1; y++ {
		for x := g.x0; x < g.x1; x++ {
			g.relax(r, e, y*g.w+x, x, y)
		}
	}
}

func (g *grid) backward(r, e []float64) {
	for y := g.y1 - 1; y >= g.y0; y-- {
		for x := g.x1 - 1; x >= g.x0; x-- {
			g.relax(r, e, y*g.w+x, x, y)
		}
	}
}

// scratch holds one solve's work vectors for every level.
type scratch struct {
	e, r, res [][]float64
}

func newScratch(g *grid) *scratch {
	s := &scratch{}
	for l := g; l != nil; l = l.coarse {
		n := l.w * l.h
		s.e, s.r, s.res = append(s.e, make([]float64, n)), append(s.r, make([]float64, n)), append(s.res, make([]float64, n))
	}
	return s
}

// vcycle sets e to the multigrid approximation of A^-1 r: a forward Gauss-Seidel sweep, the coarse-grid
// correction, a backward sweep. Pre- and post-smoothing are each other's adjoints and restriction is P^T, so
// the cycle is a symmetric positive definite operator: a valid preconditioner for conjugate gradients.
func (g *grid) vcycle(level int, r, e []float64, s *scratch) {
	clear(e)
	if g.coarse == nil {
		for k := 0; k < coarsestSweeps; k++ {
			g.forward(r, e)
			g.backward(r, e)
		}
		return
	}
	g.forward(r, e)
	res := s.res[level]
	g.apply(e, res)
	c := g.coarse
	rc, ec := s.r[level+1], s.e[level+1]
	clear(rc)
	for y := g.y0; y < g.y1; y++ {
		for x := g.x0; x < g.x1; x++ {
			if p := y*g.w + x; g.diag[p] != 0 {
				rc[(y/2)*c.w+x/2] += r[p] - res[p]
			}
		}
	}
	c.vcycle(level+1, rc, ec, s)
	for y := g.y0; y < g.y1; y++ {
		for x := g.x0; x < g.x1; x++ {
			if p := y*g.w + x; g.diag[p] != 0 {
				e[p] += c.omega * ec[(y/2)*c.w+x/2]
			}
		}
	}
	g.backward(r, e)
}

// solve runs preconditioned conjugate gradients on A x = b from x (updated in place) until
// ||b - Ax|| <= tol ||b|| or maxIter iterations. It returns the iterations and the final relative residual.
func (g *grid) solve(b, x []float64, tol float64, maxIter int) (int, float64) {
	n := len(b)
	r, z, p, ap := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	s := newScratch(g)
	g.apply(x, ap)
	for i := range r {
		r[i] = b[i] - ap[i]
	}
	bn := math.Sqrt(dotf(b, b))
	if bn == 0 {
		bn = 1
	}
	rel := math.Sqrt(dotf(r, r)) / bn
	if rel <= tol {
		return 0, rel
	}
	g.vcycle(0, r, z, s)
	copy(p, z)
	rz := dotf(r, z)
	for it := 1; it <= maxIter; it++ {
		g.apply(p, ap)
		alpha := rz / dotf(p, ap)
		for i := range x {
			x[i] += alpha * p[i]
			r[i] -= alpha * ap[i]
		}
		if rel = math.Sqrt(dotf(r, r)) / bn; rel <= tol || it == maxIter {
			return it, rel
		}
		g.vcycle(0, r, z, s)
		rzNew := dotf(r, z)
		beta := rzNew / rz
		rz = rzNew
		for i := range p {
			p[i] = z[i] + beta*p[i]
		}
	}
	return maxIter, rel
}

func dotf(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}
