package checkpoint

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Kind says where a tensor sits in a torch module.
type Kind uint8

const (
	Plain     Kind = iota // not in a module (a tensor read by LoadTorch outside a module)
	Parameter             // in the module's _parameters: trained weights
	Buffer                // in the module's _buffers: state such as w_avg or noise_const
	Attribute             // a plain tensor attribute outside _buffers (renderer.plane_axes); not in a state_dict
)

func (k Kind) String() string {
	switch k {
	case Parameter:
		return "parameter"
	case Buffer:
		return "buffer"
	case Attribute:
		return "attribute"
	}
	return "tensor"
}

// Tensor is a tensor read from a checkpoint, materialized contiguous in C
// order (storage offset and strides already applied).
type Tensor struct {
	Name  string // official dotted name, e.g. "backbone.mapping.fc0.weight"
	Shape []int  // empty for a 0-d tensor
	// DType is the type stored in the file: "float32", "float16", "bfloat16",
	// "float64", "int64", "int32", "int16", "int8", "uint8" or "bool".
	DType string
	Kind  Kind

	f32 []float32 // values of floating-point dtypes
	i64 []int64   // values of integer and bool dtypes
}

// Numel returns the number of elements (1 for a 0-d tensor).
func (t *Tensor) Numel() int { return numel(t.Shape) }

// Float32 returns the values as float32. For floating-point dtypes this is
// the tensor's own data (float16 and float64 were converted on load), shared,
// not copied; integer and bool tensors are converted on each call.
func (t *Tensor) Float32() []float32 {
	if t.i64 == nil {
		return t.f32
	}
	out := make([]float32, len(t.i64))
	for i, v := range t.i64 {
		out[i] = float32(v)
	}
	return out
}

// Int64 returns the values of an integer or bool tensor (shared, not
// copied), or nil for a floating-point tensor.
func (t *Tensor) Int64() []int64 { return t.i64 }

// String describes the tensor, e.g. `"w_avg" float32[512]`.
func (t *Tensor) String() string {
	return fmt.Sprintf("%q %s%s", t.Name, t.DType, shapeString(t.Shape))
}

// shapeString formats a shape as "[64,32,3,3]".
func shapeString(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// dtypeSizes gives the element size of each dtype.
var dtypeSizes = map[string]int{
	"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8,
	"int64": 8, "int32": 4, "int16": 2, "int8": 1, "uint8": 1, "bool": 1,
}

func isFloat(dtype string) bool { return strings.HasPrefix(dtype, "float") || dtype == "bfloat16" }

// materialize copies the elements of a strided view of raw little-endian
// storage bytes into a new contiguous tensor. The caller has checked that
// every element index lies inside raw.
func materialize(raw []byte, dtype string, offset int, shape, stride []int) *Tensor {
	t := &Tensor{Shape: shape, DType: dtype}
	n := numel(shape)
	size := dtypeSizes[dtype]
	if isFloat(dtype) {
		t.f32 = make([]float32, n)
	} else {
		t.i64 = make([]int64, n)
	}
	if contiguous(shape, stride) {
		decode(t, raw[offset*size:(offset+n)*size], 0, n)
		return t
	}
	// Walk the output in C order with an odometer over the indices.
	index := make([]int, len(shape))
	src := offset
	for i := range n {
		decode(t, raw[src*size:(src+1)*size], i, 1)
		for d := len(shape) - 1; d >= 0; d-- {
			index[d]++
			src += stride[d]
			if index[d] < shape[d] {
				break
			}
			src -= index[d] * stride[d]
			index[d] = 0
		}
	}
	return t
}

// contiguous reports whether stride is the C-order stride of shape (ignoring
// dimensions of size 1, whose stride does not matter).
func contiguous(shape, stride []int) bool {
	want := 1
	for d := len(shape) - 1; d >= 0; d-- {
		if shape[d] != 1 && stride[d] != want {
			return false
		}
		want *= shape[d]
	}
	return true
}

// decode converts n little-endian elements from b into t's data at index at.
func decode(t *Tensor, b []byte, at, n int) {
	switch t.DType {
	case "float32":
		for i := range n {
			t.f32[at+i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case "float64":
		for i := range n {
			t.f32[at+i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
		}
	case "float16":
		for i := range n {
			t.f32[at+i] = halfToFloat32(binary.LittleEndian.Uint16(b[2*i:]))
		}
	case "bfloat16":
		for i := range n {
			t.f32[at+i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(b[2*i:])) << 16)
		}
	case "int64":
		for i := range n {
			t.i64[at+i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
		}
	case "int32":
		for i := range n {
			t.i64[at+i] = int64(int32(binary.LittleEndian.Uint32(b[4*i:])))
		}
	case "int16":
		for i := range n {
			t.i64[at+i] = int64(int16(binary.LittleEndian.Uint16(b[2*i:])))
		}
	case "int8":
		for i := range n {
			t.i64[at+i] = int64(int8(b[i]))
		}
	case "uint8", "bool":
		for i := range n {
			t.i64[at+i] = int64(b[i])
		}
	}
}

// halfToFloat32 converts an IEEE 754 binary16 value exactly.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf, NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
	case frac == 0: // ±0
		return math.Float32frombits(sign)
	}
	// Subnormal: frac * 2^-24.
	v := float32(frac) * (1.0 / (1 << 24))
	if sign != 0 {
		v = -v
	}
	return v
}
