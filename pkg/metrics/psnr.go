package metrics

import (
	"fmt"
	"math"

	"github.com/pmvi/pmvi/pkg/fimage"
)

// PSNR returns the peak signal-to-noise ratio in dB between images a and b in [-1, 1] (peak-to-peak 2, i.e.
// the usual PSNR of the [0, 1] images), over all channels. When mask (one channel, values in [0, 1]) is not
// nil, pixels are weighted by it, so PSNR can be measured on a region such as the visible part of a warp.
// Identical images give +Inf.
func PSNR(a, b, mask *fimage.Image) (float64, error) {
	if a.C != b.C || !a.SameSize(b) {
		return 0, fmt.Errorf("metrics: PSNR of a %dx%dx%d and a %dx%dx%d image", a.C, a.H, a.W, b.C, b.H, b.W)
	}
	if mask != nil && (mask.C != 1 || !mask.SameSize(a)) {
		return 0, fmt.Errorf("metrics: PSNR mask is %dx%dx%d, want 1x%dx%d", mask.C, mask.H, mask.W, a.H, a.W)
	}
	n := a.H * a.W
	var se, weight float64
	for c := 0; c < a.C; c++ {
		pa, pb := a.Plane(c), b.Plane(c)
		for i := 0; i < n; i++ {
			w := 1.0
			if mask != nil {
				w = float64(mask.Pix[i])
			}
			d := (float64(pa[i]) - float64(pb[i])) / 2 // in [0, 1] units
			se += w * d * d
			weight += w
		}
	}
	if weight == 0 {
		return 0, fmt.Errorf("metrics: PSNR mask is empty")
	}
	mse := se / weight
	if math.IsNaN(mse) {
		return 0, fmt.Errorf("metrics: PSNR of images with NaN values")
	}
	return -10 * math.Log10(mse), nil
}
