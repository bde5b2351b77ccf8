package backend

// Tests that observe, on the pinned GoMLX v0.26.0, each upstream problem this package works around (see
// /work/shared/GOMLX-CPU.md). Each one passes while the problem is there and fails with "upstream fixed" when
// it is gone: then the matching workaround can be dropped. Executor problems run the stock simplego backend
// ("go"); graph-level problems run GoMLX's own VJPs (stockVJPs) on the cpu engine, whose executors are checked
// against references, so the only thing under test is the upstream gradient.

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/notimplemented"
	_ "github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/core/tensors/images"
)

// stockVJPs is GoMLX's gradient registry as shipped: package variables initialize before any test calls New.
var stockVJPs = maps.Clone(VJPRegistration)

// withStockGradients runs fn with GoMLX's own VJPs in place of the installed fixes.
func withStockGradients(fn func()) {
	InstallGradients()
	fixed := maps.Clone(VJPRegistration)
	clear(VJPRegistration)
	maps.Copy(VJPRegistration, stockVJPs)
	defer func() {
		clear(VJPRegistration)
		maps.Copy(VJPRegistration, fixed)
	}()
	fn()
}

// stockBackend returns GoMLX's own simplego with the given options.
func stockBackend(t *testing.T, options string) backends.Backend {
	t.Helper()
	b, err := backends.NewWithConfig("go:" + options)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func upstreamFixed(t *testing.T, format string, args ...any) {
	t.Helper()
	t.Fatalf("upstream fixed: "+format+" -- drop the workaround and this test", args...)
}

func TestUpstreamDeadlockInParallelOps(t *testing.T) {
	// Many independent matmuls: each node runs in a pool worker, and stock DotGeneral then waits for a pool slot
	// (workersPool.WaitToStart) from inside that worker. Fix: cpu's ParallelFor never waits for a slot.
	b := stockBackend(t, "parallelism=1")
	exec := MustNewExec(b, func(x *Node) *Node {
		var sums []*Node
		for i := range 16 {
			sums = append(sums, ReduceAllSum(MatMul(AddScalar(x, float64(i)), x)))
		}
		return ReduceAllSum(Stack(sums, 0))
	})
	x := tensors.FromShape(shapes.Make(dtypes.Float32, 32, 32))
	done := make(chan struct{})
	go func() {
		for range 50 {
			exec.MustExec1(x)
		}
		close(done)
	}()
	select {
	case <-done:
		upstreamFixed(t, "50 runs of 16 parallel matmuls finished on stock simplego's default (parallel) mode")
	case <-time.After(5 * time.Second):
		t.Log("stock simplego deadlocked (no progress in 5 s); its goroutines stay blocked until the test binary exits")
	}
}

func TestUpstreamMissingOps(t *testing.T) {
	b := stockBackend(t, "ops_sequential")
	builder := b.Builder("missing")
	x, err := builder.Parameter("x", shapes.Make(dtypes.Float32, 4, 4), nil)
	if err != nil {
		t.Fatal(err)
	}
	zero, _ := builder.Constant([]float32{0})
	start, _ := builder.Constant([]int32{1})
	for name, build := range map[string]func() (backends.Op, error){
		"Pad":                func() (backends.Op, error) { return builder.Pad(x, zero, backends.PadAxis{Start: 1}) },
		"Reverse":            func() (backends.Op, error) { return builder.Reverse(x, 0) },
		"DynamicSlice":       func() (backends.Op, error) { return builder.DynamicSlice(x, []backends.Op{start, start}, []int{2, 2}) },
		"DynamicUpdateSlice": func() (backends.Op, error) { return builder.DynamicUpdateSlice(x, x, []backends.Op{start, start}) },
		"SelectAndScatterMax (MaxPool gradient)": func() (backends.Op, error) {
			return builder.SelectAndScatterMax(x, x, []int{1, 1}, []int{1, 1}, nil)
		},
	} {
		if _, err := build(); !errors.Is(err, notimplemented.NotImplementedError) {
			upstreamFixed(t, "stock simplego implements %s now (err=%v)", name, err)
		}
	}
}

// stockConv runs a 2D NCHW ConvGeneral on a raw backend builder, returning its output or the error/panic.
func stockConv(b backends.Backend, input, kernel *tensors.Tensor, strides []int, inDil, kDil []int, channelGroups, batchGroups int) (out []float64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("panic: " + strings.TrimSpace(strings.SplitN(anyString(r), "\n", 2)[0]))
		}
	}()
	builder := b.Builder("conv")
	in, err := builder.Parameter("x", input.Shape(), nil)
	if err != nil {
		return nil, err
	}
	k, err := builder.Parameter("k", kernel.Shape(), nil)
	if err != nil {
		return nil, err
	}
	axes := backends.ConvolveAxesConfig{InputBatch: 0, InputChannels: 1, InputSpatial: []int{2, 3},
		KernelOutputChannels: 0, KernelInputChannels: 1, KernelSpatial: []int{2, 3},
		OutputBatch: 0, OutputChannels: 1, OutputSpatial: []int{2, 3}}
	op, err := builder.ConvGeneral(in, k, axes, strides, nil, inDil, kDil, channelGroups, batchGroups)
	if err != nil {
		return nil, err
	}
	exec, err := builder.Compile([]backends.Op{op}, nil)
	if err != nil {
		return nil, err
	}
	var bufs []backends.Buffer
	for _, t := range []*tensors.Tensor{input, kernel} {
		buf, err := b.BufferFromFlatData(0, tensors.MustCopyFlatData[float64](t), t.Shape())
		if err != nil {
			return nil, err
		}
		bufs = append(bufs, buf)
	}
	outputs, err := exec.Execute(bufs, nil, 0)
	if err != nil {
		return nil, err
	}
	shape, _ := b.BufferShape(outputs[0])
	out = make([]float64, shape.Size())
	return out, b.BufferToFlatData(outputs[0], out)
}

