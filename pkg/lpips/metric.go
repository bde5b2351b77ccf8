package lpips

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Metric computes LPIPS distances between images held as host tensors, for evaluation. It compiles one graph
// per image shape and dtype and reuses it.
type Metric struct {
	net  Net
	exec *context.Exec
}

// NewMetric returns a Metric that runs m on backend b (e.g. backend.New()), with m's weights in a context of
// its own.
func (m *Model) NewMetric(b backends.Backend) (*Metric, error) {
	exec, err := context.NewExec(b, context.New(), func(ctx *context.Context, x, y *Node) *Node {
		return m.Distance(ctx, x, y)
	})
	if err != nil {
		return nil, fmt.Errorf("lpips: %w", err)
	}
	return &Metric{net: m.Net, exec: exec}, nil
}

// Distance returns the LPIPS distance of each pair of images of x and y, float32 or float64 tensors shaped
// [N, 3, H, W] with values in [-1, 1]. Mismatched or wrong shapes, and images smaller than Net.MinSize, are
// errors.
func (mt *Metric) Distance(x, y *tensors.Tensor) ([]float64, error) {
	sx, sy := x.Shape(), y.Shape()
	if !sx.Equal(sy) {
		return nil, fmt.Errorf("lpips: images have shapes %s and %s, want equal shapes", sx, sy)
	}
	if sx.Rank() != 4 || sx.Dim(1) != 3 || (sx.DType != dtypes.Float32 && sx.DType != dtypes.Float64) {
		return nil, fmt.Errorf("lpips: images have shape %s, want float32 or float64 [N,3,H,W]", sx)
	}
	if minSize := mt.net.MinSize(); sx.Dim(2) < minSize || sx.Dim(3) < minSize {
		return nil, fmt.Errorf("lpips: %dx%d images are too small for %v, which needs at least %dx%d", sx.Dim(2), sx.Dim(3), mt.net, minSize, minSize)
	}
	out, err := mt.exec.Exec(x, y)
	if err != nil {
		return nil, fmt.Errorf("lpips: %w", err)
	}
	if sx.DType == dtypes.Float64 {
		return tensors.MustCopyFlatData[float64](out[0]), nil
	}
	d := tensors.MustCopyFlatData[float32](out[0])
	res := make([]float64, len(d))
	for i, v := range d {
		res[i] = float64(v)
	}
	return res, nil
}
