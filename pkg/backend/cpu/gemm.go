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
	// micro adds the mr x nr block ap · bp, over k steps of packed panels (ap[i*mr+r], bp[i*nr+j]), to the
	// tile c[r*ldc+j]. k may be 0.
	micro func(k int, ap, bp, c []T, ldc int)
}

// goKernel returns the portable micro-kernel.
func goKernel[T float32 | float64]() *gemmKernel[T] {
	return &gemmKernel[T]{name: "go", mr: 4, nr: 2, micro: goMicroKernel[T]}
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
}

// defaultGemmKernels picks the fastest micro-kernels this CPU runs.
func defaultGemmKernels() gemmKernels {
	ks := gemmKernels{f32: goKernel[float32](), f64: goKernel[float64]()}
	if simd := simdFloat32Kernels(); len(simd) > 0 {
		ks.f32 = simd[0]
	}
	return ks
}

// selectGemmKernel sets the float32 micro-kernel by name ("go", "avx2", "avx512"): the "gemm=" option of New.
func (ks *gemmKernels) selectFloat32(name string) error {
	if name == "go" {
		ks.f32 = goKernel[float32]()
		return nil
	}
	names := []string{"go"}
	for _, k := range simdFloat32Kernels() {
		if k.name == name {
			ks.f32 = k
			return nil
		}
		names = append(names, k.name)
	}
	return fmt.Errorf("gemm=%q: not available on this CPU (have %s)", name, strings.Join(names, ", "))
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
