package checkpoint

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pmvi/pmvi/pkg/checkpoint/pickle"
)

// Network is one network of an EG3D network pickle (by default G_ema): its
// tensors by official state_dict name, the non-tensor attributes of each
// submodule, and the configuration stored with it, so that a model is built
// from the file rather than from a preset.
type Network struct {
	Source string // the file it was read from
	Key    string // its top-level key in the pickle, e.g. "G_ema"
	Class  string // the root module's class name, e.g. "TriPlaneGenerator"

	// InitArgs and InitKwargs are the constructor arguments EG3D's
	// persistence records keep (_init_args, _init_kwargs), JSON-like (see
	// Module.Attrs); nil when absent.
	InitArgs   []any
	InitKwargs map[string]any
	// RenderingKwargs is the root's rendering_kwargs attribute; nil when
	// absent (the network is not a TriPlaneGenerator).
	RenderingKwargs map[string]any
	// NeuralRenderingResolution is the root's neural_rendering_resolution
	// attribute: the resolution the generator renders before super-resolution
	// (128 for the released FFHQ models); 0 when absent.
	NeuralRenderingResolution int

	// Tensors holds every parameter and buffer in state_dict order (a
	// module's parameters, its buffers, then its submodules'), with the
	// tensor attributes outside _buffers (renderer.plane_axes) after their
	// module's buffers. Buffers torch marks non-persistent (EG3D has none)
	// are included.
	Tensors []*Tensor
	// Modules holds every module, parents before children; Modules[0] is the
	// root, whose path is "".
	Modules []*Module

	tensors map[string]*Tensor
	modules map[string]*Module
}

// Module is one torch module of a Network.
type Module struct {
	Path  string // dotted path from the root, e.g. "backbone.synthesis.b4.conv1"; "" for the root
	Class string // class name, e.g. "SynthesisLayer"
	// PyModule is the Python module of the class when the pickle names it
	// (e.g. "training.volumetric_rendering.renderer"). It is empty for EG3D's
	// persistent classes, whose records carry the module's source, not its name.
	PyModule   string
	Persistent bool // pickled as an EG3D persistent-class record
	// Attrs holds the attributes of the instance __dict__ whose names do not
	// start with an underscore, except tensors: e.g. "resolution": int64(4),
	// "conv_clamp": nil, "weight_gain": 0.0441941738241592 (a numpy scalar).
	// Values are JSON-like: nil, bool, int64, float64, string,
	// map[string]any (dict, OrderedDict, EasyDict), []any (list, tuple,
	// set); a value that cannot be mapped (a class reference, an object, a
	// big int) stays as its package pickle value.
	Attrs map[string]any
}

// LoadEG3D reads the G_ema network of an EG3D network pickle, as written by
// EG3D's training loop (e.g. ffhqrebalanced512-128.pkl).
func LoadEG3D(path string) (*Network, error) {
	return LoadNetwork(path, "G_ema")
}

// LoadNetwork reads the network stored under key ("G_ema", "G" or "D") in a
// network pickle. The file may also be a torch.save archive of such a dict
// (zip or legacy format).
func LoadNetwork(path, key string) (*Network, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	net, err := readNetwork(data, key)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %s: %w", filepath.Base(path), err)
	}
	net.Source = path
	return net, nil
}

// Tensor returns the tensor with the given official name. When shape is
// given, the tensor must have exactly that shape.
func (n *Network) Tensor(name string, shape ...int) (*Tensor, error) {
	t, ok := n.tensors[name]
	if !ok {
		return nil, fmt.Errorf("checkpoint: %s: no tensor %q (%s has %d tensors)", n.file(), name, n.Key, len(n.Tensors))
	}
	if shape != nil && !slices.Equal(t.Shape, shape) {
		return nil, fmt.Errorf("checkpoint: %s: %s %q: shape %s, want %s",
			n.file(), n.Key, name, shapeString(t.Shape), shapeString(shape))
	}
	return t, nil
}

// Module returns the module at the given dotted path ("" for the root).
func (n *Network) Module(path string) (*Module, error) {
	m, ok := n.modules[path]
	if !ok {
		return nil, fmt.Errorf("checkpoint: %s: no module %q in %s", n.file(), path, n.Key)
	}
	return m, nil
}

// NumParams returns the number of parameter elements (buffers excluded).
func (n *Network) NumParams() int {
	total := 0
	for _, t := range n.Tensors {
		if t.Kind == Parameter {
			total += t.Numel()
		}
	}
	return total
}

func (n *Network) file() string { return filepath.Base(n.Source) }

