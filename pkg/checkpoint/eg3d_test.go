package checkpoint

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/pmvi/pmvi/pkg/checkpoint/npy"
)

// fixtureDir returns shared/fixtures/eg3d beside the repository, or skips.
func fixtureDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("no go.mod above the working directory")
		}
		dir = parent
	}
	fixtures := filepath.Join(dir, "..", "shared", "fixtures", "eg3d")
	if _, err := os.Stat(filepath.Join(fixtures, "tiny", "G.pkl")); err != nil {
		t.Skip("EG3D fixtures not found at ../shared/fixtures/eg3d (relative to the repository root)")
	}
	return fixtures
}

// shapesFile is the part of tiny/shapes.json the tests use.
type shapesFile struct {
	TotalParameters int `json:"total_parameters"`
	Parameters      []struct {
		Name  string `json:"name"`
		Shape []int  `json:"shape"`
		DType string `json:"dtype"`
	} `json:"parameters"`
	Buffers []struct {
		Name  string `json:"name"`
		Shape []int  `json:"shape"`
		DType string `json:"dtype"`
	} `json:"buffers"`
	TensorAttributes []struct {
		Name  string          `json:"name"`
		Shape []int           `json:"shape"`
		Value [][][]float32   `json:"value"`
		Extra json.RawMessage `json:"-"`
	} `json:"tensor_attributes_outside_buffers"`
	Modules []struct {
		Name         string         `json:"name"`
		Class        string         `json:"class"`
		Persistent   bool           `json:"persistent"`
		OriginModule string         `json:"origin_module"`
		Attributes   map[string]any `json:"attributes"`
	} `json:"modules"`
}

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// normalize maps a value through JSON, so that Go ints and the fixture's JSON
// numbers compare equal, and replaces the fixture's numpy scalar records
// {"numpy_scalar": "float64", "value": v} by v.
func normalize(t *testing.T, v any) any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	var unwrap func(any) any
	unwrap = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			if _, ok := v["numpy_scalar"]; ok && len(v) == 2 {
				return v["value"]
			}
			for k, x := range v {
				v[k] = unwrap(x)
			}
		case []any:
			for i, x := range v {
				v[i] = unwrap(x)
			}
		}
		return v
	}
	return unwrap(out)
}

