package ghaction

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sethvargo/go-githubactions"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// newAction returns an Action that reads env instead of the process environment and prints
// workflow commands into the returned buffer.
func newAction(env map[string]string) (*githubactions.Action, *bytes.Buffer) {
	var out bytes.Buffer
	a := githubactions.New(
		githubactions.WithWriter(&out),
		githubactions.WithGetenv(func(k string) string { return env[k] }),
	)
	return a, &out
}

// golden compares got with testdata/<name>, rewriting the file under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("failed to read golden file (run go test -update): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}
