package edit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/pmvi/pmvi/pkg/checkpoint/npy"
)

// file.go: directions on disk in InterFaceGAN's layout (a .npy of shape [1, w_dim]), with an optional JSON
// sidecar for what pmvi knows about them (attribute, accuracies, spread).

// sidecarPath returns the JSON file that goes with the direction file path: boundary.npy -> boundary.json.
func sidecarPath(path string) string {
	return strings.TrimSuffix(path, filepath.Ext(path)) + ".json"
}

// WriteDirection writes d's normal to path as a float32 .npy of shape [1, w_dim] (InterFaceGAN's boundary
// files), and d's other fields beside it in a JSON file of the same name.
func WriteDirection(path string, d *Direction) error {
	if err := npy.WriteFloat32(path, d.Normal, 1, len(d.Normal)); err != nil {
		return fmt.Errorf("edit: %w", err)
	}
	meta := *d
	meta.Normal = nil
	raw, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return fmt.Errorf("edit: %w", err)
	}
	if err := os.WriteFile(sidecarPath(path), append(raw, '\n'), 0o644); err != nil {
		return fmt.Errorf("edit: %w", err)
	}
	return nil
}

// ReadDirection reads a direction from a .npy of shape [1, wdim] or [wdim] (InterFaceGAN's layout, any float
// dtype), with the fields of its JSON sidecar when one exists. The normal is used as stored, as InterFaceGAN
// does: a unit normal makes edit strengths distances in W.
func ReadDirection(path string, wdim int) (*Direction, error) {
	data, shape, err := npy.ReadFloat32(path)
	if err != nil {
		return nil, fmt.Errorf("edit: direction %w", err)
	}
	if !(len(shape) == 1 && shape[0] == wdim) && !(len(shape) == 2 && shape[0] == 1 && shape[1] == wdim) {
		return nil, fmt.Errorf("edit: direction %s has shape %v, want [1 %d] or [%d] (the generator's w_dim)", path, shape, wdim, wdim)
	}
	norm := 0.0
	for _, v := range data {
		norm += float64(v) * float64(v)
	}
	if norm == 0 || math.IsNaN(norm) || math.IsInf(norm, 0) {
		return nil, fmt.Errorf("edit: direction %s has norm %v, want a finite non-zero vector", path, math.Sqrt(norm))
	}
	d := &Direction{}
	raw, err := os.ReadFile(sidecarPath(path))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("edit: %w", err)
	default:
		if err := json.Unmarshal(raw, d); err != nil {
			return nil, fmt.Errorf("edit: direction sidecar %s: %w", sidecarPath(path), err)
		}
	}
	d.Normal = data
	return d, nil
}
