package eg3d

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pmvi/pmvi/internal/nprand"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
)

// A patch rendered through PatchSynthesis is the same crop of the full image Synthesis renders (the fast path
// against the reference), and a generator with super-resolution is refused.
func TestPatchSynthesisIsACropOfTheImage(t *testing.T) {
	cfg := Micro()
	cfg.SR, cfg.ImageResolution = SRConfig{}, cfg.NeuralResolution
	g, err := New(cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	be := backend.MustNew()
	r := NewRunner(g, be)
	cam := camera.At(0.2, -0.1)
	ws, err := r.Mapping(nprand.Randn(3, cfg.ZDim), cam, 1)
	if err != nil {
		t.Fatal(err)
	}
	opts := RenderOptions{Deterministic: true}
	full, err := r.Render(ws, cam, opts)
	if err != nil {
		t.Fatal(err)
	}
	res, size, x0, y0 := cfg.NeuralResolution, 5, 2, 3
	u := make([]float32, 0, size*size)
	v := make([]float32, 0, size*size)
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			u = append(u, float32((float64(x0+x)+0.5)/float64(res)))
			v = append(v, float32((float64(y0+y)+0.5)/float64(res)))
		}
	}
	exec, err := context.NewExec(be, g.Context.Reuse(), func(ctx *context.Context, ws, c, u, v *Node) []*Node {
		o := PatchSynthesis(ctx, &cfg, ws, c, u, v, size, opts)
		return []*Node{o.Image, o.Depth}
	})
	if err != nil {
		t.Fatal(err)
	}
	outs, err := exec.Exec(ws, tensors.FromFlatDataAndDimensions(cam.Label(), 1, camera.LabelSize), u, v)
	if err != nil {
		t.Fatal(err)
	}
	img, depth := tensors.MustCopyFlatData[float32](outs[0]), tensors.MustCopyFlatData[float32](outs[1])
	worst := 0.0
	for c := 0; c < 3; c++ {
		for y := 0; y < size; y++ {
			for x := 0; x < size; x++ {
				worst = math.Max(worst, math.Abs(float64(img[(c*size+y)*size+x]-full.Image.At(c, y0+y, x0+x))))
				if c == 0 {
					worst = math.Max(worst, math.Abs(float64(depth[y*size+x]-full.Depth.At(0, y0+y, x0+x))))
				}
			}
		}
	}
	if worst > 1e-4 {
		t.Errorf("patch differs from the full render's crop by %g", worst)
	}

	sr, err := New(Micro(), 5)
	if err != nil {
		t.Fatal(err)
	}
	refused := func() (refused bool) {
		defer func() { refused = recover() != nil }()
		exec, err := context.NewExec(be, sr.Context.Reuse(), func(ctx *context.Context, ws, c, u, v *Node) *Node {
			return PatchSynthesis(ctx, &sr.Config, ws, c, u, v, size, opts).Image
		})
		if err != nil {
			return true
		}
		srWS, err := NewRunner(sr, be).Mapping(nprand.Randn(3, sr.Config.ZDim), cam, 1)
		if err != nil {
			t.Fatal(err)
		}
		_, err = exec.Exec(srWS, tensors.FromFlatDataAndDimensions(cam.Label(), 1, camera.LabelSize), u, v)
		return err != nil
	}()
	if !refused {
		t.Error("PatchSynthesis of a generator with super-resolution built a graph, want a refusal")
	}
}
