package lpips

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// weightDicts returns m's weights as the two files hold them: torchvision's backbone state_dict (with a
// classifier tensor the loader must ignore) and lpips's linear layers. With shared, tensors view one shared
// storage instead of holding m's values (small files for full-size VGG16).
func weightDicts(m *Model, shared bool) (backbone, linear fakeDict) {
	for _, p := range m.Net.params() {
		ft := fakeTensor{shape: p.shape}
		if !shared {
			ft.values = tensors.MustCopyFlatData[float32](m.values[p.name])
		}
		if strings.HasPrefix(p.name, "lin") {
			linear = append(linear, entry{p.name, ft})
		} else {
			backbone = append(backbone, entry{p.name, ft})
		}
	}
	backbone = append(backbone, entry{"classifier.1.weight", fakeTensor{shape: []int{4, 2}, values: make([]float32, 8)}})
	return backbone, linear
}

// replaced returns sd with key's value set to v (appended if absent), or removed when v is nil.
func replaced(sd fakeDict, key string, v any) fakeDict {
	out := slices.Clone(sd)
	for i, e := range out {
		if e.key == key {
			if v == nil {
				return slices.Delete(out, i, i+1)
			}
			out[i].value = v
			return out
		}
	}
	return append(out, entry{key, v})
}

// renamed returns sd with every key passed through fn.
func renamed(sd fakeDict, fn func(string) string) fakeDict {
	out := slices.Clone(sd)
	for i := range out {
		out[i].key = fn(out[i].key)
	}
	return out
}

func assertSameWeights(t *testing.T, got, want *Model) {
	t.Helper()
	if got.Net != want.Net || len(got.values) != len(want.values) {
		t.Fatalf("loaded %v with %d tensors, want %v with %d", got.Net, len(got.values), want.Net, len(want.values))
	}
	for name, w := range want.values {
		g, ok := got.values[name]
		if !ok {
			t.Fatalf("loaded model lacks %q", name)
		}
		if !slices.Equal(tensors.MustCopyFlatData[float32](g), tensors.MustCopyFlatData[float32](w)) ||
			!slices.Equal(g.Shape().Dimensions, w.Shape().Dimensions) {
			t.Fatalf("%q differs after the round trip", name)
		}
	}
}

// TestLoadRoundTrip writes a model's weights in the layouts the loader accepts and reads them back exactly.
func TestLoadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	want := NewUntrained(AlexNet, 3)
	backbone, linear := weightDicts(want, false)
	sliceOf := map[string]int{}
	for s, st := range AlexNet.stages() {
		for _, c := range st.convs {
			sliceOf[c.weightName()], sliceOf[c.biasName()] = s+1, s+1
		}
	}
	// A whole LPIPS module's state_dict: "net.slice<s>.<i>.*", "lin<k>.model.1.weight", ScalingLayer buffers.
	module := renamed(backbone[:len(backbone)-1], func(k string) string {
		return fmt.Sprint("net.slice", sliceOf[k], ".", strings.TrimPrefix(k, "features."))
	})
	module = append(module, linear...)
	module = append(module, entry{"scaling_layer.shift", fakeTensor{shape: []int{1, 3, 1, 1}, values: []float32{-.03, -.088, -.188}}})
	cases := []struct {
		name             string
		backbone, linear fakeDict
		sameFile, legacy bool
	}{
		{"torchvision and lpips files", backbone, linear, false, false},
		{"legacy format (pre-1.6 torch.save)", backbone, linear, false, true},
		{"linear layers without dropout (model.0)", backbone, renamed(linear, func(k string) string {
			return strings.Replace(k, ".model.1.", ".model.0.", 1)
		}), false, false},
		{"one LPIPS module state_dict", module, nil, true, false},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			write := writeTorch
			if tc.legacy {
				write = writeLegacyTorch
			}
			bp := write(t, dir, fmt.Sprint("backbone", i, ".pth"), tc.backbone)
			lp := bp
			if !tc.sameFile {
				lp = write(t, dir, fmt.Sprint("lin", i, ".pth"), tc.linear)
			}
			got, err := Load(AlexNet, bp, lp)
			if err != nil {
				t.Fatal(err)
			}
			assertSameWeights(t, got, want)
		})
	}
}

