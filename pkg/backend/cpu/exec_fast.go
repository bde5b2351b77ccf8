package cpu

// Fast float32 executors for the element-wise ops that dominate EG3D's rendering and super-resolution passes
// once the convolutions are fast: binary arithmetic and comparisons (with implicit broadcasting), Where, and the
// unary math functions. They run over every worker, and replace stock simplego's per-element broadcast
// iterator with plain loops over runs: the output is cut into runs along which each operand either advances
// contiguously or stays fixed (a broadcast), after merging axes that are contiguous for every operand. Other
// dtypes, and tensors too small to be worth splitting, go to the stock executors.

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

func init() {
	for op := range binaryLoopsFloat32 {
		setNodeExecutor(op, priorityArch, execBinaryFast)
	}
	for op := range compareLoopsFloat32 {
		setNodeExecutor(op, priorityArch, execCompareFast)
	}
	setNodeExecutor(backends.OpTypeWhere, priorityArch, execWhereFast)
	for op := range unaryFloat32 {
		setNodeExecutor(op, priorityArch, execUnaryFast)
	}
}

// stockElementwise are the stock executors the fast ones fall back to.
var stockElementwise = map[backends.OpType]nodeExecutor{
	backends.OpTypeAdd: execAdd, backends.OpTypeSub: execSub, backends.OpTypeMul: execMul,
	backends.OpTypeDiv: execDiv, backends.OpTypeMax: execMax, backends.OpTypeMin: execMin,
	backends.OpTypeGreaterOrEqual: execGreaterOrEqual, backends.OpTypeGreaterThan: execGreaterThan,
	backends.OpTypeLessOrEqual: execLessOrEqual, backends.OpTypeLessThan: execLessThan,
	backends.OpTypeEqual: execEqual, backends.OpTypeNotEqual: execNotEqual,
	backends.OpTypeWhere: execWhere,
	backends.OpTypeNeg:   execNeg, backends.OpTypeAbs: execAbs, backends.OpTypeSign: execSign,
	backends.OpTypeExp: execExp, backends.OpTypeExpm1: execExpm1, backends.OpTypeLog: execLog,
	backends.OpTypeLog1p: execLog1p, backends.OpTypeFloor: execFloor, backends.OpTypeCeil: execCeil,
	backends.OpTypeRound: execRound, backends.OpTypeSqrt: execSqrt, backends.OpTypeRsqrt: execRsqrt,
	backends.OpTypeTanh: execTanh, backends.OpTypeLogistic: execLogistic, backends.OpTypeIsFinite: execIsFinite,
	backends.OpTypeCos: execCos, backends.OpTypeSin: execSin,
}

// unaryFloat32 are the stock float32 loops of the unary ops, run here on chunks in parallel.
var unaryFloat32 = map[backends.OpType]func(in, out []float32){
	backends.OpTypeNeg: execNegGeneric[float32], backends.OpTypeAbs: execAbsGeneric[float32],
	backends.OpTypeSign: execSignGeneric[float32], backends.OpTypeExp: execExpGeneric[float32],
	backends.OpTypeExpm1: execExpm1Generic[float32], backends.OpTypeLog: execLogGeneric[float32],
	backends.OpTypeLog1p: execLog1pGeneric[float32], backends.OpTypeFloor: execFloorGeneric[float32],
	backends.OpTypeCeil: execCeilGeneric[float32], backends.OpTypeRound: execRoundGeneric[float32],
	backends.OpTypeSqrt: execSqrtGeneric[float32], backends.OpTypeRsqrt: execRsqrtGeneric[float32],
	backends.OpTypeTanh: execTanhGeneric[float32], backends.OpTypeLogistic: execLogisticGeneric[float32],
	backends.OpTypeCos: execCosGeneric[float32], backends.OpTypeSin: execSinGeneric[float32],
}

