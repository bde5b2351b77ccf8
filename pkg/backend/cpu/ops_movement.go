package cpu

// Data-movement ops stock simplego v0.26.0 lacks: Pad, Reverse, DynamicSlice and DynamicUpdateSlice.
// Their absence broke the gradients of Slice/SliceAxis/Split, CumSum, SumPool/MeanPool and convolutions.
//
// They only move elements, so the executors work on raw bytes and serve every dtype at once.

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/pkg/errors"
	"slices"
)

func init() {
	setNodeExecutor(backends.OpTypePad, priorityGeneric, execPad)
	setNodeExecutor(backends.OpTypeReverse, priorityGeneric, execReverse)
	setNodeExecutor(backends.OpTypeDynamicSlice, priorityGeneric, execDynamicSlice)
	setNodeExecutor(backends.OpTypeDynamicUpdateSlice, priorityGeneric, execDynamicUpdateSlice)
}

// Pad ================================================================================================================

// padNode is attached to Node.data for Pad.
type padNode struct {
	axes []backends.PadAxis // One per axis of the operand.
}

// Pad implements backends.Builder (XLA semantics): Start/End may be negative (cropping), Interior >= 0 inserts
// that many fill values between consecutive elements.
func (b *Builder) Pad(operandOp, fillValueOp backends.Op, axesConfig ...backends.PadAxis) (backends.Op, error) {
	opType := backends.OpTypePad
	inputs, err := b.checkOps(opType.String(), operandOp, fillValueOp)
	if err != nil {
		return nil, err
	}
	operand, fill := inputs[0], inputs[1]
	if !fill.shape.IsScalar() || fill.shape.DType != operand.shape.DType {
		return nil, errors.Errorf("Pad: fill value must be a scalar of dtype %s, got %s", operand.shape.DType, fill.shape)
	}
	rank := operand.shape.Rank()
	if len(axesConfig) > rank {
		return nil, errors.Errorf("Pad: %d axes configured for operand %s of rank %d", len(axesConfig), operand.shape, rank)
	}
	axes := make([]backends.PadAxis, rank)
	copy(axes, axesConfig)
	dims := make([]int, rank)
	for axis, conf := range axes {
		if conf.Interior < 0 {
			return nil, errors.Errorf("Pad: axis %d has negative interior padding %d", axis, conf.Interior)
		}
		dim := operand.shape.Dimensions[axis]
		dims[axis] = conf.Start + conf.End + dim + max(dim-1, 0)*conf.Interior
		if dims[axis] < 0 {
			return nil, errors.Errorf("Pad: axis %d of operand %s padded by %+v has negative size %d",
				axis, operand.shape, conf, dims[axis])
		}
	}
	// A cropping of a convolution's output is a convolution with less padding (conv_rewrite.go).
	if conv := b.cropConvOutput(operand, fill, axes); conv != nil && slices.Equal(conv.shape.Dimensions, dims) {
		return conv, nil
	}
	node := b.newNode(opType, shapes.Make(operand.shape.DType, dims...), operand, fill)
	node.data = &padNode{axes: axes}
	return node, nil
}

func execPad(backend *Backend, node *Node, inputs []*Buffer, _ []bool) (*Buffer, error) {
	operand, fill := inputs[0], inputs[1]
	output := backend.getBufferForShape(node.shape)
	if node.shape.Size() == 0 {
		return output, nil
	}
	elemSize := node.shape.DType.Size()
	outBytes := output.mutableBytes()
	fillBytes := fill.mutableBytes()
	for i := 0; i < len(outBytes); i += elemSize {
		copy(outBytes[i:i+elemSize], fillBytes)
	}
	if operand.shape.Size() == 0 {
		return output, nil
	}
	inBytes := operand.mutableBytes()
	axes := node.data.(*padNode).axes
	inDims, outDims := operand.shape.Dimensions, node.shape.Dimensions
	rank := len(inDims)
	if rank == 0 {
		copy(outBytes, inBytes)
		return output, nil
	}
	outStrides := calculateStrides(outDims)

	// Walk the operand row by row (all axes but the last), placing each row in the output.
	last := rank - 1
	rowLen := inDims[last]
	lastStep := axes[last].Interior + 1
	idx := make([]int, rank)
	for inRowStart := 0; inRowStart < len(inBytes); inRowStart += rowLen * elemSize {
		outBase, inside := 0, true
		for axis := range last {
			pos := axes[axis].Start + idx[axis]*(axes[axis].Interior+1)
			if pos < 0 || pos >= outDims[axis] {
				inside = false
				break
			}
			outBase += pos * outStrides[axis]
		}
		if inside {
			for i := range rowLen {
				pos := axes[last].Start + i*lastStep
				if pos < 0 || pos >= outDims[last] {
					continue
				}
				o := (outBase + pos) * elemSize
				copy(outBytes[o:o+elemSize], inBytes[inRowStart+i*elemSize:])
			}
		}
		// Advance the row index (odometer over all axes but the last).
		for axis := last - 1; axis >= 0; axis-- {
			idx[axis]++
			if idx[axis] < inDims[axis] {
				break
			}
			idx[axis] = 0
		}
	}
	return output, nil
}

