package cpu

// A small register-blocked matrix-multiplication core shared by the fast convolution executor.
//
// Operands are packed in panels, the layout used by BLIS/GotoBLAS: A (m x k) in panels of gemmMR rows stored
// column by column (ap[k*gemmMR+r]), B (k x n) in panels of gemmNR columns stored row by row (bp[k*gemmNR+c]).
// The micro-kernel then reads both panels sequentially and keeps a gemmMR x gemmNR block of C in registers, so
// each loaded value is used gemmNR (or gemmMR) times. Plain Go, no assembly: a later SIMD kernel only needs to
// replace gemmMicroKernel.

const (
	gemmMR = 4 // Rows of A (and C) per micro-kernel call.
	gemmNR = 2 // Columns of B (and C) per micro-kernel call.
)

// gemmMicroKernel computes the gemmMR x gemmNR block c = ap · bp over k steps, where ap and bp are packed panels
// (ap[i*gemmMR+r], bp[i*gemmNR+c]). The block is returned in row-major order.
//
// 4x2 was the fastest shape measured on amd64 (about 6 GFLOP/s per core for float32): Go's register allocator has
// 15 usable vector registers, and a 4x4 block (16 accumulators) spills to the stack on every step.
func gemmMicroKernel[T float32 | float64](k int, ap, bp []T) (c [gemmMR * gemmNR]T) {
	var c00, c01, c10, c11, c20, c21, c30, c31 T
	ap = ap[:k*gemmMR]
	bp = bp[:k*gemmNR]
	for i := 0; i < k; i++ {
		a := ap[i*gemmMR : i*gemmMR+gemmMR : i*gemmMR+gemmMR]
		b := bp[i*gemmNR : i*gemmNR+gemmNR : i*gemmNR+gemmNR]
		b0, b1 := b[0], b[1]
		c00 += a[0] * b0
		c01 += a[0] * b1
		c10 += a[1] * b0
		c11 += a[1] * b1
		c20 += a[2] * b0
		c21 += a[2] * b1
		c30 += a[3] * b0
		c31 += a[3] * b1
	}
	return [gemmMR * gemmNR]T{c00, c01, c10, c11, c20, c21, c30, c31}
}
