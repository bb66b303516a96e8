package discover

import (
	"math"
	"path"
	"reflect"
	"sort"
	"strings"
)

// repo holds the modules of one Discover run, so that a flow's annotations
// and defaults can refer to names imported from other files of the
// repository, as Prefect's import of the flow's file would.
type repo struct {
	modules map[string]*module // by slash-separated path relative to the root
	dirs    map[string]bool    // every directory holding a module, below the root
}

// newRepo indexes the modules of one Discover run.
func newRepo(mods []*module) *repo {
	r := &repo{modules: map[string]*module{}, dirs: map[string]bool{}}
	for _, m := range mods {
		if m == nil {
			continue
		}
		r.modules[m.file] = m
		for d := path.Dir(m.file); d != "." && d != "/" && !r.dirs[d]; d = path.Dir(d) {
			r.dirs[d] = true
		}
	}
	return r
}

// maxDepth bounds the chains of names, imports and aliases followed.
const maxDepth = 32

// sym is what a name, an attribute chain or an expression refers to.
type sym struct {
	ext   string    // a name outside the repository: "datetime.date", "builtins.int"
	mod   *module   // a module of the repository
	class *classDef // a class of the repository
	val   *node     // an expression, evaluated in valMod
	in    *module
}

func (s sym) known() bool { return s.ext != "" || s.mod != nil || s.class != nil || s.val != nil }

// builtinNames are the builtins annotations and defaults use.
var builtinNames = map[string]bool{
	"str": true, "int": true, "float": true, "bool": true, "bytes": true, "list": true, "dict": true,
	"set": true, "frozenset": true, "tuple": true, "object": true, "type": true, "len": true,
	"min": true, "max": true, "abs": true, "round": true, "sorted": true,
}

// wellKnown are the modules names usually come from, for modules that
// guess.
var wellKnown = map[string]string{
	"Optional": "typing.Optional", "Union": "typing.Union", "List": "typing.List", "Dict": "typing.Dict",
	"Set": "typing.Set", "FrozenSet": "typing.FrozenSet", "Tuple": "typing.Tuple", "Sequence": "typing.Sequence",
	"Mapping": "typing.Mapping", "Any": "typing.Any", "Literal": "typing.Literal", "Annotated": "typing.Annotated",
	"Iterable": "typing.Iterable", "Collection": "typing.Collection", "MutableMapping": "typing.MutableMapping",
	"MutableSequence": "typing.MutableSequence", "AbstractSet": "typing.AbstractSet", "MutableSet": "typing.MutableSet",
	"typing": "typing", "datetime": "datetime", "date": "datetime.date", "time": "datetime.time",
	"timedelta": "datetime.timedelta", "UUID": "uuid.UUID", "uuid": "uuid", "Path": "pathlib.Path",
	"PosixPath": "pathlib.PosixPath", "PurePath": "pathlib.PurePath", "pathlib": "pathlib",
	"Decimal": "decimal.Decimal", "Field": "pydantic.Field", "pydantic": "pydantic",
}

// findModule returns the repository module that "import name" (with level
// leading dots) means in file from, or nil.
func (r *repo) findModule(from *module, name string, level int) *module {
	dir := path.Dir(from.file)
	if dir == "." {
		dir = ""
	}
	rel := strings.ReplaceAll(name, ".", "/")
	try := func(base string) *module {
		p := path.Join(base, rel)
		if rel == "" {
			p = base
		}
		if m := r.modules[p+".py"]; m != nil && rel != "" {
			return m
		}
		if m := r.modules[path.Join(p, "__init__.py")]; m != nil {
			return m
		}
		return r.namespace(p)
	}
	if level > 0 {
		base := dir
		for range level - 1 {
			if base == "" {
				return nil
			}
			base = path.Dir(base)
			if base == "." {
				base = ""
			}
		}
		return try(base)
	}
	for base := dir; ; {
		if m := try(base); m != nil {
			return m
		}
		if base == "" {
			return nil
		}
		base = path.Dir(base)
		if base == "." {
			base = ""
		}
	}
}

// namespace returns an empty module standing for a directory of modules
// without __init__.py (a namespace package), or nil when no module is below
// dir.
func (r *repo) namespace(dir string) *module {
	if dir == "" {
		return nil
	}
	init := dir + "/__init__.py"
	if m := r.modules[init]; m != nil {
		return m
	}
	if !r.dirs[dir] {
		return nil
	}
	m := &module{file: init, names: map[string]*binding{}}
	r.modules[init] = m
	return m
}