// Reverse ============================================================================================================

// Reverse implements backends.Builder: it reverses the order of the elements along the given axes.
func (b *Builder) Reverse(operandOp backends.Op, axes ...int) (backends.Op, error) {
	opType := backends.OpTypeReverse
	inputs, err := b.checkOps(opType.String(), operandOp)
	if err != nil {
		return nil, err
	}
	operand := inputs[0]
	reversed := make([]bool, operand.shape.Rank())
	for _, axis := range axes {
		if axis < 0 || axis >= operand.shape.Rank() {
			return nil, errors.Errorf("Reverse: axis %d out of range for operand %s", axis, operand.shape)
		}
		reversed[axis] = true
	}
	node := b.newNode(opType, operand.shape.Clone(), operand)
	node.data = reversed
	return node, nil
}

func execReverse(backend *Backend, node *Node, inputs []*Buffer, _ []bool) (*Buffer, error) {
	operand := inputs[0]
	output := backend.getBufferForShape(node.shape)
	if node.shape.Size() == 0 {
		return output, nil
	}
	reversed := node.data.([]bool)
	elemSize := node.shape.DType.Size()
	inBytes, outBytes := operand.mutableBytes(), output.mutableBytes()
	dims := node.shape.Dimensions
	rank := len(dims)
	if rank == 0 {
		copy(outBytes, inBytes)
		return output, nil
	}
	strides := calculateStrides(dims)
	last := rank - 1
	rowLen := dims[last]
	idx := make([]int, rank)
	for outRowStart := 0; outRowStart < len(outBytes); outRowStart += rowLen * elemSize {
		inBase := 0
		for axis := range last {
			i := idx[axis]
			if reversed[axis] {
				i = dims[axis] - 1 - i
			}
			inBase += i * strides[axis]
		}
		if reversed[last] {
			for i := range rowLen {
				src := (inBase + rowLen - 1 - i) * elemSize
				copy(outBytes[outRowStart+i*elemSize:outRowStart+(i+1)*elemSize], inBytes[src:])
			}
		} else {
			copy(outBytes[outRowStart:outRowStart+rowLen*elemSize], inBytes[inBase*elemSize:])
		}
		for axis := last - 1; axis >= 0; axis-- {
			idx[axis]++
			if idx[axis] < dims[axis] {
				break
			}
			idx[axis] = 0
		}
	}
	return output, nil
}

// DynamicSlice and DynamicUpdateSlice ================================================================================

// DynamicSlice implements backends.Builder: a slice of sizes sliceDims starting at the runtime startIndices (one
// integer scalar per axis), each clamped to [0, dim-size] as in XLA.
func (b *Builder) DynamicSlice(operandOp backends.Op, startIndicesOps []backends.Op, sliceDims []int) (backends.Op, error) {
	opType := backends.OpTypeDynamicSlice
	inputs, err := b.checkOps(opType.String(), append([]backends.Op{operandOp}, startIndicesOps...)...)
	if err != nil {
		return nil, err
	}
	operand := inputs[0]
	if err := checkStartIndices(opType, operand.shape, inputs[1:]); err != nil {
		return nil, err
	}
	if len(sliceDims) != operand.shape.Rank() {
		return nil, errors.Errorf("DynamicSlice: %d slice sizes for operand %s", len(sliceDims), operand.shape)
	}
	for axis, size := range sliceDims {
		if size < 0 || size > operand.shape.Dimensions[axis] {
			return nil, errors.Errorf("DynamicSlice: slice size %d for axis %d of operand %s out of range",
				size, axis, operand.shape)
		}
	}
	return b.newNode(opType, shapes.Make(operand.shape.DType, sliceDims...), inputs...), nil
}

// DynamicUpdateSlice implements backends.Builder: operand with the box at startIndices (clamped as in XLA)
// replaced by update.
func (b *Builder) DynamicUpdateSlice(operandOp, updateOp backends.Op, startIndicesOps []backends.Op) (backends.Op, error) {
	opType := backends.OpTypeDynamicUpdateSlice
	inputs, err := b.checkOps(opType.String(), append([]backends.Op{operandOp, updateOp}, startIndicesOps...)...)
	if err != nil {
		return nil, err
	}
	operand, update := inputs[0], inputs[1]
	if err := checkStartIndices(opType, operand.shape, inputs[2:]); err != nil {
		return nil, err
	}
	if update.shape.DType != operand.shape.DType || update.shape.Rank() != operand.shape.Rank() {
		return nil, errors.Errorf("DynamicUpdateSlice: update %s does not match operand %s", update.shape, operand.shape)
	}
	for axis, size := range update.shape.Dimensions {
		if size > operand.shape.Dimensions[axis] {
			return nil, errors.Errorf("DynamicUpdateSlice: update %s larger than operand %s on axis %d",
				update.shape, operand.shape, axis)
		}
	}
	return b.newNode(opType, operand.shape.Clone(), inputs...), nil
}

