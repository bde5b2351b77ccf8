package export

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/checkpoint/npy"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/figures"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/pseudoview"
)

// Trajectory parses the cameras a user names: "eval" (the paper's five evaluation cameras), "orbit" (the
// official 30-view orbit), or a count n for n cameras on an ellipse of yaw ±yawRange and pitch ±pitchRange
// around the frontal view (EG3D's video path).
func Trajectory(name string, yawRange, pitchRange float64) ([]camera.Camera, error) {
	switch name {
	case "eval":
		return camera.Cameras(camera.Evaluation()), nil
	case "orbit":
		return camera.Cameras(camera.Orbit()), nil
	}
	n, err := strconv.Atoi(name)
	if err != nil || n < 1 || n > 1000 {
		return nil, fmt.Errorf("export: trajectory %q: want eval, orbit, or a camera count from 1 to 1000", name)
	}
	if yawRange < 0 || yawRange > 1.5 || pitchRange < 0 || pitchRange > 1.0 {
		return nil, fmt.Errorf("export: trajectory ranges yaw ±%g, pitch ±%g rad: want yaw in [0, 1.5] and pitch in [0, 1]", yawRange, pitchRange)
	}
	return camera.Cameras(camera.Ellipse(n, yawRange, pitchRange, 0)), nil
}

// NovelViews renders ws with r at every camera of cams and writes novel_views.npy and PNGs,
// novel_cameras.json, novel_depth.npy and PNGs into dir. It returns the rendered views.
func NovelViews(dir string, r *eg3d.Runner, ws *tensors.Tensor, cams []camera.Camera, opts eg3d.RenderOptions) ([]*eg3d.Images, error) {
	if len(cams) == 0 {
		return nil, errors.New("export: no cameras")
	}
	for _, sub := range []string{"novel_views", "novel_depth"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
	}
	var views []*eg3d.Images
	var pix, depth []float32
	var labelled []camera.Labelled
	for i, c := range cams {
		imgs, err := r.Render(ws, c, opts)
		if err != nil {
			return nil, fmt.Errorf("export: novel view %d: %w", i, err)
		}
		views = append(views, imgs)
		pix, depth = append(pix, imgs.Image.Pix...), append(depth, imgs.Depth.Pix...)
		name := fmt.Sprintf("novel_views/%02d.png", i)
		if err := fimage.WritePNG(filepath.Join(dir, name), imgs.Image); err != nil {
			return nil, err
		}
		labelled = append(labelled, camera.Labelled{File: name, Camera: c})
	}
	// One depth range for every view, so their colours compare.
	near, far := float32(0), float32(0)
	for i, v := range views {
		if n, f, ok := figures.DepthRange(v.Depth); ok {
			if i == 0 || n < near {
				near = n
			}
			if f > far {
				far = f
			}
		}
	}
	for i, v := range views {
		col, err := figures.ColorizeDepth(v.Depth, near, far)
		if err != nil {
			return nil, fmt.Errorf("export: depth %d: %w", i, err)
		}
		if err := fimage.WritePNG(filepath.Join(dir, fmt.Sprintf("novel_depth/%02d.png", i)), col); err != nil {
			return nil, err
		}
	}
	im, d := views[0].Image, views[0].Depth
	if err := npy.WriteFloat32(filepath.Join(dir, "novel_views.npy"), pix, len(cams), im.C, im.H, im.W); err != nil {
		return nil, err
	}
	if err := npy.WriteFloat32(filepath.Join(dir, "novel_depth.npy"), depth, len(cams), 1, d.H, d.W); err != nil {
		return nil, err
	}
	if err := camera.WriteDataset(filepath.Join(dir, "novel_cameras.json"), labelled); err != nil {
		return nil, err
	}
	return views, nil
}

// Orbit renders ws with r along the official orbit's path (40 frames) and writes it as dir/orbit.gif.
func Orbit(dir string, r *eg3d.Runner, ws *tensors.Tensor, opts eg3d.RenderOptions) error {
	var frames []*fimage.Image
	for _, p := range camera.Ellipse(40, 0.35, 0.25, -0.05) {
		imgs, err := r.Render(ws, p.Camera(), opts)
		if err != nil {
			return fmt.Errorf("export: orbit: %w", err)
		}
		frames = append(frames, imgs.Image)
	}
	return figures.WriteGIF(filepath.Join(dir, "orbit.gif"), frames, 60*time.Millisecond)
}

// PseudoViews writes each pseudo view's warped input V_i, its mask M_i and the blend as PNGs into
// dir/pseudo_views.
func PseudoViews(dir string, views []pseudoview.View) error {
	sub := filepath.Join(dir, "pseudo_views")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	for i, v := range views {
		for _, layer := range []struct {
			name string
			img  *fimage.Image
		}{{"visible", v.Visible}, {"mask", figures.Mask(v.Mask)}, {"blended", v.Blended}} {
			if err := fimage.WritePNG(filepath.Join(sub, fmt.Sprintf("%02d_%s.png", i, layer.name)), layer.img); err != nil {
				return err
			}
		}
	}
	return nil
}

// Files lists what a folder written by this package holds, for a command's summary.
func Files(dir string) []string {
	var out []string
	for _, f := range []string{"novel_views.npy", "novel_views/", "novel_cameras.json", "novel_depth.npy", "novel_depth/", "orbit.gif", "pseudo_views/"} {
		if _, err := os.Stat(filepath.Join(dir, strings.TrimSuffix(f, "/"))); err == nil {
			out = append(out, f)
		}
	}
	return out
}
