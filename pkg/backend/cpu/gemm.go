package cpu

// The register-blocked matrix-multiplication core shared by the convolution and DotGeneral executors.
//
// Operands are packed in panels, the layout used by BLIS/GotoBLAS: A (m x k) in panels of mr rows stored
// column by column (ap[i*mr+r]), B (k x n) in panels of nr columns stored row by row (bp[i*nr+c]). The
// micro-kernel reads both panels sequentially and keeps an mr x nr block of C in registers, so each loaded
// value is used nr (or mr) times. For float32 on amd64 the micro-kernels are assembly (AVX2+FMA 6x16, AVX-512
// 12x32, gemm_amd64.s); elsewhere, and for float64, a plain Go 4x2 kernel.

import (
	"fmt"
	"strings"
)

// gemmKernel is one micro-kernel and its block shape.
type gemmKernel[T float32 | float64] struct {
	name   string
	mr, nr int
	lanes  int // Of its vector registers (1: scalar).
	// micro adds the mr x nr block ap · bp, over k steps of packed panels (ap[i*mr+r], bp[i*nr+j]), to the
	// tile c[r*ldc+j]. k may be 0.
	micro func(k int, ap, bp, c []T, ldc int)
}

// goKernel returns the portable micro-kernel.
func goKernel[T float32 | float64]() *gemmKernel[T] {
	return &gemmKernel[T]{name: "go", mr: 4, nr: 2, lanes: 1, micro: goMicroKernel[T]}
}

// goMicroKernel is the portable 4x2 micro-kernel. 4x2 was the fastest shape measured on amd64 in plain Go
// (about 6 GFLOP/s per core for float32): Go's register allocator has 15 usable vector registers, and a 4x4
// block spills to the stack on every step.
func goMicroKernel[T float32 | float64](k int, ap, bp, c []T, ldc int) {
	var c00, c01, c10, c11, c20, c21, c30, c31 T
	ap = ap[:k*4]
	bp = bp[:k*2]
	for i := 0; i < k; i++ {
		a := ap[i*4 : i*4+4 : i*4+4]
		b := bp[i*2 : i*2+2 : i*2+2]
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
	c = c[:3*ldc+2]
	c[0] += c00
	c[1] += c01
	c[ldc] += c10
	c[ldc+1] += c11
	c[2*ldc] += c20
	c[2*ldc+1] += c21
	c[3*ldc] += c30
	c[3*ldc+1] += c31
}

// gemmKernels holds the micro-kernel an engine uses for each float type.
type gemmKernels struct {
	f32 *gemmKernel[float32]
	f64 *gemmKernel[float64]
	// f32Choices are the float32 micro-kernels kernelForShape picks from: every one this CPU runs, or the one
	// the option gemm= names.
	f32Choices []*gemmKernel[float32]
}

// defaultGemmKernels picks the fastest micro-kernels this CPU runs.
func defaultGemmKernels() gemmKernels {
	ks := gemmKernels{f32: goKernel[float32](), f64: goKernel[float64]()}
	if simd := simdFloat32Kernels(); len(simd) > 0 {
		ks.f32 = simd[0]
		ks.f32Choices = simd
	}
	return ks
}

// selectGemmKernel sets the float32 micro-kernel by name ("go", "avx2", "avx512"): the "gemm=" option of New.
func (ks *gemmKernels) selectFloat32(name string) error {
	if name == "go" {
		ks.f32 = goKernel[float32]()
		ks.f32Choices = nil
		return nil
	}
	names := []string{"go"}
	for _, k := range simdFloat32Kernels() {
		if k.name == name {
			ks.f32 = k
			ks.f32Choices = []*gemmKernel[float32]{k}
			return nil
		}
		names = append(names, k.name)
	}
	return fmt.Errorf("gemm=%q: not available on this CPU (have %s)", name, strings.Join(names, ", "))
}

// kernelForShape returns backend's micro-kernel for T that suits an m x k by k x n product best: the wider
// kernels do more per instruction, but a matrix narrower than their tile wastes the padding, and every edge tile
// goes through a temporary (EG3D's decoder multiplies 98304 x 32 by 32 x 16: the 12x32 AVX-512 tile is half
// padding, and its edge copies took three times as long as the 6x16 AVX2 kernel's full tiles).
func kernelForShape[T float32 | float64](backend *Backend, m, n, k int) *gemmKernel[T] {
	var zero T
	if _, ok := any(zero).(float32); !ok || len(backend.gemm.f32Choices) < 2 {
		return kernelFor[T](backend)
	}
	best, bestCost := backend.gemm.f32Choices[0], 0.0
	for _, kern := range backend.gemm.f32Choices {
		if c := gemmCost(kern.mr, kern.nr, kern.lanes, m, n, k); best == kern || c < bestCost {
			best, bestCost = kern, c
		}
	}
	return any(best).(*gemmKernel[T])
}

// gemmCost estimates the instructions of an m x n x k product with an mr x nr micro-kernel of lanes-wide vectors:
// a multiply-add per vector of the tile and step of k, and for the tiles at the edges (partly outside the
// matrix) two scalar operations per element of the tile, its copy through a temporary.
func gemmCost(mr, nr, lanes, m, n, k int) float64 {
	tm, tn := (m+mr-1)/mr, (n+nr-1)/nr
	edges := tm*tn - (m/mr)*(n/nr)
	return float64(tm*tn)*float64(k*mr*nr/lanes) + float64(edges)*float64(2*mr*nr)
}

// kernelFor returns backend's micro-kernel for T.
func kernelFor[T float32 | float64](backend *Backend) *gemmKernel[T] {
	var zero T
	switch any(zero).(type) {
	case float32:
		return any(backend.gemm.f32).(*gemmKernel[T])
	default:
		return any(backend.gemm.f64).(*gemmKernel[T])
	}
}
