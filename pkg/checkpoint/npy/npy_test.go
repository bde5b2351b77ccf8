package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fixtures returns shared/fixtures/eg3d/tiny beside the repository, or skips.
func fixtures(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		if parent := filepath.Dir(dir); parent != dir {
			dir = parent
			continue
		}
		t.Skip("no go.mod above the working directory")
	}
	tiny := filepath.Join(dir, "..", "shared", "fixtures", "eg3d", "tiny")
	if _, err := os.Stat(tiny); err != nil {
		t.Skip("EG3D fixtures not found at ../shared/fixtures/eg3d (relative to the repository root)")
	}
	return tiny
}

// TestReadFixtures reads arrays written by NumPy 1.24 and checks them against
// the statistics in the fixture manifest.
func TestReadFixtures(t *testing.T) {
	dir := fixtures(t)
	tests := []struct {
		file           string
		shape          []int
		min, max, mean float64
	}{
		{"w_avg.npy", []int{512}, -0.7997121810913086, 3.7927427291870117, 0.4684586524963379},
		{"z.npy", []int{1, 512}, -3.241267442703247, 3.852731466293335, 0.004419201519340277},
		{"c_front.npy", []int{1, 25}, -0.990611732006073, 4.263391017913818, 0.5451837778091431},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, shape, err := ReadFloat32(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(shape, tt.shape) {
				t.Fatalf("shape %v, want %v", shape, tt.shape)
			}
			lo, hi, sum := math.Inf(1), math.Inf(-1), 0.0
			for _, v := range data {
				lo, hi, sum = min(lo, float64(v)), max(hi, float64(v)), sum+float64(v)
			}
			// min and max are exact float32 values; the manifest's mean was
			// accumulated in float32.
			if lo != tt.min || hi != tt.max {
				t.Errorf("min, max = %v, %v, want %v, %v", lo, hi, tt.min, tt.max)
			}
			if mean := sum / float64(len(data)); math.Abs(mean-tt.mean) > 1e-6 {
				t.Errorf("mean = %v, want %v", mean, tt.mean)
			}
		})
	}
}

