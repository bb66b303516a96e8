package discover

import (
	"encoding/json"
	"math/big"
	"strconv"
	"strings"
)

// nodeKind is the kind of a parsed expression node.
type nodeKind uint8

const (
	nName     nodeKind = iota + 1 // identifier: name
	nAttr                         // x.name
	nSub                          // x[args]
	nCall                         // x(args, kw)
	nConst                        // str, bytes, int, float, bool or None literal: value
	nList                         // [args]
	nTuple                        // (args)
	nDict                         // {k: v}: args holds keys and values alternately
	nSet                          // {args}
	nBin                          // x op y: name is the operator
	nUnary                        // op x: name is the operator ("-", "+", "~", "not")
	nEllipsis                     // ...
	nOpaque                       // a lambda: never evaluated
)

// node is a parsed Python expression from the subset that annotations,
// defaults and module-level constants use: names, attributes, subscripts,
// calls, literals and displays, and arithmetic, bitwise and boolean "not"
// operators. Lambdas, comprehensions, conditional expressions, comparisons
// and f-strings are outside it.
type node struct {
	kind  nodeKind
	name  string
	x, y  *node
	args  []*node
	kw    []kwArg
	value any
	bytes bool // an nConst from a bytes literal
}

// kwArg is one keyword argument of a call.
type kwArg struct {
	name  string
	value *node
}

// dotted returns "a.b.c" for a chain of names and attributes, or "".
func (n *node) dotted() string {
	switch n.kind {
	case nName:
		return n.name
	case nAttr:
		if base := n.x.dotted(); base != "" {
			return base + "." + n.name
		}
	}
	return ""
}

// parseExpr parses an annotation, default or constant from its source text.
// It returns nil when the text is outside the supported subset.
func parseExpr(text string) *node {
	src := []byte(text)
	lines, err := tokenize(src)
	if err != nil || len(lines) != 1 {
		return nil
	}
	p := &exprParser{src: src, toks: lines[0].toks}
	n := p.expr()
	if n == nil || p.i != len(p.toks) {
		return nil
	}
	return n
}

type exprParser struct {
	src  []byte
	toks []token
	i    int
}

func (p *exprParser) peek() (token, string) {
	if p.i >= len(p.toks) {
		return token{}, ""
	}
	t := p.toks[p.i]
	return t, string(p.src[t.off:t.end])
}

func (p *exprParser) accept(op string) bool {
	if t, s := p.peek(); t.kind == tOp && s == op {
		p.i++
		return true
	}
	return false
}

func (p *exprParser) acceptName(kw string) bool {
	if t, s := p.peek(); t.kind == tName && s == kw {
		p.i++
		return true
	}
	return false
}

// binaryLevels lists the binary operators by increasing precedence.
var binaryLevels = [][]string{
	{"|"}, {"^"}, {"&"}, {"<<", ">>"}, {"+", "-"}, {"*", "/", "//", "%", "@"},
}

// expr parses "not" expressions and the binary operators.
func (p *exprParser) expr() *node {
	if p.acceptName("not") {
		x := p.expr()
		if x == nil {
			return nil
		}
		return &node{kind: nUnary, name: "not", x: x}
	}
	return p.binary(0)
}

