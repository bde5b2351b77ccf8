package checkpoint

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math"
	"math/big"

	"github.com/pmvi/pmvi/pkg/checkpoint/pickle"
)

// A minimal pickle writer for tests: it writes what torch and EG3D write
// (calls, NEWOBJ+BUILD objects, persistent ids, memo sharing) so that tests
// can build networks, storages and files that the fixture does not contain.

// call is REDUCE(fn, args), then BUILD(state) when state is set. Used by
// pointer: the same *call written twice is memoized, as a shared storage is
// in a real pickle.
type call struct {
	fn    pickle.Global
	args  pickle.Tuple
	state any
}

// object is NEWOBJ(cls, ()) followed by SETITEMS (items) and BUILD (state).
type object struct {
	cls   pickle.Global
	items *pickle.Dict
	state any
}

// persistentID is written as BINPERSID.
type persistentID struct{ id any }

type pickler struct {
	bytes.Buffer
	memo map[any]uint32
}

// pickleBytes returns one pickle of v.
func pickleBytes(protocol byte, v any) []byte {
	p := &pickler{memo: map[any]uint32{}}
	p.Write([]byte{0x80, protocol})
	p.value(v)
	p.WriteByte('.')
	return p.Bytes()
}

func (p *pickler) u32(op byte, n int) {
	p.WriteByte(op)
	p.Write(binary.LittleEndian.AppendUint32(nil, uint32(n)))
}

func (p *pickler) value(v any) {
	switch v.(type) {
	case *call, *object, *pickle.Dict, *pickle.List:
		if i, ok := p.memo[v]; ok {
			p.u32('j', int(i)) // LONG_BINGET
			return
		}
	}
	// put memoizes v; containers and objects are memoized before they are
	// filled, as Python does, so that they may contain themselves.
	put := func() {
		i := uint32(len(p.memo))
		p.memo[v] = i
		p.u32('r', int(i)) // LONG_BINPUT
	}
	switch v := v.(type) {
	case nil:
		p.WriteByte('N')
	case bool:
		if v {
			p.WriteByte(0x88)
		} else {
			p.WriteByte(0x89)
		}
	case int:
		p.value(int64(v))
	case int64:
		if v == int64(int32(v)) {
			p.u32('J', int(v))
		} else {
			p.value(big.NewInt(v))
		}
	case *big.Int:
		p.long1(v)
	case float64:
		p.WriteByte('G')
		p.Write(binary.BigEndian.AppendUint64(nil, math.Float64bits(v)))
	case string:
		p.u32('X', len(v))
		p.WriteString(v)
	case []byte:
		p.u32('B', len(v))
		p.Write(v)
	case pickle.Tuple:
		p.WriteByte('(')
		for _, x := range v {
			p.value(x)
		}
		p.WriteByte('t')
	case *pickle.List:
		p.WriteByte(']')
		put()
		p.WriteByte('(')
		for _, x := range v.Items {
			p.value(x)
		}
		p.WriteByte('e')
	case *pickle.Dict:
		p.WriteByte('}')
		put()
		p.setItems(v)
	case pickle.Global:
		p.WriteString("c" + v.Module + "\n" + v.Name + "\n")
	case *call:
		p.value(v.fn)
		p.value(v.args)
		p.WriteByte('R')
		put()
		if v.state != nil {
			p.value(v.state)
			p.WriteByte('b')
		}
	case *object:
		p.value(v.cls)
		p.WriteString(")\x81") // EMPTY_TUPLE NEWOBJ
		put()
		if v.items != nil {
			p.setItems(v.items)
		}
		if v.state != nil {
			p.value(v.state)
			p.WriteByte('b')
		}
	case persistentID:
		p.value(v.id)
		p.WriteByte('Q')
	default:
		panic("pickler: unsupported value")
	}
}

func (p *pickler) setItems(d *pickle.Dict) {
	p.WriteByte('(')
	for k, x := range d.All() {
		p.value(k)
		p.value(x)
	}
	p.WriteByte('u')
}

// long1 writes a LONG1 in two's complement, little endian.
func (p *pickler) long1(x *big.Int) {
	n := (x.BitLen() + 8) / 8 // room for the sign bit
	mod := new(big.Int).Lsh(big.NewInt(1), uint(8*n))
	u := new(big.Int).Set(x)
	if x.Sign() < 0 {
		u.Add(u, mod)
	}
	be := u.FillBytes(make([]byte, n))
	p.Write([]byte{0x8a, byte(n)})
	for i := n - 1; i >= 0; i-- {
		p.WriteByte(be[i])
	}
}

