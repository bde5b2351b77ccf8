package heads

import (
	"bytes"
	"encoding/json"
	"errors"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pmvi/pmvi/pkg/camera"
)

func TestWriteDataset(t *testing.T) {
	train, _ := Split(1, 3, 2)
	opts := DefaultDatasetOptions(train)
	opts.ViewsPerIdentity, opts.Size, opts.Depth = 2, 32, true
	dir := t.TempDir()
	var calls []int
	if err := WriteDataset(dir, opts, func(done, total int) {
		if total != 6 {
			t.Errorf("progress total %d, want 6", total)
		}
		calls = append(calls, done)
	}); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 6 || calls[5] != 6 {
		t.Errorf("progress calls %v, want 1..6", calls)
	}
	items, err := camera.ReadDataset(filepath.Join(dir, "dataset.json"))
	if err != nil {
		t.Fatal(err)
	}
	entries, cams, err := DatasetEntries(opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 6 || len(entries) != 6 {
		t.Fatalf("%d labels, %d entries, want 6", len(items), len(entries))
	}
	for i, it := range items {
		if it.File != entries[i].File || it.File != "00000/img0000000"+string(rune('0'+i))+".png" {
			t.Errorf("label %d file %q, entry %q", i, it.File, entries[i].File)
		}
		for k := range it.Camera.CamToWorld {
			if math.Abs(it.Camera.CamToWorld[k]-cams[i].CamToWorld[k]) > 1e-6 {
				t.Fatalf("label %d camera differs from DatasetEntries", i)
			}
		}
		yaw, pitch := it.Camera.YawPitch()
		if math.Abs(yaw-entries[i].Yaw) > 1e-4 || math.Abs(pitch-entries[i].Pitch) > 1e-4 ||
			math.Abs(yaw) > opts.YawRange || math.Abs(pitch) > opts.PitchRange {
			t.Errorf("label %d pose (%.3f, %.3f), entry (%.3f, %.3f), ranges %v %v", i, yaw, pitch,
				entries[i].Yaw, entries[i].Pitch, opts.YawRange, opts.PitchRange)
		}
		for _, sub := range []string{"", "masks", "depth"} {
			f, err := os.Open(filepath.Join(dir, sub, it.File))
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(f)
			f.Close()
			if err != nil || img.Bounds().Dx() != 32 || img.Bounds().Dy() != 32 {
				t.Fatalf("%s/%s: %v, bounds %v", sub, it.File, err, img.Bounds())
			}
		}
	}
	// The depth PNG holds the rendered depth at DepthScale.
	f, _ := os.Open(filepath.Join(dir, "depth", entries[0].File))
	img, _ := png.Decode(f)
	f.Close()
	v := Render(Scene{Identity: NewIdentity(entries[0].Identity), Background: BackgroundFor(entries[0].Identity)}, cams[0], 32)
	r, _, _, _ := img.At(16, 16).RGBA()
	if want := math.Round(float64(v.Depth.At(0, 16, 16)) * DepthScale); math.Abs(float64(r)-want) > 0.5 {
		t.Errorf("depth PNG centre %d, want %v", r, want)
	}
	var meta []DatasetEntry
	data, _ := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err := json.Unmarshal(data, &meta); err != nil || len(meta) != 6 || meta[3] != entries[3] {
		t.Errorf("meta.json: %v, %d entries", err, len(meta))
	}
	// Deterministic: a second run writes the same bytes.
	dir2 := t.TempDir()
	if err := WriteDataset(dir2, opts, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"dataset.json", "meta.json", entries[4].File, filepath.Join("masks", entries[5].File)} {
		a, _ := os.ReadFile(filepath.Join(dir, name))
		b, _ := os.ReadFile(filepath.Join(dir2, name))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs", name)
		}
	}
}

func TestWriteDatasetErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	tests := []struct {
		name string
		dir  string
		opts DatasetOptions
		want string
	}{
		{"no identities", t.TempDir(), DatasetOptions{}, ErrNoIdentities.Error()},
		{"duplicate", t.TempDir(), DatasetOptions{Identities: []uint64{4, 5, 4}}, "identity 4 appears twice"},
		{"negative size", t.TempDir(), DatasetOptions{Identities: []uint64{4}, Size: -1}, "want non-negative"},
		{"nan yaw", t.TempDir(), DatasetOptions{Identities: []uint64{4}, YawRange: math.NaN()}, "YawRange"},
		{"bad variant", t.TempDir(), DatasetOptions{Identities: []uint64{4}, Variant: 42}, "not a variant"},
		{"dir is a file", file, DatasetOptions{Identities: []uint64{4}, Size: 8}, "heads:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := WriteDataset(tt.dir, tt.opts, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if tt.name == "no identities" && !errors.Is(err, ErrNoIdentities) {
				t.Errorf("error %v is not ErrNoIdentities", err)
			}
		})
	}
}
