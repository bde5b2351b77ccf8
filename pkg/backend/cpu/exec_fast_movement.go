package cpu

// Fast executors for the data-movement ops of EG3D's rendering: Gather of contiguous slices (table rows: the
// triplane lookup, and the renderer's sorting and importance sampling), Slice (the up-sampling filters and the
// rendering's sample bookkeeping), BroadcastInDim, Pad without interior padding, and the ScatterSum of rows that
// is the triplane lookup's gradient. Both copy runs of contiguous elements over every worker instead of one
// element at a time; anything else goes to the stock executors.

import (
	"math"
	"slices"
	"unsafe"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

func init() {
	setNodeExecutor(backends.OpTypeGather, priorityArch, execGatherFast)
	setNodeExecutor(backends.OpTypeSlice, priorityArch, execSliceFast)
	setNodeExecutor(backends.OpTypeBroadcastInDim, priorityArch, execBroadcastInDimFast)
	setNodeExecutor(backends.OpTypePad, priorityArch, execPadFast)
	setNodeExecutor(backends.OpTypeScatterSum, priorityArch, execScatterSumFast)
}

// gatherRunPlan says how a Gather copies whole contiguous runs: every index vector selects one run of
// runLen elements of the operand, written as the next runLen elements of the output.
type gatherRunPlan struct {
	runLen     int
	numIndices int
	strides    []int // Operand element stride of each start index component (startIndexMap order).
	maxStart   []int // Largest valid start of each component (XLA clamps).
}

// newGatherRunPlan returns the plan, or nil when the Gather is not of that form: index vectors along the last
// axis of the indices, offset axes last in the output, and slices that are contiguous in the operand.
func newGatherRunPlan(node *Node, operand, indices *Buffer) *gatherRunPlan {
	p := node.data.(*gatherNode)
	iRank, oRank := indices.shape.Rank(), operand.shape.Rank()
	if p.indexVectorAxis != iRank-1 || indices.shape.Dimensions[iRank-1] != len(p.startIndexMap) {
		return nil
	}
	batchRank := iRank - 1
	for i, axis := range p.offsetOutputAxes {
		if axis != batchRank+i {
			return nil
		}
	}
	// Contiguous slice: size 1 before the first axis sliced wider than 1, every axis after it taken whole.
	dims := operand.shape.Dimensions
	first := oRank
	for a := range oRank {
		if p.sliceSizes[a] > 1 {
			first = a
			break
		}
	}
	for a := first + 1; a < oRank; a++ {
		if p.sliceSizes[a] != dims[a] {
			return nil
		}
	}
	plan := &gatherRunPlan{runLen: 1, numIndices: 1}
	for _, s := range p.sliceSizes {
		plan.runLen *= s
	}
	for _, d := range indices.shape.Dimensions[:batchRank] {
		plan.numIndices *= d
	}
	strides := operand.shape.Strides()
	for _, axis := range p.startIndexMap {
		plan.strides = append(plan.strides, strides[axis])
		plan.maxStart = append(plan.maxStart, max(0, dims[axis]-p.sliceSizes[axis]))
	}
	return plan
}

// execGatherFast is the Gather executor: contiguous runs copied in parallel, or the stock executor.
func execGatherFast(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	operand, indices := inputs[0], inputs[1]
	it := indices.shape.DType
	plan := newGatherRunPlan(node, operand, indices)
	if plan == nil || (it != dtypes.Int32 && it != dtypes.Int64) || node.shape.Size() < ewMinParallel {
		return execGather(backend, node, inputs, inputsOwned)
	}
	output := backend.getBufferForShape(node.shape)
	if it == dtypes.Int32 {
		gatherRuns(backend, plan, operand, output, indices.flat.([]int32))
	} else {
		gatherRuns(backend, plan, operand, output, indices.flat.([]int64))
	}
	return output, nil
}

func gatherRuns[I int32 | int64](backend *Backend, plan *gatherRunPlan, operand, output *Buffer, indices []I) {
	elem := operand.shape.DType.Size()
	in, out := operand.mutableBytes(), output.mutableBytes()
	nc := len(plan.strides)
	runBytes := plan.runLen * elem
	offset := func(i int) int {
		off := 0
		for c := range nc {
			off += min(max(int(indices[i*nc+c]), 0), plan.maxStart[c]) * plan.strides[c]
		}
		return off * elem
	}
	parallelRange(backend, plan.numIndices, max(1, 4096/max(runBytes, 1)), func(lo, hi int) {
		switch {
		case runBytes == 4:
			in32 := unsafe.Slice((*uint32)(unsafe.Pointer(&in[0])), len(in)/4)
			out32 := unsafe.Slice((*uint32)(unsafe.Pointer(&out[0])), len(out)/4)
			for i := lo; i < hi; i++ {
				out32[i] = in32[offset(i)/4]
			}
		default:
			for i := lo; i < hi; i++ {
				src := offset(i)
				copy(out[i*runBytes:(i+1)*runBytes], in[src:src+runBytes])
			}
		}
	})
}

// parallelRange calls fn on consecutive sub-ranges of [0, n) over the workers; grain is the smallest range
// worth a task.
func parallelRange(backend *Backend, n, grain int, fn func(lo, hi int)) {
	workers := max(backend.workers.MaxParallelism(), 1)
	tasks := min(4*workers, max(1, n/max(grain, 1)))
	if tasks <= 1 {
		fn(0, n)
		return
	}
	backend.workers.ParallelFor(tasks, func(t int) { fn(t*n/tasks, (t+1)*n/tasks) })
}

// execSliceFast is the Slice executor: runs of contiguous elements copied in parallel.
func execSliceFast(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	operand := inputs[0]
	if node.shape.Size() < ewMinParallel || operand.shape.Rank() == 0 {
		return execSlice(backend, node, inputs, inputsOwned)
	}
	p := node.data.(*sliceNode)
	dims := operand.shape.Dimensions
	rank := len(dims)
	strides := p.strides
	if len(strides) == 0 {
		strides = make([]int, rank)
		for a := range strides {
			strides[a] = 1
		}
	}
	elem := operand.shape.DType.Size()
	// Trailing axes taken whole merge into one block; the innermost other axis is the run axis.
	block := 1
	runAxis := rank - 1
	for ; runAxis >= 0; runAxis-- {
		if p.starts[runAxis] != 0 || p.limits[runAxis] != dims[runAxis] || strides[runAxis] != 1 {
			break
		}
		block *= dims[runAxis]
	}
	output := backend.getBufferForShape(node.shape)
	in, out := operand.mutableBytes(), output.mutableBytes()
	if runAxis < 0 { // The whole operand.
		copy(out, in)
		return output, nil
	}
	opStrides := operand.shape.Strides()
	outDims := node.shape.Dimensions
	runN, runStep := outDims[runAxis], strides[runAxis]*opStrides[runAxis]
	numRuns := 1
	for a := range runAxis {
		numRuns *= outDims[a]
	}
	runOut := runN * block * elem // Output bytes per run.
	parallelRange(backend, numRuns, max(1, 8192/max(runOut, 1)), func(lo, hi int) {
		// Operand element offset of the first element of run r.
		for r := lo; r < hi; r++ {
			rem, off := r, p.starts[runAxis]*opStrides[runAxis]
			for a := runAxis - 1; a >= 0; a-- {
				idx := rem % outDims[a]
				rem /= outDims[a]
				off += (p.starts[a] + idx*strides[a]) * opStrides[a]
			}
			dst := out[r*runOut : (r+1)*runOut]
			if runStep == block {
				copy(dst, in[off*elem:off*elem+runOut])
				continue
			}
			bb := block * elem
			for j := range runN {
				src := (off + j*runStep) * elem
				copy(dst[j*bb:(j+1)*bb], in[src:src+bb])
			}
		}
	})
	return output, nil
}

// execBroadcastInDimFast is the BroadcastInDim executor for 4-byte dtypes: runs copied or filled in parallel.
func execBroadcastInDimFast(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	operand := inputs[0]
	axes := node.data.([]int)
	if node.shape.Size() < ewMinParallel || operand.shape.DType.Size() != 4 || !slices.IsSorted(axes) {
		return execBroadcastInDim(backend, node, inputs, inputsOwned)
	}
	// The operand seen at the output's rank: its dimensions on the broadcast axes, 1 elsewhere (same flat data).
	dims := make([]int, node.shape.Rank())
	for a := range dims {
		dims[a] = 1
	}
	for i, a := range axes {
		dims[a] = operand.shape.Dimensions[i]
	}
	output := backend.getBufferForShape(node.shape)
	inB, outB := operand.mutableBytes(), output.mutableBytes()
	in := unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(inB))), len(inB)/4)
	out := unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(outB))), len(outB)/4)
	p := newEWPlan(node.shape, shapes.Make(operand.shape.DType, dims...))
	simd := !backend.stock.simd
	p.runBlocks(backend, func(b ewBlock) {
		if simd && broadcastRuns(p.innerStride[0] == 0, out[b.outOff:], in[b.offs[0]:], &b) {
			return
		}
		n, step := b.n, b.step
		b.each(func(outOff int, offs [3]int, reps int) {
			src := offs[0]
			for r := range reps {
				o := out[outOff+r*n : outOff+(r+1)*n]
				if p.innerStride[0] == 1 {
					copy(o, in[src:src+n])
				} else {
					v := in[src]
					for i := range o {
						o[i] = v
					}
				}
				src += step[0]
			}
		})
	})
	return output, nil
}

