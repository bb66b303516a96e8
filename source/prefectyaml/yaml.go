package prefectyaml

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// kind is the type of a value read from YAML, as Python's yaml.safe_load
// would construct it.
type kind uint8

const (
	nullKind kind = iota
	boolKind
	intKind
	floatKind
	strKind
	timeKind // a YAML 1.1 timestamp; s holds the JSON text pydantic writes for it
	seqKind
	mapKind
)

func (k kind) String() string {
	return [...]string{"null", "a boolean", "an integer", "a number", "a string", "a timestamp", "a list", "a mapping"}[k]
}

// node is one YAML value with the position it was written at. Mappings keep
// their keys in file order.
type node struct {
	kind kind
	b    bool
	i    int64
	f    float64
	s    string
	seq  []*node
	keys []string
	vals []*node
	line int
	col  int
	// tmpl marks a string produced by templating (its position is the
	// template's), so it is never templated twice.
	tmpl bool
}

func (n *node) get(key string) (*node, bool) {
	if n == nil || n.kind != mapKind {
		return nil, false
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i], true
		}
	}
	return nil, false
}

func (n *node) has(key string) bool {
	_, ok := n.get(key)
	return ok
}

// set replaces the value of key, or appends key.
func (n *node) set(key string, v *node) {
	for i, k := range n.keys {
		if k == key {
			n.vals[i] = v
			return
		}
	}
	n.keys = append(n.keys, key)
	n.vals = append(n.vals, v)
}

func (n *node) del(key string) {
	for i, k := range n.keys {
		if k == key {
			n.keys = append(n.keys[:i:i], n.keys[i+1:]...)
			n.vals = append(n.vals[:i:i], n.vals[i+1:]...)
			return
		}
	}
}

func (n *node) isNull() bool { return n == nil || n.kind == nullKind }

// clone copies n deeply.
func (n *node) clone() *node {
	if n == nil {
		return nil
	}
	c := *n
	if n.seq != nil {
		c.seq = make([]*node, len(n.seq))
		for i, x := range n.seq {
			c.seq[i] = x.clone()
		}
	}
	if n.keys != nil {
		c.keys = append([]string(nil), n.keys...)
		c.vals = make([]*node, len(n.vals))
		for i, x := range n.vals {
			c.vals[i] = x.clone()
		}
	}
	return &c
}

// value converts n to the Go value encoding/json writes as Prefect's JSON:
// nil, bool, int64, float64, string, []any or map[string]any. Infinite and
// NaN numbers become nil, as pydantic writes them.
func (n *node) value() any {
	if n == nil {
		return nil
	}
	switch n.kind {
	case boolKind:
		return n.b
	case intKind:
		return n.i
	case floatKind:
		if math.IsInf(n.f, 0) || math.IsNaN(n.f) {
			return nil
		}
		return n.f
	case strKind, timeKind:
		return n.s
	case seqKind:
		out := make([]any, len(n.seq))
		for i, x := range n.seq {
			out[i] = x.value()
		}
		return out
	case mapKind:
		out := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			out[k] = n.vals[i].value()
		}
		return out
	}
	return nil
}

// fromValue builds a node from a Go value (a step output), placed at pos.
func fromValue(v any, pos *node) *node {
	n := &node{tmpl: true}
	if pos != nil {
		n.line, n.col = pos.line, pos.col
	}
	switch x := v.(type) {
	case nil:
		n.kind = nullKind
	case bool:
		n.kind, n.b = boolKind, x
	case int:
		n.kind, n.i = intKind, int64(x)
	case int64:
		n.kind, n.i = intKind, x
	case float64:
		n.kind, n.f = floatKind, x
	case string:
		n.kind, n.s = strKind, x
	case []string:
		n.kind = seqKind
		for _, s := range x {
			n.seq = append(n.seq, fromValue(s, pos))
		}
	case []any:
		n.kind = seqKind
		for _, e := range x {
			n.seq = append(n.seq, fromValue(e, pos))
		}
	case map[string]any:
		n.kind = mapKind
		for _, k := range sortedKeys(x) {
			n.keys = append(n.keys, k)
			n.vals = append(n.vals, fromValue(x[k], pos))
		}
	case map[string]string:
		n.kind = mapKind
		for _, k := range sortedKeys(x) {
			n.keys = append(n.keys, k)
			n.vals = append(n.vals, fromValue(x[k], pos))
		}
	default:
		n.kind, n.s = strKind, fmt.Sprint(x)
	}
	return n
}

