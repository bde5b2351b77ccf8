package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// fillRandom fills a buffer with values whose sums depend on the summation order (full mantissas), with a few
// zeros of both signs, NaNs (floats) and extreme values mixed in.
func fillRandom(rng *rand.Rand, buf *Buffer) {
	switch flat := buf.flat.(type) {
	case []float32:
		for i := range flat {
			flat[i] = float32(rng.NormFloat64() * math.Exp2(float64(rng.IntN(20)-10)))
			switch rng.IntN(200) {
			case 0:
				flat[i] = float32(math.Copysign(0, -1))
			case 1:
				flat[i] = float32(math.NaN())
			case 2:
				flat[i] = float32(math.Inf(-1 + 2*rng.IntN(2)))
			}
		}
	case []float64:
		for i := range flat {
			flat[i] = rng.NormFloat64() * math.Exp2(float64(rng.IntN(60)-30))
			if rng.IntN(200) == 0 {
				flat[i] = math.Copysign(0, -1)
			}
		}
	case []int32:
		for i := range flat {
			flat[i] = int32(rng.Uint32())
		}
	case []int64:
		for i := range flat {
			flat[i] = int64(rng.Uint64())
		}
	}
}

// sameBits fails unless got and want hold the same bits (NaNs of any payload count as equal).
func sameBits(t *testing.T, what string, got, want *Buffer) {
	t.Helper()
	switch w := want.flat.(type) {
	case []float32:
		g := got.flat.([]float32)
		for i := range w {
			if math.Float32bits(g[i]) != math.Float32bits(w[i]) && !(g[i] != g[i] && w[i] != w[i]) {
				t.Fatalf("%s: [%d] = %g, stock executor gives %g", what, i, g[i], w[i])
			}
		}
	case []float64:
		g := got.flat.([]float64)
		for i := range w {
			if math.Float64bits(g[i]) != math.Float64bits(w[i]) && !(g[i] != g[i] && w[i] != w[i]) {
				t.Fatalf("%s: [%d] = %g, stock executor gives %g", what, i, g[i], w[i])
			}
		}
	case []int32:
		g := got.flat.([]int32)
		for i := range w {
			if g[i] != w[i] {
				t.Fatalf("%s: [%d] = %d, stock executor gives %d", what, i, g[i], w[i])
			}
		}
	case []int64:
		g := got.flat.([]int64)
		for i := range w {
			if g[i] != w[i] {
				t.Fatalf("%s: [%d] = %d, stock executor gives %d", what, i, g[i], w[i])
			}
		}
	default:
		t.Fatalf("%s: unexpected buffer type %T", what, want.flat)
	}
}

// TestReduceFastMatchesStock checks the fast reductions bit for bit against the stock executor on random shapes
// (with size-1 axes) and random axis subsets, adjacent or not, small and large, for every dtype they handle.
func TestReduceFastMatchesStock(t *testing.T) {
	be, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	b := be.(*Backend)
	defer b.Finalize()
	rng := rand.New(rand.NewPCG(5, 6))
	ops := []backends.OpType{backends.OpTypeReduceSum, backends.OpTypeReduceMax, backends.OpTypeReduceMin}
	dts := []dtypes.DType{dtypes.Float32, dtypes.Float64, dtypes.Int32, dtypes.Int64}
	for iter := range 300 {
		rank := 1 + rng.IntN(5)
		dims := make([]int, rank)
		for a := range dims {
			dims[a] = []int{1, 2, 3, 4, 7, 16, 24, 33}[rng.IntN(8)]
			if rng.IntN(6) == 0 {
				dims[a] = 100 + rng.IntN(3000)
			}
		}
		var axes, outDims []int
		for a, d := range dims {
			if rng.IntN(2) == 0 {
				axes = append(axes, a)
			} else {
				outDims = append(outDims, d)
			}
		}
		if len(axes) == 0 {
			axes = append(axes, rng.IntN(rank))
			outDims = outDims[:0]
			for a, d := range dims {
				if a != axes[0] {
					outDims = append(outDims, d)
				}
			}
		}
		in := shapes.Make(dts[iter%len(dts)], dims...)
		if in.Size() > 1<<22 {
			continue
		}
		x := b.getBufferForShape(in)
		fillRandom(rng, x)
		for _, op := range ops {
			node := &Node{opType: op, shape: shapes.Make(in.DType, outDims...), data: axes}
			got, err := execReduceFast(b, node, []*Buffer{x}, []bool{false})
			if err != nil {
				t.Fatal(err)
			}
			want, err := execReduce(b, node, []*Buffer{x}, []bool{false})
			if err != nil {
				t.Fatal(err)
			}
			sameBits(t, fmt.Sprintf("%s %s axes %v", op, in, axes), got, want)
		}
	}
}

