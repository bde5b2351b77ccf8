package pickle

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strconv"
)

// Opcodes of pickle protocols 0 to 5 (Python's Lib/pickle.py).
const (
	opMark           = '('
	opStop           = '.'
	opPop            = '0'
	opPopMark        = '1'
	opDup            = '2'
	opFloat          = 'F'
	opInt            = 'I'
	opBinInt         = 'J'
	opBinInt1        = 'K'
	opLong           = 'L'
	opBinInt2        = 'M'
	opNone           = 'N'
	opPersID         = 'P'
	opBinPersID      = 'Q'
	opReduce         = 'R'
	opString         = 'S'
	opBinString      = 'T'
	opShortBinString = 'U'
	opUnicode        = 'V'
	opBinUnicode     = 'X'
	opAppend         = 'a'
	opBuild          = 'b'
	opGlobal         = 'c'
	opDict           = 'd'
	opEmptyDict      = '}'
	opAppends        = 'e'
	opGet            = 'g'
	opBinGet         = 'h'
	opInst           = 'i'
	opLongBinGet     = 'j'
	opList           = 'l'
	opEmptyList      = ']'
	opObj            = 'o'
	opPut            = 'p'
	opBinPut         = 'q'
	opLongBinPut     = 'r'
	opSetItem        = 's'
	opTuple          = 't'
	opEmptyTuple     = ')'
	opSetItems       = 'u'
	opBinFloat       = 'G'
	// Protocol 2.
	opProto    = 0x80
	opNewObj   = 0x81
	opExt1     = 0x82
	opExt2     = 0x83
	opExt4     = 0x84
	opTuple1   = 0x85
	opTuple2   = 0x86
	opTuple3   = 0x87
	opNewTrue  = 0x88
	opNewFalse = 0x89
	opLong1    = 0x8a
	opLong4    = 0x8b
	// Protocol 3.
	opBinBytes      = 'B'
	opShortBinBytes = 'C'
	// Protocol 4.
	opShortBinUnicode = 0x8c
	opBinUnicode8     = 0x8d
	opBinBytes8       = 0x8e
	opEmptySet        = 0x8f
	opAddItems        = 0x90
	opFrozenSet       = 0x91
	opNewObjEx        = 0x92
	opStackGlobal     = 0x93
	opMemoize         = 0x94
	opFrame           = 0x95
	// Protocol 5.
	opByteArray8     = 0x96
	opNextBuffer     = 0x97
	opReadOnlyBuffer = 0x98
)

var opNames = map[byte]string{
	opMark: "MARK", opStop: "STOP", opPop: "POP", opPopMark: "POP_MARK", opDup: "DUP",
	opFloat: "FLOAT", opInt: "INT", opBinInt: "BININT", opBinInt1: "BININT1", opLong: "LONG",
	opBinInt2: "BININT2", opNone: "NONE", opPersID: "PERSID", opBinPersID: "BINPERSID",
	opReduce: "REDUCE", opString: "STRING", opBinString: "BINSTRING",
	opShortBinString: "SHORT_BINSTRING", opUnicode: "UNICODE", opBinUnicode: "BINUNICODE",
	opAppend: "APPEND", opBuild: "BUILD", opGlobal: "GLOBAL", opDict: "DICT",
	opEmptyDict: "EMPTY_DICT", opAppends: "APPENDS", opGet: "GET", opBinGet: "BINGET",
	opInst: "INST", opLongBinGet: "LONG_BINGET", opList: "LIST", opEmptyList: "EMPTY_LIST",
	opObj: "OBJ", opPut: "PUT", opBinPut: "BINPUT", opLongBinPut: "LONG_BINPUT",
	opSetItem: "SETITEM", opTuple: "TUPLE", opEmptyTuple: "EMPTY_TUPLE", opSetItems: "SETITEMS",
	opBinFloat: "BINFLOAT", opProto: "PROTO", opNewObj: "NEWOBJ", opExt1: "EXT1", opExt2: "EXT2",
	opExt4: "EXT4", opTuple1: "TUPLE1", opTuple2: "TUPLE2", opTuple3: "TUPLE3",
	opNewTrue: "NEWTRUE", opNewFalse: "NEWFALSE", opLong1: "LONG1", opLong4: "LONG4",
	opBinBytes: "BINBYTES", opShortBinBytes: "SHORT_BINBYTES",
	opShortBinUnicode: "SHORT_BINUNICODE", opBinUnicode8: "BINUNICODE8", opBinBytes8: "BINBYTES8",
	opEmptySet: "EMPTY_SET", opAddItems: "ADDITEMS", opFrozenSet: "FROZENSET",
	opNewObjEx: "NEWOBJ_EX", opStackGlobal: "STACK_GLOBAL", opMemoize: "MEMOIZE", opFrame: "FRAME",
	opByteArray8: "BYTEARRAY8", opNextBuffer: "NEXT_BUFFER", opReadOnlyBuffer: "READONLY_BUFFER",
}

