package pickle

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode checks that no input makes the decoder (or a walk over what it
// returns) panic or hang. Run it with
//
//	go test ./pkg/checkpoint/pickle -run '^$' -fuzz FuzzDecode -fuzztime 60s
func FuzzDecode(f *testing.F) {
	for protocol := range 6 {
		if data, err := os.ReadFile(filepath.Join("testdata", "values.p"+string(rune('0'+protocol))+".pkl")); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{
		"S'a\\n\\x41'\n.", "(K\x01S'x'\nimod\nCls\n.", "cm\nC\n)\x81}S'a'\nK\x01sb.",
		"\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\xff.", "(S'storage'\nK\x03tQ.", "\x8f(K\x01K\x02\x90.",
		"ccollections\nOrderedDict\n]K\x01K\x02\x86a\x85R.", "]2a.",
	} {
		f.Add([]byte(s))
	}
	// The start of the EG3D fixture: persistent-class records, OrderedDicts,
	// numpy scalars and the first storage blobs.
	if root, ok := moduleRoot(); ok {
		if data, err := os.ReadFile(filepath.Join(root, "..", "shared", "fixtures", "eg3d", "tiny", "G.pkl")); err == nil {
			f.Add(data[:12000])
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Decode(data)
		if err == nil {
			_ = repr(v)
		}
	})
}

// moduleRoot returns the directory holding go.mod, searching up from the
// working directory.
func moduleRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}
