// Package yamlfile is the one positioned YAML reader of every configuration format: it turns a
// file into [Node]s that carry their line and column, typed by a [Schema].
//
// A front-end reads its file with [Read] and the schema its format is read with elsewhere:
// prefect-deploy.yaml with [YAML12] (go-yaml's typing; repeated keys are problems), prefect.yaml
// with [PyYAML] (Python's yaml.safe_load, as prefect deploy reads it: YAML 1.1 typing, merge
// keys and repeated keys as PyYAML combines them). The reader decides what the file says; it
// never decides what is an error in the format. What it finds wrong (a repeated key, a key that
// is not a string, a bad merge, a scalar PyYAML cannot construct) is recorded on the node as a
// [Problem], and the front-end reports it, in its own words and with its own path, when it
// reads that node; so nothing is reported about parts of a file the format ignores.
//
// An alias is the very Node of its anchor, so reading is linear in the file's size however its
// aliases nest; a front-end that needs a tree it may change calls [Expand], which copies with
// a bound on the number of values (an alias bomb stops with one message). Syntax errors are
// positioned by [SyntaxError] at the line go-yaml's message concerns.
package yamlfile