func opName(code byte) string {
	if name, ok := opNames[code]; ok {
		return name
	}
	return fmt.Sprintf("opcode %#02x", code)
}

// run executes one opcode (other than STOP) whose byte has been consumed.
func (d *Decoder) run(code byte) error {
	switch code {
	case opProto:
		v, err := d.readUint(1)
		if err != nil {
			return err
		}
		if v > highestProtocol {
			return d.errorf("unsupported protocol %d", v)
		}
	case opFrame:
		// Frames only help buffered readers; the whole input is in memory.
		_, err := d.readUint(8)
		return err

	case opMark:
		d.marks = append(d.marks, len(d.stack))
	case opPop:
		if len(d.marks) > 0 && len(d.stack) == d.floor() {
			d.marks = d.marks[:len(d.marks)-1]
			return nil
		}
		_, err := d.pop()
		return err
	case opPopMark:
		_, err := d.popMark()
		return err
	case opDup:
		v, err := d.top()
		if err != nil {
			return err
		}
		d.push(v)

	case opNone:
		d.push(nil)
	case opNewTrue:
		d.push(true)
	case opNewFalse:
		d.push(false)
	case opBinInt, opBinInt1, opBinInt2:
		size := 4
		switch code {
		case opBinInt1:
			size = 1
		case opBinInt2:
			size = 2
		}
		v, err := d.readUint(size)
		if err != nil {
			return err
		}
		if code == opBinInt {
			d.push(int64(int32(uint32(v)))) // the only signed one
		} else {
			d.push(int64(v))
		}
	case opLong1, opLong4:
		size := 1
		if code == opLong4 {
			size = 4
		}
		n, err := d.readUint(size)
		if err != nil {
			return err
		}
		if int32(uint32(n)) < 0 {
			return d.errorf("negative length")
		}
		b, err := d.read(n)
		if err != nil {
			return err
		}
		d.push(decodeLong(b))
	case opInt, opLong:
		line, err := d.readLine()
		if err != nil {
			return err
		}
		v, err := parseInt(line, code == opInt)
		if err != nil {
			return d.errorf("%v", err)
		}
		d.push(v)
	case opFloat:
		line, err := d.readLine()
		if err != nil {
			return err
		}
		v, err := strconv.ParseFloat(line, 64)
		if err != nil {
			return d.errorf("bad float %q", line)
		}
		d.push(v)
	case opBinFloat:
		b, err := d.read(8)
		if err != nil {
			return err
		}
		d.push(math.Float64frombits(binary.BigEndian.Uint64(b)))

	case opShortBinUnicode, opBinUnicode, opBinUnicode8, opShortBinString, opBinString:
		b, err := d.readSized(lengthSize(code))
		if err != nil {
			return err
		}
		d.push(string(b))
	case opShortBinBytes, opBinBytes, opBinBytes8, opByteArray8:
		b, err := d.readSized(lengthSize(code))
		if err != nil {
			return err
		}
		d.push(b)
	case opString:
		line, err := d.readLine()
		if err != nil {
			return err
		}
		s, err := unquote(line)
		if err != nil {
			return d.errorf("%v", err)
		}
		d.push(s)
	case opUnicode:
		line, err := d.readLine()
		if err != nil {
			return err
		}
		d.push(decodeRawUnicodeEscape(line))
	case opNextBuffer:
		return d.errorf("out-of-band buffers are not supported")
	case opReadOnlyBuffer:
		_, err := d.top()
		return err

	case opEmptyTuple:
		d.push(Tuple{})
	case opTuple1, opTuple2, opTuple3:
		items, err := d.popN(int(code-opTuple1) + 1)
		if err != nil {
			return err
		}
		d.push(Tuple(items))
	case opTuple:
		items, err := d.popMark()
		if err != nil {
			return err
		}
		d.push(Tuple(items))
	case opEmptyList:
		d.push(&List{})
	case opList:
		items, err := d.popMark()
		if err != nil {
			return err
		}
		d.push(&List{Items: items})
	case opEmptyDict:
		d.push(NewDict())
	case opDict:
		items, err := d.popMark()
		if err != nil {
			return err
		}
		dict := NewDict()
		if err := d.setItems(dict, items); err != nil {
			return err
		}
		d.push(dict)
	case opEmptySet:
		d.push(&Set{})
	case opFrozenSet:
		items, err := d.popMark()
		if err != nil {
			return err
		}
		d.push(&Set{Items: items, Frozen: true})

	case opAppend, opAppends:
		var items []any
		var err error
		if code == opAppend {
			items, err = d.popN(1)
		} else {
			items, err = d.popMark()
		}
		if err != nil {
			return err
		}
		target, err := d.top()
		if err != nil {
			return err
		}
		switch t := target.(type) {
		case *List:
			t.Items = append(t.Items, items...)
		case *Object:
			t.List = append(t.List, items...)
		default:
			return d.errorf("cannot append to %s", typeName(target))
		}
	case opSetItem, opSetItems:
		var items []any
		var err error
		if code == opSetItem {
			items, err = d.popN(2)
		} else {
			items, err = d.popMark()
		}
		if err != nil {
			return err
		}
		target, err := d.top()
		if err != nil {
			return err
		}
		return d.setItems(target, items)
	case opAddItems:
		items, err := d.popMark()
		if err != nil {
			return err
		}
		target, err := d.top()
		if err != nil {
			return err
		}
		set, ok := target.(*Set)
		if !ok {
			return d.errorf("cannot add items to %s", typeName(target))
		}
		set.Items = append(set.Items, items...)

	case opGet, opPut:
		line, err := d.readLine()
		if err != nil {
			return err
		}
		i, err := strconv.ParseUint(line, 10, 64)
		if err != nil {
			return d.errorf("bad memo key %q", line)
		}
		if code == opGet {
			return d.memoGet(i)
		}
		return d.memoPut(i)
	case opBinGet, opLongBinGet:
		i, err := d.readUint(lengthSize(code))
		if err != nil {
			return err
		}
		return d.memoGet(i)
	case opBinPut, opLongBinPut:
		i, err := d.readUint(lengthSize(code))
		if err != nil {
			return err
		}
		return d.memoPut(i)
	case opMemoize:
		return d.memoPut(uint64(len(d.memo)))

	case opGlobal:
		module, err := d.readLine()
		if err != nil {
			return err
		}
		name, err := d.readLine()
		if err != nil {
			return err
		}
		d.push(global(module, name))
	case opStackGlobal:
		items, err := d.popN(2)
		if err != nil {
			return err
		}
		module, ok1 := items[0].(string)
		name, ok2 := items[1].(string)
		if !ok1 || !ok2 {
			return d.errorf("module and name must be strings, have %s and %s", typeName(items[0]), typeName(items[1]))
		}
		d.push(global(module, name))
	case opExt1, opExt2, opExt4:
		return d.errorf("the extension registry is not supported")

	case opReduce:
		items, err := d.popN(2)
		if err != nil {
			return err
		}
		args, ok := items[1].(Tuple)
		if !ok {
			return d.errorf("arguments must be a tuple, have %s", typeName(items[1]))
		}
		v, err := d.call(items[0], args)
		if err != nil {
			return err
		}
		d.push(v)
	case opNewObj:
		items, err := d.popN(2)
		if err != nil {
			return err
		}
		args, ok := items[1].(Tuple)
		if !ok {
			return d.errorf("arguments must be a tuple, have %s", typeName(items[1]))
		}
		d.push(&Object{Callable: items[0], Args: args})
	case opNewObjEx:
		items, err := d.popN(3)
		if err != nil {
			return err
		}
		args, ok1 := items[1].(Tuple)
		kwargs, ok2 := items[2].(*Dict)
		if !ok1 || !ok2 {
			return d.errorf("want a tuple and a dict, have %s and %s", typeName(items[1]), typeName(items[2]))
		}
		d.push(&Object{Callable: items[0], Args: args, Kwargs: kwargs})
	case opInst:
		module, err := d.readLine()
		if err != nil {
			return err
		}
		name, err := d.readLine()
		if err != nil {
			return err
		}
		args, err := d.popMark()
		if err != nil {
			return err
		}
		d.push(&Object{Callable: global(module, name), Args: args})
	case opObj:
		items, err := d.popMark()
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return d.errorf("no class")
		}
		d.push(&Object{Callable: items[0], Args: Tuple(items[1:])})
	case opBuild:
		state, err := d.pop()
		if err != nil {
			return err
		}
		target, err := d.top()
		if err != nil {
			return err
		}
		if obj, ok := target.(*Object); ok {
			obj.build(state)
		}
		// Other targets (dicts, lists) have no __setstate__ worth modelling.

	case opPersID, opBinPersID:
		var id any
		var err error
		if code == opPersID {
			id, err = d.readLine()
		} else {
			id, err = d.pop()
		}
		if err != nil {
			return err
		}
		if d.PersistentLoad == nil {
			d.push(PersistentID{ID: id})
			return nil
		}
		v, err := d.PersistentLoad(id)
		if err != nil {
			return fmt.Errorf("pickle: offset %d: persistent id: %w", d.op, err)
		}
		d.push(v)

	default:
		return fmt.Errorf("pickle: offset %d: unknown opcode %#02x", d.op, code)
	}
	return nil
}

