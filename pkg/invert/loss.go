package invert

import (
	"fmt"
	"strings"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
)

// LossWeights weighs the reconstruction terms; a zero weight leaves its term out of the graph.
type LossWeights struct {
	// MSE is the mean squared error over pixels (EG3D's [-1, 1] scale).
	MSE float64
	// SSIM weighs 1 - SSIM.
	SSIM float64
	// MSSSIM weighs 1 - MS-SSIM.
	MSSSIM float64
	// LPIPS weighs the LPIPS distance; it needs the network's weights (see Losses.Perceptual).
	LPIPS float64
}

// String lists the non-zero weights, e.g. "mse=1 msssim=1".
func (w LossWeights) String() string {
	var parts []string
	for _, t := range w.terms() {
		parts = append(parts, fmt.Sprintf("%s=%g", t.name, t.weight))
	}
	return strings.Join(parts, " ")
}

type term struct {
	name   string
	weight float64
}

func (w LossWeights) terms() []term {
	var ts []term
	for _, t := range []term{{"mse", w.MSE}, {"ssim", w.SSIM}, {"msssim", w.MSSSIM}, {"lpips", w.LPIPS}} {
		if t.weight != 0 {
			ts = append(ts, t)
		}
	}
	return ts
}

// Perceptual computes a differentiable perceptual distance [N] between images in [-1, 1], keeping any
// variables it needs in ctx (the stage's context); a loaded pkg/lpips model's Distance method is one.
type Perceptual func(ctx *mlctx.Context, a, b *Node) *Node

// Losses builds the reconstruction loss of the inversion stages from its weights.
type Losses struct {
	Weights LossWeights
	// LPIPS computes the LPIPS term; it must be set when Weights.LPIPS is non-zero.
	LPIPS Perceptual
}

// Validate reports a weight that cannot be computed.
func (l Losses) Validate() error {
	if l.Weights.LPIPS != 0 && l.LPIPS == nil {
		return fmt.Errorf("invert: the loss weighs LPIPS by %g but no LPIPS network is loaded (supply its weights, or set the LPIPS weight to 0)", l.Weights.LPIPS)
	}
	if len(l.Weights.terms()) == 0 {
		return fmt.Errorf("invert: every loss weight is zero")
	}
	return nil
}

// Names returns the names of the loss terms in the order Graph returns them.
func (l Losses) Names() []string {
	var names []string
	for _, t := range l.Weights.terms() {
		names = append(names, t.name)
	}
	return names
}

// Graph returns the weighted loss (a scalar) between pred and target [N, 3, H, W] in [-1, 1], and each
// unweighted term (batch means) in Names order. ctx holds the perceptual network's variables (nil is fine
// without an LPIPS term).
func (l Losses) Graph(ctx *mlctx.Context, pred, target *Node) (total *Node, terms []*Node) {
	for _, t := range l.Weights.terms() {
		var v *Node
		switch t.name {
		case "mse":
			v = ReduceAllMean(Square(Sub(pred, target)))
		case "ssim":
			v = OneMinus(ReduceAllMean(SSIM(pred, target)))
		case "msssim":
			v = OneMinus(ReduceAllMean(MSSSIM(pred, target)))
		case "lpips":
			v = ReduceAllMean(l.LPIPS(ctx, pred, target))
		}
		terms = append(terms, v)
		if total == nil {
			total = MulScalar(v, t.weight)
		} else {
			total = Add(total, MulScalar(v, t.weight))
		}
	}
	return total, terms
}

func shapeLike(x *Node, dims ...int) shapes.Shape { return shapes.Make(x.DType(), dims...) }