// execPadFast is the Pad executor for 4-byte dtypes without interior padding: the fill and the copy of the
// operand's rows (cropped where Start/End are negative) run in parallel.
func execPadFast(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	operand, fill := inputs[0], inputs[1]
	axes := node.data.(*padNode).axes
	interior := false
	for _, a := range axes {
		interior = interior || a.Interior != 0
	}
	if interior || node.shape.Size() < ewMinParallel || operand.shape.DType.Size() != 4 || operand.shape.Rank() == 0 {
		return execPad(backend, node, inputs, inputsOwned)
	}
	output := backend.getBufferForShape(node.shape)
	inB, outB, fillB := operand.mutableBytes(), output.mutableBytes(), fill.mutableBytes()
	in := unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(inB))), len(inB)/4)
	out := unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(outB))), len(outB)/4)
	v := *(*uint32)(unsafe.Pointer(unsafe.SliceData(fillB)))
	parallelRange(backend, len(out), 1<<14, func(lo, hi int) {
		o := out[lo:hi]
		for i := range o {
			o[i] = v
		}
	})
	// Per axis: the operand range [src0, src0+n) lands at dst0 in the output.
	inDims, outDims := operand.shape.Dimensions, node.shape.Dimensions
	rank := len(inDims)
	src0, dst0, n := make([]int, rank), make([]int, rank), make([]int, rank)
	for a := range rank {
		src0[a], dst0[a] = max(0, -axes[a].Start), max(0, axes[a].Start)
		n[a] = min(inDims[a]-src0[a], outDims[a]-dst0[a])
		if n[a] <= 0 {
			return output, nil
		}
	}
	inStr, outStr := operand.shape.Strides(), node.shape.Strides()
	rows := 1
	for a := range rank - 1 {
		rows *= n[a]
	}
	last := rank - 1
	parallelRange(backend, rows, max(1, 2048/n[last]), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			rem := r
			si, di := src0[last], dst0[last]
			for a := last - 1; a >= 0; a-- {
				idx := rem % n[a]
				rem /= n[a]
				si += (src0[a] + idx) * inStr[a]
				di += (dst0[a] + idx) * outStr[a]
			}
			copy(out[di:di+n[last]], in[si:si+n[last]])
		}
	})
	return output, nil
}

