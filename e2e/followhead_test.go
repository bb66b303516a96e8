package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
)

// TestFeatureBranchFollowsItsHead deploys a feature branch with --follow-head: its deployments
// clone the branch (tag CODE=branch-head), so a commit pushed afterwards runs without a
// redeploy, through a real worker. main's deployments stay pinned to their commit, and a
// promoted copy of the feature branch's deployment is pinned to the commit it was deployed at.
func TestFeatureBranchFollowsItsHead(t *testing.T) {
	live := prefecttest.URL(t)
	pool := uniqueName("e2e-follow")
	w := prefecttest.StartWorker(t, live, pool)
	r := newRepo(t, pool)
	project := uniqueName("fh")
	c := client(t, live)
	deployed := r.HEAD()
	run(t, r.Dir, "git", "checkout", "-q", "-b", "feature/x")
	run(t, r.Dir, "git", "push", "-q", "origin", "feature/x")
	for _, branch := range []string{"feature/x", "main"} {
		res := cliRun(t, r.Dir, live, "deploy", "--env", "dev", "--project", project, "--branch", branch, "--commit", deployed,
			"--package-version", "1.0.0", "--follow-head", "--output", "json")
		if res.Code != 0 {
			t.Fatalf("deploy %s: exit %d\n%s%s", branch, res.Code, res.Stdout, res.Stderr)
		}
	}
	read := func(name string) *prefect.Deployment {
		t.Helper()
		d, err := c.ReadDeploymentByName(t.Context(), "write_report", name)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	clone := func(d *prefect.Deployment) map[string]any {
		t.Helper()
		if len(d.PullSteps) != 1 {
			t.Fatalf("%s: pull steps %v; want one git_clone", d.Name, d.PullSteps)
		}
		args, _ := d.PullSteps[0]["prefect.deployments.steps.git_clone"].(map[string]any)
		delete(args, "repository")
		return args
	}
	feature := read(project + "--feature-x--write-report.hourly--dev")
	if diff := cmp.Diff(map[string]any{"branch": "feature/x"}, clone(feature)); diff != "" {
		t.Errorf("feature branch git_clone (-want +got):\n%s", diff)
	}
	if !slices.Contains(feature.Tags, "CODE=branch-head") || !slices.Contains(feature.Tags, "COMMIT_HASH="+deployed) {
		t.Errorf("feature branch tags %v; want CODE=branch-head beside the deployed COMMIT_HASH", feature.Tags)
	}
	mainDep := read(project + "--main--write-report.hourly--dev")
	if diff := cmp.Diff(map[string]any{"commit_sha": deployed}, clone(mainDep)); diff != "" {
		t.Errorf("main stays pinned; git_clone (-want +got):\n%s", diff)
	}
	if slices.Contains(mainDep.Tags, "CODE=branch-head") {
		t.Errorf("main's tags say it follows its head: %v", mainDep.Tags)
	}

	// A push to the branch, no redeploy: the next run has the new code.
	r.commitMark("pushed-after-deploy")
	run(t, r.Dir, "git", "push", "-q", "origin", "feature/x")
	_, logs := runFlow(t, c, feature.ID, w)
	if !strings.Contains(logs, "CODE_MARK=pushed-after-deploy") {
		t.Errorf("the run did not pick up the branch's head:\n%s", logs)
	}

	// Promoting the feature branch's deployments pins the copies to the deployed commit.
	res := cliRun(t, r.Dir, live, "promote", "--source-env", "dev", "--env", "prod", "--project", project, "--branch", "feature/x", "--output", "json")
	if res.Code != 0 {
		t.Fatalf("promote: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	prod := read(project + "--feature-x--write-report.hourly--prod")
	if diff := cmp.Diff(map[string]any{"commit_sha": deployed}, clone(prod)); diff != "" {
		t.Errorf("promoted copy's git_clone (-want +got):\n%s", diff)
	}
	if slices.Contains(prod.Tags, "CODE=branch-head") {
		t.Errorf("the promoted copy's tags say it follows its head: %v", prod.Tags)
	}
}
