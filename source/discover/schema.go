package discover

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"unicode"
)

// ParameterSchema returns the flow's parameter_openapi_schema in the shape
// Prefect 3.9 builds from a signature:
//
//	{"title": "Parameters", "type": "object",
//	 "properties": {name: {"title": name, "position": i, ...}},
//	 "required": [...], "definitions": {...}}
//
// For a Flow returned by [Discover] it is the schema computed with the
// whole repository in view (classes and constants imported from other
// files); for a Flow built by hand, only the flow's own annotations and
// literal defaults are read. See the package documentation for what is
// evaluated and what is not.
func (f Flow) ParameterSchema() map[string]any {
	if f.Schema != nil {
		return f.Schema
	}
	s, _ := buildSchema(&f, newRepo(nil), &module{file: f.File, names: map[string]*binding{}, guess: true})
	return s
}

// classKind is what a class is for pydantic.
type classKind uint8

const (
	kindUnknown    classKind = iota // a base outside what is understood
	kindPlain                       // an arbitrary class: schema {}
	kindEnum                        // enum.Enum and its subclasses
	kindModel                       // pydantic.BaseModel subclass
	kindDataclass                   // @dataclass
	kindTypedDict                   // TypedDict
	kindNamedTuple                  // NamedTuple
)

// classKind decides what c is from its decorators and bases.
func (r *repo) classKind(c *classDef, depth int) classKind {
	if depth > maxDepth {
		return kindUnknown
	}
	for _, d := range c.decorators {
		n := parseExpr(d)
		if n != nil && n.kind == nCall {
			n = n.x
		}
		if n == nil {
			return kindUnknown
		}
		s := r.resolve(n, c.mod, depth+1)
		switch canonical(s.ext) {
		case "dataclasses.dataclass", "pydantic.dataclasses.dataclass":
			return kindDataclass
		}
		return kindUnknown
	}
	hdr := c.hdr()
	if hdr == nil {
		return kindUnknown
	}
	if hdr.kind != nCall {
		return kindPlain
	}
	kind := kindPlain
	for _, b := range hdr.args {
		s := r.resolve(b, c.mod, depth+1)
		var k classKind
		switch {
		case s.class != nil:
			k = r.classKind(s.class, depth+1)
		case s.ext != "":
			switch canonical(s.ext) {
			case "enum.Enum", "enum.IntEnum", "enum.StrEnum":
				k = kindEnum
			case "pydantic.BaseModel":
				k = kindModel
			case "typing.TypedDict":
				k = kindTypedDict
			case "typing.NamedTuple":
				k = kindNamedTuple
			case "builtins.object", "builtins.str", "builtins.int", "builtins.float":
				k = kindPlain
			default:
				return kindUnknown
			}
		default:
			return kindUnknown
		}
		switch {
		case k == kindUnknown:
			return kindUnknown
		case k == kindPlain:
		case kind == kindPlain:
			kind = k
		case kind != k:
			return kindUnknown
		}
	}
	for _, k := range hdr.kw {
		if k.name == "metaclass" {
			return kindUnknown
		}
	}
	return kind
}

// bases returns the repository classes c derives from, in order.
func (r *repo) bases(c *classDef) []*classDef {
	var out []*classDef
	if hdr := c.hdr(); hdr != nil && hdr.kind == nCall {
		for _, b := range hdr.args {
			if s := r.resolve(b, c.mod, 0); s.class != nil {
				out = append(out, s.class)
			}
		}
	}
	return out
}

// enumMembers returns the members of an enum class in definition order,
// aliases (a name whose value an earlier member has) marked; nil when a
// value cannot be evaluated.
func (r *repo) enumMembers(c *classDef, depth int) []enumValue {
	if depth > maxDepth {
		return nil
	}
	var out []enumValue
	autoNext := int64(1)
	strMixin, mixin := false, false
	if hdr := c.hdr(); hdr != nil {
		for _, b := range hdr.args {
			s := r.resolve(b, c.mod, depth+1)
			switch q := canonical(s.ext); q {
			case "builtins.str", "enum.StrEnum":
				strMixin, mixin = true, true
			case "builtins.int", "builtins.float", "enum.IntEnum":
				mixin = true
			}
			if s.class != nil {
				mixin = true // an enum deriving from another class: not followed for compound values
			}
		}
	}
	for _, a := range c.attrs {
		if strings.HasPrefix(a.name, "_") {
			continue
		}
		v, ok := r.eval(parseExpr(a.value), c.mod, depth+1)
		if !ok {
			return nil
		}
		if _, isAuto := v.(pyAuto); isAuto {
			if strMixin {
				v = strings.ToLower(a.name)
			} else {
				v = autoNext
			}
		}
		switch x := v.(type) {
		case int64:
			autoNext = x + 1
		case string, float64, bool:
		case pyTuple, pyList, *pyDict, pyNone:
			if mixin {
				return nil // with a mixin type the value is its constructor's arguments: not followed
			}
		default:
			return nil
		}
		mem := enumValue{c: c, name: a.name, value: v}
		for _, have := range out {
			if !have.alias && pyEqual(have.value, v) {
				// An alias: the name gives the first member with the value.
				mem = enumValue{c: c, name: have.name, value: have.value, alias: true, aliasName: a.name}
				break
			}
		}
		out = append(out, mem)
	}
	return out
}

