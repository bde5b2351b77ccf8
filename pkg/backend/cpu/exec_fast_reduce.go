package cpu

// Fast executors of ReduceSum, ReduceMax and ReduceMin for float32, float64, int32 and int64: the operand is seen
// as [outer, reduced, inner] (after dropping size-1 axes and merging neighbours: reducing the last axes, the
// leading ones or one block in the middle), and the reduction runs as plain loops over every worker, split by
// output elements. The stock executor walked the operand one element at a time through an index iterator on a
// single core; it stays for other layouts (reduced axes not adjacent) and dtypes.
//
// Every output element accumulates its operand elements in the stock executor's order (row-major over the
// reduced axes, starting from 0 or the lowest/highest value), so the results are bit-identical to the stock
// executor's and do not depend on the number of workers.

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

func init() {
	for _, op := range []backends.OpType{backends.OpTypeReduceSum, backends.OpTypeReduceMax, backends.OpTypeReduceMin} {
		setNodeExecutor(op, priorityArch, execReduceFast)
	}
}

// reduceMinParallel is the operand size below which a reduction runs on the calling goroutine only.
const reduceMinParallel = 1 << 14

// reduceLayout returns the operand, of the given dimensions, as outer x reduced x inner (row-major), or ok false
// when the reduced axes do not form one block once size-1 axes are dropped.
func reduceLayout(dims, axes []int) (outer, reduced, inner int, ok bool) {
	isReduced := make([]bool, len(dims))
	for _, a := range axes {
		isReduced[a] = true
	}
	outer, reduced, inner = 1, 1, 1
	stage := 0 // 0: before the reduced block, 1: in it, 2: after it.
	for a, d := range dims {
		if d == 1 {
			continue
		}
		switch {
		case isReduced[a] && stage == 2:
			return 0, 0, 0, false
		case isReduced[a]:
			stage = 1
			reduced *= d
		case stage == 0:
			outer *= d
		default:
			stage = 2
			inner *= d
		}
	}
	return outer, reduced, inner, true
}

// execReduceFast is the executor of ReduceSum, ReduceMax and ReduceMin.
func execReduceFast(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	operand := inputs[0]
	axes := node.data.([]int)
	outer, reduced, inner, ok := reduceLayout(operand.shape.Dimensions, axes)
	if !ok || len(axes) == 0 || backend.stock.reduce {
		return execReduce(backend, node, inputs, inputsOwned)
	}
	output := backend.getBufferForShape(node.shape)
	switch node.shape.DType {
	case dtypes.Float32:
		reduceBlocks(backend, node.opType, operand.flat.([]float32), output.flat.([]float32), outer, reduced, inner)
	case dtypes.Float64:
		reduceBlocks(backend, node.opType, operand.flat.([]float64), output.flat.([]float64), outer, reduced, inner)
	case dtypes.Int32:
		reduceBlocks(backend, node.opType, operand.flat.([]int32), output.flat.([]int32), outer, reduced, inner)
	case dtypes.Int64:
		reduceBlocks(backend, node.opType, operand.flat.([]int64), output.flat.([]int64), outer, reduced, inner)
	default:
		backend.putBuffer(output)
		return execReduce(backend, node, inputs, inputsOwned)
	}
	return output, nil
}

// reduceBlocks reduces in, outer x reduced x inner, into out, outer x inner, splitting the output over workers:
// by outer rows when there are enough, else by inner columns too.
func reduceBlocks[T float32 | float64 | int32 | int64](backend *Backend, op backends.OpType, in, out []T, outer, reduced, inner int) {
	simd := !backend.stock.simd
	var init T
	switch op {
	case backends.OpTypeReduceMax:
		init = lowest[T]()
	case backends.OpTypeReduceMin:
		init = highest[T]()
	}
	if reduced == 0 {
		for i := range out {
			out[i] = init
		}
		return
	}
	// Tasks: outer rows split into oParts, inner columns into iParts.
	tasks := 1
	if len(in) >= reduceMinParallel {
		tasks = 4 * max(backend.workers.MaxParallelism(), 1)
	}
	oParts := min(outer, tasks)
	iParts := 1
	if oParts < tasks && inner >= 32 {
		iParts = min((tasks+oParts-1)/oParts, inner/16) // Columns of at least a cache line.
	}
	do := func(t int) {
		ot, it := t/iParts, t%iParts
		o0, o1 := ot*outer/oParts, (ot+1)*outer/oParts
		i0, i1 := it*inner/iParts, (it+1)*inner/iParts
		if inner == 1 {
			reduceRows(op, init, in[o0*reduced:o1*reduced], out[o0:o1], reduced)
			return
		}
		if iParts == 1 && inner <= 64 && reduced*inner <= 1<<12 {
			if o, isF32 := any(out).([]float32); isF32 && op == backends.OpTypeReduceSum && simd &&
				sumColumns(o[o0*inner:o1*inner], any(in).([]float32)[o0*reduced*inner:o1*reduced*inner], o1-o0, reduced, inner) {
				return
			}
			reduceNarrowColumns(op, init, in[o0*reduced*inner:o1*reduced*inner], out[o0*inner:o1*inner], reduced, inner)
			return
		}
		for o := o0; o < o1; o++ {
			reduceColumns(op, init, in[o*reduced*inner:(o+1)*reduced*inner], out[o*inner:(o+1)*inner], inner, i0, i1)
		}
	}
	if oParts*iParts == 1 {
		do(0)
		return
	}
	backend.workers.ParallelFor(oParts*iParts, do)
}