func TestLoadEG3DFixture(t *testing.T) {
	dir := fixtureDir(t)
	net, err := LoadEG3D(filepath.Join(dir, "tiny", "G.pkl"))
	if err != nil {
		t.Fatal(err)
	}
	var shapes shapesFile
	readJSON(t, filepath.Join(dir, "tiny", "shapes.json"), &shapes)

	t.Run("tensors", func(t *testing.T) {
		var params, buffers, attrs []*Tensor
		for _, x := range net.Tensors {
			switch x.Kind {
			case Parameter:
				params = append(params, x)
			case Buffer:
				buffers = append(buffers, x)
			case Attribute:
				attrs = append(attrs, x)
			}
		}
		if len(params) != len(shapes.Parameters) || len(buffers) != len(shapes.Buffers) || len(attrs) != 1 {
			t.Fatalf("%d parameters, %d buffers, %d attributes, want %d, %d, 1",
				len(params), len(buffers), len(attrs), len(shapes.Parameters), len(shapes.Buffers))
		}
		// Same names in the same (state_dict) order, same shapes and dtypes.
		for i, want := range shapes.Parameters {
			if got := params[i]; got.Name != want.Name || !slices.Equal(got.Shape, want.Shape) || got.DType != want.DType {
				t.Errorf("parameter %d: %v, want %q %s%v", i, got, want.Name, want.DType, want.Shape)
			}
		}
		for i, want := range shapes.Buffers {
			if got := buffers[i]; got.Name != want.Name || !slices.Equal(got.Shape, want.Shape) || got.DType != want.DType {
				t.Errorf("buffer %d: %v, want %q %s%v", i, got, want.Name, want.DType, want.Shape)
			}
		}
		if got := net.NumParams(); got != shapes.TotalParameters || got != 3257224 {
			t.Errorf("NumParams() = %d, want %d", got, shapes.TotalParameters)
		}
		for _, x := range net.Tensors {
			if len(x.Float32()) != x.Numel() {
				t.Errorf("%v: %d values, want %d", x, len(x.Float32()), x.Numel())
			}
		}
	})

	t.Run("w_avg", func(t *testing.T) {
		want, shape, err := npy.ReadFloat32(filepath.Join(dir, "tiny", "w_avg.npy"))
		if err != nil {
			t.Fatal(err)
		}
		w, err := net.Tensor("backbone.mapping.w_avg", shape...)
		if err != nil {
			t.Fatal(err)
		}
		got := w.Float32()
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("w_avg[%d] = %v, want %v (bit for bit)", i, got[i], want[i])
			}
		}
	})

	t.Run("plane_axes", func(t *testing.T) {
		want := shapes.TensorAttributes[0]
		axes, err := net.Tensor(want.Name, want.Shape...)
		if err != nil {
			t.Fatal(err)
		}
		if axes.Kind != Attribute {
			t.Errorf("%s is a %s, want an attribute", want.Name, axes.Kind)
		}
		var flat []float32
		for _, m := range want.Value {
			for _, row := range m {
				flat = append(flat, row...)
			}
		}
		if !slices.Equal(axes.Float32(), flat) {
			t.Errorf("plane_axes = %v, want %v", axes.Float32(), flat)
		}
	})

	t.Run("values", func(t *testing.T) {
		// StyleGAN2's resample filter is outer([1,3,3,1]) normalized to sum 1.
		f, err := net.Tensor("backbone.synthesis.b8.conv0.resample_filter", 4, 4)
		if err != nil {
			t.Fatal(err)
		}
		taps := []float32{1, 3, 3, 1}
		for i, v := range f.Float32() {
			if want := taps[i/4] * taps[i%4] / 64; v != want {
				t.Errorf("resample_filter[%d,%d] = %v, want %v", i/4, i%4, v, want)
			}
		}
		// The mapping layers have lr_mul 0.01, so their raw weights are
		// randn/0.01: standard deviation about 100.
		fc0, err := net.Tensor("backbone.mapping.fc0.weight", 512, 1024)
		if err != nil {
			t.Fatal(err)
		}
		if std := stddev(fc0.Float32()); std < 98 || std > 102 {
			t.Errorf("std of mapping.fc0.weight = %v, want about 100", std)
		}
		// Other weights are plain randn.
		conv, _ := net.Tensor("backbone.synthesis.b4.conv1.weight")
		if std := stddev(conv.Float32()); std < 0.98 || std > 1.02 {
			t.Errorf("std of b4.conv1.weight = %v, want about 1", std)
		}
	})

	t.Run("config", func(t *testing.T) {
		var config struct {
			Class                     string         `json:"class"`
			InitArgs                  []any          `json:"init_args"`
			InitKwargs                map[string]any `json:"init_kwargs"`
			RenderingKwargs           map[string]any `json:"rendering_kwargs"`
			NeuralRenderingResolution int            `json:"neural_rendering_resolution"`
		}
		readJSON(t, filepath.Join(dir, "tiny", "config.json"), &config)
		if net.Class != "TriPlaneGenerator" || config.Class != "training.triplane.TriPlaneGenerator" {
			t.Errorf("class %q, want TriPlaneGenerator", net.Class)
		}
		if net.InitArgs == nil || len(net.InitArgs) != len(config.InitArgs) {
			t.Errorf("init args %v, want %v", net.InitArgs, config.InitArgs)
		}
		if got, want := normalize(t, net.InitKwargs), normalize(t, config.InitKwargs); !reflect.DeepEqual(got, want) {
			t.Errorf("init kwargs\n got %v\nwant %v", got, want)
		}
		if got, want := normalize(t, net.RenderingKwargs), normalize(t, config.RenderingKwargs); !reflect.DeepEqual(got, want) {
			t.Errorf("rendering kwargs\n got %v\nwant %v", got, want)
		}
		if net.NeuralRenderingResolution != 128 || config.NeuralRenderingResolution != 128 {
			t.Errorf("neural rendering resolution %d, want 128", net.NeuralRenderingResolution)
		}
		// Go types follow the Python ones.
		if v := net.RenderingKwargs["depth_resolution"]; v != int64(48) {
			t.Errorf("depth_resolution = %#v, want int64(48)", v)
		}
		if v := net.RenderingKwargs["ray_start"]; v != 2.25 {
			t.Errorf("ray_start = %#v, want 2.25", v)
		}
		if v := net.InitKwargs["mapping_kwargs"]; !reflect.DeepEqual(v, map[string]any{"num_layers": int64(2)}) {
			t.Errorf("mapping_kwargs (an EasyDict) = %#v, want map[num_layers:2]", v)
		}
	})

	t.Run("modules", func(t *testing.T) {
		if len(net.Modules) != len(shapes.Modules) {
			t.Errorf("%d modules, want %d", len(net.Modules), len(shapes.Modules))
		}
		for i, want := range shapes.Modules {
			m, err := net.Module(want.Name)
			if err != nil {
				t.Error(err)
				continue
			}
			if i < len(net.Modules) && net.Modules[i] != m {
				t.Errorf("module %d is %q, want %q", i, net.Modules[i].Path, want.Name)
			}
			if m.Class != want.Class || m.Persistent != want.Persistent {
				t.Errorf("module %q: class %s persistent %v, want %s %v", want.Name, m.Class, m.Persistent, want.Class, want.Persistent)
			}
			if !m.Persistent && m.PyModule != want.OriginModule {
				t.Errorf("module %q: Python module %q, want %q", want.Name, m.PyModule, want.OriginModule)
			}
			if got, want := normalize(t, m.Attrs), normalize(t, want.Attributes); !reflect.DeepEqual(got, want) {
				t.Errorf("module %q attributes\n got %v\nwant %v", m.Path, got, want)
			}
		}
		// Typed accessors, and Python's int/float distinction kept.
		conv, _ := net.Module("backbone.synthesis.b4.conv1")
		if g, err := conv.Float("act_gain"); err != nil || g != math.Sqrt2 {
			t.Errorf("act_gain = %v, %v, want sqrt(2)", g, err)
		}
		if up, err := conv.Int("up"); err != nil || up != 1 {
			t.Errorf("up = %v, %v, want 1", up, err)
		}
		if a, err := conv.Text("activation"); err != nil || a != "lrelu" {
			t.Errorf("activation = %q, %v, want lrelu", a, err)
		}
		if noise, err := conv.Bool("use_noise"); err != nil || !noise {
			t.Errorf("use_noise = %v, %v, want true", noise, err)
		}
		if _, err := conv.Float("conv_clamp"); err == nil ||
			err.Error() != `checkpoint: module "backbone.synthesis.b4.conv1" (SynthesisLayer): attribute "conv_clamp" is None, want a number` {
			t.Errorf("Float of None: error %v", err)
		}
		if _, err := conv.Int("nope"); err == nil ||
			err.Error() != `checkpoint: module "backbone.synthesis.b4.conv1" (SynthesisLayer): no attribute "nope"` {
			t.Errorf("missing attribute: error %v", err)
		}
		affine, _ := net.Module("backbone.synthesis.b4.conv1.affine")
		dec, _ := net.Module("decoder.net.0")
		if affine.Attrs["bias_gain"] != int64(1) || dec.Attrs["bias_gain"] != 1.0 {
			t.Errorf("bias_gain = %#v and %#v, want int64(1) and 1.0", affine.Attrs["bias_gain"], dec.Attrs["bias_gain"])
		}
		if wg := affine.Attrs["weight_gain"]; wg != 1/math.Sqrt(512) {
			t.Errorf("weight_gain (numpy float64) = %#v, want 1/sqrt(512)", wg)
		}
	})

	t.Run("lookup errors", func(t *testing.T) {
		_, err := net.Tensor("backbone.synthesis.b4.conv1.weight", 64, 32, 3, 3)
		if want := `checkpoint: G.pkl: G_ema "backbone.synthesis.b4.conv1.weight": shape [64,64,3,3], want [64,32,3,3]`; err == nil || err.Error() != want {
			t.Errorf("mis-shaped tensor: error %v, want %s", err, want)
		}
		_, err = net.Tensor("backbone.synthesis.b4.conv9.weight")
		if want := `checkpoint: G.pkl: no tensor "backbone.synthesis.b4.conv9.weight" (G_ema has 177 tensors)`; err == nil || err.Error() != want {
			t.Errorf("missing tensor: error %v, want %s", err, want)
		}
		_, err = net.Module("backbone.nope")
		if want := `checkpoint: G.pkl: no module "backbone.nope" in G_ema`; err == nil || err.Error() != want {
			t.Errorf("missing module: error %v, want %s", err, want)
		}
	})
}