// fastUnaryFloat32 are the float32 loops that replace the stock ones (fastmath.go) unless the option stock=math
// is given: the transcendental functions in float32 arithmetic, and Sign and Abs without branches.
var fastUnaryFloat32 = map[backends.OpType]func(in, out []float32){
	backends.OpTypeExp: expSlice32, backends.OpTypeLog: logSlice32, backends.OpTypeLog1p: log1pSlice32,
	backends.OpTypeLogistic: logisticSlice32, backends.OpTypeTanh: tanhSlice32, backends.OpTypeSign: signSlice32,
	backends.OpTypeAbs: absSlice32,
}

// simdUnaryFloat32Ops are the vector versions of fastUnaryFloat32's loops this CPU runs (fastmath_amd64.go),
// used unless the option stock=simd is given.
var simdUnaryFloat32Ops = func() map[backends.OpType]func(in, out []float32) {
	ops := map[backends.OpType]func(in, out []float32){}
	for name, fn := range simdUnaryFloat32() {
		op := map[string]backends.OpType{"exp": backends.OpTypeExp, "log": backends.OpTypeLog,
			"log1p": backends.OpTypeLog1p, "logistic": backends.OpTypeLogistic, "sign": backends.OpTypeSign}[name]
		ops[op] = fn
	}
	return ops
}()

// ewMinParallel is the output size below which an element-wise op runs on the calling goroutine only.
const ewMinParallel = 1 << 15

// ewPlan cuts an element-wise op's output into runs: the output is outer x inner (row-major), and along a run
// operand o's offset advances by innerStride[o] (0 or 1); between runs it follows outerDims/outerStrides.
type ewPlan struct {
	size         int
	inner        int
	innerStride  [3]int
	outerDims    []int    // Innermost first.
	outerStrides [][3]int // Per outer axis, per operand.
}

// newEWPlan plans output for up to 3 operands of the same rank as output (size-1 axes broadcast) or scalars.
func newEWPlan(output shapes.Shape, operands ...shapes.Shape) *ewPlan {
	rank := output.Rank()
	dims := output.Dimensions
	strides := make([][3]int, rank)
	for o, shape := range operands {
		if shape.Size() == 1 {
			continue // Strides 0 everywhere.
		}
		s := 1
		for a := rank - 1; a >= 0; a-- {
			if shape.Dimensions[a] != 1 {
				strides[a][o] = s
			}
			s *= shape.Dimensions[a]
		}
	}
	p := &ewPlan{size: output.Size(), inner: 1}
	type run struct {
		dim     int
		strides [3]int
	}
	var runs []run
	for a := rank - 1; a >= 0; a-- {
		if dims[a] == 1 {
			continue
		}
		if n := len(runs); n > 0 {
			last := &runs[n-1]
			contiguous := true
			for o := range operands {
				if strides[a][o] != last.strides[o]*last.dim {
					contiguous = false
				}
			}
			if contiguous {
				last.dim *= dims[a]
				continue
			}
		}
		runs = append(runs, run{dims[a], strides[a]})
	}
	if len(runs) == 0 {
		return p
	}
	p.inner, p.innerStride = runs[0].dim, runs[0].strides
	for _, r := range runs[1:] {
		p.outerDims = append(p.outerDims, r.dim)
		p.outerStrides = append(p.outerStrides, r.strides)
	}
	return p
}

// run calls fn(outOff, offsets, n) over the whole output, in parallel: each call covers n consecutive output
// elements starting at outOff, along which operand o starts at offsets[o] and advances by innerStride[o].
func (p *ewPlan) run(backend *Backend, fn func(outOff int, offsets [3]int, n int)) {
	p.runBlocks(backend, func(b ewBlock) {
		b.each(func(outOff int, offs [3]int, reps int) {
			for r := range reps {
				fn(outOff+r*b.n, [3]int{offs[0] + r*b.step[0], offs[1] + r*b.step[1], offs[2] + r*b.step[2]}, b.n)
			}
		})
	})
}

// ewShortRun is the run length below which runBlocks hands out blocks of consecutive runs.
const ewShortRun = 256

