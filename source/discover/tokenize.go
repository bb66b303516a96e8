package discover

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// tokKind is the kind of a Python token.
type tokKind uint8

const (
	tName tokKind = iota + 1
	tNumber
	tString
	tOp
)

// token is one Python token; its text is src[off:end].
type token struct {
	kind tokKind
	off  int // byte offset of the first byte
	end  int // byte offset after the last byte
	line int // 1-based line of the first byte
}

// logicalLine is one Python logical line: the tokens of a statement (or of
// several statements joined by ';'), without comments and newlines.
type logicalLine struct {
	indent int // column of the first token, tabs expanded to multiples of 8
	toks   []token
}

// syntaxError is a tokenizer failure at a byte offset of the source.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string { return e.msg }

// tokenizer turns Python source into logical lines. It understands exactly
// as much of Python's lexical grammar as discovery needs: strings of every
// prefix (f-strings with their replacement fields), comments, explicit and
// implicit line joining, and bracket nesting.
type tokenizer struct {
	src       []byte
	pos       int
	line      int
	lineStart int // offset of the first byte of the current physical line
	brackets  []token
	toks      []token
	lines     []logicalLine
	first     int // index in toks of the current logical line's first token
	base      int // offset after the byte order mark, if any
}

// tokenize splits src into logical lines, or reports where it stops being
// Python.
func tokenize(src []byte) ([]logicalLine, error) {
	if off := invalidUTF8(src); off >= 0 {
		return nil, &syntaxError{off: off, msg: "invalid UTF-8"}
	}
	t := &tokenizer{src: src, line: 1, toks: make([]token, 0, len(src)/4)}
	if len(src) >= 3 && src[0] == 0xEF && src[1] == 0xBB && src[2] == 0xBF {
		t.pos, t.lineStart, t.base = 3, 3, 3
	}
	if err := t.run(); err != nil {
		return nil, err
	}
	return t.lines, nil
}

