package actiontest

import (
	"strings"
	"testing"
)

// TestRollbackWorkflowUnderAct runs examples/workflows/rollback.yml unchanged, by hand
// (workflow_dispatch), after release 1.1.0 reached dev: without the confirm box the job prints
// the plan and fails, writing nothing; with it, dev runs release v1.0.0 again — its commit, its
// PACKAGE_VERSION, the image given — and the rollback is recorded as a GitHub Deployment of
// that commit.
func TestRollbackWorkflowUnderAct(t *testing.T) {
	h := newHarness(t)
	v1 := git(t, h.work, "rev-parse", "HEAD")
	git(t, h.work, "tag", "v1.0.0")
	writeFile(t, h.work+"/pyproject.toml", "[project]\nname = \"flows\"\nversion = \"1.1.0\"\n")
	v2 := h.commit("release 1.1.0")
	git(t, h.work, "push", "-q", "--tags", "bare")

	r := h.run(example(t, "deploy.yml"), "workflow_run", workflowRunEvent("success", "main", v2), runOpts{})
	dev := h.check(t, r, "deploy.yml", map[string]string{"created": "4"})
	h.github.take()
	// act reads workflow_dispatch inputs from the event payload when it is given one; GitHub's
	// payload carries them as strings.
	dispatch := func(confirm string) map[string]any {
		return map[string]any{"repository": repoPayload, "inputs": map[string]any{"env": "dev", "to": "v1.0.0", "image": "ghcr.io/" + repository + ":" + v1, "confirm": confirm}}
	}

	refused := h.run(example(t, "rollback.yml"), "workflow_dispatch", dispatch("false"), runOpts{})
	if refused.Err == nil || !strings.Contains(refused.Log, "newer than") || !strings.Contains(refused.Log, "would-update") {
		t.Errorf("rollback without confirm should show the plan and fail:\n%s", refused.Log)
	}
	for name, d := range h.server(t, dev) {
		if got := tag(t, d, "COMMIT_HASH"); got != v2 {
			t.Errorf("%s: a refused rollback changed COMMIT_HASH to %s", name, got)
		}
	}
	if deps, _ := h.github.take(); len(deps) != 0 {
		t.Errorf("a refused rollback recorded GitHub deployments: %s", js(deps))
	}

	r = h.run(example(t, "rollback.yml"), "workflow_dispatch", dispatch("true"), runOpts{})
	back := h.check(t, r, "rollback.yml", map[string]string{"updated": "4", "failed": "0"})
	for name, d := range h.server(t, back) {
		if got := tag(t, d, "COMMIT_HASH"); got != v1 {
			t.Errorf("%s: COMMIT_HASH = %s, want v1.0.0's %s", name, got, v1)
		}
		if got := tag(t, d, "PACKAGE_VERSION"); got != "1.0.0" {
			t.Errorf("%s: PACKAGE_VERSION = %s, want 1.0.0", name, got)
		}
		if got := d.JobVariables["image"]; got != "ghcr.io/"+repository+":"+v1 {
			t.Errorf("%s: image %v, want the release's", name, got)
		}
	}
	if deps, errs := h.github.take(); len(deps) != 1 || deps[0].Ref != v1 || deps[0].Environment != "dev" || len(errs) > 0 {
		t.Errorf("GitHub deployments %s (errors %v); want one of %s to dev", js(deps), errs, v1)
	}
}
