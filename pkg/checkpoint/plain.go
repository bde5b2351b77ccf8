package checkpoint

import (
	"encoding/binary"
	"math"
	"math/big"

	"github.com/pmvi/pmvi/pkg/checkpoint/pickle"
)

// Limits of plain: deeper values (or cycles) and values past the budget (a
// short pickle can share one list many times over) stay as pickle values.
const (
	maxPlainDepth  = 64
	maxPlainValues = 1 << 20
)

// plain converts a decoded pickle value into JSON-like Go values:
// map[string]any for dicts with string keys (dict, OrderedDict, EasyDict),
// []any for lists, tuples, sets and torch.Size, and float64, int64 or bool
// for numpy scalars. nil, bool, int64, float64, string and []byte stay as
// they are, and so do the values it cannot map (big ints, dicts with other
// keys, other objects and globals).
func plain(v any) any {
	budget := maxPlainValues
	return plainDepth(v, 0, &budget)
}

func plainDepth(v any, depth int, budget *int) any {
	*budget--
	if depth > maxPlainDepth || *budget < 0 {
		return v
	}
	list := func(items []any) []any {
		out := make([]any, len(items))
		for i, x := range items {
			out[i] = plainDepth(x, depth+1, budget)
		}
		return out
	}
	switch v := v.(type) {
	case pickle.Tuple:
		return list(v)
	case *pickle.List:
		return list(v.Items)
	case *pickle.Set:
		return list(v.Items)
	case *pickle.Dict:
		if m, ok := plainMap(v, depth, budget); ok {
			return m
		}
	case *pickle.Object:
		if x, ok := numpyScalar(v); ok {
			return x
		}
		// torch.Size([...]) is a tuple subclass.
		if v.Call && v.Is("torch", "Size") && len(v.Args) == 1 {
			if l, ok := v.Args[0].(*pickle.List); ok {
				return list(l.Items)
			}
		}
		// A dict subclass (dnnlib.util.EasyDict): NEWOBJ, then SETITEMS.
		if v.Items != nil && !v.Call && v.State == nil {
			if m, ok := plainMap(v.Items, depth, budget); ok {
				return m
			}
		}
	}
	return v
}

func plainMap(d *pickle.Dict, depth int, budget *int) (map[string]any, bool) {
	m := make(map[string]any, d.Len())
	for k, x := range d.All() {
		key, ok := k.(string)
		if !ok {
			return nil, false
		}
		m[key] = plainDepth(x, depth+1, budget)
	}
	return m, true
}

// numpyScalar decodes numpy.core.multiarray.scalar(dtype, raw) (NumPy 2:
// numpy._core.multiarray.scalar), with dtype numpy.dtype(code, ...) whose
// BUILD state gives the byte order. Integers become int64, floats float64.
func numpyScalar(obj *pickle.Object) (any, bool) {
	if !obj.Call || len(obj.Args) != 2 ||
		!obj.Is("numpy.core.multiarray", "scalar") && !obj.Is("numpy._core.multiarray", "scalar") {
		return nil, false
	}
	dt, ok := obj.Args[0].(*pickle.Object)
	if !ok || !dt.Is("numpy", "dtype") || len(dt.Args) == 0 {
		return nil, false
	}
	code, ok := dt.Args[0].(string)
	if !ok || len(code) < 2 {
		return nil, false
	}
	var raw []byte
	switch r := obj.Args[1].(type) {
	case []byte:
		raw = r
	case string: // Python 2 str
		raw = []byte(r)
	default:
		return nil, false
	}
	var order binary.ByteOrder = binary.LittleEndian
	if state, ok := dt.State.(pickle.Tuple); ok && len(state) > 1 && state[1] == ">" {
		order = binary.BigEndian
	}
	kind, size := code[0], code[1:]
	want := map[string]int{"1": 1, "2": 2, "4": 4, "8": 8}[size]
	if want == 0 || len(raw) != want {
		return nil, false
	}
	var u uint64
	switch want {
	case 1:
		u = uint64(raw[0])
	case 2:
		u = uint64(order.Uint16(raw))
	case 4:
		u = uint64(order.Uint32(raw))
	case 8:
		u = order.Uint64(raw)
	}
	switch kind {
	case 'f':
		switch want {
		case 2:
			return float64(halfToFloat32(uint16(u))), true
		case 4:
			return float64(math.Float32frombits(uint32(u))), true
		case 8:
			return math.Float64frombits(u), true
		}
	case 'i':
		shift := 64 - 8*want
		return int64(u<<shift) >> shift, true // sign-extend
	case 'u':
		if u > math.MaxInt64 {
			return new(big.Int).SetUint64(u), true
		}
		return int64(u), true
	case 'b':
		if want == 1 {
			return u != 0, true
		}
	}
	return nil, false
}
