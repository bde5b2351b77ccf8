package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/checkpoint/npy"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// readImage reads a PNG/JPEG, or a .npy in EG3D's layout ([1,3,H,W] or [3,H,W] float32 in [-1, 1]).
func readImage(path string) (*fimage.Image, error) {
	if !strings.EqualFold(filepath.Ext(path), ".npy") {
		return fimage.ReadImage(path)
	}
	data, shape, err := npy.ReadFloat32(path)
	if err != nil {
		return nil, err
	}
	if len(shape) == 4 && shape[0] == 1 {
		shape = shape[1:]
	}
	if len(shape) != 3 || shape[0] != 3 {
		return nil, fmt.Errorf("%s: shape %v, want [1,3,H,W] or [3,H,W] (EG3D's NCHW in [-1,1])", path, shape)
	}
	return fimage.FromPix(3, shape[1], shape[2], data)
}

// readCamera reads a camera from a .npy of 25 floats (HFGI3D's inputs), a JSON array of 25 numbers, or an
// EG3D dataset.json (the entry named like image, or its only entry).
func readCamera(path, image string) (camera.Camera, error) {
	if strings.EqualFold(filepath.Ext(path), ".npy") {
		data, _, err := npy.ReadFloat32(path)
		if err != nil {
			return camera.Camera{}, err
		}
		c, err := camera.FromLabel(data)
		if err != nil {
			return camera.Camera{}, fmt.Errorf("%s: %w", path, err)
		}
		return c, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return camera.Camera{}, err
	}
	var label []float32
	if json.Unmarshal(raw, &label) == nil {
		c, err := camera.FromLabel(label)
		if err != nil {
			return camera.Camera{}, fmt.Errorf("%s: %w", path, err)
		}
		return c, nil
	}
	items, err := camera.ParseDataset(raw, path)
	if err != nil {
		return camera.Camera{}, err
	}
	base := filepath.Base(image)
	for _, it := range items {
		if filepath.Base(it.File) == base {
			return it.Camera, nil
		}
	}
	if len(items) == 1 {
		return items[0].Camera, nil
	}
	return camera.Camera{}, fmt.Errorf("%s: %d cameras and none for %q", path, len(items), base)
}

// stringList is a flag that may be repeated (--image a.png --image b.png).
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// floatList is a flag holding one number or a comma-separated list (--yaw 0,0.4,-0.4).
type floatList []float64

func (l *floatList) String() string {
	var parts []string
	for _, v := range *l {
		parts = append(parts, strconv.FormatFloat(v, 'g', -1, 64))
	}
	return strings.Join(parts, ",")
}

func (l *floatList) Set(v string) error {
	*l = nil
	for _, p := range strings.Split(v, ",") {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%q is not a number", p)
		}
		*l = append(*l, x)
	}
	return nil
}

// at returns value i of the list (the only value when it holds one), or 0 when empty.
func (l floatList) at(i int) float64 {
	switch {
	case len(l) == 0:
		return 0
	case len(l) == 1:
		return l[0]
	}
	return l[i]
}