// TestLoadErrors checks that every kind of bad input gives an error naming the file, tensor and expectation.
func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	alex := NewUntrained(AlexNet, 1)
	alexBackbone, alexLinear := weightDicts(alex, false)
	vggBackbone, vggLinear := weightDicts(NewUntrained(VGG16, 1), true)
	write := func(name string, top any) string { return writeTorch(t, dir, name, top) }
	goodBackbone := write(AlexNet.BackboneFile(), alexBackbone)
	goodLinear := write(AlexNet.LinearFile(), alexLinear)
	notTorch := filepath.Join(dir, "notes.pth")
	if err := os.WriteFile(notTorch, []byte("these are not weights\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	nan := slices.Clone(alexLinear[0].value.(fakeTensor).values)
	nan[3] = float32(math.NaN())

	cases := []struct {
		name             string
		net              Net
		backbone, linear string
		unavailable      bool
		want             []string // substrings of the error
	}{
		{"no paths", AlexNet, "", "", true, []string{
			"lpips: weights unavailable: LPIPS-alex needs", "alexnet-owt-7be5be79.pth",
			"https://download.pytorch.org/models/alexnet-owt-7be5be79.pth", "lpips/weights/v0.1/alex.pth",
			"PMVI_LPIPS_ALEX", "PMVI_LPIPS_ALEX_LIN", "PMVI_LPIPS_DIR", "downloads nothing"}},
		{"no linear path", VGG16, goodBackbone, "", true, []string{
			"vgg16-397923af.pth (https://download.pytorch.org/models/vgg16-397923af.pth)", "lpips/weights/v0.1/vgg.pth"}},
		{"missing file", AlexNet, filepath.Join(dir, "absent.pth"), goodLinear, true, []string{
			"lpips: weights unavailable:", "absent.pth", "no such file"}},
		{"not a torch file", AlexNet, notTorch, goodLinear, false, []string{
			"lpips: " + notTorch + " is not a readable torch file: checkpoint: notes.pth"}},
		{"not a state_dict", AlexNet, goodBackbone, write("list.pth", []any{1, "two"}), false, []string{
			"lpips: list.pth: holds a list, want a state_dict"}},
		{"wrong shape", VGG16,
			write(VGG16.BackboneFile(), replaced(vggBackbone, "features.28.weight", fakeTensor{shape: []int{512, 256, 3, 3}})),
			write(VGG16.LinearFile(), vggLinear), false, []string{
				`lpips: vgg16-397923af.pth: "features.28.weight": shape [512,256,3,3], want [512,512,3,3]`}},
		{"backbone of the other net", VGG16, goodBackbone, goodLinear, false, []string{
			`lpips: alexnet-owt-7be5be79.pth: "features.0.weight": shape [64,3,11,11], want [64,3,3,3]`}},
		{"missing tensor", AlexNet, write("nobias.pth", replaced(alexBackbone, "features.10.bias", nil)), goodLinear, false, []string{
			`lpips: nobias.pth: missing "features.10.bias" (float[256])`}},
		{"missing linear layer", AlexNet, goodBackbone, write("nolin3.pth", replaced(alexLinear, "lin3.model.1.weight", nil)), false, []string{
			`lpips: nolin3.pth: missing "lin3.model.1.weight" (float[1,256,1,1])`}},
		{"files swapped", AlexNet, goodLinear, goodBackbone, false, []string{
			`lpips: alex.pth: missing "features.0.weight" (float[64,3,11,11]): this looks like the lpips linear layers, not a torchvision backbone`}},
		{"backbone as linear file", AlexNet, goodBackbone, goodBackbone, false, []string{
			`missing "lin0.model.1.weight" (float[1,64,1,1]): this looks like a torchvision backbone`}},
		{"empty state_dict", AlexNet, goodBackbone, write("empty.pth", fakeDict{}), false, []string{
			`lpips: empty.pth: missing "lin0.model.1.weight" (float[1,64,1,1]): the state_dict is empty`}},
		{"integer tensor", AlexNet, write("long.pth", replaced(alexBackbone, "features.3.bias", fakeTensor{shape: []int{192}, long: true})), goodLinear, false, []string{
			`lpips: long.pth: "features.3.bias": dtype int64, want a floating-point tensor`}},
		{"not a tensor", AlexNet, write("int.pth", replaced(alexBackbone, "features.0.weight", 7)), goodLinear, false, []string{
			`lpips: int.pth: "features.0.weight" holds an int, want a tensor`}},
		{"NaN", AlexNet, goodBackbone, write("nan.pth", replaced(alexLinear, "lin0.model.1.weight", fakeTensor{shape: []int{1, 64, 1, 1}, values: nan})), false, []string{
			`lpips: nan.pth: "lin0.model.1.weight": value NaN at index 3`}},
		{"unknown net", Net(7), goodBackbone, goodLinear, false, []string{"lpips: unknown net Net(7)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Load(tc.net, tc.backbone, tc.linear)
			if err == nil {
				t.Fatalf("Load gave a %v model, want an error", m.Net)
			}
			t.Log(err)
			if got := errors.Is(err, ErrUnavailable); got != tc.unavailable {
				t.Errorf("errors.Is(err, ErrUnavailable) = %v, want %v; err: %v", got, tc.unavailable, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
		})
	}
}

// TestLoadFromEnv checks the environment lookup: a folder of standard names, per-file variables that take
// precedence over it, and the unavailable error when nothing is set.
func TestLoadFromEnv(t *testing.T) {
	dir := t.TempDir()
	want := NewUntrained(AlexNet, 5)
	backbone, linear := weightDicts(want, false)
	writeTorch(t, dir, AlexNet.BackboneFile(), backbone)
	writeTorch(t, dir, AlexNet.LinearFile(), linear)
	other := t.TempDir()
	otherLinear := writeTorch(t, other, "mine.pth", renamed(linear, func(k string) string { return k }))
	for _, v := range []string{EnvDir, "PMVI_LPIPS_ALEX", "PMVI_LPIPS_ALEX_LIN"} {
		t.Setenv(v, "")
	}

	if _, err := LoadFromEnv(AlexNet); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("empty environment: err = %v, want ErrUnavailable", err)
	}
	t.Setenv(EnvDir, dir)
	got, err := LoadFromEnv(AlexNet)
	if err != nil {
		t.Fatal(err)
	}
	assertSameWeights(t, got, want)
	if _, err := LoadFromEnv(VGG16); !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "vgg16-397923af.pth") {
		t.Errorf("VGG16 absent from the folder: err = %v, want ErrUnavailable naming vgg16-397923af.pth", err)
	}
	t.Setenv("PMVI_LPIPS_ALEX_LIN", otherLinear)
	if b, l := EnvPaths(AlexNet); b != filepath.Join(dir, AlexNet.BackboneFile()) || l != otherLinear {
		t.Errorf("EnvPaths = %q, %q, want the folder's backbone and $PMVI_LPIPS_ALEX_LIN", b, l)
	}
	if _, err := LoadFromEnv(AlexNet); err != nil {
		t.Error(err)
	}
}

func TestNetNames(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Net
	}{{"alex", AlexNet}, {"AlexNet", AlexNet}, {"vgg", VGG16}, {"VGG16", VGG16}} {
		got, err := ParseNet(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseNet(%q) = %v, %v, want %v", tc.in, got, err, tc.want)
		}
		if back, _ := ParseNet(got.String()); back != got {
			t.Errorf("ParseNet(%v.String()) = %v", got, back)
		}
	}
	if _, err := ParseNet("squeeze"); err == nil || !strings.Contains(err.Error(), `unknown net "squeeze"`) {
		t.Errorf("ParseNet(squeeze) error = %v", err)
	}
	if b, l := VGG16.EnvVars(); b != "PMVI_LPIPS_VGG" || l != "PMVI_LPIPS_VGG_LIN" {
		t.Errorf("VGG16.EnvVars() = %q, %q", b, l)
	}
}
