package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSummarizeARealRun runs `go test -json` on a throwaway module with a passing, a failing,
// a skipped test and subtests, and checks what a person reads.
func TestSummarizeARealRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test")
	}
	dir := t.TempDir()
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/m\n\ngo 1.22\n")
	write("m_test.go", `package m

import "testing"

func TestPass(t *testing.T) { t.Log("quiet when passing") }
func TestFail(t *testing.T) { t.Error("boom") }
func TestSkip(t *testing.T) { t.Skip("not here") }
func TestSub(t *testing.T) {
	t.Run("a", func(t *testing.T) {})
	t.Run("b", func(t *testing.T) {})
}
`)
	cmd := exec.Command("go", "test", "-json", "-count=1", ".")
	cmd.Dir = dir
	out, _ := cmd.Output()
	var w bytes.Buffer
	failed, err := summarize(bytes.NewReader(out), &w)
	if err != nil {
		t.Fatal(err)
	}
	if !failed {
		t.Error("summarize: want failed = true")
	}
	lines := strings.Split(strings.TrimSpace(w.String()), "\n")
	if diff := cmp.Diff("4 passed, 1 failed, 1 skipped", lines[len(lines)-1]); diff != "" {
		t.Errorf("last line (-want +got):\n%s", diff)
	}
	got := w.String()
	for _, want := range []string{"--- FAIL: TestFail", "boom", "FAIL\texample.com/m"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Index(got, "boom") > strings.Index(got, "FAIL\texample.com/m") {
		t.Errorf("a failing test's output must come before its package's FAIL line, as go test prints it:\n%s", got)
	}
	for _, unwanted := range []string{"quiet when passing", "=== RUN"} {
		if strings.Contains(got, unwanted) {
			t.Errorf("output shows %q:\n%s", unwanted, got)
		}
	}
}
