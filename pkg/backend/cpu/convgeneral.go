package cpu

import (
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/shapeinference"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/support/xslices"
	"github.com/pkg/errors"
)

func init() {
	setNodeExecutor(backends.OpTypeConvGeneral, priorityGeneric, execConvGeneral)
}

// ConvGeneral is a generic Convolution operation with support for:
//
// - Arbitrary number of spatial axes.
// - Arbitrary transposition of axes.
// - Strides and padding.
// - Dilations of the input.
// - Dilations of the kernel, aka. atrous convolution.
// - Feature grouping (on the input channels).
// - Batch grouping.
//
// Some details in https://www.tensorflow.org/xla/operation_semantics#convwithgeneralpadding_convolution.
// There operand and filter are called lhs and rhs.
// (XLA documentation is unfortunately poor, much is guess-work).
// Also useful, https://arxiv.org/pdf/1603.07285v1.pdf.
//
// Note: input is aka. operand; kernel is aka. "filters". The input and output "channels" are also known as "features dimensions".
func (b *Builder) ConvGeneral(inputOp, kernelOp backends.Op, axes backends.ConvolveAxesConfig,
	strides []int, paddings [][2]int,
	inputDilations, kernelDilations []int,
	channelGroupCount, batchGroupCount int) (backends.Op, error) {
	// Sanitize group count.
	channelGroupCount = max(channelGroupCount, 1)
	batchGroupCount = max(batchGroupCount, 1)

	opType := backends.OpTypeConvGeneral
	inputs, err := b.checkOps(opType.String(), inputOp, kernelOp)
	if err != nil {
		return nil, err
	}
	input, kernel := inputs[0], inputs[1]

	// Default strides and dilations to 1 before the shape inference: stock simplego passed nil strides on,
	// and shapeinference rejected them ("stride[0]=0 must be >= 1"), which broke every Convolve without an
	// explicit Strides() -- including the ones GoMLX's own conv gradient builds. A missing kernelDilations
	// also crashed the dilated/grouped executor (index out of range in a worker goroutine).
	spatialRank := max(input.shape.Rank()-2, 0) // A bad rank is reported by the shape inference below.
	strides = onesIfEmpty(strides, spatialRank)
	inputDilations = onesIfEmpty(inputDilations, spatialRank)
	kernelDilations = onesIfEmpty(kernelDilations, spatialRank)
	if len(paddings) == 0 {
		paddings = make([][2]int, spatialRank)
	} else {
		paddings = slices.Clone(paddings)
	}
	for i, dilation := range kernelDilations {
		if dilation <= 0 {
			kernelDilations[i] = 1
		}
	}
	for i, dilation := range inputDilations {
		if dilation <= 0 {
			inputDilations[i] = 1
		}
	}

	outputShape, err := shapeinference.ConvGeneralOp(input.shape, kernel.shape, axes, strides, paddings, inputDilations, kernelDilations, channelGroupCount, batchGroupCount)
	if err != nil {
		return nil, err
	}
	// A zero Pad of the input becomes padding and input dilation (conv_rewrite.go).
	if in, pads, dils, ok := foldInputPad(input, axes, paddings, inputDilations); ok {
		folded, err := shapeinference.ConvGeneralOp(in.shape, kernel.shape, axes, strides, pads, dils, kernelDilations, channelGroupCount, batchGroupCount)
		if err == nil && folded.Equal(outputShape) {
			input, paddings, inputDilations = in, pads, dils
		}
	}

	node := b.newNode(opType, outputShape, input, kernel)
	params := &convNode{
		axes:              axes.Clone(),
		strides:           strides,
		paddings:          paddings,
		inputDilations:    inputDilations,
		kernelDilations:   kernelDilations,
		channelGroupCount: channelGroupCount,
		batchGroupCount:   batchGroupCount,

		hasInputDilations:  slices.Max(append([]int{1}, inputDilations...)) > 1,
		hasKernelDilations: slices.Max(append([]int{1}, kernelDilations...)) > 1,
		inputStrides:       input.shape.Strides(),
		kernelStrides:      kernel.shape.Strides(),
	}

	// Generate static derived data that will be used during execution.
	params.dilatedInputSpatialDims = make([]int, spatialRank)
	params.inputSpatialStrides = make([]int, spatialRank)
	for spatialIdx, inputAxis := range axes.InputSpatial {
		params.inputSpatialStrides[spatialIdx] = params.inputStrides[inputAxis]
		dim := input.shape.Dimensions[inputAxis]
		if dim > 0 {
			params.dilatedInputSpatialDims[spatialIdx] = (dim-1)*inputDilations[spatialIdx] + 1
		}
	}
	params.geometry = newConvGeometry(input.shape, kernel.shape, outputShape, params)
	node.data = params
	return node, nil
}

