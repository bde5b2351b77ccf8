package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// randomBroadcastShapes draws an output shape and operand shapes that broadcast to it (size-1 axes, or
// scalars), large enough half of the time for the parallel split.
func randomBroadcastShapes(rng *rand.Rand, numOperands int) (shapes.Shape, []shapes.Shape) {
	rank := 1 + rng.IntN(4)
	dims := make([]int, rank)
	for a := range dims {
		dims[a] = 1 + rng.IntN(9)
		if rng.IntN(2) == 0 {
			dims[a] = 1 + rng.IntN(90)
		}
	}
	out := shapes.Make(dtypes.Float32, dims...)
	operands := make([]shapes.Shape, numOperands)
	for o := range operands {
		if rng.IntN(8) == 0 {
			operands[o] = shapes.Make(dtypes.Float32)
			continue
		}
		od := slices.Clone(dims)
		for a := range od {
			if rng.IntN(3) == 0 {
				od[a] = 1
			}
		}
		operands[o] = shapes.Make(dtypes.Float32, od...)
	}
	// The output is what the first two operands broadcast to (as GoMLX's shape inference gives it).
	for a := range dims {
		dims[a] = 1
		for _, op := range operands[:2] {
			if op.Rank() > 0 {
				dims[a] = max(dims[a], op.Dimensions[a])
			}
		}
	}
	if operands[0].Rank() == 0 && operands[1].Rank() == 0 {
		dims = nil
	}
	out = shapes.Make(dtypes.Float32, dims...)
	return out, operands
}

func randomBuffer(b *Backend, rng *rand.Rand, shape shapes.Shape) *Buffer {
	buf := b.getBufferForShape(shape)
	switch flat := buf.flat.(type) {
	case []float32:
		for i := range flat {
			flat[i] = float32(rng.IntN(9)-4) / 2
		}
	case []bool:
		for i := range flat {
			flat[i] = rng.IntN(2) == 0
		}
	}
	return buf
}

func sameFlat(t *testing.T, what string, got, want *Buffer) {
	t.Helper()
	switch w := want.flat.(type) {
	case []float32:
		g := got.flat.([]float32)
		for i := range w {
			if g[i] != w[i] && !(math.IsNaN(float64(g[i])) && math.IsNaN(float64(w[i]))) {
				t.Fatalf("%s: [%d] = %g, stock executor gives %g", what, i, g[i], w[i])
			}
		}
	case []bool:
		g := got.flat.([]bool)
		for i := range w {
			if g[i] != w[i] {
				t.Fatalf("%s: [%d] = %v, stock executor gives %v", what, i, g[i], w[i])
			}
		}
	}
}

