package actiontest

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

var shellcheck = flag.String("shellcheck", "", "shellcheck binary for TestActionScriptsPassShellcheck (scripts/act-lint.sh passes it; default: shellcheck on PATH)")

// TestActionScriptsPassShellcheck runs shellcheck on every run: script of action.yml, as
// actionlint does for workflows (actionlint cannot read action metadata). It is skipped when no
// shellcheck is installed, unless -shellcheck names one.
func TestActionScriptsPassShellcheck(t *testing.T) {
	t.Parallel()
	bin := *shellcheck
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("shellcheck"); err != nil {
			t.Skip("shellcheck is not installed: scripts/act-lint.sh runs this test with -shellcheck")
		}
	}
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
