package lpips_test

import (
	"errors"
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/lpips"
)

// Without weight files LPIPS is unavailable; the error says which files to supply and where they come from.
func ExampleLoad() {
	_, err := lpips.Load(lpips.VGG16, "", "")
	fmt.Println(errors.Is(err, lpips.ErrUnavailable))
	// Output: true
}

// LPIPS as an inversion loss: shrink large images as the projectors do, average the distance over the batch.
// With real weights, use lpips.Load or lpips.LoadFromEnv instead of the (meaningless) untrained model.
func ExampleModel_Distance() {
	m := lpips.NewUntrained(lpips.AlexNet, 1)
	loss := context.MustNewExec(backend.MustNew(), context.New(), func(ctx *context.Context, img, target *Node) *Node {
		img, target = lpips.Downsample(img, lpips.ProjectorSize), lpips.Downsample(target, lpips.ProjectorSize)
		return ReduceAllMean(m.Distance(ctx, img, target))
	})
	gray := tensors.FromShape(shapes.Make(dtypes.Float32, 1, 3, 64, 64))
	fmt.Println(loss.MustExec(gray, gray)[0].Value())
	// Output: 0
}
