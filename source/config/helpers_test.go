package config

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/golden"
)

// goldenFor compares got with the golden file of the case file (its name with ext for
// ".yaml"), or rewrites it with -update.
func goldenFor(t *testing.T, file, ext string, got []byte) {
	t.Helper()
	golden.Compare(t, strings.TrimSuffix(file, ".yaml")+ext, got)
}

// cases returns the YAML files in dir.
func cases(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test cases in testdata/%s: %v", dir, err)
	}
	return files
}
