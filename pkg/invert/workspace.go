package invert

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pmvi/pmvi/internal/atomicfile"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/checkpoint/npy"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/pseudoview"
)

// Workspace keeps one inversion's stage results in a directory, so that work already done is loaded instead
// of recomputed: by a command that was interrupted (even by kill -9), by a notebook whose cells run as
// separate programs, by a second method on the same input. Pipeline uses it; each stage's files are:
//
//	w        latent.npy, w.json
//	pti      generator.safetensors, pti.json
//	views    views/NN_{visible,mask,coverage,generated,blended}.npy, views.json
//	final    final.safetensors, final.json   (and densityreg.*, ptilong.* for those methods)
//
// Every stage's JSON file records the key of what the result depends on (Pipeline derives it from the
// generator, the target and the options), is written last and removed first: a stored result is used only
// when its JSON exists and its key matches, so a run killed while writing, or one with other settings, never
// hands a stale result on. Each method returns the stored result when its key matches and otherwise calls
// compute and stores what it returns; a nil compute asks for a stored result only. An empty key accepts any
// stored result.
type Workspace struct {
	Dir string
}

func (w Workspace) path(name string) string { return filepath.Join(w.Dir, name) }

func (w Workspace) has(name string) bool {
	_, err := os.Stat(w.path(name))
	return err == nil
}

// stored reads a stage's JSON into v when it exists and its key matches; it reports whether it did.
func (w Workspace) stored(meta, key string, v interface{ storedKey() string }) (bool, error) {
	if w.Dir == "" || !w.has(meta) {
		return false, nil
	}
	if err := readJSON(w.path(meta), v); err != nil {
		return false, err
	}
	return key == "" || v.storedKey() == key, nil
}

// begin removes a stage's JSON before its files are rewritten, so a half-written stage is never taken as done.
func (w Workspace) begin(meta string) error {
	if err := w.mkdir(); err != nil {
		return err
	}
	if err := os.Remove(w.path(meta)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("invert: %w", err)
	}
	return nil
}

func (r *WResult) storedKey() string     { return r.Key }
func (r *PTIResult) storedKey() string   { return r.Key }
func (r *FinalResult) storedKey() string { return r.Key }

func (r *WResult) setKey(k string)     { r.Key = k }
func (r *PTIResult) setKey(k string)   { r.Key = k }
func (r *FinalResult) setKey(k string) { r.Key = k }

// W returns stage 1's result: latent.npy and w.json (statistics and loss history).
func (w Workspace) W(key string, compute func() (*WResult, error)) (*WResult, error) {
	if w.Dir == "" {
		return unstored(key, compute, "stage 1 (W+)", w)
	}
	var r WResult
	ok, err := w.stored("w.json", key, &r)
	if err != nil {
		return nil, err
	}
	if ok {
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
	res, err := compute()
	if res == nil || err != nil {
		return res, err
	}
	res.Key = key
	if err := w.begin("w.json"); err != nil {
		return nil, err
	}
	if err := npy.WriteFloat32(w.path("latent.npy"), tensors.MustCopyFlatData[float32](res.WS), res.WS.Shape().Dimensions...); err != nil {
		return nil, err
	}
	return res, writeJSON(w.path("w.json"), res)
}

// PTI returns stage 2's result: generator.safetensors and pti.json (loss history).
func (w Workspace) PTI(key string, compute func() (*PTIResult, error)) (*PTIResult, error) {
	if w.Dir == "" {
		return unstored(key, compute, "stage 2 (PTI)", w)
	}
	var r PTIResult
	ok, err := w.stored("pti.json", key, &r)
	if err != nil {
		return nil, err
	}
	if ok {
		if r.Generator, err = eg3d.Load(w.path("generator.safetensors")); err != nil {
			return nil, err
		}
		return &r, nil
	}
	if compute == nil {
		return nil, w.missing("stage 2 (PTI)")
	}
	res, err := compute()
	if res == nil || err != nil {
		return res, err
	}
	res.Key = key
	if err := w.begin("pti.json"); err != nil {
		return nil, err
	}
	if err := res.Generator.Save(w.path("generator.safetensors")); err != nil {
		return nil, err
	}
	return res, writeJSON(w.path("pti.json"), res)
}

// Final returns the result of a last tuning stage (stage 3, density regularization, PTI-long) stored under
// name: name.safetensors and name.json.
func (w Workspace) Final(name, key string, compute func() (*FinalResult, error)) (*FinalResult, error) {
	if w.Dir == "" {
		return unstored(key, compute, name, w)
	}
	gen, meta := name+".safetensors", name+".json"
	var r FinalResult
	ok, err := w.stored(meta, key, &r)
	if err != nil {
		return nil, err
	}
	if ok {
		if r.Generator, err = eg3d.Load(w.path(gen)); err != nil {
			return nil, err
		}
		return &r, nil
	}
	if compute == nil {
		return nil, w.missing(name)
	}
	res, err := compute()
	if res == nil || err != nil {
		return res, err
	}
	res.Key = key
	if err := w.begin(meta); err != nil {
		return nil, err
	}
	if err := res.Generator.Save(w.path(gen)); err != nil {
		return nil, err
	}
	return res, writeJSON(w.path(meta), res)
}

// storedViews is views.json: the key and the views' cameras; their images live in views/NN_<layer>.npy.
type storedViews struct {
	Key   string       `json:"key"`
	Views []storedView `json:"views"`
}

type storedView struct {
	Camera []float32 `json:"camera"`
}

func (s *storedViews) storedKey() string { return s.Key }

var viewLayers = []string{"visible", "mask", "coverage", "generated", "blended"}

func layers(v *pseudoview.View) []**fimage.Image {
	return []**fimage.Image{&v.Visible, &v.Mask, &v.Coverage, &v.Generated, &v.Blended}
}

// PseudoViews returns the pseudo views: views.json and views/NN_{visible,mask,coverage,generated,blended}.npy.
func (w Workspace) PseudoViews(key string, compute func() ([]pseudoview.View, error)) ([]pseudoview.View, error) {
	if w.Dir == "" {
		if compute == nil {
			return nil, w.missing("pseudo views")
		}
		return compute()
	}
	var stored storedViews
	ok, err := w.stored("views.json", key, &stored)
	if err != nil {
		return nil, err
	}
	if ok {
		out := make([]pseudoview.View, len(stored.Views))
		for i, s := range stored.Views {
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
	if err := w.begin("views.json"); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(w.path("views"), 0o755); err != nil {
		return nil, err
	}
	stored = storedViews{Key: key, Views: make([]storedView, len(views))}
	for i := range views {
		stored.Views[i].Camera = views[i].Camera.Label()
		for k, p := range layers(&views[i]) {
			m := *p
			if err := npy.WriteFloat32(w.path(fmt.Sprintf("views/%02d_%s.npy", i, viewLayers[k])), m.Pix, m.C, m.H, m.W); err != nil {
				return nil, err
			}
		}
	}
	return views, writeJSON(w.path("views.json"), stored)
}

// unstored computes a result a workspace without a directory does not keep.
func unstored[T interface{ setKey(string) }](key string, compute func() (T, error), what string, w Workspace) (T, error) {
	if compute == nil {
		var zero T
		return zero, w.missing(what)
	}
	r, err := compute()
	if err == nil {
		r.setKey(key)
	}
	return r, err
}

func (w Workspace) missing(what string) error {
	return fmt.Errorf("invert: workspace %s holds no %s result for these settings yet (run that stage first)", w.Dir, what)
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