func invalidUTF8(src []byte) int {
	if utf8.Valid(src) {
		return -1
	}
	for i := 0; i < len(src); {
		r, n := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

func (t *tokenizer) run() error {
	src := t.src
	for t.pos < len(src) {
		c := src[t.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\f' || c == '\r':
			t.pos++
		case c == '\n':
			t.newline(t.pos + 1)
			if len(t.brackets) == 0 {
				t.endLine()
			}
		case c == '#':
			for t.pos < len(src) && src[t.pos] != '\n' {
				t.pos++
			}
		case c == '\\':
			n := continuation(src, t.pos+1)
			if n == 0 {
				return &syntaxError{off: t.pos, msg: "unexpected character after line continuation character"}
			}
			t.newline(t.pos + 1 + n)
		case c == '"' || c == '\'':
			if err := t.str(t.pos, t.pos); err != nil {
				return err
			}
		case isDigit(c) || (c == '.' && t.pos+1 < len(src) && isDigit(src[t.pos+1])):
			t.emit(tNumber, t.pos, scanNumber(src, t.pos))
		case c < utf8.RuneSelf && (isASCIILetter(c) || c == '_'):
			if err := t.name(); err != nil {
				return err
			}
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRune(src[t.pos:])
			if !isIdentStart(r) {
				t.emit(tOp, t.pos, t.pos+n)
			} else if err := t.name(); err != nil {
				return err
			}
		default:
			if err := t.op(); err != nil {
				return err
			}
		}
	}
	if len(t.brackets) > 0 {
		b := t.brackets[len(t.brackets)-1]
		return &syntaxError{off: b.off, msg: fmt.Sprintf("'%s' was never closed", t.src[b.off:b.end])}
	}
	t.endLine()
	return nil
}

// continuation returns the length of the newline at src[i:] (1 or 2), or 0.
func continuation(src []byte, i int) int {
	switch {
	case i < len(src) && src[i] == '\n':
		return 1
	case i+1 < len(src) && src[i] == '\r' && src[i+1] == '\n':
		return 2
	}
	return 0
}

// newline records that a physical line ends just before next.
func (t *tokenizer) newline(next int) {
	t.pos = next
	t.line++
	t.lineStart = next
}

func (t *tokenizer) endLine() {
	if t.first == len(t.toks) {
		return
	}
	first := t.toks[t.first]
	t.lines = append(t.lines, logicalLine{indent: t.indentOf(first), toks: t.toks[t.first:len(t.toks):len(t.toks)]})
	t.first = len(t.toks)
}

// indentOf returns the indentation column of a line's first token, computed
// the way Python does: tabs advance to the next multiple of 8 and a form
// feed resets the column.
func (t *tokenizer) indentOf(tok token) int {
	start := tok.off
	for start > t.base && t.src[start-1] != '\n' {
		start--
	}
	col := 0
	for _, c := range t.src[start:tok.off] {
		switch c {
		case '\t':
			col = (col/8 + 1) * 8
		case '\f':
			col = 0
		default:
			col++
		}
	}
	return col
}

func (t *tokenizer) emit(kind tokKind, off, end int) {
	t.toks = append(t.toks, token{kind: kind, off: off, end: end, line: t.line})
	t.pos = end
}

func (t *tokenizer) name() error {
	start := t.pos
	end := scanIdent(t.src, start)
	if end < len(t.src) && (t.src[end] == '"' || t.src[end] == '\'') && isStringPrefix(t.src[start:end]) {
		return t.str(start, end)
	}
	t.emit(tName, start, end)
	return nil
}

// str scans the string literal whose prefix starts at start and whose
// opening quote is at quote, and emits it as one token.
func (t *tokenizer) str(start, quote int) error {
	end, err := scanString(t.src, start, quote)
	if err != nil {
		return err
	}
	line := t.line
	for i := start; i < end; i++ {
		if t.src[i] == '\n' {
			t.line++
			t.lineStart = i + 1
		}
	}
	t.toks = append(t.toks, token{kind: tString, off: start, end: end, line: line})
	t.pos = end
	return nil
}

var (
	ops3 = []string{"**=", "//=", ">>=", "<<=", "..."}
	ops2 = []string{"**", "//", "<<", ">>", "<=", ">=", "==", "!=", "->", ":=",
		"+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@="}
)

// op scans an operator or delimiter and keeps track of bracket nesting.
func (t *tokenizer) op() error {
	src, p := t.src, t.pos
	for _, group := range [][]string{ops3, ops2} {
		for _, o := range group {
			if p+len(o) <= len(src) && string(src[p:p+len(o)]) == o {
				t.emit(tOp, p, p+len(o))
				return nil
			}
		}
	}
	c := src[p]
	switch c {
	case '(', '[', '{':
		t.emit(tOp, p, p+1)
		t.brackets = append(t.brackets, t.toks[len(t.toks)-1])
		return nil
	case ')', ']', '}':
		if len(t.brackets) == 0 {
			return &syntaxError{off: p, msg: fmt.Sprintf("unmatched '%c'", c)}
		}
		open := t.brackets[len(t.brackets)-1]
		if o := src[open.off]; closerOf(o) != c {
			return &syntaxError{off: p, msg: fmt.Sprintf("closing parenthesis '%c' does not match opening parenthesis '%c' on line %d", c, o, open.line)}
		}
		t.brackets = t.brackets[:len(t.brackets)-1]
	}
	t.emit(tOp, p, p+1)
	return nil
}

func closerOf(open byte) byte {
	switch open {
	case '(':
		return ')'
	case '[':
		return ']'
	}
	return '}'
}

func isDigit(c byte) bool       { return '0' <= c && c <= '9' }
func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isIdentStart(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.Is(unicode.Nl, r) || unicode.Is(unicode.Other_ID_Start, r)
}

func isIdentContinue(r rune) bool {
	return isIdentStart(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) ||
		unicode.Is(unicode.Nd, r) || unicode.Is(unicode.Pc, r) || unicode.Is(unicode.Other_ID_Continue, r)
}

// scanIdent returns the end of the identifier starting at src[i].
func scanIdent(src []byte, i int) int {
	for i < len(src) {
		c := src[i]
		if c < utf8.RuneSelf {
			if !isASCIILetter(c) && !isDigit(c) && c != '_' {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(src[i:])
		if !isIdentContinue(r) {
			return i
		}
		i += n
	}
	return i
}

// scanNumber returns the end of the numeric literal starting at src[i].
func scanNumber(src []byte, i int) int {
	at := func(j int) byte {
		if j < len(src) {
			return src[j]
		}
		return 0
	}
	if src[i] == '0' && (at(i+1)|0x20 == 'x' || at(i+1)|0x20 == 'o' || at(i+1)|0x20 == 'b') {
		i += 2
		for c := at(i); isDigit(c) || c == '_' || ('a' <= c|0x20 && c|0x20 <= 'f'); c = at(i) {
			i++
		}
		return i
	}
	for c := at(i); isDigit(c) || c == '_'; c = at(i) {
		i++
	}
	if at(i) == '.' {
		i++
		for c := at(i); isDigit(c) || c == '_'; c = at(i) {
			i++
		}
	}
	if at(i)|0x20 == 'e' {
		switch {
		case isDigit(at(i + 1)):
			i++
		case (at(i+1) == '+' || at(i+1) == '-') && isDigit(at(i+2)):
			i += 2
		}
		for c := at(i); isDigit(c) || c == '_'; c = at(i) {
			i++
		}
	}
	if at(i)|0x20 == 'j' {
		i++
	}
	return i
}
