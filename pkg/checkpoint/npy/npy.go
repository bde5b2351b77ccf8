package npy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/pmvi/pmvi/internal/atomicfile"
)

var magic = []byte("\x93NUMPY")

// Array is an n-dimensional array in C (row-major) order.
type Array struct {
	// Descr is the NumPy type string: byte order ('<' little, '>' big, '|'
	// not applicable) then kind and size, e.g. "<f4", "<i8", "|u1", "|b1".
	Descr string
	Shape []int  // empty for a 0-d array
	Data  []byte // the elements, raw, in the byte order of Descr
}

// itemSizes gives the element size of each supported kind and size.
var itemSizes = map[string]int{
	"f2": 2, "f4": 4, "f8": 8,
	"i1": 1, "i2": 2, "i4": 4, "i8": 8,
	"u1": 1, "u2": 2, "u4": 4, "u8": 8,
	"b1": 1,
}

// parseDescr splits a type string into its byte order and kind+size.
func parseDescr(descr string) (binary.ByteOrder, string, error) {
	if len(descr) != 3 {
		return nil, "", fmt.Errorf("unsupported dtype %q", descr)
	}
	code := descr[1:]
	if _, ok := itemSizes[code]; !ok {
		return nil, "", fmt.Errorf("unsupported dtype %q", descr)
	}
	switch descr[0] {
	case '<', '|', '=':
		return binary.LittleEndian, code, nil
	case '>':
		return binary.BigEndian, code, nil
	}
	return nil, "", fmt.Errorf("unsupported dtype %q", descr)
}

// Numel returns the number of elements (1 for a 0-d array).
func (a *Array) Numel() int {
	n := 1
	for _, d := range a.Shape {
		n *= d
	}
	return n
}

// Float32 returns the elements converted to float32 (from any supported
// dtype; float64 and large integers are rounded).
func (a *Array) Float32() ([]float32, error) {
	order, code, err := parseDescr(a.Descr)
	if err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	out := make([]float32, a.Numel())
	if code == "f4" {
		for i := range out {
			out[i] = math.Float32frombits(order.Uint32(a.Data[4*i:]))
		}
		return out, nil
	}
	for i := range out {
		out[i] = float32(element(a.Data, order, code, i))
	}
	return out, nil
}

// Float64 returns the elements converted to float64.
func (a *Array) Float64() ([]float64, error) {
	order, code, err := parseDescr(a.Descr)
	if err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	out := make([]float64, a.Numel())
	for i := range out {
		out[i] = element(a.Data, order, code, i)
	}
	return out, nil
}

// Int64 returns the elements of an integer or bool array.
func (a *Array) Int64() ([]int64, error) {
	order, code, err := parseDescr(a.Descr)
	if err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	if code[0] == 'f' {
		return nil, fmt.Errorf("npy: Int64 of a %s array, want an integer or bool dtype", a.Descr)
	}
	out := make([]int64, a.Numel())
	size := itemSizes[code]
	for i := range out {
		b := a.Data[size*i : size*(i+1)]
		switch {
		case code == "i8" || code == "u8":
			out[i] = int64(order.Uint64(b))
		case code[0] == 'i':
			out[i] = int64(int32(uintAt(b, order)<<(32-8*size))) >> (32 - 8*size)
		default:
			out[i] = int64(uintAt(b, order))
		}
	}
	return out, nil
}

// uintAt reads an unsigned integer of 1, 2 or 4 bytes.
func uintAt(b []byte, order binary.ByteOrder) uint32 {
	switch len(b) {
	case 1:
		return uint32(b[0])
	case 2:
		return uint32(order.Uint16(b))
	}
	return order.Uint32(b)
}

// element returns element i as float64.
func element(data []byte, order binary.ByteOrder, code string, i int) float64 {
	size := itemSizes[code]
	b := data[size*i : size*(i+1)]
	switch code {
	case "f2":
		return halfToFloat64(order.Uint16(b))
	case "f4":
		return float64(math.Float32frombits(order.Uint32(b)))
	case "f8":
		return math.Float64frombits(order.Uint64(b))
	case "i8":
		return float64(int64(order.Uint64(b)))
	case "u8":
		return float64(order.Uint64(b))
	}
	if code[0] == 'i' {
		shift := 32 - 8*size
		return float64(int32(uintAt(b, order)<<shift) >> shift)
	}
	return float64(uintAt(b, order))
}

