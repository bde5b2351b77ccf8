package shape

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
)

// ErrFormat is returned (wrapped) when a file is not a dlib shape predictor.
var ErrFormat = errors.New("shape: not a dlib shape predictor")

// decoder reads dlib's portable serialization: integers as a byte holding the length (low nibble) and sign
// (0x80) followed by that many little-endian magnitude bytes; floats as an integer mantissa and an integer
// power-of-two exponent; containers as their length followed by their elements.
type decoder struct {
	r   *bufio.Reader
	off int64
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: at byte %d: %s", ErrFormat, d.off, fmt.Sprintf(format, args...))
	}
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	b, err := d.r.ReadByte()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		d.err = fmt.Errorf("%w: at byte %d: %v", ErrFormat, d.off, err)
		return 0
	}
	d.off++
	return b
}

// int reads one integer of at most maxBytes magnitude bytes.
func (d *decoder) int(maxBytes int) int64 {
	head := d.byte()
	n := int(head & 0x0f)
	if n > maxBytes || head&0x70 != 0 {
		d.fail("integer header %#x, want at most %d bytes", head, maxBytes)
		return 0
	}
	var v uint64
	for i := 0; i < n; i++ {
		v |= uint64(d.byte()) << (8 * i)
	}
	if head&0x80 != 0 {
		return -int64(v)
	}
	return int64(v)
}

// count reads a container length, rejecting negative or absurd values before anything is allocated.
func (d *decoder) count(what string, limit int) int {
	n := d.int(8)
	if d.err == nil && (n < 0 || n > int64(limit)) {
		d.fail("%s has %d elements, want 0..%d", what, n, limit)
		return 0
	}
	return int(n)
}

// float reads dlib's float_details: mantissa * 2^exponent.
func (d *decoder) float() float32 {
	mantissa := d.int(8)
	exponent := d.int(2)
	return float32(math.Ldexp(float64(mantissa), int(exponent)))
}

// column reads a matrix<float,0,1>. dlib writes the dimensions negated (the current format) or as they are
// (older files).
func (d *decoder) column(what string) []float32 {
	rows, cols := d.int(8), d.int(8)
	if rows < 0 {
		rows, cols = -rows, -cols
	}
	if d.err == nil && (cols != 1 || rows > 1<<16) {
		d.fail("%s is a %dx%d matrix, want a column vector", what, rows, cols)
	}
	if d.err != nil {
		return nil
	}
	v := make([]float32, rows)
	for i := range v {
		v[i] = d.float()
	}
	return v
}
