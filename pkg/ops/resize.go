package ops

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// ResizeBilinear resizes the images x, shaped [batch, channels, height, width] (NCHW), to outH x outW exactly
// as PyTorch's F.interpolate(x, size=(outH, outW), mode='bilinear', align_corners=False, antialias=antialias).
//
// Resampling is separable and linear, so it is done as two constant matrices applied along H and W (Einsum):
// the gradient is then exact on every backend, unlike GoMLX's Interpolate(...).Bilinear(), whose gradient goes
// through GatherSlices (see backend.InstallGradients). With antialias, downsampling averages over the footprint of each
// output pixel (PyTorch's triangle filter widened by the scale); upsampling is the same either way.
//
// It panics (GoMLX style) if x is not rank 4 or a size is not positive.
func ResizeBilinear(x *Node, outH, outW int, antialias bool) *Node {
	if x.Rank() != 4 {
		panic(fmt.Sprintf("ops.ResizeBilinear: x must be NCHW (rank 4), got shape %s", x.Shape()))
	}
	if outH <= 0 || outW <= 0 {
		panic(fmt.Sprintf("ops.ResizeBilinear: output size %dx%d must be positive, x shape %s", outH, outW, x.Shape()))
	}
	inH, inW := x.Shape().Dim(2), x.Shape().Dim(3)
	g := x.Graph()
	if inW != outW {
		w := ConvertDType(Const(g, resizeMatrix(inW, outW, antialias)), x.DType())
		x = Einsum("nchw,vw->nchv", x, w)
	}
	if inH != outH {
		h := ConvertDType(Const(g, resizeMatrix(inH, outH, antialias)), x.DType())
		x = Einsum("nchw,uh->ncuw", x, h)
	}
	return x
}

// resizeMatrix returns the [out, in] matrix of weights that resamples a line of in pixels to out pixels.
func resizeMatrix(in, out int, antialias bool) *tensors.Tensor {
	m := make([]float64, out*in)
	for i := range out {
		for j, w := range resizeWeights(in, out, i, antialias) {
			m[i*in+j] += w
		}
	}
	return tensors.FromFlatDataAndDimensions(m, out, in)
}

// resizeWeights returns the weights of each input pixel for output pixel i, following PyTorch's
// upsample_bilinear2d (align_corners=False) and, with antialias, _upsample_bilinear2d_aa.
func resizeWeights(in, out, i int, antialias bool) map[int]float64 {
	scale := float64(in) / float64(out)
	weights := map[int]float64{}
	if antialias && scale > 1 {
		// Triangle filter of half-width `support` input pixels, centred on the output pixel's footprint,
		// normalized over the taps inside the image. Truncation (not floor) mirrors PyTorch's int64 casts.
		support := scale
		center := scale * (float64(i) + 0.5)
		lo := max(int(math.Trunc(center-support+0.5)), 0)
		hi := min(int(math.Trunc(center+support+0.5)), in)
		var total float64
		for j := lo; j < hi; j++ {
			w := max(0, 1-math.Abs((float64(j)-center+0.5)/scale))
			weights[j] = w
			total += w
		}
		if total > 0 {
			for j := range weights {
				weights[j] /= total
			}
		}
		return weights
	}
	// Plain bilinear: the source coordinate of the output pixel centre, clamped at 0; the right neighbour is
	// clamped to the last pixel. (Upsampling with antialias gives the same weights.)
	src := max(scale*(float64(i)+0.5)-0.5, 0)
	i0 := min(int(src), in-1)
	i1 := min(i0+1, in-1)
	frac := src - float64(i0)
	weights[i0] += 1 - frac
	weights[i1] += frac
	return weights
}
