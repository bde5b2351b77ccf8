package lpips

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// ProjectorSize is the side the StyleGAN2 and EG3D projectors shrink images to before their perceptual loss.
const ProjectorSize = 256

// Downsample returns the NCHW images x resized to size x size by area averaging when x is taller than size,
// and x itself otherwise: what the StyleGAN2/EG3D projectors do before the perceptual loss
// (`if img.shape[2] > 256: img = F.interpolate(img, size=(256, 256), mode='area')`), with size
// ProjectorSize. Like them, it assumes square images.
func Downsample(x *Node, size int) *Node {
	if x.Rank() != 4 {
		panic(fmt.Errorf("lpips.Downsample: x must be NCHW (rank 4), got shape %s", x.Shape()))
	}
	if x.Shape().Dim(2) <= size {
		return x
	}
	return ResizeArea(x, size, size)
}

// ResizeArea resizes the NCHW images x to outH x outW as PyTorch's F.interpolate(mode='area'), i.e.
// adaptive average pooling: output pixel i along an axis of n input pixels averages the input pixels
// floor(i·n/out) to ceil((i+1)·n/out) - 1. For an integer factor that is the plain mean over factor x factor
// blocks. It is separable and linear, done with two constant matrices, so its gradient is exact.
//
// It panics (GoMLX style) if x is not rank 4 or a size is not positive.
func ResizeArea(x *Node, outH, outW int) *Node {
	if x.Rank() != 4 {
		panic(fmt.Errorf("lpips.ResizeArea: x must be NCHW (rank 4), got shape %s", x.Shape()))
	}
	if outH <= 0 || outW <= 0 {
		panic(fmt.Errorf("lpips.ResizeArea: output size %dx%d must be positive, x shape %s", outH, outW, x.Shape()))
	}
	g := x.Graph()
	if inW := x.Shape().Dim(3); inW != outW {
		x = Einsum("nchw,vw->nchv", x, ConvertDType(Const(g, areaMatrix(inW, outW)), x.DType()))
	}
	if inH := x.Shape().Dim(2); inH != outH {
		x = Einsum("nchw,uh->ncuw", x, ConvertDType(Const(g, areaMatrix(inH, outH)), x.DType()))
	}
	return x
}

// areaMatrix returns the [out, in] matrix of adaptive average pooling along one axis.
func areaMatrix(in, out int) *tensors.Tensor {
	m := make([]float64, out*in)
	for i := range out {
		start := i * in / out             // floor
		end := ((i+1)*in + out - 1) / out // ceil
		for j := start; j < end; j++ {
			m[i*in+j] = 1 / float64(end-start)
		}
	}
	return tensors.FromFlatDataAndDimensions(m, out, in)
}
