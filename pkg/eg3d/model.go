package eg3d

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pmvi/pmvi/pkg/checkpoint"
	"github.com/pmvi/pmvi/pkg/checkpoint/safetensors"
)

// Generator is an EG3D generator's configuration and variables, ready to be run on any backend.
type Generator struct {
	Config Config
	// Context holds the variables under their official names (see ParamScope).
	Context *context.Context
	// Source is the file it was loaded from ("" for a fresh generator).
	Source string
	// Metadata is the string metadata stored with pmvi checkpoints (training command, seed, ...).
	Metadata map[string]string
}

// New returns a freshly initialized generator (see NewContext).
func New(cfg Config, seed uint64) (*Generator, error) {
	ctx, err := NewContext(&cfg, seed)
	if err != nil {
		return nil, err
	}
	return &Generator{Config: cfg, Context: ctx}, nil
}

// metaConfig and metaFormat are the metadata keys of pmvi's generator checkpoints.
const (
	metaConfig = "pmvi.eg3d.config"
	metaFormat = "pmvi.format"
	formatName = "pmvi-eg3d/1"
)

// Load reads a generator from an official EG3D network pickle (.pkl, its G_ema, config from the file) or
// from a pmvi checkpoint (.safetensors with the config in its metadata).
func Load(path string) (*Generator, error) {
	if strings.EqualFold(filepath.Ext(path), ".safetensors") {
		return loadSafetensors(path)
	}
	net, err := checkpoint.LoadEG3D(path)
	if err != nil {
		return nil, err
	}
	cfg, err := ConfigFromNetwork(net)
	if err != nil {
		return nil, err
	}
	ctx, err := LoadContext(&cfg, NetworkSource{net})
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return &Generator{Config: cfg, Context: ctx, Source: path}, nil
}

func loadSafetensors(path string) (*Generator, error) {
	f, err := safetensors.Read(path)
	if err != nil {
		return nil, fmt.Errorf("eg3d: %w", err)
	}
	return FromSafetensors(f, path)
}

// FromSafetensors builds a generator from a decoded pmvi checkpoint; name is used in errors.
func FromSafetensors(f *safetensors.File, name string) (*Generator, error) {
	if f.Metadata[metaFormat] != formatName {
		return nil, fmt.Errorf("eg3d: %s: metadata %q is %q, want %q (not a pmvi generator checkpoint)", name, metaFormat, f.Metadata[metaFormat], formatName)
	}
	var cfg Config
	if err := json.Unmarshal([]byte(f.Metadata[metaConfig]), &cfg); err != nil {
		return nil, fmt.Errorf("eg3d: %s: metadata %q: %w", name, metaConfig, err)
	}
	ctx, err := LoadContext(&cfg, safetensorsSource{f})
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, name)
	}
	meta := maps.Clone(f.Metadata)
	delete(meta, metaConfig)
	delete(meta, metaFormat)
	return &Generator{Config: cfg, Context: ctx, Source: name, Metadata: meta}, nil
}

type safetensorsSource struct{ f *safetensors.File }

func (s safetensorsSource) Float32(name string) ([]float32, []int, error) {
	t, ok := s.f.Tensor(name)
	if !ok {
		return nil, nil, fmt.Errorf("eg3d: checkpoint has no tensor %q", name)
	}
	data, err := t.Float32()
	return data, t.Shape, err
}

// Safetensors returns the generator as a pmvi checkpoint: every parameter and buffer under its official name,
// the config and g.Metadata in the metadata.
func (g *Generator) Safetensors() (*safetensors.File, error) {
	cfgJSON, err := json.Marshal(g.Config)
	if err != nil {
		return nil, err
	}
	f := &safetensors.File{Metadata: maps.Clone(g.Metadata)}
	if f.Metadata == nil {
		f.Metadata = map[string]string{}
	}
	f.Metadata[metaConfig] = string(cfgJSON)
	f.Metadata[metaFormat] = formatName
	for _, p := range g.Config.Params() {
		scope, name := ParamScope(p.Name)
		v := g.Context.GetVariableByScopeAndName(scope, name)
		if v == nil {
			return nil, fmt.Errorf("eg3d: generator has no variable for %q", p.Name)
		}
		t, err := v.Value()
		if err != nil {
			return nil, fmt.Errorf("eg3d: %q: %w", p.Name, err)
		}
		if err := f.AddFloat32(p.Name, tensors.MustCopyFlatData[float32](t), p.Shape...); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// Save writes the generator as a pmvi checkpoint (atomically: an interrupted save leaves the old file).
func (g *Generator) Save(path string) error {
	f, err := g.Safetensors()
	if err != nil {
		return err
	}
	if err := safetensors.Write(path, f); err != nil {
		return fmt.Errorf("eg3d: %w", err)
	}
	return nil
}

// Clone returns a deep copy, e.g. to fine-tune one generator while keeping the original.
func (g *Generator) Clone() (*Generator, error) {
	ctx, err := g.Context.Clone()
	if err != nil {
		return nil, fmt.Errorf("eg3d: cloning %s: %w", g.Source, err)
	}
	return &Generator{Config: g.Config, Context: ctx.Checked(false), Source: g.Source, Metadata: maps.Clone(g.Metadata)}, nil
}
