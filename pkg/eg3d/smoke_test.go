package eg3d

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
)

func TestSmokeGenerate(t *testing.T) {
	cfg := Micro()
	ctx, err := NewContext(&cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	be, err := backend.NewWithConfig("cpu")
	if err != nil {
		t.Fatal(err)
	}
	exec := context.MustNewExec(be, ctx, func(ctx *context.Context, z, c *Node) []*Node {
		o := Generate(ctx, &cfg, z, c, 1, RenderOptions{Deterministic: true})
		return []*Node{o.Image, o.ImageRaw, o.Depth, o.WeightsSum}
	})
	z := tensors.FromFlatDataAndDimensions(make([]float32, 16), 1, 16)
	cam := make([]float32, 25)
	copy(cam, []float32{1, 0, 0, 0, 0, -1, 0, 0, 0, 0, -1, 2.7, 0, 0, 0, 1, 4.26, 0, 0.5, 0, 4.26, 0.5, 0, 0, 1})
	outs := exec.MustExec(z, tensors.FromFlatDataAndDimensions(cam, 1, 25))
	for i, o := range outs {
		t.Logf("out %d: %s", i, o.Shape())
		for _, v := range tensors.MustCopyFlatData[float32](o) {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("output %d has non-finite value %v", i, v)
			}
		}
	}
}

func cameraAt(yaw, pitch float64) camera.Camera { return camera.At(yaw, pitch) }
