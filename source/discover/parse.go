package discover

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
)

// flowPaths are the qualified names of Prefect's flow decorator.
var flowPaths = map[string]bool{"prefect.flow": true, "prefect.flows.flow": true}

// prefectModules are the modules whose star import binds "flow".
var prefectModules = map[string]bool{"prefect": true, "prefect.flows": true}

// analyzer finds the flows of one file.
type analyzer struct {
	file  string
	src   []byte
	lines []logicalLine
	// binds maps a name bound in the file to what it refers to: the
	// qualified name of an imported module or object ("prefect",
	// "prefect.flow", "other.flow"), or "" for a local def, class or
	// assignment.
	binds map[string]string
	// otherStar reports a star import from a module other than prefect,
	// which may bind names discovery cannot see.
	otherStar bool
	flows     []Flow
	warns     []Warning
	mod       *module
	// defs are the module-level functions seen so far: the index of their
	// line and of their "def" keyword in it.
	defs map[string][2]int
}

// decorator is one "@..." line in front of a def.
type decorator struct {
	at   token    // the "@"
	path []string // dotted name, or nil when the expression is not one
	args []token  // tokens between the call's parentheses, if called
	toks []token  // the whole line
}

// analyze returns the flows and warnings of one file's source.
// Parameter schemas are computed with this file alone in view.
func analyze(file string, src []byte) ([]Flow, []Warning) {
	flows, warns, mod := analyzeModule(file, src)
	warns = append(warns, schemas(newRepo([]*module{mod}), mod, flows)...)
	slices.SortStableFunc(warns, compareWarnings)
	return flows, warns
}

// analyzeModule returns the flows and warnings of one file's source, and
// what it binds at module level.
func analyzeModule(file string, src []byte) ([]Flow, []Warning, *module) {
	a := analyzeFile(file, src)
	return a.flows, a.warns, a.mod
}

// analyzeFile reads one file's source: its flows, warnings and module-level bindings, and,
// when it is valid Python, its logical lines (a.lines) with the names bound at the end.
func analyzeFile(file string, src []byte) *analyzer {
	a := &analyzer{file: file, src: src, binds: map[string]string{}, mod: &module{file: file, names: map[string]*binding{}}, defs: map[string][2]int{}}
	lines, err := tokenize(src)
	if err != nil {
		var se *syntaxError
		if !errors.As(err, &se) {
			se = &syntaxError{msg: err.Error()}
		}
		a.warn(se.off, "not valid Python, so its flows were not discovered: "+se.msg)
		a.warns[len(a.warns)-1].Invalid = true
		return a
	}
	a.lines = lines
	var pending []decorator
	pendingIndent := -1
	var stack []block
	for i, ln := range lines {
		for len(stack) > 0 && stack[len(stack)-1].indent >= ln.indent {
			stack = stack[:len(stack)-1]
		}
		modLevel := moduleLevel(stack)
		var cls *classDef
		if n := len(stack); n > 0 && stack[n-1].kind == "class" {
			cls = stack[n-1].class
		}
		first := a.text(ln.toks[0])
		switch {
		case first == "@" && ln.toks[0].kind == tOp:
			if ln.indent != pendingIndent {
				pending, pendingIndent = nil, ln.indent
			}
			pending = append(pending, a.parseDecorator(ln.toks))
			continue
		case first == "def" || first == "class" || (first == "async" && len(ln.toks) > 1 && a.text(ln.toks[1]) == "def"):
			if ln.indent != pendingIndent {
				pending = nil
			}
			if cls != nil {
				cls.seen = true
			}
			b := block{indent: ln.indent, kind: "def"}
			if first == "class" {
				b.kind = "class"
				if modLevel {
					b.class = a.classHeader(ln.toks, 0, pending)
				}
			}
			a.definition(i, pending, modLevel, cls, guardOf(stack))
			if modLevel && len(ln.toks) > 1 {
				k := 1
				if first == "async" {
					k = 2
				}
				if k < len(ln.toks) && ln.toks[k].kind == tName {
					if b.kind == "def" {
						a.defs[a.text(ln.toks[k])] = [2]int{i, k - 1}
					}
					nb := &binding{kind: bDef}
					if b.class != nil {
						nb = &binding{kind: bClass, class: b.class}
					}
					a.bindName(a.text(ln.toks[k]), nb, inExcept(stack))
				}
			}
			stack = append(stack, b)
		default:
			for _, stmt := range splitTop(a, ln.toks, ";") {
				a.statement(ln.indent, stmt)
				switch {
				case modLevel:
					a.moduleStatement(stmt, inExcept(stack))
					a.flowAssignment(stmt)
				case cls != nil:
					a.classStatement(cls, stmt, !cls.seen)
					cls.seen = true
				}
			}
			if kind := a.headerKind(ln.toks); kind != "" {
				stack = append(stack, block{indent: ln.indent, kind: kind})
			}
		}
		pending, pendingIndent = nil, -1
	}
	return a
}

