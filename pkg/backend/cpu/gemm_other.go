//go:build !amd64

package cpu

// simdFloat32Kernels: no assembly kernels outside amd64; the Go micro-kernel is used.
func simdFloat32Kernels() []*gemmKernel[float32] { return nil }