// lengthSize returns the size in bytes of the length or index argument of an
// opcode.
func lengthSize(code byte) int {
	switch code {
	case opShortBinUnicode, opShortBinString, opShortBinBytes, opBinGet, opBinPut:
		return 1
	case opBinUnicode8, opBinBytes8, opByteArray8:
		return 8
	}
	return 4
}

// setItems stores key, value pairs into a dict or dict-like object.
func (d *Decoder) setItems(target any, items []any) error {
	if len(items)%2 != 0 {
		return d.errorf("odd number of items (%d) for key, value pairs", len(items))
	}
	var dict *Dict
	switch t := target.(type) {
	case *Dict:
		dict = t
	case *Object:
		if t.Items == nil {
			t.Items = NewDict()
		}
		dict = t.Items
	default:
		return d.errorf("cannot set items of %s", typeName(target))
	}
	for i := 0; i < len(items); i += 2 {
		dict.Set(items[i], items[i+1])
	}
	return nil
}

// build applies a BUILD state: like Python's default __setstate__, a dict
// state updates the instance dict.
func (o *Object) build(state any) {
	if old, ok := o.State.(*Dict); ok {
		if upd, ok := state.(*Dict); ok {
			for k, v := range upd.All() {
				old.Set(k, v)
			}
			return
		}
	}
	o.State = state
}

// typeName names the Python type of a decoded value, for errors.
func typeName(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		return "bool"
	case int64, *big.Int:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case Tuple:
		return "tuple"
	case *List:
		return "list"
	case *Dict:
		return "dict"
	case *Set:
		return "set"
	case Global:
		return "global " + v.String()
	case *Object:
		return v.Name() + " object"
	}
	return fmt.Sprintf("%T", v)
}
