package eg3d

import (
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// importanceDepths is EG3D's sample_importance + sample_pdf: the coarse weights [B, M, S-1] are smoothed
// (max-pool 2, avg-pool 2, +0.01), trimmed to their S-3 inner values, and inverted as a piecewise-linear CDF
// over the coarse midpoints to give n new depths per ray [B, M, n], in increasing order.
//
// EG3D quirk: the trimmed weights cover bins 0..S-3 of the S-1 midpoints, so the last bin is never sampled.
func importanceDepths(ctx *context.Context, g *Graph, coarse, weights *Node, n int, deterministic bool) *Node {
	dims := coarse.Shape().Dimensions
	b, m := dims[0], dims[1]
	w := smoothWeights(weights)                                                       // [B, M, S-3]
	bins := midpoints(coarse)                                                         // [B, M, S-1]
	nw := w.Shape().Dimensions[2]                                                     // S-3
	w = AddScalar(w, 1e-5)                                                            // sample_pdf's eps
	pdf := Div(w, ReduceAndKeep(w, ReduceSum, -1))                                    // [B, M, nw]
	cdf := Add(exclusiveCumSum(pdf), pdf)                                             // inclusive cumsum
	cdf = Concatenate([]*Node{ZerosLike(SliceAxis(cdf, 2, AxisRange(0, 1))), cdf}, 2) // [B, M, nw+1]
	u := quantiles(ctx, g, b, m, n, deterministic)                                    // [B, M, n], sorted

	// searchsorted(cdf, u, right=True): the number of cdf entries <= u.
	le := LessOrEqual(ExpandAxes(cdf, 2), ExpandAxes(u, 3)) // [B, M, n, nw+1]
	inds := ReduceSum(ConvertDType(le, dtypes.Int32), 3)    // [B, M, n] in [0, nw+1]
	below := MaxScalar(SubScalar(inds, 1), 0)
	above := MinScalar(inds, float64(nw))
	cdfB, cdfA := takeAlongLast(cdf, below), takeAlongLast(cdf, above)
	binB, binA := takeAlongLast(bins, below), takeAlongLast(bins, above)
	denom := Sub(cdfA, cdfB)
	denom = Where(LessThan(denom, AddScalar(ZerosLike(denom), 1e-5)), OnesLike(denom), denom)
	return Add(binB, Mul(Div(Sub(u, cdfB), denom), Sub(binA, binB)))
}

// smoothWeights applies EG3D's max_pool1d(2, stride 1, pad 1), avg_pool1d(2, stride 1), +0.01 to weights
// [B, M, K] and drops the first and last values: K-2 results.
func smoothWeights(w *Node) *Node {
	k := w.Shape().Dimensions[2]
	// Max-pooling the -inf padded sequence gives [w0, max(w0,w1), ..., max(w_{k-2},w_{k-1}), w_{k-1}].
	pair := Max(SliceAxis(w, 2, AxisRange(0, k-1)), SliceAxis(w, 2, AxisRange(1, k)))
	mp := Concatenate([]*Node{SliceAxis(w, 2, AxisRange(0, 1)), pair, SliceAxis(w, 2, AxisRange(k-1, k))}, 2)
	avg := midpoints(mp) // k values
	return AddScalar(SliceAxis(avg, 2, AxisRange(1, k-1)), 0.01)
}

// quantiles returns the u values of sample_pdf [B, M, n]: linspace(0, 1, n) when deterministic, otherwise n
// sorted U[0,1) draws per ray. EG3D draws them unsorted and sorts all samples afterwards; sorted order
// statistics of n uniforms are drawn directly as normalized cumulative sums of n+1 exponentials.
func quantiles(ctx *context.Context, g *Graph, b, m, n int, deterministic bool) *Node {
	if deterministic {
		lin := make([]float32, n)
		for i := range lin {
			lin[i] = float32(float64(i) / float64(n-1))
		}
		lin[n-1] = 1
		return BroadcastToDims(Reshape(Const(g, lin), 1, 1, n), b, m, n)
	}
	u := ctx.RandomUniform(g, shapes.Make(dtypes.Float32, b, m, n+1))
	e := Neg(Log(OneMinus(u))) // Exp(1)
	sums := Add(exclusiveCumSum(e), e)
	total := SliceAxis(sums, 2, AxisElem(n))
	return Div(SliceAxis(sums, 2, AxisRange(0, n)), total)
}

// takeAlongLast gathers x [B, M, K] at integer positions idx [B, M, n] along the last axis.
func takeAlongLast(x, idx *Node) *Node {
	dims := x.Shape().Dimensions
	b, m, k := dims[0], dims[1], dims[2]
	n := idx.Shape().Dimensions[2]
	g := x.Graph()
	row := Iota(g, shapes.Make(dtypes.Int32, b*m, 1), 0)
	flat := Add(MulScalar(Reshape(row, b, m, 1), float64(k)), ConvertDType(idx, dtypes.Int32))
	out := gatherRows(Reshape(x, b*m*k, 1), Reshape(flat, b, m, n, 1))
	return Reshape(out, b, m, n)
}

// mergeSorted merges the sorted coarse [B, M, S] and fine [B, M, N] depths of each ray into one sorted list
// and carries their colours [B, M, *, C] and densities [B, M, *] along, as EG3D's unify_samples does with a
// sort. Each sample's place is its index in its own list plus the number of samples of the other list before
// it (ties: coarse first); colours and densities are then gathered in that order, so gradients flow to both.
func mergeSorted(coarse, fine, rgbC, rgbF, sigmaC, sigmaF *Node) (depths, rgb, sigma *Node) {
	g := coarse.Graph()
	dims := coarse.Shape().Dimensions
	b, m, s := dims[0], dims[1], dims[2]
	n := fine.Shape().Dimensions[2]
	t := s + n
	count := func(cond *Node) *Node { return ReduceSum(ConvertDType(cond, dtypes.Int32), 3) }
	// rank of coarse i: i + #{fine < c_i}; rank of fine j: j + #{coarse <= f_j}.
	rankC := Add(Iota(g, shapes.Make(dtypes.Int32, b, m, s), 2), count(LessThan(ExpandAxes(fine, 2), ExpandAxes(coarse, 3))))
	rankF := Add(Iota(g, shapes.Make(dtypes.Int32, b, m, n), 2), count(LessOrEqual(ExpandAxes(coarse, 2), ExpandAxes(fine, 3))))
	rank := Concatenate([]*Node{rankC, rankF}, 2) // [B, M, T], a permutation of 0..T-1 per ray
	// Invert the permutation: source[ray, rank] = position in the concatenated list.
	ray := Iota(g, shapes.Make(dtypes.Int32, b*m, t), 0)
	target := Stack([]*Node{Reshape(ray, b*m, t), Reshape(rank, b*m, t)}, -1) // [BM, T, 2]
	src := Reshape(Iota(g, shapes.Make(dtypes.Int32, b*m, t), 1), b*m, t)
	source := ScatterSum(Zeros(g, shapes.Make(dtypes.Int32, b*m, t)), target, src, false, true)
	flat := Add(MulScalar(ray, float64(t)), source) // [BM, T] rows of the concatenated tables
	idx := Reshape(flat, b, m, t, 1)
	c := rgbC.Shape().Dimensions[3]
	all := func(x, y *Node, width int) *Node {
		return Reshape(Concatenate([]*Node{x, y}, 2), b*m*t, width)
	}
	depths = Reshape(gatherRows(all(ExpandAxes(coarse, 3), ExpandAxes(fine, 3), 1), idx), b, m, t)
	rgb = gatherRows(all(rgbC, rgbF, c), idx)
	sigma = Reshape(gatherRows(all(ExpandAxes(sigmaC, 3), ExpandAxes(sigmaF, 3), 1), idx), b, m, t)
	return depths, rgb, sigma
}
