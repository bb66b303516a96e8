package prefectyaml

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// placeholderRE is Prefect's placeholder pattern, {{\s*([\w\.\-\[\]$]+)\s*}},
// with Python's Unicode meaning of \w and \s.
var placeholderRE = regexp.MustCompile(`\{\{[\s\p{Z}\x{85}\x{1c}-\x{1f}]*([\p{L}\p{N}_.\-\[\]$]+)[\s\p{Z}\x{85}\x{1c}-\x{1f}]*\}\}`)

type placeholderType int

const (
	standardPlaceholder placeholderType = iota
	blockPlaceholder
	variablePlaceholder
	envPlaceholder
	ctxPlaceholder
)

func typeOf(name string) placeholderType {
	switch {
	case strings.HasPrefix(name, "prefect.blocks."):
		return blockPlaceholder
	case strings.HasPrefix(name, "prefect.variables."):
		return variablePlaceholder
	case strings.HasPrefix(name, "$"):
		return envPlaceholder
	case strings.HasPrefix(name, "ctx."):
		return ctxPlaceholder
	}
	return standardPlaceholder
}

// mode says which templating pass runs.
type mode int

const (
	// envPass resolves {{ $VAR }} that are set and leaves everything else:
	// prefect deploy's first pass over a deployment entry.
	envPass mode = iota
	// finalPass resolves step outputs (a missing one is an error) and
	// {{ $VAR }} (unset ones become "", with a warning): the pass over the
	// entry, schedules, trigger fields and the inputs of steps run here.
	finalPass
	// pullPass resolves step outputs and set {{ $VAR }} and keeps anything
	// else for the worker: the pass over pull steps.
	pullPass
)

// templater resolves placeholders for one deployment entry.
type templater struct {
	errs    *errs
	lookup  func(string) (string, bool)
	outputs map[string]any
	// steps describes every build and push step that has an id, so a
	// reference to one whose outputs are missing can say why.
	steps map[string]*stepState
	warn  func(n *node, format string, args ...any)
	// what names the thing being templated in error messages.
	what string
}

// apply templates n in place and returns it. keep is false when a pull-pass
// list item must be dropped, as Prefect drops it.
func (t *templater) apply(n *node, m mode) (out *node, keep bool) {
	if n == nil {
		return nil, true
	}
	switch n.Kind {
	case strKind:
		if n.Templated {
			return n, true
		}
		return t.str(n, m)
	case seqKind:
		items := n.Items[:0]
		for _, x := range n.Items {
			if m == envPass && wholePlaceholder(x) {
				t.warn(x, "prefect deploy drops this list item: its first templating pass removes list items that are a single {{ name }} placeholder; Load keeps it")
			}
			if v, ok := t.apply(x, m); ok {
				items = append(items, v)
			}
		}
		n.Items = items
	case mapKind:
		for i, v := range n.Vals {
			if out, _ := t.apply(v, m); out != nil {
				n.Vals[i] = out
			}
		}
	}
	return n, true
}

func (t *templater) str(n *node, m mode) (*node, bool) {
	matches := placeholderRE.FindAllStringSubmatch(n.Str, -1)
	if len(matches) == 0 {
		return n, true
	}
	distinct := map[string]bool{}
	for _, mt := range matches {
		distinct[mt[0]] = true
	}
	if len(distinct) == 1 && matches[0][0] == n.Str && typeOf(matches[0][1]) == standardPlaceholder {
		if m == envPass {
			return n, true
		}
		name := matches[0][1]
		v, ok := getPath(t.outputs, name)
		if ok {
			return fromValue(v, n), true
		}
		if m == pullPass && !t.knownStep(name) {
			return n, false
		}
		t.missing(n, name)
		return n, true
	}
	out := placeholderRE.ReplaceAllStringFunc(n.Str, func(full string) string {
		name := placeholderRE.FindStringSubmatch(full)[1]
		switch typeOf(name) {
		case standardPlaceholder:
			if m == envPass {
				return full
			}
			if v, ok := getPath(t.outputs, name); ok {
				return pyStr(v)
			}
			if m == pullPass && !t.knownStep(name) {
				return full
			}
			t.missing(n, name)
			return full
		case envPlaceholder:
			key := strings.TrimLeft(name, "$")
			if v, ok := t.lookup(key); ok {
				return v
			}
			if m == finalPass {
				t.warn(n, "the environment variable %s is not set; prefect deploy puts an empty string in its place", key)
				return ""
			}
			return full
		}
		return full
	})
	if out == n.Str {
		return n, true
	}
	c := *n
	c.Str = out
	c.Templated = m != envPass
	return &c, true
}