// TestLoadOtherNetworks reads G (the same object as G_ema in the fixture) and
// the discriminator.
func TestLoadOtherNetworks(t *testing.T) {
	path := filepath.Join(fixtureDir(t), "tiny", "G.pkl")
	g, err := LoadNetwork(path, "G")
	if err != nil {
		t.Fatal(err)
	}
	if g.NumParams() != 3257224 || g.Key != "G" {
		t.Errorf("G: %d parameters, key %q, want 3257224, G", g.NumParams(), g.Key)
	}
	d, err := LoadNetwork(path, "D")
	if err != nil {
		t.Fatal(err)
	}
	if d.Class != "DualDiscriminator" || d.NumParams() == 0 || d.RenderingKwargs != nil || d.NeuralRenderingResolution != 0 {
		t.Errorf("D: class %s, %d parameters, rendering kwargs %v, resolution %d",
			d.Class, d.NumParams(), d.RenderingKwargs, d.NeuralRenderingResolution)
	}
	if _, err := LoadNetwork(path, "augment_pipe"); err == nil ||
		err.Error() != "checkpoint: G.pkl: augment_pipe: root module is None, want a torch module" {
		t.Errorf("augment_pipe (None): error %v", err)
	}
}

func stddev(xs []float32) float64 {
	var sum, sq float64
	for _, x := range xs {
		sum += float64(x)
	}
	mean := sum / float64(len(xs))
	for _, x := range xs {
		sq += (float64(x) - mean) * (float64(x) - mean)
	}
	return math.Sqrt(sq / float64(len(xs)))
}

func BenchmarkLoadEG3D(b *testing.B) {
	path := filepath.Join(fixtureDir(b), "tiny", "G.pkl")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadEG3D(path); err != nil {
			b.Fatal(err)
		}
	}
}
