package models

import (
	_ "embed"

	"github.com/pmvi/pmvi/pkg/eg3d"
)

// The tiny model: 64-pixel neural rendering and a super-resolution block to 128 pixels (eg3d.Tiny), fast,
// blurry, and kept for fast tests and as the model whose super-resolution hides PTI's over-fitting.

//go:embed tiny/tiny.safetensors
var tinyWeights []byte

//go:embed tiny/tiny.json
var tinySidecar []byte

// TinyName is the network name commands accept for the tiny model (`--network tiny`).
const TinyName = "tiny"

func init() { embedded[TinyName] = embeddedModel{tinyWeights, tinySidecar} }

// Tiny returns a fresh copy of the embedded tiny generator.
func Tiny() (*eg3d.Generator, error) { return Load(TinyName) }

// TinyInfo returns the tiny model's sidecar.
func TinyInfo() (Info, error) { return InfoOf(TinyName) }

// TinyLatents returns the learned w of the tiny model's training identities (see LatentsOf).
func TinyLatents() ([]float32, error) { return LatentsOf(TinyName) }
