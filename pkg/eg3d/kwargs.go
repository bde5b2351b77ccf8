package eg3d

import (
	"fmt"

	"github.com/pmvi/pmvi/pkg/checkpoint"
)

// ConfigFromNetwork reads the configuration an official network pickle stores (its init kwargs, rendering
// kwargs and neural_rendering_resolution), so a model is built from its file rather than from a preset.
func ConfigFromNetwork(net *checkpoint.Network) (Config, error) {
	if net.Class != "TriPlaneGenerator" {
		return Config{}, fmt.Errorf("eg3d: %s: network class %q, want TriPlaneGenerator", net.Source, net.Class)
	}
	k := kwargs{m: net.InitKwargs, where: "init_kwargs"}
	r := kwargs{m: net.RenderingKwargs, where: "rendering_kwargs"}
	if r.m == nil {
		r.m, _ = net.InitKwargs["rendering_kwargs"].(map[string]any)
	}
	mk := kwargs{where: "mapping_kwargs"}
	mk.m, _ = k.m["mapping_kwargs"].(map[string]any)
	c := Config{
		ZDim:              k.int("z_dim", -1),
		WDim:              k.int("w_dim", -1),
		CDim:              k.int("c_dim", -1),
		MappingLayers:     mk.int("num_layers", 8),
		MappingLRMul:      mk.float("lr_multiplier", 0.01),
		CScale:            r.float("c_scale", 0), // EG3D quirk: the official default is 0
		ZeroConditioning:  r.bool("c_gen_conditioning_zero", false),
		PlaneResolution:   256,
		PlaneChannels:     32,
		ChannelBase:       k.int("channel_base", 32768),
		ChannelMax:        k.int("channel_max", 512),
		ConvClamp:         k.float("conv_clamp", 0),
		DecoderHidden:     64,
		DecoderLRMul:      r.float("decoder_lr_mul", 1),
		NeuralResolution:  net.NeuralRenderingResolution,
		DepthSamples:      r.int("depth_resolution", -1),
		ImportanceSamples: r.int("depth_resolution_importance", -1),
		RayStart:          r.float("ray_start", -1),
		RayEnd:            r.float("ray_end", -1),
		BoxWarp:           r.float("box_warp", -1),
		WhiteBackground:   r.bool("white_back", false),
		ImageResolution:   k.int("img_resolution", -1),
	}
	if c.NeuralResolution == 0 {
		c.NeuralResolution = 64 // TriPlaneGenerator's constructor default
	}
	if k.int("img_channels", 3) != 3 {
		k.fail("img_channels", "want 3")
	}
	if mode := r.text("clamp_mode", "softplus"); mode != "softplus" {
		r.fail("clamp_mode", fmt.Sprintf("%q, only softplus is supported (as in every released model)", mode))
	}
	if r.bool("disparity_space_sampling", false) {
		r.fail("disparity_space_sampling", "true, not supported")
	}
	if nm := r.text("superresolution_noise_mode", "none"); nm != "none" {
		r.fail("superresolution_noise_mode", fmt.Sprintf("%q, only \"none\" is supported", nm))
	}
	if _, auto := r.m["ray_start"].(string); auto {
		r.fail("ray_start", "\"auto\" (box-bounded rays) is not supported")
	}
	module, err := ParseSRModule(r.text("superresolution_module", ""))
	if err != nil {
		return Config{}, fmt.Errorf("eg3d: %s: rendering_kwargs.superresolution_module: %w", net.Source, err)
	}
	c.SR = HybridSR(module, k.int("sr_num_fp16_res", 0), r.bool("sr_antialias", true))
	for _, e := range []error{k.err, r.err, mk.err} {
		if e != nil {
			return Config{}, fmt.Errorf("eg3d: %s: %w", net.Source, e)
		}
	}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("%w (config read from %s)", err, net.Source)
	}
	return c, nil
}

// kwargs reads typed values from a JSON-like map and remembers the first problem.
type kwargs struct {
	m     map[string]any
	where string
	err   error
}

func (k *kwargs) fail(key, msg string) {
	if k.err == nil {
		k.err = fmt.Errorf("%s.%s: %s", k.where, key, msg)
	}
}

// get returns the value of key, or def (when def is not -1) if it is absent or None.
func (k *kwargs) get(key string, def float64) (any, bool) {
	v, ok := k.m[key]
	if !ok || v == nil {
		if def == -1 {
			k.fail(key, "missing")
		}
		return nil, false
	}
	return v, true
}

func (k *kwargs) float(key string, def float64) float64 {
	v, ok := k.get(key, def)
	if !ok {
		return def
	}
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	}
	k.fail(key, fmt.Sprintf("%v (%T), want a number", v, v))
	return def
}

func (k *kwargs) int(key string, def int) int {
	f := k.float(key, float64(def))
	if f != float64(int(f)) {
		k.fail(key, fmt.Sprintf("%v, want an integer", f))
	}
	return int(f)
}

func (k *kwargs) bool(key string, def bool) bool {
	v, ok := k.m[key]
	if !ok || v == nil {
		return def
	}
	b, isBool := v.(bool)
	if !isBool {
		k.fail(key, fmt.Sprintf("%v (%T), want true or false", v, v))
	}
	return b
}

func (k *kwargs) text(key, def string) string {
	v, ok := k.m[key]
	if !ok || v == nil {
		return def
	}
	s, isText := v.(string)
	if !isText {
		k.fail(key, fmt.Sprintf("%v (%T), want a string", v, v))
	}
	return s
}

// NetworkSource adapts a checkpoint.Network to TensorSource.
type NetworkSource struct{ Net *checkpoint.Network }

// Float32 implements TensorSource.
func (s NetworkSource) Float32(name string) ([]float32, []int, error) {
	t, err := s.Net.Tensor(name)
	if err != nil {
		return nil, nil, err
	}
	return t.Float32(), t.Shape, nil
}
