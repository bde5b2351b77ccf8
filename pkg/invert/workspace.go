package invert

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pmvi/pmvi/internal/atomicfile"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/checkpoint/npy"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/pseudoview"
)

// Workspace keeps one inversion's stage results in a directory, so that work already done is loaded instead of
// recomputed: by a notebook, whose cells run as separate programs, and by a command that was interrupted.
// Each method returns the stored result when the directory holds one and otherwise calls compute and stores
// what it returns (atomically, file by file); a nil compute asks for a stored result only.
type Workspace struct {
	Dir string
}

func (w Workspace) path(name string) string { return filepath.Join(w.Dir, name) }

func (w Workspace) has(name string) bool {
	_, err := os.Stat(w.path(name))
	return err == nil
}

// W returns stage 1's result: latent.npy and w.json (statistics and loss history).
func (w Workspace) W(compute func() (*WResult, error)) (*WResult, error) {
	if w.has("latent.npy") && w.has("w.json") {
		var r WResult
		if err := readJSON(w.path("w.json"), &r); err != nil {
			return nil, err
		}
		data, shape, err := npy.ReadFloat32(w.path("latent.npy"))
		if err != nil {
			return nil, err
		}
		r.WS = tensors.FromFlatDataAndDimensions(data, shape...)
		return &r, nil
	}
	if compute == nil {
		return nil, w.missing("stage 1 (W+)")
	}
	r, err := compute()
	if r == nil || err != nil {
		return r, err
	}
	if err := w.mkdir(); err != nil {
		return nil, err
	}
	if err := npy.WriteFloat32(w.path("latent.npy"), tensors.MustCopyFlatData[float32](r.WS), r.WS.Shape().Dimensions...); err != nil {
		return nil, err
	}
	return r, writeJSON(w.path("w.json"), r)
}

// PTI returns stage 2's result: generator.safetensors and pti.json (loss history).
func (w Workspace) PTI(compute func() (*PTIResult, error)) (*PTIResult, error) {
	if w.has("generator.safetensors") && w.has("pti.json") {
		var r PTIResult
		if err := readJSON(w.path("pti.json"), &r); err != nil {
			return nil, err
		}
		g, err := eg3d.Load(w.path("generator.safetensors"))
		if err != nil {
			return nil, err
		}
		r.Generator = g
		return &r, nil
	}
	if compute == nil {
		return nil, w.missing("stage 2 (PTI)")
	}
	r, err := compute()
	if r == nil || err != nil {
		return r, err
	}
	if err := w.mkdir(); err != nil {
		return nil, err
	}
	if err := r.Generator.Save(w.path("generator.safetensors")); err != nil {
		return nil, err
	}
	return r, writeJSON(w.path("pti.json"), r)
}

// Final returns stage 3's (or density regularization's) result, stored under name (e.g. "final").
func (w Workspace) Final(name string, compute func() (*FinalResult, error)) (*FinalResult, error) {
	gen, meta := name+".safetensors", name+".json"
	if w.has(gen) && w.has(meta) {
		var r FinalResult
		if err := readJSON(w.path(meta), &r); err != nil {
			return nil, err
		}
		g, err := eg3d.Load(w.path(gen))
		if err != nil {
			return nil, err
		}
		r.Generator = g
		return &r, nil
	}
	if compute == nil {
		return nil, w.missing(name)
	}
	r, err := compute()
	if r == nil || err != nil {
		return r, err
	}
	if err := w.mkdir(); err != nil {
		return nil, err
	}
	if err := r.Generator.Save(w.path(gen)); err != nil {
		return nil, err
	}
	return r, writeJSON(w.path(meta), r)
}

// views.json lists the stored pseudo views; their images live in views/NN_<layer>.npy.
type storedView struct {
	Camera []float32 `json:"camera"`
}

var viewLayers = []string{"visible", "mask", "coverage", "generated", "blended"}

func layers(v *pseudoview.View) []**fimage.Image {
	return []**fimage.Image{&v.Visible, &v.Mask, &v.Coverage, &v.Generated, &v.Blended}
}

// PseudoViews returns the pseudo views: views.json and views/NN_{visible,mask,coverage,generated,blended}.npy.
func (w Workspace) PseudoViews(compute func() ([]pseudoview.View, error)) ([]pseudoview.View, error) {
	if w.has("views.json") {
		var stored []storedView
		if err := readJSON(w.path("views.json"), &stored); err != nil {
			return nil, err
		}
		out := make([]pseudoview.View, len(stored))
		for i, s := range stored {
			c, err := camera.FromLabel(s.Camera)
			if err != nil {
				return nil, fmt.Errorf("invert: %s view %d: %w", w.path("views.json"), i, err)
			}
			out[i].Camera = c
			for k, p := range layers(&out[i]) {
				data, shape, err := npy.ReadFloat32(w.path(fmt.Sprintf("views/%02d_%s.npy", i, viewLayers[k])))
				if err != nil {
					return nil, err
				}
				if *p, err = fimage.FromPix(shape[0], shape[1], shape[2], data); err != nil {
					return nil, err
				}
			}
		}
		return out, nil
	}
	if compute == nil {
		return nil, w.missing("pseudo views")
	}
	views, err := compute()
	if err != nil {
		return views, err
	}
	if err := os.MkdirAll(w.path("views"), 0o755); err != nil {
		return nil, err
	}
	stored := make([]storedView, len(views))
	for i := range views {
		stored[i].Camera = views[i].Camera.Label()
		for k, p := range layers(&views[i]) {
			m := *p
			if err := npy.WriteFloat32(w.path(fmt.Sprintf("views/%02d_%s.npy", i, viewLayers[k])), m.Pix, m.C, m.H, m.W); err != nil {
				return nil, err
			}
		}
	}
	return views, writeJSON(w.path("views.json"), stored)
}

func (w Workspace) missing(what string) error {
	return fmt.Errorf("invert: workspace %s holds no %s result yet (run that stage first)", w.Dir, what)
}

func (w Workspace) mkdir() error {
	if w.Dir == "" {
		return errors.New("invert: workspace has no directory")
	}
	return os.MkdirAll(w.Dir, 0o755)
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("invert: %s: %w", path, err)
	}
	return nil
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, data)
}