// splitLevel splits "..mod" into 2 and "mod".
func splitLevel(module string) (int, string) {
	n := len(module) - len(strings.TrimLeft(module, "."))
	return n, module[n:]
}

// lookup returns what name means at module level in m.
func (r *repo) lookup(m *module, name string, depth int) sym {
	if depth > maxDepth {
		return sym{}
	}
	b := m.names[name]
	if b == nil {
		if builtinNames[name] {
			return sym{ext: "builtins." + name}
		}
		if q := wellKnown[name]; q != "" && m.guess {
			return sym{ext: q}
		}
		return sym{}
	}
	switch b.kind {
	case bImport:
		// "import a.b" binds a to the module a; "import a.b as c" binds c to a.b.
		if target := r.findModule(m, b.module, 0); target != nil {
			return sym{mod: target}
		}
		return sym{ext: b.module}
	case bFrom:
		level, modName := splitLevel(b.module)
		if target := r.findModule(m, modName, level); target != nil {
			return r.attr(sym{mod: target}, b.target, depth+1)
		}
		if level > 0 {
			return sym{}
		}
		return sym{ext: modName + "." + b.target}
	case bAssign:
		if n := b.expr(); n != nil {
			return sym{val: n, in: m}
		}
	case bClass:
		return sym{class: b.class}
	}
	return sym{}
}

// attr returns what s.name means.
func (r *repo) attr(s sym, name string, depth int) sym {
	if depth > maxDepth {
		return sym{}
	}
	switch {
	case s.ext != "":
		return sym{ext: s.ext + "." + name}
	case s.mod != nil:
		if _, ok := s.mod.names[name]; ok {
			return r.lookup(s.mod, name, depth+1)
		}
		if strings.HasSuffix(s.mod.file, "__init__.py") {
			dir := path.Dir(s.mod.file)
			if dir == "." {
				dir = ""
			}
			if m := r.modules[path.Join(dir, name+".py")]; m != nil {
				return sym{mod: m}
			}
			if m := r.modules[path.Join(dir, name, "__init__.py")]; m != nil {
				return sym{mod: m}
			}
		}
	case s.val != nil:
		if t := r.resolve(s.val, s.in, depth+1); t.val != s.val {
			return r.attr(t, name, depth+1)
		}
	}
	return sym{}
}

// resolve returns what a name or attribute chain refers to; any other
// expression is returned as itself.
func (r *repo) resolve(n *node, m *module, depth int) sym {
	if depth > maxDepth {
		return sym{}
	}
	switch n.kind {
	case nName:
		s := r.lookup(m, n.name, depth+1)
		if s.val != nil && (s.val.kind == nName || s.val.kind == nAttr) {
			return r.resolve(s.val, s.in, depth+1)
		}
		return s
	case nAttr:
		base := r.resolve(n.x, m, depth+1)
		s := r.attr(base, n.name, depth+1)
		if s.val != nil && (s.val.kind == nName || s.val.kind == nAttr) {
			return r.resolve(s.val, s.in, depth+1)
		}
		return s
	}
	return sym{val: n, in: m}
}

// canonical maps the modules that re-export a name to the one place it is
// known by: typing_extensions and collections.abc names to typing, pydantic's
// submodules to pydantic, builtins to themselves.
func canonical(q string) string {
	for _, p := range [][2]string{
		{"typing_extensions.", "typing."},
		{"collections.abc.", "typing."},
		{"pydantic.fields.", "pydantic."},
		{"pydantic.types.", "pydantic."},
		{"pydantic.main.", "pydantic."},
		{"pydantic.config.", "pydantic."},
		{"pydantic.functional_validators.", "pydantic."},
		{"pathlib._local.", "pathlib."},
	} {
		if strings.HasPrefix(q, p[0]) {
			return p[1] + q[len(p[0]):]
		}
	}
	return q
}

