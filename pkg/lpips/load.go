package lpips

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/pmvi/pmvi/pkg/checkpoint"
	"github.com/pmvi/pmvi/pkg/checkpoint/pickle"
)

// ErrUnavailable is wrapped by the errors of Load and LoadFromEnv when a weight file was not supplied or does
// not exist: LPIPS cannot be computed, and callers (losses, metrics) report it as unavailable. The error's
// text says which files to supply and where they come from.
var ErrUnavailable = errors.New("lpips: weights unavailable")

// EnvDir names an environment variable holding a folder with the weight files under their standard names
// (Net.BackboneFile and Net.LinearFile), used for whichever of a net's two paths its own variables leave
// unset (see Net.EnvVars).
const EnvDir = "PMVI_LPIPS_DIR"

// EnvVars returns the names of the environment variables holding the paths of the net's weight files:
// PMVI_LPIPS_ALEX and PMVI_LPIPS_ALEX_LIN for AlexNet, PMVI_LPIPS_VGG and PMVI_LPIPS_VGG_LIN for VGG16.
func (n Net) EnvVars() (backbone, linear string) {
	backbone = "PMVI_LPIPS_" + strings.ToUpper(n.String())
	return backbone, backbone + "_LIN"
}

// EnvPaths returns the weight paths of net named by the environment (see EnvVars and EnvDir); "" for a path
// the environment does not name.
func EnvPaths(net Net) (backbone, linear string) {
	backboneVar, linearVar := net.EnvVars()
	backbone, linear = os.Getenv(backboneVar), os.Getenv(linearVar)
	if dir := os.Getenv(EnvDir); dir != "" {
		if backbone == "" {
			backbone = filepath.Join(dir, net.BackboneFile())
		}
		if linear == "" {
			linear = filepath.Join(dir, net.LinearFile())
		}
	}
	return backbone, linear
}

// LoadFromEnv is Load with the paths of EnvPaths. Without them the error wraps ErrUnavailable.
func LoadFromEnv(net Net) (*Model, error) {
	backbone, linear := EnvPaths(net)
	return Load(net, backbone, linear)
}

// Load returns the LPIPS model of net (version 0.1) from the torchvision backbone weights at backbonePath
// (Net.BackboneFile: vgg16-397923af.pth or alexnet-owt-7be5be79.pth, a state_dict with "features.<i>.weight"
// and ".bias") and the lpips linear layers at linearPath (Net.LinearFile from lpips/weights/v0.1, a state_dict
// with "lin<k>.model.1.weight"). Both files are torch.save files, zip or legacy format. A whole LPIPS
// module's state_dict ("net.slice<s>.<i>.weight", "lin<k>.model.1.weight") serves as either file.
//
// Every tensor the model uses is checked for presence, shape, a floating-point dtype and finite values;
// other tensors (torchvision's classifier) are ignored. An empty or nonexistent path gives an error wrapping
// ErrUnavailable that says where the files come from; other errors name the file and tensor concerned.
func Load(net Net, backbonePath, linearPath string) (*Model, error) {
	if net != AlexNet && net != VGG16 {
		return nil, fmt.Errorf("lpips: unknown net %v", net)
	}
	if backbonePath == "" || linearPath == "" {
		return nil, unavailable(net)
	}
	backbone, err := readStateDict(backbonePath)
	if err != nil {
		return nil, err
	}
	linear := backbone
	if linearPath != backbonePath {
		if linear, err = readStateDict(linearPath); err != nil {
			return nil, err
		}
	}
	m := &Model{Net: net, values: map[string]*tensors.Tensor{}}
	stageOf := map[string]int{} // backbone param name -> stage, for lpips's module names
	for s, st := range net.stages() {
		for _, c := range st.convs {
			stageOf[c.weightName()], stageOf[c.biasName()] = s, s
		}
	}
	for _, p := range net.params() {
		var t *tensors.Tensor
		if s, ok := stageOf[p.name]; ok {
			// "features.5.weight" is "net.slice2.5.weight" in an LPIPS module's state_dict.
			alt := fmt.Sprintf("net.slice%d.%s", s+1, strings.TrimPrefix(p.name, "features."))
			t, err = backbone.tensor(p, p.name, alt)
		} else {
			t, err = linear.tensor(p, p.name, strings.Replace(p.name, ".model.1.", ".model.0.", 1))
		}
		if err != nil {
			return nil, err
		}
		m.values[p.name] = t
	}
	return m, nil
}