// newInstance evaluates Model(...) or Dataclass(...) into its field values.
func (r *repo) newInstance(c *classDef, args []any, kw map[string]any, depth int) (any, bool) {
	kind := r.classKind(c, 0)
	if kind != kindModel && kind != kindDataclass {
		return nil, false
	}
	fields, ok := r.classFields(c, depth+1)
	if !ok {
		return nil, false
	}
	if kind == kindModel && len(args) > 0 || len(args) > len(fields) {
		return nil, false
	}
	inst := &instance{c: c, fields: map[string]any{}}
	for i, f := range fields {
		if i < len(args) {
			inst.fields[f.name] = args[i]
			continue
		}
		if v, ok := kw[f.name]; ok {
			inst.fields[f.name] = v
			delete(kw, f.name)
			continue
		}
		switch {
		case f.info != nil && f.info.factory:
			v, ok := factoryValue(f.info)
			if !ok {
				return nil, false
			}
			inst.fields[f.name] = v
		case f.hasDefault:
			inst.fields[f.name] = f.def
		default:
			return nil, false // a required field is missing: the import fails
		}
	}
	if len(kw) > 0 {
		return nil, false
	}
	return inst, true
}

// factoryValue returns what a builtin default_factory (list, dict, set,
// tuple, str, int, float, bool) makes.
func factoryValue(fi *fieldInfo) (any, bool) {
	ref, ok := fi.factoryOf.(extRef)
	if !ok {
		return nil, false
	}
	switch ref.q {
	case "builtins.list":
		return pyList{}, true
	case "builtins.dict":
		return &pyDict{}, true
	case "builtins.set", "builtins.frozenset":
		return pySet{}, true
	case "builtins.tuple":
		return pyTuple{}, true
	case "builtins.str":
		return "", true
	case "builtins.int":
		return int64(0), true
	case "builtins.float":
		return 0.0, true
	case "builtins.bool":
		return false, true
	}
	return nil, false
}

// field is one field of a model, dataclass, TypedDict or NamedTuple.
type field struct {
	name       string
	ann        *node
	mod        *module
	hasDefault bool
	def        any
	info       *fieldInfo
}

// classFields returns the fields of a class and its repository bases, base
// fields first; ok is false when a field's value cannot be evaluated.
func (r *repo) classFields(c *classDef, depth int) ([]field, bool) {
	if depth > maxDepth {
		return nil, false
	}
	var out []field
	for _, b := range r.bases(c) {
		fs, ok := r.classFields(b, depth+1)
		if !ok {
			return nil, false
		}
		out = append(out, fs...)
	}
	for _, f := range c.fields {
		if strings.HasPrefix(f.name, "_") || f.name == "model_config" {
			continue
		}
		ann := parseExpr(f.annotation)
		if ann == nil {
			return nil, false
		}
		if s := r.resolve(subBase(ann), c.mod, depth+1); canonical(s.ext) == "typing.ClassVar" {
			continue
		}
		fl := field{name: f.name, ann: ann, mod: c.mod}
		if f.hasValue {
			v, ok := r.eval(parseExpr(f.value), c.mod, depth+1)
			if !ok {
				return nil, false
			}
			if fi, isField := v.(*fieldInfo); isField {
				if fi.unreadable {
					return nil, false
				}
				fl.info = fi
				fl.hasDefault, fl.def = fi.hasDef, fi.def
			} else {
				fl.hasDefault, fl.def = true, v
			}
		}
		replaced := false
		for i := range out {
			if out[i].name == f.name {
				out[i], replaced = fl, true
			}
		}
		if !replaced {
			out = append(out, fl)
		}
	}
	return out, true
}

// subBase returns the subscripted expression of X[...], or n.
func subBase(n *node) *node {
	if n.kind == nSub {
		return n.x
	}
	return n
}

// prefectNamespace is what a forward reference in a parameter's type can
// name: the globals of the Prefect module that creates the Parameters model
// (prefect._internal.pydantic.v2_schema) and builtins.
var prefectNamespace = &module{file: "<prefect>", names: map[string]*binding{
	"typing": {kind: bImport, module: "typing"}, "t": {kind: bImport, module: "typing"},
	"pydantic": {kind: bImport, module: "pydantic"}, "inspect": {kind: bImport, module: "inspect"},
	"V2BaseModel": {kind: bFrom, module: "pydantic", target: "BaseModel"},
	"ConfigDict":  {kind: bFrom, module: "pydantic", target: "ConfigDict"},
	"FieldInfo":   {kind: bFrom, module: "pydantic.fields", target: "FieldInfo"},
}}

// schemaGen builds JSON schemas the way pydantic 2 does for Prefect, and
// collects the definitions they refer to.
type schemaGen struct {
	r       *repo
	flowMod *module // the module of the flow whose parameters are built
	// exactAny reports that the parameter's type fails for Prefect too,
	// which then accepts any value: {} is then exact.
	exactAny bool
	defs     map[string]any
	owner    map[string]*classDef
	busy     map[*classDef]bool
	why      string // the first reason a schema could not be built, or ""
}

func (g *schemaGen) fail(format string, args ...any) map[string]any {
	if g.why == "" {
		g.why = fmt.Sprintf(format, args...)
	}
	return nil
}

// typeSchema returns the schema of an annotation evaluated in module m, or
// nil (and g.why) when it cannot be built exactly.
func (g *schemaGen) typeSchema(n *node, m *module, depth int) map[string]any {
	if depth > maxDepth {
		return g.fail("the annotation nests too deeply")
	}
	switch n.kind {
	case nConst:
		switch v := n.value.(type) {
		case nil:
			return map[string]any{"type": "null"}
		case string:
			if inner := parseExpr(v); inner != nil && !n.bytes {
				if m == g.flowMod {
					// A forward reference left in a parameter's type is
					// resolved by pydantic in the module of Prefect's
					// Parameters model, not in the flow's; when that fails
					// Prefect makes the parameter Any, as here.
					s := g.typeSchema(inner, prefectNamespace, depth+1)
					if s == nil {
						g.exactAny = true
					}
					return s
				}
				return g.typeSchema(inner, m, depth+1)
			}
		}
		return g.fail("%q is not a type", fmt.Sprint(n.value))
	case nBin:
		if n.name == "|" {
			return g.union([]*node{n.x, n.y}, m, depth+1)
		}
	case nName, nAttr:
		return g.named(n, nil, m, depth+1)
	case nSub:
		return g.named(n.x, n.args, m, depth+1)
	case nCall:
		return g.constrainedCall(n, m, depth+1)
	}
	return g.fail("the annotation is not a type Prefect's schema understands")
}

