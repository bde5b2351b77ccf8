package checkpoint

import (
	"fmt"
	"math"
	"strings"

	"github.com/pmvi/pmvi/pkg/checkpoint/pickle"
)

// The allow-list of torch functions that pickles call to rebuild tensors. A
// tensor pickled any other way (quantized, sparse, on a device via numpy...)
// is an error naming the function, never a call.

// tensorBuilder interprets tensor objects, sharing the storages and tensors
// that the pickle memo shares.
type tensorBuilder struct {
	storages map[*pickle.Object]*storage
	tensors  map[*pickle.Object]*Tensor
}

func newTensorBuilder() *tensorBuilder {
	return &tensorBuilder{storages: map[*pickle.Object]*storage{}, tensors: map[*pickle.Object]*Tensor{}}
}

// isTensor reports whether v is a call to one of the tensor rebuild
// functions (interpreted or not), i.e. whether it is a tensor at all.
func isTensor(v any) bool {
	obj, ok := v.(*pickle.Object)
	if !ok {
		return false
	}
	g, ok := obj.Callable.(pickle.Global)
	return ok && (g.Module == "torch._utils" && strings.HasPrefix(g.Name, "_rebuild_") ||
		g == pickle.Global{Module: "torch._tensor", Name: "_rebuild_from_type_v2"})
}

// tensor interprets a pickled tensor or parameter. The result is shared
// between every reference to the same pickled object; callers copy it before
// naming it.
func (b *tensorBuilder) tensor(v any) (*Tensor, error) {
	obj, ok := v.(*pickle.Object)
	if !ok || !obj.Call {
		return nil, fmt.Errorf("%s is not a tensor", describe(v))
	}
	if t, ok := b.tensors[obj]; ok {
		return t, nil
	}
	t, err := b.rebuild(obj, 0)
	if err != nil {
		return nil, err
	}
	b.tensors[obj] = t
	return t, nil
}

func (b *tensorBuilder) rebuild(obj *pickle.Object, depth int) (*Tensor, error) {
	if depth > 8 {
		return nil, fmt.Errorf("tensor rebuild calls nested too deeply")
	}
	args := obj.Args
	switch {
	case obj.Is("torch._utils", "_rebuild_parameter"), obj.Is("torch._utils", "_rebuild_parameter_with_state"):
		// (data, requires_grad, backward_hooks[, state])
		if len(args) < 3 {
			return nil, fmt.Errorf("%s: %d arguments, want 3 or 4", obj.Name(), len(args))
		}
		inner, ok := args[0].(*pickle.Object)
		if !ok || !inner.Call {
			return nil, fmt.Errorf("%s: data is %s, want a tensor", obj.Name(), describe(args[0]))
		}
		t, err := b.rebuild(inner, depth+1)
		if err != nil {
			return nil, err
		}
		p := *t
		p.Kind = Parameter
		return &p, nil
	case obj.Is("torch._tensor", "_rebuild_from_type_v2"):
		// (func, new_type, args, state): func(*args) as a Tensor subclass.
		if len(args) != 4 {
			return nil, fmt.Errorf("%s: %d arguments, want 4", obj.Name(), len(args))
		}
		inner, ok := args[2].(pickle.Tuple)
		if !ok {
			return nil, fmt.Errorf("%s: arguments are %s, want a tuple", obj.Name(), describe(args[2]))
		}
		return b.rebuild(&pickle.Object{Callable: args[0], Args: inner, Call: true}, depth+1)
	case obj.Is("torch._utils", "_rebuild_tensor"), obj.Is("torch._utils", "_rebuild_tensor_v2"):
		// _rebuild_tensor(storage, offset, size, stride);
		// _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks[, metadata]).
		if obj.Is("torch._utils", "_rebuild_tensor") && len(args) != 4 || len(args) < 4 || len(args) > 7 {
			return nil, fmt.Errorf("%s: %d arguments", obj.Name(), len(args))
		}
		return b.view(args[0], args[1], args[2], args[3], "")
	case obj.Is("torch._utils", "_rebuild_tensor_v3"):
		// (storage, offset, size, stride, requires_grad, backward_hooks, dtype[, metadata]):
		// the dtype comes with the tensor (untyped storages).
		if len(args) < 7 {
			return nil, fmt.Errorf("%s: %d arguments, want 7 or 8", obj.Name(), len(args))
		}
		dtype, err := torchDType(args[6])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", obj.Name(), err)
		}
		return b.view(args[0], args[1], args[2], args[3], dtype)
	}
	return nil, fmt.Errorf("unsupported tensor constructor %s (only plain dense CPU tensors and parameters are read)", obj.Name())
}