// Values computed by eval, besides nil-free Go scalars (bool, int64,
// json.Number, float64, string) and the containers below.
type (
	pyNone   struct{}
	pyBytes  string
	pyList   []any
	pyTuple  []any
	pySet    []any
	pyDict   struct{ keys, vals []any }
	classRef struct{ c *classDef }
	modRef   struct{ m *module }
	extRef   struct{ q string }
	pyDate   struct{ y, mo, d int }
	pyTime   struct{ h, mi, s, us int }
	pyDT     struct {
		d pyDate
		t pyTime
	}
	pyDelta   struct{ us int64 } // microseconds
	pyPath    string
	pyAuto    struct{}
	enumValue struct {
		c         *classDef
		name      string
		value     any
		alias     bool   // reached through another name
		aliasName string // that name
	}
	instance struct {
		c      *classDef
		fields map[string]any
	}
	// fieldInfo is pydantic's Field(...) or dataclasses' field(...).
	fieldInfo struct {
		def        any // nil when there is no default
		hasDef     bool
		factory    bool
		factoryOf  any            // the default_factory value
		kw         map[string]any // every other keyword, evaluated
		dataclass  bool
		unreadable bool // some keyword could not be evaluated
	}
	// constraint is an annotated-types constraint such as Ge(1).
	constraint struct{ kw map[string]any }
)

// eval computes the value of an expression as Python would on import, for
// the subset Prefect's schemas need; ok is false for anything else.
func (r *repo) eval(n *node, m *module, depth int) (any, bool) {
	if n == nil || depth > maxDepth {
		return nil, false
	}
	switch n.kind {
	case nEllipsis:
		return ellipsis{}, true
	case nConst:
		if n.value == nil {
			return pyNone{}, true
		}
		if n.bytes {
			return pyBytes(n.value.(string)), true
		}
		return n.value, true
	case nList, nTuple, nSet:
		items := make([]any, 0, len(n.args))
		for _, a := range n.args {
			v, ok := r.eval(a, m, depth+1)
			if !ok {
				return nil, false
			}
			items = append(items, v)
		}
		switch n.kind {
		case nList:
			return pyList(items), true
		case nTuple:
			return pyTuple(items), true
		}
		return pySet(items), true
	case nDict:
		d := &pyDict{}
		for i := 0; i+1 < len(n.args); i += 2 {
			k, ok1 := r.eval(n.args[i], m, depth+1)
			v, ok2 := r.eval(n.args[i+1], m, depth+1)
			if !ok1 || !ok2 {
				return nil, false
			}
			d.set(k, v)
		}
		return d, true
	case nName, nAttr:
		if n.kind == nAttr {
			base, ok := r.eval(n.x, m, depth+1)
			if ok {
				if v, ok, done := r.attrValue(base, n.name, depth+1); done {
					return v, ok
				}
			}
		}
		s := r.resolve(n, m, depth+1)
		switch {
		case s.class != nil:
			return classRef{s.class}, true
		case s.mod != nil:
			return modRef{s.mod}, true
		case s.ext != "":
			return extRef{canonical(s.ext)}, true
		case s.val != nil:
			return r.eval(s.val, s.in, depth+1)
		}
		return nil, false
	case nUnary:
		x, ok := r.eval(n.x, m, depth+1)
		if !ok {
			return nil, false
		}
		return unaryOp(n.name, x)
	case nBin:
		x, ok1 := r.eval(n.x, m, depth+1)
		y, ok2 := r.eval(n.y, m, depth+1)
		if !ok1 || !ok2 {
			return nil, false
		}
		return binaryOp(n.name, x, y)
	case nCall:
		return r.call(n, m, depth+1)
	}
	return nil, false
}

func (d *pyDict) set(k, v any) {
	for i, have := range d.keys {
		if pyEqual(have, k) {
			d.vals[i] = v
			return
		}
	}
	d.keys = append(d.keys, k)
	d.vals = append(d.vals, v)
}

// attrValue returns base.name for values with attributes: enum members and
// their value and name, class attributes. done is false when the attribute
// should be looked up by name instead (modules, external names).
func (r *repo) attrValue(base any, name string, depth int) (v any, ok, done bool) {
	switch b := base.(type) {
	case enumValue:
		switch name {
		case "value":
			return b.value, true, true
		case "name":
			return b.name, true, true
		}
		return nil, false, true
	case classRef:
		if r.classKind(b.c, 0) == kindEnum {
			for _, mem := range r.enumMembers(b.c, depth+1) {
				if mem.name == name && !mem.alias || mem.alias && mem.aliasName == name {
					mem.alias, mem.aliasName = false, ""
					return mem, true, true
				}
			}
		}
		if src, ok := b.c.attr(name); ok {
			v, ok := r.eval(parseExpr(src), b.c.scope(), depth+1)
			return v, ok, true
		}
		return nil, false, true
	case string:
		return nil, false, true // methods are handled by call
	}
	return nil, false, false
}

