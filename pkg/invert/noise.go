package invert

import (
	"math/rand/v2"
	"strings"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
)

// isBackboneNoise reports whether v is a noise buffer of the backbone (the official projector optimizes
// those, not the super-resolution ones, which are never used).
func isBackboneNoise(v *mlctx.Variable) bool {
	return v.Name() == "noise_const" && strings.HasPrefix(v.Scope(), "/backbone/synthesis/")
}

// randomizeNoise redraws every backbone noise buffer of ctx from N(0,1), as the projector does before it
// optimizes them.
func randomizeNoise(ctx *mlctx.Context, seed int64) error {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6e6f697365)) // "noise"
	for v := range ctx.IterVariables() {
		if !isBackboneNoise(v) {
			continue
		}
		dims := v.Shape().Dimensions
		data := make([]float32, v.Shape().Size())
		for i := range data {
			data[i] = float32(rng.NormFloat64())
		}
		if err := v.SetValue(tensors.FromFlatDataAndDimensions(data, dims...)); err != nil {
			return err
		}
	}
	return nil
}

// noiseRegularization is the projector's penalty on spatially correlated noise: for every backbone noise
// buffer and each of its 2x-downsampled versions down to 8x8, the squared mean product of the map with itself
// shifted by one pixel (circularly) along each axis.
func noiseRegularization(ctx *mlctx.Context, g *Graph) *Node {
	var total *Node
	for v := range ctx.IterVariables() {
		if !isBackboneNoise(v) {
			continue
		}
		n := v.ValueGraph(g) // [R, R]
		for {
			r := n.Shape().Dimensions[0]
			for axis := 0; axis < 2; axis++ {
				rolled := Concatenate([]*Node{SliceAxis(n, axis, AxisRange(r-1, r)), SliceAxis(n, axis, AxisRange(0, r-1))}, axis)
				term := Square(ReduceAllMean(Mul(n, rolled)))
				if total == nil {
					total = term
				} else {
					total = Add(total, term)
				}
			}
			if r <= 8 {
				break
			}
			n = ReduceMean(Reshape(n, r/2, 2, r/2, 2), 1, 3)
		}
	}
	return total
}

// renormalizeNoise recentres every backbone noise buffer to zero mean and unit RMS after the update.
func renormalizeNoise(ctx *mlctx.Context, g *Graph) {
	for v := range ctx.IterVariables() {
		if !isBackboneNoise(v) {
			continue
		}
		n := v.ValueGraph(g)
		n = Sub(n, ReduceAllMean(n))
		v.SetValueGraph(Div(n, Sqrt(ReduceAllMean(Square(n)))))
	}
}
