package prefectyaml

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// pyStr renders v as Python's str() does, which is what Prefect inserts when
// a placeholder is embedded in longer text.
func pyStr(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return pyRepr(v)
}

// pyRepr renders v as Python's repr() does for the JSON-like values step
// outputs hold.
func pyRepr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return pyFloatRepr(x)
	case string:
		return pyStrRepr(x)
	case []string:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyStrRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		parts := make([]string, 0, len(x))
		for _, k := range sortedKeys(x) {
			parts = append(parts, pyStrRepr(k)+": "+pyRepr(x[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case map[string]string:
		parts := make([]string, 0, len(x))
		for _, k := range sortedKeys(x) {
			parts = append(parts, pyStrRepr(k)+": "+pyStrRepr(x[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	return slices.Sorted(maps.Keys(m))
}

// pyFloatRepr renders f as Python's repr(float): the shortest digits that
// round-trip, in fixed notation between 1e-4 and 1e16 (with ".0" when
// integral) and in exponent notation outside.
func pyFloatRepr(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if f == 0 || (exp >= -4 && exp < 16) {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.ContainsAny(s, ".") {
			s += ".0"
		}
		return s
	}
	return e
}

// pyStrRepr renders s as Python's repr(str).
func pyStrRepr(s string) string {
	quote := byte('\'')
	if strings.Contains(s, "'") && !strings.Contains(s, "\"") {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == rune(quote) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r > 0x7f && !unicode.IsPrint(r):
			switch {
			case r <= 0xff:
				fmt.Fprintf(&b, `\x%02x`, r)
			case r <= 0xffff:
				fmt.Fprintf(&b, `\u%04x`, r)
			default:
				fmt.Fprintf(&b, `\U%08x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// pyIsSpace reports whether Python's str.strip() removes r.
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

func pyStrip(s string) string { return strings.TrimFunc(s, pyIsSpace) }

// pySplitLines splits s as Python's str.splitlines() does.
func pySplitLines(s string) []string {
	var lines []string
	start := 0
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '\n', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
			lines = append(lines, string(rs[start:i]))
			start = i + 1
		case '\r':
			lines = append(lines, string(rs[start:i]))
			if i+1 < len(rs) && rs[i+1] == '\n' {
				i++
			}
			start = i + 1
		}
	}
	if start < len(rs) {
		lines = append(lines, string(rs[start:]))
	}
	return lines
}

// laxBool converts v as pydantic's lax bool validation does; ok is false
// when pydantic would reject it.
func laxBool(n *node) (bool, bool) {
	switch n.Kind {
	case boolKind:
		return n.Bool, true
	case intKind:
		if n.Int == 0 || n.Int == 1 {
			return n.Int == 1, true
		}
	case floatKind:
		if n.Float == 0 || n.Float == 1 {
			return n.Float == 1, true
		}
	case strKind:
		switch strings.ToLower(n.Str) {
		case "0", "off", "f", "false", "n", "no":
			return false, true
		case "1", "on", "t", "true", "y", "yes":
			return true, true
		}
	}
	return false, false
}

// laxInt converts v as pydantic's lax int validation does.
func laxInt(n *node) (int64, bool) {
	switch n.Kind {
	case boolKind:
		if n.Bool {
			return 1, true
		}
		return 0, true
	case intKind:
		return n.Int, true
	case floatKind:
		if n.Float == math.Trunc(n.Float) && !math.IsInf(n.Float, 0) && math.Abs(n.Float) < 1<<62 {
			return int64(n.Float), true
		}
	case strKind:
		s := strings.TrimSpace(n.Str)
		if strings.Contains(s, "_") && !strings.HasPrefix(s, "_") && !strings.HasSuffix(s, "_") && !strings.Contains(s, "__") {
			s = strings.ReplaceAll(s, "_", "")
		}
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, true
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<62 {
			return int64(f), true
		}
	}
	return 0, false
}

// pyTruthy reports Python truthiness of a step argument.
func pyTruthy(n *node) bool {
	if n == nil {
		return false
	}
	switch n.Kind {
	case nullKind:
		return false
	case boolKind:
		return n.Bool
	case intKind:
		return n.Int != 0
	case floatKind:
		return n.Float != 0
	case strKind, timeKind:
		return n.Str != ""
	case seqKind:
		return len(n.Items) > 0
	case mapKind:
		return len(n.Keys) > 0
	}
	return false
}