// named returns the schema of a type name, subscripted with args if given.
func (g *schemaGen) named(n *node, args []*node, m *module, depth int) map[string]any {
	s := g.r.resolve(n, m, depth+1)
	switch {
	case s.class != nil:
		if args != nil {
			return g.fail("generic class %s is not followed", s.class.name)
		}
		return g.classSchema(s.class, depth+1)
	case s.val != nil:
		if args == nil {
			return g.typeSchema(s.val, s.in, depth+1) // a type alias
		}
		return g.fail("%s[...] is not followed", n.dotted())
	case s.ext == "":
		if d := n.dotted(); d != "" {
			return g.fail("%s is not defined or imported in a way Discover follows", d)
		}
		return g.fail("the annotation is not a type Prefect's schema understands")
	}
	q := canonical(s.ext)
	arg := func(i int) map[string]any {
		if i < len(args) {
			return g.typeSchema(args[i], m, depth+1)
		}
		return map[string]any{}
	}
	switch q {
	case "builtins.str", "pydantic.StrictStr":
		return map[string]any{"type": "string"}
	case "builtins.int", "pydantic.StrictInt":
		return map[string]any{"type": "integer"}
	case "builtins.float", "pydantic.StrictFloat":
		return map[string]any{"type": "number"}
	case "builtins.bool", "pydantic.StrictBool":
		return map[string]any{"type": "boolean"}
	case "builtins.bytes", "pydantic.StrictBytes":
		return map[string]any{"type": "string", "format": "binary"}
	case "builtins.object", "typing.Any":
		return map[string]any{}
	case "pydantic.PositiveInt":
		return map[string]any{"type": "integer", "exclusiveMinimum": int64(0)}
	case "pydantic.NegativeInt":
		return map[string]any{"type": "integer", "exclusiveMaximum": int64(0)}
	case "pydantic.NonNegativeInt":
		return map[string]any{"type": "integer", "minimum": int64(0)}
	case "pydantic.NonPositiveInt":
		return map[string]any{"type": "integer", "maximum": int64(0)}
	case "pydantic.PositiveFloat":
		return map[string]any{"type": "number", "exclusiveMinimum": int64(0)}
	case "pydantic.NegativeFloat":
		return map[string]any{"type": "number", "exclusiveMaximum": int64(0)}
	case "pydantic.NonNegativeFloat":
		return map[string]any{"type": "number", "minimum": int64(0)}
	case "pydantic.NonPositiveFloat":
		return map[string]any{"type": "number", "maximum": int64(0)}
	case "datetime.datetime":
		return map[string]any{"type": "string", "format": "date-time"}
	case "datetime.date":
		return map[string]any{"type": "string", "format": "date"}
	case "datetime.time":
		return map[string]any{"type": "string", "format": "time"}
	case "datetime.timedelta":
		return map[string]any{"type": "string", "format": "duration"}
	case "uuid.UUID":
		return map[string]any{"type": "string", "format": "uuid"}
	case "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath":
		return map[string]any{"type": "string", "format": "path"}
	case "pydantic.SecretStr", "pydantic.SecretBytes":
		return map[string]any{"type": "string", "format": "password", "writeOnly": true}
	case "pydantic.HttpUrl", "pydantic.networks.HttpUrl":
		return map[string]any{"type": "string", "format": "uri", "minLength": int64(1), "maxLength": int64(2083)}
	case "pydantic.AnyUrl", "pydantic.networks.AnyUrl":
		return map[string]any{"type": "string", "format": "uri", "minLength": int64(1)}
	case "ipaddress.IPv4Address", "ipaddress.IPv6Address", "ipaddress.IPv4Network", "ipaddress.IPv6Network",
		"ipaddress.IPv4Interface", "ipaddress.IPv6Interface":
		// IPv4Address is "ipv4", IPv4Network "ipv4network", IPv6Interface "ipv6interface".
		return map[string]any{"type": "string", "format": strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(q, "ipaddress."), "Address"))}
	case "decimal.Decimal":
		return map[string]any{"anyOf": []any{map[string]any{"type": "number"}, map[string]any{"type": "string"}}}
	case "builtins.list", "typing.List", "typing.Sequence", "typing.MutableSequence", "typing.Iterable", "typing.Collection":
		if len(args) > 1 {
			return g.fail("%s takes one argument", q)
		}
		return nonNil(g, map[string]any{"type": "array", "items": arg(0)})
	case "builtins.set", "typing.Set", "builtins.frozenset", "typing.FrozenSet", "typing.AbstractSet", "typing.MutableSet":
		if len(args) > 1 {
			return g.fail("%s takes one argument", q)
		}
		return nonNil(g, map[string]any{"type": "array", "items": arg(0), "uniqueItems": true})
	case "builtins.tuple", "typing.Tuple":
		return g.tuple(args, m, depth+1)
	case "builtins.dict", "typing.Dict", "typing.Mapping", "typing.MutableMapping":
		if len(args) != 0 && len(args) != 2 {
			return g.fail("%s takes two arguments", q)
		}
		if len(args) == 2 {
			if k := arg(0); k == nil || (len(k) > 0 && k["type"] != "string") {
				return g.fail("dict keys that are not str are not followed")
			}
		}
		var values any = true
		if v := arg(1); v == nil {
			return nil
		} else if len(v) > 0 {
			values = v
		}
		return map[string]any{"type": "object", "additionalProperties": values}
	case "typing.Optional":
		if len(args) != 1 {
			return g.fail("Optional takes one argument")
		}
		return g.union([]*node{args[0], {kind: nConst}}, m, depth+1)
	case "typing.Union":
		if len(args) == 0 {
			return g.fail("Union needs arguments")
		}
		return g.union(args, m, depth+1)
	case "typing.Literal":
		return g.literal(args, m, depth+1)
	case "typing.Annotated":
		if len(args) < 2 {
			return g.fail("Annotated needs metadata")
		}
		base := g.typeSchema(args[0], m, depth+1)
		if base == nil {
			return nil
		}
		for _, meta := range args[1:] {
			if base = g.applyMeta(base, meta, m, depth+1, false); base == nil {
				return nil
			}
		}
		return base
	}
	if args == nil {
		if k := g.r.externalKind(q); k != "" {
			return g.fail("%s (%s) is defined outside the repository", strings.TrimPrefix(q, "builtins."), k)
		}
	}
	return g.fail("%s is defined outside the repository", strings.TrimPrefix(q, "builtins."))
}