// TestEncodeMatchesNumPy re-encodes a NumPy-written file and expects the same
// bytes: same header text, padding and alignment.
func TestEncodeMatchesNumPy(t *testing.T) {
	dir := fixtures(t)
	for _, file := range []string{"w_avg.npy", "z.npy", "planes_crop.npy"} {
		orig, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		a, err := Decode(bytes.NewReader(orig))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := Encode(&buf, a); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), orig) {
			n := min(buf.Len(), len(orig), 128)
			t.Errorf("%s: re-encoded bytes differ; got header %q, want %q", file, buf.Bytes()[:n], orig[:n])
		}
	}
}

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name  string
		data  []float32
		shape []int
	}{
		{"scalar", []float32{-2.5}, nil},
		{"vector", []float32{1, -0, float32(math.Inf(1)), float32(math.NaN()), 1e-42}, []int{5}},
		{"matrix", []float32{1, 2, 3, 4, 5, 6}, []int{2, 3}},
		{"empty", []float32{}, []int{0, 4}},
		{"rank4", make([]float32, 2*3*4*5), []int{2, 3, 4, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".npy")
			if err := WriteFloat32(path, tt.data, tt.shape...); err != nil {
				t.Fatal(err)
			}
			raw, _ := os.ReadFile(path)
			if hl := int(binary.LittleEndian.Uint16(raw[8:])); (10+hl)%64 != 0 || raw[10+hl-1] != '\n' {
				t.Errorf("data starts at byte %d, want a multiple of 64 after a newline", 10+hl)
			}
			data, shape, err := ReadFloat32(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(shape) != len(tt.shape) || !slices.Equal(shape, tt.shape) && len(tt.shape) > 0 {
				t.Errorf("shape %v, want %v", shape, tt.shape)
			}
			if len(data) != len(tt.data) {
				t.Fatalf("%d values, want %d", len(data), len(tt.data))
			}
			for i := range data {
				if math.Float32bits(data[i]) != math.Float32bits(tt.data[i]) {
					t.Errorf("value %d = %v, want %v (bit for bit)", i, data[i], tt.data[i])
				}
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

// array builds .npy bytes with a hand-written header.
func array(header string, data []byte) []byte {
	out := append([]byte("\x93NUMPY\x01\x00"), byte(len(header)), byte(len(header)>>8))
	return append(append(out, header...), data...)
}

func TestConversions(t *testing.T) {
	le := binary.LittleEndian
	f64 := make([]byte, 16)
	le.PutUint64(f64, math.Float64bits(0.1))
	le.PutUint64(f64[8:], math.Float64bits(-3))
	be := make([]byte, 8)
	binary.BigEndian.PutUint32(be, math.Float32bits(1.5))
	binary.BigEndian.PutUint32(be[4:], math.Float32bits(-2))
	tests := []struct {
		name   string
		file   []byte
		floats []float32
		ints   []int64 // nil: Int64 must fail
	}{
		{"<f8", array("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n", f64), []float32{0.1, -3}, nil},
		{">f4", array("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }\n", be), []float32{1.5, -2}, nil},
		{"<f2", array("{'descr': '<f2', 'fortran_order': False, 'shape': (3,), }\n", []byte{0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00}),
			[]float32{1, -2, 5.9604645e-08}, nil},
		{"<i2", array("{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }\n", []byte{0xff, 0xff, 0x02, 0x01}),
			[]float32{-1, 258}, []int64{-1, 258}},
		{"<i8", array("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }\n", []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}),
			[]float32{-2}, []int64{-2}},
		{"|u1", array("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }\n", []byte{200, 7}),
			[]float32{200, 7}, []int64{200, 7}},
		{"|b1", array("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }\n", []byte{1, 0}),
			[]float32{1, 0}, []int64{1, 0}},
		{"python 2 long", array("{'descr': '|u1', 'fortran_order': False, 'shape': (2L,), }\n", []byte{3, 4}),
			[]float32{3, 4}, []int64{3, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Decode(bytes.NewReader(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			f, err := a.Float32()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(f, tt.floats) {
				t.Errorf("Float32() = %v, want %v", f, tt.floats)
			}
			ints, err := a.Int64()
			if tt.ints == nil {
				if err == nil {
					t.Errorf("Int64() of %s succeeded, want an error", a.Descr)
				}
			} else if err != nil || !slices.Equal(ints, tt.ints) {
				t.Errorf("Int64() = %v, %v, want %v", ints, err, tt.ints)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	valid := array("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n", make([]byte, 8))
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"not npy", []byte("PK\x03\x04 hello"), "not a .npy file"},
		{"version 9", []byte("\x93NUMPY\x09\x00\x00\x00"), "unsupported format version 9.0"},
		{"fortran order", array("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }\n", make([]byte, 8)), "fortran_order arrays are not supported"},
		{"complex", array("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }\n", make([]byte, 8)), `unsupported dtype "<c8"`},
		{"structured", array("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }\n", make([]byte, 4)), "structured dtypes are not supported"},
		{"bad shape", array("{'descr': '<f4', 'fortran_order': False, 'shape': (a,), }\n", nil), "bad dimension"},
		{"no shape", array("{'descr': '<f4', 'fortran_order': False, }\n", nil), `no "shape"`},
		{"unknown key", array("{'descr': '<f4', 'fortran_order': False, 'shape': (), 'x': 1}\n", nil), `unknown key "x"`},
		{"short data", array("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }\n", make([]byte, 8)), "needs 12 data bytes, have 8"},
		{"huge shape", array("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }\n", nil), "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(bytes.NewReader(tt.file))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "npy: ") {
				t.Errorf("error %v, want one starting with \"npy: \" containing %q", err, tt.want)
			}
		})
	}
	// Cut anywhere, the file is an error.
	for n := range len(valid) {
		if _, err := Decode(bytes.NewReader(valid[:n])); err == nil {
			t.Errorf("file cut at %d of %d bytes decoded without error", n, len(valid))
		} else if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("file cut at %d: error %v, want io.ErrUnexpectedEOF", n, err)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	dir := t.TempDir()
	if err := WriteFloat32(filepath.Join(dir, "x.npy"), []float32{1, 2, 3}, 2, 2); err == nil ||
		!strings.Contains(err.Error(), "shape [2 2] holds 4 elements, have 3") {
		t.Errorf("error %v, want a shape mismatch", err)
	}
	if err := WriteFloat32(filepath.Join(dir, "missing", "x.npy"), []float32{1}, 1); err == nil {
		t.Errorf("writing into a missing directory succeeded")
	}
}

func ExampleWriteFloat32() {
	dir, _ := os.MkdirTemp("", "npy")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "ws.npy")
	if err := WriteFloat32(path, []float32{0.5, 1, 1.5, 2, 2.5, 3}, 2, 3); err != nil {
		panic(err)
	}
	data, shape, err := ReadFloat32(path)
	if err != nil {
		panic(err)
	}
	fmt.Println(shape, data[3])
	// Output: [2 3] 2
}
