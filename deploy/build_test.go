package deploy

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/source/config"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const buildConfig = `
project: acme
defaults:
  work_pool: k8s
  code_source:
    type: git
    repository: https://github.com/acme/flows.git
    credentials: "{{ prefect.blocks.github-credentials.ci }}"
  env: {LOG_LEVEL: INFO, DEPLOYMENT_NAME: cannot-override}
  tags: [team-data]
environments:
  prod:
    env: {APP_ENV: prod}
    job_variables: {secretName: prod-secrets}
  dev:
    schedules_active: false
flows:
  load-prices:
    parameters: {market: EU}
    concurrency_limit: {limit: 1, collision_strategy: CANCEL_NEW}
    schedules:
      - cron: "0 6 * * 1-5"
        timezone: Europe/Berlin
        slug: weekday
    deployments:
      - variant: hourly
        schedules: [{interval: 3600, anchor_date: 2026-01-01T00:05:00Z, parameters: {depth: 1}}]
      - variant: weekly
        paused: true
`

// TestBuildGolden pins the complete deployment bodies built for a config, per environment.
func TestBuildGolden(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse("prefect-deploy.yaml", []byte(buildConfig))
	if err != nil {
		t.Fatal(err)
	}
	flows := []FlowInput{
		{Name: "load_prices", Entrypoint: "flows/prices.py:load_prices", Description: "Load prices.", Source: "flows/prices.py:7",
			ParameterSchema: map[string]any{"type": "object", "properties": map[string]any{"market": map[string]any{"type": "string"}}}},
		{Name: "cleanup", Entrypoint: "flows/cleanup.py:cleanup", Source: "flows/cleanup.py:3"},
	}
	for _, env := range []string{"dev", "prod"} {
		t.Run(env, func(t *testing.T) {
			t.Parallel()
			targets, err := Build(BuildInput{
				Meta:    Meta{Project: "acme", Branch: "feature-x", Env: env, Commit: "0123456789abcdef0123456789abcdef01234567", PackageVersion: "1.4.0"},
				Flows:   flows,
				Config:  cfg,
				EnvVars: map[string]string{"FROM_FLAG": "yes", "LOG_LEVEL": "DEBUG"},
			})
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(targets, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "build-"+env+".golden.json")
			if *update {
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if diff := cmp.Diff(strings.TrimSpace(string(want)), string(got)); diff != "" {
				t.Errorf("Build(%s) mismatch (-want +got):\n%s", env, diff)
			}
		})
	}
}

func TestBuildRefusals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   BuildInput
		want string
	}{
		{
			name: "no work pool",
			in:   BuildInput{Meta: Meta{Project: "p", Branch: "b", Env: "dev", Commit: "abcdef1"}, Image: "img:1", Flows: []FlowInput{{Name: "etl", Source: "etl.py:1"}}},
			want: `etl.py:1: deployment "p--b--etl--dev": no work pool: set work_pool in the config (defaults or environments.dev) or pass --work-pool`,
		},
		{
			name: "no code source",
			in:   BuildInput{Meta: Meta{Project: "p", Branch: "b", Env: "dev", Commit: "abcdef1"}, WorkPool: "k8s", Flows: []FlowInput{{Name: "etl", Source: "etl.py:1"}}},
			want: `etl.py:1: deployment "p--b--etl--dev": workers cannot get the code: pass --image, or set code_source in the config`,
		},
		{
			name: "unnameable flow",
			in:   BuildInput{Meta: Meta{Project: "p", Branch: "b", Env: "dev", Commit: "abcdef1"}, WorkPool: "k8s", Image: "i", Flows: []FlowInput{{Name: "___", Source: "x.py:2"}}},
			want: `x.py:2: flow "___"`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Build(tc.in)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("Build error = %v; want it to start with %q", err, tc.want)
			}
		})
	}
}

func TestAutomationsFromTriggers(t *testing.T) {
	t.Parallel()
	got := Automations("p--b--etl--dev", "dep-id", []map[string]any{
		{"expect": []any{"a.b"}, "parameters": map[string]any{"x": "{{ event.id }}"}},
		{"name": "custom", "enabled": false, "type": "metric", "metric": map[string]any{"name": "duration"}},
	})
	want := `[{"name":"p--b--etl--dev__automation_1","description":"","enabled":true,"trigger":{"expect":["a.b"],"posture":"Reactive","threshold":1,"type":"event","within":0},"actions":[{"deployment_id":"dep-id","parameters":{"x":"{{ event.id }}"},"source":"selected","type":"run-deployment"}]},` +
		`{"name":"custom","description":"","enabled":false,"trigger":{"metric":{"name":"duration"},"type":"metric"},"actions":[{"deployment_id":"dep-id","source":"selected","type":"run-deployment"}]}]`
	b, _ := json.Marshal(got)
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("Automations mismatch (-want +got):\n%s", diff)
	}
}

func TestFollowHead(t *testing.T) {
	t.Parallel()
	const sha = "0123456789abcdef0123456789abcdef01234567"
	cs := CodeSource{Type: "git", Repository: "https://github.com/acme/flows.git", FollowHead: true}
	clone := func(steps []map[string]any) map[string]any {
		return steps[0]["prefect.deployments.steps.git_clone"].(map[string]any)
	}
	if diff := cmp.Diff(map[string]any{"repository": cs.Repository, "branch": "feature/x"}, clone(cs.PullStepsAt("feature/x", sha))); diff != "" {
		t.Errorf("a feature branch follows its head (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"repository": cs.Repository, "commit_sha": sha}, clone(cs.PullStepsAt("main", sha))); diff != "" {
		t.Errorf("the mainline stays pinned (-want +got):\n%s", diff)
	}
	cs.Mainline = "trunk"
	if !cs.Follows("main") || cs.Follows("trunk") {
		t.Errorf("with mainline trunk, main follows its head and trunk does not")
	}
	following := cs.PullStepsAt("feature/x", sha)
	pinned := PinPullSteps(following, sha)
	if diff := cmp.Diff(map[string]any{"repository": cs.Repository, "commit_sha": sha}, clone(pinned)); diff != "" {
		t.Errorf("PinPullSteps (-want +got):\n%s", diff)
	}
	if clone(following)["branch"] != "feature/x" {
		t.Errorf("PinPullSteps changed its input: %v", following)
	}
	img := CodeSource{Type: "image", FollowHead: true}
	if img.Follows("feature/x") {
		t.Errorf("an image code source never follows a branch")
	}
}

// TestImageWorkdir: an image code source with use_image_workdir sends no pull step and path
// "." (the worker runs in the image's WORKDIR), as flow.deploy does for acme-portal-sdk; the
// default image code source changes directory to /opt/prefect.
func TestImageWorkdir(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cfg   string
		steps []map[string]any
		path  *string
	}{
		{"defaults: {work_pool: ecs-pool, image: 'ghcr.io/acme/shop:main-0a1b2c3', code_source: {type: image, use_image_workdir: true}}",
			[]map[string]any{}, ptr(".")},
		{"defaults: {work_pool: ecs-pool, image: 'ghcr.io/acme/shop:main-0a1b2c3'}",
			[]map[string]any{{"prefect.deployments.steps.set_working_directory": map[string]any{"directory": "/opt/prefect"}}}, nil},
	} {
		cfg, err := config.Parse("prefect-deploy.yaml", []byte(tc.cfg))
		if err != nil {
			t.Fatal(err)
		}
		targets, err := Build(BuildInput{
			Meta:   Meta{Project: "acme-shop", Branch: "main", Env: "dev", Commit: "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567", PackageVersion: "0.3.0"},
			Flows:  []FlowInput{{Name: "load_prices", Entrypoint: "src/acme_shop/flows/load_prices.py:main", Source: "src/acme_shop/flows/load_prices.py:6"}},
			Config: cfg,
		})
		if err != nil {
			t.Fatal(err)
		}
		s := targets[0].Spec
		if diff := cmp.Diff(tc.steps, s.PullSteps); diff != "" {
			t.Errorf("%s: pull steps (-want +got):\n%s", tc.cfg, diff)
		}
		if diff := cmp.Diff(tc.path, s.Path); diff != "" {
			t.Errorf("%s: path (-want +got):\n%s", tc.cfg, diff)
		}
	}
}

func ptr[T any](v T) *T { return &v }