// ewBlock is a block of runs handed out by runBlocks: reps2 groups, consecutive in the output, of reps runs of n
// elements each, also consecutive. Run r of group g starts operand o at offs[o] + g·step2[o] + r·step[o].
type ewBlock struct {
	outOff  int
	offs    [3]int
	n, reps int
	step    [3]int
	reps2   int
	step2   [3]int
}

// each calls fn for every group of the block: its output offset, operand offsets and number of runs.
func (b *ewBlock) each(fn func(outOff int, offs [3]int, reps int)) {
	offs := b.offs
	for g := range b.reps2 {
		fn(b.outOff+g*b.reps*b.n, offs, b.reps)
		for k := range 3 {
			offs[k] += b.step2[k]
		}
	}
}

// runBlocks is run for callers that take several runs at a time. Short runs (broadcasts along a short trailing
// axis, e.g. a [N, 4, 1] weight times [N, 4, 16] features) come in blocks along the first outer axis, so the
// per-run overhead is a loop step instead of a call through the odometer; when those blocks are short too
// (a [N, 1, 16] row repeated 4 times), in blocks of them along the second outer axis.
func (p *ewPlan) runBlocks(backend *Backend, fn func(b ewBlock)) {
	if p.size == 0 {
		return
	}
	if p.inner >= ewShortRun || len(p.outerDims) == 0 || backend.stock.shortRuns {
		p.runLong(backend, fn)
		return
	}
	// Units of work: runs along outer axis 0 (one level), or whole spans of it along outer axis 1 (two levels).
	d0, s0 := p.outerDims[0], p.outerStrides[0]
	level := 0
	if len(p.outerDims) >= 2 && d0*p.inner < ewShortRun {
		level = 1
	}
	d, s := p.outerDims[level], p.outerStrides[level]
	upper, upperStrides := p.outerDims[level+1:], p.outerStrides[level+1:]
	unitSize := p.inner
	if level == 1 {
		unitSize *= d0
	}
	units := p.size / unitSize
	tasks := 1
	if p.size >= ewMinParallel {
		tasks = min(4*max(backend.workers.MaxParallelism(), 1), units)
	}
	do := func(task int) {
		lo, hi := task*units/tasks, (task+1)*units/tasks
		i0, row := lo%d, lo/d
		// Operand offsets of the row's first unit, then an odometer over the upper axes.
		idx := make([]int, len(upper))
		var base [3]int
		rem := row
		for a, dim := range upper {
			idx[a] = rem % dim
			rem /= dim
			for k := range 3 {
				base[k] += idx[a] * upperStrides[a][k]
			}
		}
		for u := lo; u < hi; {
			reps := min(d-i0, hi-u)
			offs := [3]int{base[0] + i0*s[0], base[1] + i0*s[1], base[2] + i0*s[2]}
			if level == 0 {
				fn(ewBlock{outOff: u * unitSize, offs: offs, n: p.inner, reps: reps, step: s, reps2: 1})
			} else {
				fn(ewBlock{outOff: u * unitSize, offs: offs, n: p.inner, reps: d0, step: s0, reps2: reps, step2: s})
			}
			u += reps
			i0 = 0
			for a, dim := range upper {
				idx[a]++
				for k := range 3 {
					base[k] += upperStrides[a][k]
				}
				if idx[a] < dim {
					break
				}
				for k := range 3 {
					base[k] -= dim * upperStrides[a][k]
				}
				idx[a] = 0
			}
		}
	}
	if tasks == 1 {
		do(0)
		return
	}
	backend.workers.ParallelFor(tasks, do)
}

