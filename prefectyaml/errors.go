package prefectyaml

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem found in a prefect.yaml file, at a 1-based line and
// column. A problem that concerns the whole file has Line 0.
type Error struct {
	File    string
	Line    int
	Column  int
	Message string
}

// Error returns "file:line:col: message", or "file: message" without a
// position.
func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Message)
}

// Errors is every problem [Load] found, ordered by file and position.
type Errors []*Error

// Error returns one "file:line:col: message" line per problem.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// sortErrors orders es by file and position, keeping the order of problems
// reported at the same position, and drops exact duplicates (an alias
// expanded twice reports its problem once).
func sortErrors(es Errors) Errors {
	slices.SortStableFunc(es, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return slices.CompactFunc(es, func(a, b *Error) bool { return *a == *b })
}

// errs collects the problems of one file.
type errs struct {
	file string
	list Errors
}

func (e *errs) at(n *node, format string, args ...any) {
	line, col := 0, 0
	if n != nil {
		line, col = n.line, n.col
	}
	e.list = append(e.list, &Error{File: e.file, Line: line, Column: col, Message: fmt.Sprintf(format, args...)})
}