// TestElementwiseFastMatchesStock checks the fast float32 element-wise executors against stock simplego's on
// random shapes with broadcasting (size-1 axes and scalars on either side), small and large (split over workers).
func TestElementwiseFastMatchesStock(t *testing.T) {
	be, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	b := be.(*Backend)
	defer b.Finalize()
	rng := rand.New(rand.NewPCG(9, 9))
	run := func(fn nodeExecutor, node *Node, inputs []*Buffer) *Buffer {
		out, err := fn(b, node, slices.Clone(inputs), make([]bool, len(inputs)))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for range 200 {
		out, ops := randomBroadcastShapes(rng, 3)
		x, y := randomBuffer(b, rng, ops[0]), randomBuffer(b, rng, ops[1])
		for op := range binaryLoopsFloat32 {
			node := &Node{opType: op, shape: out}
			sameFlat(t, op.String()+" "+out.String()+" "+ops[0].String()+" "+ops[1].String(),
				run(execBinaryFast, node, []*Buffer{x, y}), run(stockElementwise[op], node, []*Buffer{x, y}))
		}
		for op := range compareLoopsFloat32 {
			node := &Node{opType: op, shape: shapes.Make(dtypes.Bool, out.Dimensions...)}
			sameFlat(t, op.String()+" "+out.String()+" "+ops[0].String()+" "+ops[1].String(),
				run(execCompareFast, node, []*Buffer{x, y}), run(stockElementwise[op], node, []*Buffer{x, y}))
		}
		cond := randomBuffer(b, rng, shapes.Make(dtypes.Bool, ops[2].Dimensions...))
		if cond.shape.Rank() > 0 && !slices.Equal(cond.shape.Dimensions, out.Dimensions) {
			cond = randomBuffer(b, rng, shapes.Make(dtypes.Bool, out.Dimensions...)) // Stock Where needs a full or scalar condition.
		}
		// Stock Where takes full or scalar values only (GoMLX broadcasts them explicitly).
		full := randomBuffer(b, rng, out)
		onTrue, onFalse := full, randomBuffer(b, rng, shapes.Make(dtypes.Float32))
		if rng.IntN(2) == 0 {
			onTrue, onFalse = onFalse, randomBuffer(b, rng, out)
		}
		node := &Node{opType: backends.OpTypeWhere, shape: out}
		sameFlat(t, "Where "+out.String(), run(execWhereFast, node, []*Buffer{cond, onTrue, onFalse}),
			run(execWhere, node, []*Buffer{cond, onTrue, onFalse}))
		for op := range unaryFloat32 {
			node := &Node{opType: op, shape: out}
			got, want := run(execUnaryFast, node, []*Buffer{full}), run(stockElementwise[op], node, []*Buffer{full})
			if !approximatedUnary[op] {
				sameFlat(t, op.String()+" "+out.String(), got, want)
				continue
			}
			// The float32 transcendental functions (fastmath.go) are within 2 ulp of the stock float64 ones.
			for i, w := range want.flat.([]float32) {
				if d := ulpDiff(got.flat.([]float32)[i], float64(w)); d > 2 {
					t.Fatalf("%s %s: [%d] = %g, stock executor gives %g (%g ulp)", op, out, i, got.flat.([]float32)[i], w, d)
				}
			}
		}
	}
}

// approximatedUnary are the unary ops whose fast float32 loops round differently from the stock ones.
var approximatedUnary = map[backends.OpType]bool{backends.OpTypeExp: true, backends.OpTypeLog: true,
	backends.OpTypeLog1p: true, backends.OpTypeLogistic: true, backends.OpTypeTanh: true}

// TestMovementFastMatchesStock checks the fast Gather (contiguous runs, clamped indices) and Slice executors
// against stock simplego's on random shapes, large enough to be split over workers.
func TestMovementFastMatchesStock(t *testing.T) {
	be, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	b := be.(*Backend)
	defer b.Finalize()
	rng := rand.New(rand.NewPCG(4, 2))
	run := func(fn nodeExecutor, node *Node, inputs []*Buffer) *Buffer {
		out, err := fn(b, node, slices.Clone(inputs), make([]bool, len(inputs)))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for range 100 {
		// Gather: operand [d0, d1, d2]; index vectors of 1 or 2 components over the leading axes, rows of the rest.
		dims := []int{1 + rng.IntN(50), 1 + rng.IntN(20), 1 + rng.IntN(40)}
		operand := randomBuffer(b, rng, shapes.Make(dtypes.Float32, dims...))
		nc := 1 + rng.IntN(2)
		m := 1 + rng.IntN(3000)
		idxDType := []dtypes.DType{dtypes.Int32, dtypes.Int64}[rng.IntN(2)]
		indices := b.getBufferForShape(shapes.Make(idxDType, m, nc))
		for i := range m * nc {
			v := rng.IntN(dims[i%nc]+4) - 2 // Some out of range: clamped.
			if idxDType == dtypes.Int32 {
				indices.flat.([]int32)[i] = int32(v)
			} else {
				indices.flat.([]int64)[i] = int64(v)
			}
		}
		gp := &gatherNode{indexVectorAxis: 1, startIndexMap: []int{0, 1}[:nc], collapsedSlicesAxes: []int{0, 1}[:nc]}
		outDims := []int{m}
		for a, d := range dims {
			if a < nc {
				gp.sliceSizes = append(gp.sliceSizes, 1)
				continue
			}
			gp.sliceSizes = append(gp.sliceSizes, d)
			gp.offsetOutputAxes = append(gp.offsetOutputAxes, len(outDims))
			outDims = append(outDims, d)
		}
		node := &Node{opType: backends.OpTypeGather, shape: shapes.Make(dtypes.Float32, outDims...), data: gp}
		sameFlat(t, "Gather", run(execGatherFast, node, []*Buffer{operand, indices}), run(execGather, node, []*Buffer{operand, indices}))

		// Its gradient's ScatterSum: the same rows, updates shaped like the gather's output.
		updates := randomBuffer(b, rng, node.shape)
		scp := &scatterNode{indexVectorAxis: 1, insertedWindowAxes: gp.collapsedSlicesAxes, scatterAxesToOperandAxes: gp.startIndexMap}
		for i := range len(dims) - nc {
			scp.updateWindowAxes = append(scp.updateWindowAxes, 1+i)
		}
		node = &Node{opType: backends.OpTypeScatterSum, shape: operand.shape, data: scp}
		sameFlat(t, "ScatterSum", run(execScatterSumFast, node, []*Buffer{operand, indices, updates}),
			run(execScatter, node, []*Buffer{operand, indices, updates}))

		// Slice of a rank-1..4 tensor.
		rank := 1 + rng.IntN(4)
		sd := make([]int, rank)
		for a := range sd {
			sd[a] = 1 + rng.IntN(40)
		}
		x := randomBuffer(b, rng, shapes.Make(dtypes.Float32, sd...))
		sp := &sliceNode{starts: make([]int, rank), limits: make([]int, rank), strides: make([]int, rank)}
		od := make([]int, rank)
		for a, d := range sd {
			if rng.IntN(2) == 0 {
				sp.starts[a], sp.limits[a], sp.strides[a] = 0, d, 1
			} else {
				sp.starts[a] = rng.IntN(d)
				sp.limits[a] = sp.starts[a] + 1 + rng.IntN(d-sp.starts[a])
				sp.strides[a] = 1 + rng.IntN(3)
			}
			od[a] = (sp.limits[a] - sp.starts[a] + sp.strides[a] - 1) / sp.strides[a]
		}
		node = &Node{opType: backends.OpTypeSlice, shape: shapes.Make(dtypes.Float32, od...), data: sp}
		sameFlat(t, "Slice", run(execSliceFast, node, []*Buffer{x}), run(execSlice, node, []*Buffer{x}))

		// BroadcastInDim of a random subset of the output axes (in order).
		out, _ := randomBroadcastShapes(rng, 2)
		var axes, inDims []int
		for a, d := range out.Dimensions {
			if rng.IntN(2) == 0 {
				axes = append(axes, a)
				inDims = append(inDims, []int{d, 1}[rng.IntN(2)])
			}
		}
		in := randomBuffer(b, rng, shapes.Make(dtypes.Float32, inDims...))
		node = &Node{opType: backends.OpTypeBroadcastInDim, shape: out, data: axes}
		sameFlat(t, "BroadcastInDim", run(execBroadcastInDimFast, node, []*Buffer{in}), run(execBroadcastInDim, node, []*Buffer{in}))

		// Pad (no interior) with crops and pads on every axis.
		pads := make([]backends.PadAxis, rank)
		pd := make([]int, rank)
		for a, d := range sd {
			pads[a] = backends.PadAxis{Start: rng.IntN(5) - 2, End: rng.IntN(5) - 2}
			pd[a] = max(0, d+pads[a].Start+pads[a].End)
		}
		fill := randomBuffer(b, rng, shapes.Make(dtypes.Float32))
		node = &Node{opType: backends.OpTypePad, shape: shapes.Make(dtypes.Float32, pd...), data: &padNode{axes: pads}}
		sameFlat(t, fmt.Sprintf("Pad %v %v", sd, pads), run(execPadFast, node, []*Buffer{x, fill}), run(execPad, node, []*Buffer{x, fill}))
	}
}

// TestScatterRowsOrder checks the row ScatterSum against the stock executor with values whose sums depend on
// the order (many updates per row): bit for bit where it keeps the serial order (an operand large next to the
// updates), within rounding where it sums chunks of updates separately; and bit-identical results whatever the
// number of workers.
func TestScatterRowsOrder(t *testing.T) {
	var first []*Buffer
	for _, config := range []string{"", "parallelism=0", "parallelism=3"} {
		be, err := New(config)
		if err != nil {
			t.Fatal(err)
		}
		b := be.(*Backend)
		rng := rand.New(rand.NewPCG(7, 8))
		for ci, c := range []struct {
			rows, width, numIdx int
			serial              bool
		}{{100, 16, 50000, false}, {7, 3, 200000, false}, {5000, 1, 40000, true}, {3, 5, 10, true}, {30000, 16, 20000, true}} {
			node, inputs := scatterRowsCase(b, rng, c.rows, c.width, c.numIdx)
			got, err := execScatterSumFast(b, node, inputs, make([]bool, 3))
			if err != nil {
				t.Fatal(err)
			}
			want, err := execScatter(b, node, inputs, make([]bool, 3))
			if err != nil {
				t.Fatal(err)
			}
			what := fmt.Sprintf("%q ScatterSum %+v", config, c)
			if c.serial {
				sameBits(t, what, got, want)
			} else {
				// Within rounding of the sum of magnitudes of each row's terms.
				mag := make([]float64, c.rows*c.width)
				idx, upd := inputs[1].flat.([]int32), inputs[2].flat.([]float32)
				for i, r := range idx {
					for j := 0; r >= 0 && int(r) < c.rows && j < c.width; j++ {
						mag[int(r)*c.width+j] += math.Abs(float64(upd[i*c.width+j]))
					}
				}
				for i, w := range want.flat.([]float32) {
					g := got.flat.([]float32)[i]
					if w != g && !(math.IsNaN(float64(w)) && math.IsNaN(float64(g))) && !(math.Abs(float64(g-w)) <= 1e-5*mag[i]) {
						t.Fatalf("%s: [%d] = %g, stock executor gives %g", what, i, g, w)
					}
				}
			}
			if first == nil || len(first) <= ci {
				first = append(first, got)
			} else {
				sameBits(t, what+" vs parallelism default", got, first[ci])
			}
		}
	}
}
