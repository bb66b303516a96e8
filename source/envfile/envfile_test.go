package envfile

import (
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testEnv is the environment both readers interpolate from.
var testEnv = map[string]string{"ENVFILE_TEST_FROM_ENV": "from the environment", "ENVFILE_TEST_SHADOWED": "environment"}

func lookup(k string) (string, bool) { v, ok := testEnv[k]; return v, ok }

// TestSameAsPythonDotenv reads testdata/good.env with python-dotenv's dotenv_values (the
// reader aps-prefect-deploy uses, from the pinned venv) and with Parse: the variables must be
// equal, value for value.
func TestSameAsPythonDotenv(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: python-dotenv from the venv is not run")
	}
	bin, err := prefecttest.Bin()
	if err != nil {
		t.Fatal(err)
	}
	path, err := filepath.Abs(filepath.Join("testdata", "good.env"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(bin, "python"), "-c",
		"import json, sys; from dotenv import dotenv_values; print(json.dumps(dotenv_values(sys.argv[1])))", path)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range testEnv {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python-dotenv: %v", err)
	}
	var want map[string]string
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatalf("python-dotenv answered %s: %v", out, err)
	}
	vars, err := Load(path, lookup)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, Map(vars)); diff != "" {
		t.Errorf("Parse differs from python-dotenv (-want +got):\n%s", diff)
	}
	if len(want) < 25 {
		t.Errorf("python-dotenv read only %d variables of good.env: the file no longer exercises the reader", len(want))
	}
}

func TestValuesAndLines(t *testing.T) {
	vars, err := Parse("x.env", []byte("A=1\n\n# note\nB='two\nlines'\nC=${A}${B}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Var{{Key: "A", Value: "1", Line: 1}, {Key: "B", Value: "two\nlines", Line: 4}, {Key: "C", Value: "1two\nlines", Line: 6}}
	if diff := cmp.Diff(want, vars); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestErrors: every problem of testdata/bad.env at once, with file:line:col (golden).
func TestErrors(t *testing.T) {
	_, err := Load(filepath.Join("testdata", "bad.env"), nil)
	if err == nil {
		t.Fatal("bad.env was accepted")
	}
	got := err.Error() + "\n"
	golden := filepath.Join("testdata", "bad.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, rerr := os.ReadFile(golden)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("errors differ from %s (-want +got):\n%s", golden, diff)
	}
	if n := strings.Count(got, "testdata/bad.env:"); n != 6 {
		t.Errorf("want 6 positioned errors, got %d:\n%s", n, got)
	}
}

func TestMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "app.dev.1.env"), nil)
	if err == nil || !strings.Contains(err.Error(), `failed to read env file`) || !strings.Contains(err.Error(), "app.dev.1.env") {
		t.Errorf("missing file: %v", err)
	}
}
