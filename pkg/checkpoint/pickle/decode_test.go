package pickle

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestDecodeProtocols decodes the same value pickled by CPython with each
// protocol (testdata/gen_values.py).
func TestDecodeProtocols(t *testing.T) {
	want := []struct{ key, repr string }{
		{"none", "None"},
		{"true", "True"},
		{"false", "False"},
		{"small", "7"},
		{"neg", "-300"},
		{"int32", "2147483647"},
		{"int64", "-1099511627776"},
		{"big", "big:1208925819614629174706177"},
		{"negbig", "big:-1180591620717411303424"},
		{"float", "1.5"},
		{"pi", "3.141592653589793"},
		{"str", `"héllo\n\"q\"\\ €"`},
		{"bytes", `b"\x00\xffab"`},
		{"bytearray", `b"xy"`},
		{"tuple", `(1, "a", (2.0))`},
		{"empty_tuple", "()"},
		{"list", "[1, 2, [3]]"},
		{"set", "{3}"},
		{"frozenset", "frozenset{4}"},
		{"od", `{"b": 1, "a": 2}`},
		{"shared", `[["shared"], ["shared"]]`},
		{"cyclic", "[...]"},
		{"obj", `<__main__.Point state={"x": 1, "y": "two"}>`},
		{"func", "builtins.len"},
	}
	for protocol := range 6 {
		t.Run(fmt.Sprintf("protocol%d", protocol), func(t *testing.T) {
			data, err := os.ReadFile(fmt.Sprintf("testdata/values.p%d.pkl", protocol))
			if err != nil {
				t.Fatal(err)
			}
			v, err := Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			dict, ok := v.(*Dict)
			if !ok {
				t.Fatalf("top level is %s, want dict", typeName(v))
			}
			if dict.Len() != len(want)+2 {
				t.Errorf("dict has %d items, want %d", dict.Len(), len(want)+2)
			}
			for _, w := range want {
				got, ok := dict.Get(w.key)
				if !ok {
					t.Errorf("no key %q", w.key)
					continue
				}
				if r := repr(got); r != w.repr {
					t.Errorf("%s = %s, want %s", w.key, r, w.repr)
				}
			}
			if got, _ := dict.Get(Tuple{int64(1), int64(2)}); got != "tuple key" {
				t.Errorf("tuple key (1, 2) = %s, want \"tuple key\"", repr(got))
			}
			// The memo shares objects, as Python does.
			shared, _ := dict.Get("shared")
			if items := shared.(*List).Items; items[0] != items[1] {
				t.Errorf("shared: the two items are different objects, want one")
			}
			cyclic, _ := dict.Get("cyclic")
			if l := cyclic.(*List); len(l.Items) != 1 || l.Items[0] != any(l) {
				t.Errorf("cyclic: want a list that contains itself")
			}
			kw, _ := dict.Get("kw")
			if protocol >= 4 {
				if r, w := repr(kw), `<__main__.Keyword kwargs={"size": 3} state={"size": 3}>`; r != w {
					t.Errorf("kw = %s, want %s", r, w)
				}
			} else if _, ok := kw.(*Object); !ok {
				t.Errorf("kw is %s, want an object", typeName(kw))
			}
		})
	}
}