// cloneTensor copies t into a new host tensor, so it can be fed to a second backend.
func cloneTensor(t *tensors.Tensor) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(tensors.MustCopyFlatData[float64](t), t.Shape().Dimensions...)
}

func anyString(v any) string {
	if err, ok := v.(error); ok {
		return err.Error()
	}
	if s, ok := v.(string); ok {
		return s
	}
	return "non-error panic"
}

func TestUpstreamConvWithoutStridesRejected(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	x, k := randomTensor(rng, 1, 2, 5, 5), randomTensor(rng, 3, 2, 3, 3)
	_, err := stockConv(stockBackend(t, "ops_sequential"), x, k, nil, nil, nil, 1, 1)
	if err == nil {
		upstreamFixed(t, "stock simplego accepts ConvGeneral without strides")
	}
	t.Logf("stock simplego: %v", err)
	if _, err := stockConv(cpuBackend(t), x, k, nil, nil, nil, 1, 1); err != nil {
		t.Errorf("cpu engine: %v", err)
	}
}

func TestUpstreamGroupedAndDilatedConvCrash(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	cases := map[string]struct {
		x, k           *tensors.Tensor
		inDil          []int
		channelGroups  int
		batchGroups    int
		wantWrongValue bool // With dilations given explicitly, the stock result is wrong rather than a crash.
	}{
		"channel groups": {x: randomTensor(rng, 1, 4, 5, 5), k: randomTensor(rng, 4, 2, 3, 3), channelGroups: 2},
		"input dilation": {x: randomTensor(rng, 1, 2, 4, 4), k: randomTensor(rng, 3, 2, 3, 3), inDil: []int{2, 2}},
		"batch groups":   {x: randomTensor(rng, 4, 2, 5, 5), k: randomTensor(rng, 6, 2, 3, 3), batchGroups: 2},
	}
	stock := stockBackend(t, "ops_sequential") // Sequential: the panic then reaches us instead of killing the process.
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := stockConv(stock, c.x, c.k, []int{1, 1}, c.inDil, nil, max(c.channelGroups, 1), max(c.batchGroups, 1))
			if err == nil {
				upstreamFixed(t, "stock simplego runs a %s convolution without kernel dilations", name)
			}
			t.Logf("stock simplego: %v", err)
		})
	}
	// Even with every dilation spelled out, stock batch grouping reads past the input (it takes the output batch
	// size from the input batch axis and the group from outputChannel/batchGroupCount) or, when it does not
	// crash, the wrong batch example.
	c := cases["batch groups"]
	got, err := stockConv(stock, c.x, c.k, []int{1, 1}, []int{1, 1}, []int{1, 1}, 1, 2)
	if err == nil {
		want, err := stockConv(cpuBackend(t), c.x, c.k, []int{1, 1}, nil, nil, 1, 2)
		if err != nil {
			t.Fatal(err)
		}
		if maxAbsDiff(got, want) < 1e-9 {
			upstreamFixed(t, "stock simplego's batch-grouped convolution matches the reference")
		}
		err = fmt.Errorf("differs from the reference by up to %.3g", maxAbsDiff(got, want))
	}
	t.Logf("stock batch-grouped conv with explicit dilations: %v", err)
}

func maxAbsDiff(a, b []float64) float64 {
	var d float64
	for i := range a {
		d = max(d, abs(a[i]-b[i]))
	}
	return d
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// stockGradientError is gradientError with GoMLX's own VJPs.
func stockGradientError(t *testing.T, b backends.Backend, fn func(in []*Node) *Node, inputs ...*tensors.Tensor) (relErr float64, err error) {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 3))
	withStockGradients(func() { relErr, err = tryGradientError(b, rng, fn, inputs...) })
	return relErr, err
}

func TestUpstreamGatherSlicesGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	x := randomTensor(rng, 4, 5, 2)
	gatherAt := func(start [][]int32) func(in []*Node) *Node {
		return func(in []*Node) *Node {
			return GatherSlices(in[0], []int{0, 1}, Const(in[0].Graph(), start), []int{2, 3}, false)
		}
	}
	inRange := gatherAt([][]int32{{0, 1}, {2, 0}, {1, 2}})
	outOfRange := gatherAt([][]int32{{3, 1}, {2, -1}}) // Gather clamps these to {2,1} and {2,0}.

	// Executor: stock simplego's ScatterSum walks the operand's extent instead of the window's.
	stock := stockBackend(t, "ops_sequential")
	if relErr, err := stockGradientError(t, stock, inRange, x); err == nil && relErr < 1e-6 {
		upstreamFixed(t, "GatherSlices gradient correct on stock simplego")
	} else {
		t.Logf("stock simplego + stock VJP, in-range starts: relative error %.3g, err=%v", relErr, err)
	}
	// Graph level (every backend): the VJP scatters at the unclamped starts.
	relErr, err := stockGradientError(t, cpuBackend(t), outOfRange, cloneTensor(x))
	if err == nil && relErr < 1e-6 {
		upstreamFixed(t, "GoMLX's Gather VJP handles clamped start indices")
	}
	t.Logf("cpu engine + stock VJP, out-of-range starts: relative error %.3g, err=%v", relErr, err)
}

func TestUpstreamInterpolateBilinearGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	fn := func(in []*Node) *Node { return Interpolate(in[0], 1, 2, 7, 9).Bilinear().Done() }
	relErr, err := stockGradientError(t, stockBackend(t, "ops_sequential"), fn, randomTensor(rng, 1, 2, 4, 5))
	if err == nil && relErr < 1e-6 {
		upstreamFixed(t, "Interpolate(...).Bilinear() gradient correct on stock simplego")
	}
	t.Logf("stock simplego: relative error %.3g, err=%v", relErr, err)
}

func TestUpstreamConvGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	cpu := cpuBackend(t)
	// GoMLX's channel-grouped VJP is right (it splits into per-group convolutions); these are not.
	for _, name := range []string{"even 4x4 kernel", "input dilation (transposed conv)", "batch groups"} {
		var tc convSpec
		for _, c := range convGradientCases {
			if c.name == name {
				tc = c
			}
		}
		t.Run(name, func(t *testing.T) {
			relErr, err := stockGradientError(t, cpu, tc.conv, randomTensor(rng, tc.input...), randomTensor(rng, tc.kernel...))
			if err == nil && relErr < 1e-6 {
				upstreamFixed(t, "GoMLX's ConvGeneral VJP is correct for %s", name)
			}
			t.Logf("cpu engine + stock VJP: relative error %.3g, err=%v", relErr, err)
		})
	}
}

func TestUpstreamMissingVJPs(t *testing.T) {
	for _, nodeType := range []NodeType{NodeTypeRsqrt, NodeTypePad, NodeTypeReverse} {
		if _, found := stockVJPs[nodeType]; found {
			upstreamFixed(t, "GoMLX registers a VJP for %s; InstallGradients keeps upstream's then", nodeType)
		}
	}
}

// largestNode builds the gradient of Σ MatMul(a, b) with the current VJPs and returns the size of its largest
// node, without running it.
func largestNode(b backends.Backend, m, k, n int) int {
	g := NewGraph(b, "matmul-gradient")
	defer g.Finalize()
	a := Parameter(g, "a", shapes.Make(dtypes.Float32, m, k))
	c := Parameter(g, "b", shapes.Make(dtypes.Float32, k, n))
	Gradient(ReduceAllSum(MatMul(a, c)), a, c)
	largest := 0
	for _, node := range g.Nodes() {
		if node.NumOutputs() == 1 {
			largest = max(largest, node.Shape().Size())
		}
	}
	return largest
}

func TestUpstreamMatMulGradientMemory(t *testing.T) {
	b := cpuBackend(t)
	const m, k, n = 64, 48, 32
	var stock int
	withStockGradients(func() { stock = largestNode(b, m, k, n) })
	if stock < m*k*n {
		upstreamFixed(t, "GoMLX's DotGeneral VJP no longer builds an m·k·n tensor (largest node %d)", stock)
	}
	fixed := largestNode(b, m, k, n)
	t.Logf("largest node in the gradient of a %dx%d · %dx%d matmul: stock %d elements, fixed %d", m, k, k, n, stock, fixed)
	if fixed > max(m*k, k*n, m*n) {
		t.Errorf("fixed DotGeneral VJP builds a node of %d elements, more than any operand", fixed)
	}
}

// The deadlock, scatter and conv executors are fixed in the cpu engine; these check the ops that need them work
// there (the stock behaviour is what the tests above observe).
func TestCPUEngineRunsWhatStockCannot(t *testing.T) {
	b := cpuBackend(t)
	exec := MustNewExec(b, func(x *Node) *Node {
		pooled := MaxPool(x).ChannelsAxis(images.ChannelsFirst).Window(2).Done()
		return ReduceAllSum(Gradient(ReduceAllSum(Square(pooled)), x)[0])
	})
	x := tensors.FromFlatDataAndDimensions([]float32{1, 2, 3, 4}, 1, 1, 2, 2)
	if got := exec.MustExec1(x).Value().(float32); got != 8 { // d/dx max² = 2·4 at the max.
		t.Errorf("MaxPool gradient sum = %g, want 8", got)
	}
}
