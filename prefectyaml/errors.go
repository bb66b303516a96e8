package prefectyaml

import (
	"fmt"

	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/fileerr"
)

// Error is one problem found in a prefect.yaml file, at a 1-based line and column (Line 0 for
// the whole file); it prints as "file:line:col: message".
type Error = fileerr.Error

// Errors is every problem [Load] found, ordered by file and position.
type Errors = fileerr.Errors

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
