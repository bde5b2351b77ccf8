package pickle

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
)

// ErrTruncated is wrapped by the errors of a pickle that ends early.
var ErrTruncated = errors.New("unexpected end of data")

// highestProtocol is the newest pickle protocol (Python 3.8+).
const highestProtocol = 5

// Decode decodes the first pickle in data. Bytes after its STOP opcode are
// ignored, as Python's pickle.loads does.
func Decode(data []byte) (any, error) {
	return NewDecoder(data).Decode()
}

// A Decoder decodes a sequence of pickles written back to back, as in
// PyTorch's legacy serialization format.
//
// It works on a byte slice rather than an io.Reader so that bytes objects
// (tensor storages, several megabytes each) share the input's memory instead
// of being copied.
type Decoder struct {
	// PersistentLoad, when set, turns each persistent id into a value (torch
	// uses persistent ids for tensor storages). When nil, a persistent id
	// decodes as a PersistentID.
	PersistentLoad func(id any) (any, error)

	data  []byte
	pos   int
	op    int // offset of the opcode being run, for errors
	stack []any
	marks []int // stack heights at each MARK
	memo  map[uint64]any
}

// NewDecoder returns a Decoder reading pickles from data.
func NewDecoder(data []byte) *Decoder {
	return &Decoder{data: data}
}

// Offset returns the number of bytes consumed so far: after a successful
// Decode, the offset just past that pickle's STOP opcode.
func (d *Decoder) Offset() int { return d.pos }

// Decode decodes the next pickle.
func (d *Decoder) Decode() (any, error) {
	d.stack = d.stack[:0]
	d.marks = d.marks[:0]
	d.memo = make(map[uint64]any)
	for {
		d.op = d.pos
		if d.pos >= len(d.data) {
			return nil, fmt.Errorf("pickle: offset %d: no STOP opcode: %w", d.pos, ErrTruncated)
		}
		code := d.data[d.pos]
		d.pos++
		if code == opStop {
			v, err := d.pop()
			if err != nil {
				return nil, err
			}
			return v, nil
		}
		if err := d.run(code); err != nil {
			return nil, err
		}
	}
}

// errorf formats an error at the current opcode.
func (d *Decoder) errorf(format string, args ...any) error {
	return fmt.Errorf("pickle: offset %d: %s: %s", d.op, opName(d.data[d.op]), fmt.Sprintf(format, args...))
}

// read returns the next n bytes of input, sharing its memory.
func (d *Decoder) read(n uint64) ([]byte, error) {
	if n > uint64(len(d.data)-d.pos) {
		return nil, fmt.Errorf("pickle: offset %d: %s: need %d bytes, have %d: %w",
			d.op, opName(d.data[d.op]), n, len(d.data)-d.pos, ErrTruncated)
	}
	b := d.data[d.pos : d.pos+int(n)]
	d.pos += int(n)
	return b, nil
}

func (d *Decoder) readUint(size int) (uint64, error) {
	b, err := d.read(uint64(size))
	if err != nil {
		return 0, err
	}
	switch size {
	case 1:
		return uint64(b[0]), nil
	case 2:
		return uint64(binary.LittleEndian.Uint16(b)), nil
	case 4:
		return uint64(binary.LittleEndian.Uint32(b)), nil
	}
	return binary.LittleEndian.Uint64(b), nil
}

// readSized reads a length of size bytes, then that many bytes.
func (d *Decoder) readSized(size int) ([]byte, error) {
	n, err := d.readUint(size)
	if err != nil {
		return nil, err
	}
	return d.read(n)
}

// readLine reads up to and excluding the next newline (text opcodes).
func (d *Decoder) readLine() (string, error) {
	for i := d.pos; i < len(d.data); i++ {
		if d.data[i] == '\n' {
			s := string(d.data[d.pos:i])
			d.pos = i + 1
			if len(s) > 0 && s[len(s)-1] == '\r' {
				s = s[:len(s)-1]
			}
			return s, nil
		}
	}
	return "", fmt.Errorf("pickle: offset %d: %s: no end of line: %w", d.op, opName(d.data[d.op]), ErrTruncated)
}

func (d *Decoder) push(v any) { d.stack = append(d.stack, v) }

// floor is the lowest stack index the current opcode may pop.
func (d *Decoder) floor() int {
	if len(d.marks) > 0 {
		return d.marks[len(d.marks)-1]
	}
	return 0
}

func (d *Decoder) pop() (any, error) {
	if len(d.stack) <= d.floor() {
		return nil, d.errorf("stack underflow")
	}
	v := d.stack[len(d.stack)-1]
	d.stack = d.stack[:len(d.stack)-1]
	return v, nil
}

func (d *Decoder) top() (any, error) {
	if len(d.stack) <= d.floor() {
		return nil, d.errorf("stack underflow")
	}
	return d.stack[len(d.stack)-1], nil
}

// popMark pops everything above the last MARK and the mark itself. The
// returned slice is a copy.
func (d *Decoder) popMark() ([]any, error) {
	if len(d.marks) == 0 {
		return nil, d.errorf("no MARK on the stack")
	}
	m := d.marks[len(d.marks)-1]
	d.marks = d.marks[:len(d.marks)-1]
	items := append([]any(nil), d.stack[m:]...)
	d.stack = d.stack[:m]
	return items, nil
}

// popN pops the top n values, in stack order.
func (d *Decoder) popN(n int) ([]any, error) {
	if len(d.stack)-n < d.floor() {
		return nil, d.errorf("stack underflow")
	}
	items := append([]any(nil), d.stack[len(d.stack)-n:]...)
	d.stack = d.stack[:len(d.stack)-n]
	return items, nil
}

func (d *Decoder) memoGet(i uint64) error {
	v, ok := d.memo[i]
	if !ok {
		return d.errorf("memo key %d not found", i)
	}
	d.push(v)
	return nil
}

func (d *Decoder) memoPut(i uint64) error {
	v, err := d.top()
	if err != nil {
		return err
	}
	d.memo[i] = v
	return nil
}

// intValue returns x as int64 when it fits, else as *big.Int.
func intValue(x *big.Int) any {
	if x.IsInt64() {
		return x.Int64()
	}
	return x
}

// decodeLong decodes a little-endian two's-complement integer (LONG1, LONG4).
func decodeLong(b []byte) any {
	if len(b) <= 8 {
		var u uint64
		for i := len(b) - 1; i >= 0; i-- {
			u = u<<8 | uint64(b[i])
		}
		if n := len(b); n > 0 && n < 8 && b[n-1]&0x80 != 0 {
			u |= math.MaxUint64 << (8 * n) // sign-extend
		}
		return int64(u)
	}
	be := make([]byte, len(b))
	for i := range b {
		be[len(b)-1-i] = b[i]
	}
	x := new(big.Int).SetBytes(be)
	if b[len(b)-1]&0x80 != 0 {
		x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return intValue(x)
}
