package checkpoint

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pmvi/pmvi/pkg/checkpoint/pickle"
)

// TestTruncatedFixture cuts the fixture at several offsets, inside the
// header, inside storage blobs and near the end.
func TestTruncatedFixture(t *testing.T) {
	path := filepath.Join(fixtureDir(t), "tiny", "G.pkl")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 2, 11, 300, 8000, 8700, len(data) / 3, len(data) / 2, len(data) - 100, len(data) - 1} {
		_, err := readNetwork(data[:n], "G_ema")
		if err == nil {
			t.Errorf("G.pkl cut at %d bytes: no error", n)
			continue
		}
		if !errors.Is(err, pickle.ErrTruncated) || !strings.Contains(err.Error(), "truncated or corrupt pickle") {
			t.Errorf("G.pkl cut at %d bytes: error %q, want a truncated pickle", n, err)
		}
	}
	// Through the file API, the error names the file.
	cut := filepath.Join(t.TempDir(), "G.pkl")
	if err := os.WriteFile(cut, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = LoadEG3D(cut)
	if err == nil || !strings.HasPrefix(err.Error(), "checkpoint: G.pkl: truncated or corrupt pickle: pickle: offset ") {
		t.Errorf("error %v, want it to name the file and the offset", err)
	}
}

func TestLoadErrors(t *testing.T) {
	empty := func() *pickle.Dict { return dict() }
	module := func(params *pickle.Dict) *call {
		return persistent("Layer", moduleState(params, empty(), empty()))
	}
	withGEMA := func(g any) []byte { return pickleBytes(4, dict("G", g, "D", nil, "G_ema", g)) }
	qtensor := &call{fn: pickle.Global{Module: "torch._utils", Name: "_rebuild_qtensor"}, args: tuple(int64(1))}
	storage := func(blob []byte) *call { return &call{fn: loadFromBytes, args: tuple(blob)} }
	goodBlob := legacyStorage("FloatStorage", 2, le32(1, 2)).args[0].([]byte)
	cycle := &object{cls: pickle.Global{Module: "m", Name: "Loop"}}
	cycle.state = moduleState(empty(), empty(), dict("self", cycle))
	notTorch := func() []byte {
		var b bytes.Buffer
		w := zip.NewWriter(&b)
		f, _ := w.Create("hello.txt")
		f.Write([]byte("hi"))
		w.Close()
		return b.Bytes()
	}

	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty file", nil, "empty file"},
		{"not a pickle", []byte("hello world, not a pickle"), "not a pickle or torch file (starts with 68 65 6c 6c 6f 20 77 6f)"},
		{"unknown opcode", []byte("\x80\x04\xff."), "truncated or corrupt pickle: pickle: offset 2: unknown opcode 0xff"},
		{"top level list", pickleBytes(4, &pickle.List{}), `top level is a list, want a dict with "G_ema"`},
		{"no G_ema", pickleBytes(4, dict("G", nil, "D", nil)), `no "G_ema" in the pickle (top-level keys: "G", "D")`},
		{"G_ema None", withGEMA(nil), "G_ema: root module is None, want a torch module"},
		{"unknown callable", withGEMA(&call{fn: pickle.Global{Module: "os", Name: "system"}, args: tuple("rm -rf /")}),
			"G_ema: root module is os.system(...), which is not interpreted (want a persistent-class record or a torch module)"},
		{"unknown class without state", withGEMA(&object{cls: pickle.Global{Module: "evil", Name: "Thing"}}),
			"G_ema: root module is a evil.Thing object without an instance dict, want a torch module"},
		{"not a module", withGEMA(&object{cls: pickle.Global{Module: "m", Name: "C"}, state: dict("x", int64(1))}),
			"G_ema: root module (C): _parameters is None, want a dict: not a torch.nn.Module"},
		{"persistent function record", withGEMA(&call{fn: persistentObj, args: tuple(dict("type", "function"))}),
			`G_ema: root module: persistent record of type "function", want "class"`},
		{"module inside itself", withGEMA(cycle), `G_ema: module "self" contains itself`},
		{"unknown tensor constructor", withGEMA(module(dict("w", qtensor))),
			`G_ema: parameter "w": unsupported tensor constructor torch._utils._rebuild_qtensor (only plain dense CPU tensors and parameters are read)`},
		{"unknown callable as tensor", withGEMA(module(dict("w", &call{fn: pickle.Global{Module: "os", Name: "system"}, args: tuple()}))),
			`G_ema: parameter "w": unsupported tensor constructor os.system`},
		{"int as tensor", withGEMA(module(dict("w", int64(3)))), `G_ema: parameter "w": 3 is not a tensor`},
		{"unknown storage type", withGEMA(module(dict("w", contiguousTensor(legacyStorage("QInt8Storage", 2, []byte{1, 2}), 2)))),
			`parameter "w": torch.storage._load_from_bytes: main pickle: pickle: offset 204: persistent id: unsupported storage type torch.QInt8Storage`},
		{"tensor past its storage", withGEMA(module(dict("w", tensorOf(storage(goodBlob), 1, ints(2), ints(1))))),
			`parameter "w": size [2], stride [1] at offset 1 reach past the end of a storage of 2 elements`},
		{"too many elements", withGEMA(module(dict("w", tensorOf(storage(goodBlob), 0, ints(3), ints(1))))),
			`parameter "w": size [3] has more elements than its storage (2)`},
		{"stride length", withGEMA(module(dict("w", tensorOf(storage(goodBlob), 0, ints(2, 1), ints(1))))),
			`parameter "w": size [2,1] and stride [1] differ in length`},
		{"negative offset", withGEMA(module(dict("w", tensorOf(storage(goodBlob), -1, ints(1), ints(1))))),
			`parameter "w": storage offset -1 out of range [0, 2]`},
		{"storage blob bad magic", withGEMA(module(dict("w", contiguousTensor(storage(pickleBytes(2, int64(7))), 2)))),
			`parameter "w": torch.storage._load_from_bytes: not a legacy torch file: magic number is 7`},
		{"storage blob truncated", withGEMA(module(dict("w", contiguousTensor(storage(goodBlob[:len(goodBlob)-3]), 2)))),
			`storage 94823: need 8 bytes of data at byte`},
		{"zip without data.pkl", notTorch(), "torch zip archive: zip has no <archive>/data.pkl: not a torch archive"},
		{"zip without a storage", zipArchive(withGEMA(module(dict("w", contiguousTensor(persistentID{tuple("storage",
			pickle.Global{Module: "torch", Name: "FloatStorage"}, "5", "cpu", int64(2))}, 2)))), nil),
			"torch zip archive: pickle: offset"},
		{"truncated zip", zipArchive(withGEMA(module(empty())), nil)[:40], "torch zip archive: reading zip"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "bad.pkl")
			if err := os.WriteFile(path, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadEG3D(path)
			if err == nil {
				t.Fatalf("no error, want one containing %q", tt.want)
			}
			if !strings.HasPrefix(err.Error(), "checkpoint: bad.pkl: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n %s\nwant it to start with \"checkpoint: bad.pkl: \" and contain\n %s", err, tt.want)
			}
		})
	}
	if _, err := LoadEG3D(filepath.Join(dir, "missing.pkl")); err == nil || !strings.Contains(err.Error(), "missing.pkl") {
		t.Errorf("missing file: error %v", err)
	}
}

// TestInertGlobals checks that unknown globals off the G_ema path, or in
// module attributes, are kept as inert values and do not stop loading.
func TestInertGlobals(t *testing.T) {
	odd := &call{fn: pickle.Global{Module: "subprocess", Name: "call"}, args: tuple("x")}
	layer := persistent("Layer", moduleState(dict("w", parameter(contiguousTensor(legacyStorage("FloatStorage", 1, le32(4)), 1))), dict(), dict(),
		"callback", odd))
	data := pickleBytes(4, dict("extra", odd, "G_ema", layer))
	path := filepath.Join(t.TempDir(), "inert.pkl")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	net, err := LoadEG3D(path)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := net.Module("")
	obj, ok := m.Attrs["callback"].(*pickle.Object)
	if !ok || obj.Name() != "subprocess.call" || !obj.Call {
		t.Errorf("callback attribute = %#v, want the inert subprocess.call record", m.Attrs["callback"])
	}
	if w, err := net.Tensor("w", 1); err != nil || w.Float32()[0] != 4 {
		t.Errorf("w = %v, %v", w, err)
	}
}
