package checkpoint

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/pmvi/pmvi/pkg/checkpoint/pickle"
)

// storageMaker returns how a storage of the given torch type, element count
// and raw bytes is written in one file format.
type storageMaker func(storageType string, numel int, raw []byte) any

func le32(vs ...float32) []byte {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

func le64(vs ...uint64) []byte {
	b := make([]byte, 8*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint64(b[8*i:], v)
	}
	return b
}

var (
	numpyDType = pickle.Global{Module: "numpy", Name: "dtype"}
	easyDict   = pickle.Global{Module: "dnnlib.util", Name: "EasyDict"}
)

// pickledNumpyScalar writes numpy.<core>.multiarray.scalar(dtype(code), raw) as
// NumPy's pickler does.
func pickledNumpyScalar(core, order, code string, raw []byte) *call {
	dt := &call{fn: numpyDType, args: tuple(code, false, true),
		state: tuple(int64(3), order, nil, nil, nil, int64(-1), int64(-1), int64(0))}
	return &call{fn: pickle.Global{Module: core + ".multiarray", Name: "scalar"}, args: tuple(dt, raw)}
}

// syntheticNetwork builds a small network pickle exercising what the fixture
// does not: every storage dtype, shared storages, offsets and strides, 0-d
// tensors, parameters with state, 7-argument _rebuild_tensor_v2,
// _rebuild_tensor_v3 on an untyped storage, _rebuild_from_type_v2, numpy
// scalars of both module names and both byte orders, torch.Size, EasyDict
// kwargs, plain torch containers, tensor attributes and unknown (inert)
// globals.
func syntheticNetwork(mk storageMaker) *pickle.Dict {
	shared := mk("FloatStorage", 6, le32(1, 2, 3, 4, 5, 6))
	half := mk("HalfStorage", 3, []byte{0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00})
	double := mk("DoubleStorage", 2, le64(math.Float64bits(0.1), math.Float64bits(-3)))
	long := mk("LongStorage", 2, le64(uint64(1<<64-5), 1<<40))
	boolean := mk("BoolStorage", 3, []byte{1, 0, 1})
	bf16 := mk("BFloat16Storage", 1, []byte{0xc0, 0x3f})
	axes := mk("FloatStorage", 2, le32(7, 8))
	untyped := mk("UntypedStorage", 8, le32(-1, 0.25)) // torch 2: bytes, with the dtype in the tensor

	v7 := &call{fn: rebuildTensorV2, args: tuple(double, int64(0), ints(2), ints(1), false, &call{fn: orderedDict}, nil)}
	withState := &call{fn: pickle.Global{Module: "torch._utils", Name: "_rebuild_parameter_with_state"},
		args: tuple(tensorOf(shared, 4, ints(2), ints(1)), true, &call{fn: orderedDict}, dict("extra", int64(1)))}
	params := dict(
		"weight", parameter(tensorOf(shared, 0, ints(2, 3), ints(3, 1))),
		"weight_t", parameter(tensorOf(shared, 0, ints(3, 2), ints(1, 3))), // transposed view of the same storage
		"tail", withState,
		"scalar", parameter(tensorOf(shared, 2, ints(), ints())),
		"bias", nil,
		"half", parameter(contiguousTensor(half, 3)),
		"double", parameter(v7),
	)
	v3 := &call{fn: pickle.Global{Module: "torch._utils", Name: "_rebuild_tensor_v3"},
		args: tuple(untyped, int64(0), ints(2), ints(1), false, &call{fn: orderedDict}, pickle.Global{Module: "torch", Name: "float32"})}
	fromType := &call{fn: pickle.Global{Module: "torch._tensor", Name: "_rebuild_from_type_v2"},
		args: tuple(rebuildTensorV2, pickle.Global{Module: "torch", Name: "Tensor"}, tuple(shared, int64(1), ints(2), ints(2), false, &call{fn: orderedDict}), dict())}
	buffers := dict(
		"v3", v3,
		"from_type", fromType,
		"count", contiguousTensor(long, 2),
		"mask", contiguousTensor(boolean, 3),
		"bf", contiguousTensor(bf16),
	)
	layer := persistent("FullyConnectedLayer", moduleState(params, buffers, dict(),
		"weight_gain", pickledNumpyScalar("numpy.core", "<", "f8", le64(math.Float64bits(1/math.Sqrt(512)))),
		"gain32", pickledNumpyScalar("numpy._core", "<", "f4", le32(0.5)),
		"steps", pickledNumpyScalar("numpy.core", ">", "i4", []byte{0xff, 0xff, 0xff, 0xfe}),
		"flag", pickledNumpyScalar("numpy.core", "|", "b1", []byte{1}),
		"activation", "lrelu",
		"size", &call{fn: pickle.Global{Module: "torch", Name: "Size"}, args: tuple(&pickle.List{Items: []any{int64(4), int64(4)}})},
		"sizes", tuple(int64(1), "two"),
		"fn", pickle.Global{Module: "torch.nn.functional", Name: "silu"},
		"axes", contiguousTensor(axes, 2),
	))
	seq := &object{
		cls:   pickle.Global{Module: "torch.nn.modules.container", Name: "Sequential"},
		state: moduleState(dict(), dict(), dict("0", layer, "1", nil)),
	}
	root := persistent("TriPlaneGenerator", moduleState(dict(), dict(), dict("net", seq),
		"rendering_kwargs", dict("ray_start", 2.25, "depth_resolution", int64(48), "avg_camera_pivot", &pickle.List{Items: []any{int64(0), int64(0), 0.2}}),
		"neural_rendering_resolution", int64(64),
		"_init_args", tuple(),
		"_init_kwargs", dict("z_dim", int64(8), "conv_clamp", nil, "mapping_kwargs", &object{cls: easyDict, items: dict("num_layers", int64(2))}),
	))
	unsafe := &call{fn: pickle.Global{Module: "os", Name: "system"}, args: tuple("echo never run")}
	return dict("training_set_kwargs", dict("hook", unsafe), "G", root, "D", nil, "G_ema", root)
}

// checkSynthetic checks what syntheticNetwork stored.
func checkSynthetic(t *testing.T, net *Network) {
	t.Helper()
	type want struct {
		name, dtype string
		kind        Kind
		shape       []int
		values      []float32
	}
	wants := []want{
		{"net.0.weight", "float32", Parameter, []int{2, 3}, []float32{1, 2, 3, 4, 5, 6}},
		{"net.0.weight_t", "float32", Parameter, []int{3, 2}, []float32{1, 4, 2, 5, 3, 6}},
		{"net.0.tail", "float32", Parameter, []int{2}, []float32{5, 6}},
		{"net.0.scalar", "float32", Parameter, []int{}, []float32{3}},
		{"net.0.half", "float16", Parameter, []int{3}, []float32{1, -2, 5.9604645e-08}},
		{"net.0.double", "float64", Parameter, []int{2}, []float32{float32(0.1), -3}},
		{"net.0.v3", "float32", Buffer, []int{2}, []float32{-1, 0.25}},
		{"net.0.from_type", "float32", Buffer, []int{2}, []float32{2, 4}},
		{"net.0.count", "int64", Buffer, []int{2}, []float32{-5, 1 << 40}},
		{"net.0.mask", "bool", Buffer, []int{3}, []float32{1, 0, 1}},
		{"net.0.bf", "bfloat16", Buffer, []int{}, []float32{1.5}},
		{"net.0.axes", "float32", Attribute, []int{2}, []float32{7, 8}},
	}
	if len(net.Tensors) != len(wants) {
		t.Errorf("%d tensors, want %d", len(net.Tensors), len(wants))
	}
	for i, w := range wants {
		if i >= len(net.Tensors) {
			break
		}
		got := net.Tensors[i]
		if got.Name != w.name || got.DType != w.dtype || got.Kind != w.kind || !slices.Equal(got.Shape, w.shape) ||
			!slices.Equal(got.Float32(), w.values) {
			t.Errorf("tensor %d: %v %s %v, want %q %s%v %s %v",
				i, got, got.Kind, got.Float32(), w.name, w.dtype, w.shape, w.kind, w.values)
		}
	}
	if count, _ := net.Tensor("net.0.count"); !slices.Equal(count.Int64(), []int64{-5, 1 << 40}) {
		t.Errorf("int64 buffer = %v, want [-5 %d] exactly", count.Int64(), int64(1<<40))
	}
	if w, _ := net.Tensor("net.0.weight"); w.Int64() != nil {
		t.Errorf("Int64() of a float tensor = %v, want nil", w.Int64())
	}
	if got := net.NumParams(); got != 6+6+2+1+3+2 {
		t.Errorf("NumParams() = %d, want 20", got)
	}

	if net.Class != "TriPlaneGenerator" || net.NeuralRenderingResolution != 64 {
		t.Errorf("class %q resolution %d, want TriPlaneGenerator 64", net.Class, net.NeuralRenderingResolution)
	}
	wantKwargs := map[string]any{"z_dim": int64(8), "conv_clamp": nil, "mapping_kwargs": map[string]any{"num_layers": int64(2)}}
	if !reflect.DeepEqual(net.InitKwargs, wantKwargs) || net.InitArgs == nil || len(net.InitArgs) != 0 {
		t.Errorf("init args %#v kwargs %#v, want [] and %#v", net.InitArgs, net.InitKwargs, wantKwargs)
	}
	wantRendering := map[string]any{"ray_start": 2.25, "depth_resolution": int64(48), "avg_camera_pivot": []any{int64(0), int64(0), 0.2}}
	if !reflect.DeepEqual(net.RenderingKwargs, wantRendering) {
		t.Errorf("rendering kwargs %#v, want %#v", net.RenderingKwargs, wantRendering)
	}

	var paths []string
	for _, m := range net.Modules {
		paths = append(paths, m.Path+":"+m.Class)
	}
	if want := []string{":TriPlaneGenerator", "net:Sequential", "net.0:FullyConnectedLayer"}; !slices.Equal(paths, want) {
		t.Errorf("modules %v, want %v", paths, want)
	}
	seq, _ := net.Module("net")
	if seq.Persistent || seq.PyModule != "torch.nn.modules.container" {
		t.Errorf("net: persistent %v, Python module %q", seq.Persistent, seq.PyModule)
	}
	layer, _ := net.Module("net.0")
	wantAttrs := map[string]any{
		"training": false, "weight_gain": 1 / math.Sqrt(512), "gain32": 0.5, "steps": int64(-2), "flag": true,
		"activation": "lrelu", "sizes": []any{int64(1), "two"}, "size": []any{int64(4), int64(4)},
		"fn": pickle.Global{Module: "torch.nn.functional", Name: "silu"},
	}
	if !layer.Persistent || !reflect.DeepEqual(layer.Attrs, wantAttrs) {
		t.Errorf("net.0: persistent %v attributes\n %#v\nwant %#v", layer.Persistent, layer.Attrs, wantAttrs)
	}
}

// TestFormats reads the synthetic network from the three containers:
// an EG3D network pickle (storages as _load_from_bytes blobs), a torch zip
// archive and a legacy torch.save file (storages as persistent ids).
func TestFormats(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{}

	files["eg3d.pkl"] = pickleBytes(4, syntheticNetwork(func(typ string, n int, raw []byte) any { return legacyStorage(typ, n, raw) }))

	zipStorages := map[string][]byte{}
	zipped := pickleBytes(2, syntheticNetwork(func(typ string, numel int, raw []byte) any {
		key := strconv.Itoa(len(zipStorages))
		zipStorages[key] = raw
		return persistentID{tuple("storage", pickle.Global{Module: "torch", Name: typ}, key, "cpu", int64(numel))}
	}))
	files["torch.pt"] = zipArchive(zipped, zipStorages)

	var keys []string
	var numels []int
	var datas [][]byte
	legacyObj := syntheticNetwork(func(typ string, numel int, raw []byte) any {
		key := strconv.Itoa(1000 + len(keys))
		keys, numels, datas = append(keys, key), append(numels, numel), append(datas, raw)
		return storageID(typ, key, numel)
	})
	files["legacy.pt"] = legacyFile(legacyObj, keys, numels, datas)

	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			net, err := LoadEG3D(path)
			if err != nil {
				t.Fatal(err)
			}
			checkSynthetic(t, net)
		})
	}
}