// execScatterSumFast is the float32 ScatterSum executor for updates that are whole trailing rows of the operand
// (the gradient of a row Gather): the operand's rows are split among workers, each adding, in index order, the
// updates that land in its rows, so there are no write conflicts and the sums are those of the serial loop.
func execScatterSumFast(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	operand, indices, updates := inputs[0], inputs[1], inputs[2]
	p := node.data.(*scatterNode)
	it := indices.shape.DType
	if node.shape.DType != dtypes.Float32 || (it != dtypes.Int32 && it != dtypes.Int64) || updates.shape.Size() < ewMinParallel {
		return execScatter(backend, node, inputs, inputsOwned)
	}
	// Index vectors along the last axis; the scattered (inserted) axes lead the operand; the update windows are
	// the trailing update axes and cover the rest of the operand whole.
	iRank, uRank := indices.shape.Rank(), updates.shape.Rank()
	nc := len(p.scatterAxesToOperandAxes)
	dims := operand.shape.Dimensions
	ok := p.indexVectorAxis == iRank-1 && indices.shape.Dimensions[iRank-1] == nc && len(p.insertedWindowAxes) == nc &&
		len(p.updateWindowAxes) == len(dims)-nc && uRank == iRank-1+len(dims)-nc
	for i := 0; ok && i < nc; i++ {
		ok = p.insertedWindowAxes[i] == i && p.scatterAxesToOperandAxes[i] < nc
	}
	for i := 0; ok && i < len(p.updateWindowAxes); i++ {
		ok = p.updateWindowAxes[i] == iRank-1+i && updates.shape.Dimensions[iRank-1+i] == dims[nc+i]
	}
	if !ok {
		return execScatter(backend, node, inputs, inputsOwned)
	}
	var output *Buffer
	if inputsOwned[0] {
		output, inputs[0] = operand, nil
	} else {
		output = backend.cloneBuffer(operand)
	}
	output.shape = node.shape
	runLen, rows := 1, 1
	for _, d := range dims[nc:] {
		runLen *= d
	}
	for _, d := range dims[:nc] {
		rows *= d
	}
	strides := operand.shape.Strides()
	out, upd := output.flat.([]float32), updates.flat.([]float32)
	numIdx := updates.shape.Size() / max(runLen, 1)
	// rowOf returns the operand row of index vector i, or -1 when its window does not fit (skipped, as in XLA).
	var rowOf func(i int) int
	if it == dtypes.Int32 {
		rowOf = scatterRowOf(indices.flat.([]int32), p.scatterAxesToOperandAxes, dims, strides, runLen)
	} else {
		rowOf = scatterRowOf(indices.flat.([]int64), p.scatterAxesToOperandAxes, dims, strides, runLen)
	}
	if backend.stock.scatter || numIdx >= math.MaxInt32 {
		parallelRange(backend, rows, max(1, rows/8), func(lo, hi int) {
			for i := range numIdx {
				r := rowOf(i)
				if r < lo || r >= hi {
					continue
				}
				dst, src := out[r*runLen:(r+1)*runLen], upd[i*runLen:(i+1)*runLen]
				for j := range dst {
					dst[j] += src[j]
				}
			}
		})
		return output, nil
	}
	// The destination row of every update, computed once (in parallel).
	dest := make([]int32, numIdx)
	parallelRange(backend, numIdx, 1<<12, func(lo, hi int) {
		if it == dtypes.Int32 {
			scatterDest(dest, indices.flat.([]int32), p.scatterAxesToOperandAxes, dims, strides, runLen, lo, hi)
		} else {
			scatterDest(dest, indices.flat.([]int64), p.scatterAxesToOperandAxes, dims, strides, runLen, lo, hi)
		}
	})
	scatterRows(backend, out, upd, rows, runLen, dest)
	return output, nil
}

