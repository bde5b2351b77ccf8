package models

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pmvi/pmvi/pkg/checkpoint/safetensors"
	"github.com/pmvi/pmvi/pkg/eg3d"
)

// LatentsTensor names the training identities' learned w [Identities, WDim] in an embedded checkpoint.
const LatentsTensor = "train.latents"

// Info describes how an embedded model was made (its JSON sidecar, e.g. models/small/small.json).
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

// embeddedModel is one model compiled into the binary: its safetensors and its sidecar.
type embeddedModel struct {
	weights, sidecar []byte
}

// embedded are the embedded models by name (registered by tiny.go, small.go).
var embedded = map[string]embeddedModel{}

func (m embeddedModel) load(name string) (*eg3d.Generator, error) {
	f, err := safetensors.Decode(m.weights)
	if err != nil {
		return nil, fmt.Errorf("models: embedded %s model: %w", name, err)
	}
	return eg3d.FromSafetensors(f, "embedded "+name+" model")
}

func (m embeddedModel) info(name string) (Info, error) {
	var info Info
	if err := json.Unmarshal(m.sidecar, &info); err != nil {
		return info, fmt.Errorf("models: embedded %s model's sidecar: %w", name, err)
	}
	return info, nil
}

// IsEmbedded reports whether name names an embedded model.
func IsEmbedded(name string) bool { _, ok := embedded[name]; return ok }

// Names lists the embedded models' names for help texts, e.g. "small, tiny".
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
	if m, ok := embedded[network]; ok {
		return m.load(network)
	}
	if network == "" {
		return nil, fmt.Errorf("models: no network named (embedded: %s, or a .pkl / .safetensors path)", Names())
	}
	return eg3d.Load(network)
}

// InfoOf returns the sidecar of the model a --network names (how it was trained, its identity split): an
// embedded model's, or the JSON file pmvi train-tiny writes beside a checkpoint (model.json for
// model.safetensors).
func InfoOf(network string) (Info, error) {
	if m, ok := embedded[network]; ok {
		return m.info(network)
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

// LatentsOf returns the learned w of an embedded model's training identities, row i for
// Info.TrainIdentities[i], each WDim values.
func LatentsOf(name string) ([]float32, error) {
	m, ok := embedded[name]
	if !ok {
		return nil, fmt.Errorf("models: %q is not an embedded model (%s)", name, Names())
	}
	f, err := safetensors.Decode(m.weights)
	if err != nil {
		return nil, fmt.Errorf("models: embedded %s model: %w", name, err)
	}
	return f.Float32(LatentsTensor)
}