// call evaluates the calls Prefect's schemas meet: dates and times, paths,
// pydantic's Field, dataclasses' field, annotated-types constraints, model
// and dataclass instances, enum.auto and a few str methods.
func (r *repo) call(n *node, m *module, depth int) (any, bool) {
	if n.x.kind == nAttr {
		if recv, ok := r.eval(n.x.x, m, depth+1); ok {
			if s, isStr := recv.(string); isStr {
				if len(n.args) != 0 || len(n.kw) != 0 {
					return nil, false
				}
				switch n.x.name {
				case "upper":
					return strings.ToUpper(s), true
				case "lower":
					return strings.ToLower(s), true
				case "strip":
					return strings.TrimSpace(s), true
				}
				return nil, false
			}
		}
	}
	f, ok := r.eval(n.x, m, depth+1)
	if !ok {
		return nil, false
	}
	args := make([]any, len(n.args))
	for i, a := range n.args {
		if args[i], ok = r.eval(a, m, depth+1); !ok {
			return nil, false
		}
	}
	kw := map[string]any{}
	var kwOrder []string
	unreadable := false
	for _, k := range n.kw {
		v, ok := r.eval(k.value, m, depth+1)
		if !ok && k.name == "default_factory" {
			v, ok = unknownFactory{}, true // a factory makes no default: its value matters only to instances
		}
		if !ok {
			unreadable = true
			continue
		}
		kw[k.name] = v
		kwOrder = append(kwOrder, k.name)
	}
	switch fn := f.(type) {
	case extRef:
		if unreadable && fn.q != "pydantic.Field" && fn.q != "dataclasses.field" {
			return nil, false
		}
		return r.callExt(fn.q, args, kw, unreadable)
	case classRef:
		if unreadable {
			return nil, false
		}
		return r.newInstance(fn.c, args, kw, depth+1)
	}
	return nil, false
}

// intArgs returns args then kw values for names, as ints, with defaults.
func intArgs(args []any, kw map[string]any, names []string, defaults []int) ([]int, bool) {
	out := append([]int(nil), defaults...)
	if len(args) > len(names) {
		return nil, false
	}
	for i, a := range args {
		v, ok := a.(int64)
		if !ok {
			return nil, false
		}
		out[i] = int(v)
	}
	for k, a := range kw {
		i := indexOf(names, k)
		v, ok := a.(int64)
		if i < 0 || !ok {
			return nil, false
		}
		out[i] = int(v)
	}
	return out, true
}

func indexOf(list []string, s string) int {
	for i, l := range list {
		if l == s {
			return i
		}
	}
	return -1
}

