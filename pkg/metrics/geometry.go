package metrics

import (
	"fmt"
	"math"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// DepthError returns the mean absolute and root-mean-square difference, in world units, between a predicted
// and a ground-truth depth map (ray distances, 1 channel, same size), over pixels where the ground truth
// covers the surface: weighted by mask (ground-truth coverage in [0, 1]) where the ground truth is finite.
// The predicted depth of EG3D is clamped to its ray range, so background pixels must be excluded by the mask.
func DepthError(pred, gt, mask *fimage.Image) (mae, rmse float64, err error) {
	if pred.C != 1 || gt.C != 1 || mask.C != 1 || !pred.SameSize(gt) || !pred.SameSize(mask) {
		return 0, 0, fmt.Errorf("metrics: depth error of %dx%dx%d prediction, %dx%dx%d truth, %dx%dx%d mask: want three 1-channel maps of one size",
			pred.C, pred.H, pred.W, gt.C, gt.H, gt.W, mask.C, mask.H, mask.W)
	}
	var sa, ss, sw float64
	for i, g := range gt.Pix {
		w := float64(mask.Pix[i])
		if w <= 0 || math.IsInf(float64(g), 0) || math.IsNaN(float64(g)) {
			continue
		}
		d := float64(pred.Pix[i]) - float64(g)
		if math.IsNaN(d) || math.IsInf(d, 0) {
			return 0, 0, fmt.Errorf("metrics: predicted depth is %v at pixel %d", pred.Pix[i], i)
		}
		sa += w * math.Abs(d)
		ss += w * d * d
		sw += w
	}
	if sw == 0 {
		return 0, 0, fmt.Errorf("metrics: depth error over an empty mask")
	}
	return sa / sw, math.Sqrt(ss / sw), nil
}

// Consistency measures how well a novel view agrees with the input view through the geometry the novel view
// itself claims, without ground truth: every novel-view pixel with depth is lifted to 3D, projected into the
// input camera and compared with the input image there, where the input view sees that point (its own depth
// agrees within tol world units). It returns the PSNR over those pixels and the fraction of novel-view pixels
// that took part. Depth maps may be at a lower resolution than the images; they are sampled bilinearly.
func Consistency(input, inputDepth *fimage.Image, inputCam camera.Camera, novel, novelDepth *fimage.Image, novelCam camera.Camera, tol float64) (psnr, coverage float64, err error) {
	if input.C != 3 || novel.C != 3 || inputDepth.C != 1 || novelDepth.C != 1 {
		return 0, 0, fmt.Errorf("metrics: consistency needs 3-channel images and 1-channel depths")
	}
	var se, n float64
	for y := 0; y < novel.H; y++ {
		for x := 0; x < novel.W; x++ {
			u, v := (float64(x)+0.5)/float64(novel.W), (float64(y)+0.5)/float64(novel.H)
			d := float64(novelDepth.Bilinear(0, u*float64(novelDepth.W), v*float64(novelDepth.H)))
			if math.IsInf(d, 0) || math.IsNaN(d) {
				continue
			}
			p := novelCam.PointAtDepth(u, v, d)
			px, py, z := inputCam.Project(p, input.W, input.H)
			if z <= 0 || px < 0 || py < 0 || px >= float64(input.W) || py >= float64(input.H) {
				continue
			}
			o := inputCam.Position()
			dist := math.Sqrt((p[0]-o[0])*(p[0]-o[0]) + (p[1]-o[1])*(p[1]-o[1]) + (p[2]-o[2])*(p[2]-o[2]))
			seen := float64(inputDepth.Bilinear(0, px/float64(input.W)*float64(inputDepth.W), py/float64(input.H)*float64(inputDepth.H)))
			if math.Abs(seen-dist) > tol {
				continue
			}
			for c := 0; c < 3; c++ {
				e := (float64(novel.At(c, y, x)) - float64(input.Bilinear(c, px, py))) / 2
				se += e * e
			}
			n++
		}
	}
	if n == 0 {
		return 0, 0, fmt.Errorf("metrics: no novel-view pixel is seen by the input view")
	}
	return -10 * math.Log10(se/(3*n)), n / float64(novel.W*novel.H), nil
}
