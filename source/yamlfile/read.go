package yamlfile

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/prefect-flow-deploy/prefect-deploy-action/source/fileerr"
)

// Schema decides how plain scalars are typed and how a mapping's keys combine.
type Schema uint8

const (
	// YAML12 types scalars as go-yaml does (YAML 1.2's core schema: only true/false are
	// booleans). A repeated key is a [DuplicateKey] problem and the first stays; the
	// mapping's own keys come first, then merged keys not already set, earlier merges
	// winning. Any scalar can be a key (its text). prefect-deploy.yaml is read this way.
	YAML12 Schema = iota
	// PyYAML types scalars as Python's yaml.safe_load does (YAML 1.1: yes/no/on/off are
	// booleans, 0755 is octal, 1:30 is 90, unquoted dates are timestamps written as pydantic
	// writes them). A repeated key keeps its first place and its last value; merged keys come
	// first (among the mappings of one merge list the first listed wins), then the mapping's
	// own keys, which win. A key that is not a string is a [BadKey] problem. prefect.yaml is
	// read this way, as prefect deploy reads it.
	PyYAML
)

// Doc is one read file.
type Doc struct {
	// Root is the first document's value, nil when the file holds no document.
	Root *Node
	// Extra is where a second document starts, nil when there is none; ExtraErr is a syntax
	// error after the first document.
	Extra    *Node
	ExtraErr *fileerr.Error
}

// Read parses src, the contents of file, with schema. A syntax error in the first document
// is returned as a positioned error and no Doc: under YAML12 where [SyntaxError] finds it,
// under PyYAML at the start of the line go-yaml's message names (as prefect.yaml errors have
// always been placed).
func Read(file string, src []byte, schema Schema) (*Doc, *fileerr.Error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &Doc{}, nil
		}
		if schema == PyYAML {
			return nil, namedLineError(file, err)
		}
		return nil, SyntaxError(file, src, err)
	}
	out := &Doc{}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		out.Extra = &Node{Line: next.Line, Col: max(next.Column, 1)}
	case !errors.Is(err, io.EOF):
		out.ExtraErr = SyntaxError(file, src, err)
	}
	if len(doc.Content) == 0 {
		return out, nil
	}
	r := &reader{schema: schema, memo: map[*yaml.Node]*Node{}}
	out.Root = r.node(doc.Content[0])
	return out, nil
}

var yamlErrorLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// SyntaxError positions a go-yaml syntax error. go-yaml's messages carry no column and often
// the line where the enclosing block starts, so the line is the first at which the file, cut
// after that line, fails with the same message; the column is that line's first non-blank
// character. The message reads "invalid YAML: ...".
func SyntaxError(file string, src []byte, err error) *fileerr.Error {
	msg := yamlMessage(err)
	line, col := 1, 1
	end := 0
	for i, l := range bytes.SplitAfter(src, []byte("\n")) {
		end += len(l)
		if e := decodeAll(src[:end]); e != nil && yamlMessage(e) == msg {
			line = i + 1
			col = 1 + utf8.RuneCount(l) - utf8.RuneCount(bytes.TrimLeft(l, " "))
			break
		}
	}
	return &fileerr.Error{File: file, Line: line, Column: col, Message: "invalid YAML: " + msg}
}

