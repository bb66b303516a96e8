package discover

import (
	"fmt"
	"slices"
	"strings"
)

// Call is a call of one of the functions [FindCalls] looks for, read statically: anywhere in
// the file (module level, a function body, "x = f(...)", "f(...).apply()"), never in a string
// or a comment.
type Call struct {
	// File is the file's path relative to the root, with forward slashes.
	File string
	// Func is the qualified name of the function called, resolved through the file's imports
	// ("prefect.deployments.Deployment.build_from_flow" for "Deployment.build_from_flow" after
	// "from prefect.deployments import Deployment").
	Func string
	// Line and Col are where the call starts (1-based; Col counts characters).
	Line, Col int
	// Args and Kwargs are its positional and keyword arguments, in order.
	Args   []Value
	Kwargs []Kwarg
}

// Kwarg is one keyword argument of a call.
type Kwarg struct {
	Name  string
	Value Value
}

// Value is a call argument as far as it can be known without running Python.
type Value struct {
	// Literal holds the value of a literal — str, int (int64, or json.Number beyond it), float,
	// bool, None (nil), and lists, tuples and str-keyed dicts of literals — and of a name bound
	// at module level to one; IsLiteral says it is one.
	Literal   any
	IsLiteral bool
	// Name is a bare or dotted name, as written; Qualified what it refers to through the
	// file's imports ("pkg.flows.etl" for "etl" after "from pkg.flows import etl"), or "" when
	// it is defined in the file itself (Local) or unbound.
	Name, Qualified string
	// Local says Name is a function or class defined at the file's module level.
	Local bool
	// Call is a call expression, e.g. CronSchedule(cron="0 3 * * *"), or the call a name is
	// bound to at module level (k8s = KubernetesJob(...); ... infrastructure=k8s).
	Call *Call
	// Items are the elements of a list or tuple that is not a literal (it holds calls or
	// names), e.g. [CronSchedule(cron="0 3 * * *")].
	Items []Value
	// Text is the source text of the expression.
	Text string
	// Line and Col are where the expression starts.
	Line, Col int

	expr *node
}

// FindCalls returns the calls in src (the source of file, for positions) of any of funcs,
// given as qualified names, with names bound in the file itself evaluated. [Discover] with
// [Options.Calls] does the same for a whole repository, evaluating names imported from its
// other files too. A file that is not valid Python is an error at its line and column.
func FindCalls(file string, src []byte, funcs []string) ([]Call, error) {
	a := analyzeFile(file, src)
	for _, w := range a.warns {
		if w.Invalid {
			return nil, fmt.Errorf("%s", w)
		}
	}
	a.mod.calls = a.findCalls(funcs)
	evalCalls(newRepo([]*module{a.mod}), a.mod)
	return a.mod.calls, nil
}

// findCalls finds the calls of funcs in the file's logical lines.
func (a *analyzer) findCalls(funcs []string) []Call {
	var out []Call
	for _, ln := range a.lines {
		toks := ln.toks
		for j := 0; j < len(toks); j++ {
			if toks[j].kind != tName || (j > 0 && a.isOp(toks[j-1], ".")) {
				continue
			}
			names, end := a.dotted(toks, j)
			if end >= len(toks) || !a.isOp(toks[end], "(") {
				continue
			}
			qualified := a.resolve(names)
			if !slices.Contains(funcs, qualified) {
				continue
			}
			closing := a.match(toks, end)
			if closing < 0 {
				continue
			}
			c := a.call(qualified, toks[j], toks[end+1:closing])
			c.File = a.file
			out = append(out, c)
		}
	}
	return out
}

// evalCalls evaluates, with the repository in view, every argument of m's calls that is not
// a plain literal: names of constants, arithmetic, timedelta(...), and what they contain.
func evalCalls(r *repo, m *module) {
	for i := range m.calls {
		evalCall(r, m, &m.calls[i])
	}
}

func evalCall(r *repo, m *module, c *Call) {
	for i := range c.Args {
		evalValue(r, m, &c.Args[i])
	}
	for i := range c.Kwargs {
		evalValue(r, m, &c.Kwargs[i].Value)
	}
}

func evalValue(r *repo, m *module, v *Value) {
	if !v.IsLiteral && v.expr != nil && (v.Call == nil || v.Call.Func == "datetime.timedelta") {
		if x, ok := r.eval(v.expr, m, 0); ok {
			if d, isDelta := x.(pyDelta); isDelta {
				v.Literal, v.IsLiteral = float64(d.us)/1e6, true // a timedelta is its seconds here
			} else if j, ok := toJSON(x); ok {
				v.Literal, v.IsLiteral = j, true
			}
		}
	}
	if v.Call != nil {
		evalCall(r, m, v.Call)
	}
	for i := range v.Items {
		evalValue(r, m, &v.Items[i])
	}
}

// call reads the arguments of a call starting at tok.
func (a *analyzer) call(qualified string, start token, args []token) Call {
	c := Call{Func: qualified}
	c.Line, c.Col = position(a.src, start.off)
	for _, item := range splitTop(a, args, ",") {
		if len(item) >= 2 && item[0].kind == tName && a.isOp(item[1], "=") {
			c.Kwargs = append(c.Kwargs, Kwarg{Name: a.text(item[0]), Value: a.value(item[2:])})
			continue
		}
		c.Args = append(c.Args, a.value(item))
	}
	return c
}

// value reads one argument expression.
func (a *analyzer) value(toks []token) Value {
	if len(toks) == 0 {
		return Value{}
	}
	v := Value{Text: a.source(toks)}
	v.Line, v.Col = position(a.src, toks[0].off)
	a.fill(&v, parseExpr(v.Text))
	return v
}

// fill completes v from its parsed expression n (nil outside the supported subset).
func (a *analyzer) fill(v *Value, n *node) {
	if n == nil {
		return
	}
	v.expr = n
	if lit, ok := n.literal(); ok {
		v.Literal, v.IsLiteral = lit, true
		return
	}
	switch n.kind {
	case nList, nTuple:
		v.Items = []Value{}
		for _, item := range n.args {
			iv := Value{Line: v.Line, Col: v.Col}
			a.fill(&iv, item)
			v.Items = append(v.Items, iv)
		}
	case nName, nAttr:
		v.Name = n.dotted()
		if v.Name == "" {
			return
		}
		parts := strings.Split(v.Name, ".")
		v.Qualified = a.resolve(parts)
		if b, ok := a.mod.names[parts[0]]; ok && v.Qualified == "" && len(parts) == 1 {
			switch b.kind {
			case bDef, bClass:
				v.Local = true
			case bAssign:
				// A name bound at module level to a call (storage = GitHub.load("x")) says what
				// it was made by.
				if e := b.expr(); e != nil && e.kind == nCall {
					via := Value{Line: v.Line, Col: v.Col}
					a.fill(&via, e)
					v.Call = via.Call
				}
			}
		}
	case nCall:
		c := &Call{Line: v.Line, Col: v.Col}
		if f := n.x.dotted(); f != "" {
			c.Func = a.resolve(strings.Split(f, "."))
			if c.Func == "" {
				c.Func = f
			}
		}
		for _, arg := range n.args {
			av := Value{Line: v.Line, Col: v.Col}
			a.fill(&av, arg)
			c.Args = append(c.Args, av)
		}
		for _, kw := range n.kw {
			av := Value{Line: v.Line, Col: v.Col}
			a.fill(&av, kw.value)
			c.Kwargs = append(c.Kwargs, Kwarg{Name: kw.name, Value: av})
		}
		v.Call = c
	}
}
