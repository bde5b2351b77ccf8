package models

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pmvi/pmvi/pkg/checkpoint/safetensors"
	"github.com/pmvi/pmvi/pkg/eg3d"
)

//go:embed tiny/tiny.safetensors
var tinyWeights []byte

//go:embed tiny/tiny.json
var tinySidecar []byte

// TinyName is the network name commands accept for the embedded model (`--network tiny`).
const TinyName = "tiny"

// LatentsTensor names the training identities' learned w [Identities, WDim] in the embedded checkpoint.
const LatentsTensor = "train.latents"

// Tiny returns a fresh copy of the embedded generator.
func Tiny() (*eg3d.Generator, error) {
	f, err := safetensors.Decode(tinyWeights)
	if err != nil {
		return nil, fmt.Errorf("models: embedded tiny model: %w", err)
	}
	return eg3d.FromSafetensors(f, "embedded tiny model")
}

// Info describes how the embedded model was made (models/tiny/tiny.json).
type Info struct {
	Config           eg3d.Config        `json:"config"`
	Command          string             `json:"command"`
	Seed             uint64             `json:"seed"`
	Commit           string             `json:"commit"`
	Identities       int                `json:"identities"`
	ViewsPerIdentity int                `json:"views_per_identity"`
	SplitSeed        uint64             `json:"split_seed"`
	TrainIdentities  []uint64           `json:"train_identities"`
	TestIdentities   []uint64           `json:"test_identities"`
	Phase1Steps      int                `json:"phase1_steps"`
	Phase2Steps      int                `json:"phase2_steps"`
	FinalLosses      map[string]float64 `json:"final_losses"`
	Parameters       int                `json:"parameters"`
}

// TinyInfo returns the embedded model's sidecar.
func TinyInfo() (Info, error) {
	var info Info
	if err := json.Unmarshal(tinySidecar, &info); err != nil {
		return info, fmt.Errorf("models: embedded tiny model sidecar: %w", err)
	}
	return info, nil
}

// DefaultName is the embedded model commands use when no --network is given.
const DefaultName = TinyName

// embedded are the embedded models by name: the generator and its sidecar.
var embedded = map[string]func() (*eg3d.Generator, error){TinyName: Tiny}

// infos are the embedded models' sidecars by name.
var infos = map[string]func() (Info, error){TinyName: TinyInfo}

// InfoOf returns the sidecar of the model a --network names (how it was trained, its identity split): an
// embedded model's, or the JSON file pmvi train-tiny writes beside a checkpoint (model.json for
// model.safetensors).
func InfoOf(network string) (Info, error) {
	if info, ok := infos[network]; ok {
		return info()
	}
	side := strings.TrimSuffix(network, filepath.Ext(network)) + ".json"
	data, err := os.ReadFile(side)
	if err != nil {
		return Info{}, fmt.Errorf("models: %q is not an embedded model (%s) and has no sidecar %s from pmvi train-tiny (it says which heads the model never saw)", network, Names(), side)
	}
	var info Info
	if err := json.Unmarshal(data, &info); err != nil {
		return Info{}, fmt.Errorf("models: %s: %w", side, err)
	}
	if len(info.TestIdentities) == 0 {
		return Info{}, fmt.Errorf("models: %s lists no held-out identities", side)
	}
	return info, nil
}

// IsEmbedded reports whether name names an embedded model.
func IsEmbedded(name string) bool { _, ok := embedded[name]; return ok }

// Names lists the embedded models' names for help texts, e.g. "tiny".
func Names() string {
	var names []string
	for n := range embedded {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// Load returns the generator a command's --network names: an embedded model by name, otherwise an official
// EG3D .pkl or a pmvi .safetensors checkpoint at that path.
func Load(network string) (*eg3d.Generator, error) {
	if load, ok := embedded[network]; ok {
		return load()
	}
	if network == "" {
		return nil, fmt.Errorf("models: no network named (embedded: %s, or a .pkl / .safetensors path)", Names())
	}
	return eg3d.Load(network)
}

// TinyLatents returns the learned w of the embedded model's training identities, row i for
// Info.TrainIdentities[i], each WDim values.
func TinyLatents() ([]float32, error) {
	f, err := safetensors.Decode(tinyWeights)
	if err != nil {
		return nil, fmt.Errorf("models: embedded tiny model: %w", err)
	}
	return f.Float32(LatentsTensor)
}
