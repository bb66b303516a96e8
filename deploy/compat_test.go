package deploy

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
)

func serverAt(t *testing.T, v string) prefect.ServerInfo {
	t.Helper()
	s, err := prefect.ParseServerInfo(v)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func compatTargets() []Target {
	slug := "morning"
	limit := 1
	return []Target{
		{Spec: prefect.DeploymentSpec{Name: "a", Labels: map[string]any{"ENV": "dev"},
			Schedules: []prefect.DeploymentSchedule{{Schedule: prefect.Schedule{Cron: "0 6 * * *"}, Slug: &slug}}}},
		{Spec: prefect.DeploymentSpec{Name: "b", Labels: map[string]any{"ENV": "dev"}, ConcurrencyLimit: &limit}, TriggersSet: true},
	}
}

// TestCheckServerDrops: labels and slugs are left out for a server without them, with one
// warning each, whatever the number of deployments; the caller's targets keep them.
func TestCheckServerDrops(t *testing.T) {
	in := compatTargets()
	out, warnings, err := CheckServer(serverAt(t, "3.1.15"), in)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"labels: Prefect 3.1.15 has none (they need Prefect 3.2 or newer); 2 deployments are written without them",
		"schedule slug: Prefect 3.1.15 has none (they need Prefect 3.2 or newer); 1 deployment is written without them",
	}
	if diff := cmp.Diff(want, warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if out[0].Spec.Labels != nil || out[1].Spec.Labels != nil || out[0].Spec.Schedules[0].Slug != nil {
		t.Errorf("labels or slug still sent: %+v", out)
	}
	if in[0].Spec.Labels == nil || in[0].Spec.Schedules[0].Slug == nil {
		t.Error("the caller's targets were changed")
	}
	if !out[1].TriggersSet {
		t.Error("3.1 has triggers; they stay managed")
	}
	same, warnings, err := CheckServer(serverAt(t, "3.4.25"), in)
	if err != nil || len(warnings) != 0 || same[0].Spec.Labels == nil {
		t.Errorf("3.4: warnings %q, err %v, labels %v", warnings, err, same[0].Spec.Labels)
	}
}

// TestCheckServerRefuses: one message lists each missing feature once with its deployments,
// the server's version and the way out.
func TestCheckServerRefuses(t *testing.T) {
	in := compatTargets()
	in = append(in, Target{Spec: prefect.DeploymentSpec{Name: "c", PullSteps: []map[string]any{
		{"prefect.deployments.steps.git_clone": map[string]any{"repository": "https://x/y.git", "commit_sha": "abc"}}}},
		Triggers: []map[string]any{{"expect": []any{"x"}}}, TriggersSet: true})
	_, _, err := CheckServer(serverAt(t, "2.20.27"), in)
	if err == nil {
		t.Fatal("Prefect 2.20 took a concurrency limit, triggers and git_clone's commit_sha")
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{
		"nothing was written: the server cannot take these deployments as configured",
		"concurrency_limit (used by b) needs Prefect 3.0 or newer, and the server runs Prefect 2.20.27: " + prefect.FeatureConcurrencyLimit.Info().Remedy,
		"triggers (used by c) needs Prefect 3.0 or newer, and the server runs Prefect 2.20.27: " + prefect.FeatureTriggers.Info().Remedy,
		"git_clone commit_sha, directories, clone_directory_name (used by c) needs Prefect 3.0 or newer, and the server runs Prefect 2.20.27: " + prefect.FeatureGitCloneCommit.Info().Remedy,
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("refusal (-want +got):\n%s", diff)
	}
	out, _, err := CheckServer(serverAt(t, "2.20.27"), in[:1])
	if err != nil {
		t.Fatal(err)
	}
	if out[0].TriggersSet {
		t.Error("a server without triggers still gets trigger requests")
	}
	if _, _, err := CheckServer(serverAt(t, "2.14.21"), in[:1]); err == nil || !strings.Contains(err.Error(), "too old") {
		t.Errorf("Prefect 2.14: %v", err)
	}
}

func TestCheckServerUnknown(t *testing.T) {
	_, warnings, err := CheckServer(prefect.ServerInfo{Unknown: true, Reason: "GET /admin/version answered HTTP 404"}, compatTargets())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"could not read the server's Prefect version (GET /admin/version answered HTTP 404); writing as to a current Prefect 3 server"}
	if diff := cmp.Diff(want, warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}