// view builds a tensor from a storage, an element offset, a size and a
// stride, checking that every element lies inside the storage. dtype, when
// set, reinterprets the storage's bytes.
func (b *tensorBuilder) view(storageValue, offsetValue, sizeValue, strideValue any, dtype string) (*Tensor, error) {
	st, err := b.storage(storageValue)
	if err != nil {
		return nil, err
	}
	raw, err := st.bytes()
	if err != nil {
		return nil, err
	}
	if dtype == "" {
		dtype = st.dtype
	}
	elemSize := dtypeSizes[dtype]
	limit := len(raw) / elemSize // elements in the storage
	offset, ok := offsetValue.(int64)
	if !ok || offset < 0 || offset > int64(limit) {
		return nil, fmt.Errorf("storage offset %s out of range [0, %d]", describe(offsetValue), limit)
	}
	shape, err := intTuple(sizeValue, "size")
	if err != nil {
		return nil, err
	}
	stride, err := intTuple(strideValue, "stride")
	if err != nil {
		return nil, err
	}
	if len(stride) != len(shape) {
		return nil, fmt.Errorf("size %s and stride %s differ in length", shapeString(shape), shapeString(stride))
	}
	// Check the last element's index without overflow. The element count
	// may not exceed the storage's, so that a hostile file cannot ask for
	// more memory than its own size (this rejects tensors expanded with
	// stride 0 beyond their storage, which torch.save does not produce).
	last, n := int(offset), 1
	for i, d := range shape {
		if d == 0 {
			n = 0
			break
		}
		if d > limit || n > limit/d {
			return nil, fmt.Errorf("size %s has more elements than its storage (%d)", shapeString(shape), limit)
		}
		n *= d
		if d == 1 {
			continue
		}
		if stride[i] > limit {
			return nil, fmt.Errorf("stride %s exceeds its storage (%d elements)", shapeString(stride), limit)
		}
		last += (d - 1) * stride[i]
		if last >= limit {
			break
		}
	}
	if n > 0 && last >= limit {
		return nil, fmt.Errorf("size %s, stride %s at offset %d reach past the end of a storage of %d elements",
			shapeString(shape), shapeString(stride), offset, limit)
	}
	return materialize(raw, dtype, int(offset), shape, stride), nil
}

// storage resolves a tensor's storage: either already resolved by a
// persistent id (zip and legacy files), or an EG3D-style
// torch.storage._load_from_bytes(blob) call, read once per pickled object.
func (b *tensorBuilder) storage(v any) (*storage, error) {
	switch v := v.(type) {
	case *storage:
		return v, nil
	case *pickle.Object:
		if !v.Is("torch.storage", "_load_from_bytes") || len(v.Args) != 1 {
			break
		}
		if s, ok := b.storages[v]; ok {
			return s, nil
		}
		blob, ok := v.Args[0].([]byte)
		if !ok {
			return nil, fmt.Errorf("%s: argument is %s, want bytes", v.Name(), describe(v.Args[0]))
		}
		obj, err := loadLegacy(blob)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", v.Name(), err)
		}
		s, ok := obj.(*storage)
		if !ok {
			return nil, fmt.Errorf("%s: blob holds %s, want a storage", v.Name(), describe(obj))
		}
		b.storages[v] = s
		return s, nil
	}
	return nil, fmt.Errorf("tensor storage is %s, want a torch storage", describe(v))
}

// torchDType maps a torch dtype reference (GLOBAL torch.float32) to a dtype.
func torchDType(v any) (string, error) {
	g, ok := v.(pickle.Global)
	if ok && g.Module == "torch" {
		switch g.Name {
		case "float32", "float":
			return "float32", nil
		case "float64", "double":
			return "float64", nil
		case "float16", "half":
			return "float16", nil
		case "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool":
			return g.Name, nil
		case "long":
			return "int64", nil
		case "int":
			return "int32", nil
		case "short":
			return "int16", nil
		}
	}
	return "", fmt.Errorf("unsupported dtype %s", describe(v))
}

// intTuple reads a tuple of non-negative ints (a size or stride).
func intTuple(v any, what string) ([]int, error) {
	t, ok := v.(pickle.Tuple)
	if !ok {
		return nil, fmt.Errorf("%s is %s, want a tuple", what, describe(v))
	}
	out := make([]int, len(t))
	for i, x := range t {
		n, ok := x.(int64)
		if !ok || n < 0 || n > math.MaxInt32 {
			return nil, fmt.Errorf("%s %s: element %d is %s, want a non-negative int", what, describe(v), i, describe(x))
		}
		out[i] = int(n)
	}
	return out, nil
}

// describe names a decoded value for an error message.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case *pickle.Object:
		if v.Call {
			return v.Name() + "(...)"
		}
		return "a " + v.Name() + " object"
	case pickle.Global:
		return v.String()
	case *pickle.Dict:
		return "a dict"
	case *pickle.List:
		return "a list"
	case pickle.Tuple:
		if len(v) <= 8 {
			return fmt.Sprintf("%v", []any(v))
		}
		return fmt.Sprintf("a tuple of %d", len(v))
	case string:
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		return fmt.Sprintf("%q", v)
	case []byte:
		return fmt.Sprintf("%d bytes", len(v))
	case *storage:
		return v.dtype + " storage"
	case int64, float64, bool:
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("a %T", v)
}