func (r *repo) callExt(q string, args []any, kw map[string]any, unreadable bool) (any, bool) {
	switch q {
	case "datetime.date":
		v, ok := intArgs(args, kw, []string{"year", "month", "day"}, []int{-1, -1, -1})
		if !ok || v[0] < 1 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 {
			return nil, false
		}
		return pyDate{v[0], v[1], v[2]}, true
	case "datetime.datetime":
		if _, tz := kw["tzinfo"]; tz {
			return nil, false
		}
		v, ok := intArgs(args, kw, []string{"year", "month", "day", "hour", "minute", "second", "microsecond"}, []int{-1, -1, -1, 0, 0, 0, 0})
		if !ok || v[0] < 1 || v[1] < 1 || v[2] < 1 {
			return nil, false
		}
		return pyDT{pyDate{v[0], v[1], v[2]}, pyTime{v[3], v[4], v[5], v[6]}}, true
	case "datetime.time":
		if _, tz := kw["tzinfo"]; tz {
			return nil, false
		}
		v, ok := intArgs(args, kw, []string{"hour", "minute", "second", "microsecond"}, []int{0, 0, 0, 0})
		if !ok {
			return nil, false
		}
		return pyTime{v[0], v[1], v[2], v[3]}, true
	case "datetime.timedelta":
		names := []string{"days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks"}
		scale := []float64{86400e6, 1e6, 1, 1e3, 60e6, 3600e6, 7 * 86400e6}
		if len(args) > len(names) {
			return nil, false
		}
		total := 0.0
		add := func(i int, v any) bool {
			switch x := v.(type) {
			case int64:
				total += float64(x) * scale[i]
			case float64:
				total += x * scale[i]
			default:
				return false
			}
			return true
		}
		for i, a := range args {
			if !add(i, a) {
				return nil, false
			}
		}
		for k, a := range kw {
			i := indexOf(names, k)
			if i < 0 || !add(i, a) {
				return nil, false
			}
		}
		return pyDelta{int64(math.Round(total))}, true
	case "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath":
		if len(kw) > 0 {
			return nil, false
		}
		parts := []string{}
		for _, a := range args {
			s, ok := a.(string)
			if !ok {
				return nil, false
			}
			parts = append(parts, s)
		}
		if len(parts) == 0 {
			return pyPath("."), true
		}
		p := parts[0]
		for _, s := range parts[1:] {
			if strings.HasPrefix(s, "/") {
				p = s
			} else {
				p = strings.TrimSuffix(p, "/") + "/" + s
			}
		}
		return pyPath(path.Clean(p)), true
	case "pydantic.Field", "dataclasses.field":
		fi := &fieldInfo{kw: map[string]any{}, dataclass: q == "dataclasses.field", unreadable: unreadable}
		if len(args) > 1 {
			return nil, false
		}
		if len(args) == 1 && !fi.dataclass {
			kw["default"] = args[0]
		}
		for k, v := range kw {
			switch k {
			case "default":
				if _, ell := v.(ellipsis); !ell {
					fi.def, fi.hasDef = v, true
				}
			case "default_factory":
				fi.factory, fi.factoryOf = true, v
			default:
				fi.kw[k] = v
			}
		}
		return fi, true
	case "annotated_types.Gt", "annotated_types.Ge", "annotated_types.Lt", "annotated_types.Le", "annotated_types.MultipleOf",
		"annotated_types.MinLen", "annotated_types.MaxLen":
		key := map[string]string{"Gt": "gt", "Ge": "ge", "Lt": "lt", "Le": "le", "MultipleOf": "multiple_of", "MinLen": "min_length", "MaxLen": "max_length"}[q[len("annotated_types."):]]
		if len(args) != 1 || len(kw) != 0 {
			return nil, false
		}
		return constraint{map[string]any{key: args[0]}}, true
	case "annotated_types.Len":
		c := constraint{map[string]any{}}
		if len(args) > 0 {
			c.kw["min_length"] = args[0]
		}
		if len(args) > 1 {
			c.kw["max_length"] = args[1]
		}
		for k, v := range kw {
			switch k {
			case "min_length", "max_length":
				c.kw[k] = v
			default:
				return nil, false
			}
		}
		return c, true
	case "annotated_types.Interval":
		c := constraint{map[string]any{}}
		if len(args) > 0 {
			return nil, false
		}
		for k, v := range kw {
			if _, isNone := v.(pyNone); isNone {
				continue
			}
			switch k {
			case "gt", "ge", "lt", "le":
				c.kw[k] = v
			default:
				return nil, false
			}
		}
		return c, true
	case "pydantic.ConfigDict":
		if len(args) > 0 {
			return nil, false
		}
		d := &pyDict{}
		keys := make([]string, 0, len(kw))
		for k := range kw {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			d.set(k, kw[k])
		}
		return d, true
	case "enum.auto":
		return pyAuto{}, true
	case "builtins.list":
		if len(args) == 0 && len(kw) == 0 {
			return pyList{}, true
		}
	case "builtins.dict":
		if len(args) == 0 {
			d := &pyDict{}
			for k, v := range kw {
				d.set(k, v)
			}
			return d, len(kw) == 0
		}
	case "builtins.set":
		if len(args) == 0 && len(kw) == 0 {
			return pySet{}, true
		}
	case "builtins.tuple":
		if len(args) == 0 && len(kw) == 0 {
			return pyTuple{}, true
		}
	}
	return nil, false
}

// ellipsis is the value of "...".
type ellipsis struct{}

// unknownFactory is a default_factory that could not be evaluated.
type unknownFactory struct{}

func unaryOp(op string, x any) (any, bool) {
	switch op {
	case "not":
		t, ok := truthy(x)
		return !t, ok
	case "-":
		switch v := x.(type) {
		case int64:
			if v == math.MinInt64 {
				return nil, false
			}
			return -v, true
		case float64:
			return -v, true
		}
	case "+":
		switch x.(type) {
		case int64, float64:
			return x, true
		}
	case "~":
		if v, ok := x.(int64); ok {
			return ^v, true
		}
	}
	return nil, false
}

func truthy(x any) (bool, bool) {
	switch v := x.(type) {
	case bool:
		return v, true
	case int64:
		return v != 0, true
	case float64:
		return v != 0, true
	case string:
		return v != "", true
	case pyNone:
		return false, true
	case pyList:
		return len(v) > 0, true
	case pyTuple:
		return len(v) > 0, true
	}
	return false, false
}