// reduceRows reduces each row of reduced consecutive elements of in to one element of out.
func reduceRows[T float32 | float64 | int32 | int64](op backends.OpType, init T, in, out []T, reduced int) {
	switch op {
	case backends.OpTypeReduceSum:
		for o := range out {
			row := in[o*reduced : (o+1)*reduced]
			acc := init
			for _, v := range row {
				acc += v
			}
			out[o] = acc
		}
	case backends.OpTypeReduceMax:
		for o := range out {
			row := in[o*reduced : (o+1)*reduced]
			acc := init
			for _, v := range row {
				acc = max(acc, v)
			}
			out[o] = acc
		}
	case backends.OpTypeReduceMin:
		for o := range out {
			row := in[o*reduced : (o+1)*reduced]
			acc := init
			for _, v := range row {
				acc = min(acc, v)
			}
			out[o] = acc
		}
	}
}

// reduceColumns reduces in, reduced x inner, over its rows into out[i0:i1] (columns i0 to i1).
func reduceColumns[T float32 | float64 | int32 | int64](op backends.OpType, init T, in, out []T, inner, i0, i1 int) {
	acc := out[i0:i1]
	for i := range acc {
		acc[i] = init
	}
	reduced := len(in) / inner
	for r := range reduced {
		row := in[r*inner+i0 : r*inner+i1]
		row = row[:len(acc)]
		switch op {
		case backends.OpTypeReduceSum:
			for i, v := range row {
				acc[i] += v
			}
		case backends.OpTypeReduceMax:
			for i, v := range row {
				acc[i] = max(acc[i], v)
			}
		case backends.OpTypeReduceMin:
			for i, v := range row {
				acc[i] = min(acc[i], v)
			}
		}
	}
}

// reduceNarrowColumns reduces in, rows x reduced x inner with a short inner extent, over its middle axis into
// out, rows x inner: one output element at a time, its column of the reduced axis summed in cache.
func reduceNarrowColumns[T float32 | float64 | int32 | int64](op backends.OpType, init T, in, out []T, reduced, inner int) {
	rows := len(out) / inner
	for o := range rows {
		block := in[o*reduced*inner : (o+1)*reduced*inner]
		dst := out[o*inner : (o+1)*inner]
		for i := range dst {
			acc := init
			switch op {
			case backends.OpTypeReduceSum:
				for j := i; j < len(block); j += inner {
					acc += block[j]
				}
			case backends.OpTypeReduceMax:
				for j := i; j < len(block); j += inner {
					acc = max(acc, block[j])
				}
			case backends.OpTypeReduceMin:
				for j := i; j < len(block); j += inner {
					acc = min(acc, block[j])
				}
			}
			dst[i] = acc
		}
	}
}

// lowest and highest are the start values of ReduceMax and ReduceMin, as dtypes' LowestValue and HighestValue.
func lowest[T float32 | float64 | int32 | int64]() T {
	var v T
	switch p := any(&v).(type) {
	case *float32:
		*p = dtypes.Float32.LowestValue().(float32)
	case *float64:
		*p = dtypes.Float64.LowestValue().(float64)
	case *int32:
		*p = dtypes.Int32.LowestValue().(int32)
	case *int64:
		*p = dtypes.Int64.LowestValue().(int64)
	}
	return v
}

func highest[T float32 | float64 | int32 | int64]() T {
	var v T
	switch p := any(&v).(type) {
	case *float32:
		*p = dtypes.Float32.HighestValue().(float32)
	case *float64:
		*p = dtypes.Float64.HighestValue().(float64)
	case *int32:
		*p = dtypes.Int32.HighestValue().(int32)
	case *int64:
		*p = dtypes.Int64.HighestValue().(int64)
	}
	return v
}
