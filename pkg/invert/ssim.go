package invert

import (
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	timage "github.com/gomlx/gomlx/pkg/core/tensors/images"
)

// SSIM constants of Wang et al. (2004) for images scaled to [0, 1]: an 11-tap Gaussian window of sigma 1.5,
// C1 = 0.01², C2 = 0.03², valid (unpadded) filtering, as pytorch_msssim computes it.
const (
	ssimWindow = 11
	ssimSigma  = 1.5
	ssimC1     = 0.01 * 0.01
	ssimC2     = 0.03 * 0.03
)

// msssimWeights are the per-scale exponents of MS-SSIM (Wang et al. 2003), finest scale first.
var msssimWeights = []float64{0.0448, 0.2856, 0.3001, 0.2363, 0.1333}

// SSIM returns the mean structural similarity of images a and b [N, C, H, W] in EG3D's [-1, 1] range, per
// image: [N]. It needs H, W >= 11.
func SSIM(a, b *Node) *Node {
	s, _ := ssimMaps(to01(a), to01(b))
	return ReduceMean(s, 1, 2, 3)
}

// MSSSIM returns the multi-scale SSIM of images a and b [N, C, H, W] in [-1, 1], per image: [N]. It uses as
// many of the standard five scales as the image allows (the coarsest must be at least 11 pixels wide),
// renormalizing their weights to sum to 1 — 128-pixel images get four scales, 64-pixel ones three.
func MSSSIM(a, b *Node) *Node {
	a, b = to01(a), to01(b)
	side := min(a.Shape().Dimensions[2], a.Shape().Dimensions[3])
	levels := MSSSIMLevels(side)
	weights := msssimWeights[:levels]
	total := 0.0
	for _, w := range weights {
		total += w
	}
	var result *Node
	for i, w := range weights {
		s, cs := ssimMaps(a, b)
		v := cs
		if i == levels-1 {
			v = s
		}
		// Per-image, per-channel means, clipped at 0 (pytorch_msssim's relu) so fractional powers exist.
		m := MaxScalar(ReduceMean(v, 2, 3), 0)
		term := Pow(AddScalar(m, 1e-12), Scalar(m.Graph(), m.DType(), w/total))
		if result == nil {
			result = term
		} else {
			result = Mul(result, term)
		}
		if i < levels-1 {
			a, b = avgPool2(a), avgPool2(b)
		}
	}
	return ReduceMean(result, 1)
}

// MSSSIMLevels returns how many MS-SSIM scales an image of the given side supports (at most 5).
func MSSSIMLevels(side int) int {
	levels := 1
	for levels < len(msssimWeights) && side>>levels >= ssimWindow {
		levels++
	}
	return levels
}

// ssimMaps returns the SSIM and contrast-structure maps of a and b in [0, 1].
func ssimMaps(a, b *Node) (ssim, cs *Node) {
	muA, muB := gaussBlur(a), gaussBlur(b)
	sAA := Sub(gaussBlur(Mul(a, a)), Mul(muA, muA))
	sBB := Sub(gaussBlur(Mul(b, b)), Mul(muB, muB))
	sAB := Sub(gaussBlur(Mul(a, b)), Mul(muA, muB))
	cs = Div(AddScalar(MulScalar(sAB, 2), ssimC2), AddScalar(Add(sAA, sBB), ssimC2))
	lum := Div(AddScalar(MulScalar(Mul(muA, muB), 2), ssimC1), AddScalar(Add(Mul(muA, muA), Mul(muB, muB)), ssimC1))
	return Mul(lum, cs), cs
}

// gaussBlur filters each channel of x [N, C, H, W] with the separable SSIM window, without padding.
func gaussBlur(x *Node) *Node {
	d := x.Shape().Dimensions
	k := ConstAsDType(x.Graph(), x.DType(), ssimTaps())
	y := Reshape(x, d[0]*d[1], 1, d[2], d[3])
	y = Convolve(y, Reshape(k, 1, 1, ssimWindow, 1)).ChannelsAxis(timage.ChannelsFirst).Strides(1).Done()
	y = Convolve(y, Reshape(k, 1, 1, 1, ssimWindow)).ChannelsAxis(timage.ChannelsFirst).Strides(1).Done()
	yd := y.Shape().Dimensions
	return Reshape(y, d[0], d[1], yd[2], yd[3])
}

// ssimTaps returns the normalized 1D Gaussian window.
func ssimTaps() []float64 {
	taps := make([]float64, ssimWindow)
	sum := 0.0
	for i := range taps {
		t := float64(i - ssimWindow/2)
		taps[i] = math.Exp(-t * t / (2 * ssimSigma * ssimSigma))
		sum += taps[i]
	}
	for i := range taps {
		taps[i] /= sum
	}
	return taps
}

// avgPool2 halves x [N, C, H, W] by 2x2 averaging; odd sides are zero-padded at the end first, as
// avg_pool2d(2, padding=side%2) with count_include_pad does.
func avgPool2(x *Node) *Node {
	d := x.Shape().Dimensions
	h, w := d[2]+d[2]%2, d[3]+d[3]%2
	if h != d[2] || w != d[3] {
		x = Concatenate([]*Node{x, Zeros(x.Graph(), shapeLike(x, d[0], d[1], h-d[2], d[3]))}, 2)
		x = Concatenate([]*Node{x, Zeros(x.Graph(), shapeLike(x, d[0], d[1], h, w-d[3]))}, 3)
	}
	return ReduceMean(Reshape(x, d[0], d[1], h/2, 2, w/2, 2), 3, 5)
}

// to01 maps [-1, 1] to [0, 1].
func to01(x *Node) *Node { return MulScalar(AddScalar(x, 1), 0.5) }
