package ops_test

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/ops"
)

// Downsampling a ramp by 2 with and without antialiasing, as torch.nn.functional.interpolate would.
func ExampleResizeBilinear() {
	b, err := backend.NewWithConfig("") // The program picks the backend; the default is the pure-Go cpu engine.
	if err != nil {
		panic(err)
	}
	exec := graph.MustNewExec(b, func(x *graph.Node) (*graph.Node, *graph.Node) {
		return ops.ResizeBilinear(x, 1, 2, false), ops.ResizeBilinear(x, 1, 2, true)
	})
	ramp := tensors.FromFlatDataAndDimensions([]float32{0, 1, 2, 3}, 1, 1, 1, 4)
	plain, antialiased := exec.MustExec2(ramp)
	fmt.Printf("bilinear:    %.4f\nantialiased: %.4f\n", plain.Value(), antialiased.Value())
	// Output:
	// bilinear:    [[[[0.5000 2.5000]]]]
	// antialiased: [[[[0.7143 2.2857]]]]
}