func TestReduceLayout(t *testing.T) {
	for _, c := range []struct {
		dims, axes            []int
		outer, reduced, inner int
		ok                    bool
	}{
		{[]int{1, 98304, 4, 16}, []int{2}, 98304, 4, 16, true},
		{[]int{1, 32, 128, 128}, []int{2, 3}, 32, 16384, 1, true},
		{[]int{1, 32, 128, 128}, []int{0, 2, 3}, 32, 16384, 1, true},
		{[]int{5, 3, 2}, []int{0}, 1, 5, 6, true},
		{[]int{5, 1, 2}, []int{0, 2}, 1, 10, 1, true}, // The size-1 axis between does not count.
		{[]int{5, 3, 2}, []int{0, 2}, 0, 0, 0, false},
		{[]int{5, 3, 2}, []int{1}, 5, 3, 2, true},
		{[]int{1, 1}, []int{1}, 1, 1, 1, true},
	} {
		o, r, i, ok := reduceLayout(c.dims, c.axes)
		if ok != c.ok || (ok && (o != c.outer || r != c.reduced || i != c.inner)) {
			t.Errorf("reduceLayout(%v, %v) = %d, %d, %d, %v; want %d, %d, %d, %v", c.dims, c.axes, o, r, i, ok,
				c.outer, c.reduced, c.inner, c.ok)
		}
	}
}

func BenchmarkReduce(b *testing.B) {
	for _, c := range []struct {
		dims, axes []int
	}{
		{[]int{1, 98304, 4, 16}, []int{2}},    // Triplane sampling: the sum over the four bilinear taps.
		{[]int{1, 3, 98304, 16}, []int{1}},    // The mean over the three planes.
		{[]int{1, 4096, 24, 24}, []int{3}},    // The importance sampler's counts (int32 there).
		{[]int{1, 32, 128, 128}, []int{2, 3}}, // A bias gradient.
		{[]int{98304, 32}, []int{0}},          // A dense layer's bias gradient.
	} {
		for _, config := range []string{"", "stock=reduce"} {
			be, err := New(config)
			if err != nil {
				b.Fatal(err)
			}
			bk := be.(*Backend)
			in := shapes.Make(dtypes.Float32, c.dims...)
			x := bk.getBufferForShape(in)
			fillRandom(rand.New(rand.NewPCG(1, 1)), x)
			var outDims []int
			for a, d := range c.dims {
				if !containsInt(c.axes, a) {
					outDims = append(outDims, d)
				}
			}
			node := &Node{opType: backends.OpTypeReduceSum, shape: shapes.Make(dtypes.Float32, outDims...), data: c.axes}
			b.Run(fmt.Sprintf("%v%v/%s", c.dims, c.axes, map[string]string{"": "fast", "stock=reduce": "stock"}[config]), func(b *testing.B) {
				for range b.N {
					out, err := nodeExecutors[backends.OpTypeReduceSum](bk, node, []*Buffer{x}, []bool{false})
					if err != nil {
						b.Fatal(err)
					}
					bk.putBuffer(out)
				}
				b.ReportMetric(float64(in.Memory())*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			})
			bk.Finalize()
		}
	}
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