func (p *exprParser) binary(level int) *node {
	if level == len(binaryLevels) {
		return p.unary()
	}
	x := p.binary(level + 1)
	for x != nil {
		t, s := p.peek()
		if t.kind != tOp || !contains(binaryLevels[level], s) {
			return x
		}
		p.i++
		y := p.binary(level + 1)
		if y == nil {
			return nil
		}
		x = &node{kind: nBin, name: s, x: x, y: y}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

func (p *exprParser) unary() *node {
	if t, s := p.peek(); t.kind == tOp && (s == "-" || s == "+" || s == "~") {
		p.i++
		x := p.unary()
		if x == nil {
			return nil
		}
		if x.kind == nConst && s != "~" {
			switch v := x.value.(type) {
			case int64:
				if s == "-" {
					return &node{kind: nConst, value: -v}
				}
				return x
			case float64:
				if s == "-" {
					return &node{kind: nConst, value: -v}
				}
				return x
			}
		}
		return &node{kind: nUnary, name: s, x: x}
	}
	return p.power()
}

func (p *exprParser) power() *node {
	x := p.postfix()
	if x != nil && p.accept("**") {
		y := p.unary()
		if y == nil {
			return nil
		}
		return &node{kind: nBin, name: "**", x: x, y: y}
	}
	return x
}

func (p *exprParser) postfix() *node {
	x := p.atom()
	for x != nil {
		switch {
		case p.accept("."):
			t, s := p.peek()
			if t.kind != tName {
				return nil
			}
			p.i++
			x = &node{kind: nAttr, name: s, x: x}
		case p.accept("["):
			items, _, ok := p.list("]")
			if !ok || len(items) == 0 {
				return nil
			}
			x = &node{kind: nSub, x: x, args: items}
		case p.accept("("):
			call, ok := p.call(x)
			if !ok {
				return nil
			}
			x = call
		default:
			return x
		}
	}
	return nil
}

// call parses a call's arguments after its "(".
func (p *exprParser) call(f *node) (*node, bool) {
	c := &node{kind: nCall, x: f}
	for {
		if p.accept(")") {
			return c, true
		}
		if t, s := p.peek(); t.kind == tOp && (s == "*" || s == "**") {
			return nil, false // unpacking: not evaluated
		}
		if t, name := p.peek(); t.kind == tName && p.i+1 < len(p.toks) {
			next := p.toks[p.i+1]
			if next.kind == tOp && string(p.src[next.off:next.end]) == "=" {
				p.i += 2
				v := p.expr()
				if v == nil {
					return nil, false
				}
				c.kw = append(c.kw, kwArg{name: name, value: v})
				if !p.accept(",") {
					return c, p.accept(")")
				}
				continue
			}
		}
		if len(c.kw) > 0 {
			return nil, false
		}
		v := p.expr()
		if v == nil {
			return nil, false
		}
		c.args = append(c.args, v)
		if !p.accept(",") {
			return c, p.accept(")")
		}
	}
}

// list parses comma-separated expressions up to the closing bracket and
// consumes it. A trailing comma is allowed; trailing reports whether there
// was one.
func (p *exprParser) list(closing string) (items []*node, trailing, ok bool) {
	for {
		if p.accept(closing) {
			return items, trailing, true
		}
		n := p.expr()
		if n == nil {
			return nil, false, false
		}
		items = append(items, n)
		trailing = p.accept(",")
		if !trailing {
			return items, false, p.accept(closing)
		}
	}
}

func (p *exprParser) atom() *node {
	t, s := p.peek()
	switch t.kind {
	case tName:
		p.i++
		switch s {
		case "None":
			return &node{kind: nConst, value: nil}
		case "True", "False":
			return &node{kind: nConst, value: s == "True"}
		case "lambda":
			// Kept as an opaque value up to the end of its expression: it
			// is never evaluated, but a call around it can still be read
			// (Field(default_factory=lambda: [...])).
			depth := 0
			for ; p.i < len(p.toks); p.i++ {
				t, s := p.peek()
				if t.kind != tOp {
					continue
				}
				switch s {
				case "(", "[", "{":
					depth++
				case ")", "]", "}":
					if depth == 0 {
						return &node{kind: nOpaque}
					}
					depth--
				case ",":
					if depth == 0 {
						return &node{kind: nOpaque}
					}
				}
			}
			return &node{kind: nOpaque}
		case "await", "yield", "not", "and", "or", "if", "else", "for", "in", "is":
			return nil
		}
		return &node{kind: nName, name: s}
	case tString:
		var b strings.Builder
		isBytes := false
		for i := 0; t.kind == tString; i++ {
			v, ok := decodeLiteral(s, true)
			if !ok {
				return nil
			}
			b2 := isBytesLiteral(s)
			if i > 0 && b2 != isBytes {
				return nil
			}
			isBytes = b2
			b.WriteString(v)
			p.i++
			t, s = p.peek()
		}
		return &node{kind: nConst, value: b.String(), bytes: isBytes}
	case tNumber:
		p.i++
		return number(s, false)
	case tOp:
		p.i++
		switch s {
		case "...":
			return &node{kind: nEllipsis}
		case "[":
			items, _, ok := p.list("]")
			if !ok {
				return nil
			}
			return &node{kind: nList, args: items}
		case "(":
			items, trailing, ok := p.list(")")
			if !ok {
				return nil
			}
			if len(items) == 1 && !trailing {
				return items[0]
			}
			return &node{kind: nTuple, args: items}
		case "{":
			return p.brace()
		}
	}
	return nil
}

// isBytesLiteral reports whether a string token is a bytes literal.
func isBytesLiteral(text string) bool {
	p := 0
	for p < len(text) && text[p] != '"' && text[p] != '\'' {
		p++
	}
	return flagsOf(text[:p]).bytes
}

// brace parses a dict or set display after its "{".
func (p *exprParser) brace() *node {
	if p.accept("}") {
		return &node{kind: nDict}
	}
	first := p.expr()
	if first == nil {
		return nil
	}
	if !p.accept(":") {
		s := &node{kind: nSet, args: []*node{first}}
		if !p.accept(",") {
			if p.accept("}") {
				return s
			}
			return nil
		}
		items, _, ok := p.list("}")
		if !ok {
			return nil
		}
		s.args = append(s.args, items...)
		return s
	}
	d := &node{kind: nDict}
	k := first
	for {
		v := p.expr()
		if v == nil {
			return nil
		}
		d.args = append(d.args, k, v)
		if !p.accept(",") {
			if p.accept("}") {
				return d
			}
			return nil
		}
		if p.accept("}") {
			return d
		}
		if k = p.expr(); k == nil || !p.accept(":") {
			return nil
		}
	}
}

// number parses a numeric literal into an int64, a json.Number (integers
// beyond int64) or a float64. It returns nil for imaginary literals.
func number(text string, negative bool) *node {
	s := strings.ReplaceAll(text, "_", "")
	if strings.ContainsAny(s, "jJ") {
		return nil
	}
	isFloat := strings.ContainsAny(s, ".eE") && !strings.HasPrefix(strings.ToLower(s), "0x")
	if isFloat {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil
		}
		if negative {
			f = -f
		}
		return &node{kind: nConst, value: f}
	}
	if len(s) > 1 && s[0] == '0' && s[1] >= '0' && s[1] <= '9' {
		s = strings.TrimLeft(s, "0") // "00" is zero; Python has no C octal
		if s == "" {
			s = "0"
		}
	}
	b, ok := new(big.Int).SetString(s, 0)
	if !ok {
		return nil
	}
	if negative {
		b.Neg(b)
	}
	if b.IsInt64() {
		return &node{kind: nConst, value: b.Int64()}
	}
	return &node{kind: nConst, value: json.Number(b.String())}
}

// literal returns the JSON value of a literal expression: str, numbers,
// True/False/None, and lists, tuples and str-keyed dicts of literals.
func (n *node) literal() (any, bool) {
	switch n.kind {
	case nConst:
		return n.value, true
	case nList, nTuple:
		out := make([]any, 0, len(n.args))
		for _, a := range n.args {
			v, ok := a.literal()
			if !ok {
				return nil, false
			}
			out = append(out, v)
		}
		return out, true
	case nDict:
		out := make(map[string]any, len(n.args)/2)
		for i := 0; i < len(n.args); i += 2 {
			k, ok := n.args[i].value.(string)
			if n.args[i].kind != nConst || !ok {
				return nil, false
			}
			v, ok := n.args[i+1].literal()
			if !ok {
				return nil, false
			}
			out[k] = v
		}
		return out, true
	}
	return nil, false
}