func (a *analyzer) text(t token) string { return string(a.src[t.off:t.end]) }

func (a *analyzer) is(t token, kind tokKind, s string) bool {
	return t.kind == kind && t.end-t.off == len(s) && string(a.src[t.off:t.end]) == s
}

func (a *analyzer) isOp(t token, s string) bool { return a.is(t, tOp, s) }

// warn records a warning at byte offset off.
func (a *analyzer) warn(off int, msg string) {
	line, col := position(a.src, off)
	a.warns = append(a.warns, Warning{File: a.file, Line: line, Column: col, Message: msg})
}

// position returns the 1-based line and character column of byte offset off.
func position(src []byte, off int) (line, col int) {
	line = 1
	start := 0
	for i := 0; i < off && i < len(src); i++ {
		if src[i] == '\n' {
			line++
			start = i + 1
		}
	}
	if start == 0 && bytes.HasPrefix(src, []byte("\ufeff")) {
		start = min(3, off)
	}
	return line, utf8.RuneCount(src[start:min(off, len(src))]) + 1
}

// match returns the index of the bracket closing toks[i], or -1.
func (a *analyzer) match(toks []token, i int) int {
	depth := 0
	for j := i; j < len(toks); j++ {
		if toks[j].kind != tOp || toks[j].end-toks[j].off != 1 {
			continue
		}
		switch a.src[toks[j].off] {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// splitTop splits toks at the operator sep outside brackets. Empty parts are
// dropped.
func splitTop(a *analyzer, toks []token, sep string) [][]token {
	var parts [][]token
	depth, start := 0, 0
	for j, t := range toks {
		if t.kind != tOp {
			continue
		}
		switch s := a.text(t); s {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
		case sep:
			if depth == 0 {
				if j > start {
					parts = append(parts, toks[start:j])
				}
				start = j + 1
			}
		}
	}
	if start < len(toks) {
		parts = append(parts, toks[start:])
	}
	return parts
}

// dotted reads NAME ("." NAME)* from toks[i:] and returns the names and the
// index after them.
func (a *analyzer) dotted(toks []token, i int) ([]string, int) {
	var names []string
	for i < len(toks) && toks[i].kind == tName {
		names = append(names, a.text(toks[i]))
		if i+2 < len(toks) && a.isOp(toks[i+1], ".") && toks[i+2].kind == tName {
			i += 2
			continue
		}
		return names, i + 1
	}
	return names, i
}

// statement handles a simple statement that is not a def or decorator:
// imports bind names; module-level assignments rebind them.
func (a *analyzer) statement(indent int, toks []token) {
	switch a.text(toks[0]) {
	case "import":
		if toks[0].kind == tName {
			a.importStmt(indent, toks[1:])
		}
		return
	case "from":
		if toks[0].kind == tName {
			a.fromImport(indent, toks[1:])
		}
		return
	}
	if indent != 0 {
		return
	}
	parts := splitTop(a, toks, "=")
	if len(parts) < 2 {
		return
	}
	target := ""
	if names, end := a.dotted(parts[len(parts)-1], 0); end == len(parts[len(parts)-1]) && len(names) > 0 {
		target = a.resolve(names)
	}
	for _, p := range parts[:len(parts)-1] {
		if len(p) == 1 && p[0].kind == tName {
			a.binds[a.text(p[0])] = target
		}
	}
}

// resolve returns the qualified name a dotted name refers to, or "" when
// its first name is unbound or local.
func (a *analyzer) resolve(names []string) string {
	base, ok := a.binds[names[0]]
	if !ok || base == "" {
		return ""
	}
	return strings.Join(append([]string{base}, names[1:]...), ".")
}

// bind records that name refers to target. Below module level (in a def,
// class, if or try body) only bindings to prefect are recorded: a
// function-local import cannot hide a module-level "from prefect import
// flow", while "try: from prefect import flow" still counts.
func (a *analyzer) bind(indent int, name, target string) {
	if indent != 0 && target != "prefect" && !strings.HasPrefix(target, "prefect.") {
		return
	}
	a.binds[name] = target
}

// importStmt handles "import a.b [as c], ...".
func (a *analyzer) importStmt(indent int, toks []token) {
	for _, item := range splitTop(a, toks, ",") {
		names, i := a.dotted(item, 0)
		if len(names) == 0 {
			continue
		}
		if i+1 < len(item) && a.is(item[i], tName, "as") && item[i+1].kind == tName {
			a.bind(indent, a.text(item[i+1]), strings.Join(names, "."))
			continue
		}
		a.bind(indent, names[0], names[0])
	}
}

// fromImport handles "from [.]mod import names" and "from mod import *".
func (a *analyzer) fromImport(indent int, toks []token) {
	i, module := 0, ""
	for i < len(toks) && toks[i].kind == tOp && strings.Trim(a.text(toks[i]), ".") == "" {
		module += a.text(toks[i])
		i++
	}
	names, i := a.dotted(toks, i)
	module += strings.Join(names, ".")
	if i >= len(toks) || !a.is(toks[i], tName, "import") {
		return
	}
	rest := toks[i+1:]
	if len(rest) > 0 && a.isOp(rest[0], "(") {
		rest = rest[1:]
		if len(rest) > 0 && a.isOp(rest[len(rest)-1], ")") {
			rest = rest[:len(rest)-1]
		}
	}
	if len(rest) == 1 && a.isOp(rest[0], "*") {
		if prefectModules[module] {
			a.bind(indent, "flow", module+".flow")
		} else {
			a.otherStar = true
		}
		return
	}
	for _, item := range splitTop(a, rest, ",") {
		if item[0].kind != tName {
			continue
		}
		name := a.text(item[0])
		local := name
		if len(item) == 3 && a.is(item[1], tName, "as") && item[2].kind == tName {
			local = a.text(item[2])
		}
		a.bind(indent, local, module+"."+name)
	}
}

// flowAssignment finds flows made by calls rather than decorators, which
// Prefect deploys by the name they are assigned to: "name = flow(fn)",
// "name = flow(name=...)(fn)" for a module-level def fn, and
// "name = some_flow.with_options(name="...")" for a flow of this file (a
// with_options that keeps the flow's name is a variant of that flow, not
// another one).
func (a *analyzer) flowAssignment(toks []token) {
	parts := splitTop(a, toks, "=")
	if len(parts) != 2 || len(parts[0]) != 1 || parts[0][0].kind != tName {
		return
	}
	name, v := a.text(parts[0][0]), parts[1]
	names, i := a.dotted(v, 0)
	if len(names) == 0 || i >= len(v) || !a.isOp(v[i], "(") {
		return
	}
	closing := a.match(v, i)
	if closing < 0 {
		return
	}
	args := v[i+1 : closing]
	if len(names) == 2 && names[1] == "with_options" && closing == len(v)-1 {
		for idx := range a.flows {
			if a.flows[idx].Function != names[0] {
				continue
			}
			f := a.flows[idx]
			f.Params = slices.Clone(f.Params)
			f.Function, f.Entrypoint, f.Line, f.DecoratorLine = name, a.file+":"+name, v[0].line, v[0].line
			renamed := false
			for _, arg := range splitTop(a, args, ",") {
				if len(arg) >= 3 && a.is(arg[0], tName, "name") && a.isOp(arg[1], "=") {
					s, ok := a.literal(arg[2:])
					if !ok {
						a.warn(arg[2].off, fmt.Sprintf("flow %q: its name is not a string literal, so it is not deployed", name))
						return
					}
					f.DeclaredName, f.Name, renamed = s, naming.StandardizeFlow(s), true
				}
			}
			if !renamed || f.Name == a.flows[idx].Name {
				return // a variant of the same flow (other retries, ...): deployed as that flow
			}
			for _, site := range a.mod.sites {
				if site.index == idx {
					site.index = len(a.flows)
					a.mod.sites = append(a.mod.sites, site)
					break
				}
			}
			a.flows = append(a.flows, f)
			return
		}
		return
	}
	if !flowPaths[a.resolve(names)] {
		return
	}
	var fn string
	var decArgs []token
	switch {
	case closing == len(v)-1: // flow(fn, name=...)
		items := splitTop(a, args, ",")
		if len(items) == 0 || len(items[0]) != 1 || items[0][0].kind != tName {
			return
		}
		fn = a.text(items[0][0])
		if comma := indexTop(a, args, ","); comma >= 0 {
			decArgs = args[comma+1:]
		}
	case closing+4 == len(v) && a.isOp(v[closing+1], "(") && v[closing+2].kind == tName && a.isOp(v[closing+3], ")"):
		fn, decArgs = a.text(v[closing+2]), args // flow(name=...)(fn)
	default:
		return
	}
	def, ok := a.defs[fn]
	if !ok {
		return
	}
	d := &decorator{at: v[0], path: names, args: decArgs, toks: v}
	f, ok := a.flow(def[0], def[1], d, "")
	if !ok {
		return
	}
	f.Function, f.Entrypoint, f.Line = name, a.file+":"+name, v[0].line
	a.flows = append(a.flows, f)
}

// parseDecorator reads "@dotted.name" or "@dotted.name(args)".
func (a *analyzer) parseDecorator(toks []token) decorator {
	d := decorator{at: toks[0], toks: toks}
	if len(toks) < 2 {
		return d
	}
	names, i := a.dotted(toks, 1)
	switch {
	case i == len(toks):
		d.path = names
	case a.isOp(toks[i], "(") && a.match(toks, i) == len(toks)-1:
		d.path, d.args = names, toks[i+1:len(toks)-1]
	}
	return d
}

// definition handles a def, async def or class line at lines[i] with the
// decorators in front of it. modLevel reports a definition that runs on
// import (at indentation 0 or in module-level if/try/with blocks); cls is
// the module-level class whose body holds it, if any; guard names the
// "if __name__ == ..." or "if TYPE_CHECKING" block around it, if any.
func (a *analyzer) definition(i int, decorators []decorator, modLevel bool, cls *classDef, guard string) {
	ln := a.lines[i]
	toks := ln.toks
	k := 0
	if a.text(toks[0]) == "async" {
		k = 1
	}
	isClass := a.text(toks[k]) == "class"
	if k+1 >= len(toks) || toks[k+1].kind != tName {
		return
	}
	name := a.text(toks[k+1])
	var flowDec *decorator
	for j := range decorators {
		d := &decorators[j]
		if d.path == nil {
			continue
		}
		if flowPaths[a.resolve(d.path)] {
			if flowDec == nil {
				flowDec = d
			}
			continue
		}
		if _, bound := a.binds[d.path[0]]; !bound && d.path[len(d.path)-1] == "flow" &&
			(len(d.path) == 1 || (len(d.path) == 2 && d.path[0] == "prefect")) {
			hint := `"from prefect import flow"`
			if len(d.path) == 2 {
				hint = `"import prefect"`
			}
			msg := fmt.Sprintf("@%s: %q is not imported in this file, so %q is not treated as a flow (missing %s?)",
				strings.Join(d.path, "."), d.path[0], name, hint)
			if a.otherStar {
				msg += "; names from star imports of other modules are not followed"
			}
			a.warn(d.at.off, msg)
		}
	}
	if ln.indent == 0 {
		defer func() { a.binds[name] = "" }()
	}
	if flowDec == nil {
		return
	}
	if isClass {
		a.warn(flowDec.at.off, fmt.Sprintf("@%s on class %q: only functions can be flows", strings.Join(flowDec.path, "."), name))
		return
	}
	qualifier := ""
	switch {
	case ln.indent == 0 || modLevel:
	case cls != nil:
		kind := ""
		for _, d := range decorators {
			if len(d.path) == 1 && (d.path[0] == "staticmethod" || d.path[0] == "classmethod") {
				kind = d.path[0]
			}
		}
		if kind == "" {
			a.warn(flowDec.at.off, fmt.Sprintf("flow %q is an instance method of class %q: a deployment cannot call it without an instance, so it is not deployed (make it a @staticmethod or @classmethod)", name, cls.name))
			return
		}
		qualifier = cls.name + "."
	case guard != "":
		a.warn(flowDec.at.off, fmt.Sprintf("flow %q is defined under %s, which does not run when Prefect imports the file, so it is not deployed", name, guard))
		return
	default:
		a.warn(flowDec.at.off, fmt.Sprintf("flow %q is not defined at module level (it is indented), so it is not deployed", name))
		return
	}
	f, ok := a.flow(i, k, flowDec, qualifier)
	if !ok {
		a.warn(toks[k].off, fmt.Sprintf("could not read the signature of flow %q", name))
		return
	}
	a.flows = append(a.flows, f)
}

// flow builds the Flow for the def at lines[i] (the "def" keyword is
// toks[k]) decorated by d. qualifier is "Class." for a method flow.
func (a *analyzer) flow(i, k int, d *decorator, qualifier string) (Flow, bool) {
	toks := a.lines[i].toks
	def := toks[k]
	fn := a.text(toks[k+1])
	j := k + 2
	var typeParams []string
	if j < len(toks) && a.isOp(toks[j], "[") {
		open := j
		if j = a.match(toks, j); j < 0 {
			return Flow{}, false
		}
		for _, tp := range splitTop(a, toks[open+1:j], ",") {
			if len(tp) > 0 && tp[0].kind == tName {
				typeParams = append(typeParams, a.text(tp[0]))
			}
		}
		j++
	}
	if j >= len(toks) || !a.isOp(toks[j], "(") {
		return Flow{}, false
	}
	closeParen := a.match(toks, j)
	if closeParen < 0 {
		return Flow{}, false
	}
	params, pos, ok := a.params(toks[j+1 : closeParen])
	if !ok {
		return Flow{}, false
	}
	colon := indexTop(a, toks[closeParen+1:], ":")
	if colon < 0 {
		return Flow{}, false
	}
	colon += closeParen + 1
	doc, hasDoc := a.docstring(i, toks[colon+1:])

	a.mod.sites = append(a.mod.sites, flowSite{index: len(a.flows), pos: pos, typeParams: typeParams})
	f := Flow{
		Function:      qualifier + fn,
		File:          a.file,
		Line:          def.line,
		DecoratorLine: d.at.line,
		Entrypoint:    a.file + ":" + qualifier + fn,
		Async:         k == 1,
		Params:        params,
	}
	var description string
	descGiven := false
	for _, arg := range splitTop(a, d.args, ",") {
		if a.isOp(arg[0], "**") {
			a.warn(arg[0].off, "flow options passed with ** are not read; the flow name and description come from the function")
			continue
		}
		if len(arg) < 3 || arg[0].kind != tName || !a.isOp(arg[1], "=") {
			continue
		}
		value := arg[2:]
		if len(value) == 1 && a.is(value[0], tName, "None") {
			continue
		}
		switch a.text(arg[0]) {
		case "name":
			if s, ok := a.literal(value); ok {
				f.DeclaredName = s
			} else {
				a.warn(value[0].off, fmt.Sprintf("flow name is not a string literal; using the function name %q", fn))
			}
		case "description":
			if s, ok := a.literal(value); ok {
				description, descGiven = s, true
			} else {
				a.warn(value[0].off, fmt.Sprintf("description of flow %q is not a string literal; using the docstring", fn))
			}
		}
	}
	display := f.DeclaredName
	if display == "" {
		display = fn
	}
	f.Name = naming.StandardizeFlow(display)
	if f.Name == "" {
		a.warn(d.at.off, fmt.Sprintf("flow name %q has no ASCII letter or digit to build a deployment name from", display))
	}
	if hasDoc {
		doc = cleandoc(doc)
		argDocs := docArgs(doc)
		for p := range f.Params {
			f.Params[p].Description, f.Params[p].Documented = argDocs[f.Params[p].Name]
		}
	}
	f.Description = doc
	if descGiven && description != "" {
		f.Description = description
	}
	return f, true
}

// literal returns the value of a str literal made of one or more adjacent
// string tokens, maybe in parentheses.
func (a *analyzer) literal(toks []token) (string, bool) {
	for len(toks) > 2 && a.isOp(toks[0], "(") && a.match(toks, 0) == len(toks)-1 {
		toks = toks[1 : len(toks)-1]
	}
	var b strings.Builder
	for _, t := range toks {
		if t.kind != tString {
			return "", false
		}
		s, ok := decodeString(a.text(t))
		if !ok {
			return "", false
		}
		b.WriteString(s)
	}
	return b.String(), len(toks) > 0
}

// docstring returns the raw docstring of the def at lines[i], whose header
// ends just before rest.
func (a *analyzer) docstring(i int, rest []token) (string, bool) {
	if len(rest) == 0 {
		if i+1 >= len(a.lines) || a.lines[i+1].indent <= a.lines[i].indent {
			return "", false
		}
		rest = a.lines[i+1].toks
	}
	stmts := splitTop(a, rest, ";")
	if len(stmts) == 0 {
		return "", false
	}
	return a.literal(stmts[0])
}

// params reads the parameter list between a def's parentheses, and where
// each parameter's name is.
func (a *analyzer) params(toks []token) ([]Param, []paramPos, bool) {
	params := []Param{}
	var pos []paramPos
	kwonly := false
	for _, item := range splitTop(a, toks, ",") {
		p := Param{Kind: KindPositional}
		switch {
		case len(item) == 1 && a.isOp(item[0], "/"):
			continue
		case len(item) == 1 && a.isOp(item[0], "*"):
			kwonly = true
			continue
		case a.isOp(item[0], "*"):
			p.Kind, kwonly = KindVarArg, true
			item = item[1:]
		case a.isOp(item[0], "**"):
			p.Kind = KindVarKeyword
			item = item[1:]
		case kwonly:
			p.Kind = KindKeywordOnly
		}
		if len(item) == 0 || item[0].kind != tName {
			return nil, nil, false
		}
		p.Name = a.text(item[0])
		line, col := position(a.src, item[0].off)
		pos = append(pos, paramPos{line: line, col: col})
		rest := item[1:]
		if eq := indexTop(a, rest, "="); eq >= 0 {
			if eq+1 >= len(rest) {
				return nil, nil, false
			}
			p.Default, p.HasDefault = a.source(rest[eq+1:]), true
			rest = rest[:eq]
		}
		if len(rest) > 0 {
			if !a.isOp(rest[0], ":") || len(rest) < 2 {
				return nil, nil, false
			}
			p.Annotation = a.source(rest[1:])
		}
		params = append(params, p)
	}
	return params, pos, true
}

// indexTop returns the index of the first operator op outside brackets.
func indexTop(a *analyzer, toks []token, op string) int {
	depth := 0
	for j, t := range toks {
		if t.kind != tOp {
			continue
		}
		switch s := a.text(t); s {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
		case op:
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// source returns the source text of toks with every gap (spaces, newlines,
// comments, line continuations) turned into one space, or into nothing
// just inside brackets and before a comma.
func (a *analyzer) source(toks []token) string {
	var b strings.Builder
	for j, t := range toks {
		if j > 0 && t.off > toks[j-1].end {
			prev, next := a.text(toks[j-1]), a.text(t)
			open := toks[j-1].kind == tOp && (prev == "(" || prev == "[" || prev == "{")
			closing := t.kind == tOp && (next == ")" || next == "]" || next == "}" || next == ",")
			if !open && !closing {
				b.WriteByte(' ')
			}
		}
		b.Write(a.src[t.off:t.end])
	}
	return b.String()
}
