package align

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// Save writes what `pmvi align` outputs into dir (created if needed): NAME.png (the aligned image),
// NAME-overlay.png (the photo with landmarks, crop and head axes) and dataset.json (EG3D's format, one entry
// for NAME.png with the estimated camera), and returns the paths written.
func (r *Result) Save(dir, name string) ([]string, error) {
	if name == "" || filepath.Base(name) != name {
		return nil, fmt.Errorf("align: output name %q, want a plain file name", name)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("align: %w", err)
	}
	aligned := filepath.Join(dir, name+".png")
	overlay := filepath.Join(dir, name+"-overlay.png")
	dataset := filepath.Join(dir, "dataset.json")
	if err := fimage.WritePNG(aligned, r.Aligned); err != nil {
		return nil, err
	}
	if err := fimage.WritePNG(overlay, r.Overlay()); err != nil {
		return nil, err
	}
	if err := camera.WriteDataset(dataset, []camera.Labelled{{File: name + ".png", Camera: r.Camera}}); err != nil {
		return nil, err
	}
	return []string{aligned, overlay, dataset}, nil
}
