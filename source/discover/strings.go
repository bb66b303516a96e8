package discover

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// isStringPrefix reports whether p is a valid Python string prefix: r, u, b,
// f, t and the two-letter combinations of r with b, f or t, in any case.
func isStringPrefix(p []byte) bool {
	switch len(p) {
	case 1:
		switch p[0] | 0x20 {
		case 'r', 'u', 'b', 'f', 't':
			return true
		}
	case 2:
		a, b := p[0]|0x20, p[1]|0x20
		if a == 'r' {
			a, b = b, a
		}
		return b == 'r' && (a == 'b' || a == 'f' || a == 't')
	}
	return false
}

// stringFlags describes a string literal's prefix.
type stringFlags struct {
	raw, bytes, format bool
}

func flagsOf(prefix string) stringFlags {
	var f stringFlags
	for i := 0; i < len(prefix); i++ {
		switch prefix[i] | 0x20 {
		case 'r':
			f.raw = true
		case 'b':
			f.bytes = true
		case 'f', 't':
			f.format = true
		}
	}
	return f
}

// stringScanner scans one string literal; src[start:quote] is its prefix.
type stringScanner struct {
	src    []byte
	start  int
	q      byte
	triple bool
	raw    bool
}

// scanString returns the end of the string literal whose prefix starts at
// start and whose opening quote is at quote.
func scanString(src []byte, start, quote int) (int, error) {
	f := flagsOf(string(src[start:quote]))
	s := &stringScanner{src: src, start: start, q: src[quote], raw: f.raw}
	i := quote + 1
	if quote+2 < len(src) && src[quote+1] == s.q && src[quote+2] == s.q {
		s.triple = true
		i = quote + 3
	}
	if f.format {
		return s.fbody(i)
	}
	for {
		if i >= len(s.src) {
			return 0, s.unterminated()
		}
		switch c := s.src[i]; {
		case c == '\\':
			i = s.escape(i)
		case c == s.q:
			if end, ok := s.closes(i); ok {
				return end, nil
			}
			i++
		case c == '\n' && !s.triple:
			return 0, s.unterminated()
		default:
			i++
		}
	}
}

func (s *stringScanner) unterminated() error {
	if s.triple {
		return &syntaxError{off: s.start, msg: "unterminated triple-quoted string literal"}
	}
	return &syntaxError{off: s.start, msg: "unterminated string literal"}
}

// closes reports whether the quote at i closes the string, and where the
// string then ends.
func (s *stringScanner) closes(i int) (int, bool) {
	if !s.triple {
		return i + 1, true
	}
	if i+2 < len(s.src) && s.src[i+1] == s.q && s.src[i+2] == s.q {
		return i + 3, true
	}
	return 0, false
}

// escape skips the backslash at i and the character it protects from
// ending the string (also in raw strings, where the backslash stays).
func (s *stringScanner) escape(i int) int {
	if n := continuation(s.src, i+1); n > 0 {
		return i + 1 + n
	}
	if i+1 < len(s.src) {
		_, n := utf8.DecodeRune(s.src[i+1:])
		return i + 1 + n
	}
	return i + 1
}

// fbody scans the rest of an f-string (or t-string) from i, skipping over
// replacement fields, which may hold strings of their own.
func (s *stringScanner) fbody(i int) (int, error) {
	for {
		if i >= len(s.src) {
			return 0, s.unterminated()
		}
		switch c := s.src[i]; {
		case c == '\\':
			next := byte(0)
			if i+1 < len(s.src) {
				next = s.src[i+1]
			}
			switch {
			case next == '{' || next == '}':
				i++
			case !s.raw && next == 'N' && i+2 < len(s.src) && s.src[i+2] == '{':
				i += 3
				for i < len(s.src) && s.src[i] != '}' && s.src[i] != s.q && s.src[i] != '\n' {
					i++
				}
			default:
				i = s.escape(i)
			}
		case c == s.q:
			if end, ok := s.closes(i); ok {
				return end, nil
			}
			i++
		case c == '\n' && !s.triple:
			return 0, s.unterminated()
		case c == '{' && i+1 < len(s.src) && s.src[i+1] == '{':
			i += 2
		case c == '{':
			var err error
			if i, err = s.field(i + 1); err != nil {
				return 0, err
			}
		default:
			i++
		}
	}
}

