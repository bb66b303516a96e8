package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
)

// TestDeployWithNoOtherFlag deploys a plain git checkout with only --env: the project comes
// from the origin remote's repository name, the branch and commit from git, the package version
// from pyproject.toml; the deployments land with exactly those names, tags and pull steps.
func TestDeployWithNoOtherFlag(t *testing.T) {
	live := prefecttest.URL(t)
	pool := uniqueName("e2e-plain")
	createProcessPool(t, live, pool)
	r := newRepo(t, pool)
	project := uniqueName("plain")
	// The repository is named after the project, and the config names none.
	bare := filepath.Join(filepath.Dir(r.Bare), project+".git")
	if err := os.Rename(r.Bare, bare); err != nil {
		t.Fatal(err)
	}
	r.Bare = bare
	run(t, r.Dir, "git", "remote", "set-url", "origin", "file://"+bare)
	cfg := filepath.Join(r.Dir, "prefect-deploy.yaml")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, r.Dir, "prefect-deploy.yaml", regexp.MustCompile(`(?m)^project: .*\n`).ReplaceAllString(string(b), ""))
	writeFile(t, r.Dir, "pyproject.toml", "[project]\nname = \"plain\"\nversion = \"0.7.2\"\n")
	run(t, r.Dir, "git", "add", "-A")
	run(t, r.Dir, "git", "commit", "-q", "-m", "pyproject")
	run(t, r.Dir, "git", "push", "-q", "origin", "main")
	head := r.HEAD()

	res := cliRun(t, r.Dir, live, "deploy", "--env", "dev")
	if res.Code != 0 {
		t.Fatalf("deploy --env dev: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	c := client(t, live)
	name := project + "--main--greet-people--dev"
	d, err := c.ReadDeploymentByName(t.Context(), "greet_people", name)
	if err != nil {
		t.Fatalf("deployment %s: %v\n%s", name, err, res.Stdout)
	}
	for _, want := range []string{"PROJECT_NAME=" + project, "BRANCH_NAME=main", "COMMIT_HASH=" + head, "PACKAGE_VERSION=0.7.2"} {
		if !strings.Contains(strings.Join(d.Tags, " "), want) {
			t.Errorf("tags %v lack %s", d.Tags, want)
		}
	}
	if v, _ := naming.TagValue(d.Tags, naming.TagCommit); v != head {
		t.Errorf("COMMIT_HASH = %q, want HEAD %q", v, head)
	}
	if got := fmt.Sprint(prefect.Canonical(d.PullSteps)); !strings.Contains(got, head) || !strings.Contains(got, "file://"+bare) {
		t.Errorf("pull steps %s do not clone %s at %s", got, bare, head)
	}
	if !strings.Contains(res.Stdout, name) {
		t.Errorf("output does not name %s:\n%s", name, res.Stdout)
	}
}