// runLong hands out one run (or a piece of a long run) per call.
func (p *ewPlan) runLong(backend *Backend, fn func(b ewBlock)) {
	outer := p.size / max(p.inner, 1)
	workers := max(backend.workers.MaxParallelism(), 1)
	tasks := 1
	if p.size >= ewMinParallel {
		tasks = 4 * workers
	}
	// Split long runs so there are enough pieces.
	innerChunk := p.inner
	if outer < tasks {
		innerChunk = max(ewMinParallel/4, (p.inner*outer+tasks-1)/tasks)
	}
	piecesPerRun := (p.inner + innerChunk - 1) / innerChunk
	pieces := outer * piecesPerRun
	tasks = min(tasks, pieces)
	do := func(task int) {
		lo, hi := task*pieces/tasks, (task+1)*pieces/tasks
		// Decompose the first piece's outer index, then advance an odometer.
		o := lo / piecesPerRun
		idx := make([]int, len(p.outerDims))
		var base [3]int
		rem := o
		for a, d := range p.outerDims {
			idx[a] = rem % d
			rem /= d
			for k := range 3 {
				base[k] += idx[a] * p.outerStrides[a][k]
			}
		}
		for piece := lo; piece < hi; piece++ {
			o, part := piece/piecesPerRun, piece%piecesPerRun
			i0 := part * innerChunk
			n := min(innerChunk, p.inner-i0)
			var offs [3]int
			for k := range 3 {
				offs[k] = base[k] + i0*p.innerStride[k]
			}
			fn(ewBlock{outOff: o*p.inner + i0, offs: offs, n: n, reps: 1, reps2: 1})
			if part == piecesPerRun-1 {
				// Next run: advance the odometer.
				for a, d := range p.outerDims {
					idx[a]++
					for k := range 3 {
						base[k] += p.outerStrides[a][k]
					}
					if idx[a] < d {
						break
					}
					for k := range 3 {
						base[k] -= d * p.outerStrides[a][k]
					}
					idx[a] = 0
				}
			}
		}
	}
	if tasks == 1 {
		do(0)
		return
	}
	backend.workers.ParallelFor(tasks, do)
}

// pickLoop returns the loop variant for a run where x advances by xs and y by ys (0 or 1): 0 vv, 1 vs, 2 sv;
// -1 when both are fixed (filled by a vs loop over a 1-element x... handled by the caller).
func pickLoop(xs, ys int) int {
	switch {
	case xs == 1 && ys == 1:
		return 0
	case xs == 1:
		return 1
	case ys == 1:
		return 2
	}
	return -1
}

// execBinaryFast is the executor of float32 binary arithmetic.
func execBinaryFast(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	if node.shape.DType != dtypes.Float32 || (inputs[0].shape.Rank() != node.shape.Rank() && inputs[0].shape.Size() != 1) ||
		(inputs[1].shape.Rank() != node.shape.Rank() && inputs[1].shape.Size() != 1) {
		return stockElementwise[node.opType](backend, node, inputs, inputsOwned)
	}
	x, y := inputs[0], inputs[1]
	xf, yf := x.flat.([]float32), y.flat.([]float32)
	var output *Buffer
	switch {
	case inputsOwned[0] && x.shape.Equal(node.shape):
		output, inputs[0] = x, nil
	case inputsOwned[1] && y.shape.Equal(node.shape):
		output, inputs[1] = y, nil
	default:
		output = backend.getBufferForShape(node.shape)
	}
	out := output.flat.([]float32)
	loops := binaryLoopsFloat32[node.opType]
	p := newEWPlan(node.shape, x.shape, y.shape)
	v := pickLoop(p.innerStride[0], p.innerStride[1])
	simd := !backend.stock.simd
	p.runBlocks(backend, func(b ewBlock) {
		if simd && binaryRuns(node.opType, v, out[b.outOff:], xf[b.offs[0]:], yf[b.offs[1]:], &b) {
			return
		}
		runBinaryBlock(b, v, loops, out, xf, yf)
	})
	return output, nil
}

// runBinaryBlock applies loops[v] (v from pickLoop) to every row of block b; v == -1 (both operands
// broadcast along the row) computes one value and fills the row with it. O is float32 for arithmetic, bool
// for comparisons.
func runBinaryBlock[O any](b ewBlock, v int, loops [3]func(out []O, x, y []float32), out []O, xf, yf []float32) {
	n, step := b.n, b.step
	b.each(func(outOff int, offs [3]int, reps int) {
		xo, yo := offs[0], offs[1]
		for r := range reps {
			o := out[outOff+r*n : outOff+(r+1)*n]
			if v == -1 {
				var tmp [1]O
				loops[1](tmp[:], xf[xo:], yf[yo:])
				for i := range o {
					o[i] = tmp[0]
				}
			} else {
				loops[v](o, xf[xo:], yf[yo:])
			}
			xo += step[0]
			yo += step[1]
		}
	})
}

