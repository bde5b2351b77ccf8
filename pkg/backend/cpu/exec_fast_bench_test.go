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

// benchNode times the executor registered for node's op on inputs of the given shapes (random values), once per
// backend configuration, reporting the bytes read and written per second.
func benchNode(b *testing.B, name string, configs []string, node *Node, inShapes ...shapes.Shape) {
	benchNodeWith(b, name, configs, fillRandom, node, inShapes...)
}

// benchNodeWith is benchNode with the inputs' values drawn by fill.
func benchNodeWith(b *testing.B, name string, configs []string, fill func(*rand.Rand, *Buffer), node *Node, inShapes ...shapes.Shape) {
	for _, config := range configs {
		be, err := New(config)
		if err != nil {
			b.Fatal(err)
		}
		bk := be.(*Backend)
		rng := rand.New(rand.NewPCG(1, 2))
		inputs := make([]*Buffer, len(inShapes))
		bytes := node.shape.Memory()
		for i, s := range inShapes {
			inputs[i] = bk.getBufferForShape(s)
			fill(rng, inputs[i])
			bytes += s.Memory()
		}
		label := config
		if label == "" {
			label = "fast"
		}
		b.Run(name+"/"+label, func(b *testing.B) {
			for range b.N {
				out, err := nodeExecutors[node.opType](bk, node, append([]*Buffer(nil), inputs...), make([]bool, len(inputs)))
				if err != nil {
					b.Fatal(err)
				}
				bk.putBuffer(out)
			}
			b.ReportMetric(float64(bytes)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
		bk.Finalize()
	}
}

// BenchmarkShortRuns times element-wise ops whose operands broadcast along a short trailing axis, at the shapes
// of EG3D's triplane sampling (98304 points x 4 bilinear taps x 16 channels).
func BenchmarkShortRuns(b *testing.B) {
	f32 := func(dims ...int) shapes.Shape { return shapes.Make(dtypes.Float32, dims...) }
	configs := []string{"", "stock=shortruns"}
	out := f32(1, 98304, 4, 16)
	benchNode(b, "Mul[N,4,16]x[N,4,1]", configs, &Node{opType: backends.OpTypeMul, shape: out}, out, f32(1, 98304, 4, 1))
	benchNode(b, "BroadcastInDim[N,1,16]", configs, &Node{opType: backends.OpTypeBroadcastInDim, shape: out,
		data: []int{0, 1, 2, 3}}, f32(1, 98304, 1, 16))
	benchNode(b, "BroadcastInDim[N,4,1]", configs, &Node{opType: backends.OpTypeBroadcastInDim, shape: out,
		data: []int{0, 1, 2, 3}}, f32(1, 98304, 4, 1))
	benchNode(b, "Add[N,17]+[1,17]", configs, &Node{opType: backends.OpTypeAdd, shape: f32(98304, 17)}, f32(98304, 17), f32(1, 17))
}

// BenchmarkUnary times the float32 unary executors on a [98304, 32] tensor (the decoder's hidden layer) of
// normally distributed values (their magnitudes for Log), with the vector loops, the scalar Go ones (stock=simd)
// and the stock float64 ones (stock=math).
func BenchmarkUnary(b *testing.B) {
	shape := shapes.Make(dtypes.Float32, 98304, 32)
	for _, op := range []backends.OpType{backends.OpTypeExp, backends.OpTypeLog, backends.OpTypeLog1p,
		backends.OpTypeLogistic, backends.OpTypeTanh, backends.OpTypeSign, backends.OpTypeAbs, backends.OpTypeNeg} {
		fill := func(rng *rand.Rand, buf *Buffer) {
			for i := range buf.flat.([]float32) {
				v := rng.NormFloat64() * 3
				if op == backends.OpTypeLog {
					v = math.Abs(v)
				}
				buf.flat.([]float32)[i] = float32(v)
			}
		}
		benchNodeWith(b, fmt.Sprint(op), []string{"", "stock=simd", "stock=math"}, fill, &Node{opType: op, shape: shape}, shape)
	}
}

// scatterRowsCase builds the ScatterSum of a row gather's gradient: operand [rows, width], numIdx random rows.
func scatterRowsCase(b *Backend, rng *rand.Rand, rows, width, numIdx int) (*Node, []*Buffer) {
	operand := b.getBufferForShape(shapes.Make(dtypes.Float32, rows, width))
	fillRandom(rng, operand)
	indices := b.getBufferForShape(shapes.Make(dtypes.Int32, numIdx, 1))
	for i := range numIdx {
		indices.flat.([]int32)[i] = int32(rng.IntN(rows+2) - 1) // Some out of range: skipped.
	}
	updates := b.getBufferForShape(shapes.Make(dtypes.Float32, numIdx, width))
	fillRandom(rng, updates)
	p := &scatterNode{indexVectorAxis: 1, insertedWindowAxes: []int{0}, scatterAxesToOperandAxes: []int{0},
		updateWindowAxes: []int{1}}
	return &Node{opType: backends.OpTypeScatterSum, shape: operand.shape, data: p}, []*Buffer{operand, indices, updates}
}

// BenchmarkScatterRows times the triplane lookup's gradient: 393216 rows of 16 channels into a 3x64x64 plane.
func BenchmarkScatterRows(b *testing.B) {
	for _, config := range []string{"", "stock=scatter"} {
		be, err := New(config)
		if err != nil {
			b.Fatal(err)
		}
		bk := be.(*Backend)
		node, inputs := scatterRowsCase(bk, rand.New(rand.NewPCG(1, 2)), 12288, 16, 393216)
		b.Run(map[string]string{"": "fast", "stock=scatter": "stock"}[config], func(b *testing.B) {
			for range b.N {
				out, err := execScatterSumFast(bk, node, inputs, make([]bool, 3))
				if err != nil {
					b.Fatal(err)
				}
				bk.putBuffer(out)
			}
		})
		bk.Finalize()
	}
}

// benchGraph times a one-op graph built by build from parameters of the given shapes (random values), once per
// backend configuration.
func benchGraph(b *testing.B, name string, configs []string, build func(bld backends.Builder, params []backends.Op) (backends.Op, error), inShapes ...shapes.Shape) {
	for _, config := range configs {
		be, err := New(config)
		if err != nil {
			b.Fatal(err)
		}
		bk := be.(*Backend)
		bld := be.Builder(name)
		var params []backends.Op
		var inputs []backends.Buffer
		rng := rand.New(rand.NewPCG(1, 2))
		for i, s := range inShapes {
			p, err := bld.Parameter(fmt.Sprintf("p%d", i), s, nil)
			if err != nil {
				b.Fatal(err)
			}
			params = append(params, p)
			buf := bk.getBufferForShape(s)
			fillRandom(rng, buf)
			inputs = append(inputs, buf)
		}
		out, err := build(bld, params)
		if err != nil {
			b.Fatal(err)
		}
		exec, err := bld.Compile([]backends.Op{out}, nil)
		if err != nil {
			b.Fatal(err)
		}
		label := config
		if label == "" {
			label = "default"
		}
		b.Run(name+"/"+label, func(b *testing.B) {
			for range b.N {
				outs, err := exec.Execute(inputs, nil, 0)
				if err != nil {
					b.Fatal(err)
				}
				bk.putBuffer(outs[0].(*Buffer))
			}
		})
		bk.Finalize()
	}
}

// BenchmarkDotGeneralSkinny times the products of EG3D's small decoder (98304 points x 32 features times a 32x17
// weight, and its gradients) and the renderer's batched products of small matrices.
func BenchmarkDotGeneralSkinny(b *testing.B) {
	f32 := func(dims ...int) shapes.Shape { return shapes.Make(dtypes.Float32, dims...) }
	configs := []string{"", "gemm=avx512", "gemm=avx2"}
	dot := func(lc, lb, rc, rb []int) func(bld backends.Builder, p []backends.Op) (backends.Op, error) {
		return func(bld backends.Builder, p []backends.Op) (backends.Op, error) {
			return bld.DotGeneral(p[0], lc, lb, p[1], rc, rb)
		}
	}
	benchGraph(b, "[98304,32]x[17,32]", configs, dot([]int{1}, nil, []int{1}, nil), f32(98304, 32), f32(17, 32))
	benchGraph(b, "[98304,32]x[32,16]", configs, dot([]int{1}, nil, []int{0}, nil), f32(98304, 32), f32(32, 16))
	benchGraph(b, "[98304,16]x[32,16]", configs, dot([]int{1}, nil, []int{1}, nil), f32(98304, 16), f32(32, 16))
	benchGraph(b, "[98304,17]^T[98304,32]", configs, dot([]int{0}, nil, []int{0}, nil), f32(98304, 17), f32(98304, 32))
	benchGraph(b, "batched[4096,16]x[4096,16,47]", configs, dot([]int{1}, []int{0}, []int{1}, []int{0}), f32(4096, 16), f32(4096, 16, 47))
}