// dict builds a *pickle.Dict from alternating keys and values.
func dict(kv ...any) *pickle.Dict {
	d := pickle.NewDict()
	for i := 0; i < len(kv); i += 2 {
		d.Set(kv[i], kv[i+1])
	}
	return d
}

func tuple(xs ...any) pickle.Tuple { return pickle.Tuple(xs) }

func ints(xs ...int) pickle.Tuple {
	t := make(pickle.Tuple, len(xs))
	for i, x := range xs {
		t[i] = int64(x)
	}
	return t
}

var (
	orderedDict      = pickle.Global{Module: "collections", Name: "OrderedDict"}
	rebuildTensorV2  = pickle.Global{Module: "torch._utils", Name: "_rebuild_tensor_v2"}
	rebuildParameter = pickle.Global{Module: "torch._utils", Name: "_rebuild_parameter"}
	loadFromBytes    = pickle.Global{Module: "torch.storage", Name: "_load_from_bytes"}
	persistentObj    = pickle.Global{Module: "torch_utils.persistence", Name: "_reconstruct_persistent_obj"}
)

// storageID is a legacy persistent id for a storage.
func storageID(storageType, key string, numel int) persistentID {
	return persistentID{tuple("storage", pickle.Global{Module: "torch", Name: storageType}, key, "cpu", int64(numel), nil)}
}

// legacyFile writes torch's legacy serialization of obj, whose storages are
// persistentIDs; data holds each key's raw bytes and element count.
func legacyFile(obj any, keys []string, numels []int, data [][]byte) []byte {
	var b bytes.Buffer
	b.Write(pickleBytes(2, legacyMagic))
	b.Write(pickleBytes(2, int64(legacyProtocolVersion)))
	b.Write(pickleBytes(2, dict("protocol_version", int64(1001), "little_endian", true,
		"type_sizes", dict("short", int64(2), "int", int64(4), "long", int64(4)))))
	b.Write(pickleBytes(2, obj))
	list := &pickle.List{}
	for _, k := range keys {
		list.Items = append(list.Items, k)
	}
	b.Write(pickleBytes(2, list))
	for i := range keys {
		b.Write(binary.LittleEndian.AppendUint64(nil, uint64(numels[i])))
		b.Write(data[i])
	}
	return b.Bytes()
}

// legacyStorage returns an EG3D-style storage: _load_from_bytes of a legacy blob.
func legacyStorage(storageType string, numel int, raw []byte) *call {
	blob := legacyFile(storageID(storageType, "94823", numel), []string{"94823"}, []int{numel}, [][]byte{raw})
	return &call{fn: loadFromBytes, args: tuple(blob)}
}

func float32Storage(vs ...float32) *call {
	raw := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return legacyStorage("FloatStorage", len(vs), raw)
}

// tensorOf is _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()).
func tensorOf(st any, offset int, size, stride pickle.Tuple) *call {
	return &call{fn: rebuildTensorV2, args: tuple(st, int64(offset), size, stride, false, &call{fn: orderedDict})}
}

// contiguousTensor is a C-contiguous tensor over a whole storage.
func contiguousTensor(st any, shape ...int) *call {
	stride := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		stride[i] = s
		s *= shape[i]
	}
	return tensorOf(st, 0, ints(shape...), ints(stride...))
}

func parameter(t *call) *call {
	return &call{fn: rebuildParameter, args: tuple(t, false, &call{fn: orderedDict})}
}

// moduleState is the instance dict of a torch module.
func moduleState(params, buffers, modules *pickle.Dict, attrs ...any) *pickle.Dict {
	state := dict("training", false,
		"_parameters", params, "_buffers", buffers,
		"_non_persistent_buffers_set", &call{fn: pickle.Global{Module: "builtins", Name: "set"}},
		"_forward_hooks", &call{fn: orderedDict},
		"_modules", modules)
	for i := 0; i < len(attrs); i += 2 {
		state.Set(attrs[i], attrs[i+1])
	}
	return state
}

// persistent is an EG3D persistent-class record.
func persistent(class string, state *pickle.Dict) *call {
	meta := dict("type", "class", "version", int64(6), "module_src", "# source of "+class, "class_name", class, "state", state)
	return &call{fn: persistentObj, args: tuple(meta)}
}

// zipArchive writes a torch zip archive holding data.pkl and the storages.
func zipArchive(pkl []byte, storages map[string][]byte) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	add := func(name string, data []byte) {
		f, _ := w.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		f.Write(data)
	}
	add("archive/data.pkl", pkl)
	add("archive/byteorder", []byte("little"))
	for k, v := range storages {
		add("archive/data/"+k, v)
	}
	add("archive/version", []byte("3\n"))
	w.Close()
	return b.Bytes()
}