// execCompareFast is the executor of float32 comparisons.
func execCompareFast(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	x, y := inputs[0], inputs[1]
	if x.shape.DType != dtypes.Float32 || (x.shape.Rank() != node.shape.Rank() && x.shape.Size() != 1) ||
		(y.shape.Rank() != node.shape.Rank() && y.shape.Size() != 1) {
		return stockElementwise[node.opType](backend, node, inputs, inputsOwned)
	}
	xf, yf := x.flat.([]float32), y.flat.([]float32)
	output := backend.getBufferForShape(node.shape)
	out := output.flat.([]bool)
	loops := compareLoopsFloat32[node.opType]
	p := newEWPlan(node.shape, x.shape, y.shape)
	v := pickLoop(p.innerStride[0], p.innerStride[1])
	p.runBlocks(backend, func(b ewBlock) {
		runBinaryBlock(b, v, loops, out, xf, yf)
	})
	return output, nil
}

// execWhereFast is the executor of float32 Where.
func execWhereFast(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	cond, onTrue, onFalse := inputs[0], inputs[1], inputs[2]
	for _, in := range inputs {
		if in.shape.Rank() != node.shape.Rank() && in.shape.Size() != 1 {
			return execWhere(backend, node, inputs, inputsOwned)
		}
	}
	if node.shape.DType != dtypes.Float32 {
		return execWhere(backend, node, inputs, inputsOwned)
	}
	cf, tf, ff := cond.flat.([]bool), onTrue.flat.([]float32), onFalse.flat.([]float32)
	var output *Buffer
	switch {
	case inputsOwned[1] && onTrue.shape.Equal(node.shape):
		output, inputs[1] = onTrue, nil
	case inputsOwned[2] && onFalse.shape.Equal(node.shape):
		output, inputs[2] = onFalse, nil
	default:
		output = backend.getBufferForShape(node.shape)
	}
	out := output.flat.([]float32)
	p := newEWPlan(node.shape, cond.shape, onTrue.shape, onFalse.shape)
	p.run(backend, func(outOff int, offs [3]int, n int) {
		o := out[outOff : outOff+n]
		cs, ts, fs := p.innerStride[0], p.innerStride[1], p.innerStride[2]
		if cs == 1 && ts == 1 && fs == 1 {
			c, t, f := cf[offs[0]:offs[0]+n], tf[offs[1]:offs[1]+n], ff[offs[2]:offs[2]+n]
			for i := range o {
				if c[i] {
					o[i] = t[i]
				} else {
					o[i] = f[i]
				}
			}
			return
		}
		ci, ti, fi := offs[0], offs[1], offs[2]
		for i := range o {
			if cf[ci] {
				o[i] = tf[ti]
			} else {
				o[i] = ff[fi]
			}
			ci += cs
			ti += ts
			fi += fs
		}
	})
	return output, nil
}

// execUnaryFast runs the stock float32 loop of a unary op on chunks in parallel.
func execUnaryFast(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	if inputs[0].shape.DType != dtypes.Float32 {
		return stockElementwise[node.opType](backend, node, inputs, inputsOwned)
	}
	input, output := unaryOperandAndOutput(backend, inputs, inputsOwned)
	in, out := input.flat.([]float32), output.flat.([]float32)
	fn := unaryFloat32[node.opType]
	if f, ok := fastUnaryFloat32[node.opType]; ok && !backend.stock.math {
		fn = f
		if f, ok := simdUnaryFloat32Ops[node.opType]; ok && !backend.stock.simd {
			fn = f
		}
	}
	p := &ewPlan{size: len(in), inner: len(in), innerStride: [3]int{1}}
	p.run(backend, func(outOff int, _ [3]int, n int) {
		fn(in[outOff:outOff+n], out[outOff:outOff+n])
	})
	return output, nil
}
