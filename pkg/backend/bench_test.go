package backend

// Benchmarks of the cpu engine against stock simplego. Run briefly, the machine is shared:
//
//	go test ./pkg/backend -run XXX -bench . -benchtime=3x
//
// "stock" is GoMLX's simplego with ops_sequential (its default parallel mode can deadlock). It cannot run a
// convolution's gradient at all (no Reverse op), so that case is skipped.

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/core/tensors/images"
)

func randomFloat32(rng *rand.Rand, dims ...int) *tensors.Tensor {
	values := make([]float32, shapes.Make(dtypes.Float32, dims...).Size())
	for i := range values {
		values[i] = rng.Float32() - 0.5
	}
	return tensors.FromFlatDataAndDimensions(values, dims...)
}

// benchExec times exec on inputs and reports GFLOP/s for flops per run, and the peak resident memory of the
// process during the runs (sampled every 5 ms; the cpu engine keeps large buffers outside the Go heap, so the
// heap alone would miss them; the Go heap in use where /proc is missing).
func benchExec(b *testing.B, exec *Exec, flops float64, inputs ...any) {
	exec.MustExec(inputs...) // Compile and warm up.
	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if m := residentBytes(); m > peak.Load() {
				peak.Store(m)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	b.ResetTimer()
	for range b.N {
		for _, t := range exec.MustExec(inputs...) {
			t.FinalizeAll()
		}
	}
	b.StopTimer()
	close(stop)
	<-sampled
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-RSS-MiB")
}

// residentBytes returns the process's resident memory (Linux), or the Go heap in use.
func residentBytes() uint64 {
	if data, err := os.ReadFile("/proc/self/statm"); err == nil {
		if f := strings.Fields(string(data)); len(f) > 1 {
			if pages, err := strconv.ParseUint(f[1], 10, 64); err == nil {
				return pages * uint64(os.Getpagesize())
			}
		}
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

func benchBackends(b *testing.B) map[string]backends.Backend {
	InstallGradients()
	stock, err := backends.NewWithConfig("go:ops_sequential")
	if err != nil {
		b.Fatal(err)
	}
	cpu, err := NewWithConfig("cpu")
	if err != nil {
		b.Fatal(err)
	}
	return map[string]backends.Backend{"stock": stock, "cpu": cpu}
}

// BenchmarkConv3x3 is a 3x3, 64->64 channel convolution with "same" padding on a 1x64x128x128 NCHW image.
func BenchmarkConv3x3(b *testing.B) {
	const n, c, h, w = 1, 64, 128, 128
	flops := 2.0 * n * c * c * 9 * h * w
	conv := func(x, k *Node) *Node {
		return Convolve(x, k).ChannelsAxis(images.ChannelsFirst).Strides(1).PadSame().Done()
	}
	for _, name := range []string{"stock", "cpu"} {
		be := benchBackends(b)[name]
		rng := rand.New(rand.NewPCG(1, 1))
		x, k, r := randomFloat32(rng, n, c, h, w), randomFloat32(rng, c, c, 3, 3), randomFloat32(rng, n, c, h, w)
		b.Run(name+"/fwd", func(b *testing.B) {
			benchExec(b, MustNewExec(be, conv), flops, x, k)
		})
		b.Run(name+"/fwd+bwd", func(b *testing.B) {
			if name == "stock" {
				b.Skip("stock simplego cannot differentiate a convolution: it has no Reverse op")
			}
			exec := MustNewExec(be, func(x, k, r *Node) []*Node {
				loss := ReduceAllSum(Mul(conv(x, k), r))
				return append([]*Node{loss}, Gradient(loss, x, k)...)
			})
			benchExec(b, exec, 3*flops, x, k, r) // Forward plus the input and kernel gradients.
		})
	}
}

// BenchmarkConvSR is the convolutions of EG3D's super-resolution module on the cpu engine, forward and
// forward+backward: the 3x3 256->256 conv at 256x256 (block 0) and the stride-2 transposed 3x3 256->128 conv
// to 512x512 (block 1), written as EG3D writes it (zeros inserted with Pad, then a 3x3 conv; GFLOP/s count the
// multiplications of a true transposed convolution).
func BenchmarkConvSR(b *testing.B) {
	be := benchBackends(b)["cpu"]
	for _, tc := range []struct {
		name       string
		in, out, h int
		transposed bool
	}{
		{"conv256x256@256", 256, 256, 256, false},
		{"convT256x128@256to512", 256, 128, 256, true},
	} {
		flops := 2.0 * float64(tc.in*tc.out*9*tc.h*tc.h)
		conv := func(x, k *Node) *Node {
			if tc.transposed {
				p := backends.PadAxis{Start: 2, End: 2, Interior: 1}
				x = Pad(x, ScalarZero(x.Graph(), x.DType()), backends.PadAxis{}, backends.PadAxis{}, p, p)
				return Convolve(x, Reverse(k, 2, 3)).ChannelsAxis(images.ChannelsFirst).Strides(1).Done()
			}
			return Convolve(x, k).ChannelsAxis(images.ChannelsFirst).Strides(1).PadSame().Done()
		}
		rng := rand.New(rand.NewPCG(1, 1))
		x, k := randomFloat32(rng, 1, tc.in, tc.h, tc.h), randomFloat32(rng, tc.out, tc.in, 3, 3)
		b.Run(tc.name+"/fwd", func(b *testing.B) {
			benchExec(b, MustNewExec(be, func(x, k *Node) *Node { return ReduceAllSum(conv(x, k)) }), flops, x, k)
		})
		b.Run(tc.name+"/fwd+bwd", func(b *testing.B) {
			exec := MustNewExec(be, func(x, k *Node) []*Node { return Gradient(ReduceAllSum(Square(conv(x, k))), x, k) })
			benchExec(b, exec, 3*flops, x, k)
		})
	}
}

// BenchmarkMatMul is a 1024x1024 · 1024x1024 float32 matmul, forward and forward+backward. The backward with
// GoMLX's own DotGeneral VJP ("cpu+stockVJP") runs at 512³: at 1024³ it builds two 4 GiB tensors.
func BenchmarkMatMul(b *testing.B) {
	flops := func(size int) float64 { return 2 * float64(size) * float64(size) * float64(size) }
	gradient := func(be backends.Backend) *Exec {
		return MustNewExec(be, func(x, y *Node) []*Node { return Gradient(ReduceAllSum(MatMul(x, y)), x, y) })
	}
	const size, small = 1024, 512
	for _, name := range []string{"stock", "cpu"} {
		be := benchBackends(b)[name]
		rng := rand.New(rand.NewPCG(2, 2))
		x, y := randomFloat32(rng, size, size), randomFloat32(rng, size, size)
		b.Run(fmt.Sprintf("%s/fwd/%d", name, size), func(b *testing.B) {
			benchExec(b, MustNewExec(be, MatMul), flops(size), x, y)
		})
		if name != "cpu" {
			continue
		}
		// The gradient of Σ x·y is two matmuls (the forward one is dead code once reduced).
		b.Run(fmt.Sprintf("%s/fwd+bwd/%d", name, size), func(b *testing.B) {
			benchExec(b, gradient(be), 2*flops(size), x, y)
		})
		xs, ys := randomFloat32(rng, small, small), randomFloat32(rng, small, small)
		b.Run(fmt.Sprintf("%s/fwd+bwd/%d", name, small), func(b *testing.B) {
			benchExec(b, gradient(be), 2*flops(small), xs, ys)
		})
		b.Run(fmt.Sprintf("%s+stockVJP/fwd+bwd/%d", name, small), func(b *testing.B) {
			withStockGradients(func() { benchExec(b, gradient(be), 2*flops(small), cloneFloat32(xs), cloneFloat32(ys)) })
		})
	}
}

func cloneFloat32(t *tensors.Tensor) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(tensors.MustCopyFlatData[float32](t), t.Shape().Dimensions...)
}
