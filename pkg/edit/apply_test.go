package edit

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pmvi/pmvi/pkg/checkpoint/npy"
)

// Apply adds alpha·n to exactly the selected layers and leaves the input untouched.
func TestApplyLayers(t *testing.T) {
	const num, wdim = 6, 3
	base := make([]float32, num*wdim)
	for i := range base {
		base[i] = float32(i)
	}
	ws := tensors.FromFlatDataAndDimensions(append([]float32(nil), base...), 1, num, wdim)
	n := []float32{1, -2, 0.5}
	tests := []struct {
		layers string
		moved  []bool
	}{
		{"all", []bool{true, true, true, true, true, true}},
		{"0:2", []bool{true, true, false, false, false, false}},
		{"4:", []bool{false, false, false, false, true, true}},
		{":1", []bool{true, false, false, false, false, false}},
		{"2:5", []bool{false, false, true, true, true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.layers, func(t *testing.T) {
			l, err := ParseLayers(tt.layers)
			if err != nil {
				t.Fatal(err)
			}
			out, err := Apply(ws, n, 1.5, l)
			if err != nil {
				t.Fatal(err)
			}
			got := tensors.MustCopyFlatData[float32](out)
			for layer := range num {
				for j := range wdim {
					want := base[layer*wdim+j]
					if tt.moved[layer] {
						want += 1.5 * n[j]
					}
					if g := got[layer*wdim+j]; math.Abs(float64(g-want)) > 1e-6 {
						t.Fatalf("layer %d, value %d: %v, want %v", layer, j, g, want)
					}
				}
			}
		})
	}
	if in := tensors.MustCopyFlatData[float32](ws); in[0] != base[0] || in[len(in)-1] != base[len(base)-1] {
		t.Errorf("Apply changed its input")
	}
}

func TestApplyRejectsBadInput(t *testing.T) {
	ws := Broadcast(make([]float32, 4), 6)
	tests := []struct {
		name   string
		ws     *tensors.Tensor
		n      []float32
		alpha  float64
		layers Layers
		want   string
	}{
		{"direction length", ws, make([]float32, 5), 1, Layers{}, "w_dim 4"},
		{"not W+", tensors.FromFlatDataAndDimensions(make([]float32, 4), 1, 4), make([]float32, 4), 1, Layers{}, "[1, NumWS, WDim]"},
		{"layers past the end", ws, make([]float32, 4), 1, Layers{From: 2, To: 9}, "6 layers"},
		{"nan strength", ws, make([]float32, 4), math.NaN(), Layers{}, "strength"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Apply(tt.ws, tt.n, tt.alpha, tt.layers)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
	for _, bad := range []string{"3", "a:b", "4:2", "-1:3", "1:x"} {
		if _, err := ParseLayers(bad); err == nil {
			t.Errorf("ParseLayers(%q) accepted", bad)
		}
	}
}

// A written direction reads back with its fields; InterFaceGAN's layouts ([1, w_dim] or [w_dim], float32 or
// float64) load, and wrong shapes or empty vectors are refused with the file named.
func TestDirectionFiles(t *testing.T) {
	dir := t.TempDir()
	d := &Direction{Attribute: "smile", Normal: []float32{0.6, 0, -0.8}, Offset: 0.25, Sigma: 0.4,
		TrainAccuracy: 0.99, TestAccuracy: 0.97, Train: 140, Test: 60}
	path := filepath.Join(dir, "smile.npy")
	if err := WriteDirection(path, d); err != nil {
		t.Fatal(err)
	}
	if _, shape, err := npy.ReadFloat32(path); err != nil || len(shape) != 2 || shape[0] != 1 || shape[1] != 3 {
		t.Fatalf("written shape %v (%v), want [1 3]", shape, err)
	}
	got, err := ReadDirection(path, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got.Attribute != d.Attribute || got.TestAccuracy != d.TestAccuracy || got.Sigma != d.Sigma || got.Train != d.Train ||
		got.Normal[2] != d.Normal[2] {
		t.Errorf("read back %+v, want %+v", got, d)
	}

	flat := filepath.Join(dir, "flat.npy")
	f64 := &npy.Array{Descr: "<f8", Shape: []int{3}, Data: make([]byte, 24)}
	f64.Data[7] = 0x3f // 1.0 little-endian: 00 00 00 00 00 00 f0 3f
	f64.Data[6] = 0xf0
	if err := npy.WriteFile(flat, f64); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadDirection(flat, 3); err != nil || got.Normal[0] != 1 || got.Attribute != "" {
		t.Errorf("float64 [w_dim] direction: %+v, %v", got, err)
	}

	zero := filepath.Join(dir, "zero.npy")
	npy.WriteFloat32(zero, make([]float32, 5), 1, 5)
	wide := filepath.Join(dir, "wide.npy")
	npy.WriteFloat32(wide, make([]float32, 6), 2, 3)
	tests := []struct {
		path string
		want string
	}{
		{path, "want [1 5] or [5]"},
		{zero, "non-zero"},
		{filepath.Join(dir, "missing.npy"), "missing.npy"},
	}
	for _, tt := range tests {
		if _, err := ReadDirection(tt.path, 5); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ReadDirection(%s): %v, want an error mentioning %q", filepath.Base(tt.path), err, tt.want)
		}
	}
	if _, err := ReadDirection(wide, 3); err == nil || !strings.Contains(err.Error(), "[2 3]") {
		t.Errorf("a [2 3] direction: %v, want a shape error", err)
	}
	os.WriteFile(filepath.Join(dir, "smile.json"), []byte("{"), 0o644)
	if _, err := ReadDirection(path, 3); err == nil || !strings.Contains(err.Error(), "smile.json") {
		t.Errorf("broken sidecar: %v, want an error naming it", err)
	}
}
