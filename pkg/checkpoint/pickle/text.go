package pickle

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The text arguments of protocol 0 opcodes.

// parseInt parses the argument of INT (isInt) or LONG. INT writes booleans as
// "01" and "00"; LONG ends with an "L".
func parseInt(line string, isInt bool) (any, error) {
	if isInt {
		switch line {
		case "01":
			return true, nil
		case "00":
			return false, nil
		}
	}
	s := strings.TrimSuffix(line, "L")
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, nil
	}
	x, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return nil, fmt.Errorf("bad integer %q", line)
	}
	return intValue(x), nil
}

// unquote decodes the argument of STRING: a Python 2 str literal in single or
// double quotes with backslash escapes. The result holds the raw bytes.
func unquote(line string) (string, error) {
	if len(line) < 2 || (line[0] != '\'' && line[0] != '"') || line[len(line)-1] != line[0] {
		return "", fmt.Errorf("string argument %q is not quoted", line)
	}
	s := line[1 : len(line)-1]
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b = append(b, c)
			continue
		}
		i++
		switch e := s[i]; e {
		case '\n':
			// Line continuation.
		case '\\', '\'', '"':
			b = append(b, e)
		case 'a':
			b = append(b, '\a')
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'v':
			b = append(b, '\v')
		case 'x':
			if i+2 >= len(s) {
				return "", fmt.Errorf("truncated \\x escape in %q", line)
			}
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return "", fmt.Errorf("bad \\x escape in %q", line)
			}
			b = append(b, byte(v))
			i += 2
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := 0
			n := 0
			for ; n < 3 && i+n < len(s) && s[i+n] >= '0' && s[i+n] <= '7'; n++ {
				v = v*8 + int(s[i+n]-'0')
			}
			b = append(b, byte(v))
			i += n - 1
		default:
			b = append(b, '\\', e)
		}
	}
	return string(b), nil
}

// decodeRawUnicodeEscape decodes the argument of UNICODE (Python's
// raw-unicode-escape codec): \uXXXX and \UXXXXXXXX escapes, every other byte
// a Latin-1 character.
func decodeRawUnicodeEscape(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) && (s[i+1] == 'u' || s[i+1] == 'U') {
			n := 4
			if s[i+1] == 'U' {
				n = 8
			}
			if i+2+n <= len(s) {
				if v, err := strconv.ParseUint(s[i+2:i+2+n], 16, 32); err == nil && utf8.ValidRune(rune(v)) {
					sb.WriteRune(rune(v))
					i += 1 + n
					continue
				}
			}
		}
		sb.WriteRune(rune(c))
	}
	return sb.String()
}