// maxNodes bounds the values one file may expand to, so an alias bomb fails
// quickly instead of exhausting memory.
const maxNodes = 1 << 20

// decoder turns a parsed YAML document into nodes with Python's yaml.safe_load
// (YAML 1.1) typing, which is how prefect deploy reads prefect.yaml.
type decoder struct {
	errs  *errs
	count int
	over  bool
}

// parseFile reads src as one YAML document and returns its root, or nil with
// an error recorded.
func parseFile(src []byte, e *errs) *yaml.Node {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := dec.Decode(&doc); err != nil {
		if err.Error() == "EOF" {
			return nil
		}
		e.list = append(e.list, yamlError(e.file, err))
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		e.at(&node{line: extra.Line, col: extra.Column}, "the file holds more than one YAML document; prefect deploy reads a single document")
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		return doc.Content[0]
	}
	return nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns a go-yaml syntax error into a positioned Error.
func yamlError(file string, err error) *Error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Column: 1, Message: "invalid YAML: " + m[2]}
	}
	return &Error{File: file, Message: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

func (d *decoder) convert(y *yaml.Node) *node {
	d.count++
	if d.count > maxNodes {
		if !d.over {
			d.over = true
			d.errs.at(&node{line: y.Line, col: y.Column}, "the file expands to more than %d values (aliases nested too deeply)", maxNodes)
		}
		return &node{kind: nullKind, line: y.Line, col: y.Column}
	}
	switch y.Kind {
	case yaml.AliasNode:
		n := d.convert(y.Alias)
		return n
	case yaml.DocumentNode:
		if len(y.Content) == 0 {
			return &node{kind: nullKind, line: y.Line, col: y.Column}
		}
		return d.convert(y.Content[0])
	case yaml.SequenceNode:
		if y.Style&yaml.TaggedStyle != 0 && y.Tag != "!!seq" {
			d.errs.at(&node{line: y.Line, col: y.Column}, "the tag %s is not supported (yaml.safe_load cannot read it)", y.Tag)
		}
		n := &node{kind: seqKind, line: y.Line, col: y.Column, seq: []*node{}}
		for _, c := range y.Content {
			n.seq = append(n.seq, d.convert(c))
		}
		return n
	case yaml.MappingNode:
		if y.Style&yaml.TaggedStyle != 0 && y.Tag != "!!map" {
			d.errs.at(&node{line: y.Line, col: y.Column}, "the tag %s is not supported (yaml.safe_load cannot read it)", y.Tag)
		}
		return d.mapping(y)
	case yaml.ScalarNode:
		return d.scalar(y)
	}
	return &node{kind: nullKind, line: y.Line, col: y.Column}
}

// mapping converts a mapping, applying merge keys ("<<") as PyYAML does: the
// mapping's own keys win over merged ones, and among several merged mappings
// the first listed wins.
func (d *decoder) mapping(y *yaml.Node) *node {
	n := &node{kind: mapKind, line: y.Line, col: y.Column, keys: []string{}, vals: []*node{}}
	var merged []*node
	type kv struct {
		key string
		val *node
	}
	var own []kv
	for i := 0; i+1 < len(y.Content); i += 2 {
		k, v := y.Content[i], y.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" && k.Style&yaml.TaggedStyle == 0 {
			m := d.convert(v)
			switch m.kind {
			case mapKind:
				merged = append(merged, m)
			case seqKind:
				var group []*node
				for _, s := range m.seq {
					if s.kind != mapKind {
						d.errs.at(s, "a merge key (<<) takes a mapping or a list of mappings, not %s", s.kind)
						continue
					}
					group = append(group, s)
				}
				for j := len(group) - 1; j >= 0; j-- {
					merged = append(merged, group[j])
				}
			default:
				d.errs.at(m, "a merge key (<<) takes a mapping or a list of mappings, not %s", m.kind)
			}
			continue
		}
		kn := d.convert(k)
		if kn.kind != strKind {
			d.errs.at(kn, "the key %s is read as %s by Prefect's YAML reader (YAML 1.1); quote it", scalarText(k), kn.kind)
			continue
		}
		own = append(own, kv{kn.s, d.convert(v)})
	}
	for _, m := range merged {
		for i, k := range m.keys {
			n.set(k, m.vals[i].clone())
		}
	}
	for _, p := range own {
		n.set(p.key, p.val)
	}
	return n
}

