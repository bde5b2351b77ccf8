package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// maxHeader bounds the header length, as NumPy does (for safety).
const maxHeader = 1 << 20

// Decode reads an array in the .npy format. Fortran-order arrays and
// structured dtypes are errors.
func Decode(r io.Reader) (*Array, error) {
	a, err := decode(r)
	if err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	return a, nil
}

func decode(r io.Reader) (*Array, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, fmt.Errorf("reading magic: %w", truncated(err))
	}
	if !bytes.Equal(pre[:6], magic) {
		return nil, fmt.Errorf("not a .npy file (starts with % x)", pre[:6])
	}
	var n int
	switch major := pre[6]; major {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("reading header length: %w", truncated(err))
		}
		n = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("reading header length: %w", truncated(err))
		}
		n = int(binary.LittleEndian.Uint32(b[:]))
	default:
		return nil, fmt.Errorf("unsupported format version %d.%d", major, pre[7])
	}
	if n > maxHeader {
		return nil, fmt.Errorf("header of %d bytes is too long", n)
	}
	header := make([]byte, n)
	if _, err := io.ReadFull(r, header); err != nil {
		return nil, fmt.Errorf("reading header: %w", truncated(err))
	}
	a, err := parseHeader(string(header))
	if err != nil {
		return nil, fmt.Errorf("header %q: %w", strings.TrimSpace(string(header)), err)
	}
	_, code, err := parseDescr(a.Descr)
	if err != nil {
		return nil, err
	}
	size := itemSizes[code]
	want := size
	for _, d := range a.Shape {
		if d != 0 && want > math.MaxInt/d {
			return nil, fmt.Errorf("shape %v is too large", a.Shape)
		}
		want *= d
	}
	// Read at most what the header promises, growing as data arrives, so a
	// lying header cannot make us allocate more than the file holds.
	data, err := io.ReadAll(io.LimitReader(r, int64(want)))
	if err != nil {
		return nil, fmt.Errorf("reading data: %w", err)
	}
	if len(data) != want {
		return nil, fmt.Errorf("shape %v of %s needs %d data bytes, have %d: %w",
			a.Shape, a.Descr, want, len(data), io.ErrUnexpectedEOF)
	}
	a.Data = data
	return a, nil
}

func truncated(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// parseHeader parses the header, a Python dict literal such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (1, 512), }.
func parseHeader(h string) (*Array, error) {
	p := &literal{s: h}
	if !p.eat("{") {
		return nil, errors.New("not a dict")
	}
	a := &Array{}
	seen := map[string]bool{}
	for !p.eat("}") {
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		if !p.eat(":") {
			return nil, fmt.Errorf("no ':' after %q", key)
		}
		switch key {
		case "descr":
			if a.Descr, err = p.str(); err != nil {
				return nil, fmt.Errorf("descr: %w (structured dtypes are not supported)", err)
			}
		case "fortran_order":
			switch {
			case p.eat("False"):
			case p.eat("True"):
				return nil, errors.New("fortran_order arrays are not supported; save C-order arrays (np.ascontiguousarray)")
			default:
				return nil, errors.New("fortran_order is not True or False")
			}
		case "shape":
			if a.Shape, err = p.shape(); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("unknown key %q", key)
		}
		seen[key] = true
		if !p.eat(",") && !p.peek("}") {
			return nil, errors.New("no ',' between items")
		}
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return nil, fmt.Errorf("no %q", k)
		}
	}
	return a, nil
}

// literal scans a Python literal.
type literal struct {
	s string
	i int
}

func (p *literal) skip() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *literal) peek(tok string) bool {
	p.skip()
	return strings.HasPrefix(p.s[p.i:], tok)
}

func (p *literal) eat(tok string) bool {
	if p.peek(tok) {
		p.i += len(tok)
		return true
	}
	return false
}

// str scans a quoted string without escapes (NumPy headers have none).
func (p *literal) str() (string, error) {
	p.skip()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", fmt.Errorf("want a quoted string at byte %d", p.i)
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", errors.New("unterminated string")
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, nil
}

// shape scans a tuple of non-negative ints: (), (3,), (1, 512).
func (p *literal) shape() ([]int, error) {
	if !p.eat("(") {
		return nil, errors.New("shape is not a tuple")
	}
	shape := []int{}
	for !p.eat(")") {
		p.skip()
		j := p.i
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		d, err := strconv.Atoi(p.s[p.i:j])
		if err != nil {
			return nil, fmt.Errorf("bad dimension at byte %d", p.i)
		}
		p.i = j
		p.eat("L") // Python 2 long
		shape = append(shape, d)
		if !p.eat(",") && !p.peek(")") {
			return nil, errors.New("bad shape tuple")
		}
	}
	return shape, nil
}
