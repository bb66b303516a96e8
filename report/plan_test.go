package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const (
	shaA = "76bd1a2c0ffee254729296a45a3885639ac7ca3a"
	shaB = "9f3c0e1acb5820ced9479c074f688cc328bf03f3"
)

func ptr[T any](v T) *T { return &v }

// stored is a deployment as the server holds it at commit sha.
func stored(sha string, env map[string]any) *prefect.Deployment {
	return &prefect.Deployment{
		Name: "shop--main--etl--dev", Version: ptr("main-" + sha[:7]), Entrypoint: ptr("flows/etl.py:etl"),
		WorkPoolName: ptr("k8s"), WorkQueueName: ptr("default"),
		Tags:         []string{"BRANCH_NAME=main", "COMMIT_HASH=" + sha, "ENV=dev", "PACKAGE_VERSION=0.3.1", "PROJECT_NAME=shop", "team-data"},
		Labels:       map[string]any{"BRANCH_NAME": "main", "COMMIT_HASH": sha, "ENV": "dev", "PACKAGE_VERSION": "0.3.1", "PROJECT_NAME": "shop", "prefect.flow.id": "x"},
		PullSteps:    []map[string]any{{"prefect.deployments.steps.git_clone": map[string]any{"repository": "https://github.com/acme/shop.git", "commit_sha": sha}}},
		JobVariables: map[string]any{"env": env},
		Parameters:   map[string]any{"rows": 10.0},
		Schedules:    []prefect.DeploymentSchedule{{Schedule: prefect.Schedule{Cron: "0 2 * * *", Timezone: ptr("UTC")}, Active: true, Parameters: map[string]any{}}},
	}
}

// spec is the desired deployment at commit sha.
func spec(sha, pkg string, env map[string]any) *prefect.DeploymentSpec {
	return &prefect.DeploymentSpec{
		Name: "shop--main--etl--dev", Version: "main-" + sha[:7], Entrypoint: "flows/etl.py:etl", WorkPoolName: "k8s",
		Tags:         []string{"BRANCH_NAME=main", "COMMIT_HASH=" + sha, "ENV=dev", "PACKAGE_VERSION=" + pkg, "PROJECT_NAME=shop", "team-data"},
		Labels:       map[string]any{"BRANCH_NAME": "main", "COMMIT_HASH": sha, "ENV": "dev", "PACKAGE_VERSION": pkg, "PROJECT_NAME": "shop"},
		PullSteps:    []map[string]any{{"prefect.deployments.steps.git_clone": map[string]any{"repository": "https://github.com/acme/shop.git", "commit_sha": sha}}},
		JobVariables: map[string]any{"env": env},
		Parameters:   map[string]any{"rows": 10},
		Schedules:    []prefect.DeploymentSchedule{{Schedule: prefect.Schedule{Cron: "0 2 * * *", Timezone: ptr("UTC")}, Active: true}},
	}
}