// unavailable returns the ErrUnavailable error for net, saying what to supply.
func unavailable(net Net) error {
	backboneVar, linearVar := net.EnvVars()
	return fmt.Errorf("%w: LPIPS-%s needs torchvision's backbone %s (%s) and the lpips v0.1 linear layers %s "+
		"(lpips/weights/v0.1/%s in github.com/richzhang/PerceptualSimilarity or the lpips PyPI package); "+
		"pass their paths, or set %s and %s (or %s to a folder holding both); pmvi downloads nothing",
		ErrUnavailable, net, net.BackboneFile(), net.BackboneURL(), net.LinearFile(), net.LinearFile(),
		backboneVar, linearVar, EnvDir)
}

// stateDict is a torch state_dict read from a file.
type stateDict struct {
	file    string // base name, for errors
	entries *pickle.Dict
}

// readStateDict reads the state_dict saved at path.
func readStateDict(path string) (*stateDict, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	v, err := checkpoint.LoadTorch(path)
	if err != nil {
		return nil, fmt.Errorf("lpips: %s is not a readable torch file: %w", path, err)
	}
	d, ok := v.(*pickle.Dict)
	if !ok {
		return nil, fmt.Errorf("lpips: %s: holds %s, want a state_dict (a dict of tensors)", filepath.Base(path), kindOf(v))
	}
	return &stateDict{file: filepath.Base(path), entries: d}, nil
}

// tensor returns the float32 values of p, stored under one of names, after checking them.
func (sd *stateDict) tensor(p param, names ...string) (*tensors.Tensor, error) {
	var v any
	name, found := "", false
	for _, name = range names {
		if v, found = sd.entries.Get(name); found {
			break
		}
	}
	if !found {
		return nil, fmt.Errorf("lpips: %s: missing %q (float%s)%s", sd.file, p.name, shapeString(p.shape), sd.hint(p.name))
	}
	t, ok := v.(*checkpoint.Tensor)
	if !ok {
		return nil, fmt.Errorf("lpips: %s: %q holds %s, want a tensor", sd.file, name, kindOf(v))
	}
	if !slices.Equal(t.Shape, p.shape) {
		return nil, fmt.Errorf("lpips: %s: %q: shape %s, want %s", sd.file, name, shapeString(t.Shape), shapeString(p.shape))
	}
	if t.Int64() != nil {
		return nil, fmt.Errorf("lpips: %s: %q: dtype %s, want a floating-point tensor", sd.file, name, t.DType)
	}
	data := t.Float32()
	for i, x := range data {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil, fmt.Errorf("lpips: %s: %q: value %v at index %d", sd.file, name, x, i)
		}
	}
	return tensors.FromFlatDataAndDimensions(slices.Clone(data), p.shape...), nil
}

// hint explains a missing tensor when the file looks like the other kind of weight file, or is empty.
func (sd *stateDict) hint(missing string) string {
	has := func(prefix string) bool {
		for k := range sd.entries.All() {
			if s, ok := k.(string); ok && strings.HasPrefix(s, prefix) {
				return true
			}
		}
		return false
	}
	switch {
	case sd.entries.Len() == 0:
		return ": the state_dict is empty"
	case strings.HasPrefix(missing, "lin") && has("features."):
		return ": this looks like a torchvision backbone, not the lpips linear layers"
	case strings.HasPrefix(missing, "features.") && has("lin0."):
		return ": this looks like the lpips linear layers, not a torchvision backbone"
	}
	return ""
}

// kindOf describes a decoded pickle value for errors by its Python type, with an article.
func kindOf(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		return "a bool"
	case int64, *big.Int:
		return "an int"
	case float64:
		return "a float"
	case string:
		return "a str"
	case *pickle.Dict:
		return "a dict"
	case *pickle.List:
		return "a list"
	case pickle.Tuple:
		return "a tuple"
	case *checkpoint.Tensor:
		return "a tensor"
	case *pickle.Object:
		return "a Python object " + v.Name()
	}
	return fmt.Sprintf("a %T", v)
}

// shapeString formats a shape as "[512,512,3,3]".
func shapeString(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(parts, ",") + "]"
}
