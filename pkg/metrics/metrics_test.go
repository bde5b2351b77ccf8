package metrics

import (
	"math"
	"testing"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// planeView renders the plane z = 0.2 (through the rig's pivot) with a smooth world-space texture: colour,
// ray-distance depth.
func planeView(cam camera.Camera, size int, phase float64) (img, depth *fimage.Image) {
	img, depth = fimage.New(3, size, size), fimage.New(1, size, size)
	o := cam.Position()
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			d := cam.PixelDirection((float64(x)+0.5)/float64(size), (float64(y)+0.5)/float64(size))
			t := (0.2 - o[2]) / d[2]
			px, py := o[0]+t*d[0], o[1]+t*d[1]
			depth.Set(0, y, x, float32(t))
			for c := 0; c < 3; c++ {
				img.Set(c, y, x, float32(0.8*math.Sin(6*px+float64(c)+phase)*math.Cos(5*py)))
			}
		}
	}
	return img, depth
}

func TestConsistencyOfAPlane(t *testing.T) {
	a, b := camera.At(0, 0), camera.At(0.3, 0.1)
	inImg, inDepth := planeView(a, 96, 0)
	nvImg, nvDepth := planeView(b, 96, 0)
	good, cov, err := Consistency(inImg, inDepth, a, nvImg, nvDepth, b, 0.01)
	if err != nil {
		t.Fatal(err)
	}
	wrongImg, _ := planeView(b, 96, 1.5) // same geometry, another texture
	bad, _, _ := Consistency(inImg, inDepth, a, wrongImg, nvDepth, b, 0.01)
	if good < 35 || bad > 15 || cov < 0.5 {
		t.Errorf("consistency: %.1f dB for the true view (coverage %.2f), %.1f dB for a wrong texture", good, cov, bad)
	}
	// Wrong geometry: the novel view claims the plane is 5 cm nearer, so its pixels land elsewhere in the input
	// (and mostly fail the visibility test).
	near := nvDepth.Clone()
	for i := range near.Pix {
		near.Pix[i] -= 0.05
	}
	shifted, _, err := Consistency(inImg, inDepth, a, nvImg, near, b, 0.01)
	if err == nil && shifted > good-10 {
		t.Errorf("consistency with wrong depth %.1f dB, not clearly below %.1f", shifted, good)
	}
	t.Logf("plane: %.1f dB consistent (coverage %.2f), %.1f dB wrong texture", good, cov, bad)
}

func TestDepthError(t *testing.T) {
	gt := fimage.New(1, 2, 2)
	copy(gt.Pix, []float32{2.5, 2.6, float32(math.Inf(1)), 2.7})
	pred := fimage.New(1, 2, 2)
	copy(pred.Pix, []float32{2.6, 2.6, 3.3, 2.5})
	mask := fimage.New(1, 2, 2)
	copy(mask.Pix, []float32{1, 1, 0, 1})
	mae, rmse, err := DepthError(pred, gt, mask)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(mae-0.1) > 1e-6 || math.Abs(rmse-math.Sqrt(0.05/3)) > 1e-6 {
		t.Errorf("DepthError = %v, %v; want 0.1, %v", mae, rmse, math.Sqrt(0.05/3))
	}
	if _, _, err := DepthError(pred, gt, fimage.New(1, 2, 2)); err == nil {
		t.Error("empty mask accepted")
	}
}

func TestSSIMIdentityAndNoise(t *testing.T) {
	img, _ := planeView(camera.At(0, 0), 32, 0)
	if s, _ := SSIM(img, img); math.Abs(s-1) > 1e-12 {
		t.Errorf("SSIM(a, a) = %v", s)
	}
	noisy := img.Clone()
	for i := range noisy.Pix {
		noisy.Pix[i] += float32(0.2 * math.Sin(float64(i)*12.9898))
	}
	if s, _ := SSIM(img, noisy); s > 0.9 || s < 0 {
		t.Errorf("SSIM with noise = %v", s)
	}
	if _, err := SSIM(img, fimage.New(3, 8, 8)); err == nil {
		t.Error("size mismatch accepted")
	}
}
