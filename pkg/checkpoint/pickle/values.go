package pickle

import (
	"bytes"
	"fmt"
	"iter"
	"math/big"
)

// Tuple is a Python tuple.
type Tuple []any

// List is a Python list. It is always used by pointer, because later opcodes
// append to a list that the memo may already share.
type List struct {
	Items []any
}

// Set is a Python set or frozenset. Items are kept in pickle order and are not
// deduplicated.
type Set struct {
	Items  []any
	Frozen bool
}

// Global is a reference to a Python class or function by module and name, as
// written by the GLOBAL and STACK_GLOBAL opcodes. Nothing is imported.
type Global struct {
	Module, Name string
}

// String returns the dotted name, e.g. "torch._utils._rebuild_tensor_v2".
func (g Global) String() string { return g.Module + "." + g.Name }

// PersistentID is a persistent id (PERSID, BINPERSID) left unresolved because
// the Decoder has no PersistentLoad function.
type PersistentID struct {
	ID any
}

// Object is a Python object the decoder records instead of building: the
// result of a call (REDUCE: Callable(*Args)) or an instance (NEWOBJ, NEWOBJ_EX,
// INST, OBJ, copyreg._reconstructor: Callable is the class), with whatever
// later opcodes put into it.
type Object struct {
	Callable any   // usually a Global
	Args     Tuple // positional arguments; nil when none
	Kwargs   *Dict // keyword arguments (NEWOBJ_EX only); nil when none
	Call     bool  // true for REDUCE (a function call), false for an instance of a class
	State    any   // the BUILD argument (usually the instance __dict__); nil when none
	Items    *Dict // SETITEM(S) applied to the object (dict subclasses such as EasyDict); nil when none
	List     []any // APPEND(S) applied to the object (list subclasses)
}

// Name returns the dotted name of the callable or class, or a description of
// it when it is not a Global.
func (o *Object) Name() string {
	if g, ok := o.Callable.(Global); ok {
		return g.String()
	}
	return fmt.Sprintf("<%T>", o.Callable)
}

// Is reports whether the object was made by the callable module.name.
func (o *Object) Is(module, name string) bool {
	g, ok := o.Callable.(Global)
	return ok && g.Module == module && g.Name == name
}

// Dict is a Python dict (or OrderedDict) that keeps insertion order.
type Dict struct {
	keys, values []any
	index        map[any]int // position of each hashable key
}

// NewDict returns an empty Dict.
func NewDict() *Dict { return &Dict{} }

// Len returns the number of items.
func (d *Dict) Len() int { return len(d.keys) }

// Get returns the value stored under key.
func (d *Dict) Get(key any) (any, bool) {
	if i := d.find(key); i >= 0 {
		return d.values[i], true
	}
	return nil, false
}

// Set stores value under key, replacing any value already there (keeping its
// position, as Python does).
func (d *Dict) Set(key, value any) {
	if i := d.find(key); i >= 0 {
		d.values[i] = value
		return
	}
	if hashable(key) {
		if d.index == nil {
			d.index = make(map[any]int)
		}
		d.index[key] = len(d.keys)
	}
	d.keys = append(d.keys, key)
	d.values = append(d.values, value)
}

// Keys returns the keys in insertion order.
func (d *Dict) Keys() []any { return append([]any(nil), d.keys...) }

// All iterates over the items in insertion order.
func (d *Dict) All() iter.Seq2[any, any] {
	return func(yield func(any, any) bool) {
		for i, k := range d.keys {
			if !yield(k, d.values[i]) {
				return
			}
		}
	}
}

func (d *Dict) find(key any) int {
	if hashable(key) {
		if i, ok := d.index[key]; ok {
			return i
		}
		return -1
	}
	for i, k := range d.keys {
		if equal(k, key) {
			return i
		}
	}
	return -1
}

// hashable reports whether key can be a Go map key without panicking.
func hashable(key any) bool {
	switch key.(type) {
	case nil, bool, int64, float64, string, Global, *Object, *List, *Dict, *Set:
		return true
	}
	return false
}

// equal compares dict keys that cannot be map keys (tuples, big ints, bytes).
// Comparing them with == would panic for slices.
func equal(a, b any) bool {
	switch a := a.(type) {
	case Tuple:
		b, ok := b.(Tuple)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !equal(a[i], b[i]) {
				return false
			}
		}
		return true
	case *big.Int:
		b, ok := b.(*big.Int)
		return ok && a.Cmp(b) == 0
	case []byte:
		b, ok := b.([]byte)
		return ok && bytes.Equal(a, b)
	case PersistentID:
		b, ok := b.(PersistentID)
		return ok && equal(a.ID, b.ID)
	}
	if hashable(a) && hashable(b) {
		return a == b
	}
	return false
}