func nonNil(g *schemaGen, s map[string]any) map[string]any {
	for _, v := range s {
		if m, ok := v.(map[string]any); ok && m == nil {
			return nil
		}
	}
	return s
}

// externalKind names a well-known library for a message, or "".
func (r *repo) externalKind(q string) string {
	switch {
	case strings.HasPrefix(q, "prefect."):
		return "a Prefect class"
	case strings.HasPrefix(q, "pydantic."):
		return "a pydantic type"
	}
	return ""
}

// applyMeta applies one Annotated metadata item (pydantic Field, an
// annotated-types constraint, or a plain value, which has no effect).
// topLevel drops what Prefect's own Field for the parameter overrides.
func (g *schemaGen) applyMeta(base map[string]any, meta *node, m *module, depth int, topLevel bool) map[string]any {
	v, ok := g.r.eval(meta, m, depth+1)
	if !ok {
		return g.fail("Annotated metadata %q could not be evaluated", exprText(meta))
	}
	switch x := v.(type) {
	case *fieldInfo:
		if x.dataclass || x.unreadable {
			return g.fail("Annotated metadata %q could not be evaluated", exprText(meta))
		}
		return g.applyField(base, x.kw)
	case constraint:
		return g.applyField(base, x.kw)
	case string, int64, float64, bool, pyNone:
		return base
	}
	return g.fail("Annotated metadata %q is not understood", exprText(meta))
}

// exprText is a short rendering of an expression for messages.
func exprText(n *node) string {
	if d := n.dotted(); d != "" {
		return d
	}
	switch n.kind {
	case nCall:
		return exprText(n.x) + "(...)"
	case nSub:
		return exprText(n.x) + "[...]"
	}
	return "expression"
}

// fieldKeys maps pydantic Field keywords to JSON schema keys by the kind of
// schema they constrain.
var numericKeys = map[string]string{"ge": "minimum", "gt": "exclusiveMinimum", "le": "maximum", "lt": "exclusiveMaximum", "multiple_of": "multipleOf"}

// applyField applies pydantic Field keywords (constraints, description,
// title, examples, json_schema_extra) to a schema.
func (g *schemaGen) applyField(base map[string]any, kw map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	// Constraints of a nullable schema apply to its non-null member.
	target := out
	if alts, ok := out["anyOf"].([]any); ok && len(alts) == 2 {
		if n, ok := alts[1].(map[string]any); ok && len(n) == 1 && n["type"] == "null" {
			inner := map[string]any{}
			for k, v := range alts[0].(map[string]any) {
				inner[k] = v
			}
			target = inner
			defer func() { out["anyOf"] = []any{inner, n} }()
		}
	}
	typ, _ := target["type"].(string)
	keys := make([]string, 0, len(kw))
	for k := range kw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := kw[k]
		if _, isNone := v.(pyNone); isNone {
			continue
		}
		j, ok := toJSON(v)
		if !ok {
			return g.fail("Field(%s=...) could not be evaluated", k)
		}
		switch k {
		case "ge", "gt", "le", "lt", "multiple_of":
			if typ != "integer" && typ != "number" {
				return g.fail("Field(%s=...) on a non-numeric type", k)
			}
			target[numericKeys[k]] = j
		case "min_length", "max_length":
			key := map[string][2]string{"string": {"minLength", "maxLength"}, "array": {"minItems", "maxItems"}, "object": {"minProperties", "maxProperties"}}[typ]
			if key[0] == "" {
				return g.fail("Field(%s=...) on a type without length", k)
			}
			if k == "min_length" {
				target[key[0]] = j
			} else {
				target[key[1]] = j
			}
		case "pattern":
			if typ != "string" {
				return g.fail("Field(pattern=...) on a non-string type")
			}
			target["pattern"] = j
		case "description", "title", "examples":
			out[k] = j
		case "json_schema_extra":
			extra, ok := j.(map[string]any)
			if !ok {
				return g.fail("json_schema_extra that is not a dict is not followed")
			}
			for ek, ev := range extra {
				out[ek] = ev
			}
		case "alias", "validation_alias", "serialization_alias", "discriminator", "strict", "frozen", "exclude",
			"max_digits", "decimal_places", "allow_inf_nan", "union_mode", "coerce_numbers_to_str":
			return g.fail("Field(%s=...) is not followed", k)
		case "repr", "init", "init_var", "kw_only", "validate_default", "deprecated", "hash", "compare", "metadata":
			if k == "deprecated" {
				return g.fail("Field(deprecated=...) is not followed")
			}
		default:
			return g.fail("Field(%s=...) is not followed", k)
		}
	}
	return out
}

