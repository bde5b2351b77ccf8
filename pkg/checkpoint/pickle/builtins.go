package pickle

import (
	"fmt"
	"unicode/utf8"
)

// python2Modules renames the Python 2 modules that Python 3's unpickler maps
// with fix_imports and that data pickles use.
var python2Modules = map[string]string{
	"__builtin__": "builtins",
	"copy_reg":    "copyreg",
}

func global(module, name string) Global {
	if m, ok := python2Modules[module]; ok {
		module = m
	}
	return Global{Module: module, Name: name}
}

// call models REDUCE: the data constructors of the Python language are
// built, every other call is recorded as an *Object and never run.
func (d *Decoder) call(callable any, args Tuple) (any, error) {
	g, ok := callable.(Global)
	if !ok {
		return &Object{Callable: callable, Args: args, Call: true}, nil
	}
	switch g {
	case Global{"collections", "OrderedDict"}, Global{"builtins", "dict"}:
		dict := NewDict()
		if len(args) == 0 {
			return dict, nil
		}
		if len(args) == 1 {
			if pairs, ok := sequence(args[0]); ok {
				for _, p := range pairs {
					kv, ok := p.(Tuple)
					if !ok || len(kv) != 2 {
						return nil, d.errorf("%s: items must be (key, value) tuples", g)
					}
					dict.Set(kv[0], kv[1])
				}
				return dict, nil
			}
		}
	case Global{"builtins", "set"}, Global{"builtins", "frozenset"}:
		set := &Set{Frozen: g.Name == "frozenset"}
		if len(args) == 0 {
			return set, nil
		}
		if items, ok := sequence(args[0]); ok && len(args) == 1 {
			set.Items = append(set.Items, items...)
			return set, nil
		}
	case Global{"builtins", "list"}:
		if len(args) == 0 {
			return &List{}, nil
		}
		if items, ok := sequence(args[0]); ok && len(args) == 1 {
			return &List{Items: append([]any(nil), items...)}, nil
		}
	case Global{"builtins", "bytearray"}, Global{"builtins", "bytes"}, Global{"_codecs", "encode"}:
		// Protocols 0-2 have no bytes opcode: Python 3 writes bytes as
		// _codecs.encode(text, "latin1") and bytearray(text, "latin-1").
		if len(args) == 0 && g.Name != "encode" {
			return []byte{}, nil
		}
		if len(args) == 1 {
			if b, ok := args[0].([]byte); ok {
				return b, nil
			}
		}
		if len(args) == 2 {
			text, ok1 := args[0].(string)
			encoding, ok2 := args[1].(string)
			if ok1 && ok2 {
				b, err := encode(text, encoding)
				if err != nil {
					return nil, d.errorf("%s: %v", g, err)
				}
				return b, nil
			}
		}
	case Global{"copyreg", "_reconstructor"}:
		// copyreg._reconstructor(cls, base, state) is base.__new__(cls, state):
		// an instance of cls, filled later by BUILD.
		if len(args) == 3 {
			obj := &Object{Callable: args[0]}
			if args[2] != nil {
				obj.Args = Tuple{args[2]}
			}
			return obj, nil
		}
	}
	return &Object{Callable: g, Args: args, Call: true}, nil
}

// sequence returns the items of a list or tuple.
func sequence(v any) ([]any, bool) {
	switch v := v.(type) {
	case *List:
		return v.Items, true
	case Tuple:
		return v, true
	}
	return nil, false
}

// encode implements str.encode for the encodings pickles use for bytes.
func encode(text, encoding string) ([]byte, error) {
	switch encoding {
	case "latin1", "latin-1", "iso-8859-1", "iso8859-1":
		b := make([]byte, 0, len(text))
		for _, r := range text {
			if r > 0xff {
				return nil, fmt.Errorf("character %U is not latin-1", r)
			}
			b = append(b, byte(r))
		}
		return b, nil
	case "utf-8", "utf8", "ascii":
		if !utf8.ValidString(text) {
			return nil, fmt.Errorf("invalid %s text", encoding)
		}
		return []byte(text), nil
	}
	return nil, fmt.Errorf("unsupported encoding %q", encoding)
}