// TestDecodeOpcodes covers the opcodes CPython 3 no longer writes (Python 2
// strings, INST, OBJ, ...) and edge cases of the others.
func TestDecodeOpcodes(t *testing.T) {
	tests := []struct {
		name, pickle, want string
	}{
		{"STRING escapes", "S'a\\n\\x41\\101b\\'\\q'\n.", `"a\nAAb'\\q"`},
		{"STRING double quotes", "S\"x\"\n.", `"x"`},
		{"BINSTRING", "T\x03\x00\x00\x00abc.", `"abc"`},
		{"SHORT_BINSTRING", "U\x02hi.", `"hi"`},
		{"UNICODE escapes", "V\\u20ac\\u005c\\U0001F600\n.", `"€\\😀"`},
		{"INT", "I-12\n.", "-12"},
		{"INT true", "I01\n.", "True"},
		{"INT false", "I00\n.", "False"},
		{"INT big", "I123456789012345678901\n.", "big:123456789012345678901"},
		{"LONG", "L-123456789012345678901234567890L\n.", "big:-123456789012345678901234567890"},
		{"LONG small", "L5L\n.", "5"},
		{"FLOAT", "F-0.25\n.", "-0.25"},
		{"BINFLOAT", "G\xbf\xd0\x00\x00\x00\x00\x00\x00.", "-0.25"},
		{"BININT negative", "J\xff\xff\xff\xff.", "-1"},
		{"BININT2", "M\x01\x02.", "513"},
		{"LONG1 empty", "\x8a\x00.", "0"},
		{"LONG1 negative", "\x8a\x01\xff.", "-1"},
		{"LONG1 int64 min", "\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x80.", "-9223372036854775808"},
		{"LONG1 2^64", "\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01.", "big:18446744073709551616"},
		{"LONG1 -2^64", "\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\xff.", "big:-18446744073709551616"},
		{"LONG4", "\x8b\x02\x00\x00\x00\x00\x80.", "-32768"},
		{"BINUNICODE8", "\x8d\x02\x00\x00\x00\x00\x00\x00\x00hi.", `"hi"`},
		{"BINBYTES8", "\x8e\x01\x00\x00\x00\x00\x00\x00\x00z.", `b"z"`},
		{"BINBYTES", "B\x02\x00\x00\x00zz.", `b"zz"`},
		{"BYTEARRAY8", "\x96\x01\x00\x00\x00\x00\x00\x00\x00y.", `b"y"`},
		{"READONLY_BUFFER", "C\x01a\x98.", `b"a"`},
		{"POP", "K\x01K\x020.", "1"},
		{"POP of a mark", "K\x01(0.", "1"},
		{"POP_MARK", "K\x01(K\x02K\x031.", "1"},
		{"DUP", "K\x052\x86.", "(5, 5)"},
		{"TUPLE3", "K\x01K\x02K\x03\x87.", "(1, 2, 3)"},
		{"LIST", "(K\x01K\x02l.", "[1, 2]"},
		{"DICT", "(S'k'\nK\x01d.", `{"k": 1}`},
		{"DICT replaces", "(S'k'\nK\x01S'k'\nK\x02d.", `{"k": 2}`},
		{"SETITEM", "}S'k'\nK\x01s.", `{"k": 1}`},
		{"EMPTY_SET ADDITEMS", "\x8f(K\x01K\x02\x90.", "{1, 2}"},
		{"FROZENSET", "(K\x01\x91.", "frozenset{1}"},
		{"LONG_BINPUT LONG_BINGET", "K\x07r\x05\x00\x00\x00j\x05\x00\x00\x00\x86.", "(7, 7)"},
		{"PUT GET", "K\x07p3\ng3\n\x86.", "(7, 7)"},
		{"MEMOIZE BINGET", "K\x07\x94h\x00\x86.", "(7, 7)"},
		{"GLOBAL py2 rename", "c__builtin__\nlen\n.", "builtins.len"},
		{"STACK_GLOBAL", "\x8c\x03mod\x8c\x04func\x93.", "mod.func"},
		{"REDUCE unknown", "cos\nsystem\nS'rm'\n\x85R.", `<call os.system args=("rm")>`},
		{"REDUCE OrderedDict items", "ccollections\nOrderedDict\n]K\x01K\x02\x86a\x85R.", "{1: 2}"},
		{"REDUCE set", "c__builtin__\nset\n]K\x01a\x85R.", "{1}"},
		{"REDUCE bytearray", "c__builtin__\nbytearray\nV\xff\nS'latin-1'\n\x86R.", `b"\xff"`},
		{"REDUCE copyreg", "ccopy_reg\n_reconstructor\n(cm\nC\nc__builtin__\nobject\nNtR}S'a'\nK\x01sb.", `<m.C state={"a": 1}>`},
		{"INST", "(K\x01S'x'\nimod\nCls\n.", `<mod.Cls args=(1, "x")>`},
		{"OBJ", "(cmod\nCls\nK\x02o.", "<mod.Cls args=(2)>"},
		{"NEWOBJ BUILD merges", "cm\nC\n)\x81}S'a'\nK\x01sb}S'b'\nK\x02sb.", `<m.C state={"a": 1, "b": 2}>`},
		{"NEWOBJ SETITEMS", "cdnnlib.util\nEasyDict\n)\x81(S'a'\nK\x01u.", `<dnnlib.util.EasyDict items={"a": 1}>`},
		{"NEWOBJ APPEND", "cm\nL\n)\x81K\x01a.", "<m.L list=[1]>"},
		{"PERSID", "Pkey1\n.", `pid:"key1"`},
		{"BINPERSID", "(S'storage'\nK\x03tQ.", `pid:("storage", 3)`},
		{"FRAME", "\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00K\x01.", "1"},
		{"trailing bytes ignored", "K\x01.garbage", "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Decode([]byte(tt.pickle))
			if err != nil {
				t.Fatal(err)
			}
			if got := repr(v); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, pickle, want string
	}{
		{"empty", "", "offset 0: no STOP opcode"},
		{"unknown opcode", "\x80\x04\xff.", "offset 2: unknown opcode 0xff"},
		{"protocol 6", "\x80\x06K\x01.", "PROTO: unsupported protocol 6"},
		{"STOP on empty stack", ".", "STOP: stack underflow"},
		{"REDUCE on empty stack", "R.", "REDUCE: stack underflow"},
		{"pop below a mark", "K\x01(\x85.", "TUPLE1: stack underflow"},
		{"TUPLE without MARK", "K\x01t.", "TUPLE: no MARK on the stack"},
		{"missing memo key", "h\x05.", "BINGET: memo key 5 not found"},
		{"odd SETITEMS", "}(K\x01u.", "SETITEMS: odd number of items (1)"},
		{"APPEND to int", "K\x01K\x02a.", "APPEND: cannot append to int"},
		{"SETITEM on list", "]K\x01K\x02s.", "SETITEM: cannot set items of list"},
		{"ADDITEMS on dict", "}(K\x01\x90.", "ADDITEMS: cannot add items to dict"},
		{"EXT1", "\x82\x01.", "EXT1: the extension registry is not supported"},
		{"NEXT_BUFFER", "\x97.", "NEXT_BUFFER: out-of-band buffers are not supported"},
		{"STACK_GLOBAL of ints", "K\x01K\x02\x93.", "STACK_GLOBAL: module and name must be strings, have int and int"},
		{"REDUCE without tuple", "cm\nf\nK\x01R.", "REDUCE: arguments must be a tuple, have int"},
		{"NEWOBJ_EX without dict", "cm\nC\n)K\x01\x92.", "NEWOBJ_EX: want a tuple and a dict, have tuple and int"},
		{"bad float", "Fabc\n.", `FLOAT: bad float "abc"`},
		{"bad int", "I1x\n.", `INT: bad integer "1x"`},
		{"unquoted STRING", "Sabc\n.", `STRING: string argument "abc" is not quoted`},
		{"bad \\x escape", "S'\\xzz'\n.", `bad \x escape`},
		{"bad memo key", "gx\n.", `GET: bad memo key "x"`},
		{"BINBYTES too long", "B\xff\xff\xff\x7f", "BINBYTES: need 2147483647 bytes, have 0"},
		{"BINUNICODE8 huge", "\x8d\xff\xff\xff\xff\xff\xff\xff\xff", "BINUNICODE8: need 18446744073709551615 bytes"},
		{"LONG4 negative length", "\x8b\xff\xff\xff\xff.", "LONG4: negative length"},
		{"text without newline", "I12", "INT: no end of line"},
		{"OBJ without class", "(o.", "OBJ: no class"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Decode([]byte(tt.pickle))
			if err == nil {
				t.Fatalf("got %s, want an error containing %q", repr(v), tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "pickle: ") {
				t.Errorf("error %q, want it to start with \"pickle: \" and contain %q", err, tt.want)
			}
		})
	}
}

// TestDecodeTruncated cuts a valid pickle at every offset: each prefix must
// fail with ErrTruncated.
func TestDecodeTruncated(t *testing.T) {
	for _, file := range []string{"testdata/values.p0.pkl", "testdata/values.p4.pkl"} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for n := range len(data) {
			if _, err := Decode(data[:n]); !errors.Is(err, ErrTruncated) {
				t.Fatalf("%s cut at %d of %d bytes: error %v, want ErrTruncated", file, n, len(data), err)
			}
		}
	}
}