// constrainedCall handles conint(...), constr(...), confloat(...) and
// conlist(...).
func (g *schemaGen) constrainedCall(n *node, m *module, depth int) map[string]any {
	s := g.r.resolve(n.x, m, depth+1)
	var base map[string]any
	switch canonical(s.ext) {
	case "typing.TypeVar":
		// An unbounded, unconstrained TypeVar is Any; a bound one its bound.
		if len(n.args) != 1 {
			return g.fail("a constrained TypeVar is not followed")
		}
		for _, k := range n.kw {
			switch k.name {
			case "bound":
				return g.typeSchema(k.value, m, depth+1)
			case "covariant", "contravariant":
			default:
				return g.fail("TypeVar(%s=...) is not followed", k.name)
			}
		}
		return map[string]any{}
	case "pydantic.conint":
		base = map[string]any{"type": "integer"}
	case "pydantic.confloat":
		base = map[string]any{"type": "number"}
	case "pydantic.constr":
		base = map[string]any{"type": "string"}
	case "pydantic.conlist":
		if len(n.args) != 1 {
			return g.fail("conlist needs its item type")
		}
		items := g.typeSchema(n.args[0], m, depth+1)
		if items == nil {
			return nil
		}
		base = map[string]any{"type": "array", "items": items}
	default:
		return g.fail("%s(...) is not a type Discover evaluates", exprText(n.x))
	}
	if canonical(s.ext) != "pydantic.conlist" && len(n.args) > 0 {
		return g.fail("positional arguments to %s", exprText(n.x))
	}
	kw := map[string]any{}
	for _, k := range n.kw {
		v, ok := g.r.eval(k.value, m, depth+1)
		if !ok {
			return g.fail("%s(%s=...) could not be evaluated", exprText(n.x), k.name)
		}
		switch k.name {
		case "ge", "gt", "le", "lt", "multiple_of", "min_length", "max_length", "pattern":
			kw[k.name] = v
		case "strict":
		default:
			return g.fail("%s(%s=...) is not followed", exprText(n.x), k.name)
		}
	}
	return g.applyField(base, kw)
}

// union returns the schema of a union: the members' schemas, duplicates
// dropped, with null last as pydantic's nullable schema puts it.
func (g *schemaGen) union(members []*node, m *module, depth int) map[string]any {
	var schemas []map[string]any
	nullable := false
	var add func(n *node, m *module, depth int) bool
	add = func(n *node, m *module, depth int) bool {
		if depth > maxDepth {
			g.fail("the union nests too deeply")
			return false
		}
		if n.kind == nConst && n.value == nil {
			nullable = true
			return true
		}
		if n.kind == nBin && n.name == "|" {
			return add(n.x, m, depth+1) && add(n.y, m, depth+1)
		}
		if n.kind == nSub {
			s := g.r.resolve(n.x, m, depth+1)
			switch canonical(s.ext) {
			case "typing.Union":
				for _, a := range n.args {
					if !add(a, m, depth+1) {
						return false
					}
				}
				return true
			case "typing.Optional":
				if len(n.args) == 1 {
					nullable = true
					return add(n.args[0], m, depth+1)
				}
			}
		}
		if n.kind == nName || n.kind == nAttr {
			s := g.r.resolve(n, m, depth+1)
			if canonical(s.ext) == "builtins.None" || (s.val != nil && s.val.kind == nConst && s.val.value == nil) {
				nullable = true
				return true
			}
		}
		s := g.typeSchema(n, m, depth+1)
		if s == nil {
			return false
		}
		if alts, ok := s["anyOf"].([]any); ok && len(s) == 1 {
			for _, a := range alts {
				am := a.(map[string]any)
				if len(am) == 1 && am["type"] == "null" {
					nullable = true
					continue
				}
				schemas = appendUnique(schemas, am)
			}
			return true
		}
		schemas = appendUnique(schemas, s)
		return true
	}
	for _, n := range members {
		if !add(n, m, depth+1) {
			return nil
		}
	}
	var inner map[string]any
	switch len(schemas) {
	case 0:
		return map[string]any{"type": "null"}
	case 1:
		inner = schemas[0]
	default:
		list := make([]any, len(schemas))
		for i, s := range schemas {
			list[i] = s
		}
		inner = map[string]any{"anyOf": list}
	}
	if !nullable {
		return inner
	}
	if list, ok := inner["anyOf"].([]any); ok && len(inner) == 1 {
		return map[string]any{"anyOf": append(list, map[string]any{"type": "null"})}
	}
	return map[string]any{"anyOf": []any{inner, map[string]any{"type": "null"}}}
}

func appendUnique(list []map[string]any, s map[string]any) []map[string]any {
	for _, have := range list {
		if reflect.DeepEqual(have, s) {
			return list
		}
	}
	return append(list, s)
}

// literal returns the schema of Literal[...]: a const for one value, an
// enum for several, with a type when all values share one.
func (g *schemaGen) literal(args []*node, m *module, depth int) map[string]any {
	values := make([]any, 0, len(args))
	kinds := map[string]bool{}
	for _, a := range args {
		v, ok := g.r.eval(a, m, depth+1)
		if !ok {
			return g.fail("a Literal value could not be evaluated")
		}
		if ev, isEnum := v.(enumValue); isEnum {
			v = ev.value
		}
		j, ok := toJSON(v)
		if !ok {
			return g.fail("a Literal value could not be evaluated")
		}
		values = append(values, j)
		kinds[jsonType(j)] = true
	}
	s := map[string]any{}
	if len(values) == 1 {
		s["const"] = values[0]
	} else {
		s["enum"] = values
	}
	if len(kinds) == 1 {
		for k := range kinds {
			if k != "" && k != "number" && k != "null" {
				s["type"] = k
			}
		}
	}
	return s
}

