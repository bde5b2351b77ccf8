package checkpoint

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math/big"
	"path"
	"strings"

	"github.com/pmvi/pmvi/pkg/checkpoint/pickle"
)

// A storage is torch's flat, typed array under one or more tensors.
type storage struct {
	dtype string
	numel int
	data  []byte // raw little-endian bytes, shared with the file; nil until read (legacy format)

	// A legacy storage view: numel elements of base from element offset.
	base   *storage
	offset int
}

// bytes returns the storage's raw data.
func (s *storage) bytes() ([]byte, error) {
	if s.base != nil {
		raw, err := s.base.bytes()
		if err != nil {
			return nil, err
		}
		size := dtypeSizes[s.dtype]
		if s.offset < 0 || s.numel < 0 || (s.offset+s.numel)*size > len(raw) {
			return nil, fmt.Errorf("storage view of %d elements at %d exceeds its base of %d bytes", s.numel, s.offset, len(raw))
		}
		return raw[s.offset*size : (s.offset+s.numel)*size], nil
	}
	if s.data == nil && s.numel > 0 {
		return nil, fmt.Errorf("storage data was never read")
	}
	return s.data, nil
}

// storageTypes maps torch's storage class names to dtypes.
var storageTypes = map[string]string{
	"FloatStorage": "float32", "DoubleStorage": "float64", "HalfStorage": "float16",
	"BFloat16Storage": "bfloat16", "LongStorage": "int64", "IntStorage": "int32",
	"ShortStorage": "int16", "CharStorage": "int8", "ByteStorage": "uint8", "BoolStorage": "bool",
	"UntypedStorage": "uint8",
}

// storageDType returns the dtype of a storage class reference such as
// GLOBAL 'torch FloatStorage'.
func storageDType(v any) (string, error) {
	g, ok := v.(pickle.Global)
	if !ok || g.Module != "torch" {
		return "", fmt.Errorf("storage type is %v, want a torch storage class", v)
	}
	dtype, ok := storageTypes[g.Name]
	if !ok {
		return "", fmt.Errorf("unsupported storage type %s", g)
	}
	return dtype, nil
}

// legacyMagic starts every file of torch's legacy (pre-1.6, non-zip)
// serialization format, and every storage blob inside an EG3D network pickle.
var legacyMagic, _ = new(big.Int).SetString("1950a86a20f9469cfc6c", 16)

const legacyProtocolVersion = 1001

// isLegacy reports whether data starts with the legacy torch magic number.
// Only a short prefix is decoded: the magic number's pickle is under 32
// bytes, and any other file must not be decoded twice.
func isLegacy(data []byte) bool {
	v, err := pickle.Decode(data[:min(len(data), 64)])
	if err != nil {
		return false
	}
	x, ok := v.(*big.Int)
	return ok && x.Cmp(legacyMagic) == 0
}

// loadLegacy reads torch's legacy serialization format: pickles of the magic
// number, the protocol version and sys_info; the pickle of the object, whose
// storages are persistent ids; the pickle of the storage keys; then for each
// key an int64 element count and the raw little-endian data.
//
// An EG3D network pickle stores each storage as one such blob
// (torch.storage._load_from_bytes); there the object is the storage itself.
func loadLegacy(data []byte) (any, error) {
	d := pickle.NewDecoder(data)
	magic, err := d.Decode()
	if err != nil {
		return nil, fmt.Errorf("magic number: %w", err)
	}
	if x, ok := magic.(*big.Int); !ok || x.Cmp(legacyMagic) != 0 {
		return nil, fmt.Errorf("not a legacy torch file: magic number is %v, want 0x1950a86a20f9469cfc6c", magic)
	}
	version, err := d.Decode()
	if err != nil {
		return nil, fmt.Errorf("protocol version: %w", err)
	}
	if version != int64(legacyProtocolVersion) {
		return nil, fmt.Errorf("unsupported legacy protocol version %v, want %d", version, legacyProtocolVersion)
	}
	sysInfo, err := d.Decode()
	if err != nil {
		return nil, fmt.Errorf("sys_info: %w", err)
	}
	// type_sizes in sys_info is ignored: torch writes "long: 4" there but
	// always writes 8-byte element counts.
	if info, ok := sysInfo.(*pickle.Dict); ok {
		if le, ok := info.Get("little_endian"); ok && le != true {
			return nil, fmt.Errorf("big-endian files are not supported")
		}
	}

	roots := map[string]*storage{}
	d.PersistentLoad = func(id any) (any, error) {
		t, ok := id.(pickle.Tuple)
		if !ok || len(t) != 6 || t[0] != "storage" {
			return nil, fmt.Errorf("persistent id %v, want ('storage', type, key, location, numel, view)", id)
		}
		dtype, err := storageDType(t[1])
		if err != nil {
			return nil, err
		}
		key, ok1 := t[2].(string)
		n, ok2 := t[4].(int64)
		if !ok1 || !ok2 || n < 0 {
			return nil, fmt.Errorf("storage id %v: bad key or size", id)
		}
		root, ok := roots[key]
		if !ok {
			root = &storage{dtype: dtype, numel: int(n)}
			roots[key] = root
		}
		if t[5] == nil {
			return root, nil
		}
		view, ok := t[5].(pickle.Tuple)
		if !ok || len(view) != 3 {
			return nil, fmt.Errorf("storage %s: bad view metadata %v", key, t[5])
		}
		off, ok1 := view[1].(int64)
		size, ok2 := view[2].(int64)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("storage %s: bad view metadata %v", key, t[5])
		}
		return &storage{dtype: dtype, numel: int(size), base: root, offset: int(off)}, nil
	}
	obj, err := d.Decode()
	if err != nil {
		return nil, fmt.Errorf("main pickle: %w", err)
	}
	d.PersistentLoad = nil
	keysValue, err := d.Decode()
	if err != nil {
		return nil, fmt.Errorf("storage keys: %w", err)
	}
	keys, ok := keysValue.(*pickle.List)
	if !ok {
		return nil, fmt.Errorf("storage keys are a %T, want a list", keysValue)
	}
	pos := d.Offset()
	for _, k := range keys.Items {
		key, _ := k.(string)
		s, ok := roots[key]
		if !ok {
			return nil, fmt.Errorf("storage %v is listed but never used", k)
		}
		if len(data)-pos < 8 {
			return nil, fmt.Errorf("storage %s: size at byte %d: unexpected end of data", key, pos)
		}
		n := binary.LittleEndian.Uint64(data[pos:])
		pos += 8
		if n != uint64(s.numel) {
			return nil, fmt.Errorf("storage %s: %d elements, but its id says %d", key, n, s.numel)
		}
		nbytes := s.numel * dtypeSizes[s.dtype]
		if len(data)-pos < nbytes {
			return nil, fmt.Errorf("storage %s: need %d bytes of data at byte %d, have %d: unexpected end of data",
				key, nbytes, pos, len(data)-pos)
		}
		s.data = data[pos : pos+nbytes : pos+nbytes]
		pos += nbytes
	}
	return obj, nil
}

