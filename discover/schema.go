package discover

import (
	"strings"
)

// ParameterSchema returns the flow's parameter_openapi_schema in the shape
// Prefect builds from a signature:
//
//	{"title": "Parameters", "type": "object",
//	 "properties": {name: {"title": name, "position": i, ...}},
//	 "required": [...]}
//
// Simple annotations map to JSON schema types (str, int, float, bool,
// bytes, list/List/Sequence[X], set[X], tuple[...], dict/Dict[K, V],
// Optional[X], Union[...], X | None, Literal[...], Annotated[X, ...], Any,
// datetime, date, time, timedelta, UUID and Path); any other annotation
// gives a property without a type, which accepts any value. A default that
// is a Python literal (numbers, strings, True/False/None, and lists, tuples
// and str-keyed dicts of those) becomes "default"; any other default is
// left out. "required" lists the parameters without a default, *args and
// **kwargs included as Prefect does, and is present only when non-empty.
// A parameter's Description, from the docstring, becomes "description".
// Parameters named self or cls are left out, as Prefect does.
func (f Flow) ParameterSchema() map[string]any {
	properties := map[string]any{}
	required := []string{}
	for i, p := range f.Params {
		if p.Name == "self" || p.Name == "cls" {
			continue // Prefect leaves them out but keeps counting positions
		}
		prop := map[string]any{"title": p.Name, "position": i}
		if p.Annotation != "" {
			if n := parseExpr(p.Annotation); n != nil {
				for k, v := range typeSchema(n) {
					prop[k] = v
				}
			}
		}
		if p.HasDefault {
			if n := parseExpr(p.Default); n != nil {
				if v, ok := n.literal(); ok {
					prop["default"] = v
				}
			}
		} else {
			required = append(required, p.Name)
		}
		if p.Description != "" {
			prop["description"] = p.Description
		}
		properties[p.Name] = prop
	}
	schema := map[string]any{"title": "Parameters", "type": "object", "properties": properties}
	if len(required) > 0 {
		schema["required"] = required
	}
	return schema
}

// typeSchema returns the JSON schema of an annotation; an empty map means
// any value.
func typeSchema(n *node) map[string]any {
	switch n.kind {
	case nConst:
		switch v := n.value.(type) {
		case nil:
			return map[string]any{"type": "null"}
		case string: // a forward reference: "int"
			if inner := parseExpr(v); inner != nil {
				return typeSchema(inner)
			}
		}
		return map[string]any{}
	case nUnion:
		return anyOf(n.args)
	case nName:
		return namedSchema(n)
	}
	return map[string]any{}
}

// anyOf returns the schema of a union, flattening nested unions.
func anyOf(members []*node) map[string]any {
	var schemas []any
	var add func(ns []*node)
	add = func(ns []*node) {
		for _, m := range ns {
			switch {
			case m.kind == nUnion:
				add(m.args)
			case m.kind == nName && m.sub && (lastName(m.name) == "Union" || lastName(m.name) == "Optional"):
				add(m.args)
				if lastName(m.name) == "Optional" {
					add([]*node{{kind: nConst}})
				}
			default:
				s := typeSchema(m)
				for _, have := range schemas {
					if equalSchema(have.(map[string]any), s) {
						s = nil
						break
					}
				}
				if s != nil {
					schemas = append(schemas, s)
				}
			}
		}
	}
	add(members)
	if len(schemas) == 1 {
		return schemas[0].(map[string]any)
	}
	return map[string]any{"anyOf": schemas}
}

// equalSchema compares the flat schemas anyOf deduplicates (such as two
// {"type": "null"}); nested ones are never equal.
func equalSchema(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		s, ok := v.(string)
		if w, ok2 := b[k].(string); !ok || !ok2 || s != w {
			return false
		}
	}
	return true
}

func lastName(dotted string) string { return dotted[strings.LastIndexByte(dotted, '.')+1:] }

// formats maps type names to string formats.
var formats = map[string]string{
	"datetime": "date-time", "date": "date", "time": "time", "timedelta": "duration",
	"UUID": "uuid", "Path": "path", "PosixPath": "path", "PurePath": "path", "bytes": "binary",
}

// namedSchema returns the schema of a (possibly subscripted) type name.
func namedSchema(n *node) map[string]any {
	name := lastName(n.name)
	arg := func(i int) map[string]any {
		if i < len(n.args) {
			return typeSchema(n.args[i])
		}
		return map[string]any{}
	}
	switch name {
	case "str":
		return map[string]any{"type": "string"}
	case "int":
		return map[string]any{"type": "integer"}
	case "float":
		return map[string]any{"type": "number"}
	case "bool":
		return map[string]any{"type": "boolean"}
	case "list", "List", "Sequence", "MutableSequence", "Iterable", "Collection":
		return map[string]any{"type": "array", "items": arg(0)}
	case "set", "Set", "frozenset", "FrozenSet", "AbstractSet", "MutableSet":
		return map[string]any{"type": "array", "items": arg(0), "uniqueItems": true}
	case "tuple", "Tuple":
		return tupleSchema(n)
	case "dict", "Dict", "Mapping", "MutableMapping":
		var values any = true
		if v := arg(1); len(v) > 0 {
			values = v
		}
		return map[string]any{"type": "object", "additionalProperties": values}
	case "Optional", "Union":
		if !n.sub {
			return map[string]any{}
		}
		return anyOf([]*node{n})
	case "Annotated":
		return arg(0)
	case "Literal":
		return literalSchema(n.args)
	}
	if f, ok := formats[name]; ok {
		return map[string]any{"type": "string", "format": f}
	}
	return map[string]any{}
}

func tupleSchema(n *node) map[string]any {
	s := map[string]any{"type": "array"}
	switch {
	case len(n.args) == 2 && n.args[1].kind == nEllipsis:
		s["items"] = typeSchema(n.args[0])
	case len(n.args) > 0:
		items := make([]any, len(n.args))
		for i, a := range n.args {
			items[i] = typeSchema(a)
		}
		s["prefixItems"] = items
		s["minItems"] = len(items)
		s["maxItems"] = len(items)
	default:
		s["items"] = map[string]any{}
	}
	return s
}

// literalSchema returns the schema of Literal[...]: a const for one value,
// an enum for several, with a type when all values share one.
func literalSchema(args []*node) map[string]any {
	values := make([]any, 0, len(args))
	kinds := map[string]bool{}
	for _, a := range args {
		if a.kind != nConst {
			return map[string]any{}
		}
		values = append(values, a.value)
		switch a.value.(type) {
		case string:
			kinds["string"] = true
		case bool:
			kinds["boolean"] = true
		case int64:
			kinds["integer"] = true
		default:
			kinds["other"] = true
		}
	}
	s := map[string]any{}
	if len(values) == 1 {
		s["const"] = values[0]
	} else {
		s["enum"] = values
	}
	if len(kinds) == 1 && !kinds["other"] {
		for k := range kinds {
			s["type"] = k
		}
	}
	return s
}
