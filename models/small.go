package models

import (
	_ "embed"

	"github.com/pmvi/pmvi/pkg/eg3d"
)

// The small model (eg3d.Small): EG3D's building blocks with 128x128 triplanes and the final 128x128 image made by
// the volume renderer itself, no super-resolution, so what PTI fits and what it distorts are in the 3D part, as
// in the paper's EG3D. The default network of every command, notebook and the explorer.

//go:embed small/small.safetensors
var smallWeights []byte

//go:embed small/small.json
var smallSidecar []byte

// SmallName is the network name commands accept for the small model (`--network small`).
const SmallName = "small"

func init() { embedded[SmallName] = embeddedModel{smallWeights, smallSidecar} }

// Small returns a fresh copy of the embedded small generator.
func Small() (*eg3d.Generator, error) { return Load(SmallName) }

// SmallInfo returns the small model's sidecar.
func SmallInfo() (Info, error) { return InfoOf(SmallName) }

// DefaultName is the embedded model commands, notebooks and the explorer use when no --network is given.
const DefaultName = SmallName
