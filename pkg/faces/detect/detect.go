package detect

import (
	"encoding/binary"
	"fmt"
	"os"
	"sort"

	pigo "github.com/esimov/pigo/core"
	"github.com/pmvi/pmvi/pkg/faces"
)

// Face is one detection: a square box around the face and the cascade's confidence (the sum of the scores
// of the windows merged into it; pigo's examples accept 5 and above).
type Face struct {
	Box   faces.Box
	Score float64
}

// Options tune the sliding-window search. The zero value is not useful: start from DefaultOptions.
type Options struct {
	// MinSize and MaxSize bound the window side in pixels; MaxSize 0 means the image's shorter side.
	MinSize, MaxSize int
	// Shift is the window step as a fraction of its side; Scale the ratio between successive window sizes.
	Shift, Scale float64
	// MinScore drops weaker detections; IoU is the overlap above which windows merge into one face.
	MinScore, IoU float64
}

// DefaultOptions returns the settings of pigo's examples, with a small minimum size so that tiny faces are
// found and can be reported as too small rather than missed.
func DefaultOptions() Options {
	return Options{MinSize: 24, Shift: 0.1, Scale: 1.1, MinScore: 5, IoU: 0.2}
}

// Detector holds an unpacked cascade. It is safe for concurrent use.
type Detector struct {
	cascade *pigo.Pigo
}

// Load reads pigo's facefinder cascade (faces.FaceFinder in faces.Dir).
func Load(path string) (*Detector, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("detect: %w", err)
	}
	return Unpack(data, path)
}

// Unpack decodes a cascade from its bytes; name is used in error messages.
func Unpack(data []byte, name string) (d *Detector, err error) {
	// pigo indexes the packet without bounds checks; a truncated file panics inside Unpack.
	defer func() {
		if r := recover(); r != nil {
			d, err = nil, fmt.Errorf("detect: %s: not a pigo cascade: %v", name, r)
		}
	}()
	// Layout: 8 reserved bytes, tree depth and tree count (little-endian uint32), then per tree its
	// 2^depth-1 split codes (4 bytes each), 2^depth leaf predictions (float32) and a threshold (float32).
	if len(data) < 16 {
		return nil, fmt.Errorf("detect: %s: %d bytes, too short for a pigo cascade", name, len(data))
	}
	depth, trees := binary.LittleEndian.Uint32(data[8:]), binary.LittleEndian.Uint32(data[12:])
	if depth == 0 || depth > 16 || trees == 0 || trees > 1<<16 {
		return nil, fmt.Errorf("detect: %s: tree depth %d and %d trees, not a pigo cascade", name, depth, trees)
	}
	leaves := 1 << depth
	if want := 16 + int(trees)*(4*(leaves-1)+4*leaves+4); len(data) != want {
		return nil, fmt.Errorf("detect: %s: %d bytes, want %d for %d trees of depth %d", name, len(data), want, trees, depth)
	}
	c, err := pigo.NewPigo().Unpack(data)
	if err != nil {
		return nil, fmt.Errorf("detect: %s: not a pigo cascade: %w", name, err)
	}
	return &Detector{cascade: c}, nil
}

// Detect returns the faces in img, largest first.
func (d *Detector) Detect(img *faces.Gray, opt Options) []Face {
	maxSize := opt.MaxSize
	if maxSize <= 0 {
		maxSize = min(img.W, img.H)
	}
	params := pigo.CascadeParams{
		MinSize: opt.MinSize, MaxSize: maxSize, ShiftFactor: opt.Shift, ScaleFactor: opt.Scale,
		ImageParams: pigo.ImageParams{Pixels: img.Pix, Rows: img.H, Cols: img.W, Dim: img.W},
	}
	dets := d.cascade.ClusterDetections(d.cascade.RunCascade(params, 0), opt.IoU)
	var out []Face
	for _, det := range dets {
		if float64(det.Q) < opt.MinScore {
			continue
		}
		// pigo reports the window centre (row, column of a pixel) and its side.
		cx, cy, half := float64(det.Col)+0.5, float64(det.Row)+0.5, float64(det.Scale)/2
		out = append(out, Face{
			Box:   faces.Box{Min: faces.Point{X: cx - half, Y: cy - half}, Max: faces.Point{X: cx + half, Y: cy + half}},
			Score: float64(det.Q),
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Box.Area() > out[j].Box.Area() })
	return out
}
