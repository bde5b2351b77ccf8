package metrics

import (
	"fmt"
	"math"

	"github.com/pmvi/pmvi/pkg/fimage"
)

// SSIM returns the structural similarity (Wang et al. 2004) of images a and b in [-1, 1], averaged over
// channels and the valid positions of an 11x11 Gaussian window (sigma 1.5) with C1 = 0.01², C2 = 0.03² on
// the [0, 1] scale: the definition pytorch_msssim and package invert's loss use.
func SSIM(a, b *fimage.Image) (float64, error) {
	if a.C != b.C || !a.SameSize(b) {
		return 0, fmt.Errorf("metrics: SSIM of a %dx%dx%d and a %dx%dx%d image", a.C, a.H, a.W, b.C, b.H, b.W)
	}
	const win, sigma, c1, c2 = 11, 1.5, 0.01 * 0.01, 0.03 * 0.03
	if a.H < win || a.W < win {
		return 0, fmt.Errorf("metrics: SSIM needs images of at least %dx%d, got %dx%d", win, win, a.W, a.H)
	}
	taps := make([]float64, win)
	sum := 0.0
	for i := range taps {
		t := float64(i - win/2)
		taps[i] = math.Exp(-t * t / (2 * sigma * sigma))
		sum += taps[i]
	}
	for i := range taps {
		taps[i] /= sum
	}
	h, w := a.H-win+1, a.W-win+1
	total := 0.0
	for c := 0; c < a.C; c++ {
		pa, pb := a.Plane(c), b.Plane(c)
		// Separable filtering: rows first, then columns, of x, y, x², y², xy on the [0, 1] scale.
		maps := [5][]float64{}
		for k := range maps {
			maps[k] = make([]float64, a.H*w)
		}
		for y := 0; y < a.H; y++ {
			for x := 0; x < w; x++ {
				var s [5]float64
				for i, t := range taps {
					va, vb := (float64(pa[y*a.W+x+i])+1)/2, (float64(pb[y*a.W+x+i])+1)/2
					s[0] += t * va
					s[1] += t * vb
					s[2] += t * va * va
					s[3] += t * vb * vb
					s[4] += t * va * vb
				}
				for k := range s {
					maps[k][y*w+x] = s[k]
				}
			}
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				var s [5]float64
				for i, t := range taps {
					for k := range s {
						s[k] += t * maps[k][(y+i)*w+x]
					}
				}
				ma, mb := s[0], s[1]
				va, vb, cov := s[2]-ma*ma, s[3]-mb*mb, s[4]-ma*mb
				total += (2*ma*mb + c1) * (2*cov + c2) / ((ma*ma + mb*mb + c1) * (va + vb + c2))
			}
		}
	}
	return total / float64(a.C*h*w), nil
}