// loadZip reads torch's zip serialization format (torch.save since 1.6): the
// object pickle in <archive>/data.pkl, each storage in <archive>/data/<key>.
func loadZip(data []byte) (any, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("reading zip: %w", err)
	}
	files := map[string]*zip.File{}
	var pkl *zip.File
	for _, f := range zr.File {
		files[f.Name] = f
		if path.Base(f.Name) == "data.pkl" && strings.Count(f.Name, "/") == 1 {
			pkl = f
		}
	}
	if pkl == nil {
		return nil, fmt.Errorf("zip has no <archive>/data.pkl: not a torch archive")
	}
	prefix := path.Dir(pkl.Name) + "/"
	if f, ok := files[prefix+"byteorder"]; ok {
		b, err := zipBytes(data, f)
		if err != nil {
			return nil, err
		}
		if string(b) != "little" {
			return nil, fmt.Errorf("byte order %q is not supported", b)
		}
	}
	pklData, err := zipBytes(data, pkl)
	if err != nil {
		return nil, err
	}
	loaded := map[string]*storage{}
	d := pickle.NewDecoder(pklData)
	d.PersistentLoad = func(id any) (any, error) {
		t, ok := id.(pickle.Tuple)
		if !ok || len(t) != 5 || t[0] != "storage" {
			return nil, fmt.Errorf("persistent id %v, want ('storage', type, key, location, numel)", id)
		}
		dtype, err := storageDType(t[1])
		if err != nil {
			return nil, err
		}
		key, ok1 := t[2].(string)
		n, ok2 := t[4].(int64)
		if !ok1 || !ok2 || n < 0 {
			return nil, fmt.Errorf("storage id %v: bad key or size", id)
		}
		if s, ok := loaded[key]; ok {
			return s, nil
		}
		f, ok := files[prefix+"data/"+key]
		if !ok {
			return nil, fmt.Errorf("storage %s: no %sdata/%s in the zip", key, prefix, key)
		}
		raw, err := zipBytes(data, f)
		if err != nil {
			return nil, err
		}
		if want := int(n) * dtypeSizes[dtype]; len(raw) != want {
			return nil, fmt.Errorf("storage %s: %d bytes, want %d (%d %s elements)", key, len(raw), want, n, dtype)
		}
		s := &storage{dtype: dtype, numel: int(n), data: raw}
		loaded[key] = s
		return s, nil
	}
	return d.Decode()
}

// zipBytes returns the contents of a zip entry. Stored entries (torch stores
// without compression) share the file's memory instead of being copied.
func zipBytes(data []byte, f *zip.File) ([]byte, error) {
	if f.Method == zip.Store {
		off, err := f.DataOffset()
		if err == nil && off >= 0 && f.UncompressedSize64 == f.CompressedSize64 &&
			f.CompressedSize64 <= uint64(len(data)) && uint64(off) <= uint64(len(data))-f.CompressedSize64 {
			return data[off : off+int64(f.CompressedSize64)], nil
		}
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("zip entry %s: %w", f.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, int64(f.UncompressedSize64)+1))
	if err != nil {
		return nil, fmt.Errorf("zip entry %s: %w", f.Name, err)
	}
	return b, nil
}
