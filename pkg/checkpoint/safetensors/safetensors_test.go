package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// file assembles safetensors bytes from a header text and data.
func file(header string, data []byte) []byte {
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(out, header...), data...)
}

func f32bytes(vs ...float32) []byte {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	f := &File{Metadata: map[string]string{"format": "pt", "seed": "42", "note": "quote \" and ünïcode"}}
	weights := []float32{1, -2.5, float32(math.Inf(-1)), 1e-40, 3, 4}
	if err := f.AddFloat32("backbone.mapping.fc0.weight", weights, 2, 3); err != nil {
		t.Fatal(err)
	}
	if err := f.AddFloat32("noise_strength", []float32{0.25}); err != nil { // 0-d
		t.Fatal(err)
	}
	if err := f.AddFloat32("empty", nil, 0, 7); err != nil {
		t.Fatal(err)
	}
	if err := f.Add(Tensor{Name: "steps", DType: "I64", Shape: []int{1}, Data: []byte{7, 0, 0, 0, 0, 0, 0, 0}}); err != nil {
		t.Fatal(err)
	}
	if err := f.Add(Tensor{Name: "half", DType: "F16", Shape: []int{3}, Data: []byte{0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00}}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "G.safetensors")
	if err := Write(path, f); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := binary.LittleEndian.Uint64(raw); (8+n)%8 != 0 {
		t.Errorf("data starts at byte %d, want 8-byte alignment", 8+n)
	}
	g, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Metadata) != 3 || g.Metadata["note"] != f.Metadata["note"] || g.Metadata["seed"] != "42" {
		t.Errorf("metadata %v, want %v", g.Metadata, f.Metadata)
	}
	var names []string
	for _, x := range g.Tensors {
		names = append(names, x.Name)
	}
	// The empty tensor sits at the same offset as the next; ties sort by name.
	if want := []string{"backbone.mapping.fc0.weight", "noise_strength", "empty", "steps", "half"}; !slices.Equal(names, want) {
		t.Errorf("tensor order %v, want %v (the order written)", names, want)
	}
	got, err := g.Float32("backbone.mapping.fc0.weight", 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range weights {
		if math.Float32bits(got[i]) != math.Float32bits(weights[i]) {
			t.Errorf("weight %d = %v, want %v bit for bit", i, got[i], weights[i])
		}
	}
	if v, err := g.Float32("noise_strength"); err != nil || len(v) != 1 || v[0] != 0.25 {
		t.Errorf("noise_strength = %v, %v, want [0.25]", v, err)
	}
	if ns, _ := g.Tensor("noise_strength"); len(ns.Shape) != 0 || ns.Shape == nil {
		t.Errorf("0-d shape read back as %#v, want []int{}", ns.Shape)
	}
	if v, err := g.Float32("half"); err != nil || !slices.Equal(v, []float32{1, -2, 5.9604645e-08}) {
		t.Errorf("F16 values %v, %v, want [1 -2 5.9604645e-08]", v, err)
	}
	if _, err := g.Float32("steps"); err == nil {
		t.Errorf("Float32 of an I64 tensor succeeded")
	}
	if _, err := g.Float32("backbone.mapping.fc0.weight", 3, 2); err == nil ||
		err.Error() != `safetensors: tensor "backbone.mapping.fc0.weight": shape [2,3], want [3,2]` {
		t.Errorf("shape check error %v", err)
	}
	if _, err := g.Float32("nope"); err == nil || !strings.Contains(err.Error(), `no tensor "nope" (the file has 5)`) {
		t.Errorf("missing tensor error %v", err)
	}
}

// TestDecodeHandWritten reads a file written by hand from the format
// description: keys in any order, spaces, metadata first or last.
func TestDecodeHandWritten(t *testing.T) {
	header := `{ "b" : {"shape":[1], "dtype":"BF16", "data_offsets":[8,10]},` +
		`"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}, "__metadata__":{"k":"v"} }   `
	data := binary.LittleEndian.AppendUint64(nil, math.Float64bits(-0.1))
	data = append(data, 0xc0, 0x3f) // bfloat16 1.5
	f, err := Decode(file(header, data))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := f.Float32("a")
	b, _ := f.Float32("b")
	if len(a) != 1 || a[0] != float32(-0.1) || len(b) != 1 || b[0] != 1.5 || f.Metadata["k"] != "v" {
		t.Errorf("a=%v b=%v metadata=%v, want [-0.1] [1.5] map[k:v]", a, b, f.Metadata)
	}
	if f.Tensors[0].Name != "a" {
		t.Errorf("first tensor %q, want \"a\" (data order)", f.Tensors[0].Name)
	}
}

