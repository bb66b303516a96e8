package actiontest

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
)

// example returns the absolute path of a workflow of examples/workflows.
func example(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(root, "examples", "workflows", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestExampleWorkflowsUnderAct runs the example workflows users copy, unchanged, with act:
// checkout and the action are mapped to local stand-ins, everything else is as written. It
// proves the examples deploy the tested commit with the image container.yml pushed, plan pull
// requests without writing, and promote by hand and on release.
func TestExampleWorkflowsUnderAct(t *testing.T) {
	h := newHarness(t)
	tested := git(t, h.work, "rev-parse", "HEAD")
	head := h.commit("untested change")
	image := "ghcr.io/" + repository + ":" + tested

	t.Run("deploy.yml", func(t *testing.T) {
		r := h.run(example(t, "deploy.yml"), "workflow_run", workflowRunEvent("success", "main", tested), runOpts{})
		dev := h.check(t, r, "deploy.yml", map[string]string{"created": "4", "failed": "0"})
		for name, d := range h.server(t, dev) {
			if got := tag(t, d, naming.TagCommit); got != tested {
				t.Errorf("%s: COMMIT_HASH = %s, want the tested commit %s (not %s)", name, got, tested, head)
			}
			if got := tag(t, d, "PACKAGE_VERSION"); got != "1.0.0" {
				t.Errorf("%s: PACKAGE_VERSION = %q, want pyproject.toml's 1.0.0", name, got)
			}
			if got := d.JobVariables["image"]; got != image {
				t.Errorf("%s: job variable image = %v, want %s", name, got, image)
			}
		}
		if deps, _ := h.github.take(); len(deps) != 1 || deps[0].Environment != "dev" || deps[0].Ref != tested {
			t.Errorf("GitHub deployments = %s; want one to dev of %s", js(deps), tested)
		}
	})
	if t.Failed() {
		return
	}

	t.Run("test.yml plans a pull request without writing", func(t *testing.T) {
		pr := map[string]any{
			"number": 7,
			"head":   map[string]any{"sha": head, "ref": "feature", "repo": map[string]any{"full_name": repository}},
			"base":   map[string]any{"ref": "main", "repo": map[string]any{"full_name": repository}},
		}
		r := h.run(example(t, "test.yml"), "pull_request", map[string]any{"action": "opened", "number": 7, "pull_request": pr, "repository": repoPayload},
			runOpts{job: "plan"})
		if r.Err != nil {
			t.Fatalf("act: %v\n%s", r.Err, r.Log)
		}
		if got := r.Outputs["summary"]; !strings.HasSuffix(got, "(dry run: nothing written)") || !strings.Contains(got, "4 would-create") {
			t.Errorf("plan summary = %q; want 4 would-create for the PR branch, dry run\n%s", got, r.Log)
		}
		if deps, _ := h.github.take(); len(deps) != 0 {
			t.Errorf("a dry run recorded GitHub deployments: %s", js(deps))
		}
	})

	t.Run("promote.yml by hand", func(t *testing.T) {
		r := h.run(example(t, "promote.yml"), "workflow_dispatch", map[string]any{"repository": repoPayload}, runOpts{inputs: map[string]string{
			"source-env": "dev", "target-env": "prod", "flows": "all", "allow-downgrade": "false"}})
		prod := h.check(t, r, "promote.yml", map[string]string{"created": "4", "failed": "0"})
		for name, d := range h.server(t, prod) {
			if !strings.HasSuffix(name, "--prod") || d.JobVariables["image"] != image {
				t.Errorf("%s: image %v; want a prod deployment running %s", name, d.JobVariables["image"], image)
			}
		}
		h.github.take()
	})

	t.Run("promote.yml on release", func(t *testing.T) {
		r := h.run(example(t, "promote.yml"), "release", releaseEvent("v1.0.0"), runOpts{})
		h.check(t, r, "promote.yml release", map[string]string{"unchanged": "4", "failed": "0"})
		h.github.take()
	})

	// The acme-portal VS Code extension dispatches deploy.yml and promote.yml as it does
	// acme-prefect's: `gh workflow run deploy.yml -f flows-to-deploy=...`, then promote.yml with
	// -f source-env, -f target-env and -f flows-to-deploy.
	t.Run("deploy.yml and promote.yml dispatched by the acme extension", func(t *testing.T) {
		r := h.run(example(t, "deploy.yml"), "workflow_dispatch", map[string]any{"repository": repoPayload},
			runOpts{inputs: map[string]string{"flows-to-deploy": "greet-people"}})
		dev := h.check(t, r, "deploy.yml dispatched", map[string]string{"updated": "1", "failed": "0"})
		for name, d := range h.server(t, dev) {
			if got := tag(t, d, naming.TagCommit); !strings.Contains(name, "--greet-people--dev") || got != head {
				t.Errorf("%s: COMMIT_HASH = %s; want only greet-people, at the dispatched commit %s", name, got, head)
			}
		}
		r = h.run(example(t, "promote.yml"), "workflow_dispatch", map[string]any{"repository": repoPayload},
			runOpts{inputs: map[string]string{"source-env": "dev", "target-env": "prod", "flows-to-deploy": "greet-people"}})
		prod := h.check(t, r, "promote.yml dispatched", map[string]string{"updated": "1", "failed": "0"})
		for name, d := range h.server(t, prod) {
			if got := tag(t, d, naming.TagCommit); !strings.Contains(name, "--greet-people--prod") || got != head {
				t.Errorf("%s: COMMIT_HASH = %s; want only greet-people promoted, at %s", name, got, head)
			}
		}
		h.github.take()
	})
}
