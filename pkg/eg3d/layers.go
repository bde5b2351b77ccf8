package eg3d

import (
	"fmt"
	"math"
	"slices"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// lreluGain is the default gain of EG3D's leaky ReLU (bias_act's def_gain): it keeps activations' variance.
var lreluGain = math.Sqrt(2)

// variable returns the value of the generator variable name in ctx's scope, checking its shape. The variable
// must exist: generators are built with all variables created up front (see NewContext).
func variable(ctx *context.Context, g *Graph, name string, dims ...int) *Node {
	v := ctx.GetVariableByScopeAndName(ctx.Scope(), name)
	if v == nil {
		panic(fmt.Sprintf("eg3d: variable %s/%s %v does not exist: create the generator's variables with NewContext or Load first", ctx.Scope(), name, dims))
	}
	if want := shapes.Make(dtypes.Float32, dims...); !v.Shape().Equal(want) {
		panic(fmt.Sprintf("eg3d: variable %s/%s has shape %s, the graph needs %s", ctx.Scope(), name, v.Shape(), want))
	}
	return v.ValueGraph(g)
}

// FullyConnected is EG3D's FullyConnectedLayer: y = x·(weight·lrMul/√in)ᵀ + bias·lrMul, then a leaky ReLU
// with gain √2 when lrelu is set. weight is stored raw, [out, in], as in the official checkpoints.
func FullyConnected(x, weight, bias *Node, lrMul float64, lrelu bool) *Node {
	in := weight.Shape().Dimensions[1]
	w := MulScalar(weight, lrMul/math.Sqrt(float64(in)))
	y := Einsum("bi,oi->bo", x, w)
	if lrMul != 1 {
		bias = MulScalar(bias, lrMul)
	}
	y = Add(y, ExpandAxes(bias, 0))
	if lrelu {
		y = MulScalar(leakyReLU(y), lreluGain)
	}
	return y
}

// fullyConnected runs FullyConnected with the variables "weight" and "bias" of ctx's scope.
func fullyConnected(ctx *context.Context, x *Node, out int, lrMul float64, lrelu bool) *Node {
	g := x.Graph()
	in := x.Shape().Dimensions[x.Rank()-1]
	return FullyConnected(x, variable(ctx, g, "weight", out, in), variable(ctx, g, "bias", out), lrMul, lrelu)
}

// leakyReLU with EG3D's slope 0.2.
func leakyReLU(x *Node) *Node {
	return Where(GreaterOrEqual(x, ZerosLike(x)), x, MulScalar(x, 0.2))
}

// biasAct is EG3D's bias_act for NCHW activations: add a per-channel bias, apply the leaky ReLU (when lrelu),
// multiply by gain, then clamp to ±clamp (clamp 0 means none).
func biasAct(x, bias *Node, lrelu bool, gain, clamp float64) *Node {
	x = Add(x, Reshape(bias, 1, -1, 1, 1))
	if lrelu {
		x = leakyReLU(x)
	}
	if gain != 1 {
		x = MulScalar(x, gain)
	}
	if clamp > 0 {
		x = ClipScalar(x, -clamp, clamp)
	}
	return x
}

// normalize2ndMoment scales each row of x [B, F] to unit mean square: x·rsqrt(mean(x²) + 1e-8).
func normalize2ndMoment(x *Node) *Node {
	ms := ReduceAndKeep(Square(x), ReduceMean, -1)
	return Div(x, Sqrt(AddScalar(ms, 1e-8)))
}

// gatherRows returns the rows of table [N, C] at integer positions idx [d0, ..., dk, 1] as [d0, ..., dk, C].
// The indices are flattened first: GoMLX v0.26.0's Gather shape inference checks the index axis against the
// table's rank instead of the indices', rejecting index tensors of rank above the table's plus one.
func gatherRows(table, idx *Node) *Node {
	dims := idx.Shape().Dimensions
	out := Gather(table, Reshape(idx, -1, 1))
	return Reshape(out, append(slices.Clone(dims[:len(dims)-1]), table.Shape().Dimensions[1])...)
}

// softplus is log(1 + exp(x)) computed as max(x, 0) + log1p(exp(-|x|)): exact, stable for large |x|, and a few
// element-wise passes instead of the guarded LogAddExp GoMLX's Softplus builds. torch's Softplus (beta 1,
// threshold 20) returns x above 20, where the two differ by less than 2e-9.
func softplus(x *Node) *Node {
	return Add(Max(x, ZerosLike(x)), Log1p(Exp(Neg(Abs(x)))))
}
