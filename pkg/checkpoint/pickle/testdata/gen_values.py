# Writes values.p{0..5}.pkl: one value exercising the opcodes of every pickle
# protocol, written by CPython's own pickler. Run with python3 (no third-party
# modules) from this directory; decode_test.go checks the decoded values.
import collections
import pickle


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y


class Keyword:
    """Pickled with NEWOBJ_EX (keyword arguments to __new__) from protocol 4."""

    def __new__(cls, *, size=0):
        return super().__new__(cls)

    def __init__(self, *, size=0):
        self.size = size

    def __getnewargs_ex__(self):
        return (), {"size": self.size}


def value():
    shared = ["shared"]
    cyclic = []
    cyclic.append(cyclic)
    return {
        "none": None,
        "true": True,
        "false": False,
        "small": 7,
        "neg": -300,
        "int32": 2**31 - 1,
        "int64": -(2**40),
        "big": 2**80 + 1,
        "negbig": -(2**70),
        "float": 1.5,
        "pi": 3.141592653589793,
        "str": 'h\u00e9llo\n"q"\\ \u20ac',
        "bytes": b"\x00\xffab",
        "bytearray": bytearray(b"xy"),
        "tuple": (1, "a", (2.0,)),
        "empty_tuple": (),
        "list": [1, 2, [3]],
        "set": {3},
        "frozenset": frozenset({4}),
        "od": collections.OrderedDict([("b", 1), ("a", 2)]),
        "shared": [shared, shared],
        "cyclic": cyclic,
        "obj": Point(1, "two"),
        "func": len,
        "kw": Keyword(size=3),
        (1, 2): "tuple key",
    }


for protocol in range(6):
    with open(f"values.p{protocol}.pkl", "wb") as f:
        pickle.dump(value(), f, protocol=protocol)
