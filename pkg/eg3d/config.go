package eg3d

import (
	"fmt"
	"math/bits"
)

// Config is the architecture and rendering setup of one EG3D generator. Presets: FFHQ512 (the official
// ffhq512-128 model), Fixture (the tiny network of the parity fixtures), Tiny and Small (the embedded models).
// A network pickle's own config is read with ConfigFromKwargs.
type Config struct {
	// ZDim, WDim and CDim are the sizes of the latent z, of each w, and of the camera label (25, or 0 for none).
	ZDim, WDim, CDim int
	// MappingLayers is the number of fully connected layers of the mapping network (EG3D: 2).
	MappingLayers int
	// MappingLRMul is the mapping layers' learning-rate multiplier, which scales their stored weights (0.01).
	MappingLRMul float64
	// CScale multiplies the camera label before the mapping network; EG3D uses 0 when the key is absent.
	CScale float64
	// ZeroConditioning replaces the camera label of the mapping network by zeros (c_gen_conditioning_zero).
	ZeroConditioning bool

	// PlaneResolution is the side of each triplane (the backbone's output resolution, 256 in EG3D).
	PlaneResolution int
	// PlaneChannels is the number of feature channels of each of the three planes (32 in EG3D).
	PlaneChannels int
	// ChannelBase and ChannelMax give the backbone block at resolution r min(ChannelBase/r, ChannelMax) channels.
	ChannelBase, ChannelMax int
	// ConvClamp clamps backbone activations to ±ConvClamp; 0 disables it (EG3D's None).
	ConvClamp float64

	// DecoderHidden is the width of the OSG decoder's hidden layer (64).
	DecoderHidden int
	// DecoderLRMul is the decoder's learning-rate multiplier (1).
	DecoderLRMul float64

	// NeuralResolution is the side of the volume-rendered feature image (128 for ffhq512-128).
	NeuralResolution int
	// DepthSamples and ImportanceSamples are the stratified and importance samples per ray (48 and 48).
	DepthSamples, ImportanceSamples int
	// RayStart and RayEnd bound the samples along each ray, in world units from the camera.
	RayStart, RayEnd float64
	// BoxWarp is the side of the cube the triplanes span (1).
	BoxWarp float64
	// WhiteBackground composites onto white instead of black (EG3D's white_back; off for FFHQ).
	WhiteBackground bool

	// SR is the super-resolution module; its zero value (SRNone) makes the raw image the output.
	SR SRConfig
	// ImageResolution is the side of the final image (512 for FFHQ512; NeuralResolution without SR).
	ImageResolution int
}

// NumWS returns how many ws the synthesis network takes: one per backbone convolution plus the last ToRGB.
func (c *Config) NumWS() int {
	return 2 * len(c.BlockResolutions()) // the 4x4 block has one conv, the others two

}

// BlockResolutions returns the resolutions of the backbone's synthesis blocks, 4 up to PlaneResolution.
func (c *Config) BlockResolutions() []int {
	var res []int
	for r := 4; r <= c.PlaneResolution; r *= 2 {
		res = append(res, r)
	}
	return res
}

// BlockChannels returns the number of channels of the backbone block at resolution r.
func (c *Config) BlockChannels(r int) int {
	return min(c.ChannelBase/r, c.ChannelMax)
}

// Validate reports the first field that makes c unusable.
func (c *Config) Validate() error {
	switch {
	case c.ZDim <= 0 || c.WDim <= 0 || c.CDim < 0:
		return fmt.Errorf("eg3d: config z_dim=%d w_dim=%d c_dim=%d, want positive sizes", c.ZDim, c.WDim, c.CDim)
	case c.MappingLayers < 1:
		return fmt.Errorf("eg3d: config mapping layers = %d, want >= 1", c.MappingLayers)
	case c.PlaneResolution < 4 || bits.OnesCount(uint(c.PlaneResolution)) != 1:
		return fmt.Errorf("eg3d: config plane resolution %d, want a power of two >= 4", c.PlaneResolution)
	case c.PlaneChannels < 1 || c.DecoderHidden < 1:
		return fmt.Errorf("eg3d: config plane channels %d, decoder hidden %d, want positive", c.PlaneChannels, c.DecoderHidden)
	case c.ChannelBase < 1 || c.ChannelMax < 1 || c.BlockChannels(c.PlaneResolution) < 1:
		return fmt.Errorf("eg3d: config channel_base %d, channel_max %d give no channels at resolution %d", c.ChannelBase, c.ChannelMax, c.PlaneResolution)
	case c.NeuralResolution < 1:
		return fmt.Errorf("eg3d: config neural rendering resolution %d, want >= 1", c.NeuralResolution)
	case c.DepthSamples < 2 || c.ImportanceSamples < 0:
		return fmt.Errorf("eg3d: config samples per ray %d+%d, want >= 2 stratified", c.DepthSamples, c.ImportanceSamples)
	case c.ImportanceSamples > 0 && c.DepthSamples < 4:
		return fmt.Errorf("eg3d: config %d stratified samples cannot drive importance sampling, want >= 4", c.DepthSamples)
	case !(c.RayEnd > c.RayStart) || c.RayStart <= 0:
		return fmt.Errorf("eg3d: config ray range [%g, %g], want 0 < start < end", c.RayStart, c.RayEnd)
	case c.BoxWarp <= 0:
		return fmt.Errorf("eg3d: config box_warp %g, want > 0", c.BoxWarp)
	}
	return c.SR.validate(c)
}

