package backend

import (
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/core/tensors/images"
)

// TestOpGradients checks, against finite differences on the cpu engine, the gradients of the ops this package
// (VJPs for Rsqrt, Pad, Reverse) or the cpu engine (Pad, Reverse, DynamicSlice, DynamicUpdateSlice and
// SelectAndScatter executors) make work, and of the common ops built on them.
func TestOpGradients(t *testing.T) {
	b := cpuBackend(t)
	rng := rand.New(rand.NewPCG(10, 11))
	positive := func(dims ...int) *tensors.Tensor {
		x := randomTensor(rng, dims...)
		tensors.MustMutableFlatData(x, func(flat []float64) {
			for i := range flat {
				flat[i] = 0.5 + flat[i]*flat[i]
			}
		})
		return x
	}
	tests := []struct {
		name   string
		fn     func(in []*Node) *Node
		inputs []*tensors.Tensor
	}{
		{"Rsqrt", func(in []*Node) *Node { return Rsqrt(in[0]) }, []*tensors.Tensor{positive(3, 4)}},
		{"Reverse", func(in []*Node) *Node { return Reverse(in[0], 0, 2) }, []*tensors.Tensor{randomTensor(rng, 2, 3, 4)}},
		{"Pad with interior and cropping", func(in []*Node) *Node {
			return Pad(in[0], in[1], PadAxis{Start: 2, End: -1, Interior: 1}, PadAxis{Start: -1, End: 3, Interior: 2})
		}, []*tensors.Tensor{randomTensor(rng, 4, 3), tensors.FromValue(0.25)}},
		{"Slice with strides", func(in []*Node) *Node {
			return Slice(in[0], AxisRange(1, 5).Stride(2), AxisRange(0, 3))
		}, []*tensors.Tensor{randomTensor(rng, 6, 4)}},
		{"Split", func(in []*Node) *Node {
			parts := Split(in[0], 1, 2)
			return Mul(parts[0], parts[1])
		}, []*tensors.Tensor{randomTensor(rng, 3, 4)}},
		{"CumSum", func(in []*Node) *Node { return CumSum(in[0], 1) }, []*tensors.Tensor{randomTensor(rng, 3, 5)}},
		{"SumPool", func(in []*Node) *Node {
			return SumPool(in[0]).ChannelsAxis(images.ChannelsFirst).Window(2).Done()
		}, []*tensors.Tensor{randomTensor(rng, 1, 2, 5, 4)}},
		{"MeanPool strided same padding", func(in []*Node) *Node {
			return MeanPool(in[0]).ChannelsAxis(images.ChannelsFirst).Window(3).Strides(2).PadSame().Done()
		}, []*tensors.Tensor{randomTensor(rng, 1, 2, 5, 6)}},
		{"MaxPool", func(in []*Node) *Node {
			return MaxPool(in[0]).ChannelsAxis(images.ChannelsFirst).Window(2).Done()
		}, []*tensors.Tensor{randomTensor(rng, 2, 2, 4, 6)}},
		{"MaxPool overlapping windows", func(in []*Node) *Node {
			return MaxPool(in[0]).ChannelsAxis(images.ChannelsFirst).Window(3).Strides(1).PadSame().Done()
		}, []*tensors.Tensor{randomTensor(rng, 1, 2, 5, 5)}},
		{"DynamicSlice", func(in []*Node) *Node {
			g := in[0].Graph()
			return DynamicSlice(in[0], []*Node{Const(g, int32(1)), Const(g, int32(7))}, []int{2, 3})
		}, []*tensors.Tensor{randomTensor(rng, 4, 5)}},
		{"DynamicUpdateSlice", func(in []*Node) *Node {
			g := in[0].Graph()
			return DynamicUpdateSlice(in[0], in[1], []*Node{Const(g, int64(2)), Const(g, int64(-1))})
		}, []*tensors.Tensor{randomTensor(rng, 4, 5), randomTensor(rng, 2, 3)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := gradientError(t, b, rng, tc.fn, tc.inputs...); err > gradTolerance {
				t.Errorf("relative gradient error %.3g", err)
			}
		})
	}
}
