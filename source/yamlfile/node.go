package yamlfile

import (
	"fmt"
	"math"
	"slices"
)

// Kind is the type a value is read as.
type Kind uint8

// The kinds of value, in the words error messages use for them ([Kind.String]).
const (
	Null Kind = iota
	Bool
	Int
	Float
	Str
	Time // a timestamp: Str holds its text (under PyYAML, the JSON text pydantic writes for it)
	Seq
	Map
)

// String names the kind for error messages: "null", "a boolean", "an integer", "a number",
// "a string", "a timestamp", "a list", "a mapping".
func (k Kind) String() string {
	return [...]string{"null", "a boolean", "an integer", "a number", "a string", "a timestamp", "a list", "a mapping"}[k]
}

// Node is one value with the position it was written at. A mapping keeps its keys in the
// order its schema gives them (see [Schema]); an alias is the very Node of its anchor, so a
// document is a graph, not a tree, until [Expand] copies it.
type Node struct {
	// Kind is the value's type; Bool, Int, Float and Str hold the value of that kind.
	Kind  Kind
	Bool  bool
	Int   int64
	Float float64
	Str   string
	// Overflow marks an integer too large for Int (Float holds it; YAML12 only).
	Overflow bool
	// Tag is the scalar's resolved tag as go-yaml names it ("!!str", "!!int", ...; YAML12 only).
	// Text is the scalar as written.
	Tag, Text string
	// Items are a list's items.
	Items []*Node
	// Keys and Vals are a mapping's keys and values, after merge keys ("<<"). KeyNodes, when
	// as long as Keys, are the key nodes with their positions.
	Keys     []string
	Vals     []*Node
	KeyNodes []*Node
	// Merged are the mappings the merge keys of a mapping brought in, in file order.
	Merged []*Node
	// Problems are what the reader found wrong with this node (see [Problem]); a front-end
	// reports them when it reads the node, in its own words where the Problem has none.
	Problems []Problem
	// Line and Col are 1-based.
	Line, Col int
	// Templated marks a value made by substitution (positioned at its template), so a
	// templating pass leaves it alone.
	Templated bool
}

// ProblemKind says what a [Problem] is about.
type ProblemKind uint8

// Problems the reader records on nodes.
const (
	// Scalar: a value the schema cannot construct (Message says why).
	Scalar ProblemKind = iota
	// DuplicateKey: At is a repeated key, First the key it repeats (YAML12; PyYAML keeps the last).
	DuplicateKey
	// BadKey: At is a key the format cannot use (a collection; under PyYAML any non-string).
	BadKey
	// BadMerge: At is the value of a merge key that is not a mapping or a list of mappings.
	BadMerge
	// BadMergeItem: At is an item of a merge list that is not a mapping.
	BadMergeItem
)

// Problem is one thing the reader found wrong at a node. Message is set where the schema
// words it itself (PyYAML's, which name yaml.safe_load); otherwise the front-end words it
// from Kind, At and First.
type Problem struct {
	Kind    ProblemKind
	At      *Node
	First   *Node
	Message string
}

// Get returns the value of key in mapping n.
func (n *Node) Get(key string) (*Node, bool) {
	if n == nil || n.Kind != Map {
		return nil, false
	}
	for i, k := range n.Keys {
		if k == key {
			return n.Vals[i], true
		}
	}
	return nil, false
}

// Has reports whether mapping n has key.
func (n *Node) Has(key string) bool {
	_, ok := n.Get(key)
	return ok
}

// KeyNode returns the node of the i-th key of mapping n (a node at the value's position when
// the key's own was not kept).
func (n *Node) KeyNode(i int) *Node {
	if i < len(n.KeyNodes) {
		return n.KeyNodes[i]
	}
	v := n.Vals[i]
	return &Node{Kind: Str, Str: n.Keys[i], Text: n.Keys[i], Tag: "!!str", Line: v.Line, Col: v.Col}
}