// onesIfEmpty returns a copy of values, or n ones if values is empty.
func onesIfEmpty(values []int, n int) []int {
	if len(values) == 0 {
		return xslices.SliceWithValue(n, 1)
	}
	return slices.Clone(values)
}

type convNode struct {
	axes              backends.ConvolveAxesConfig
	strides           []int
	paddings          [][2]int
	inputDilations    []int
	kernelDilations   []int
	channelGroupCount int
	batchGroupCount   int

	hasInputDilations, hasKernelDilations            bool
	inputStrides, inputSpatialStrides, kernelStrides []int

	// dilatedInputSpatialDims holds the dimensions of the input spatial axes after applying the dilations.
	// For non-dilated dimensions it's the same as the original dimension.
	dilatedInputSpatialDims []int

	// geometry is the precomputed plan of the fast (packed matrix-multiplication) executor.
	geometry *convGeometry
}

// ConvGeneralDilated is a deprecated an alias to ConvGeneral.
//
// Deprecated: use ConvGeneral instead.
func (b *Builder) ConvGeneralDilated(inputOp, kernelOp backends.Op, axes backends.ConvolveAxesConfig,
	strides []int, paddings [][2]int,
	inputDilations, kernelDilations []int,
	channelGroupCount, batchGroupCount int) (backends.Op, error) {
	return b.ConvGeneral(inputOp, kernelOp, axes, strides, paddings, inputDilations, kernelDilations, channelGroupCount, batchGroupCount)
}

// execConvGeneral executes the DotGeneral by first normalizing and repackaging the tensors into blocks.
func execConvGeneral(backend *Backend, node *Node, inputs []*Buffer, _ []bool) (*Buffer, error) {
	input, kernel := inputs[0], inputs[1]
	params := node.data.(*convNode)
	outputShape := node.shape
	dtype := input.shape.DType
	output := backend.getBufferForShape(outputShape)
	if output == nil {
		return nil, errors.Errorf("failed allocating (out-of-memory?) output buffer shaped %s", outputShape)
	}
	switch dtype {
	case dtypes.Float32:
		execConvPacked(backend, params.geometry, input.flat.([]float32), kernel.flat.([]float32), output.flat.([]float32))
		return output, nil
	case dtypes.Float64:
		execConvPacked(backend, params.geometry, input.flat.([]float64), kernel.flat.([]float64), output.flat.([]float64))
		return output, nil
	}
	// Other dtypes: stock simplego's direct loops (slow, single-threaded).
	output.Zeros()

	// TODO(optimizations):
	// - Optimize order of axes iterations.
	// - Split input into cache-fitting buckets ?

	// Find execution plan:
	// - We iterate the axes in order they are laid out in memory for the **output**: so we prioritize visiting the output
	//   sequentially, and each output position is visited only once -- minimizing the number of cache flushes -- cache
	//   misses will only happen in the input (or kernel, if it is large).
	plan := convGeneralExecPlan{
		backend:     backend,
		dtype:       dtype,
		inputFlat:   input.flat,
		inputShape:  input.shape,
		kernelFlat:  kernel.flat,
		kernelShape: kernel.shape,
		outputFlat:  output.flat,
		outputShape: outputShape,
		params:      params,
	}
	var convFn func(convGeneralExecPlan) error
	if params.hasInputDilations || params.hasKernelDilations || params.channelGroupCount > 1 || params.batchGroupCount > 1 {
		// Full version.
		convFn = convDTypeMap.Get(dtype).(func(convGeneralExecPlan) error)
	} else {
		// Faster, but no dilation or grouping version.
		convFn = convNoDilationDTypeMap.Get(dtype).(func(plan convGeneralExecPlan) error)
	}
	err := convFn(plan)
	if err != nil {
		backend.putBuffer(output)
		return nil, err
	}
	return output, nil
}

type convGeneralExecPlan struct {
	backend                              backends.Backend
	inputFlat, kernelFlat, outputFlat    any
	inputShape, kernelShape, outputShape shapes.Shape
	params                               *convNode
	dtype                                dtypes.DType
}

var (
	convNoDilationDTypeMap = NewDTypeMap("ConvNoDilation")
	convDTypeMap           = NewDTypeMap("ConvGeneral")
)

func init() {
	convNoDilationDTypeMap.Register(dtypes.BFloat16, priorityTyped, execConvNoDilationBFloat16)
	convDTypeMap.Register(dtypes.BFloat16, priorityTyped, execConvBFloat16)
}
