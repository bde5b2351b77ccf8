package backend

import (
	"slices"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// GoMLX v0.26.0's ConvGeneral VJP derives its padding from a centred kernel, which is wrong for even kernel
// sizes, refuses input dilation (so a transposed convolution has no gradient), and its grouped version feeds
// the wrong tensor as the reverse kernel. The override below is the standard transpose rule of a general
// dilated convolution (the one JAX's lax.conv_general_dilated uses, re-derived here): both gradients are again
// ConvGeneral ops,
//
//	dx = conv(v, reversed kernel with in/out channels swapped; window strides = input dilation,
//	          input dilation = strides, kernel dilation kept, padding from lhsPadding)
//	dk = conv(x with batch/channels swapped, v with batch/channels swapped as the kernel; window strides =
//	          kernel dilation, input dilation kept, kernel dilation = strides, padding from rhsPadding)
//
// with channel groups and batch groups exchanging roles between the two. It holds for any kernel size,
// stride, padding (negative too), dilation and grouping, and for every backend (XLA included).

// convGeneralVJP is the VJP of ConvGeneral.
func convGeneralVJP(node, v *Node, _ shapes.Shape) []*Node {
	p := paramsOf(node)
	x, kernel := node.Inputs()[0], node.Inputs()[1]
	c := convParams{
		axes:              p.ConvAxes("axes"),
		strides:           p.Ints("strides"),
		paddings:          p.Pairs("paddings"),
		inputDilations:    p.Ints("inputDilations"),
		kernelDilations:   p.Ints("kernelDilations"),
		channelGroupCount: max(p.Int("channelGroupCount"), 1),
		batchGroupCount:   max(p.Int("batchGroupCount"), 1),
	}
	c.normalize(x.Rank() - 2)
	return []*Node{convInputGradient(c, x, kernel, v), convKernelGradient(c, x, kernel, v)}
}

// convParams are the static parameters of a ConvGeneral, with every per-axis slice filled in.
type convParams struct {
	axes                               backends.ConvolveAxesConfig
	strides                            []int
	paddings                           [][2]int
	inputDilations, kernelDilations    []int
	channelGroupCount, batchGroupCount int
}

func (c *convParams) normalize(spatialRank int) {
	ones := func(values []int) []int {
		if len(values) == 0 {
			values = make([]int, spatialRank)
		}
		for i := range values {
			values[i] = max(values[i], 1)
		}
		return values
	}
	c.strides = ones(c.strides)
	c.inputDilations = ones(c.inputDilations)
	c.kernelDilations = ones(c.kernelDilations)
	if len(c.paddings) == 0 {
		c.paddings = make([][2]int, spatialRank)
	}
}

// dilatedSize is the size of an axis of size d after inserting k-1 holes between its elements.
func dilatedSize(d, k int) int {
	if d == 0 {
		return 0
	}
	return 1 + k*(d-1)
}

// convInputGradient returns the gradient of ConvGeneral with respect to its input x.
func convInputGradient(c convParams, x, kernel, v *Node) *Node {
	axes := c.axes
	groups := c.channelGroupCount
	if c.batchGroupCount > 1 {
		groups = c.batchGroupCount
	}
	if groups > 1 {
		// Move the group factor of the kernel's output channels into its input channels (group-major), so the
		// transposed convolution below can be a channel-grouped one.
		kernel = splitAxis(kernel, axes.KernelOutputChannels, groups)
		kernel = mergeAxisInto(kernel, axes.KernelOutputChannels, axes.KernelInputChannels)
	}

	numSpatial := len(axes.InputSpatial)
	paddings := make([][2]int, numSpatial)
	for a := range numSpatial {
		inDilated := dilatedSize(x.Shape().Dim(axes.InputSpatial[a]), c.inputDilations[a])
		kDilated := dilatedSize(kernel.Shape().Dim(axes.KernelSpatial[a]), c.kernelDilations[a])
		outDilated := dilatedSize(v.Shape().Dim(axes.OutputSpatial[a]), c.strides[a])
		before := kDilated - c.paddings[a][0] - 1
		after := inDilated + kDilated - 1 - outDilated - before
		paddings[a] = [2]int{before, after}
	}
	transposed := backends.ConvolveAxesConfig{
		InputBatch: axes.OutputBatch, InputChannels: axes.OutputChannels, InputSpatial: axes.OutputSpatial,
		KernelOutputChannels: axes.KernelInputChannels, KernelInputChannels: axes.KernelOutputChannels,
		KernelSpatial: axes.KernelSpatial,
		OutputBatch:   axes.InputBatch, OutputChannels: axes.InputChannels, OutputSpatial: axes.InputSpatial,
	}
	grad := ConvGeneral(v, Reverse(kernel, axes.KernelSpatial...), transposed,
		c.inputDilations, paddings, c.strides, c.kernelDilations, groups, 1)
	if c.batchGroupCount > 1 {
		// The batch groups came out as channel groups: move them back to the (group-major) batch axis.
		grad = splitAxis(grad, axes.InputChannels, c.batchGroupCount)
		grad = mergeAxisInto(grad, axes.InputChannels, axes.InputBatch)
	}
	return grad
}

// convKernelGradient returns the gradient of ConvGeneral with respect to its kernel.
func convKernelGradient(c convParams, x, kernel, v *Node) *Node {
	axes := c.axes
	channelGroups, batchGroups := 1, 1
	if c.batchGroupCount > 1 {
		channelGroups = c.batchGroupCount
	} else if c.channelGroupCount > 1 {
		batchGroups = c.channelGroupCount
	}
	numSpatial := len(axes.InputSpatial)
	paddings := make([][2]int, numSpatial)
	for a := range numSpatial {
		inDilated := dilatedSize(x.Shape().Dim(axes.InputSpatial[a]), c.inputDilations[a])
		kDilated := dilatedSize(kernel.Shape().Dim(axes.KernelSpatial[a]), c.kernelDilations[a])
		outDilated := dilatedSize(v.Shape().Dim(axes.OutputSpatial[a]), c.strides[a])
		lo := c.paddings[a][0]
		paddings[a] = [2]int{lo, outDilated - inDilated + kDilated - lo - 1}
	}
	transposed := backends.ConvolveAxesConfig{
		InputBatch: axes.InputChannels, InputChannels: axes.InputBatch, InputSpatial: axes.InputSpatial,
		KernelOutputChannels: axes.OutputChannels, KernelInputChannels: axes.OutputBatch,
		KernelSpatial: axes.OutputSpatial,
		OutputBatch:   axes.KernelInputChannels, OutputChannels: axes.KernelOutputChannels,
		OutputSpatial: axes.KernelSpatial,
	}
	return ConvGeneral(x, v, transposed, c.kernelDilations, paddings, c.inputDilations, c.strides,
		channelGroups, batchGroups)
}

// splitAxis reshapes axis of x (size n) into two axes (size, n/size), the first one major, at axis and axis+1.
func splitAxis(x *Node, axis, size int) *Node {
	dims := slices.Clone(x.Shape().Dimensions)
	dims = slices.Insert(dims, axis, size)
	dims[axis+1] /= size
	return Reshape(x, dims...)
}

// mergeAxisInto removes axis src of x and merges it, as the major factor, into axis dst, where dst is numbered
// as if src were already removed.
func mergeAxisInto(x *Node, src, dst int) *Node {
	rank := x.Rank()
	permutation := make([]int, 0, rank)
	for axis := range rank {
		if axis != src {
			permutation = append(permutation, axis)
		}
	}
	permutation = slices.Insert(permutation, dst, src)
	moved := x
	if !isIdentity(permutation) {
		moved = TransposeAllAxes(x, permutation...)
	}
	dims := slices.Clone(moved.Shape().Dimensions)
	dims[dst] *= dims[dst+1]
	dims = slices.Delete(dims, dst+1, dst+2)
	return Reshape(moved, dims...)
}