func toFloat(x any) (float64, bool) {
	switch v := x.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func binaryOp(op string, x, y any) (any, bool) {
	if xb, ok := x.(bool); ok {
		x = map[bool]int64{false: 0, true: 1}[xb]
	}
	if yb, ok := y.(bool); ok {
		y = map[bool]int64{false: 0, true: 1}[yb]
	}
	xi, xInt := x.(int64)
	yi, yInt := y.(int64)
	if xInt && yInt {
		switch op {
		case "+":
			s := xi + yi
			if (s > xi) == (yi > 0) {
				return s, true
			}
		case "-":
			s := xi - yi
			if (s < xi) == (yi > 0) {
				return s, true
			}
		case "*":
			if xi == 0 || yi == 0 {
				return int64(0), true
			}
			p := xi * yi
			if p/yi == xi && !(xi == -1 && yi == math.MinInt64) && !(yi == -1 && xi == math.MinInt64) {
				return p, true
			}
		case "/":
			if yi != 0 {
				return float64(xi) / float64(yi), true
			}
		case "//":
			if yi != 0 {
				q := xi / yi
				if (xi%yi != 0) && ((xi < 0) != (yi < 0)) {
					q--
				}
				return q, true
			}
		case "%":
			if yi != 0 {
				m := xi % yi
				if m != 0 && ((m < 0) != (yi < 0)) {
					m += yi
				}
				return m, true
			}
		case "**":
			if yi >= 0 {
				p := 1.0
				for range yi {
					p *= float64(xi)
					if math.Abs(p) > 1<<62 {
						return nil, false
					}
				}
				return int64(p), true
			}
		case "|":
			return xi | yi, true
		case "&":
			return xi & yi, true
		case "^":
			return xi ^ yi, true
		case "<<":
			if yi >= 0 && yi < 62 && xi >= 0 && xi < 1<<(62-yi) {
				return xi << yi, true
			}
		case ">>":
			if yi >= 0 && yi < 64 {
				return xi >> yi, true
			}
		}
		return nil, false
	}
	xf, xNum := toFloat(x)
	yf, yNum := toFloat(y)
	if xNum && yNum {
		switch op {
		case "+":
			return xf + yf, true
		case "-":
			return xf - yf, true
		case "*":
			return xf * yf, true
		case "/":
			if yf != 0 {
				return xf / yf, true
			}
		case "**":
			v := math.Pow(xf, yf)
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				return v, true
			}
		case "//":
			if yf != 0 {
				return math.Floor(xf / yf), true
			}
		}
		return nil, false
	}
	switch xv := x.(type) {
	case string:
		switch yv := y.(type) {
		case string:
			if op == "+" {
				return xv + yv, true
			}
		case int64:
			if op == "*" && yv >= 0 && int64(len(xv))*yv < 1<<20 {
				return strings.Repeat(xv, int(yv)), true
			}
		}
	case pyList:
		if yv, ok := y.(pyList); ok && op == "+" {
			return append(append(pyList{}, xv...), yv...), true
		}
	case pyTuple:
		if yv, ok := y.(pyTuple); ok && op == "+" {
			return append(append(pyTuple{}, xv...), yv...), true
		}
	case pyDelta:
		if yv, ok := y.(pyDelta); ok {
			switch op {
			case "+":
				return pyDelta{xv.us + yv.us}, true
			case "-":
				return pyDelta{xv.us - yv.us}, true
			}
		}
		if yv, ok := y.(int64); ok && op == "*" {
			return pyDelta{xv.us * yv}, true
		}
	}
	return nil, false
}

// pyEqual compares two evaluated values as Python's == would, for the
// scalars enum values and dict keys use.
func pyEqual(a, b any) bool {
	af, aNum := toFloat(a)
	bf, bNum := toFloat(b)
	if aNum && bNum {
		return af == bf
	}
	as, aStr := a.(string)
	bs, bStr := b.(string)
	if aStr && bStr {
		return as == bs
	}
	_, an := a.(pyNone)
	_, bn := b.(pyNone)
	if an || bn {
		return an && bn
	}
	aj, ok1 := toJSON(a)
	bj, ok2 := toJSON(b)
	return ok1 && ok2 && !aStr && !bStr && !aNum && !bNum && reflect.DeepEqual(aj, bj)
}
