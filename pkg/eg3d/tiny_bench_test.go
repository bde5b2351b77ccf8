package eg3d

import (
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pmvi/pmvi/pkg/backend"
)

// BenchmarkTinyInversionStep times one forward+backward to W+ of the Tiny architecture at its full
// resolution, the cost of one stage-1 step.
func BenchmarkTinyInversionStep(b *testing.B) {
	cfg := Tiny()
	g, err := New(cfg, 0)
	if err != nil {
		b.Fatal(err)
	}
	be := backend.MustNew()
	exec := context.MustNewExec(be, g.Context.Reuse(), func(ctx *context.Context, ws, c *Node) []*Node {
		out := Synthesis(ctx, &cfg, ws, c, RenderOptions{Deterministic: true})
		loss := ReduceAllMean(Square(out.Image))
		return []*Node{loss, Gradient(loss, ws)[0]}
	})
	ws := tensors.FromFlatDataAndDimensions(make([]float32, cfg.NumWS()*cfg.WDim), 1, cfg.NumWS(), cfg.WDim)
	c := labelTensor(cameraAt(0.1, 0))
	exec.MustExec(ws, c)
	b.ResetTimer()
	for range b.N {
		exec.MustExec(ws, c)
	}
}
