package adopt

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/config"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/prefectyaml"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/vocab"
)

func TestIsSecret(t *testing.T) {
	for _, c := range []struct {
		name, value string
		want        bool
	}{
		{"DB_PASSWORD", "x", true},
		{"SNOWFLAKE_PRIVATE_KEY_PATH", "/keys/k.p8", true},
		{"AWS_SECRET_ACCESS_KEY", "abc", true},
		{"SLACK_WEBHOOK", "https://hooks.slack.com/x", true},
		{"GITHUB_TOKEN", "ghp_x", true},
		{"STRIPE_KEY", "sk_live_x", true},
		{"WAREHOUSE_URL", "postgresql://loader:s3cret@db:5432/dw", true},
		{"MISC", "ghp_abcdefghijklmnopqrstuvwxyz0123456789", true},
		{"SIGNATURE", "9f8e7d6c5b4a39281706f5e4d3c2b1a0ffeeddcc", true},
		{"APP_ENV", "prod", false},
		{"REGION", "eu-west-1", false},
		{"DATA_PATH", "s3://bucket/some/long/path/to/the/raw/data/files/2026", false},
		{"WAREHOUSE_URL", "postgresql://db:5432/dw", false},
		{"IMAGE", "ghcr.io/acme/flows:0123456789abcdef0123456789abcdef", false},
		{"DB_PASSWORD", "", false},
	} {
		if got := isSecret(c.name, c.value, Options{}); got != c.want {
			t.Errorf("isSecret(%q, %q) = %v, want %v", c.name, c.value, got, c.want)
		}
	}
	if isSecret("AUTHOR", "me", Options{NotSecret: []string{"AUTHOR"}}) {
		t.Error("--not-secret AUTHOR still treats AUTHOR as a secret")
	}
	if !isSecret("REGION", "eu", Options{Secret: []string{"REGION"}}) {
		t.Error("--secret REGION does not treat REGION as a secret")
	}
}

// TestWriteLoadsBack writes entries holding values YAML 1.1 would misread unquoted (yes, 0755,
// 1:30, a date, null) and reads the file with the loader deploy uses: every value comes back
// as it was.
func TestWriteLoadsBack(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "flow.py"), []byte("from prefect import flow\n\n@flow\ndef f(a: str = 'x'):\n    \"\"\"Doc.\"\"\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	desc := "a: description, with # and 'quotes'"
	two := 2
	params := map[string]any{"a": "yes", "b": "0755", "c": "1:30", "d": "2026-01-01", "e": "null", "f": "~", "g": float64(3), "h": 2.5, "i": []any{"on", true, nil}, "j": map[string]any{}, "k": "-1"}
	e := Entry{
		Name: "d1", Entrypoint: "flow.py:f", Description: &desc, Version: "1.0", Tags: []string{"yes", "no", "plain"},
		Parameters: params, WorkPool: "pool", WorkQueue: "q",
		JobVariables: map[string]any{"env": map[string]any{"N": "010"}, "image": "img:1"},
		Schedules: []Schedule{
			{Cron: "0 6 * * 1-5", Timezone: "Europe/Berlin", Active: true, Slug: "weekday"},
			{Interval: 90, AnchorDate: "2026-01-01T00:05:00Z", Timezone: "UTC", Active: false, Parameters: map[string]any{"a": "no"}},
			{RRule: "FREQ=WEEKLY;BYDAY=MO", Timezone: "UTC", Active: true},
		},
		ConcurrencyLimit: &two, CollisionStrategy: "CANCEL_NEW",
		EnforceParameterSchema: false,
		PullSteps:              []map[string]any{},
		PullSet:                true,
	}
	data, err := Write([]string{"header"}, []Entry{e})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "prefect.yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := prefectyaml.Load([]string{path}, prefectyaml.Options{Dir: dir, Select: "all"})
	if err != nil {
		t.Fatalf("Load: %v\n%s", err, data)
	}
	if len(got) != 1 {
		t.Fatalf("Load found %d entries", len(got))
	}
	s := got[0].Spec
	// JSON numbers come back as the loader types them; compare through their JSON form.
	if diff := cmp.Diff(prefect.Canonical(params), prefect.Canonical(s.Parameters)); diff != "" {
		t.Errorf("parameters (-written +loaded):\n%s\n%s", diff, data)
	}
	if diff := cmp.Diff(prefect.Canonical(e.JobVariables), prefect.Canonical(s.JobVariables)); diff != "" {
		t.Errorf("job variables (-written +loaded):\n%s", diff)
	}
	checks := []struct{ what, want, got string }{
		{"description", desc, *s.Description},
		{"version", "1.0", s.Version},
		{"tags", "yes no plain", strings.Join(s.Tags, " ")},
		{"pool", "pool/q", s.WorkPoolName + "/" + s.WorkQueueName},
	}
	for _, c := range checks {
		if c.want != c.got {
			t.Errorf("%s: wrote %q, loaded %q", c.what, c.want, c.got)
		}
	}
	if s.EnforceParameterSchema || len(s.PullSteps) != 0 || s.ConcurrencyLimit == nil || *s.ConcurrencyLimit != 2 || s.ConcurrencyOptions == nil || s.ConcurrencyOptions.CollisionStrategy != "CANCEL_NEW" {
		t.Errorf("enforce %v, pull %v, limit %v %+v", s.EnforceParameterSchema, s.PullSteps, s.ConcurrencyLimit, s.ConcurrencyOptions)
	}
	if len(s.Schedules) != 3 || s.Schedules[0].Schedule.Cron != "0 6 * * 1-5" || *s.Schedules[0].Slug != "weekday" ||
		s.Schedules[1].Schedule.Interval != 90 || s.Schedules[1].Active || s.Schedules[1].Schedule.AnchorDate == "" ||
		s.Schedules[2].Schedule.RRule != "FREQ=WEEKLY;BYDAY=MO" {
		t.Errorf("schedules: %+v\n%s", s.Schedules, data)
	}
}

