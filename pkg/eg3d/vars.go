package eg3d

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// NewContext returns a context holding every variable of a generator with configuration cfg, initialized as
// EG3D's constructors do (weights N(0,1)/lr_mul, affine biases 1, other biases and noise strengths 0,
// noise buffers N(0,1), w_avg 0) from a seeded random stream, so the same seed gives the same generator.
func NewContext(cfg *Config, seed uint64) (*context.Context, error) {
	ctx := context.New().Checked(false)
	if err := InitVariables(ctx, cfg, seed); err != nil {
		return nil, err
	}
	return ctx, nil
}

// InitVariables creates the variables of cfg in ctx as NewContext does. A variable whose value ctx's loader
// (e.g. a GoMLX checkpoint being resumed) already holds keeps that value.
func InitVariables(ctx *context.Context, cfg *Config, seed uint64) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	ctx = ctx.Checked(false)
	rng := rand.New(rand.NewPCG(seed, 0x65673364)) // "eg3d"
	for _, p := range cfg.Params() {
		data := make([]float32, numel(p.Shape))
		switch p.Init {
		case InitNormal:
			for i := range data {
				data[i] = float32(rng.NormFloat64() / p.LRMul)
			}
		case InitConstant:
			for i := range data {
				data[i] = float32(p.Value)
			}
		case InitFIR:
			copy(data, firFilter2D())
		}
		setVariable(ctx, p, tensors.FromFlatDataAndDimensions(data, p.Shape...))
	}
	return nil
}

// TensorSource supplies named float32 tensors, e.g. a network pickle or a safetensors file.
type TensorSource interface {
	// Float32 returns the tensor's values in row-major order and its shape, or an error naming it.
	Float32(name string) ([]float32, []int, error)
}

// LoadContext returns a context with every variable of cfg taken from src, checking that each official name
// exists with the expected shape and that the fixed resampling filters hold EG3D's [1,3,3,1] filter.
func LoadContext(cfg *Config, src TensorSource) (*context.Context, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ctx := context.New().Checked(false)
	fir := firFilter2D()
	for _, p := range cfg.Params() {
		data, shape, err := src.Float32(p.Name)
		if err != nil {
			return nil, err
		}
		if !slices.Equal(shape, p.Shape) {
			return nil, fmt.Errorf("eg3d: %q has shape %v, want %v for this config", p.Name, shape, p.Shape)
		}
		if p.Init == InitFIR {
			for i, v := range data {
				if d := v - fir[i]; d > 1e-6 || d < -1e-6 {
					return nil, fmt.Errorf("eg3d: %q is not the [1,3,3,1] filter (value %g at %d, want %g): other filters are not supported", p.Name, v, i, fir[i])
				}
			}
		}
		setVariable(ctx, p, tensors.FromFlatDataAndDimensions(slices.Clone(data), p.Shape...))
	}
	return ctx, nil
}

// setVariable creates the variable of parameter p (scope from its dotted name) with value t.
func setVariable(ctx *context.Context, p Param, t *tensors.Tensor) {
	scope, name := ParamScope(p.Name)
	v := ctx.InAbsPath(scope).VariableWithValue(name, t)
	if p.Buffer {
		v.SetTrainable(false)
	}
}

// ParamScope maps an official dotted name to the context scope and variable name that hold it:
// "backbone.mapping.fc0.weight" -> ("/backbone/mapping/fc0", "weight").
func ParamScope(name string) (scope, variable string) {
	i := strings.LastIndexByte(name, '.')
	return "/" + strings.ReplaceAll(name[:i], ".", "/"), name[i+1:]
}

// firFilter2D is upfirdn2d.setup_filter([1,3,3,1]): the outer product normalized to sum 1.
func firFilter2D() []float32 {
	f := [4]float32{1, 3, 3, 1}
	out := make([]float32, 16)
	for i := range f {
		for j := range f {
			out[4*i+j] = f[i] * f[j] / 64
		}
	}
	return out
}
