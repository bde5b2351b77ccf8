package camera

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/pmvi/pmvi/internal/atomicfile"
)

// Labelled is one image of an EG3D dataset: its file name (relative to the dataset folder) and its camera.
type Labelled struct {
	File   string
	Camera Camera
}

// datasetJSON is the layout of EG3D's dataset.json: {"labels": [["img.png", [25 floats]], ...]}.
type datasetJSON struct {
	Labels [][2]json.RawMessage `json:"labels"`
}

// ReadDataset reads an EG3D dataset.json and returns its images and cameras in file order.
func ReadDataset(path string) ([]Labelled, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("camera: %w", err)
	}
	return ParseDataset(data, path)
}

// ParseDataset parses the contents of an EG3D dataset.json; name is used in error messages.
func ParseDataset(data []byte, name string) ([]Labelled, error) {
	var d datasetJSON
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("camera: %s: want {\"labels\": [[file, [25 floats]], ...]}: %w", name, err)
	}
	if d.Labels == nil {
		return nil, fmt.Errorf("camera: %s: no \"labels\" field", name)
	}
	out := make([]Labelled, len(d.Labels))
	for i, entry := range d.Labels {
		var file string
		if err := json.Unmarshal(entry[0], &file); err != nil {
			return nil, fmt.Errorf("camera: %s: labels[%d][0]: want a file name: %w", name, i, err)
		}
		var label []float32
		if err := json.Unmarshal(entry[1], &label); err != nil {
			return nil, fmt.Errorf("camera: %s: labels[%d] (%s): want 25 numbers: %w", name, i, file, err)
		}
		c, err := FromLabel(label)
		if err != nil {
			return nil, fmt.Errorf("%w (%s: labels[%d], %s)", err, name, i, file)
		}
		out[i] = Labelled{File: file, Camera: c}
	}
	return out, nil
}

// WriteDataset writes an EG3D dataset.json at path. The file is written to a temporary name first and renamed,
// so an interrupted run never leaves a truncated dataset.json behind.
func WriteDataset(path string, items []Labelled) error {
	labels := make([][2]any, len(items))
	for i, it := range items {
		labels[i] = [2]any{it.File, it.Camera.Label()}
	}
	data, err := json.MarshalIndent(map[string]any{"labels": labels}, "", " ")
	if err != nil {
		return fmt.Errorf("camera: %w", err)
	}
	if err := atomicfile.WriteBytes(path, data); err != nil {
		return fmt.Errorf("camera: %w", err)
	}
	return nil
}
