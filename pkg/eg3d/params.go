package eg3d

import "fmt"

// Init says how a fresh generator initializes a tensor, as EG3D's constructors do.
type Init int

const (
	// InitNormal draws N(0, 1) / LRMul (weights, constant inputs, noise buffers).
	InitNormal Init = iota
	// InitConstant fills with the spec's Value (biases, noise strengths, w_avg).
	InitConstant
	// InitFIR is the fixed [1,3,3,1] resampling filter, outer(f, f)/64.
	InitFIR
)

// Param describes one tensor of the generator under its official state_dict name.
type Param struct {
	// Name is the official dotted name, e.g. "backbone.mapping.fc0.weight".
	Name string
	// Shape is its shape; a scalar has none.
	Shape []int
	// Buffer marks non-trainable state (w_avg, noise_const, resample_filter).
	Buffer bool
	// Init and Value (InitConstant's value) or LRMul (InitNormal's divisor) say how to initialize it.
	Init  Init
	Value float64
	LRMul float64
}

// Params lists every parameter and buffer of a generator with configuration c, in the official order and
// with the official names and shapes. It is the contract between the graph code, checkpoint loading and the
// parameter count.
func (c *Config) Params() []Param {
	var ps []Param
	add := func(p Param) { ps = append(ps, p) }
	// Backbone synthesis network.
	prev := 0
	for _, r := range c.BlockResolutions() {
		ch := c.BlockChannels(r)
		prefix := fmt.Sprintf("backbone.synthesis.b%d", r)
		if prev == 0 {
			add(Param{Name: prefix + ".const", Shape: []int{ch, r, r}, Init: InitNormal, LRMul: 1})
		}
		ps = append(ps, blockParams(prefix, prev, ch, r, 3*c.PlaneChannels, prev != 0, c.WDim)...)
		prev = ch
	}
	// Mapping network.
	features := c.ZDim
	if c.CDim > 0 {
		add(Param{Name: "backbone.mapping.embed.weight", Shape: []int{c.WDim, c.CDim}, Init: InitNormal, LRMul: 1})
		add(Param{Name: "backbone.mapping.embed.bias", Shape: []int{c.WDim}, Init: InitConstant})
		features += c.WDim
	}
	for i := 0; i < c.MappingLayers; i++ {
		name := fmt.Sprintf("backbone.mapping.fc%d", i)
		add(Param{Name: name + ".weight", Shape: []int{c.WDim, features}, Init: InitNormal, LRMul: c.MappingLRMul})
		add(Param{Name: name + ".bias", Shape: []int{c.WDim}, Init: InitConstant})
		features = c.WDim
	}
	add(Param{Name: "backbone.mapping.w_avg", Shape: []int{c.WDim}, Buffer: true, Init: InitConstant})
	// Super-resolution.
	prev, r := c.PlaneChannels, c.SR.InputResolution
	for i, b := range c.SR.Blocks {
		if b.Up {
			r *= 2
		}
		ps = append(ps, blockParams(fmt.Sprintf("superresolution.block%d", i), prev, b.Channels, r, 3, true, c.WDim)...)
		prev = b.Channels
	}
	if m := c.SR.Module; m == SRHybrid8X || m == SRHybrid4X || m == SRHybrid2X {
		add(Param{Name: "superresolution.resample_filter", Shape: []int{4, 4}, Buffer: true, Init: InitFIR})
	}
	// OSG decoder.
	lr := c.DecoderLRMul
	add(Param{Name: "decoder.net.0.weight", Shape: []int{c.DecoderHidden, c.PlaneChannels}, Init: InitNormal, LRMul: lr})
	add(Param{Name: "decoder.net.0.bias", Shape: []int{c.DecoderHidden}, Init: InitConstant})
	add(Param{Name: "decoder.net.2.weight", Shape: []int{1 + c.PlaneChannels, c.DecoderHidden}, Init: InitNormal, LRMul: lr})
	add(Param{Name: "decoder.net.2.bias", Shape: []int{1 + c.PlaneChannels}, Init: InitConstant})
	return ps
}

// blockParams lists a synthesis block's tensors: conv0 (when the block has an input), conv1, torgb, and the
// resampling-filter buffers every block and layer registers.
func blockParams(prefix string, in, out, res, imgChannels int, hasConv0 bool, wdim int) []Param {
	var ps []Param
	layer := func(name string, in int) {
		n := prefix + "." + name
		ps = append(ps,
			Param{Name: n + ".weight", Shape: []int{out, in, 3, 3}, Init: InitNormal, LRMul: 1},
			Param{Name: n + ".noise_strength", Shape: []int{}, Init: InitConstant},
			Param{Name: n + ".bias", Shape: []int{out}, Init: InitConstant},
			Param{Name: n + ".affine.weight", Shape: []int{in, wdim}, Init: InitNormal, LRMul: 1},
			Param{Name: n + ".affine.bias", Shape: []int{in}, Init: InitConstant, Value: 1},
			Param{Name: n + ".resample_filter", Shape: []int{4, 4}, Buffer: true, Init: InitFIR},
			Param{Name: n + ".noise_const", Shape: []int{res, res}, Buffer: true, Init: InitNormal, LRMul: 1},
		)
	}
	ps = append(ps, Param{Name: prefix + ".resample_filter", Shape: []int{4, 4}, Buffer: true, Init: InitFIR})
	if hasConv0 {
		layer("conv0", in)
	}
	layer("conv1", out)
	ps = append(ps,
		Param{Name: prefix + ".torgb.weight", Shape: []int{imgChannels, out, 1, 1}, Init: InitNormal, LRMul: 1},
		Param{Name: prefix + ".torgb.bias", Shape: []int{imgChannels}, Init: InitConstant},
		Param{Name: prefix + ".torgb.affine.weight", Shape: []int{out, wdim}, Init: InitNormal, LRMul: 1},
		Param{Name: prefix + ".torgb.affine.bias", Shape: []int{out}, Init: InitConstant, Value: 1},
	)
	return ps
}

// NumParameters returns the number of trainable values (buffers excluded).
func (c *Config) NumParameters() int {
	n := 0
	for _, p := range c.Params() {
		if !p.Buffer {
			n += numel(p.Shape)
		}
	}
	return n
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