// jsonType returns the JSON schema type of a JSON value.
func jsonType(v any) string {
	switch x := v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case int64, json.Number:
		return "integer"
	case float64:
		if x == math.Trunc(x) {
			return "number"
		}
		return "number"
	case nil:
		return "null"
	}
	return ""
}

func (g *schemaGen) tuple(args []*node, m *module, depth int) map[string]any {
	s := map[string]any{"type": "array"}
	switch {
	case len(args) == 2 && args[1].kind == nEllipsis:
		items := g.typeSchema(args[0], m, depth+1)
		if items == nil {
			return nil
		}
		s["items"] = items
	case len(args) == 1 && args[0].kind == nTuple && len(args[0].args) == 0:
		s["maxItems"], s["minItems"] = 0, 0
	case len(args) > 0:
		items := make([]any, len(args))
		for i, a := range args {
			it := g.typeSchema(a, m, depth+1)
			if it == nil {
				return nil
			}
			items[i] = it
		}
		s["prefixItems"] = items
		s["minItems"] = len(items)
		s["maxItems"] = len(items)
	default:
		s["items"] = map[string]any{}
	}
	return s
}

// classSchema returns the schema of a repository class: a $ref to its
// definition for enums, models, dataclasses, TypedDicts and NamedTuples,
// {} for an arbitrary class.
func (g *schemaGen) classSchema(c *classDef, depth int) map[string]any {
	kind := g.r.classKind(c, 0)
	if kind == kindUnknown {
		return g.fail("class %s derives from a class defined outside the repository", c.name)
	}
	if kind == kindPlain {
		return map[string]any{}
	}
	ref := map[string]any{"$ref": "#/definitions/" + c.name}
	if owner, ok := g.owner[c.name]; ok {
		if owner != c {
			return g.fail("two classes named %s", c.name)
		}
		return ref
	}
	g.owner[c.name] = c
	var def map[string]any
	switch kind {
	case kindEnum:
		def = g.enumDef(c, depth+1)
	default:
		def = g.structDef(c, kind, depth+1)
	}
	if def == nil {
		return nil
	}
	g.defs[c.name] = def
	return ref
}

func (g *schemaGen) enumDef(c *classDef, depth int) map[string]any {
	members := g.r.enumMembers(c, depth+1)
	if members == nil {
		return g.fail("the members of enum %s could not be evaluated", c.name)
	}
	var values []any
	kinds := map[string]bool{}
	for _, mem := range members { // aliases too: pydantic lists __members__
		v, _ := toJSON(mem.value)
		values = append(values, v)
		kinds[jsonType(v)] = true
	}
	def := map[string]any{"enum": values, "title": c.name}
	switch {
	case len(kinds) == 1:
		for k := range kinds {
			def["type"] = k
		}
	case len(kinds) == 2 && kinds["integer"] && kinds["number"]:
		def["type"] = "number"
	}
	if c.hasDoc {
		def["description"] = cleandoc(c.doc)
	}
	return def
}

// structDef returns the definition of a model, dataclass, TypedDict or
// NamedTuple.
func (g *schemaGen) structDef(c *classDef, kind classKind, depth int) map[string]any {
	fields, ok := g.r.classFields(c, depth+1)
	if !ok {
		return g.fail("a field of %s could not be evaluated", c.name)
	}
	total := true
	if hdr := c.hdr(); hdr != nil {
		for _, k := range hdr.kw {
			if k.name == "total" {
				v, _ := g.r.eval(k.value, c.mod, depth+1)
				b, isBool := v.(bool)
				if !isBool {
					return g.fail("TypedDict total= could not be evaluated")
				}
				total = b
			}
		}
	}
	props := map[string]any{}
	var required []any
	var prefix []any
	minItems := 0
	for _, f := range fields {
		ann := f.ann
		req := f.info == nil && !f.hasDefault || f.info != nil && !f.hasDefault && !f.info.factory
		if kind == kindTypedDict {
			req = total
			if ann.kind == nSub {
				switch canonical(g.r.resolve(ann.x, f.mod, 0).ext) {
				case "typing.NotRequired":
					req, ann = false, ann.args[0]
				case "typing.Required":
					req, ann = true, ann.args[0]
				}
			}
		}
		s := g.typeSchema(ann, f.mod, depth+1)
		if s == nil {
			return nil
		}
		if !refLike(s) {
			s = withTitle(s, fieldTitle(f.name))
		}
		if f.info != nil {
			if s = g.applyField(s, f.info.kw); s == nil {
				return nil
			}
		}
		if f.hasDefault && kind != kindTypedDict {
			j, ok := toJSON(f.def)
			if !ok {
				return g.fail("the default of %s.%s could not be evaluated", c.name, f.name)
			}
			s["default"] = j
		}
		if kind == kindNamedTuple {
			prefix = append(prefix, s)
			if !f.hasDefault {
				minItems++
			}
			continue
		}
		props[f.name] = s
		if req {
			required = append(required, f.name)
		}
	}
	if kind == kindNamedTuple {
		return map[string]any{"type": "array", "prefixItems": prefix, "minItems": minItems, "maxItems": len(prefix)}
	}
	def := map[string]any{"properties": props, "title": c.name, "type": "object"}
	if len(required) > 0 {
		def["required"] = required
	}
	if c.hasDoc {
		def["description"] = cleandoc(c.doc)
	}
	if kind == kindModel {
		for _, a := range c.attrs {
			if a.name != "model_config" {
				continue
			}
			v, ok := g.r.eval(parseExpr(a.value), c.mod, depth+1)
			if !ok {
				return g.fail("model_config of %s could not be evaluated", c.name)
			}
			cfg, isDict := v.(*pyDict)
			if !isDict {
				return g.fail("model_config of %s could not be evaluated", c.name)
			}
			for i, k := range cfg.keys {
				switch k {
				case "extra":
					switch cfg.vals[i] {
					case "forbid":
						def["additionalProperties"] = false
					case "allow":
						def["additionalProperties"] = true
					}
				case "arbitrary_types_allowed", "frozen", "validate_assignment", "use_enum_values", "populate_by_name", "str_strip_whitespace":
				default:
					return g.fail("model_config %v of %s is not followed", k, c.name)
				}
			}
		}
	}
	return def
}

