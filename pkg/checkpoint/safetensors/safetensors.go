package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
)

// maxHeader is the reference implementation's limit on the header size.
const maxHeader = 100 << 20

// dtypeSizes gives the element size of each safetensors dtype.
var dtypeSizes = map[string]int{
	"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1,
	"I16": 2, "U16": 2, "F16": 2, "BF16": 2,
	"I32": 4, "U32": 4, "F32": 4,
	"I64": 8, "U64": 8, "F64": 8,
}

// Tensor is one named tensor.
type Tensor struct {
	Name  string
	DType string // "F32", "F16", "BF16", "F64", "I64", "I32", "U8", "BOOL", ...
	Shape []int  // empty for a 0-d tensor
	Data  []byte // raw little-endian elements in C order; shares the file's memory when read
}

// File is the contents of a safetensors file.
type File struct {
	Tensors  []Tensor          // in data order
	Metadata map[string]string // the "__metadata__" map; nil when absent
}

// Tensor returns the tensor with the given name.
func (f *File) Tensor(name string) (*Tensor, bool) {
	for i := range f.Tensors {
		if f.Tensors[i].Name == name {
			return &f.Tensors[i], true
		}
	}
	return nil, false
}

// Float32 returns the values of a floating-point tensor as float32. When
// shape is given, the tensor must have exactly that shape.
func (f *File) Float32(name string, shape ...int) ([]float32, error) {
	t, ok := f.Tensor(name)
	if !ok {
		return nil, fmt.Errorf("safetensors: no tensor %q (the file has %d)", name, len(f.Tensors))
	}
	if shape != nil && !slices.Equal(t.Shape, shape) {
		return nil, fmt.Errorf("safetensors: tensor %q: shape %s, want %s", name, shapeString(t.Shape), shapeString(shape))
	}
	return t.Float32()
}

// Add appends a tensor after checking its name, dtype and data size.
func (f *File) Add(t Tensor) error {
	if t.Name == "" || t.Name == "__metadata__" {
		return fmt.Errorf("safetensors: invalid tensor name %q", t.Name)
	}
	if _, dup := f.Tensor(t.Name); dup {
		return fmt.Errorf("safetensors: duplicate tensor %q", t.Name)
	}
	if err := checkSize(t); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	f.Tensors = append(f.Tensors, t)
	return nil
}

// AddFloat32 appends a float32 tensor of the given shape (copying data).
func (f *File) AddFloat32(name string, data []float32, shape ...int) error {
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return f.Add(Tensor{Name: name, DType: "F32", Shape: shape, Data: raw})
}

// Float32 returns the values of an F32, F16, BF16 or F64 tensor as float32.
func (t *Tensor) Float32() ([]float32, error) {
	size, ok := dtypeSizes[t.DType]
	if !ok || t.DType[0] != 'F' && t.DType != "BF16" || t.DType[:2] == "F8" {
		return nil, fmt.Errorf("safetensors: tensor %q: Float32 of a %s tensor", t.Name, t.DType)
	}
	out := make([]float32, len(t.Data)/size)
	le := binary.LittleEndian
	for i := range out {
		switch t.DType {
		case "F32":
			out[i] = math.Float32frombits(le.Uint32(t.Data[4*i:]))
		case "F64":
			out[i] = float32(math.Float64frombits(le.Uint64(t.Data[8*i:])))
		case "BF16":
			out[i] = math.Float32frombits(uint32(le.Uint16(t.Data[2*i:])) << 16)
		case "F16":
			out[i] = halfToFloat32(le.Uint16(t.Data[2*i:]))
		}
	}
	return out, nil
}

// halfToFloat32 converts an IEEE 754 binary16 value exactly.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp != 0:
		return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
	}
	v := float32(frac) * (1.0 / (1 << 24)) // zero or subnormal
	return math.Float32frombits(sign | math.Float32bits(v))
}