// halfToFloat64 converts an IEEE 754 binary16 value.
func halfToFloat64(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float64(h & 0x3ff)
	switch exp {
	case 0:
		return sign * frac * math.Pow(2, -24)
	case 0x1f:
		if frac != 0 {
			return math.NaN()
		}
		return math.Inf(int(sign))
	}
	return sign * (1 + frac/1024) * math.Pow(2, float64(exp-15))
}

// FromFloat32 returns a little-endian float32 array. The number of elements
// must match the shape.
func FromFloat32(data []float32, shape ...int) (*Array, error) {
	a := &Array{Descr: "<f4", Shape: shape}
	if err := checkShape(shape, len(data)); err != nil {
		return nil, err
	}
	a.Data = make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(a.Data[4*i:], math.Float32bits(v))
	}
	return a, nil
}

func checkShape(shape []int, n int) error {
	total := 1
	for _, d := range shape {
		if d < 0 {
			return fmt.Errorf("npy: negative dimension in shape %v", shape)
		}
		total *= d
	}
	if total != n {
		return fmt.Errorf("npy: shape %v holds %d elements, have %d", shape, total, n)
	}
	return nil
}

// ReadFloat32 reads a .npy file as float32 values and its shape.
func ReadFloat32(path string) ([]float32, []int, error) {
	a, err := ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	data, err := a.Float32()
	if err != nil {
		return nil, nil, fmt.Errorf("npy: %s: %w", path, err)
	}
	return data, a.Shape, nil
}

// WriteFloat32 writes float32 values of the given shape to a .npy file,
// atomically (see WriteFile).
func WriteFloat32(path string, data []float32, shape ...int) error {
	a, err := FromFloat32(data, shape...)
	if err != nil {
		return err
	}
	return WriteFile(path, a)
}

// ReadFile reads a .npy file.
func ReadFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	defer f.Close()
	a, err := decode(f)
	if err != nil {
		return nil, fmt.Errorf("npy: %s: %w", path, err)
	}
	return a, nil
}

// WriteFile writes a .npy file atomically: to a temporary file in the same
// directory, renamed over path once complete, so that an interrupted write
// never leaves a partial file.
func WriteFile(path string, a *Array) error {
	var buf bytes.Buffer
	if err := Encode(&buf, a); err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(path, buf.Bytes()); err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	return nil
}

// Encode writes a in the .npy format (version 1.0, or 2.0 for a header
// over 64 KiB).
func Encode(w io.Writer, a *Array) error {
	_, code, err := parseDescr(a.Descr)
	if err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	if err := checkShape(a.Shape, len(a.Data)/itemSizes[code]); err != nil {
		return err
	}
	if len(a.Data)%itemSizes[code] != 0 {
		return fmt.Errorf("npy: %d data bytes are not a whole number of %s elements", len(a.Data), a.Descr)
	}
	dims := make([]string, len(a.Shape))
	for i, d := range a.Shape {
		dims[i] = strconv.Itoa(d)
	}
	shape := "(" + strings.Join(dims, ", ") + ")"
	if len(a.Shape) == 1 {
		shape = "(" + dims[0] + ",)"
	}
	header := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", a.Descr, shape)
	// Pad with spaces and a newline so that the data starts 64-byte aligned.
	prefix, version := 10, byte(1)
	if len(header)+1+prefix > math.MaxUint16 {
		prefix, version = 12, 2
	}
	total := (prefix + len(header) + 1 + 63) / 64 * 64
	header += strings.Repeat(" ", total-prefix-len(header)-1) + "\n"

	out := append([]byte(nil), magic...)
	out = append(out, version, 0)
	if version == 1 {
		out = binary.LittleEndian.AppendUint16(out, uint16(len(header)))
	} else {
		out = binary.LittleEndian.AppendUint32(out, uint32(len(header)))
	}
	out = append(out, header...)
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	if _, err := w.Write(a.Data); err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	return nil
}