func checkStartIndices(opType backends.OpType, operand shapes.Shape, starts []*Node) error {
	if len(starts) != operand.Rank() {
		return errors.Errorf("%s: %d start indices for operand %s, want one per axis", opType, len(starts), operand)
	}
	for i, start := range starts {
		if !start.shape.IsScalar() || !start.shape.DType.IsInt() {
			return errors.Errorf("%s: start index #%d must be an integer scalar, got %s", opType, i, start.shape)
		}
	}
	return nil
}

// clampedStarts reads the start index buffers and clamps them so a box of boxDims fits in dims.
func clampedStarts(starts []*Buffer, dims, boxDims []int) []int {
	out := make([]int, len(starts))
	for axis, buf := range starts {
		out[axis] = min(max(scalarToInt(buf), 0), dims[axis]-boxDims[axis])
	}
	return out
}

// scalarToInt returns the value of an integer scalar buffer.
func scalarToInt(buf *Buffer) int {
	switch flat := buf.flat.(type) {
	case []int8:
		return int(flat[0])
	case []int16:
		return int(flat[0])
	case []int32:
		return int(flat[0])
	case []int64:
		return int(flat[0])
	case []uint8:
		return int(flat[0])
	case []uint16:
		return int(flat[0])
	case []uint32:
		return int(flat[0])
	case []uint64:
		return int(min(flat[0], uint64(int(^uint(0)>>1))))
	}
	panic(errors.Errorf("start index of dtype %s is not an integer", buf.shape.DType))
}

// copyBox copies the box of boxDims elements at srcStart in src (dims srcDims) to dstStart in dst (dims dstDims),
// all raw bytes of elements of elemSize bytes.
func copyBox(dst []byte, dstDims, dstStart []int, src []byte, srcDims, srcStart []int, boxDims []int, elemSize int) {
	rank := len(boxDims)
	size := 1
	for _, d := range boxDims {
		size *= d
	}
	if size == 0 {
		return
	}
	if rank == 0 {
		copy(dst[:elemSize], src)
		return
	}
	dstStrides, srcStrides := calculateStrides(dstDims), calculateStrides(srcDims)
	last := rank - 1
	rowBytes := boxDims[last] * elemSize
	idx := make([]int, rank)
	for {
		d, s := dstStart[last], srcStart[last]
		for axis := range last {
			d += (dstStart[axis] + idx[axis]) * dstStrides[axis]
			s += (srcStart[axis] + idx[axis]) * srcStrides[axis]
		}
		copy(dst[d*elemSize:d*elemSize+rowBytes], src[s*elemSize:s*elemSize+rowBytes])
		axis := last - 1
		for ; axis >= 0; axis-- {
			idx[axis]++
			if idx[axis] < boxDims[axis] {
				break
			}
			idx[axis] = 0
		}
		if axis < 0 {
			return
		}
	}
}

func execDynamicSlice(backend *Backend, node *Node, inputs []*Buffer, _ []bool) (*Buffer, error) {
	operand := inputs[0]
	output := backend.getBufferForShape(node.shape)
	if node.shape.Size() == 0 {
		return output, nil
	}
	starts := clampedStarts(inputs[1:], operand.shape.Dimensions, node.shape.Dimensions)
	copyBox(output.mutableBytes(), node.shape.Dimensions, make([]int, len(starts)),
		operand.mutableBytes(), operand.shape.Dimensions, starts, node.shape.Dimensions, node.shape.DType.Size())
	return output, nil
}

func execDynamicUpdateSlice(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	operand, update := inputs[0], inputs[1]
	var output *Buffer
	if inputsOwned[0] {
		// Update in place: the operand buffer is ours and not used after this op.
		output = operand
		inputs[0] = nil
	} else {
		output = backend.cloneBuffer(operand)
	}
	if node.shape.Size() == 0 || update.shape.Size() == 0 {
		return output, nil
	}
	starts := clampedStarts(inputs[2:], node.shape.Dimensions, update.shape.Dimensions)
	copyBox(output.mutableBytes(), node.shape.Dimensions, starts,
		update.mutableBytes(), update.shape.Dimensions, make([]int, len(starts)), update.shape.Dimensions,
		node.shape.DType.Size())
	return output, nil
}
