package actiontest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
)

// TestPreviewWorkflowUnderAct runs examples/workflows/preview.yml unchanged for one pull request
// as GitHub would: opened (the branch is deployed to preview, one comment is created),
// synchronize with a flow removed (the comment is edited, the removed flow's deployment pruned)
// and closed (every preview deployment of the branch deleted, the comment edited once more) —
// and deployments outside the preview stay.
func TestPreviewWorkflowUnderAct(t *testing.T) {
	h := newHarness(t)
	const number = 8
	// Something outside the preview that must survive it: main's deployments in dev.
	outside := h.run(example(t, "deploy.yml"), "workflow_run", workflowRunEvent("success", "main", git(t, h.work, "rev-parse", "HEAD")), runOpts{})
	h.check(t, outside, "deploy.yml", map[string]string{"created": "4"})
	h.github.take()

	git(t, h.work, "checkout", "-q", "-b", "feature/prices")
	first := h.commit("a change in the pull request")
	git(t, h.work, "push", "-q", "bare", "feature/prices")
	event := func(action, head string) map[string]any {
		pr := map[string]any{
			"number": number, "state": "open", "merged": action == "closed",
			"head": map[string]any{"sha": head, "ref": "feature/prices", "repo": map[string]any{"full_name": repository}},
			"base": map[string]any{"sha": first, "ref": "main", "repo": map[string]any{"full_name": repository}},
		}
		return map[string]any{"action": action, "number": number, "pull_request": pr, "repository": repoPayload}
	}
	previews := func() []string {
		all, err := h.prefect.FilterDeployments(t.Context(), prefect.DeploymentFilter{TagsAll: []string{"PROJECT_NAME=" + h.project}})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, d := range all {
			names = append(names, d.Name)
		}
		slices.Sort(names)
		return names
	}
	comment := func() (string, []string) {
		t.Helper()
		cs, calls := h.github.commentState(number)
		if len(cs) != 1 {
			t.Fatalf("pull request #%d has %d comments, want exactly one: %+v", number, len(cs), cs)
		}
		return cs[0].Body, calls
	}
	prefix := h.project + "--feature-prices--"

	// opened: the branch's four deployments in preview, one comment created.
	r := h.run(example(t, "preview.yml"), "pull_request", event("opened", first), runOpts{})
	h.check(t, r, "preview.yml opened", map[string]string{"created": "4", "failed": "0"})
	body, calls := comment()
	if diff := cmp.Diff([]string{"list 8", "create 8"}, calls); diff != "" {
		t.Errorf("comment calls after opened (-want +got):\n%s", diff)
	}
	for _, want := range []string{"### Prefect preview `preview`", "4 deployments: 4 created", "`" + prefix + "greet-people--preview`", "<summary>Plan</summary>"} {
		if !strings.Contains(body, want) {
			t.Errorf("comment after opened lacks %q:\n%s", want, body)
		}
	}

	// synchronize: greet-people is removed in the pull request; its preview goes, the others update.
	if err := os.Remove(filepath.Join(h.work, "flows", "greet.py")); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(h.work, "prefect-deploy.yaml")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	skip := false
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "  greet-people:") {
			skip = true
			continue
		}
		if skip && strings.HasPrefix(l, "    ") {
			continue
		}
		skip = false
		kept = append(kept, l)
	}
	writeFile(t, cfg, strings.Join(kept, "\n"))
	git(t, h.work, "commit", "-q", "-am", "drop greet-people")
	second := git(t, h.work, "rev-parse", "HEAD")
	git(t, h.work, "push", "-q", "bare", "feature/prices")
	r = h.run(example(t, "preview.yml"), "pull_request", event("synchronize", second), runOpts{})
	h.check(t, r, "preview.yml synchronize", map[string]string{"created": "0", "updated": "3", "failed": "0"})
	body, calls = comment()
	if diff := cmp.Diff([]string{"list 8", "create 8", "list 8", "update 1"}, calls); diff != "" {
		t.Errorf("comment calls after synchronize (-want +got):\n%s", diff)
	}
	if !strings.Contains(body, "3 updated, 1 deleted") || !strings.Contains(body, "delete: no longer deployed") {
		t.Errorf("comment after synchronize should show the update and the pruned flow:\n%s", body)
	}
	if got := previews(); slices.Contains(got, prefix+"greet-people--preview") {
		t.Errorf("greet-people's preview survived its removal: %v", got)
	}

	// closed: every preview deployment of the branch goes; main's dev deployments stay.
	r = h.run(example(t, "preview.yml"), "pull_request", event("closed", second), runOpts{})
	h.check(t, r, "preview.yml closed", map[string]string{"created": "0", "failed": "0"})
	body, calls = comment()
	if diff := cmp.Diff([]string{"list 8", "create 8", "list 8", "update 1", "list 8", "update 1"}, calls); diff != "" {
		t.Errorf("comment calls after closed (-want +got):\n%s", diff)
	}
	if !strings.Contains(body, ": removed") || !strings.Contains(body, "3 deployments: 3 deleted") {
		t.Errorf("comment after closed should say the preview was removed:\n%s", body)
	}
	want := strings.Split(outside.Outputs["names"], "\n")
	slices.Sort(want)
	if diff := cmp.Diff(want, previews()); diff != "" {
		t.Errorf("deployments after the pull request closed (-want +got): only main's dev ones should remain\n%s", diff)
	}
	if deps, errs := h.github.take(); len(deps) != 0 || len(errs) != 0 {
		t.Errorf("a preview recorded GitHub deployments %s or made bad requests %v", js(deps), errs)
	}
}
