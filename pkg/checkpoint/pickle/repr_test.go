package pickle

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// repr renders a decoded value in a Python-like notation so that tests can
// compare whole values as strings. Containers already being printed (cycles)
// print as "...".
func repr(v any) string {
	var sb strings.Builder
	writeRepr(&sb, v, map[any]bool{})
	return sb.String()
}

func writeRepr(sb *strings.Builder, v any, open map[any]bool) {
	if sb.Len() > 1<<16 {
		return // shared subtrees can make a short pickle print exponentially long
	}
	switch v.(type) {
	case *List, *Dict, *Set, *Object:
		if open[v] {
			sb.WriteString("...")
			return
		}
		open[v] = true
		defer delete(open, v)
	}
	list := func(items []any, left, right string) {
		sb.WriteString(left)
		for i, x := range items {
			if i > 0 {
				sb.WriteString(", ")
			}
			writeRepr(sb, x, open)
		}
		sb.WriteString(right)
	}
	switch v := v.(type) {
	case nil:
		sb.WriteString("None")
	case bool:
		if v {
			sb.WriteString("True")
		} else {
			sb.WriteString("False")
		}
	case int64:
		sb.WriteString(strconv.FormatInt(v, 10))
	case *big.Int:
		sb.WriteString("big:" + v.String())
	case float64:
		s := strconv.FormatFloat(v, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eIN") {
			s += ".0" // tell floats from ints
		}
		sb.WriteString(s)
	case string:
		sb.WriteString(strconv.Quote(v))
	case []byte:
		sb.WriteString("b" + strconv.Quote(string(v)))
	case Tuple:
		list(v, "(", ")")
	case *List:
		list(v.Items, "[", "]")
	case *Set:
		if v.Frozen {
			list(v.Items, "frozenset{", "}")
		} else {
			list(v.Items, "{", "}")
		}
	case *Dict:
		sb.WriteString("{")
		i := 0
		for k, x := range v.All() {
			if i > 0 {
				sb.WriteString(", ")
			}
			i++
			writeRepr(sb, k, open)
			sb.WriteString(": ")
			writeRepr(sb, x, open)
		}
		sb.WriteString("}")
	case Global:
		sb.WriteString(v.String())
	case PersistentID:
		sb.WriteString("pid:")
		writeRepr(sb, v.ID, open)
	case *Object:
		sb.WriteString("<")
		if v.Call {
			sb.WriteString("call ")
		}
		writeRepr(sb, v.Callable, open)
		if len(v.Args) > 0 {
			sb.WriteString(" args=")
			writeRepr(sb, v.Args, open)
		}
		if v.Kwargs != nil {
			sb.WriteString(" kwargs=")
			writeRepr(sb, v.Kwargs, open)
		}
		if v.State != nil {
			sb.WriteString(" state=")
			writeRepr(sb, v.State, open)
		}
		if v.Items != nil {
			sb.WriteString(" items=")
			writeRepr(sb, v.Items, open)
		}
		if v.List != nil {
			sb.WriteString(" list=")
			list(v.List, "[", "]")
		}
		sb.WriteString(">")
	default:
		fmt.Fprintf(sb, "%T(%v)", v, v)
	}
}
