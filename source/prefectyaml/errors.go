package prefectyaml

import (
	"errors"
	"fmt"

	"github.com/prefect-flow-deploy/prefect-deploy-action/source/fileerr"
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
		line, col = n.Line, n.Col
	}
	e.list = append(e.list, &Error{File: e.file, Line: line, Column: col, Message: fmt.Sprintf(format, args...)})
}

// RefusedFile is a prefect.yaml that had at least one problem: nothing from it deploys.
type RefusedFile struct {
	// File is the path as Load reports it; Errors are its problems, in position order.
	File   string
	Errors Errors
}

// SplitRefused separates the result of [Load] by file, for a deploy that skips invalid files:
// ok are the deployments of files without any problem, refused lists every file with a problem
// and its errors (a file with one bad entry is refused whole, so that a file deploys either
// completely or not at all). fatal is err when it is not about particular files (a pattern that
// matches nothing, a bad selection); then ok and refused are nil.
func SplitRefused(deps []Deployment, err error) (ok []Deployment, refused []RefusedFile, fatal error) {
	if err == nil {
		return deps, nil, nil
	}
	var list Errors
	if !errors.As(err, &list) {
		return nil, nil, err
	}
	index := map[string]int{}
	for _, e := range list.Sorted() {
		i, seen := index[e.File]
		if !seen {
			i = len(refused)
			index[e.File] = i
			refused = append(refused, RefusedFile{File: e.File})
		}
		refused[i].Errors = append(refused[i].Errors, e)
	}
	for _, d := range deps {
		if _, bad := index[d.File]; !bad {
			ok = append(ok, d)
		}
	}
	return ok, refused, nil
}

// CollapseWarnings is every warning of deps in order, each distinct warning once: one that
// several deployments share (the image a file's docker steps name, a key of shared
// definitions) ends with the number of deployments it concerns, e.g. "(3 deployments)".
func CollapseWarnings(deps []Deployment) []string {
	count := map[string]int{}
	var order []string
	for _, d := range deps {
		for _, w := range d.Warnings {
			if count[w] == 0 {
				order = append(order, w)
			}
			count[w]++
		}
	}
	out := make([]string, len(order))
	for i, w := range order {
		out[i] = w
		if n := count[w]; n > 1 {
			out[i] = fmt.Sprintf("%s (%d deployments)", w, n)
		}
	}
	return out
}