// TestWritePlan renders the plan of a run that covers every kind of line a person reads.
func TestWritePlan(t *testing.T) {
	t.Parallel()
	env := map[string]any{"APP_ENV": "dev", "DEPLOYMENT_NAME": "shop--main--etl--dev", "API_TOKEN": "s3cret-one"}

	// Only the commit moved: one code line and the version, nothing else.
	onlyCommit := prefect.Diff(spec(shaB, "0.3.1", env), stored(shaA, env))

	// The commit, the package version, env keys, a secret's value, tags, parameters, schedules
	// and the pool all moved.
	env2 := map[string]any{"APP_ENV": "dev", "DEPLOYMENT_NAME": "shop--main--etl--dev", "API_TOKEN": "s3cret-two", "NEW_FLAG": "1"}
	want := spec(shaB, "0.4.0", env2)
	want.Tags = append(want.Tags, "critical")
	want.Parameters = map[string]any{"rows": 20, "note": "a long note that goes on and on, describing at length what this flow does for the team every night"}
	want.Schedules[0].Schedule.Cron = "0 3 * * *"
	want.WorkPoolName = "k8s-big"
	want.Description = ptr("Loads the shop's orders from the warehouse into the reporting schema, then refreshes the materialised views that the finance dashboards read every morning before nine")
	env1 := map[string]any{"APP_ENV": "dev", "DEPLOYMENT_NAME": "shop--main--etl--dev", "API_TOKEN": "s3cret-one", "OLD_FLAG": "1"}
	many := prefect.Diff(want, stored(shaA, env1))

	newGit := spec(shaB, "0.4.0", env)
	newImage := spec(shaB, "0.4.0", env)
	newImage.PullSteps = []map[string]any{{"prefect.deployments.steps.set_working_directory": map[string]any{"directory": "/opt/prefect"}}}
	newImage.JobVariables["image"] = "ghcr.io/acme/shop:9f3c0e1"
	newImage.WorkQueueName = "critical"

	// A promotion's new target: what differs from the source.
	src := stored(shaA, env)
	src.Name = "shop--main--etl--dev"
	prodEnv := map[string]any{"APP_ENV": "prod", "DEPLOYMENT_NAME": "shop--main--etl--prod", "API_TOKEN": "prod-secret"}
	prod := spec(shaA, "0.3.1", prodEnv)
	prod.Name = "shop--main--etl--prod"
	prod.Tags[2], prod.Labels["ENV"] = "ENV=prod", "prod"
	prod.WorkQueueName = "critical"

	rep := &Report{Command: "deploy", Env: "dev", DryRun: true, Deployments: []Item{
		{Name: "shop--main--a-only-commit--dev", Action: WouldUpdate, Commit: shaB, Changes: onlyCommit},
		{Name: "shop--main--b-many--dev", Action: WouldUpdate, Commit: shaB, Changes: many},
		{Name: "shop--main--c-new-git--dev", Action: WouldCreate, Commit: shaB, Version: "main-9f3c0e1", PackageVersion: "0.4.0", Entrypoint: "flows/etl.py:etl", Source: "flows/etl.py:12", Spec: newGit},
		{Name: "shop--main--d-new-image--dev", Action: WouldCreate, Commit: shaB, Entrypoint: "flows/etl.py:etl", Source: "pipelines/etl/prefect.yaml:9", Spec: newImage},
		{Name: "shop--main--e-promoted--prod", Action: WouldCreate, Commit: shaA, Entrypoint: "flows/etl.py:etl", Source: src.Name, Spec: prod, FromSource: prefect.Diff(prod, src)},
		{Name: "shop--main--f-same--dev", Action: Unchanged},
		{Name: "shop--main--g-skipped--prod", Action: Skipped, Error: "no deployment of flow \"g\" in dev"},
		{Name: "shop--main--h-failed--dev", Action: Failed, Error: "HTTP 422: stream_output: not a boolean"},
		{Name: "shop--old-branch--etl--dev", Action: WouldDelete, Reason: "branch old-branch is gone from the remote"},
	}}
	var b bytes.Buffer
	rep.WritePlan(&b)
	got := b.String()
	for _, secret := range []string{"s3cret", "prod-secret"} {
		if strings.Contains(got, secret) {
			t.Errorf("the plan shows the value of a secret env var (%q):\n%s", secret, got)
		}
	}
	golden(t, "plan.golden", got)
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

func TestCutAtAWord(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"short", "short"},
		{"one two three four", "one two …"},
		{"aaaaaaaaaaaaaaaaaaaa bbb", "aaaaaaaaaaaaaaaaaaaa …"},
		{"COMMIT_HASH=76bd1a2c0ffee254729296a45a3885639ac7ca3a", "COMMIT_HASH=76bd1a2c0ffee254729296a45a3885639ac7ca3a"},
		{"x,yyyyyyyyyyyyyyyy", "x …"},
	}
	for _, tt := range tests {
		if got := cutAt(tt.in, 10); got != tt.want {
			t.Errorf("cutAt(%q, 10) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestOnlyAdoption(t *testing.T) {
	product := []any{"team", "PROJECT_NAME=p", "BRANCH_NAME=main", "ENV=dev", "COMMIT_HASH=abc", "PACKAGE_VERSION=1"}
	tags := prefect.Change{Field: "tags", Old: []any{"team"}, New: product}
	labels := prefect.Change{Field: "labels", Old: map[string]any{"team": "data"}, New: map[string]any{"team": "data", "ENV": "dev", "COMMIT_HASH": "abc"}}
	env := prefect.Change{Field: "job_variables.env", Old: map[string]any{"A": "1"}, New: map[string]any{"A": "1", "DEPLOYMENT_NAME": "x"}}
	for _, c := range []struct {
		name    string
		changes []prefect.Change
		want    bool
	}{
		{"the bookkeeping added", []prefect.Change{tags, labels, env}, true},
		{"nothing", nil, false},
		{"a tag removed", []prefect.Change{{Field: "tags", Old: []any{"team", "old"}, New: product}}, false},
		{"a user tag added", []prefect.Change{{Field: "tags", Old: []any{}, New: []any{"new", "ENV=dev"}}}, false},
		{"already the product's (a new commit)", []prefect.Change{{Field: "tags", Old: []any{"COMMIT_HASH=old"}, New: []any{"COMMIT_HASH=abc", "ENV=dev"}}}, false},
		{"an env var changed", []prefect.Change{{Field: "job_variables.env", Old: map[string]any{"A": "1"}, New: map[string]any{"A": "2", "DEPLOYMENT_NAME": "x"}}}, false},
		{"a label changed", []prefect.Change{{Field: "labels", Old: map[string]any{"team": "a"}, New: map[string]any{"team": "b", "ENV": "dev"}}}, false},
		{"another field", []prefect.Change{tags, {Field: "version", Old: "1", New: "2"}}, false},
	} {
		if got := OnlyAdoption(c.changes); got != c.want {
			t.Errorf("%s: OnlyAdoption = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestChangeLinesShortCommit: a short COMMIT_HASH of the very commit deployed (acme-portal-sdk
// writes short ones) is not a code change.
func TestChangeLinesShortCommit(t *testing.T) {
	full := "973d3837d2bc8112bf57a9f3b43fb6a17b65f5c0"
	got := ChangeLines([]prefect.Change{{Field: "tags", Old: []any{"COMMIT_HASH=973d383"}, New: []any{"COMMIT_HASH=" + full, "ENV=dev"}}}, full)
	want := []string{"code: same commit 973d383 (COMMIT_HASH written in full)", "tags: +ENV=dev"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ChangeLines (-want +got):\n%s", diff)
	}
}

// TestSummarySaysAdopted: updates that only add the bookkeeping are counted as adopted.
func TestSummarySaysAdopted(t *testing.T) {
	r := &Report{DryRun: true, Deployments: []Item{
		{Name: "a", Action: WouldUpdate, Changes: []prefect.Change{{Field: "tags", Old: []any{"team"}, New: []any{"team", "ENV=dev"}}}},
		{Name: "b", Action: WouldUpdate, Changes: []prefect.Change{{Field: "version", Old: "1", New: "2"}}},
	}}
	r.Finish()
	if got, want := r.Summary(), "2 deployments: 2 would-update (1 only adopted) (dry run: nothing written)"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
}
