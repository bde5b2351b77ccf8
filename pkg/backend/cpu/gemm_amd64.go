package cpu

import "golang.org/x/sys/cpu"

//go:generate go run gen_gemm_amd64.go

// The float32 micro-kernels in gemm_amd64.s (same contract as gemmKernel.micro; pointers to the first element
// of each panel and of the C tile, ldc in elements).

//go:noescape
func sgemmKernelAVX2(k int, a, b, c *float32, ldc int)

//go:noescape
func sgemmKernelAVX512(k int, a, b, c *float32, ldc int)

// simdFloat32Kernels lists the float32 micro-kernels this CPU can run, fastest first.
func simdFloat32Kernels() []*gemmKernel[float32] {
	var ks []*gemmKernel[float32]
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL {
		ks = append(ks, &gemmKernel[float32]{name: "avx512", mr: 12, nr: 32, lanes: 16, micro: func(k int, a, b, c []float32, ldc int) {
			if k == 0 {
				return
			}
			_, _, _ = a[k*12-1], b[k*32-1], c[11*ldc+31] // Bounds the assembly relies on.
			sgemmKernelAVX512(k, &a[0], &b[0], &c[0], ldc)
		}})
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, &gemmKernel[float32]{name: "avx2", mr: 6, nr: 16, lanes: 8, micro: func(k int, a, b, c []float32, ldc int) {
			if k == 0 {
				return
			}
			_, _, _ = a[k*6-1], b[k*16-1], c[5*ldc+15] // Bounds the assembly relies on.
			sgemmKernelAVX2(k, &a[0], &b[0], &c[0], ldc)
		}})
	}
	return ks
}