// checkSize checks that a tensor's data holds exactly its shape's elements.
func checkSize(t Tensor) error {
	size, ok := dtypeSizes[t.DType]
	if !ok {
		return fmt.Errorf("tensor %q: unknown dtype %q", t.Name, t.DType)
	}
	n := size
	for _, d := range t.Shape {
		if d < 0 {
			return fmt.Errorf("tensor %q: negative dimension in shape %s", t.Name, shapeString(t.Shape))
		}
		if d != 0 && n > math.MaxInt/d {
			return fmt.Errorf("tensor %q: shape %s is too large", t.Name, shapeString(t.Shape))
		}
		n *= d
	}
	if n != len(t.Data) {
		return fmt.Errorf("tensor %q: %s%s needs %d bytes, have %d", t.Name, t.DType, shapeString(t.Shape), n, len(t.Data))
	}
	return nil
}

func shapeString(shape []int) string {
	b := []byte{'['}
	for i, d := range shape {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(d), 10)
	}
	return string(append(b, ']'))
}

// Read reads a safetensors file. The tensors share one buffer holding the
// file.
func Read(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	f, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: %w", filepath.Base(path), err)
	}
	return f, nil
}

// Decode decodes a safetensors file held in memory; the tensors share data.
func Decode(data []byte) (*File, error) {
	f, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	return f, nil
}

// headerEntry is one tensor of the JSON header.
type headerEntry struct {
	DType       string `json:"dtype"`
	Shape       []int  `json:"shape"`
	DataOffsets []int  `json:"data_offsets"`
}

func decode(data []byte) (*File, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("header length: need 8 bytes, have %d: %w", len(data), io.ErrUnexpectedEOF)
	}
	n := binary.LittleEndian.Uint64(data)
	if n > maxHeader {
		return nil, fmt.Errorf("header length %d exceeds the limit of %d", n, maxHeader)
	}
	if n > uint64(len(data)-8) {
		return nil, fmt.Errorf("header of %d bytes, have %d: %w", n, len(data)-8, io.ErrUnexpectedEOF)
	}
	header, buf := data[8:8+n], data[8+n:]
	if len(header) == 0 || header[0] != '{' {
		return nil, errors.New("header is not a JSON object")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(header, &raw); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	f := &File{}
	type placed struct {
		Tensor
		begin int
	}
	var tensors []placed
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &f.Metadata); err != nil {
				return nil, fmt.Errorf("__metadata__ is not a map of strings: %w", err)
			}
			continue
		}
		var e headerEntry
		dec := json.NewDecoder(bytes.NewReader(msg))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("tensor %q: %w", name, err)
		}
		if e.DType == "" || e.Shape == nil || len(e.DataOffsets) != 2 {
			return nil, fmt.Errorf("tensor %q: want dtype, shape and data_offsets [begin, end]", name)
		}
		begin, end := e.DataOffsets[0], e.DataOffsets[1]
		if begin < 0 || end < begin || end > len(buf) {
			return nil, fmt.Errorf("tensor %q: data offsets [%d,%d] outside the %d data bytes", name, begin, end, len(buf))
		}
		t := Tensor{Name: name, DType: e.DType, Shape: e.Shape, Data: buf[begin:end:end]}
		if err := checkSize(t); err != nil {
			return nil, err
		}
		tensors = append(tensors, placed{t, begin})
	}
	// The tensors must tile the data: no gaps, no overlaps, nothing after.
	sort.Slice(tensors, func(i, j int) bool {
		if a, b := tensors[i].begin, tensors[j].begin; a != b {
			return a < b
		}
		return tensors[i].Name < tensors[j].Name
	})
	pos := 0
	for _, t := range tensors {
		if t.begin != pos {
			return nil, fmt.Errorf("tensor %q starts at data byte %d, want %d (tensors must tile the data)", t.Name, t.begin, pos)
		}
		pos += len(t.Data)
		f.Tensors = append(f.Tensors, t.Tensor)
	}
	if pos != len(buf) {
		return nil, fmt.Errorf("tensors cover %d of %d data bytes", pos, len(buf))
	}
	return f, nil
}