func TestDecodeErrors(t *testing.T) {
	one := f32bytes(1)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"short length", []byte{1, 2, 3}, "header length: need 8 bytes, have 3"},
		{"header past end", file(`{}`, nil)[:9], "header of 2 bytes, have 1"},
		{"huge header", binary.LittleEndian.AppendUint64(nil, 1<<40), "exceeds the limit"},
		{"not an object", file(`[1]`, nil), "header is not a JSON object"},
		{"bad JSON", file(`{"a":{"dtype":"F32",`, nil), "header: unexpected end of JSON input"},
		{"unknown dtype", file(`{"a":{"dtype":"F7","shape":[1],"data_offsets":[0,4]}}`, one), `unknown dtype "F7"`},
		{"unknown field", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}`, one), `unknown field "x"`},
		{"missing offsets", file(`{"a":{"dtype":"F32","shape":[1]}}`, one), "want dtype, shape and data_offsets"},
		{"offsets out of range", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}}`, one), "data offsets [0,8] outside the 4 data bytes"},
		{"negative offset", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}`, one), "data offsets [-4,0] outside"},
		{"size mismatch", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, one), "F32[2] needs 8 bytes, have 4"},
		{"gap", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32bytes(1, 2)), `tensor "a" starts at data byte 4, want 0`},
		{"overlap", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32bytes(1, 2)), `starts at data byte 4, want 8`},
		{"trailing data", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, f32bytes(1, 2)), "tensors cover 4 of 8 data bytes"},
		{"metadata not strings", file(`{"__metadata__":{"k":1}}`, nil), "__metadata__ is not a map of strings"},
		{"negative dimension", file(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}`, nil), "negative dimension"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "safetensors: ") {
				t.Errorf("error %v, want one starting with \"safetensors: \" containing %q", err, tt.want)
			}
		})
	}
	// A valid file cut anywhere is an error, and one that says it ended early
	// while the header is incomplete.
	valid := file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, one)
	for n := range len(valid) {
		_, err := Decode(valid[:n])
		if err == nil {
			t.Fatalf("file cut at %d of %d bytes decoded without error", n, len(valid))
		}
		if n < len(valid)-len(one) && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("file cut at %d: error %v, want io.ErrUnexpectedEOF", n, err)
		}
	}
}

func TestAddErrors(t *testing.T) {
	f := &File{}
	if err := f.AddFloat32("w", []float32{1, 2, 3}, 2, 2); err == nil || !strings.Contains(err.Error(), "F32[2,2] needs 16 bytes, have 12") {
		t.Errorf("shape mismatch error %v", err)
	}
	if err := f.AddFloat32("w", []float32{1}, 1); err != nil {
		t.Fatal(err)
	}
	if err := f.AddFloat32("w", []float32{1}, 1); err == nil || !strings.Contains(err.Error(), `duplicate tensor "w"`) {
		t.Errorf("duplicate error %v", err)
	}
	if err := f.AddFloat32("__metadata__", []float32{1}, 1); err == nil {
		t.Errorf("a tensor named __metadata__ was accepted")
	}
}

// TestWriteIsAtomic checks that a failed write leaves the previous file as it
// was and no temporary file behind.
func TestWriteIsAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.safetensors")
	good := &File{}
	if err := good.AddFloat32("w", []float32{1, 2}, 2); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, good); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	bad := &File{Tensors: []Tensor{{Name: "w", DType: "F32", Shape: []int{3}, Data: f32bytes(1)}}}
	if err := Write(path, bad); err == nil {
		t.Fatal("writing an inconsistent tensor succeeded")
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Errorf("a failed write changed the existing checkpoint")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d files after a failed write, want 1", len(entries))
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o644 {
		t.Errorf("checkpoint mode %v, want 0644", info.Mode().Perm())
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, f32bytes(1)))
	f.Add(file(`{"__metadata__":{"k":"v"},"b":{"dtype":"BF16","shape":[2,1],"data_offsets":[0,4]}}`, f32bytes(1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Decode(data)
		if err != nil {
			return
		}
		for _, x := range file.Tensors {
			x.Float32()
		}
		var buf bytes.Buffer
		if err := Encode(&buf, file); err != nil {
			t.Fatalf("re-encoding a decoded file: %v", err)
		}
	})
}
