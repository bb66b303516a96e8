package discover

import (
	"strings"
)

// module is what a file binds at module level, as far as parameter schemas
// need it: imports, constants, classes and functions. It is filled while the
// file is analysed and read after every file is, so that names imported from
// other files of the repository resolve.
type module struct {
	file  string // slash-separated path relative to the root
	names map[string]*binding
	// sites are the flows found in the file, in the order of the flows.
	sites []flowSite
	// calls are the calls of [Options.Calls] in the file.
	calls []Call
	// future reports "from __future__ import annotations": every
	// annotation is then a string.
	future bool
	// guess resolves unbound well-known names (Optional, List, datetime,
	// ...) as if imported from where they usually come from: for a Flow
	// built by hand, whose imports are not known.
	guess bool
}

// bindingKind says what a module-level name is bound to.
type bindingKind uint8

const (
	bImport  bindingKind = iota + 1 // import a.b [as c]: target is the module "a.b"
	bFrom                           // from [.]mod import name: module (dots kept), target name
	bAssign                         // name = expr: text
	bClass                          // class name: class
	bDef                            // def name
	bUnknown                        // bound in a way not followed (augmented assignment, star target, ...)
)

// binding is what one module-level name refers to.
type binding struct {
	kind   bindingKind
	module string // bImport, bFrom
	target string // bFrom: the imported name
	text   string // bAssign: the value's source text
	class  *classDef
	parsed *node
	tried  bool
}

// expr returns the parsed value of an assignment, or nil.
func (b *binding) expr() *node {
	if !b.tried {
		b.tried = true
		b.parsed = parseExpr(b.text)
	}
	return b.parsed
}

// classDef is a class defined at module level.
type classDef struct {
	name       string
	mod        *module
	header     string // "Name(bases...)" source, or "Name"
	decorators []string
	doc        string
	hasDoc     bool
	fields     []classField // annotated names, in order
	attrs      []classAttr  // plain assignments, in order
	headerNode *node
	parsedHdr  bool
	seen       bool // a statement of the body was read
	bodyScope  *module
}

// classField is "name: annotation [= value]" in a class body.
type classField struct {
	name       string
	annotation string
	value      string
	hasValue   bool
}

// classAttr is "name = value" in a class body.
type classAttr struct {
	name  string
	value string
}

// scope returns the names a class body's values see: the module's, then
// the class's own attributes and field values (later ones win, as the body
// runs in order; a value that uses a later name is not followed).
func (c *classDef) scope() *module {
	if c.bodyScope == nil {
		s := &module{file: c.mod.file, names: make(map[string]*binding, len(c.mod.names)+len(c.attrs)), future: c.mod.future, guess: c.mod.guess}
		for k, v := range c.mod.names {
			s.names[k] = v
		}
		for _, f := range c.fields {
			if f.hasValue {
				s.names[f.name] = &binding{kind: bAssign, text: f.value}
			}
		}
		for _, a := range c.attrs {
			s.names[a.name] = &binding{kind: bAssign, text: a.value}
		}
		c.bodyScope = s
	}
	return c.bodyScope
}

// hdr returns the parsed class header, "Name(bases, keywords)", or nil.
func (c *classDef) hdr() *node {
	if !c.parsedHdr {
		c.parsedHdr = true
		c.headerNode = parseExpr(c.header)
	}
	return c.headerNode
}

// attr returns the source of a class attribute or annotated field's value.
func (c *classDef) attr(name string) (string, bool) {
	for i := len(c.attrs) - 1; i >= 0; i-- {
		if c.attrs[i].name == name {
			return c.attrs[i].value, true
		}
	}
	for _, f := range c.fields {
		if f.name == name && f.hasValue {
			return f.value, true
		}
	}
	return "", false
}

// flowSite is a flow of the module with where its parameters are, for
// warnings.
type flowSite struct {
	index      int        // index of the flow in the file's flows
	pos        []paramPos // one per Param
	typeParams []string   // PEP 695 type parameters: def f[T](...)
}

// paramPos is the 1-based line and column of a parameter's name.
type paramPos struct{ line, col int }

// block is an open compound statement while a file is analysed.
type block struct {
	indent int
	kind   string    // "if", "else", "try", "except", "with", "class", "def", "main", ...
	class  *classDef // for "class" at module level
}