// wholePlaceholder reports whether n is a string that is exactly one
// {{ name }} placeholder of the kind Prefect looks up in step outputs
// ({{ ctx.* }} included).
func wholePlaceholder(n *node) bool {
	if n.Kind != strKind || n.Templated {
		return false
	}
	m := placeholderRE.FindStringSubmatch(n.Str)
	if m == nil || m[0] != n.Str {
		return false
	}
	tp := typeOf(m[1])
	return tp == standardPlaceholder || tp == ctxPlaceholder
}

// knownStep reports whether a pull-step placeholder names a build or push
// step of this file, so that its missing output is an error rather than
// text for the worker.
func (t *templater) knownStep(name string) bool {
	head, _, dotted := strings.Cut(strings.ReplaceAll(name, "[", "."), ".")
	if !dotted {
		return false
	}
	_, ok := t.steps[head]
	return ok
}

// missing records an error for a step-output placeholder nobody supplied.
func (t *templater) missing(n *node, name string) {
	head, rest, dotted := strings.Cut(strings.ReplaceAll(name, "[", "."), ".")
	key := strings.TrimSuffix(rest, "]")
	if i := strings.IndexAny(key, ".]"); i >= 0 {
		key = key[:i]
	}
	ref := "{{ " + name + " }}"
	if !dotted {
		t.errs.at(n, "%s%s: no build or push step has an output named %q", ref, t.in(), name)
		return
	}
	st, ok := t.steps[head]
	switch {
	case !ok:
		t.errs.at(n, "%s%s: no build or push step has the id %q", ref, t.in(), head)
	case !st.done:
		t.errs.at(n, "%s%s: step %q (%s) is not run here, so its output %q is unknown; supply the step output %q",
			ref, t.in(), head, st.short(), key, head+"."+key)
	case st.unknown[key] != "":
		t.errs.at(n, "%s%s: step %q (%s, line %d) %s", ref, t.in(), head, st.short(), st.line, st.unknown[key])
	default:
		have := sortedKeys(st.outputs)
		t.errs.at(n, "%s%s: step %q has no output %q (it has: %s)", ref, t.in(), head, key, strings.Join(have, ", "))
	}
}

func (t *templater) in() string {
	if t.what == "" {
		return ""
	}
	return " in " + t.what
}

// getPath looks name up as Prefect's get_from_dict does: dots and [i]
// select keys and list (or string) indexes; a key that reads as an integer
// only indexes lists.
func getPath(values map[string]any, name string) (any, bool) {
	keys := strings.Split(strings.ReplaceAll(strings.ReplaceAll(name, "[", "."), "]", ""), ".")
	var cur any = values
	for _, k := range keys {
		idx, err := strconv.Atoi(strings.TrimSpace(k))
		isInt := err == nil
		switch c := cur.(type) {
		case map[string]any:
			if isInt {
				return nil, false
			}
			v, ok := c[k]
			if !ok {
				return nil, false
			}
			cur = v
		case map[string]string:
			if isInt {
				return nil, false
			}
			v, ok := c[k]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			if !isInt {
				return nil, false
			}
			if idx < 0 {
				idx += len(c)
			}
			if idx < 0 || idx >= len(c) {
				return nil, false
			}
			cur = c[idx]
		case []string:
			if !isInt {
				return nil, false
			}
			if idx < 0 {
				idx += len(c)
			}
			if idx < 0 || idx >= len(c) {
				return nil, false
			}
			cur = c[idx]
		case string:
			rs := []rune(c)
			if !isInt {
				return nil, false
			}
			if idx < 0 {
				idx += len(rs)
			}
			if idx < 0 || idx >= len(rs) {
				return nil, false
			}
			cur = string(rs[idx])
		default:
			return nil, false
		}
	}
	return cur, true
}

// unresolved lists the block and variable placeholders left in n, which
// prefect deploy would have resolved against the server.
func unresolved(n *node) []string {
	var out []string
	var walk func(*node)
	walk = func(n *node) {
		if n == nil {
			return
		}
		switch n.Kind {
		case strKind:
			for _, m := range placeholderRE.FindAllStringSubmatch(n.Str, -1) {
				if tp := typeOf(m[1]); tp == blockPlaceholder || tp == variablePlaceholder {
					out = append(out, m[0])
				}
			}
		case seqKind:
			for _, x := range n.Items {
				walk(x)
			}
		case mapKind:
			for _, x := range n.Vals {
				walk(x)
			}
		}
	}
	walk(n)
	slices.Sort(out)
	return slices.Compact(out)
}
