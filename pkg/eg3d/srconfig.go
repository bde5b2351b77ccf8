package eg3d

import (
	"fmt"
	"strings"
)

// SRModule names one of EG3D's super-resolution modules (training/superresolution.py).
type SRModule int

const (
	// SRNone has no super-resolution: the raw neural rendering is the image.
	SRNone SRModule = iota
	// SRHybrid8XDC is ffhq512-128's module: 128 -> 256 (256 channels) -> 512 (128 channels).
	SRHybrid8XDC
	// SRHybrid8X: 128 -> 256 (128 channels) -> 512 (64 channels).
	SRHybrid8X
	// SRHybrid4X: 128 (128 channels, no up-sampling) -> 256 (64 channels).
	SRHybrid4X
	// SRHybrid2X: 64 (128 channels, no up-sampling) -> 128 (64 channels).
	SRHybrid2X
	// SRHybridDeepfp32: as SRHybrid4X, always in float32.
	SRHybridDeepfp32
	// SRCustom is a stack of blocks of any sizes (SRConfig.Blocks), for small models of this project.
	SRCustom
)

var srModuleNames = map[SRModule]string{
	SRNone:           "none",
	SRHybrid8XDC:     "training.superresolution.SuperresolutionHybrid8XDC",
	SRHybrid8X:       "training.superresolution.SuperresolutionHybrid8X",
	SRHybrid4X:       "training.superresolution.SuperresolutionHybrid4X",
	SRHybrid2X:       "training.superresolution.SuperresolutionHybrid2X",
	SRHybridDeepfp32: "training.superresolution.SuperresolutionHybridDeepfp32",
	SRCustom:         "custom",
}

// String returns the module's official class name ("none" and "custom" for this project's own).
func (m SRModule) String() string {
	if s, ok := srModuleNames[m]; ok {
		return s
	}
	return fmt.Sprintf("SRModule(%d)", int(m))
}

// MarshalText writes the module's name, so configs read well as JSON.
func (m SRModule) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText parses a name written by MarshalText (or any name ParseSRModule accepts).
func (m *SRModule) UnmarshalText(b []byte) error {
	v, err := ParseSRModule(string(b))
	*m = v
	return err
}

// ParseSRModule accepts an official class name, with or without its module path, or "none"/"custom".
func ParseSRModule(s string) (SRModule, error) {
	for m, name := range srModuleNames {
		if s == name || s == name[strings.LastIndex(name, ".")+1:] {
			return m, nil
		}
	}
	return SRNone, fmt.Errorf("eg3d: unknown super-resolution module %q (known: SuperresolutionHybrid8XDC, "+
		"SuperresolutionHybrid8X, SuperresolutionHybrid4X, SuperresolutionHybrid2X, SuperresolutionHybridDeepfp32)", s)
}

// SRBlock is one StyleGAN2 synthesis block of a super-resolution module.
type SRBlock struct {
	// Channels is the block's output channel count.
	Channels int
	// Up doubles the resolution (SynthesisBlock); false keeps it (SynthesisBlockNoUp).
	Up bool
}

// SRConfig describes the super-resolution stage: its input is the feature image resampled to InputResolution,
// its output the final RGB image.
type SRConfig struct {
	Module SRModule
	// InputResolution is the resolution the feature image is resized to first, when it differs.
	InputResolution int
	// ResizeOnlyUp resizes the feature image only when it is smaller than InputResolution (Hybrid4X and
	// HybridDeepfp32 test "<" where the others test "!=").
	ResizeOnlyUp bool
	// Antialias resizes with torch's antialiased bilinear filter (sr_antialias).
	Antialias bool
	// Clamp clamps block activations to ±Clamp (256 when the official module runs in fp16); 0 disables.
	Clamp float64
	// Blocks lists the synthesis blocks in order.
	Blocks []SRBlock
}

// HybridSR returns the official super-resolution module m as EG3D builds it with sr_num_fp16_res and
// sr_antialias; fp16 layers clamp at 256, which the official code keeps even when it runs them in float32.
func HybridSR(m SRModule, srNumFP16Res int, antialias bool) SRConfig {
	clamp := 0.0
	if srNumFP16Res > 0 {
		clamp = 256
	}
	sr := SRConfig{Module: m, InputResolution: 128, Antialias: antialias, Clamp: clamp}
	switch m {
	case SRHybrid8XDC:
		sr.Blocks = []SRBlock{{256, true}, {128, true}}
	case SRHybrid8X:
		sr.Blocks = []SRBlock{{128, true}, {64, true}}
	case SRHybrid4X, SRHybridDeepfp32:
		sr.Blocks = []SRBlock{{128, false}, {64, true}}
		sr.ResizeOnlyUp = true
	case SRHybrid2X:
		sr.InputResolution = 64
		sr.Blocks = []SRBlock{{128, false}, {64, true}}
	default:
		return SRConfig{}
	}
	return sr
}

// OutputResolution returns the side of the image the module makes.
func (sr *SRConfig) OutputResolution() int {
	r := sr.InputResolution
	for _, b := range sr.Blocks {
		if b.Up {
			r *= 2
		}
	}
	return r
}

func (sr *SRConfig) validate(c *Config) error {
	if sr.Module == SRNone {
		if len(sr.Blocks) != 0 {
			return fmt.Errorf("eg3d: config has super-resolution blocks but module \"none\"")
		}
		if c.ImageResolution != c.NeuralResolution {
			return fmt.Errorf("eg3d: config without super-resolution has image resolution %d, want the neural rendering resolution %d", c.ImageResolution, c.NeuralResolution)
		}
		return nil
	}
	if len(sr.Blocks) == 0 || sr.InputResolution < 1 {
		return fmt.Errorf("eg3d: super-resolution %v has no blocks or input resolution %d", sr.Module, sr.InputResolution)
	}
	for i, b := range sr.Blocks {
		if b.Channels < 1 {
			return fmt.Errorf("eg3d: super-resolution block %d has %d channels, want >= 1", i, b.Channels)
		}
	}
	if got := sr.OutputResolution(); got != c.ImageResolution {
		return fmt.Errorf("eg3d: super-resolution %v makes %dx%d images, config says %d", sr.Module, got, got, c.ImageResolution)
	}
	return nil
}