// TestDecoderSequence reads pickles written back to back, as torch's legacy
// format does, and checks that Offset points just past each one.
func TestDecoderSequence(t *testing.T) {
	first, second := "\x80\x02K\x01.", "\x80\x02X\x01\x00\x00\x00a."
	d := NewDecoder([]byte(first + second + "raw"))
	for i, want := range []string{"1", `"a"`} {
		v, err := d.Decode()
		if err != nil {
			t.Fatal(err)
		}
		if repr(v) != want {
			t.Errorf("pickle %d = %s, want %s", i, repr(v), want)
		}
	}
	if got, want := d.Offset(), len(first)+len(second); got != want {
		t.Errorf("Offset() = %d, want %d", got, want)
	}
	// The memo is per pickle: the second one cannot see the first one's.
	d = NewDecoder([]byte("K\x01\x94.h\x00."))
	if _, err := d.Decode(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Decode(); err == nil || !strings.Contains(err.Error(), "memo key 0 not found") {
		t.Errorf("memo leaked between pickles: err = %v", err)
	}
}

func TestPersistentLoad(t *testing.T) {
	d := NewDecoder([]byte("(S'storage'\nK\x03tQS'x'\nQ\x86."))
	d.PersistentLoad = func(id any) (any, error) {
		if tup, ok := id.(Tuple); ok {
			return fmt.Sprintf("storage #%d", tup[1]), nil
		}
		return nil, fmt.Errorf("unknown id %s", repr(id))
	}
	_, err := d.Decode()
	if err == nil || !strings.Contains(err.Error(), `persistent id: unknown id "x"`) {
		t.Fatalf("err = %v, want the PersistentLoad error", err)
	}
	d = NewDecoder([]byte("(S'storage'\nK\x03tQ."))
	d.PersistentLoad = func(id any) (any, error) { return fmt.Sprintf("storage #%d", id.(Tuple)[1]), nil }
	v, err := d.Decode()
	if err != nil {
		t.Fatal(err)
	}
	if v != "storage #3" {
		t.Errorf("got %s, want \"storage #3\"", repr(v))
	}
}

func TestBytesShareInput(t *testing.T) {
	data := []byte("C\x03abc.")
	v, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	b := v.([]byte)
	if &b[0] != &data[2] {
		t.Errorf("bytes were copied; want them to share the input")
	}
}
