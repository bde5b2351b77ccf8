package invert

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pmvi/pmvi/internal/nprand"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
)

// WStats are the statistics of the mapping network's output that start and scale the W+ search.
type WStats struct {
	// Mean is w_avg [WDim]: the mean of the mapped samples.
	Mean []float32
	// Std is the RMS distance of the samples from the mean (a scalar, as in the official projector).
	Std float64
}

// MeasureW maps n latents z = RandomState(123).randn(n, z_dim) (the official projector's draw) through the
// generator's mapping network, conditioned on the frontal camera with the input's intrinsics, and returns
// their mean and spread.
func MeasureW(be backends.Backend, g *eg3d.Generator, n int, intrinsics [9]float64) (WStats, error) {
	cfg := &g.Config
	z := make([]float32, n*cfg.ZDim)
	s := nprand.New(123)
	for i := range z {
		z[i] = float32(s.Normal())
	}
	cond := camera.At(0, 0)
	cond.Intrinsics = intrinsics
	label := cond.Label()
	c := make([]float32, 0, n*camera.LabelSize)
	for i := 0; i < n; i++ {
		c = append(c, label...)
	}
	exec, err := mlctx.NewExec(be, g.Context.Reuse(), func(ctx *mlctx.Context, z, c *Node) *Node {
		ws := eg3d.Mapping(ctx, cfg, z, c, 1)
		return Squeeze(SliceAxis(ws, 1, AxisElem(0)), 1) // [n, WDim]: all ws are equal without truncation
	})
	if err != nil {
		return WStats{}, fmt.Errorf("invert: building the mapping for w_avg: %w", err)
	}
	defer exec.Finalize()
	outs, err := exec.Exec(tensors.FromFlatDataAndDimensions(z, n, cfg.ZDim), tensors.FromFlatDataAndDimensions(c, n, camera.LabelSize))
	if err != nil {
		return WStats{}, fmt.Errorf("invert: mapping %d latents: %w", n, err)
	}
	w := tensors.MustCopyFlatData[float32](outs[0])
	mean := make([]float64, cfg.WDim)
	for i := 0; i < n; i++ {
		for j := range mean {
			mean[j] += float64(w[i*cfg.WDim+j]) / float64(n)
		}
	}
	sq := 0.0
	for i := 0; i < n; i++ {
		for j := range mean {
			d := float64(w[i*cfg.WDim+j]) - mean[j]
			sq += d * d
		}
	}
	st := WStats{Mean: make([]float32, cfg.WDim), Std: math.Sqrt(sq / float64(n))}
	for j, m := range mean {
		st.Mean[j] = float32(m)
	}
	return st, nil
}