// scatterRowsChunked is scatterRows through chunks private copies of the operand.
func scatterRowsChunked(backend *Backend, out, upd []float32, rows, runLen int, dest []int32, chunks int) {
	numIdx, tableSize := len(dest), rows*runLen
	buf := backend.getBuffer(dtypes.Float32, chunks*tableSize)
	defer backend.putBuffer(buf)
	partials := buf.flat.([]float32)[:chunks*tableSize]
	backend.workers.ParallelFor(chunks, func(c int) {
		part := partials[c*tableSize : (c+1)*tableSize]
		clear(part)
		lo, hi := c*numIdx/chunks, (c+1)*numIdx/chunks
		if addRows(part, upd[lo*runLen:hi*runLen], dest[lo:hi], runLen) {
			return
		}
		if runLen == 16 {
			for i, r := range dest[lo:hi] {
				if r >= 0 {
					dst, src := (*[16]float32)(part[int(r)*16:]), (*[16]float32)(upd[(lo+i)*16:])
					for j := range dst {
						dst[j] += src[j]
					}
				}
			}
			return
		}
		for i, r := range dest[lo:hi] {
			if r >= 0 {
				dst, src := part[int(r)*runLen:(int(r)+1)*runLen], upd[(lo+i)*runLen:(lo+i+1)*runLen]
				src = src[:len(dst)]
				for j := range dst {
					dst[j] += src[j]
				}
			}
		}
	})
	parallelRange(backend, tableSize, 1<<13, func(lo, hi int) {
		o := out[lo:hi]
		for c := range chunks {
			p := partials[c*tableSize+lo : c*tableSize+hi]
			p = p[:len(o)]
			for j := range o {
				o[j] += p[j]
			}
		}
	})
}

