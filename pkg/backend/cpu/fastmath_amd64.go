package cpu

import (
	"github.com/gomlx/gomlx/backends"
	"golang.org/x/sys/cpu"
)

//go:generate go run gen_fastmath_amd64.go

// The AVX2+FMA loops of fastmath_amd64.s: each computes out[i] = f(in[i]) for i in [0, n) (n a multiple of 8),
// 8 at a time, and returns at the first group of 8 holding an argument outside its fast path, with the number
// of elements done.

//go:noescape
func expAVX2(in, out *float32, n int) int

//go:noescape
func logAVX2(in, out *float32, n int) int

//go:noescape
func log1pAVX2(in, out *float32, n int) int

//go:noescape
func logisticAVX2(in, out *float32, n int) int

//go:noescape
func signAVX2(in, out *float32, n int) int

// The row loop of the scatter executor (see gen_fastmath_amd64.go); rowBytes a multiple of 32.

//go:noescape
func addRowsAVX2(dst, src *float32, rows *int32, n, rowBytes int)

// hasAVX2 says whether this CPU runs the AVX2 loops.
var hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// addRows adds src row i (rows of runLen elements, consecutive) to dst row rows[i], for every rows[i] ≥ 0, in
// order. It reports false, doing nothing, where it has no vector loop for rows of that length.
func addRows(dst, src []float32, rows []int32, runLen int) bool {
	if !hasAVX2 || runLen%8 != 0 || len(rows) == 0 {
		return false
	}
	_ = src[len(rows)*runLen-1] // The bounds the assembly relies on (dst's are checked by the caller).
	addRowsAVX2(&dst[0], &src[0], &rows[0], len(rows), runLen*4)
	return true
}

// simdUnaryFloat32 returns the vector versions of the fastmath.go loops this CPU runs, by name.
func simdUnaryFloat32() map[string]func(in, out []float32) {
	if !hasAVX2 {
		return nil
	}
	return map[string]func(in, out []float32){
		"exp":      simdLoop(expAVX2, exp32),
		"log":      simdLoop(logAVX2, log32),
		"log1p":    simdLoop(log1pAVX2, log1p32),
		"logistic": simdLoop(logisticAVX2, logistic32),
		"sign":     simdLoop(signAVX2, nil),
	}
}

// simdLoop wraps a vector loop: groups it stops at, and the last len%8 elements, go to the scalar function
// (nil when the vector loop never stops: the tail then goes through a padded group).
func simdLoop(vec func(in, out *float32, n int) int, scalar func(float32) float32) func(in, out []float32) {
	return func(in, out []float32) {
		out = out[:len(in)]
		i := 0
		for n8 := len(in) &^ 7; i < n8; {
			i += vec(&in[i], &out[i], n8-i)
			if i < n8 {
				for j := i; j < i+8; j++ {
					out[j] = scalar(in[j])
				}
				i += 8
			}
		}
		if i == len(in) {
			return
		}
		if scalar != nil {
			for ; i < len(in); i++ {
				out[i] = scalar(in[i])
			}
			return
		}
		var pin, pout [8]float32
		copy(pin[:], in[i:])
		vec(&pin[0], &pout[0], 8)
		copy(out[i:], pout[:])
	}
}

// The loops over blocks of short runs of the element-wise executors (see gen_fastmath_amd64.go's runLoops).

//go:noescape
func binRunsAddvvAVX2(out, x, y *float32, reps, n, xs, ys, reps2, xs2, ys2 int)

//go:noescape
func binRunsAddvsAVX2(out, x, y *float32, reps, n, xs, ys, reps2, xs2, ys2 int)

//go:noescape
func binRunsAddsvAVX2(out, x, y *float32, reps, n, xs, ys, reps2, xs2, ys2 int)

//go:noescape
func binRunsSubvvAVX2(out, x, y *float32, reps, n, xs, ys, reps2, xs2, ys2 int)

//go:noescape
func binRunsSubvsAVX2(out, x, y *float32, reps, n, xs, ys, reps2, xs2, ys2 int)

//go:noescape
func binRunsSubsvAVX2(out, x, y *float32, reps, n, xs, ys, reps2, xs2, ys2 int)

//go:noescape
func binRunsMulvvAVX2(out, x, y *float32, reps, n, xs, ys, reps2, xs2, ys2 int)

//go:noescape
func binRunsMulvsAVX2(out, x, y *float32, reps, n, xs, ys, reps2, xs2, ys2 int)