// TestFromDeployment checks what an entry leaves to each deploy and what it notes.
func TestFromDeployment(t *testing.T) {
	str := func(s string) *string { return &s }
	limit := 1
	d := prefect.Deployment{
		ID: "id-1", Name: "proj--main--etl--dev", Version: str("main-abc1234"), Entrypoint: str("flows/etl.py:etl"),
		Tags:   []string{"PROJECT_NAME=proj", "BRANCH_NAME=main", "COMMIT_HASH=abc1234", "PACKAGE_VERSION=1.0", "team"},
		Labels: map[string]any{"prefect.flow.id": "f", "PROJECT_NAME": "proj", "owner": "me"},
		JobVariables: map[string]any{"image": "img", "env": map[string]any{
			"DEPLOYMENT_NAME": "proj--main--etl--dev", "APP": "x", "API_KEY": "k", "TEMPLATE": "Hello {{ name }}",
		}},
		Parameters:             map[string]any{"greeting": "{{ user }}", "n": float64(1)},
		WorkPoolName:           str("ecs-pool"),
		WorkQueueName:          str("default"),
		LegacyConcurrencyLimit: &limit,
		EnforceParameterSchema: true,
		PullSteps: []map[string]any{{"prefect.deployments.steps.git_clone": map[string]any{
			"repository": "https://github.com/acme/flows.git", "access_token": "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "credentials": "{{ prefect.blocks.github-credentials.ci }}",
		}}},
		Schedules: []prefect.DeploymentSchedule{{Schedule: prefect.Schedule{RRule: "DTSTART:20200101T000000\nFREQ=DAILY"}, Active: true}},
	}
	e := FromDeployment(d, "etl", nil, Options{})
	wantPull := []map[string]any{{"prefect.deployments.steps.git_clone": map[string]any{
		"repository": "https://github.com/acme/flows.git", "access_token": "{{ $GIT_CLONE_ACCESS_TOKEN }}", "credentials": "{{ prefect.blocks.github-credentials.ci }}",
	}}}
	if diff := cmp.Diff(wantPull, e.PullSteps); diff != "" {
		t.Errorf("pull steps (-want +got):\n%s", diff)
	}
	if e.Values["GIT_CLONE_ACCESS_TOKEN"] != "ghp_abcdefghijklmnopqrstuvwxyz0123456789" {
		t.Errorf("the token's value is not kept for the check: %v", e.Values)
	}
	if e.Version != "" {
		t.Errorf("version %q is written; a <branch>-<sha> version is each deploy's", e.Version)
	}
	if diff := cmp.Diff([]string{"team"}, e.Tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	wantEnv := map[string]any{"APP": "x", "API_KEY": "{{ $API_KEY }}"}
	if diff := cmp.Diff(wantEnv, e.JobVariables["env"]); diff != "" {
		t.Errorf("env (-want +got):\n%s", diff)
	}
	if e.Values["API_KEY"] != "k" || len(e.SecretEnv) != 1 {
		t.Errorf("secret values %v, names %v", e.Values, e.SecretEnv)
	}
	if _, ok := e.Parameters["greeting"]; ok || e.Parameters["n"] != float64(1) {
		t.Errorf("parameters %v: the templated one must go, the other stay", e.Parameters)
	}
	if e.WorkQueue != "" || e.ConcurrencyLimit == nil || *e.ConcurrencyLimit != 1 || e.Schedules[0].RRule != "FREQ=DAILY" {
		t.Errorf("queue %q, limit %v, rrule %q", e.WorkQueue, e.ConcurrencyLimit, e.Schedules[0].RRule)
	}
	var notes []string
	for _, n := range e.Notes {
		notes = append(notes, n.String())
	}
	for _, want := range []string{"not carried over: labels owner", "not carried over: env TEMPLATE", "not carried over: parameter greeting"} {
		found := false
		for _, n := range notes {
			found = found || strings.HasPrefix(n, want)
		}
		if !found {
			t.Errorf("no note starting %q in %q", want, notes)
		}
	}
}

func TestGlob(t *testing.T) {
	for _, c := range []struct {
		pattern, name string
		want          bool
	}{
		{"**/*.deployment.py", "a.deployment.py", true},
		{"**/*.deployment.py", "projects/x/y/a.deployment.py", true},
		{"**/*.deployment.py", "projects/x/flow.py", false},
		{"*.deployment.py", "projects/a.deployment.py", false},
		{"projects/*/*.deployment.py", "projects/x/a.deployment.py", true},
		{"projects/**", "projects/x/a.py", true},
		{"a?.py", "ab.py", true},
		{"a.py", "axpy", false},
	} {
		if got := Glob(c.pattern, c.name); got != c.want {
			t.Errorf("Glob(%q, %q) = %v, want %v", c.pattern, c.name, got, c.want)
		}
	}
}

func TestNestedOverrides(t *testing.T) {
	got := nested(map[string]any{"env.MODE": "x", "env": map[string]any{"A": "1"}, "image": "i", "a.b.c": 1})
	want := map[string]any{"env": map[string]any{"MODE": "x", "A": "1"}, "image": "i", "a": map[string]any{"b": map[string]any{"c": 1}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("nested (-want +got):\n%s", diff)
	}
}

// TestEntrypoint finds a Prefect 2 deployment's code below its path, as the repository holds it.
func TestEntrypoint(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"flows/etl.py", "projects/warehouse/load/flow.py"} {
		p := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	str := func(s string) *string { return &s }
	for _, c := range []struct {
		entrypoint, path string
		want             string
		found            bool
	}{
		{"flows/etl.py:etl", "", "flows/etl.py:etl", true},
		{"etl.py:etl", filepath.Join(dir, "flows"), "flows/etl.py:etl", true},
		{"etl.py:etl", "flows", "flows/etl.py:etl", true},
		{"flow.py:load", "warehouse/load", "projects/warehouse/load/flow.py:load", true},
		{"flow.py:load", "elsewhere", "flow.py:load", false},
		{"other/x.py:f", "", "other/x.py:f", false},
		{"pkg.module.fn", "", "pkg.module.fn", false},
	} {
		got, found := Entrypoint(dir, prefect.Deployment{Entrypoint: str(c.entrypoint), Path: str(c.path)})
		if got != c.want || found != c.found {
			t.Errorf("Entrypoint(%q, path %q) = %q, %v; want %q, %v", c.entrypoint, c.path, got, found, c.want, c.found)
		}
	}
}

// TestNamedConfigLoads writes deployments of two environments and a variant, with each code
// source, as prefect-deploy.yaml and reads it back with the config loader: every section is
// where deploy looks for it.
func TestNamedConfigLoads(t *testing.T) {
	str := func(s string) *string { return &s }
	mk := func(name string, pull []map[string]any, path string) prefect.Deployment {
		return prefect.Deployment{
			ID: name, Name: name, Entrypoint: str("flows/etl.py:etl"), Path: str(path), PullSteps: pull,
			Tags:                   []string{"PROJECT_NAME=shop", "BRANCH_NAME=main", "COMMIT_HASH=0123456", "PACKAGE_VERSION=1.0", "team"},
			WorkPoolName:           str("pool"),
			EnforceParameterSchema: true,
			JobVariables:           map[string]any{"image": "img:1", "env": map[string]any{"A": "1"}, "cpu": 2},
			Schedules:              []prefect.DeploymentSchedule{{Schedule: prefect.Schedule{Cron: "0 3 * * *"}, Active: false}},
		}
	}
	git := []map[string]any{{"prefect.deployments.steps.git_clone": map[string]any{"repository": "https://github.com/acme/shop.git", "commit_sha": "0123456", "access_token": "{{ $GITHUB_TOKEN }}"}}}
	dirStep := []map[string]any{{"prefect.deployments.steps.set_working_directory": map[string]any{"directory": "/app"}}}
	var named []Named
	for _, d := range []prefect.Deployment{
		mk("shop--main--etl--dev", nil, "."),
		mk("shop--main--etl--prod", git, ""),
		mk("shop--main--etl.hourly--prod", dirStep, ""),
	} {
		n, ok := NamedFrom(d, "etl", nil, Options{})
		if !ok {
			t.Fatalf("%s does not follow the naming contract", d.Name)
		}
		named = append(named, n)
	}
	data, err := WriteConfig([]string{"header"}, "shop", named)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("prefect-deploy.yaml", data)
	if err != nil {
		t.Fatalf("config.Parse: %v\n%s", err, data)
	}
	if cfg.Project != "shop" {
		t.Errorf("project %q", cfg.Project)
	}
	for _, c := range []struct {
		variant, env string
		want         vocab.CodeSource
	}{
		{"", "dev", vocab.CodeSource{Type: "image", ImageWorkdir: true}},
		{"", "prod", vocab.CodeSource{Type: "git", Repository: "https://github.com/acme/shop.git", AccessTokenEnv: "GITHUB_TOKEN"}},
		{"hourly", "prod", vocab.CodeSource{Type: "image", Directory: "/app"}},
	} {
		s := cfg.Resolve("etl", c.variant, c.env)
		if s.CodeSource == nil {
			t.Errorf("%s/%s: no code source\n%s", c.variant, c.env, data)
			continue
		}
		if diff := cmp.Diff(c.want, *s.CodeSource); diff != "" {
			t.Errorf("%s/%s: code source (-want +got):\n%s", c.variant, c.env, diff)
		}
		if s.Image == nil || *s.Image != "img:1" || s.WorkPool == nil || *s.WorkPool != "pool" || s.Env["A"] != "1" || s.JobVariables["cpu"] != 2 {
			t.Errorf("%s/%s: image %v, pool %v, env %v, job variables %v", c.variant, c.env, s.Image, s.WorkPool, s.Env, s.JobVariables)
		}
		if len(s.Schedules) != 1 || s.Schedules[0].Cron != "0 3 * * *" || s.Schedules[0].Active == nil || *s.Schedules[0].Active {
			t.Errorf("%s/%s: schedules %+v", c.variant, c.env, s.Schedules)
		}
		if !slices.Equal(s.Tags, []string{"team"}) {
			t.Errorf("%s/%s: tags %v (the product's own are each deploy's)", c.variant, c.env, s.Tags)
		}
	}
	if vs := cfg.Variants("etl"); !slices.Contains(vs, "hourly") {
		t.Errorf("variants %v lack hourly", vs)
	}
}

func TestInferredVersion(t *testing.T) {
	for v, want := range map[string]bool{
		"main-abc1234": true, "6acfd9ed": true, "c778e105c1e2ee08612df9edf7decbea": true,
		"1.4.0": false, "v7": false, "20240101": false, "release-2024": false, "main-1234567": false,
	} {
		if got := isInferredVersion(v); got != want {
			t.Errorf("isInferredVersion(%q) = %v, want %v", v, got, want)
		}
	}
}