func scalarText(y *yaml.Node) string {
	if y.Kind != yaml.ScalarNode {
		return "(a collection)"
	}
	return strconv.Quote(y.Value)
}

// PyYAML's implicit resolvers (yaml/resolver.py), in the order it tries them.
var (
	reBool  = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	reFloat = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	reInt   = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	reNull  = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
	reTime  = regexp.MustCompile(`^([0-9][0-9][0-9][0-9])-([0-9][0-9]?)-([0-9][0-9]?)(?:(?:[Tt]|[ \t]+)([0-9][0-9]?):([0-9][0-9]):([0-9][0-9])(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9][0-9]?)(?::([0-9][0-9]))?))?)?$`)
	reDate  = regexp.MustCompile(`^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$`)
)

func (d *decoder) scalar(y *yaml.Node) *node {
	n := &node{line: y.Line, col: y.Column}
	v := y.Value
	tag := ""
	switch {
	case y.Style&yaml.TaggedStyle != 0:
		tag = y.Tag
	case y.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		tag = "!!str"
	case y.Tag == "!!merge":
		tag = "!!str" // "<<" outside a key
	default:
		tag = resolvePlain(v)
	}
	switch tag {
	case "!!str":
		n.kind, n.s = strKind, v
	case "!!null":
		n.kind = nullKind
	case "!!bool":
		switch strings.ToLower(v) {
		case "yes", "true", "on":
			n.kind, n.b = boolKind, true
		case "no", "false", "off":
			n.kind, n.b = boolKind, false
		default:
			d.errs.at(n, "%q is not a YAML boolean", v)
			n.kind, n.s = strKind, v
		}
	case "!!int":
		i, err := pyInt(v)
		if err != nil {
			d.errs.at(n, "%q is not a YAML integer: %v", v, err)
			n.kind, n.s = strKind, v
		} else {
			n.kind, n.i = intKind, i
		}
	case "!!float":
		f, err := pyFloat(v)
		if err != nil {
			d.errs.at(n, "%q is not a YAML float", v)
			n.kind, n.s = strKind, v
		} else {
			n.kind, n.f = floatKind, f
		}
	case "!!timestamp":
		s, err := pyTimestamp(v)
		if err != nil {
			d.errs.at(n, "%q is not a valid YAML timestamp: %v", v, err)
			n.kind, n.s = strKind, v
		} else {
			n.kind, n.s = timeKind, s
		}
	case "!!value":
		d.errs.at(n, "a plain \"=\" cannot be read by yaml.safe_load; quote it")
		n.kind, n.s = strKind, v
	default:
		d.errs.at(n, "the tag %s is not supported (yaml.safe_load cannot read it)", tag)
		n.kind, n.s = strKind, v
	}
	return n
}

// resolvePlain returns the tag PyYAML's SafeLoader gives a plain scalar.
func resolvePlain(v string) string {
	switch {
	case reBool.MatchString(v):
		return "!!bool"
	case reFloat.MatchString(v):
		return "!!float"
	case reInt.MatchString(v):
		return "!!int"
	case v == "<<":
		return "!!str"
	case reNull.MatchString(v):
		return "!!null"
	case reTime.MatchString(v) && (reDate.MatchString(v) || strings.ContainsAny(v, "Tt \t")):
		return "!!timestamp"
	case v == "=":
		return "!!value"
	}
	return "!!str"
}

