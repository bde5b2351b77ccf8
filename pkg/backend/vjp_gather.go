package backend

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// gatherVJP is the VJP of XLA's Gather in general: a ScatterSum of v with the gather's own axes.
//
// GoMLX v0.26.0's version scatters at the raw start indices, but Gather clamps every start index so the slice
// fits in the operand (XLA semantics), and Scatter skips windows that do not fit: a GatherSlices whose start is
// out of range (e.g. a bilinear sample on the border) got a zero (XLA) or corrupted (simplego) gradient instead
// of the gradient of the values it actually read. This version clamps the indices exactly as Gather does, so
// the gradient goes where the values came from, on every backend.
func gatherVJP(node, v *Node, _ shapes.Shape) []*Node {
	p := paramsOf(node)
	operand, indices := node.Inputs()[0], node.Inputs()[1]
	indexVectorAxis := p.Int("indexVectorAxis")
	startIndexMap, sliceSizes := p.Ints("startIndexMap"), p.Ints("sliceSizes")

	// Largest valid start per index component, shaped to broadcast against indices.
	bounds := make([]int64, len(startIndexMap))
	for i, axis := range startIndexMap {
		bounds[i] = int64(operand.Shape().Dim(axis) - sliceSizes[axis])
	}
	boundDims := make([]int, indices.Rank())
	for axis := range boundDims {
		boundDims[axis] = 1
	}
	if indexVectorAxis < indices.Rank() {
		boundDims[indexVectorAxis] = len(bounds)
	}
	g := indices.Graph()
	upper := ConvertDType(Const(g, tensors.FromFlatDataAndDimensions(bounds, boundDims...)), indices.DType())
	clamped := Min(Max(indices, ScalarZero(g, indices.DType())), BroadcastToDims(upper, indices.Shape().Dimensions...))

	grad := BackendScatterSum(ZerosLike(operand), clamped, v, indexVectorAxis, p.Ints("offsetOutputAxes"),
		p.Ints("collapsedSliceAxes"), startIndexMap, p.Bool("indicesAreSorted"), false)
	return []*Node{grad, nil}
}
