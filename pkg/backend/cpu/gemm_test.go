package cpu

import (
	"math/rand/v2"
	"testing"
)

// TestGemmMicroKernels checks every micro-kernel this CPU runs against the textbook sum, for k from 0 (C
// unchanged) past the 4-step unrolling, adding into a C tile with a row stride wider than the tile.
func TestGemmMicroKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 3))
	kernels := append([]*gemmKernel[float32]{goKernel[float32]()}, simdFloat32Kernels()...)
	for _, kern := range kernels {
		for _, k := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 31, 64, 257} {
			mr, nr, ldc := kern.mr, kern.nr, kern.nr+3
			a, b := make([]float32, k*mr), make([]float32, k*nr)
			for i := range a {
				a[i] = float32(rng.IntN(9) - 4)
			}
			for i := range b {
				b[i] = float32(rng.IntN(9) - 4)
			}
			c := make([]float32, (mr-1)*ldc+nr)
			want := make([]float32, len(c))
			for i := range c {
				c[i] = float32(rng.IntN(5))
				want[i] = c[i]
			}
			for r := range mr {
				for j := range nr {
					for i := range k {
						want[r*ldc+j] += a[i*mr+r] * b[i*nr+j]
					}
				}
			}
			kern.micro(k, a, b, c, ldc)
			for i := range c {
				if c[i] != want[i] {
					t.Fatalf("%s kernel, k=%d: c[%d] = %g, want %g", kern.name, k, i, c[i], want[i])
				}
			}
		}
	}
	// float64 runs the Go kernel.
	a, b, c := []float64{1, 2, 3, 4, 5, 6, 7, 8}, []float64{1, 10, 2, 20}, make([]float64, 4*2)
	goMicroKernel(2, a, b, c, 2)
	if c[0] != 1*1+5*2 || c[7] != 4*10+8*20 {
		t.Errorf("float64 Go kernel: %v", c)
	}
}
