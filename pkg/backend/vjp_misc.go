package backend

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// GoMLX v0.26.0 registers no VJP for Rsqrt, Pad or Reverse (graph building panics with "no gradient is defined
// yet"), on every backend. These are the standard ones.

// rsqrtVJP: y = x^(-1/2), dy/dx = -y³/2.
func rsqrtVJP(node, v *Node, _ shapes.Shape) []*Node {
	y := node
	return []*Node{Mul(v, MulScalar(Mul(y, Square(y)), -0.5))}
}

// reverseVJP: reversing is its own transpose.
func reverseVJP(node, v *Node, _ shapes.Shape) []*Node {
	return []*Node{Reverse(v, paramsOf(node).Ints("axes")...)}
}

// padVJP: the operand's gradient is v with the padding removed (negative Start/End, i.e. cropping, becomes
// padding with zeros) and the interior holes skipped; the fill value's gradient is the sum of the rest of v.
func padVJP(node, v *Node, _ shapes.Shape) []*Node {
	x := node.Inputs()[0]
	config := paramsOf(node).PadAxes("axesConfig")
	unpad := make([]PadAxis, x.Rank())
	specs := make([]SliceAxisSpec, x.Rank())
	for axis := range unpad {
		var c PadAxis
		if axis < len(config) {
			c = config[axis]
		}
		unpad[axis] = PadAxis{Start: -c.Start, End: -c.End}
		specs[axis] = AxisRange().Stride(c.Interior + 1)
	}
	dx := Slice(Pad(v, ScalarZero(v.Graph(), v.DType()), unpad...), specs...)
	dFill := Sub(ReduceAllSum(v), ReduceAllSum(dx))
	return []*Node{dx, dFill}
}