//go:noescape
func binRunsMulsvAVX2(out, x, y *float32, reps, n, xs, ys, reps2, xs2, ys2 int)

//go:noescape
func binRunsDivvvAVX2(out, x, y *float32, reps, n, xs, ys, reps2, xs2, ys2 int)

//go:noescape
func binRunsDivvsAVX2(out, x, y *float32, reps, n, xs, ys, reps2, xs2, ys2 int)

//go:noescape
func binRunsDivsvAVX2(out, x, y *float32, reps, n, xs, ys, reps2, xs2, ys2 int)

//go:noescape
func fillRunsAVX2(out, in *uint32, reps, n, s, reps2, s2 int)

//go:noescape
func copyRunsAVX2(out, in *uint32, reps, n, s, reps2, s2 int)

//go:noescape
func sumColumnsAVX2(out, in *float32, rows, reduced, inner int)

// binRunsAVX2 holds, per op, the vv, vs and sv loops (as binaryLoopsFloat32).
var binRunsAVX2 = map[backends.OpType][3]func(out, x, y *float32, reps, n, xs, ys, reps2, xs2, ys2 int){
	backends.OpTypeAdd: {binRunsAddvvAVX2, binRunsAddvsAVX2, binRunsAddsvAVX2},
	backends.OpTypeSub: {binRunsSubvvAVX2, binRunsSubvsAVX2, binRunsSubsvAVX2},
	backends.OpTypeMul: {binRunsMulvvAVX2, binRunsMulvsAVX2, binRunsMulsvAVX2},
	backends.OpTypeDiv: {binRunsDivvvAVX2, binRunsDivvsAVX2, binRunsDivsvAVX2},
}

// binaryRuns computes block b of out = x op y (out, x and y starting at the block's offsets), with the loop
// variant v of pickLoop (0 vv, 1 vs, 2 sv). It reports false, doing nothing, where it has no vector loop.
func binaryRuns(op backends.OpType, v int, out, x, y []float32, b *ewBlock) bool {
	loops, ok := binRunsAVX2[op]
	if !hasAVX2 || !ok || v < 0 || b.reps == 0 || b.n == 0 || b.reps2 == 0 {
		return false
	}
	xn, yn := b.n, b.n // Elements read per run.
	switch v {
	case 1:
		yn = 1
	case 2:
		xn = 1
	}
	// The bounds the assembly relies on (strides are not negative).
	_ = out[b.reps2*b.reps*b.n-1]
	_ = x[(b.reps2-1)*b.step2[0]+(b.reps-1)*b.step[0]+xn-1]
	_ = y[(b.reps2-1)*b.step2[1]+(b.reps-1)*b.step[1]+yn-1]
	loops[v](&out[0], &x[0], &y[0], b.reps, b.n, b.step[0], b.step[1], b.reps2, b.step2[0], b.step2[1])
	return true
}

// broadcastRuns sets block b of out from in (both starting at the block's offsets): every run filled with its
// first operand element (fill), or copied from its operand run. It reports false, doing nothing, where it has
// no vector loop.
func broadcastRuns(fill bool, out, in []uint32, b *ewBlock) bool {
	if !hasAVX2 || b.reps == 0 || b.n == 0 || b.reps2 == 0 {
		return false
	}
	last := (b.reps2-1)*b.step2[0] + (b.reps-1)*b.step[0]
	_ = out[b.reps2*b.reps*b.n-1]
	if fill {
		_ = in[last]
		fillRunsAVX2(&out[0], &in[0], b.reps, b.n, b.step[0], b.reps2, b.step2[0])
		return true
	}
	_ = in[last+b.n-1]
	copyRunsAVX2(&out[0], &in[0], b.reps, b.n, b.step[0], b.reps2, b.step2[0])
	return true
}

// sumColumns sets out (rows x inner) to in (rows x reduced x inner) summed over its middle axis, each element
// from 0 in order. It reports false, doing nothing, where it has no vector loop (inner not a multiple of 8).
func sumColumns(out, in []float32, rows, reduced, inner int) bool {
	if !hasAVX2 || inner%8 != 0 || rows == 0 || inner == 0 {
		return false
	}
	_, _ = out[rows*inner-1], in[rows*reduced*inner-1]
	if reduced == 0 {
		clear(out[:rows*inner])
		return true
	}
	sumColumnsAVX2(&out[0], &in[0], rows, reduced, inner)
	return true
}
