package prefectyaml

import (
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/yamlfile"
)

// node is one value of the file as the shared reader gives it (PyYAML typing, positions).
type node = yamlfile.Node

// kind is the type of a value, as Python's yaml.safe_load would construct it.
type kind = yamlfile.Kind

// The kinds of value.
const (
	nullKind  = yamlfile.Null
	boolKind  = yamlfile.Bool
	intKind   = yamlfile.Int
	floatKind = yamlfile.Float
	strKind   = yamlfile.Str
	timeKind  = yamlfile.Time
	seqKind   = yamlfile.Seq
	mapKind   = yamlfile.Map
)

// fromValue builds a node from a Go value (a step output), placed at pos.
func fromValue(v any, pos *node) *node { return yamlfile.FromValue(v, pos) }

// maxNodes bounds the values one file may expand to, so an alias bomb fails
// quickly instead of exhausting memory.
const maxNodes = 1 << 20

// parseFile reads src as one YAML document with Python's yaml.safe_load typing (how prefect
// deploy reads prefect.yaml) and returns its root, or nil with an error recorded.
func parseFile(src []byte, e *errs) *node {
	doc, err := yamlfile.Read(e.file, src, yamlfile.PyYAML)
	if err != nil {
		e.list = append(e.list, err)
		return nil
	}
	if doc.Extra != nil {
		e.at(doc.Extra, "the file holds more than one YAML document; prefect deploy reads a single document")
	}
	return doc.Root
}

// decoder copies parts of the document into trees Load may change, reporting what
// yaml.safe_load could not construct in them.
type decoder struct {
	errs *errs
}

// convert returns a tree copy of n (each alias its own copy), reporting its problems.
func (d *decoder) convert(n *node) *node {
	if n == nil {
		return &node{Kind: nullKind}
	}
	return yamlfile.Expand(n, maxNodes, "the file expands to more than 1048576 values (aliases nested too deeply)", func(at *node, msg string) {
		d.errs.at(at, "%s", msg)
	})
}
