package metrics

import (
	"math"
	"testing"

	"github.com/pmvi/pmvi/pkg/fimage"
)

func TestPSNR(t *testing.T) {
	a := fimage.New(3, 4, 4)
	b := a.Clone()
	for i := range b.Pix {
		b.Pix[i] = 0.2 // 0.1 in [0,1] units: MSE 0.01, 20 dB
	}
	if got, _ := PSNR(a, b, nil); math.Abs(got-20) > 1e-6 {
		t.Errorf("PSNR = %v, want 20", got)
	}
	if got, _ := PSNR(a, a, nil); !math.IsInf(got, 1) {
		t.Errorf("PSNR of identical images = %v, want +Inf", got)
	}
	// Only the masked half differs: masked PSNR sees the error, the complement sees none.
	mask := fimage.New(1, 4, 4)
	c := a.Clone()
	for y := 0; y < 2; y++ {
		for x := 0; x < 4; x++ {
			mask.Set(0, y, x, 1)
			for ch := 0; ch < 3; ch++ {
				c.Set(ch, y, x, 0.2)
			}
		}
	}
	if got, _ := PSNR(a, c, mask); math.Abs(got-20) > 1e-6 {
		t.Errorf("masked PSNR = %v, want 20", got)
	}
	if got, _ := PSNR(a, c, nil); math.Abs(got-(20+10*math.Log10(2))) > 1e-6 {
		t.Errorf("unmasked PSNR = %v, want 23.01", got)
	}
	if _, err := PSNR(a, fimage.New(3, 4, 5), nil); err == nil {
		t.Error("size mismatch accepted")
	}
	if _, err := PSNR(a, b, fimage.New(1, 4, 4)); err == nil {
		t.Error("empty mask accepted")
	}
}