// moduleLevel reports whether statements inside the open blocks run when the
// module is imported, as module-level code: only if/elif/else, try/except/
// else/finally and with blocks, and not "if __name__ == '__main__'" nor
// "if TYPE_CHECKING".
func moduleLevel(stack []block) bool {
	for _, b := range stack {
		switch b.kind {
		case "if", "elif", "else", "try", "except", "finally", "with":
		default:
			return false
		}
	}
	return true
}

// guardOf names the innermost main or TYPE_CHECKING guard around a line
// of module-level blocks, or "".
func guardOf(stack []block) string {
	for _, b := range stack {
		switch b.kind {
		case "main":
			return `if __name__ == "__main__"`
		case "typecheck":
			return "if TYPE_CHECKING"
		case "if", "elif", "else", "try", "except", "finally", "with":
		default:
			return ""
		}
	}
	return ""
}

// inExcept reports whether the innermost module-level block is an except
// branch, whose bindings only replace ones that failed.
func inExcept(stack []block) bool {
	for _, b := range stack {
		if b.kind == "except" {
			return true
		}
	}
	return false
}

// headerKind returns the compound-statement keyword that opens a block on
// the next lines, or "" when the line is not such a header.
func (a *analyzer) headerKind(toks []token) string {
	last := toks[len(toks)-1]
	if !a.isOp(last, ":") || toks[0].kind != tName {
		return ""
	}
	kw := a.text(toks[0])
	if kw == "async" && len(toks) > 1 {
		kw = a.text(toks[1])
	}
	switch kw {
	case "if":
		return a.guardKind(toks)
	case "elif", "else", "try", "except", "finally", "with", "for", "while", "def", "class", "match", "case":
		return kw
	}
	return ""
}

// guardKind returns "main" for "if __name__ == '__main__':", "typecheck"
// for "if TYPE_CHECKING:" (and typing.TYPE_CHECKING), whose bodies do not
// run when Prefect imports the file, and "if" for any other if.
func (a *analyzer) guardKind(toks []token) string {
	src := a.source(toks[1 : len(toks)-1])
	src = strings.ReplaceAll(strings.ReplaceAll(src, " ", ""), "'", `"`)
	switch src {
	case `__name__=="__main__"`, `"__main__"==__name__`:
		return "main"
	case "TYPE_CHECKING", "typing.TYPE_CHECKING":
		return "typecheck"
	}
	return "if"
}

// bindName records a module-level binding. In an except branch it replaces
// only a name that is not bound yet.
func (a *analyzer) bindName(name string, b *binding, except bool) {
	if except {
		if _, ok := a.mod.names[name]; ok {
			return
		}
	}
	a.mod.names[name] = b
}

