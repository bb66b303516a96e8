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
	nName     nodeKind = iota + 1 // dotted name, maybe subscripted: name, args
	nConst                        // str, int, float, bool or None literal: value
	nList                         // [a, b]: args
	nTuple                        // (a, b): args
	nDict                         // {k: v}: args holds keys and values alternately
	nUnion                        // a | b: args
	nEllipsis                     // ...
)

// node is a parsed Python expression from the small subset that
// annotations and literal defaults use.
type node struct {
	kind  nodeKind
	name  string // dotted name of an nName
	sub   bool   // an nName with a subscript
	args  []*node
	value any
}

// parseExpr parses an annotation or default from its source text. It
// returns nil when the text is outside the supported subset (calls,
// arithmetic, comprehensions, ...).
func parseExpr(text string) *node {
	src := []byte(text)
	lines, err := tokenize(src)
	if err != nil || len(lines) != 1 {
		return nil
	}
	p := &exprParser{src: src, toks: lines[0].toks}
	n := p.union()
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

func (p *exprParser) union() *node {
	n := p.primary()
	if n == nil {
		return nil
	}
	if t, s := p.peek(); t.kind != tOp || s != "|" {
		return n
	}
	u := &node{kind: nUnion, args: []*node{n}}
	for p.accept("|") {
		m := p.primary()
		if m == nil {
			return nil
		}
		u.args = append(u.args, m)
	}
	return u
}

// list parses comma-separated expressions up to the closing bracket and
// consumes it. A trailing comma is allowed; trailing reports whether there
// was one.
func (p *exprParser) list(closing string) (items []*node, trailing, ok bool) {
	for {
		if p.accept(closing) {
			return items, trailing, true
		}
		n := p.union()
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

func (p *exprParser) primary() *node {
	t, s := p.peek()
	switch t.kind {
	case tName:
		switch s {
		case "None":
			p.i++
			return &node{kind: nConst, value: nil}
		case "True", "False":
			p.i++
			return &node{kind: nConst, value: s == "True"}
		}
		return p.name()
	case tString:
		var b strings.Builder
		for t.kind == tString {
			v, ok := decodeLiteral(s, true)
			if !ok {
				return nil
			}
			b.WriteString(v)
			p.i++
			t, s = p.peek()
		}
		return &node{kind: nConst, value: b.String()}
	case tNumber:
		p.i++
		return number(s, false)
	case tOp:
		p.i++
		switch s {
		case "-", "+":
			if next, text := p.peek(); next.kind == tNumber {
				p.i++
				return number(text, s == "-")
			}
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
			return p.dict()
		}
	}
	return nil
}

func (p *exprParser) name() *node {
	t, s := p.peek()
	names := []string{s}
	p.i++
	for p.accept(".") {
		if t, s = p.peek(); t.kind != tName {
			return nil
		}
		names = append(names, s)
		p.i++
	}
	n := &node{kind: nName, name: strings.Join(names, ".")}
	if p.accept("[") {
		items, _, ok := p.list("]")
		if !ok {
			return nil
		}
		n.sub, n.args = true, items
	}
	return n
}

func (p *exprParser) dict() *node {
	d := &node{kind: nDict}
	for {
		if p.accept("}") {
			return d
		}
		k := p.union()
		if k == nil || !p.accept(":") {
			return nil
		}
		v := p.union()
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
