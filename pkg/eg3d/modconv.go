package eg3d

import (
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	timage "github.com/gomlx/gomlx/pkg/core/tensors/images"
)

// firTaps is EG3D's [1,3,3,1] resampling filter, normalized to sum 1 and multiplied by the up-sampling factor 2:
// upfirdn2d applies outer(f, f)/64 with gain 4, which separates into these taps along each axis.
var firTaps = [4]float64{0.25, 0.75, 0.75, 0.25}

// conv2d is torch.nn.functional.conv2d (a correlation) for NCHW x and OIHW kernel with symmetric padding.
func conv2d(x, kernel *Node, padding int) *Node {
	c := Convolve(x, kernel).ChannelsAxis(timage.ChannelsFirst).Strides(1)
	if padding > 0 {
		c = c.PaddingPerDim([][2]int{{padding, padding}, {padding, padding}})
	}
	return c.Done()
}

// ModulatedConv2d is StyleGAN2's modulated convolution (modulated_conv2d in the official code) for x [B,I,H,W],
// weight [O,I,k,k] and styles [B,I]: scale the inputs by the styles, convolve, and, with demodulate, scale
// each output channel back to unit variance. up doubles the resolution as conv2d_resample does: a stride-2
// transposed convolution followed by the [1,3,3,1] low-pass filter.
//
// It runs the official non-fused path (scale activations rather than weights), which EG3D uses in training;
// the fused grouped convolution it uses at inference computes the same values.
func ModulatedConv2d(x, weight, styles *Node, demodulate, up bool) *Node {
	b, in := styles.Shape().Dimensions[0], styles.Shape().Dimensions[1]
	k := weight.Shape().Dimensions[2]
	x = Mul(x, Reshape(styles, b, in, 1, 1))
	if up {
		x = convTranspose2x(x, weight)
		x = fir(x, 1, 1)
	} else {
		x = conv2d(x, weight, k/2)
	}
	if demodulate {
		// Σ_{i,k} (W[o,i,k]·s[b,i])² = Σ_i s[b,i]²·Σ_k W[o,i,k]²: one small matmul instead of a [B,O,I,k,k] tensor.
		wsq := ReduceSum(Square(weight), 2, 3)
		d := Einsum("bi,oi->bo", Square(styles), wsq)
		d = Div(OnesLike(d), Sqrt(AddScalar(d, 1e-8)))
		x = Mul(x, Reshape(d, b, -1, 1, 1))
	}
	return x
}

// convTranspose2x is conv2d_resample's transposed convolution with stride 2 and no padding for a 3x3 kernel
// in EG3D's layout ([O,I,k,k], not flipped): it inserts a zero between input pixels, pads by k-1 and
// correlates with the spatially reversed kernel. Output side: 2H+1.
func convTranspose2x(x, weight *Node) *Node {
	k := weight.Shape().Dimensions[2]
	zero := ScalarZero(x.Graph(), x.DType())
	p := backends.PadAxis{Start: k - 1, End: k - 1, Interior: 1}
	x = Pad(x, zero, backends.PadAxis{}, backends.PadAxis{}, p, p)
	return conv2d(x, Reverse(weight, 2, 3), 0)
}

// fir pads x [B,C,H,W] by (before, after) on both spatial axes and filters it with the separable [1,3,3,1]
// taps; it is upfirdn2d with up=down=1 and gain 4. Output side: H + before + after - 3.
func fir(x *Node, before, after int) *Node {
	zero := ScalarZero(x.Graph(), x.DType())
	p := backends.PadAxis{Start: before, End: after}
	x = Pad(x, zero, backends.PadAxis{}, backends.PadAxis{}, p, p)
	return firAxis(firAxis(x, 2), 3)
}

// firAxis correlates x with firTaps along axis, without padding (the result is 3 shorter).
func firAxis(x *Node, axis int) *Node {
	n := x.Shape().Dimensions[axis] - len(firTaps) + 1
	var y *Node
	for i, t := range firTaps {
		term := MulScalar(SliceAxis(x, axis, AxisRange(i, i+n)), t)
		if y == nil {
			y = term
		} else {
			y = Add(y, term)
		}
	}
	return y
}

// Upsample2d is upfirdn2d.upsample2d with EG3D's filter: it doubles the resolution of x [B,C,H,W] by inserting
// zeros and low-pass filtering (gain 4), as the skip architecture does to the running image.
func Upsample2d(x *Node) *Node {
	zero := ScalarZero(x.Graph(), x.DType())
	p := backends.PadAxis{Start: 2, End: 2, Interior: 1}
	x = Pad(x, zero, backends.PadAxis{}, backends.PadAxis{}, p, p)
	return firAxis(firAxis(x, 2), 3)
}
