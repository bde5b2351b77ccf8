package lpips

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A minimal torch.save writer (zip and legacy formats, pickle protocol 2) for the state_dicts the loader reads: an
// OrderedDict of tensors with a _metadata attribute, as torchvision's and lpips's files hold, plus the few
// plain values the error tests need. Python writes memo opcodes and TUPLE1..3; the decoder reads either.

// entry is one key of a state_dict.
type entry struct {
	key   string
	value any // fakeTensor, or a plain value (int, string, []any)
}

// fakeDict is an OrderedDict of entries.
type fakeDict []entry

// fakeTensor is a tensor to write: its own storage when values is set, else a view at offset 0 of the file's
// shared storage (so a full-size VGG16 file stays small).
type fakeTensor struct {
	shape  []int
	values []float32
	long   bool // a LongStorage (int64) tensor
}

type torchWriter struct {
	bytes.Buffer
	storages map[string][]byte
	shared   int  // elements of the shared float storage "shared"
	legacy   bool // persistent ids of the legacy format (with view metadata)

	sharedNumelAt []int // offsets of the BININT payloads that must hold the shared storage's final size
}

// writeTorch writes top as a torch zip file (torch.save since PyTorch 1.6) at dir/name and returns its
// path. Tensors without values view a shared storage of small values large enough for the biggest of them.
func writeTorch(t testing.TB, dir, name string, top any) string {
	t.Helper()
	pkl, storages := encodeTorch(top, false)
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	add := func(name string, data []byte) {
		f, err := z.CreateHeader(&zip.FileHeader{Name: "archive/" + name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		f.Write(data)
	}
	add("data.pkl", pkl)
	add("byteorder", []byte("little"))
	for _, k := range slices.Sorted(maps.Keys(storages)) {
		add("data/"+k, storages[k])
	}
	add("version", []byte("3\n"))
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, dir, name, b.Bytes())
}

// writeLegacyTorch writes top in torch's legacy format (torch.save before PyTorch 1.6, which is how
// torchvision's vgg16-397923af.pth and lpips's v0.1 files were saved): pickles of the magic number, the
// protocol version, sys_info, the object and its storage keys, then each storage's size and bytes.
func writeLegacyTorch(t testing.TB, dir, name string, top any) string {
	t.Helper()
	pkl, storages := encodeTorch(top, true)
	var b bytes.Buffer
	header := func(value func(w *torchWriter)) {
		w := &torchWriter{}
		w.Write([]byte{0x80, 2})
		value(w)
		w.WriteByte('.')
		b.Write(w.Bytes())
	}
	header(func(w *torchWriter) { // LONG1 0x1950a86a20f9469cfc6c, little endian
		w.Write([]byte{0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19})
	})
	header(func(w *torchWriter) { w.int(1001) })
	header(func(w *torchWriter) {
		w.WriteString("}(")
		w.str("protocol_version")
		w.int(1001)
		w.str("little_endian")
		w.WriteByte(0x88) // NEWTRUE
		w.WriteByte('u')
	})
	b.Write(pkl)
	keys := slices.Sorted(maps.Keys(storages))
	header(func(w *torchWriter) {
		w.WriteString("](")
		for _, k := range keys {
			w.str(k)
		}
		w.WriteByte('e')
	})
	for _, k := range keys {
		size := 4
		if strings.HasPrefix(k, "long") {
			size = 8
		}
		b.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(storages[k])/size)))
		b.Write(storages[k])
	}
	return writeFile(t, dir, name, b.Bytes())
}

// encodeTorch returns the pickle of top and the raw bytes of its storages by key.
func encodeTorch(top any, legacy bool) (pkl []byte, storages map[string][]byte) {
	w := &torchWriter{storages: map[string][]byte{}, legacy: legacy}
	w.Write([]byte{0x80, 2}) // PROTO 2
	w.value(top)
	w.WriteByte('.') // STOP
	pkl = w.Bytes()
	for _, at := range w.sharedNumelAt {
		binary.LittleEndian.PutUint32(pkl[at:], uint32(w.shared))
	}
	if w.shared > 0 {
		raw := make([]byte, 4*w.shared)
		for i := range w.shared {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(float32(i%7)*0.01))
		}
		w.storages["shared"] = raw
	}
	return pkl, w.storages
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func (w *torchWriter) global(module, name string) { w.WriteString("c" + module + "\n" + name + "\n") }

func (w *torchWriter) int(n int) {
	w.WriteByte('J') // BININT
	w.Write(binary.LittleEndian.AppendUint32(nil, uint32(int32(n))))
}

func (w *torchWriter) str(s string) {
	w.WriteByte('X') // BINUNICODE
	w.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(s))))
	w.WriteString(s)
}

func (w *torchWriter) ints(xs []int) {
	w.WriteByte('(') // MARK
	for _, x := range xs {
		w.int(x)
	}
	w.WriteByte('t') // TUPLE
}

// orderedDict writes collections.OrderedDict() called with no arguments.
func (w *torchWriter) orderedDict() {
	w.global("collections", "OrderedDict")
	w.WriteString(")R") // EMPTY_TUPLE REDUCE
}

func (w *torchWriter) value(v any) {
	switch v := v.(type) {
	case int:
		w.int(v)
	case string:
		w.str(v)
	case []any:
		w.WriteString("](") // EMPTY_LIST MARK
		for _, x := range v {
			w.value(x)
		}
		w.WriteByte('e') // APPENDS
	case fakeDict:
		w.orderedDict()
		w.WriteByte('(')
		for _, e := range v {
			w.str(e.key)
			w.value(e.value)
		}
		w.WriteByte('u') // SETITEMS
		// BUILD {'_metadata': OrderedDict()}, as torch's state_dict() carries.
		w.WriteString("}(")
		w.str("_metadata")
		w.orderedDict()
		w.WriteString("ub")
	case fakeTensor:
		n := 1
		for _, d := range v.shape {
			n *= d
		}
		key, storageType := "shared", "FloatStorage"
		switch {
		case v.long:
			key, storageType = fmt.Sprint("long", len(w.storages)), "LongStorage"
			w.storages[key] = make([]byte, 8*n)
		case v.values != nil:
			key = fmt.Sprint(len(w.storages))
			raw := make([]byte, 4*n)
			for i, x := range v.values {
				binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(x))
			}
			w.storages[key] = raw
		default:
			w.shared = max(w.shared, n)
		}
		stride := make([]int, len(v.shape))
		s := 1
		for i := len(v.shape) - 1; i >= 0; i-- {
			stride[i] = s
			s *= v.shape[i]
		}
		w.global("torch._utils", "_rebuild_tensor_v2")
		w.WriteByte('(')
		// Persistent id ('storage', torch.<Type>Storage, key, 'cpu', numel). Every view of the shared storage
		// must give its full size, known only at the end: writeTorch patches those numels.
		w.WriteByte('(')
		w.str("storage")
		w.global("torch", storageType)
		w.str(key)
		w.str("cpu")
		if key == "shared" {
			w.sharedNumelAt = append(w.sharedNumelAt, w.Len()+1)
		}
		w.int(n)
		if w.legacy {
			w.WriteByte('N') // no view
		}
		w.WriteString("tQ") // TUPLE BINPERSID
		w.int(0)            // storage offset
		w.ints(v.shape)
		w.ints(stride)
		w.WriteByte(0x89) // NEWFALSE: requires_grad
		w.orderedDict()   // backward hooks
		w.WriteString("tR")
	default:
		panic(fmt.Sprintf("torchWriter: unsupported %T", v))
	}
}
