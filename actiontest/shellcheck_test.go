package actiontest

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

var shellcheck = flag.String("shellcheck", "", "shellcheck binary for TestActionScriptsPassShellcheck (scripts/act-lint.sh passes it; default: shellcheck on PATH)")

// shellcheckBin returns the shellcheck to use, or skips t when there is none.
func shellcheckBin(t *testing.T) string {
	t.Helper()
	if *shellcheck != "" {
		return *shellcheck
	}
	bin, err := exec.LookPath("shellcheck")
	if err != nil {
		t.Skip("shellcheck is not installed: scripts/act-lint.sh runs this test with -shellcheck")
	}
	return bin
}

// TestProjectScriptsPassShellcheck runs shellcheck on the scripts CI, the demo and the benchmark
// run (scripts/*.sh and .ci/run).
func TestProjectScriptsPassShellcheck(t *testing.T) {
	t.Parallel()
	bin := shellcheckBin(t)
	files, err := filepath.Glob(filepath.Join(root, "scripts", "*.sh"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts/*.sh found (%v)", err)
	}
	files = append(files, filepath.Join(root, ".ci", "run"))
	out, err := exec.Command(bin, append([]string{"--severity=style"}, files...)...).CombinedOutput()
	if err != nil {
		t.Errorf("shellcheck found problems in the project's scripts:\n%s", out)
	}
}

// TestActionScriptsPassShellcheck runs shellcheck on every run: script of action.yml, as
// actionlint does for workflows (actionlint cannot read action metadata). It is skipped when no
// shellcheck is installed, unless -shellcheck names one.
func TestActionScriptsPassShellcheck(t *testing.T) {
	t.Parallel()
	bin := shellcheckBin(t)
	d := load(t, filepath.Join(root, "action.yml"))
	for _, s := range d.steps() {
		run := get(s.node, "run")
		if run == nil {
			continue
		}
		t.Run(s.where, func(t *testing.T) {
			t.Parallel()
			f := filepath.Join(t.TempDir(), "script.sh")
			if err := os.WriteFile(f, []byte(run.Value), 0o644); err != nil {
				t.Fatal(err)
			}
			// -s bash: composite steps here all use shell: bash (bash -e {0}).
			out, err := exec.Command(bin, "--shell=bash", "--severity=style", f).CombinedOutput()
			if err != nil {
				t.Errorf("%s: %s: shellcheck found problems (lines count from the first line of run:):\n%s", d.at(run), s.where, out)
			}
		})
	}
}