// Set replaces the value of key, or appends key.
func (n *Node) Set(key string, v *Node) {
	for i, k := range n.Keys {
		if k == key {
			n.Vals[i] = v
			return
		}
	}
	n.Keys = append(n.Keys, key)
	n.Vals = append(n.Vals, v)
	if len(n.KeyNodes) == len(n.Keys)-1 {
		n.KeyNodes = append(n.KeyNodes, &Node{Kind: Str, Str: key, Text: key, Tag: "!!str", Line: v.Line, Col: v.Col})
	}
}

// Del removes key from mapping n.
func (n *Node) Del(key string) {
	for i, k := range n.Keys {
		if k == key {
			n.Keys = slices.Delete(slices.Clip(n.Keys), i, i+1)
			n.Vals = slices.Delete(slices.Clip(n.Vals), i, i+1)
			if i < len(n.KeyNodes) {
				n.KeyNodes = slices.Delete(slices.Clip(n.KeyNodes), i, i+1)
			}
			return
		}
	}
}

// IsNull reports whether n is absent or null.
func (n *Node) IsNull() bool { return n == nil || n.Kind == Null }

// Clone copies n deeply (an alias's copy is a separate copy).
func (n *Node) Clone() *Node {
	if n == nil {
		return nil
	}
	c := *n
	if n.Items != nil {
		c.Items = make([]*Node, len(n.Items))
		for i, x := range n.Items {
			c.Items[i] = x.Clone()
		}
	}
	if n.Keys != nil {
		c.Keys = slices.Clone(n.Keys)
		c.KeyNodes = slices.Clone(n.KeyNodes)
		c.Vals = make([]*Node, len(n.Vals))
		for i, x := range n.Vals {
			c.Vals[i] = x.Clone()
		}
	}
	return &c
}

// Value converts n to the Go value encoding/json writes as pydantic's JSON: nil, bool, int64,
// float64, string, []any or map[string]any. Infinite and NaN numbers become nil.
func (n *Node) Value() any {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case Bool:
		return n.Bool
	case Int:
		return n.Int
	case Float:
		if math.IsInf(n.Float, 0) || math.IsNaN(n.Float) {
			return nil
		}
		return n.Float
	case Str, Time:
		return n.Str
	case Seq:
		out := make([]any, len(n.Items))
		for i, x := range n.Items {
			out[i] = x.Value()
		}
		return out
	case Map:
		out := make(map[string]any, len(n.Keys))
		for i, k := range n.Keys {
			out[k] = n.Vals[i].Value()
		}
		return out
	}
	return nil
}

// FromValue builds a node from a Go value (a step output, say), placed at pos and marked
// Templated. Map keys are sorted.
func FromValue(v any, pos *Node) *Node {
	n := &Node{Templated: true}
	if pos != nil {
		n.Line, n.Col = pos.Line, pos.Col
	}
	switch x := v.(type) {
	case nil:
		n.Kind = Null
	case bool:
		n.Kind, n.Bool = Bool, x
	case int:
		n.Kind, n.Int = Int, int64(x)
	case int64:
		n.Kind, n.Int = Int, x
	case float64:
		n.Kind, n.Float = Float, x
	case string:
		n.Kind, n.Str = Str, x
	case []string:
		n.Kind = Seq
		for _, s := range x {
			n.Items = append(n.Items, FromValue(s, pos))
		}
	case []any:
		n.Kind = Seq
		for _, e := range x {
			n.Items = append(n.Items, FromValue(e, pos))
		}
	case map[string]any:
		fromMap(n, x, pos)
	case map[string]string:
		fromMap(n, x, pos)
	default:
		n.Kind, n.Str = Str, fmt.Sprint(x)
	}
	return n
}

func fromMap[V any](n *Node, m map[string]V, pos *Node) {
	n.Kind = Map
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		n.Keys = append(n.Keys, k)
		n.Vals = append(n.Vals, FromValue(m[k], pos))
	}
}