// Float returns a numeric attribute (int or float) as float64.
func (m *Module) Float(name string) (float64, error) {
	switch v := m.Attrs[name].(type) {
	case float64:
		return v, nil
	case int64:
		return float64(v), nil
	}
	return 0, m.attrError(name, "a number")
}

// Int returns an integer attribute.
func (m *Module) Int(name string) (int, error) {
	if v, ok := m.Attrs[name].(int64); ok {
		return int(v), nil
	}
	return 0, m.attrError(name, "an int")
}

// Bool returns a boolean attribute.
func (m *Module) Bool(name string) (bool, error) {
	if v, ok := m.Attrs[name].(bool); ok {
		return v, nil
	}
	return false, m.attrError(name, "a bool")
}

// Text returns a string attribute.
func (m *Module) Text(name string) (string, error) {
	if v, ok := m.Attrs[name].(string); ok {
		return v, nil
	}
	return "", m.attrError(name, "a string")
}

func (m *Module) attrError(name, want string) error {
	v, ok := m.Attrs[name]
	if !ok {
		return fmt.Errorf("checkpoint: module %q (%s): no attribute %q", m.Path, m.Class, name)
	}
	return fmt.Errorf("checkpoint: module %q (%s): attribute %q is %s, want %s", m.Path, m.Class, name, describe(v), want)
}

// readNetwork decodes a network pickle and reads the network under key.
func readNetwork(data []byte, key string) (*Network, error) {
	top, err := decodeFile(data)
	if err != nil {
		return nil, err
	}
	dict, ok := top.(*pickle.Dict)
	if !ok {
		return nil, fmt.Errorf("top level is %s, want a dict with %q (a network pickle)", describe(top), key)
	}
	root, ok := dict.Get(key)
	if !ok {
		var keys []string
		for k := range dict.All() {
			keys = append(keys, describe(k))
		}
		return nil, fmt.Errorf("no %q in the pickle (top-level keys: %s)", key, strings.Join(keys, ", "))
	}
	r := &networkReader{
		net:     &Network{Key: key, tensors: map[string]*Tensor{}, modules: map[string]*Module{}},
		tensors: newTensorBuilder(),
		open:    map[*pickle.Object]bool{},
	}
	if err := r.module(root, ""); err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	net := r.net
	rootModule := net.Modules[0]
	net.Class = rootModule.Class
	if args, ok := plain(r.rootState["_init_args"]).([]any); ok {
		net.InitArgs = args
	}
	if kwargs, ok := plain(r.rootState["_init_kwargs"]).(map[string]any); ok {
		net.InitKwargs = kwargs
	}
	if rk, ok := rootModule.Attrs["rendering_kwargs"].(map[string]any); ok {
		net.RenderingKwargs = rk
	}
	if res, ok := rootModule.Attrs["neural_rendering_resolution"].(int64); ok {
		net.NeuralRenderingResolution = int(res)
	}
	return net, nil
}

// decodeFile decodes a pickle, a torch zip archive or a legacy torch file.
func decodeFile(data []byte) (any, error) {
	switch {
	case len(data) == 0:
		return nil, fmt.Errorf("empty file")
	case strings.HasPrefix(string(data[:min(len(data), 4)]), "PK\x03\x04"):
		v, err := loadZip(data)
		if err != nil {
			return nil, fmt.Errorf("torch zip archive: %w", err)
		}
		return v, nil
	case isLegacy(data):
		v, err := loadLegacy(data)
		if err != nil {
			return nil, fmt.Errorf("legacy torch file: %w", err)
		}
		return v, nil
	}
	v, err := pickle.Decode(data)
	if err != nil {
		if data[0] != 0x80 { // every pickle of protocol 2 or later starts with PROTO
			return nil, fmt.Errorf("not a pickle or torch file (starts with % x): %w", data[:min(len(data), 8)], err)
		}
		return nil, fmt.Errorf("truncated or corrupt pickle: %w", err)
	}
	return v, nil
}

// maxModuleDepth bounds module nesting (EG3D's is 5).
const maxModuleDepth = 64

type networkReader struct {
	net       *Network
	tensors   *tensorBuilder
	open      map[*pickle.Object]bool // modules being read: a module inside itself is an error
	rootState map[string]any          // the root's raw instance dict
}