// FFHQ512 returns the configuration of NVlabs' ffhqrebalanced512-128 model (30,662,136 parameters).
func FFHQ512() Config {
	return Config{
		ZDim: 512, WDim: 512, CDim: 25, MappingLayers: 2, MappingLRMul: 0.01, CScale: 1,
		PlaneResolution: 256, PlaneChannels: 32, ChannelBase: 32768, ChannelMax: 512,
		DecoderHidden: 64, DecoderLRMul: 1,
		NeuralResolution: 128, DepthSamples: 48, ImportanceSamples: 48, RayStart: 2.25, RayEnd: 3.3, BoxWarp: 1,
		SR:              HybridSR(SRHybrid8XDC, 4, true),
		ImageResolution: 512,
	}
}

// Fixture returns the configuration of the tiny network of the official parity fixtures: FFHQ512 with a
// backbone of channel_base 2048 and channel_max 64 (3,257,224 parameters).
func Fixture() Config {
	c := FFHQ512()
	c.ChannelBase, c.ChannelMax = 2048, 64
	return c
}

// Micro returns a configuration with every building block of EG3D at toy sizes (16x16 triplanes, 8x8 neural
// rendering, 8+8 samples, a two-block super-resolution to 16x16). It renders in milliseconds, for tests and
// examples of code that takes any generator.
func Micro() Config {
	c := FFHQ512()
	c.ZDim, c.WDim = 16, 16
	c.PlaneResolution, c.PlaneChannels = 16, 8
	c.ChannelBase, c.ChannelMax = 128, 16
	c.DecoderHidden = 16
	c.NeuralResolution, c.DepthSamples, c.ImportanceSamples = 8, 8, 8
	c.SR = SRConfig{Module: SRCustom, InputResolution: 8, Blocks: []SRBlock{{8, false}, {4, true}}}
	c.ImageResolution = 16
	return c
}

// Tiny returns the architecture of the embedded default model (package models), sized for inversion on a
// laptop CPU: the FFHQ512 building blocks with 128-d latents, a mapping network that ignores the camera,
// 64x64 triplanes of 16 channels from a backbone of at most 64 channels, a 16->32->17 decoder, 64x64 neural
// rendering with 24+24 samples per ray in a tighter ray range, and one super-resolution block to 128x128.
// The synthetic heads it is trained on sit on a white background, so it composites onto white.
func Tiny() Config {
	return Config{
		ZDim: 128, WDim: 128, CDim: 25, MappingLayers: 2, MappingLRMul: 0.01, CScale: 1, ZeroConditioning: true,
		PlaneResolution: 64, PlaneChannels: 16, ChannelBase: 2048, ChannelMax: 64,
		DecoderHidden: 32, DecoderLRMul: 1,
		NeuralResolution: 64, DepthSamples: 24, ImportanceSamples: 24, RayStart: 2.25, RayEnd: 3.3, BoxWarp: 1,
		WhiteBackground: true,
		SR:              SRConfig{Module: SRCustom, InputResolution: 64, Antialias: true, Blocks: []SRBlock{{32, true}}},
		ImageResolution: 128,
	}
}

// Small returns the architecture of the embedded model whose volume renderer makes the image: Tiny's
// latents, mapping network and decoder, 128x128 triplanes from a backbone of 32 channels at 128 and 64 at 64
// and below, 128x128 neural rendering with 24+24 samples per ray, and no super-resolution, so whatever
// inversion changes in the 3D part is what the final image shows (as in EG3D, whose 3D part carries the
// geometry that PTI distorts).
func Small() Config {
	c := Tiny()
	c.PlaneResolution, c.ChannelBase = 128, 4096
	c.NeuralResolution, c.ImageResolution = 128, 128
	c.SR = SRConfig{}
	return c
}
