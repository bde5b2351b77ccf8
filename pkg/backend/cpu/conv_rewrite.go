package cpu

// Graph rewrites around ConvGeneral that remove work the convolution executor would otherwise spend on zeros,
// without changing what the graph computes (the GoMLX graph, and so the XLA backend, never sees them):
//
//   - Pad(x, 0, interior i) feeding a convolution's input becomes an input dilation of i+1 on x: a transposed
//     convolution written as "insert zeros, then convolve" (as EG3D's up-sampling layers are) runs as a true
//     transposed convolution, whose phase classes skip every inserted zero (convgeneral_packed.go), and the
//     zero-filled tensor (4x the input for stride 2) is never materialized.
//   - A strided Slice, or a cropping Pad, of a convolution's output becomes the convolution's own stride and
//     padding: the positions the slice drops are never computed. This is the input gradient of the above (the
//     gradient of the Pad takes every other value of a full-size convolution).
//
// The replaced nodes stay in the graph; when nothing else uses them the executor never runs them.

import (
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// isZeroScalarConstant reports whether node is a constant scalar 0 (of a float type).
func isZeroScalarConstant(node *Node) bool {
	if node.opType != backends.OpTypeConstant || !node.shape.IsScalar() {
		return false
	}
	switch flat := node.data.(*Buffer).flat.(type) {
	case []float32:
		return flat[0] == 0
	case []float64:
		return flat[0] == 0
	}
	return false
}

// convRewriteDType says whether the rewrites apply: only the packed executor handles every padding and
// dilation they produce.
func convRewriteDType(dtype dtypes.DType) bool {
	return dtype == dtypes.Float32 || dtype == dtypes.Float64
}

// foldInputPad returns the input, paddings and input dilations of a convolution whose input is a zero Pad
// (possibly with interior padding) of the spatial axes, with the Pad folded in; ok is false when it does not
// apply. The caller checks the resulting output shape.
func foldInputPad(input *Node, axes backends.ConvolveAxesConfig, paddings [][2]int, inputDilations []int) (
	newInput *Node, newPaddings [][2]int, newDilations []int, ok bool) {
	if input.opType != backends.OpTypePad || !convRewriteDType(input.shape.DType) || !isZeroScalarConstant(input.inputs[1]) {
		return nil, nil, nil, false
	}
	pad := input.data.(*padNode).axes
	for _, axis := range []int{axes.InputBatch, axes.InputChannels} {
		if pad[axis] != (backends.PadAxis{}) {
			return nil, nil, nil, false
		}
	}
	newPaddings = slices.Clone(paddings)
	newDilations = slices.Clone(inputDilations)
	for a, axis := range axes.InputSpatial {
		p := pad[axis]
		if p.Interior > 0 && newDilations[a] != 1 {
			return nil, nil, nil, false
		}
		// A crop (negative Pad) followed by zero padding is not a net padding: the crop removes real values.
		if (p.Start < 0 && paddings[a][0] > 0) || (p.End < 0 && paddings[a][1] > 0) {
			return nil, nil, nil, false
		}
		newDilations[a] = p.Interior + 1
		newPaddings[a][0] += p.Start
		newPaddings[a][1] += p.End
	}
	return input.inputs[0], newPaddings, newDilations, true
}

// sliceConvOutput returns a convolution computing Slice(conv, starts, limits, strides), or nil when conv is not a
// float convolution or the slice touches its batch or channel axes.
func (b *Builder) sliceConvOutput(conv *Node, starts, limits, strides []int) *Node {
	if conv.opType != backends.OpTypeConvGeneral || !convRewriteDType(conv.shape.DType) {
		return nil
	}
	p := conv.data.(*convNode)
	dims := conv.shape.Dimensions
	if len(strides) == 0 {
		strides = slices.Repeat([]int{1}, len(dims))
	}
	for _, axis := range []int{p.axes.OutputBatch, p.axes.OutputChannels} {
		if starts[axis] != 0 || limits[axis] != dims[axis] || strides[axis] != 1 {
			return nil
		}
	}
	input, kernel := conv.inputs[0], conv.inputs[1]
	newStrides := slices.Clone(p.strides)
	newPaddings := slices.Clone(p.paddings)
	wantDims := slices.Clone(dims)
	for a, axis := range p.axes.OutputSpatial {
		start, limit, step := starts[axis], limits[axis], strides[axis]
		n := (limit - start + step - 1) / step
		if n <= 0 {
			return nil
		}
		wantDims[axis] = n
		// Output position o' is old position start + o'·step, at input (start + o'·step)·stride - padLo + ...
		newStrides[a] = p.strides[a] * step
		newPaddings[a][0] = p.paddings[a][0] - start*p.strides[a]
		inDim := input.shape.Dimensions[p.axes.InputSpatial[a]]
		kDim := kernel.shape.Dimensions[p.axes.KernelSpatial[a]]
		dilatedIn := (inDim-1)*p.inputDilations[a] + 1
		dilatedK := (kDim-1)*p.kernelDilations[a] + 1
		// The smallest high padding that yields n outputs.
		newPaddings[a][1] = (n-1)*newStrides[a] + dilatedK - dilatedIn - newPaddings[a][0]
	}
	op, err := b.ConvGeneral(input, kernel, p.axes, newStrides, newPaddings, p.inputDilations, p.kernelDilations,
		p.channelGroupCount, p.batchGroupCount)
	if err != nil {
		return nil
	}
	node := op.(*Node)
	if !slices.Equal(node.shape.Dimensions, wantDims) {
		return nil
	}
	return node
}

// cropConvOutput returns a convolution computing Pad(conv, 0, axesConfig) when that Pad only crops (no positive
// or interior padding), or nil.
func (b *Builder) cropConvOutput(conv, fill *Node, axesConfig []backends.PadAxis) *Node {
	if conv.opType != backends.OpTypeConvGeneral || !isZeroScalarConstant(fill) {
		return nil
	}
	dims := conv.shape.Dimensions
	starts, limits := make([]int, len(dims)), slices.Clone(dims)
	for axis, c := range axesConfig {
		if c.Start > 0 || c.End > 0 || c.Interior != 0 {
			return nil
		}
		starts[axis], limits[axis] = -c.Start, dims[axis]+c.End
	}
	return b.sliceConvOutput(conv, starts, limits, nil)
}