// refLike reports a schema pydantic gives no field title: a reference, or
// a nullable reference.
func refLike(s map[string]any) bool {
	if _, ok := s["$ref"]; ok {
		return true
	}
	if alts, ok := s["anyOf"].([]any); ok && len(alts) == 2 {
		first, _ := alts[0].(map[string]any)
		last, _ := alts[1].(map[string]any)
		if _, ref := first["$ref"]; ref && len(first) == 1 && len(last) == 1 && last["type"] == "null" {
			return true
		}
	}
	return false
}

func withTitle(s map[string]any, title string) map[string]any {
	out := map[string]any{"title": title}
	for k, v := range s {
		out[k] = v
	}
	return out
}

// fieldTitle is pydantic's default title for a field: Python's str.title()
// with underscores turned into spaces.
func fieldTitle(name string) string {
	var b strings.Builder
	prevCased := false
	for _, r := range name {
		switch {
		case unicode.IsLetter(r):
			if prevCased {
				b.WriteRune(unicode.ToLower(r))
			} else {
				b.WriteRune(unicode.ToTitle(r))
			}
			prevCased = true
		default:
			b.WriteRune(r)
			prevCased = false
		}
	}
	return strings.ReplaceAll(b.String(), "_", " ")
}

// toJSON converts an evaluated value the way pydantic serialises a default
// for a JSON schema (enum members by value, dates in ISO 8601, tuples and
// sets as arrays, models and dataclasses as objects).
func toJSON(v any) (any, bool) {
	switch x := v.(type) {
	case pyNone:
		return nil, true
	case bool, int64, json.Number, string:
		return x, true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, false
		}
		return x, true
	case pyBytes:
		return string(x), true
	case pyPath:
		return string(x), true
	case pyList:
		return listJSON(x)
	case pyTuple:
		return listJSON(x)
	case pySet:
		if len(x) > 1 {
			return nil, false // Python's set order depends on hashing
		}
		return listJSON(x)
	case *pyDict:
		out := map[string]any{}
		for i, k := range x.keys {
			ks, ok := k.(string)
			if !ok {
				return nil, false
			}
			if out[ks], ok = toJSON(x.vals[i]); !ok {
				return nil, false
			}
		}
		return out, true
	case enumValue:
		return toJSON(x.value)
	case pyDate:
		return fmt.Sprintf("%04d-%02d-%02d", x.y, x.mo, x.d), true
	case pyTime:
		return timeString(x), true
	case pyDT:
		d, _ := toJSON(x.d)
		return d.(string) + "T" + timeString(x.t), true
	case pyDelta:
		return durationString(x.us)
	case *instance:
		out := map[string]any{}
		for k, fv := range x.fields {
			j, ok := toJSON(fv)
			if !ok {
				return nil, false
			}
			out[k] = j
		}
		return out, true
	}
	return nil, false
}

func listJSON(items []any) (any, bool) {
	out := make([]any, len(items))
	for i, it := range items {
		var ok bool
		if out[i], ok = toJSON(it); !ok {
			return nil, false
		}
	}
	return out, true
}

func timeString(t pyTime) string {
	s := fmt.Sprintf("%02d:%02d:%02d", t.h, t.mi, t.s)
	if t.us != 0 {
		s += fmt.Sprintf(".%06d", t.us)
	}
	return s
}

// durationString renders a timedelta as pydantic does: P<d>DT<h>H<m>M<s>S
// with zero parts left out.
func durationString(us int64) (any, bool) {
	if us < 0 {
		return nil, false
	}
	days := us / 86400e6
	rest := us % 86400e6
	h := rest / 3600e6
	rest %= 3600e6
	mi := rest / 60e6
	rest %= 60e6
	s := "P"
	if days > 0 {
		s += fmt.Sprintf("%dD", days)
	}
	if h > 0 || mi > 0 || rest > 0 || days == 0 {
		s += "T"
		if h > 0 {
			s += fmt.Sprintf("%dH", h)
		}
		if mi > 0 {
			s += fmt.Sprintf("%dM", mi)
		}
		if rest > 0 || (h == 0 && mi == 0) {
			sec := rest / 1e6
			frac := rest % 1e6
			if frac == 0 {
				s += fmt.Sprintf("%dS", sec)
			} else {
				s += strings.TrimRight(fmt.Sprintf("%d.%06d", sec, frac), "0") + "S"
			}
		}
	}
	return s, true
}

// buildSchema computes a flow's parameter schema in its module; the
// warnings say which parameters could not be computed exactly, at their
// index.
func buildSchema(f *Flow, r *repo, m *module) (map[string]any, map[int]string) {
	properties := map[string]any{}
	var required []string
	g := &schemaGen{r: r, defs: map[string]any{}, owner: map[string]*classDef{}, flowMod: m}
	problems := map[int]string{}
	for i, p := range f.Params {
		if p.Name == "self" || p.Name == "cls" {
			continue // Prefect leaves them out but keeps counting positions
		}
		prop, isRequired, why := g.param(p, i, m)
		if why != "" {
			problems[i] = why
		}
		properties[p.Name] = prop
		if isRequired {
			required = append(required, p.Name)
		}
	}
	schema := map[string]any{"title": "Parameters", "type": "object", "properties": properties}
	if len(required) > 0 {
		schema["required"] = required
	}
	if len(g.defs) > 0 {
		schema["definitions"] = g.defs
	}
	return schema, problems
}