// TestStorageView reads a legacy storage view: a storage that is a window
// into another (view metadata in the persistent id).
func TestStorageView(t *testing.T) {
	root := storageID("FloatStorage", "7", 5)
	view := persistentID{tuple("storage", pickle.Global{Module: "torch", Name: "FloatStorage"}, "7", "cpu", int64(5), tuple("8", int64(2), int64(3)))}
	obj := dict("all", contiguousTensor(root, 5), "window", contiguousTensor(view, 3))
	path := filepath.Join(t.TempDir(), "view.pt")
	if err := os.WriteFile(path, legacyFile(obj, []string{"7"}, []int{5}, [][]byte{le32(10, 11, 12, 13, 14)}), 0o644); err != nil {
		t.Fatal(err)
	}
	v, err := LoadTorch(path)
	if err != nil {
		t.Fatal(err)
	}
	window, _ := v.(*pickle.Dict).Get("window")
	if w, ok := window.(*Tensor); !ok || !slices.Equal(w.Float32(), []float32{12, 13, 14}) {
		t.Errorf("window = %v, want [12 13 14]", window)
	}
}

// TestLoadTorchStateDict reads a torch.save'd state_dict (zip format) and
// names its tensors by their keys.
func TestLoadTorchStateDict(t *testing.T) {
	stateDict := dict(
		"fc.weight", contiguousTensor(persistentID{tuple("storage", pickle.Global{Module: "torch", Name: "FloatStorage"}, "0", "cpu", int64(4))}, 2, 2),
		"fc.bias", parameter(contiguousTensor(persistentID{tuple("storage", pickle.Global{Module: "torch", Name: "HalfStorage"}, "1", "cpu", int64(2))}, 2)),
	)
	top := dict("model", stateDict, "step", int64(3), "nested", &pickle.List{Items: []any{stateDict}})
	data := zipArchive(pickleBytes(2, top), map[string][]byte{"0": le32(1, 2, 3, 4), "1": {0x00, 0x3c, 0x00, 0x40}})
	path := filepath.Join(t.TempDir(), "state.pt")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	v, err := LoadTorch(path)
	if err != nil {
		t.Fatal(err)
	}
	model, _ := v.(*pickle.Dict).Get("model")
	w, _ := model.(*pickle.Dict).Get("fc.weight")
	b, _ := model.(*pickle.Dict).Get("fc.bias")
	wt, ok1 := w.(*Tensor)
	bt, ok2 := b.(*Tensor)
	if !ok1 || !ok2 {
		t.Fatalf("state dict values are %T and %T, want *Tensor", w, b)
	}
	if wt.Name != "model.fc.weight" || !slices.Equal(wt.Shape, []int{2, 2}) || !slices.Equal(wt.Float32(), []float32{1, 2, 3, 4}) {
		t.Errorf("weight: %v %v", wt, wt.Float32())
	}
	if bt.Name != "model.fc.bias" || bt.Kind != Parameter || bt.DType != "float16" || !slices.Equal(bt.Float32(), []float32{1, 2}) {
		t.Errorf("bias: %v %s %v", bt, bt.Kind, bt.Float32())
	}
	if step, _ := v.(*pickle.Dict).Get("step"); step != int64(3) {
		t.Errorf("step = %v, want 3", step)
	}
}

// TestZipSharesMemory checks that stored zip entries are not copied: the
// tensor data is converted once, straight from the file's bytes.
func TestZipSharesMemory(t *testing.T) {
	data := zipArchive([]byte("x"), map[string][]byte{"0": le32(1, 2)})
	v, err := loadZipEntry(data, "archive/data/0")
	if err != nil {
		t.Fatal(err)
	}
	if i := bytes.Index(data, le32(1, 2)); i < 0 || &data[i] != &v[0] {
		t.Errorf("stored zip entry was copied")
	}
}

// loadZipEntry returns one entry of a zip through zipBytes.
func loadZipEntry(data []byte, name string) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	for _, f := range zr.File {
		if f.Name == name {
			return zipBytes(data, f)
		}
	}
	return nil, os.ErrNotExist
}
