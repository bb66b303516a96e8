// Command testsum reads `go test -json` on standard input and prints what plain `go test`
// prints — one line per package, the output of failing tests, build errors — then one last
// line: "N passed, N failed, N skipped" (tests and subtests). It exits 1 when anything failed,
// so `set -o pipefail; go test -json ./... | go run ./internal/testsum` keeps the exit status.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string
}

func main() {
	failed, err := summarize(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsum:", err)
		os.Exit(2)
	}
	if failed {
		os.Exit(1)
	}
}

// summarize copies the readable part of a test run from r to w and ends with the counts; it
// reports whether anything failed.
func summarize(r io.Reader, w io.Writer) (bool, error) {
	var passed, failed, skipped, pkgFailed int
	testFailed := map[string]bool{} // package → some test failed
	buf := map[string][]string{}    // package/test → its output so far
	pkgOut := map[string][]string{} // package → what to print when it ends, as go test does
	var order []string              // packages with output not yet printed, in order
	add := func(pkg string, lines ...string) {
		if _, ok := pkgOut[pkg]; !ok {
			order = append(order, pkg)
		}
		pkgOut[pkg] = append(pkgOut[pkg], lines...)
	}
	flush := func(pkg string) {
		fmt.Fprint(w, strings.Join(pkgOut[pkg], ""))
		delete(pkgOut, pkg)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
			fmt.Fprintln(w, string(line)) // not an event: go's own messages
			continue
		}
		key := e.Package + "\x00" + e.Test
		switch {
		case e.Action == "build-output":
			fmt.Fprint(w, e.Output)
		case e.Action == "build-fail":
			pkgFailed++
		case e.Test == "" && e.Action == "output":
			if o := e.Output; o != "PASS\n" && o != "FAIL\n" && !strings.HasPrefix(o, "=== ") && !strings.HasPrefix(o, "testing: warning: no tests to run") {
				add(e.Package, o)
			}
		case e.Test == "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip"):
			if e.Action == "fail" && !testFailed[e.Package] {
				pkgFailed++ // failed outside any test: a panic in TestMain, a timeout, a build error
			}
			flush(e.Package)
		case e.Action == "output":
			if !strings.HasPrefix(e.Output, "=== ") {
				buf[key] = append(buf[key], e.Output)
			}
		case e.Action == "pass":
			passed++
			delete(buf, key)
		case e.Action == "skip":
			skipped++
			delete(buf, key)
		case e.Action == "fail":
			failed++
			testFailed[e.Package] = true
			add(e.Package, buf[key]...)
			delete(buf, key)
		}
	}
	for _, pkg := range order {
		if _, ok := pkgOut[pkg]; ok {
			flush(pkg)
		}
	}
	if err := sc.Err(); err != nil {
		return true, err
	}
	fmt.Fprintf(w, "%d passed, %d failed, %d skipped\n", passed, failed+pkgFailed, skipped)
	return failed+pkgFailed > 0, nil
}
