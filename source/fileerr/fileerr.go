// Package fileerr is the error type for problems found in a user's file: each carries the file,
// a 1-based line and column, and prints as "file:line:col: message", the form editors, CI logs and
// GitHub annotations understand.
package fileerr

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem in a file. A problem that concerns the whole file has Line 0.
type Error struct {
	File    string
	Line    int
	Column  int
	Message string
}

// Error returns "file:line:col: message", or "file: message" without a position.
func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Message)
}

// Errors is every problem found, reported at once rather than stopping at the first.
type Errors []*Error

// Error returns one line per problem.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Sorted orders es by file and position, keeping the order of problems reported at the same
// position, and drops exact duplicates (an alias expanded twice reports its problem once).
func (es Errors) Sorted() Errors {
	slices.SortStableFunc(es, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return slices.CompactFunc(es, func(a, b *Error) bool { return *a == *b })
}
