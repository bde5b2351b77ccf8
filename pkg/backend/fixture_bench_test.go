package backend_test

// Benchmarks of the EG3D fixture network on the cpu engine (an external test package: pkg/eg3d imports this
// package). Minutes on 2 cores; scripts/bench prints the same figures next to PyTorch's:
//
//	go test ./pkg/backend -run XXX -bench Fixture -benchtime=1x

import (
	"path/filepath"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/pmvi/pmvi/internal/fixture"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/checkpoint/npy"
	"github.com/pmvi/pmvi/pkg/eg3d"
)

// BenchmarkFixture is the fixture generator's synthesis at the front camera (512x512 with super-resolution):
// forward, and forward plus the gradient of the image's mean with respect to ws.
func BenchmarkFixture(b *testing.B) {
	dir := fixture.Dir(b)
	gen, err := eg3d.Load(filepath.Join(dir, "tiny", "G.pkl"))
	if err != nil {
		b.Fatal(err)
	}
	be, err := backend.New() // GOMLX_BACKEND: the parity checks run on whichever backend is chosen (scripts/gpu runs them on XLA)
	if err != nil {
		b.Fatal(err)
	}
	read := func(name string) *tensors.Tensor {
		data, shape, err := npy.ReadFloat32(filepath.Join(dir, "tiny", name+".npy"))
		if err != nil {
			b.Fatal(err)
		}
		return tensors.FromFlatDataAndDimensions(data, shape...)
	}
	ws, c := read("ws_psi1"), read("c_front")
	cfg := &gen.Config
	opts := eg3d.RenderOptions{Deterministic: true}
	for _, tc := range []struct {
		name string
		fn   any
	}{
		{"fwd", func(ctx *context.Context, ws, c *Node) *Node { return eg3d.Synthesis(ctx, cfg, ws, c, opts).Image }},
		{"fwd+bwd", func(ctx *context.Context, ws, c *Node) *Node {
			return Gradient(ReduceAllMean(eg3d.Synthesis(ctx, cfg, ws, c, opts).Image), ws)[0]
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			exec, err := context.NewExecAny(be, gen.Context.Reuse(), tc.fn)
			if err != nil {
				b.Fatal(err)
			}
			defer exec.Finalize()
			run := func() {
				outs, err := exec.Exec(ws, c)
				if err != nil {
					b.Fatal(err)
				}
				for _, t := range outs {
					t.FinalizeAll()
				}
			}
			run() // Compile and warm up.
			b.ResetTimer()
			for range b.N {
				run()
			}
		})
	}
}