// field scans a replacement field from just after its '{' and returns the
// offset after its closing '}'.
func (s *stringScanner) field(i int) (int, error) {
	depth := 0
	for i < len(s.src) {
		c := s.src[i]
		switch {
		case c == '"' || c == '\'':
			end, err := scanString(s.src, i, i)
			if err != nil {
				return 0, err
			}
			i = end
		case c < utf8.RuneSelf && (isASCIILetter(c) || c == '_'):
			end := scanIdent(s.src, i)
			if end < len(s.src) && (s.src[end] == '"' || s.src[end] == '\'') && isStringPrefix(s.src[i:end]) {
				var err error
				if end, err = scanString(s.src, i, end); err != nil {
					return 0, err
				}
			}
			i = end
		case c == '(' || c == '[' || c == '{':
			depth++
			i++
		case c == ')' || c == ']':
			depth--
			i++
		case c == '}':
			if depth == 0 {
				return i + 1, nil
			}
			depth--
			i++
		case c == ':' && depth == 0:
			return s.spec(i + 1)
		case c == '#':
			for i < len(s.src) && s.src[i] != '\n' {
				i++
			}
		default:
			i++
		}
	}
	return 0, &syntaxError{off: s.start, msg: "f-string: expecting '}'"}
}

// spec scans a format specification from just after its ':' up to and
// including the '}' that closes the replacement field.
func (s *stringScanner) spec(i int) (int, error) {
	for i < len(s.src) {
		switch c := s.src[i]; {
		case c == '}':
			return i + 1, nil
		case c == '{':
			var err error
			if i, err = s.field(i + 1); err != nil {
				return 0, err
			}
		case c == '\\':
			i = s.escape(i)
		case c == s.q:
			if _, ok := s.closes(i); ok {
				return 0, &syntaxError{off: s.start, msg: "f-string: expecting '}'"}
			}
			i++
		case c == '\n' && !s.triple:
			return 0, s.unterminated()
		default:
			i++
		}
	}
	return 0, &syntaxError{off: s.start, msg: "f-string: expecting '}'"}
}

// decodeString returns the value of a str literal token (escapes resolved,
// newlines normalised). It reports false for bytes and f-/t-strings, whose
// value is not a constant str.
func decodeString(text string) (string, bool) { return decodeLiteral(text, false) }

// decodeLiteral is decodeString that also decodes bytes literals when
// allowBytes is set (as text, the way pydantic serialises a bytes default).
func decodeLiteral(text string, allowBytes bool) (string, bool) {
	p := 0
	for p < len(text) && text[p] != '"' && text[p] != '\'' {
		p++
	}
	f := flagsOf(text[:p])
	if (f.bytes && !allowBytes) || f.format {
		return "", false
	}
	body := text[p:]
	n := 1
	if len(body) >= 6 && body[1] == body[0] && body[2] == body[0] {
		n = 3
	}
	body = body[n : len(body)-n]
	body = strings.ReplaceAll(body, "\r\n", "\n")
	if f.raw || !strings.Contains(body, `\`) {
		return body, true
	}
	return unescape(body), true
}

// unescape resolves Python's backslash escapes in a non-raw str literal.
// Unknown escapes keep their backslash, as Python does; \N{...} is kept
// verbatim because resolving it needs the Unicode name table.
func unescape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch e := s[i]; e {
		case '\n':
		case '\\', '\'', '"':
			b.WriteByte(e)
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte('\v')
		case 'x', 'u', 'U':
			width := 2
			if e == 'u' {
				width = 4
			} else if e == 'U' {
				width = 8
			}
			if i+1+width <= len(s) {
				if v, err := strconv.ParseUint(s[i+1:i+1+width], 16, 32); err == nil && utf8.ValidRune(rune(v)) {
					b.WriteRune(rune(v))
					i += width
					continue
				}
			}
			b.WriteByte('\\')
			b.WriteByte(e)
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(s) && j < i+3 && '0' <= s[j] && s[j] <= '7' {
				j++
			}
			v, _ := strconv.ParseUint(s[i:j], 8, 32)
			b.WriteRune(rune(v))
			i = j - 1
		default:
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return b.String()
}