// module reads one module and, recursively, its submodules.
func (r *networkReader) module(v any, path string) error {
	where := "module " + fmt.Sprintf("%q", path)
	if path == "" {
		where = "root module"
	}
	obj, ok := v.(*pickle.Object)
	if !ok {
		return fmt.Errorf("%s is %s, want a torch module", where, describe(v))
	}
	if r.open[obj] || strings.Count(path, ".") >= maxModuleDepth {
		return fmt.Errorf("%s contains itself", where)
	}
	r.open[obj] = true
	defer delete(r.open, obj)

	m := &Module{Path: path, Attrs: map[string]any{}}
	var state *pickle.Dict
	switch {
	case obj.Call && obj.Is("torch_utils.persistence", "_reconstruct_persistent_obj"):
		var err error
		m.Class, state, err = persistentRecord(obj)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		m.Persistent = true
	case !obj.Call:
		g, ok := obj.Callable.(pickle.Global)
		state, _ = obj.State.(*pickle.Dict)
		if !ok || state == nil {
			return fmt.Errorf("%s is %s without an instance dict, want a torch module", where, describe(obj))
		}
		m.Class, m.PyModule = g.Name, g.Module
	default:
		return fmt.Errorf("%s is %s, which is not interpreted (want a persistent-class record or a torch module)",
			where, describe(obj))
	}
	where = fmt.Sprintf("%s (%s)", where, m.Class)

	parts := map[string]*pickle.Dict{}
	for _, name := range []string{"_parameters", "_buffers", "_modules"} {
		v, _ := state.Get(name)
		d, ok := v.(*pickle.Dict)
		if !ok {
			return fmt.Errorf("%s: %s is %s, want a dict: not a torch.nn.Module", where, name, describe(v))
		}
		parts[name] = d
	}
	if path == "" {
		r.rootState = map[string]any{}
		for k, v := range state.All() {
			if s, ok := k.(string); ok {
				r.rootState[s] = v
			}
		}
	}

	// Parameters, buffers, then tensor attributes: state_dict order.
	add := func(name string, v any, kind Kind) error {
		full := join(path, name)
		t, err := r.tensors.tensor(v)
		if err != nil {
			return fmt.Errorf("%s %q: %w", kind, full, err)
		}
		named := *t
		named.Name, named.Kind = full, kind
		r.net.Tensors = append(r.net.Tensors, &named)
		r.net.tensors[full] = &named
		return nil
	}
	for _, part := range []struct {
		dict *pickle.Dict
		kind Kind
	}{{parts["_parameters"], Parameter}, {parts["_buffers"], Buffer}} {
		for k, v := range part.dict.All() {
			name, ok := k.(string)
			if !ok {
				return fmt.Errorf("%s: %s name %s is not a string", where, part.kind, describe(k))
			}
			if v == nil { // registered but unset, e.g. a layer without bias
				continue
			}
			if err := add(name, v, part.kind); err != nil {
				return err
			}
		}
	}
	for k, v := range state.All() {
		name, ok := k.(string)
		if !ok || strings.HasPrefix(name, "_") {
			continue // private state: hooks, _init_args, ...
		}
		if isTensor(v) {
			if err := add(name, v, Attribute); err != nil {
				return err
			}
			continue
		}
		m.Attrs[name] = plain(v)
	}
	r.net.Modules = append(r.net.Modules, m)
	r.net.modules[path] = m

	for k, v := range parts["_modules"].All() {
		name, ok := k.(string)
		if !ok {
			return fmt.Errorf("%s: submodule name %s is not a string", where, describe(k))
		}
		if v == nil {
			continue
		}
		if err := r.module(v, join(path, name)); err != nil {
			return err
		}
	}
	return nil
}

// persistentRecord reads the argument of EG3D's
// torch_utils.persistence._reconstruct_persistent_obj(meta): a dict with
// type "class", class_name, module_src and state (the instance dict).
func persistentRecord(obj *pickle.Object) (class string, state *pickle.Dict, err error) {
	if len(obj.Args) != 1 {
		return "", nil, fmt.Errorf("persistent-class record has %d arguments, want 1", len(obj.Args))
	}
	meta, ok := obj.Args[0].(*pickle.Dict)
	if o, isObj := obj.Args[0].(*pickle.Object); isObj && o.Items != nil { // an EasyDict
		meta, ok = o.Items, true
	}
	if !ok {
		return "", nil, fmt.Errorf("persistent-class record is %s, want a dict", describe(obj.Args[0]))
	}
	get := func(k string) any { v, _ := meta.Get(k); return v }
	if t := get("type"); t != "class" {
		return "", nil, fmt.Errorf("persistent record of type %s, want \"class\"", describe(t))
	}
	class, ok = get("class_name").(string)
	if !ok {
		return "", nil, fmt.Errorf("persistent-class record: class_name is %s, want a string", describe(get("class_name")))
	}
	state, ok = get("state").(*pickle.Dict)
	if !ok {
		return "", nil, fmt.Errorf("persistent-class record of %s: state is %s, want a dict", class, describe(get("state")))
	}
	return class, state, nil
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
