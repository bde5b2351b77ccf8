// Package pickle decodes Python pickles (protocols 0 to 5) into inert Go values,
// without executing anything.
//
// It is the lowest layer of pmvi's checkpoint readers: official EG3D network
// pickles (the "load the pretrained generator" step before inversion) and
// PyTorch .pt files are pickles whose objects name Python classes and
// functions. Python's unpickler imports and calls them; this decoder never
// does. A class or function reference decodes as a Global, a call (REDUCE) or
// an instantiation (NEWOBJ, INST, OBJ) as an *Object that records the callable,
// its arguments and any later BUILD state, so that a caller that knows a
// format (package checkpoint knows torch tensors and EG3D modules) can
// interpret the few it trusts and reject the rest with a clear error.
//
// Only the plain data constructors of the Python language are built:
// collections.OrderedDict, set, frozenset, bytearray, bytes,
// _codecs.encode (protocol 2's spelling of bytes) and copyreg._reconstructor.
//
// Python values map to Go values as follows:
//
//	None                 nil
//	bool                 bool
//	int                  int64, or *big.Int when it does not fit
//	float                float64
//	str                  string (Python 2 str too)
//	bytes, bytearray     []byte (sharing the input's memory; do not modify)
//	tuple                Tuple
//	list                 *List
//	dict, OrderedDict    *Dict (insertion ordered)
//	set, frozenset       *Set
//	class or function    Global
//	anything else        *Object
//	persistent id        PersistentID, or what Decoder.PersistentLoad returns
//
// Decoding is iterative, so deep nesting cannot overflow the Go stack, and
// every length is checked against the input before use, so truncated or
// hostile input gives an error, never a panic. Pickles can hold cycles (a list
// that contains itself); code that walks a decoded value must allow for them.
//
// Errors wrap ErrTruncated when the input ends early.
package pickle
