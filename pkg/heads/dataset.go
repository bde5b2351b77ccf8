package heads

import (
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// dataset.go: rendered views on disk in EG3D's dataset layout, the training data of the tiny generator.

// DatasetOptions says what WriteDataset renders. Every field has a usable zero value except Identities;
// DefaultDatasetOptions fills the rest with the values the tiny generator is trained with.
type DatasetOptions struct {
	// Identities are the identity seeds to render, e.g. one side of Split. Required; no duplicates.
	Identities []uint64
	// ViewsPerIdentity is the number of cameras per identity (0 means 1).
	ViewsPerIdentity int
	// Size is the image side in pixels (0 means 128).
	Size int
	// Seed draws the cameras: the same Seed, identity and view index give the same camera.
	Seed uint64
	// YawRange and PitchRange are half-widths: yaw is uniform in [-YawRange, YawRange] and pitch in
	// [-PitchRange, PitchRange] radians, offsets from the frontal FFHQ camera (camera.At).
	YawRange, PitchRange float64
	// Variant is applied to every identity (Clean for training data).
	Variant Variant
	// Background is used for every image unless RandomBackground is set, which draws one per identity
	// (BackgroundFor(identity seed)), so a generator must learn the mask instead of a fixed colour.
	Background       Background
	RandomBackground bool
	// Masks also writes masks/<same name>.png (8-bit coverage); Depth writes depth/<same name>.png as 16-bit
	// grey holding round(depth*DepthScale), 0 on background.
	Masks, Depth bool
}

// DepthScale converts world-unit depths to the 16-bit values of the depth PNGs: one step is 1e-4 world
// units (0.004 mm on the head, at 0.0254 world units per centimetre) and EG3D's ray range 2.25 to 3.3 fits.
const DepthScale = 10000

// DefaultDatasetOptions returns the options the tiny generator is trained with: 8 views per identity at
// 128 px, yaw in [-0.5, 0.5], pitch in [-0.25, 0.25], clean heads on per-identity backgrounds, with masks.
func DefaultDatasetOptions(identities []uint64) DatasetOptions {
	return DatasetOptions{
		Identities:       identities,
		ViewsPerIdentity: 8,
		Size:             128,
		YawRange:         0.5,
		PitchRange:       0.25,
		Background:       DefaultBackground(),
		RandomBackground: true,
		Masks:            true,
	}
}

// ErrNoIdentities is returned by WriteDataset when DatasetOptions.Identities is empty.
var ErrNoIdentities = errors.New("heads: dataset has no identities")

// DatasetEntry describes one image of a dataset written by WriteDataset (meta.json holds them all).
type DatasetEntry struct {
	File     string  `json:"file"`
	Identity uint64  `json:"identity"`
	View     int     `json:"view"`
	Yaw      float64 `json:"yaw"`
	Pitch    float64 `json:"pitch"`
	Variant  string  `json:"variant"`
}

// DatasetEntries returns the images WriteDataset writes for opts, in file order, with their cameras: the
// plan of the dataset without rendering it.
func DatasetEntries(opts DatasetOptions) ([]DatasetEntry, []camera.Camera, error) {
	opts, err := opts.normalized()
	if err != nil {
		return nil, nil, err
	}
	var entries []DatasetEntry
	var cams []camera.Camera
	for _, id := range opts.Identities {
		for v := range opts.ViewsPerIdentity {
			r := newRNG(mix64(opts.Seed) ^ mix64(id+0x9e3779b97f4a7c15) ^ uint64(v)*0xd1b54a32d192ed03)
			yaw := (2*r.float() - 1) * opts.YawRange
			pitch := (2*r.float() - 1) * opts.PitchRange
			i := len(entries)
			entries = append(entries, DatasetEntry{
				File:     fmt.Sprintf("%05d/img%08d.png", i/1000, i),
				Identity: id, View: v, Yaw: yaw, Pitch: pitch, Variant: opts.Variant.String(),
			})
			cams = append(cams, camera.At(yaw, pitch))
		}
	}
	return entries, cams, nil
}

func (o DatasetOptions) normalized() (DatasetOptions, error) {
	if len(o.Identities) == 0 {
		return o, ErrNoIdentities
	}
	seen := make(map[uint64]bool, len(o.Identities))
	for _, id := range o.Identities {
		if seen[id] {
			return o, fmt.Errorf("heads: identity %d appears twice in DatasetOptions.Identities", id)
		}
		seen[id] = true
	}
	if o.ViewsPerIdentity < 0 || o.Size < 0 {
		return o, fmt.Errorf("heads: DatasetOptions ViewsPerIdentity=%d Size=%d, want non-negative", o.ViewsPerIdentity, o.Size)
	}
	if o.ViewsPerIdentity == 0 {
		o.ViewsPerIdentity = 1
	}
	if o.Size == 0 {
		o.Size = 128
	}
	if bad(o.YawRange) || bad(o.PitchRange) || o.YawRange < 0 || o.PitchRange < 0 || o.PitchRange > math.Pi/2 {
		return o, fmt.Errorf("heads: DatasetOptions YawRange=%v PitchRange=%v, want finite, non-negative, pitch at most pi/2", o.YawRange, o.PitchRange)
	}
	if o.Variant < 0 || o.Variant >= numVariants {
		return o, fmt.Errorf("heads: DatasetOptions.Variant = %d, not a variant", int(o.Variant))
	}
	return o, nil
}

func bad(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }

// WriteDataset renders opts into dir in EG3D's dataset layout: dir/00000/img00000000.png ... and
// dir/dataset.json with each image's 25-float camera label (camera.WriteDataset), plus dir/meta.json (the
// identity, view and pose of every image) and, if asked, masks/ and depth/ images under the same names.
// Rendering runs on GOMAXPROCS goroutines; the files are the same for any number of them. progress, if not
// nil, is called after each image with the number done and the total, from one goroutine at a time.
func WriteDataset(dir string, opts DatasetOptions, progress func(done, total int)) error {
	opts, err := opts.normalized()
	if err != nil {
		return err
	}
	entries, cams, err := DatasetEntries(opts)
	if err != nil {
		return err
	}
	for _, sub := range []string{"", "masks", "depth"} {
		if (sub == "masks" && !opts.Masks) || (sub == "depth" && !opts.Depth) {
			continue
		}
		for g := 0; g <= (len(entries)-1)/1000; g++ {
			if err := os.MkdirAll(filepath.Join(dir, sub, fmt.Sprintf("%05d", g)), 0o755); err != nil {
				return fmt.Errorf("heads: %w", err)
			}
		}
	}
	errs := make([]error, len(entries))
	done := make(chan int)
	go func() {
		parallel(len(entries), func(i int) {
			e := entries[i]
			s := Scene{Identity: NewIdentity(e.Identity), Variant: opts.Variant, Background: opts.Background}
			if opts.RandomBackground {
				s.Background = BackgroundFor(e.Identity)
			}
			v := Render(s, cams[i], opts.Size)
			errs[i] = writeView(dir, e.File, v, opts)
			done <- i
		})
		close(done)
	}()
	n := 0
	for range done {
		n++
		if progress != nil {
			progress(n, len(entries))
		}
	}
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("heads: writing image %d of %s: %w", i, dir, err)
		}
	}
	items := make([]camera.Labelled, len(entries))
	for i, e := range entries {
		items[i] = camera.Labelled{File: e.File, Camera: cams[i]}
	}
	if err := camera.WriteDataset(filepath.Join(dir, "dataset.json"), items); err != nil {
		return err
	}
	meta, err := json.MarshalIndent(entries, "", " ")
	if err != nil {
		return fmt.Errorf("heads: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "meta.json"), meta, 0o644); err != nil {
		return fmt.Errorf("heads: %w", err)
	}
	return nil
}

// writeView writes the image (and mask and depth if asked) of one view.
func writeView(dir, name string, v *View, opts DatasetOptions) error {
	if err := fimage.WritePNG(filepath.Join(dir, name), v.RGB); err != nil {
		return err
	}
	if opts.Masks {
		m := v.Mask.Clone()
		for i, x := range m.Pix {
			m.Pix[i] = 2*x - 1 // fimage writes [-1, 1]
		}
		if err := fimage.WritePNG(filepath.Join(dir, "masks", name), m); err != nil {
			return err
		}
	}
	if opts.Depth {
		g := image.NewGray16(image.Rect(0, 0, v.Depth.W, v.Depth.H))
		for i, d := range v.Depth.Pix {
			if !math.IsInf(float64(d), 1) {
				g.SetGray16(i%v.Depth.W, i/v.Depth.W, color.Gray16{Y: uint16(min(math.Round(float64(d)*DepthScale), 65535))})
			}
		}
		f, err := os.Create(filepath.Join(dir, "depth", name))
		if err != nil {
			return err
		}
		if err := png.Encode(f, g); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	return nil
}