// scatterMaxChunks and scatterChunkMin bound the chunks of scatterRowsChunked: at most 8, of at least 64Ki
// update elements each (and their copies of the operand take at most half the updates' memory).
const (
	scatterMaxChunks = 8
	scatterChunkMin  = 1 << 16
)

// scatterDest sets dest[i], for i in [lo, hi), to the operand row that index vector i selects, or -1 when its
// window does not fit (skipped, as in XLA). The scattered axes lead the operand, so a row is a sum of index
// components times row strides.
func scatterDest[I int32 | int64](dest []int32, indices []I, axes, dims, strides []int, runLen, lo, hi int) {
	if len(axes) == 1 {
		n, rowStride := I(dims[axes[0]]), I(strides[axes[0]]/runLen)
		for i, idx := range indices[lo:hi] {
			r := int32(-1)
			if idx >= 0 && idx < n {
				r = int32(idx * rowStride)
			}
			dest[lo+i] = r
		}
		return
	}
	nc := len(axes)
	for i := lo; i < hi; i++ {
		row := 0
		for c, axis := range axes {
			idx := int(indices[i*nc+c])
			if idx < 0 || idx >= dims[axis] {
				row = -1
				break
			}
			row += idx * (strides[axis] / runLen)
		}
		dest[i] = int32(row)
	}
}

// scatterRows adds update row i to operand row dest[i] (skipping -1), for every i.
//
// When the operand is small next to the updates (the triplane lookup's gradient: 393216 rows of 16 channels
// into a 3x64x64 plane), the updates are cut into a fixed number of consecutive chunks, set by the sizes only,
// each summed into its own zeroed copy of the operand, and the copies are added to the operand in chunk order:
// every worker streams its updates sequentially and adds into a table that stays in cache. Otherwise the
// operand's rows are split into parts among workers, and each worker adds the updates of its part, found
// through a list of update indices sorted (stably) by part, so every row's sum is the serial loop's. Either
// way the order of the additions does not depend on the workers.
func scatterRows(backend *Backend, out, upd []float32, rows, runLen int, dest []int32) {
	numIdx := len(dest)
	tableSize := rows * runLen
	if chunks := min(scatterMaxChunks, numIdx*runLen/scatterChunkMin, numIdx*runLen/2/max(tableSize, 1)); chunks >= 2 {
		scatterRowsChunked(backend, out, upd, rows, runLen, dest, chunks)
		return
	}
	workers := max(backend.workers.MaxParallelism(), 1)
	parts := min(4*workers, rows, math.MaxUint16)
	if numIdx*runLen < ewMinParallel {
		parts = 1
	}
	// Each part's updates, in order.
	rowsPerPart := (rows + parts - 1) / parts
	partOfRow := make([]uint16, rows)
	for r := range partOfRow {
		partOfRow[r] = uint16(r / rowsPerPart)
	}
	start := make([]int, parts+1)
	for _, r := range dest {
		if r >= 0 {
			start[partOfRow[r]+1]++
		}
	}
	for p := range parts {
		start[p+1] += start[p]
	}
	order := make([]int32, start[parts])
	next := slices.Clone(start[:parts])
	for i, r := range dest {
		if r >= 0 {
			p := partOfRow[r]
			order[next[p]] = int32(i)
			next[p]++
		}
	}
	add := func(p int) {
		if runLen == 16 { // The triplane's channels: fixed-size rows, no bounds checks in the loop.
			for _, i := range order[start[p]:start[p+1]] {
				dst, src := (*[16]float32)(out[int(dest[i])*16:]), (*[16]float32)(upd[int(i)*16:])
				for j := range dst {
					dst[j] += src[j]
				}
			}
			return
		}
		for _, i := range order[start[p]:start[p+1]] {
			r := int(dest[i])
			dst, src := out[r*runLen:(r+1)*runLen], upd[int(i)*runLen:(int(i)+1)*runLen]
			src = src[:len(dst)]
			for j := range dst {
				dst[j] += src[j]
			}
		}
	}
	if parts == 1 {
		add(0)
		return
	}
	backend.workers.ParallelFor(parts, add)
}

func scatterRowOf[I int32 | int64](indices []I, axes, dims, strides []int, runLen int) func(i int) int {
	nc := len(axes)
	return func(i int) int {
		off := 0
		for c, axis := range axes {
			idx := int(indices[i*nc+c])
			if idx < 0 || idx >= dims[axis] {
				return -1
			}
			off += idx * strides[axis]
		}
		return off / runLen
	}
}
