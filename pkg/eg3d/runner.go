package eg3d

import (
	"fmt"
	"sync"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// Images are host copies of one rendered view.
type Images struct {
	// Image is the final image (3 channels, [-1, 1]); ImageRaw the neural rendering's RGB.
	Image, ImageRaw *fimage.Image
	// Depth is the ray distance and WeightsSum the accumulated opacity (1 channel each) at the neural
	// rendering resolution.
	Depth, WeightsSum *fimage.Image
}

// Runner runs a generator on a backend, compiling each graph once and reusing it.
type Runner struct {
	Gen     *Generator
	Backend backends.Backend

	mu      sync.Mutex
	mapping map[float64]*context.Exec
	render  map[RenderOptions]*context.Exec
}

// NewRunner returns a Runner of g on be.
func NewRunner(g *Generator, be backends.Backend) *Runner {
	return &Runner{Gen: g, Backend: be, mapping: map[float64]*context.Exec{}, render: map[RenderOptions]*context.Exec{}}
}

// Mapping returns ws [1, NumWS, WDim] for latent z (ZDim values), conditioned on camera c, truncated with psi.
func (r *Runner) Mapping(z []float32, c camera.Camera, psi float64) (*tensors.Tensor, error) {
	cfg := &r.Gen.Config
	if len(z) != cfg.ZDim {
		return nil, fmt.Errorf("eg3d: latent z has %d values, want %d", len(z), cfg.ZDim)
	}
	r.mu.Lock()
	exec, ok := r.mapping[psi]
	if !ok {
		var err error
		exec, err = context.NewExec(r.Backend, r.Gen.Context.Reuse(), func(ctx *context.Context, z, c *Node) *Node {
			return Mapping(ctx, cfg, z, c, psi)
		})
		if err != nil {
			r.mu.Unlock()
			return nil, fmt.Errorf("eg3d: building the mapping network: %w", err)
		}
		r.mapping[psi] = exec
	}
	r.mu.Unlock()
	outs, err := exec.Exec(tensors.FromFlatDataAndDimensions(z, 1, cfg.ZDim), labelTensor(c))
	if err != nil {
		return nil, fmt.Errorf("eg3d: mapping: %w", err)
	}
	return outs[0], nil
}

// Render synthesizes the view of ws [1, NumWS, WDim] from camera c.
func (r *Runner) Render(ws *tensors.Tensor, c camera.Camera, opts RenderOptions) (*Images, error) {
	cfg := &r.Gen.Config
	if d := ws.Shape().Dimensions; len(d) != 3 || d[0] != 1 || d[1] != cfg.NumWS() || d[2] != cfg.WDim {
		return nil, fmt.Errorf("eg3d: ws has shape %v, want [1 %d %d]", d, cfg.NumWS(), cfg.WDim)
	}
	r.mu.Lock()
	exec, ok := r.render[opts]
	if !ok {
		var err error
		exec, err = context.NewExec(r.Backend, r.Gen.Context.Reuse(), func(ctx *context.Context, ws, c *Node) []*Node {
			o := Synthesis(ctx, cfg, ws, c, opts)
			return []*Node{o.Image, o.ImageRaw, o.Depth, o.WeightsSum}
		})
		if err != nil {
			r.mu.Unlock()
			return nil, fmt.Errorf("eg3d: building the synthesis network: %w", err)
		}
		r.render[opts] = exec
	}
	r.mu.Unlock()
	outs, err := exec.Exec(ws, labelTensor(c))
	if err != nil {
		return nil, fmt.Errorf("eg3d: synthesis: %w", err)
	}
	imgs := make([]*fimage.Image, len(outs))
	for i, t := range outs {
		if imgs[i], err = ToImage(t); err != nil {
			return nil, err
		}
	}
	return &Images{Image: imgs[0], ImageRaw: imgs[1], Depth: imgs[2], WeightsSum: imgs[3]}, nil
}

// labelTensor returns c's 25-float label as a [1, 25] tensor.
func labelTensor(c camera.Camera) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(c.Label(), 1, camera.LabelSize)
}

// ToImage copies a [1, C, H, W] float32 tensor into an image.
func ToImage(t *tensors.Tensor) (*fimage.Image, error) {
	d := t.Shape().Dimensions
	if len(d) != 4 || d[0] != 1 {
		return nil, fmt.Errorf("eg3d: tensor of shape %v is not one NCHW image", d)
	}
	return fimage.FromPix(d[1], d[2], d[3], tensors.MustCopyFlatData[float32](t))
}

// FromImage returns an image as a [1, C, H, W] tensor.
func FromImage(m *fimage.Image) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(append([]float32(nil), m.Pix...), 1, m.C, m.H, m.W)
}