// param returns one parameter's property, whether it is required, and why
// it could not be computed exactly ("" when it was).
func (g *schemaGen) param(p Param, position int, m *module) (map[string]any, bool, string) {
	var why []string
	// The type: the annotation's schema, or any value when it cannot be built.
	var typ map[string]any
	if p.Annotation != "" {
		snapshot := g.snapshot()
		g.why = ""
		if n := parseExpr(p.Annotation); n != nil {
			if s, isStr := n.value.(string); n.kind == nConst && isStr && !n.bytes && !m.future {
				// inspect.signature(eval_str=True) evaluates a string
				// annotation in the flow's module.
				if inner := parseExpr(s); inner != nil {
					n = inner
				}
			}
			typ = g.topAnnotation(n, m)
		} else {
			g.fail("the annotation is outside the expressions Discover reads")
		}
		if typ == nil && g.exactAny {
			g.restore(snapshot)
			typ = map[string]any{}
		}
		g.exactAny = false
		if typ == nil {
			why = append(why, fmt.Sprintf("its annotation %q could not be read without importing (%s), so the deployment accepts any value for it", p.Annotation, g.why))
			g.restore(snapshot)
			typ = map[string]any{}
		}
		g.why = ""
	}
	if typ == nil {
		typ = map[string]any{}
	}
	switch p.Kind {
	case KindVarArg:
		items := typ
		typ = map[string]any{"type": "array", "items": items, "default": []any{}}
	case KindVarKeyword:
		var values any = true
		if len(typ) > 0 {
			values = typ
		}
		typ = map[string]any{"type": "object", "additionalProperties": values, "default": map[string]any{}}
	}
	prop := map[string]any{}
	for k, v := range typ {
		prop[k] = v
	}
	prop["title"] = p.Name
	prop["position"] = position
	required := false
	description := p.Description
	hasDescription := p.Documented
	switch {
	case p.Kind == KindVarArg || p.Kind == KindVarKeyword:
	case p.HasDefault:
		n := parseExpr(p.Default)
		v, ok := g.r.eval(n, m, 0)
		if !ok {
			why = append(why, fmt.Sprintf("its default %q could not be evaluated without importing, so the deployment shows none (the flow's own default still applies)", p.Default))
			break
		}
		if fi, isField := v.(*fieldInfo); isField && !fi.dataclass {
			if fi.unreadable {
				why = append(why, fmt.Sprintf("its default %q could not be evaluated without importing, so the deployment shows none (the flow's own default still applies)", p.Default))
				break
			}
			if d, ok := fi.kw["description"].(string); ok && d != "" {
				description, hasDescription = d, true
			}
			if extra, ok := fi.kw["json_schema_extra"]; ok {
				j, ok := toJSON(extra)
				em, isMap := j.(map[string]any)
				if !ok || !isMap {
					why = append(why, "its Field(json_schema_extra=...) could not be evaluated")
				}
				for k, v := range em {
					if _, set := prop[k]; !set || k == "position" {
						prop[k] = v
					}
				}
				prop["position"] = position
			}
			switch {
			case fi.hasDef:
				v = fi.def
			case fi.factory:
				// Prefect passes no default on: the parameter becomes required.
				required = true
				v = nil
			default:
				required = true
				v = nil
			}
			if v == nil {
				break
			}
		}
		j, ok := toJSON(v)
		if !ok {
			why = append(why, fmt.Sprintf("its default %q could not be serialised as pydantic would, so the deployment shows none (the flow's own default still applies)", p.Default))
			break
		}
		prop["default"] = j
	default:
		if d, ok := prop["default"]; ok && d != nil {
			break // Annotated[..., Field(default=...)]
		}
		required = true
	}
	if hasDescription {
		prop["description"] = description
	} else {
		delete(prop, "description")
	}
	if _, ok := prop["title"]; !ok {
		prop["title"] = p.Name
	}
	prop["title"] = p.Name
	return prop, required, strings.Join(why, "; ")
}

// topAnnotation is typeSchema for a parameter's own annotation: an
// Annotated Field's title and description give way to Prefect's (the
// parameter name and the docstring), its default is kept.
func (g *schemaGen) topAnnotation(n *node, m *module) map[string]any {
	if n.kind == nSub {
		s := g.r.resolve(n.x, m, 0)
		if canonical(s.ext) == "typing.Annotated" && len(n.args) >= 2 {
			base := g.typeSchema(n.args[0], m, 1)
			if base == nil {
				return nil
			}
			for _, meta := range n.args[1:] {
				v, ok := g.r.eval(meta, m, 1)
				if fi, isField := v.(*fieldInfo); ok && isField && !fi.dataclass && !fi.unreadable {
					kw := map[string]any{}
					for k, v := range fi.kw {
						if k != "title" && k != "description" {
							kw[k] = v
						}
					}
					if base = g.applyField(base, kw); base == nil {
						return nil
					}
					if fi.hasDef {
						j, ok := toJSON(fi.def)
						if !ok {
							return g.fail("the Field default could not be evaluated")
						}
						base["default"] = j
					}
					continue
				}
				if base = g.applyMeta(base, meta, m, 1, true); base == nil {
					return nil
				}
			}
			return base
		}
	}
	return g.typeSchema(n, m, 0)
}

// snapshot and restore keep the definitions of a failed parameter out of
// the schema.
func (g *schemaGen) snapshot() [2]map[string]any {
	defs := map[string]any{}
	owners := map[string]any{}
	for k, v := range g.defs {
		defs[k] = v
	}
	for k, v := range g.owner {
		owners[k] = v
	}
	return [2]map[string]any{defs, owners}
}

func (g *schemaGen) restore(s [2]map[string]any) {
	g.defs = s[0]
	g.owner = map[string]*classDef{}
	for k, v := range s[1] {
		g.owner[k] = v.(*classDef)
	}
}