// moduleStatement records what a module-level simple statement binds.
func (a *analyzer) moduleStatement(toks []token, except bool) {
	switch first := a.text(toks[0]); {
	case first == "import" && toks[0].kind == tName:
		for _, item := range splitTop(a, toks[1:], ",") {
			names, i := a.dotted(item, 0)
			if len(names) == 0 {
				continue
			}
			if i+1 < len(item) && a.is(item[i], tName, "as") && item[i+1].kind == tName {
				a.bindName(a.text(item[i+1]), &binding{kind: bImport, module: strings.Join(names, ".")}, except)
				continue
			}
			a.bindName(names[0], &binding{kind: bImport, module: names[0]}, except)
		}
		return
	case first == "from" && toks[0].kind == tName:
		rest := toks[1:]
		i, mod := 0, ""
		for i < len(rest) && rest[i].kind == tOp && strings.Trim(a.text(rest[i]), ".") == "" {
			mod += a.text(rest[i])
			i++
		}
		if i < len(rest) && !a.is(rest[i], tName, "import") {
			var names []string
			names, i = a.dotted(rest, i)
			mod += strings.Join(names, ".")
		}
		if i >= len(rest) || !a.is(rest[i], tName, "import") {
			return
		}
		items := rest[i+1:]
		if len(items) > 0 && a.isOp(items[0], "(") {
			items = items[1:]
			if len(items) > 0 && a.isOp(items[len(items)-1], ")") {
				items = items[:len(items)-1]
			}
		}
		if len(items) == 1 && a.isOp(items[0], "*") {
			return
		}
		if mod == "__future__" {
			for _, item := range items {
				if a.is(item, tName, "annotations") {
					a.mod.future = true
				}
			}
			return
		}
		for _, item := range splitTop(a, items, ",") {
			if item[0].kind != tName {
				continue
			}
			name := a.text(item[0])
			local := name
			if len(item) == 3 && a.is(item[1], tName, "as") && item[2].kind == tName {
				local = a.text(item[2])
			}
			a.bindName(local, &binding{kind: bFrom, module: mod, target: name}, except)
		}
		return
	}
	if toks[0].kind != tName {
		return
	}
	switch a.text(toks[0]) {
	case "del", "global", "nonlocal", "assert", "pass", "raise", "return", "print":
		return
	}
	// Augmented assignment: the name's value is no longer known.
	if len(toks) > 1 && toks[1].kind == tOp && strings.HasSuffix(a.text(toks[1]), "=") && a.text(toks[1]) != "=" && a.text(toks[1]) != "==" {
		a.bindName(a.text(toks[0]), &binding{kind: bUnknown}, except)
		return
	}
	parts := splitTop(a, toks, "=")
	if len(parts) < 2 {
		// "name: annotation" without a value binds nothing.
		return
	}
	value := parts[len(parts)-1]
	for _, target := range parts[:len(parts)-1] {
		if colon := indexTop(a, target, ":"); colon >= 0 {
			target = target[:colon]
		}
		switch {
		case len(target) == 1 && target[0].kind == tName:
			b := &binding{kind: bUnknown}
			if text, ok := a.valueSource(value); ok {
				b = &binding{kind: bAssign, text: text}
			}
			a.bindName(a.text(target[0]), b, except)
		default:
			elems := splitTop(a, target, ",")
			vals := splitTop(a, value, ",")
			if len(vals) == 1 && len(value) > 2 && (a.isOp(value[0], "(") || a.isOp(value[0], "[")) && a.match(value, 0) == len(value)-1 {
				vals = splitTop(a, value[1:len(value)-1], ",")
			}
			for k, e := range elems {
				if len(e) != 1 || e[0].kind != tName {
					continue
				}
				b := &binding{kind: bUnknown}
				if text, ok := a.valueSource(vals[k%len(vals)]); ok && len(vals) == len(elems) {
					b = &binding{kind: bAssign, text: text}
				}
				a.bindName(a.text(e[0]), b, except)
			}
		}
	}
}

// maxValueSource bounds the source kept of one module-level value: a huge
// literal (a table pasted into the file) is never a parameter's default, and
// keeping it would double the memory a large file takes.
const maxValueSource = 64 << 10

// valueSource returns the source of an assigned value, unless it is huge.
func (a *analyzer) valueSource(toks []token) (string, bool) {
	if len(toks) == 0 || toks[len(toks)-1].end-toks[0].off > maxValueSource {
		return "", false
	}
	return a.source(toks), true
}

// classHeader returns a classDef for a module-level "class Name...:" line.
func (a *analyzer) classHeader(toks []token, k int, decorators []decorator) *classDef {
	if k+1 >= len(toks) || toks[k+1].kind != tName {
		return nil
	}
	end := indexTop(a, toks, ":")
	if end < 0 {
		end = len(toks)
	}
	c := &classDef{name: a.text(toks[k+1]), mod: a.mod, header: a.source(toks[k+1 : end])}
	for _, d := range decorators {
		if len(d.toks) > 1 {
			c.decorators = append(c.decorators, a.source(d.toks[1:]))
		}
	}
	return c
}

// classStatement records a simple statement of a module-level class's body.
func (a *analyzer) classStatement(c *classDef, toks []token, first bool) {
	if first && len(toks) >= 1 && toks[0].kind == tString {
		if s, ok := a.literal(toks); ok {
			c.doc, c.hasDoc = s, true
		}
		return
	}
	if toks[0].kind != tName {
		return
	}
	parts := splitTop(a, toks, "=")
	target := parts[0]
	if colon := indexTop(a, target, ":"); colon >= 0 {
		if colon != 1 || target[0].kind != tName || colon+1 >= len(target) {
			return
		}
		f := classField{name: a.text(target[0]), annotation: a.source(target[colon+1:])}
		if len(parts) == 2 {
			f.hasValue = true
			if text, ok := a.valueSource(parts[1]); ok {
				f.value = text
			} else {
				f.value = "..." + "(" // not an expression: the field cannot be evaluated
			}
		}
		c.fields = append(c.fields, f)
		return
	}
	if len(parts) == 2 && len(target) == 1 {
		text, ok := a.valueSource(parts[1])
		if !ok {
			text = "..." + "("
		}
		c.attrs = append(c.attrs, classAttr{name: a.text(target[0]), value: text})
	}
}
