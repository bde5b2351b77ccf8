package eg3d

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/checkpoint/safetensors"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	cfg := Micro()
	g, err := New(cfg, 7)
	if err != nil {
		t.Fatal(err)
	}
	g.Metadata = map[string]string{"command": "test"}
	path := filepath.Join(t.TempDir(), "g.safetensors")
	if err := g.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Config, cfg) {
		t.Errorf("config after round trip:\n%+v\nwant\n%+v", back.Config, cfg)
	}
	if back.Metadata["command"] != "test" {
		t.Errorf("metadata after round trip: %v", back.Metadata)
	}
	be := backend.MustNew()
	z := make([]float32, cfg.ZDim)
	for i := range z {
		z[i] = float32(i%5) - 2
	}
	cam := camera.At(0.3, 0.1)
	render := func(g *Generator) []float32 {
		r := NewRunner(g, be)
		ws, err := r.Mapping(z, cam, 0.7)
		if err != nil {
			t.Fatal(err)
		}
		imgs, err := r.Render(ws, cam, RenderOptions{Deterministic: true})
		if err != nil {
			t.Fatal(err)
		}
		return imgs.Image.Pix
	}
	a, b := render(g), render(back)
	if !reflect.DeepEqual(a, b) {
		t.Error("loaded generator renders differently from the saved one")
	}
	// A clone is independent: changing it leaves the original as it was.
	c, err := g.Clone()
	if err != nil {
		t.Fatal(err)
	}
	v := c.Context.GetVariableByScopeAndName("/decoder/net/2", "bias")
	ones := make([]float32, 1+cfg.PlaneChannels)
	for i := range ones {
		ones[i] = 1 // fresh biases are 0
	}
	v.MustSetValue(tensors.FromFlatDataAndDimensions(ones, len(ones)))
	if reflect.DeepEqual(render(c), a) {
		t.Error("changing the clone's decoder bias did not change its render")
	}
	if !reflect.DeepEqual(render(g), a) {
		t.Error("changing the clone changed the original")
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	cfg := Micro()
	g, _ := New(cfg, 1)
	f, err := g.Safetensors()
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, mutate func(*safetensors.File)) string {
		c := &safetensors.File{Metadata: map[string]string{}}
		for k, v := range f.Metadata {
			c.Metadata[k] = v
		}
		c.Tensors = append(c.Tensors, f.Tensors...)
		mutate(c)
		p := filepath.Join(dir, name)
		if err := safetensors.Write(p, c); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		path string
		want string
	}{
		{"not pmvi", write("a.safetensors", func(c *safetensors.File) { delete(c.Metadata, metaFormat) }), "not a pmvi generator"},
		{"missing tensor", write("b.safetensors", func(c *safetensors.File) { c.Tensors = c.Tensors[1:] }), "no tensor"},
		{"wrong shape", write("c.safetensors", func(c *safetensors.File) {
			c.Metadata[metaConfig] = strings.Replace(c.Metadata[metaConfig], `"DecoderHidden":16`, `"DecoderHidden":8`, 1)
		}), "shape"},
		{"bad config", write("d.safetensors", func(c *safetensors.File) { c.Metadata[metaConfig] = "{" }), metaConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load: error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
	truncated := filepath.Join(dir, "t.safetensors")
	data, _ := os.ReadFile(write("e.safetensors", func(*safetensors.File) {}))
	os.WriteFile(truncated, data[:len(data)/2], 0o644)
	if _, err := Load(truncated); err == nil {
		t.Error("Load accepted a truncated checkpoint")
	}
	if _, err := Load(filepath.Join(dir, "none.pkl")); err == nil {
		t.Error("Load accepted a missing file")
	}
}
