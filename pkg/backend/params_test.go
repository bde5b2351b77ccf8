package backend

import (
	"slices"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// TestNodeParamsLayout reads back, by reflection, the parameters of every node type the gradient overrides
// use: it fails when a GoMLX upgrade renames or retypes one of those unexported fields.
func TestNodeParamsLayout(t *testing.T) {
	g := NewGraph(cpuBackend(t), "params")
	defer g.Finalize()
	x := Parameter(g, "x", shapes.Make(dtypes.Float32, 2, 3, 8, 8))
	k := Parameter(g, "k", shapes.Make(dtypes.Float32, 6, 1, 3, 2))
	axes := backends.ConvolveAxesConfig{InputBatch: 0, InputChannels: 1, InputSpatial: []int{2, 3},
		KernelOutputChannels: 0, KernelInputChannels: 1, KernelSpatial: []int{2, 3},
		OutputBatch: 0, OutputChannels: 1, OutputSpatial: []int{2, 3}}
	conv := paramsOf(ConvGeneral(x, k, axes, []int{2, 1}, [][2]int{{1, 0}, {0, 2}}, nil, []int{1, 3}, 3, 1))
	if got := conv.ConvAxes("axes"); !slices.Equal(got.KernelSpatial, axes.KernelSpatial) || got.OutputChannels != 1 {
		t.Errorf("conv axes = %+v, want %+v", got, axes)
	}
	if !slices.Equal(conv.Ints("strides"), []int{2, 1}) || conv.Ints("inputDilations") != nil ||
		!slices.Equal(conv.Ints("kernelDilations"), []int{1, 3}) || conv.Int("channelGroupCount") != 3 ||
		conv.Int("batchGroupCount") != 1 || !slices.Equal(conv.Pairs("paddings"), [][2]int{{1, 0}, {0, 2}}) {
		t.Errorf("conv params read back wrong")
	}

	a := Parameter(g, "a", shapes.Make(dtypes.Float32, 4, 2, 5))
	dot := paramsOf(DotGeneral(a, []int{2}, []int{1}, Parameter(g, "b", shapes.Make(dtypes.Float32, 2, 5, 3)), []int{1}, []int{0}))
	if !slices.Equal(dot.Ints("lhsContractingAxes"), []int{2}) || !slices.Equal(dot.Ints("lhsBatchAxes"), []int{1}) ||
		!slices.Equal(dot.Ints("rhsContractingAxes"), []int{1}) || !slices.Equal(dot.Ints("rhsBatchAxes"), []int{0}) {
		t.Errorf("DotGeneral params read back wrong")
	}

	gather := paramsOf(GatherSlices(x, []int{2}, Const(g, [][]int32{{1}, {3}}), []int{4}, true))
	if gather.Int("indexVectorAxis") != 1 || !slices.Equal(gather.Ints("startIndexMap"), []int{2}) ||
		!slices.Equal(gather.Ints("sliceSizes"), []int{2, 3, 4, 8}) || !gather.Bool("indicesAreSorted") ||
		len(gather.Ints("collapsedSliceAxes")) != 0 || !slices.Equal(gather.Ints("offsetOutputAxes"), []int{1, 2, 3, 4}) {
		t.Errorf("Gather params read back wrong")
	}

	pad := paramsOf(Pad(x, ScalarZero(g, dtypes.Float32), PadAxis{Start: 1, End: -1, Interior: 2}))
	if got := pad.PadAxes("axesConfig"); len(got) != 1 || got[0] != (PadAxis{Start: 1, End: -1, Interior: 2}) {
		t.Errorf("Pad params = %+v", got)
	}
	if got := paramsOf(Reverse(x, 1, 3)).Ints("axes"); !slices.Equal(got, []int{1, 3}) {
		t.Errorf("Reverse axes = %v", got)
	}
}