// namedLineError places a go-yaml syntax error at column 1 of the line its message names, or
// on the whole file when it names none.
func namedLineError(file string, err error) *fileerr.Error {
	msg := err.Error()
	if m := yamlErrorLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &fileerr.Error{File: file, Line: line, Column: 1, Message: "invalid YAML: " + m[2]}
	}
	return &fileerr.Error{File: file, Message: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// yamlMessage strips the "yaml: line N: " prefix from a go-yaml error.
func yamlMessage(err error) string {
	msg := err.Error()
	if m := yamlErrorLineRE.FindStringSubmatch(msg); m != nil {
		return m[2]
	}
	return strings.TrimPrefix(msg, "yaml: ")
}

// decodeAll parses every document in data and returns the first error.
func decodeAll(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// reader turns go-yaml's nodes into Nodes; memo makes an alias the Node of its anchor.
type reader struct {
	schema Schema
	memo   map[*yaml.Node]*Node
}

func (r *reader) node(y *yaml.Node) *Node {
	for i := 0; y.Kind == yaml.AliasNode && y.Alias != nil && i < 100; i++ {
		y = y.Alias
	}
	if n, ok := r.memo[y]; ok {
		return n
	}
	n := &Node{Line: y.Line, Col: y.Column}
	r.memo[y] = n
	switch y.Kind {
	case yaml.SequenceNode:
		n.Kind, n.Items = Seq, []*Node{}
		r.collectionTag(n, y, "!!seq")
		for _, c := range y.Content {
			n.Items = append(n.Items, r.node(c))
		}
	case yaml.MappingNode:
		n.Kind, n.Keys, n.Vals, n.KeyNodes = Map, []string{}, []*Node{}, []*Node{}
		r.collectionTag(n, y, "!!map")
		if r.schema == PyYAML {
			r.pyMapping(n, y)
		} else {
			r.mapping(n, y)
		}
	case yaml.ScalarNode:
		if r.schema == PyYAML {
			pyScalar(n, y)
		} else {
			scalar12(n, y)
		}
	default:
		n.Kind = Null
	}
	return n
}

func (r *reader) collectionTag(n *Node, y *yaml.Node, plain string) {
	if r.schema == PyYAML && y.Style&yaml.TaggedStyle != 0 && y.Tag != plain {
		n.Problems = append(n.Problems, Problem{Kind: Scalar, At: n, Message: "the tag " + y.Tag + " is not supported (yaml.safe_load cannot read it)"})
	}
}

// isMerge reports whether key k is a merge key ("<<" unquoted).
func isMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" && k.Style&yaml.TaggedStyle == 0
}

// mergeSources returns the mappings a merge key's value v brings in, in order, recording
// what is not a mapping on n.
func (r *reader) mergeSources(n *Node, v *yaml.Node) []*Node {
	m := r.node(v)
	switch m.Kind {
	case Map:
		return []*Node{m}
	case Seq:
		var out []*Node
		for _, s := range m.Items {
			if s.Kind != Map {
				n.Problems = append(n.Problems, Problem{Kind: BadMergeItem, At: s})
				continue
			}
			out = append(out, s)
		}
		return out
	}
	n.Problems = append(n.Problems, Problem{Kind: BadMerge, At: m})
	return nil
}

// mapping builds a YAML12 mapping: own keys first (a repeat is a problem), then merged keys
// not already set, earlier merges winning.
func (r *reader) mapping(n *Node, y *yaml.Node) {
	seen := map[string]*Node{}
	var merged []*Node
	for i := 0; i+1 < len(y.Content); i += 2 {
		ky, vy := y.Content[i], y.Content[i+1]
		for j := 0; ky.Kind == yaml.AliasNode && ky.Alias != nil && j < 100; j++ {
			ky = ky.Alias
		}
		k := r.node(ky)
		if ky.Kind != yaml.ScalarNode {
			n.Problems = append(n.Problems, Problem{Kind: BadKey, At: k})
			continue
		}
		if ky.ShortTag() == "!!merge" {
			merged = append(merged, r.mergeSources(n, vy)...)
			continue
		}
		if first, dup := seen[ky.Value]; dup {
			n.Problems = append(n.Problems, Problem{Kind: DuplicateKey, At: k, First: first})
			continue
		}
		seen[ky.Value] = k
		n.Keys, n.Vals, n.KeyNodes = append(n.Keys, ky.Value), append(n.Vals, r.node(vy)), append(n.KeyNodes, k)
	}
	n.Merged = merged
	for _, m := range merged {
		for i, key := range m.Keys {
			if _, dup := seen[key]; dup {
				continue
			}
			seen[key] = m.KeyNodes[i]
			n.Keys, n.Vals, n.KeyNodes = append(n.Keys, key), append(n.Vals, m.Vals[i]), append(n.KeyNodes, m.KeyNodes[i])
		}
	}
}

// pyMapping builds a PyYAML mapping (SafeConstructor.flatten_mapping and construct_mapping).
func (r *reader) pyMapping(n *Node, y *yaml.Node) {
	var merged []*Node
	type kv struct {
		key *Node
		val *yaml.Node
	}
	var own []kv
	for i := 0; i+1 < len(y.Content); i += 2 {
		ky, vy := y.Content[i], y.Content[i+1]
		if isMerge(ky) {
			group := r.mergeSources(n, vy)
			n.Merged = append(n.Merged, group...)
			for j := len(group) - 1; j >= 0; j-- {
				merged = append(merged, group[j])
			}
			continue
		}
		k := r.node(ky)
		if k.Kind != Str {
			n.Problems = append(n.Problems, Problem{Kind: BadKey, At: k,
				Message: "the key " + scalarText(ky) + " is read as " + k.Kind.String() + " by Prefect's YAML reader (YAML 1.1); quote it"})
			continue
		}
		own = append(own, kv{k, vy})
	}
	set := func(k *Node, v *Node) {
		for i, key := range n.Keys {
			if key == k.Str {
				n.Vals[i] = v
				return
			}
		}
		n.Keys, n.Vals, n.KeyNodes = append(n.Keys, k.Str), append(n.Vals, v), append(n.KeyNodes, k)
	}
	for _, m := range merged {
		for i := range m.Keys {
			set(m.KeyNodes[i], m.Vals[i])
		}
	}
	for _, p := range own {
		set(p.key, r.node(p.val))
	}
}

func scalarText(y *yaml.Node) string {
	if y.Kind != yaml.ScalarNode {
		return "(a collection)"
	}
	return strconv.Quote(y.Value)
}

// scalar12 types a scalar as go-yaml does.
func scalar12(n *Node, y *yaml.Node) {
	n.Tag, n.Text = y.ShortTag(), y.Value
	switch n.Tag {
	case "!!null":
		n.Kind = Null
	case "!!bool":
		if y.Decode(&n.Bool) == nil {
			n.Kind = Bool
		} else {
			n.Kind, n.Str = Str, y.Value
		}
	case "!!int":
		var i int64
		if y.Decode(&i) == nil {
			n.Kind, n.Int = Int, i
		} else if y.Decode(&n.Float) == nil {
			n.Kind, n.Overflow = Int, true
		} else {
			n.Kind, n.Str = Str, y.Value
		}
	case "!!float":
		if y.Decode(&n.Float) == nil {
			n.Kind = Float
		} else {
			n.Kind, n.Str = Str, y.Value
		}
	case "!!timestamp":
		n.Kind, n.Str = Time, y.Value
	default:
		n.Kind, n.Str = Str, y.Value
	}
}
