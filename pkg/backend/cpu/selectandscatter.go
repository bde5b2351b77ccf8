package cpu

// SelectAndScatterMax/Min: the gradient of MaxPool/MinPool (ReduceWindow Max/Min), missing in stock simplego.

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/shapeinference"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/pkg/errors"
)

func init() {
	setNodeExecutor(backends.OpTypeSelectAndScatterMax, priorityGeneric, execSelectAndScatter)
	setNodeExecutor(backends.OpTypeSelectAndScatterMin, priorityGeneric, execSelectAndScatter)
}

// selectAndScatterNode is attached to Node.data for SelectAndScatterMax/Min.
type selectAndScatterNode struct {
	isMax          bool
	window, stride []int
	paddings       [][2]int
}

// SelectAndScatterMax implements backends.Builder: for each window of operand (as in ReduceWindow with the same
// window, strides and paddings), the matching value of source is added to the output at the position of the
// window's maximum (the first one on ties; padding is never selected). The output is shaped like operand.
func (b *Builder) SelectAndScatterMax(operandOp, sourceOp backends.Op, windowDimensions, windowStrides []int, paddings [][2]int) (backends.Op, error) {
	return b.selectAndScatter(backends.OpTypeSelectAndScatterMax, operandOp, sourceOp, windowDimensions, windowStrides, paddings)
}

// SelectAndScatterMin implements backends.Builder, as SelectAndScatterMax but selecting the window minimum.
func (b *Builder) SelectAndScatterMin(operandOp, sourceOp backends.Op, windowDimensions, windowStrides []int, paddings [][2]int) (backends.Op, error) {
	return b.selectAndScatter(backends.OpTypeSelectAndScatterMin, operandOp, sourceOp, windowDimensions, windowStrides, paddings)
}

func (b *Builder) selectAndScatter(opType backends.OpType, operandOp, sourceOp backends.Op, window, strides []int, paddings [][2]int) (backends.Op, error) {
	inputs, err := b.checkOps(opType.String(), operandOp, sourceOp)
	if err != nil {
		return nil, err
	}
	operand, source := inputs[0], inputs[1]
	rank := operand.shape.Rank()
	if len(window) != rank {
		return nil, errors.Errorf("%s: %d window dimensions for operand %s", opType, len(window), operand.shape)
	}
	if strides == nil {
		strides = window
	}
	if paddings == nil {
		paddings = make([][2]int, rank)
	}
	windowShape, err := shapeinference.ReduceWindowOp(operand.shape, window, strides, nil, nil, paddings)
	if err != nil {
		return nil, err
	}
	if !windowShape.Equal(source.shape) {
		return nil, errors.Errorf("%s: source %s must be shaped like the windows of operand %s: %s",
			opType, source.shape, operand.shape, windowShape)
	}
	switch operand.shape.DType {
	case dtypes.Float32, dtypes.Float64, dtypes.Int32, dtypes.Int64:
	default:
		return nil, errors.Errorf("%s: dtype %s not supported", opType, operand.shape.DType)
	}
	node := b.newNode(opType, operand.shape.Clone(), operand, source)
	node.data = &selectAndScatterNode{
		isMax:    opType == backends.OpTypeSelectAndScatterMax,
		window:   append([]int(nil), window...),
		stride:   append([]int(nil), strides...),
		paddings: append([][2]int(nil), paddings...),
	}
	return node, nil
}

func execSelectAndScatter(backend *Backend, node *Node, inputs []*Buffer, _ []bool) (*Buffer, error) {
	operand, source := inputs[0], inputs[1]
	output := backend.getBufferForShape(node.shape)
	output.Zeros()
	params := node.data.(*selectAndScatterNode)
	switch flat := operand.flat.(type) {
	case []float32:
		selectAndScatter(flat, source.flat.([]float32), output.flat.([]float32), operand.shape.Dimensions, source.shape.Dimensions, params)
	case []float64:
		selectAndScatter(flat, source.flat.([]float64), output.flat.([]float64), operand.shape.Dimensions, source.shape.Dimensions, params)
	case []int32:
		selectAndScatter(flat, source.flat.([]int32), output.flat.([]int32), operand.shape.Dimensions, source.shape.Dimensions, params)
	case []int64:
		selectAndScatter(flat, source.flat.([]int64), output.flat.([]int64), operand.shape.Dimensions, source.shape.Dimensions, params)
	default:
		return nil, errors.Errorf("%s: dtype %s not supported", node.opType, operand.shape.DType)
	}
	return output, nil
}

func selectAndScatter[T float32 | float64 | int32 | int64](operand, source, output []T, dims, windowsDims []int, params *selectAndScatterNode) {
	rank := len(dims)
	strides := calculateStrides(dims)
	windowPos := make([]int, rank) // Position of the current window in the grid of windows.
	offset := make([]int, rank)    // Offset inside the window.
	for sourceIdx := range source {
		best, bestIdx := T(0), -1
		clear(offset)
	window:
		for {
			flatIdx := 0
			inside := true
			for axis := range rank {
				pos := windowPos[axis]*params.stride[axis] - params.paddings[axis][0] + offset[axis]
				if pos < 0 || pos >= dims[axis] {
					inside = false
					break
				}
				flatIdx += pos * strides[axis]
			}
			if inside {
				v := operand[flatIdx]
				if bestIdx < 0 || (params.isMax && v > best) || (!params.isMax && v < best) {
					best, bestIdx = v, flatIdx
				}
			}
			for axis := rank - 1; axis >= 0; axis-- {
				offset[axis]++
				if offset[axis] < params.window[axis] {
					continue window
				}
				offset[axis] = 0
			}
			break
		}
		if bestIdx >= 0 {
			output[bestIdx] += source[sourceIdx]
		}
		for axis := rank - 1; axis >= 0; axis-- {
			windowPos[axis]++
			if windowPos[axis] < windowsDims[axis] {
				break
			}
			windowPos[axis] = 0
		}
	}
}