// pyInt constructs an integer as PyYAML's construct_yaml_int does.
func pyInt(v string) (int64, error) {
	s := strings.ReplaceAll(v, "_", "")
	sign := int64(1)
	if strings.HasPrefix(s, "-") {
		sign, s = -1, s[1:]
	} else if strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	var b big.Int
	var ok bool
	switch {
	case s == "0":
		return 0, nil
	case strings.HasPrefix(s, "0b"):
		_, ok = b.SetString(s[2:], 2)
	case strings.HasPrefix(s, "0x"):
		_, ok = b.SetString(s[2:], 16)
	case strings.HasPrefix(s, "0"):
		_, ok = b.SetString(s[1:], 8)
	case strings.Contains(s, ":"):
		ok = true
		for _, part := range strings.Split(s, ":") {
			p, err := strconv.ParseInt(part, 10, 64)
			if err != nil {
				return 0, err
			}
			b.Mul(&b, big.NewInt(60))
			b.Add(&b, big.NewInt(p))
		}
	default:
		_, ok = b.SetString(s, 10)
	}
	if !ok {
		return 0, fmt.Errorf("malformed")
	}
	b.Mul(&b, big.NewInt(sign))
	if !b.IsInt64() {
		return 0, fmt.Errorf("out of the 64-bit range")
	}
	return b.Int64(), nil
}

// pyFloat constructs a float as PyYAML's construct_yaml_float does.
func pyFloat(v string) (float64, error) {
	s := strings.ToLower(strings.ReplaceAll(v, "_", ""))
	sign := 1.0
	if strings.HasPrefix(s, "-") {
		sign, s = -1, s[1:]
	} else if strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	switch {
	case s == ".inf":
		return sign * math.Inf(1), nil
	case s == ".nan":
		return math.NaN(), nil
	case strings.Contains(s, ":"):
		total := 0.0
		for _, part := range strings.Split(s, ":") {
			p, err := strconv.ParseFloat(part, 64)
			if err != nil {
				return 0, err
			}
			total = total*60 + p
		}
		return sign * total, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	return sign * f, err
}

// pyTimestamp constructs a timestamp as PyYAML does and returns the text
// pydantic writes for it in JSON: "2021-01-01" for a date,
// "2021-01-01T00:00:00[.ffffff][Z|±hh:mm]" for a datetime.
func pyTimestamp(v string) (string, error) {
	m := reTime.FindStringSubmatch(v)
	if m == nil {
		return "", fmt.Errorf("malformed")
	}
	num := func(s string) int { i, _ := strconv.Atoi(s); return i }
	year, month, day := num(m[1]), num(m[2]), num(m[3])
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) {
		return "", fmt.Errorf("day is out of range for month")
	}
	if m[4] == "" {
		return fmt.Sprintf("%04d-%02d-%02d", year, month, day), nil
	}
	hour, minute, second := num(m[4]), num(m[5]), num(m[6])
	if hour > 23 || minute > 59 || second > 59 {
		return "", fmt.Errorf("time is out of range")
	}
	out := fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d", year, month, day, hour, minute, second)
	if frac := m[7]; frac != "" {
		if len(frac) > 6 {
			frac = frac[:6]
		}
		frac += strings.Repeat("0", 6-len(frac))
		if frac != "000000" {
			out += "." + frac
		}
	}
	switch {
	case m[9] != "":
		h, mm := num(m[10]), num(m[11])
		if h == 0 && mm == 0 {
			return out + "Z", nil
		}
		if h > 23 || mm > 59 {
			return "", fmt.Errorf("offset is out of range")
		}
		return out + fmt.Sprintf("%s%02d:%02d", m[9], h, mm), nil
	case m[8] == "Z":
		return out + "Z", nil
	}
	return out, nil
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
