package promote

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/deploy"
	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/config"
)

const testCommit = "0123456789abcdef0123456789abcdef01234567"

// devSource is a dev deployment as a deploy made it, then paused and with its schedule switched
// off in the UI.
func devSource() source {
	str := func(s string) *string { return &s }
	name := "proj--main--etl--dev"
	d := prefect.Deployment{
		ID: "id-1", Name: name, FlowID: "flow-1",
		Version: str("main-0123456"), Description: str("loads"), Paused: true,
		Schedules:              []prefect.DeploymentSchedule{{Schedule: prefect.Schedule{Cron: "0 9 * * *"}, Active: false, Parameters: map[string]any{}}},
		GlobalConcurrencyLimit: &prefect.GlobalConcurrencyLimit{Limit: 1},
		JobVariables: map[string]any{
			"image": "ghcr.io/acme/flows:A", "secretName": "dev-secrets", "cpu": 1.0,
			"env": map[string]any{"APP_ENV": "dev", "DEPLOYMENT_NAME": name},
		},
		Parameters:             map[string]any{"dry_run": true, "rows": 5.0},
		Tags:                   []string{"PROJECT_NAME=proj", "BRANCH_NAME=main", "ENV=dev", "COMMIT_HASH=" + testCommit, "PACKAGE_VERSION=1.0.0", "dev-only", "team"},
		Labels:                 map[string]any{"PROJECT_NAME": "proj", "ENV": "dev", "prefect.flow.id": "x"},
		WorkPoolName:           str("dev-pool"),
		WorkQueueName:          str("dev-queue"),
		ParameterSchema:        map[string]any{"type": "object", "properties": map[string]any{"rows": map[string]any{"type": "integer"}}},
		PullSteps:              []map[string]any{{"prefect.deployments.steps.git_clone": map[string]any{"repository": "https://example.com/r.git", "commit_sha": testCommit}}},
		Entrypoint:             str("flows/etl.py:etl"),
		EnforceParameterSchema: true,
	}
	n, _ := naming.Parse(name)
	return source{dep: d, name: n, flowName: "etl", version: "1.0.0", commit: testCommit, targetName: "proj--main--etl--prod"}
}

func parseConfig(t *testing.T, text string) *config.File {
	t.Helper()
	if text == "" {
		return nil
	}
	f, err := config.Parse("prefect-deploy.yaml", []byte(text))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return f
}

func origin(tg deploy.Target, field string) string {
	for _, o := range tg.Origins {
		if o.Field == field {
			return o.From
		}
	}
	return ""
}

// TestConfigTargetEveryKey promotes the dev source with one key of the config set for prod,
// per key: each takes effect (or is refused), and everything else is the source's.
func TestConfigTargetEveryKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		key, config string
		check       func(t *testing.T, tg deploy.Target)
		err         string
	}{
		{key: "work_pool", config: "environments: {prod: {work_pool: prod-pool}}", check: func(t *testing.T, tg deploy.Target) {
			if tg.Spec.WorkPoolName != "prod-pool" || tg.Spec.WorkQueueName != "" || origin(tg, "work_pool_name") != report.FromTargetConfig {
				t.Errorf("pool %q queue %q origin %q; want prod-pool, the pool's default queue, target config", tg.Spec.WorkPoolName, tg.Spec.WorkQueueName, origin(tg, "work_pool_name"))
			}
		}},
		{key: "work_pool_name", config: "environments: {prod: {work_pool_name: prod-pool, work_queue_name: q2}}", check: func(t *testing.T, tg deploy.Target) {
			if tg.Spec.WorkPoolName != "prod-pool" || tg.Spec.WorkQueueName != "q2" {
				t.Errorf("pool %q queue %q; want prod-pool q2", tg.Spec.WorkPoolName, tg.Spec.WorkQueueName)
			}
		}},
		{key: "work_queue", config: "flows: {etl: {environments: {prod: {work_queue: critical}}}}", check: func(t *testing.T, tg deploy.Target) {
			if tg.Spec.WorkPoolName != "dev-pool" || tg.Spec.WorkQueueName != "critical" {
				t.Errorf("pool %q queue %q; want the source's pool and queue critical", tg.Spec.WorkPoolName, tg.Spec.WorkQueueName)
			}
		}},
		{key: "work_queue_name", config: "environments: {prod: {work_queue_name: critical}}", check: func(t *testing.T, tg deploy.Target) {
			if tg.Spec.WorkQueueName != "critical" {
				t.Errorf("queue %q; want critical", tg.Spec.WorkQueueName)
			}
		}},
		{key: "job_variables", config: "environments: {prod: {job_variables: {secretName: prod-secrets}}}", check: func(t *testing.T, tg deploy.Target) {
			jv := tg.Spec.JobVariables
			if jv["secretName"] != "prod-secrets" || jv["cpu"] != 1.0 || jv["image"] != "ghcr.io/acme/flows:A" {
				t.Errorf("job variables %v; want prod's secretName, the source's cpu and image", jv)
			}
			if origin(tg, "job_variables.secretName") != report.FromTargetConfig {
				t.Errorf("origins %v", tg.Origins)
			}
		}},
		{key: "image", config: "environments: {prod: {image: ghcr.io/acme/flows:B}}", err: `environments.prod.image is "ghcr.io/acme/flows:B", but a promotion runs the source's image "ghcr.io/acme/flows:A"`},
		{key: "env", config: "defaults: {env: {TEAM: data}}\nenvironments: {prod: {env: {APP_ENV: prod}}, dev: {env: {APP_ENV: dev, DEBUG: '1'}}}", check: func(t *testing.T, tg deploy.Target) {
			want := map[string]any{"APP_ENV": "prod", "TEAM": "data", "DEPLOYMENT_NAME": "proj--main--etl--prod"}
			if diff := cmp.Diff(want, tg.Spec.JobVariables["env"]); diff != "" {
				t.Errorf("env (-want +got):\n%s", diff)
			}
		}},
		{key: "code_source", config: "environments: {prod: {code_source: {type: git, credentials: '{{ prefect.blocks.github-credentials.prod }}'}}}", check: func(t *testing.T, tg deploy.Target) {
			want := []map[string]any{{"prefect.deployments.steps.git_clone": map[string]any{"repository": "https://example.com/r.git", "commit_sha": testCommit, "credentials": "{{ prefect.blocks.github-credentials.prod }}"}}}
			if diff := cmp.Diff(want, tg.Spec.PullSteps); diff != "" {
				t.Errorf("pull steps (-want +got):\n%s", diff)
			}
		}},
		{key: "parameters", config: "environments: {prod: {parameters: {dry_run: false}}}", check: func(t *testing.T, tg deploy.Target) {
			if diff := cmp.Diff(map[string]any{"dry_run": false, "rows": 5.0}, tg.Spec.Parameters); diff != "" {
				t.Errorf("parameters (-want +got):\n%s", diff)
			}
		}},
		{key: "schedules", config: "flows: {etl: {environments: {prod: {schedules: [{cron: '0 6 * * *', timezone: UTC}]}}}}", check: func(t *testing.T, tg deploy.Target) {
			if len(tg.Spec.Schedules) != 1 || tg.Spec.Schedules[0].Schedule.Cron != "0 6 * * *" || !tg.Spec.Schedules[0].Active {
				t.Errorf("schedules %+v; want prod's one active cron", tg.Spec.Schedules)
			}
		}},
		{key: "cron", config: "environments: {prod: {cron: '0 7 * * *'}}", check: func(t *testing.T, tg deploy.Target) {
			if len(tg.Spec.Schedules) != 1 || tg.Spec.Schedules[0].Schedule.Cron != "0 7 * * *" {
				t.Errorf("schedules %+v; want prod's cron", tg.Spec.Schedules)
			}
		}},
		{key: "schedules_active", config: "environments: {prod: {schedules_active: false}}", check: func(t *testing.T, tg deploy.Target) {
			if len(tg.Spec.Schedules) != 1 || tg.Spec.Schedules[0].Active || !slices.Equal(tg.ScheduleActiveSet, []bool{true}) {
				t.Errorf("schedules %+v set %v; want the source's schedule, switched off by the config", tg.Spec.Schedules, tg.ScheduleActiveSet)
			}
		}},
		{key: "paused", config: "environments: {prod: {paused: true}}", check: func(t *testing.T, tg deploy.Target) {
			if !tg.Spec.Paused || !tg.PausedSet || origin(tg, "paused") != report.FromTargetConfig {
				t.Errorf("paused %v set %v; want paused by the config", tg.Spec.Paused, tg.PausedSet)
			}
		}},
		{key: "concurrency_limit", config: "environments: {prod: {concurrency_limit: {limit: 3, collision_strategy: CANCEL_NEW}}}", check: func(t *testing.T, tg deploy.Target) {
			if tg.Spec.ConcurrencyLimit == nil || *tg.Spec.ConcurrencyLimit != 3 || tg.Spec.ConcurrencyOptions == nil || tg.Spec.ConcurrencyOptions.CollisionStrategy != "CANCEL_NEW" {
				t.Errorf("concurrency %v %+v; want 3 CANCEL_NEW", tg.Spec.ConcurrencyLimit, tg.Spec.ConcurrencyOptions)
			}
		}},
		{key: "description", config: "environments: {prod: {description: prod copy}}", check: func(t *testing.T, tg deploy.Target) {
			if deref(tg.Spec.Description) != "prod copy" {
				t.Errorf("description %q", deref(tg.Spec.Description))
			}
		}},
		{key: "tags", config: "environments: {prod: {tags: [critical]}}", check: func(t *testing.T, tg deploy.Target) {
			want := []string{"PROJECT_NAME=proj", "BRANCH_NAME=main", "COMMIT_HASH=" + testCommit, "PACKAGE_VERSION=1.0.0", "dev-only", "team", "critical", "ENV=prod"}
			if diff := cmp.Diff(want, tg.Spec.Tags); diff != "" {
				t.Errorf("tags (-want +got):\n%s", diff)
			}
		}},
		{key: "triggers", config: "environments: {prod: {triggers: [{expect: [table.loaded]}]}}", check: func(t *testing.T, tg deploy.Target) {
			if !tg.TriggersSet || len(tg.Triggers) != 1 || tg.Triggers[0]["name"] != "proj--main--etl--prod__automation_1" {
				t.Errorf("triggers %v set %v; want prod's one trigger", tg.Triggers, tg.TriggersSet)
			}
		}},
		{key: "enforce_parameter_schema", config: "environments: {prod: {enforce_parameter_schema: false}}", check: func(t *testing.T, tg deploy.Target) {
			if tg.Spec.EnforceParameterSchema {
				t.Error("enforce_parameter_schema stayed true")
			}
		}},
	} {
		t.Run(tc.key, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(tc.config, tc.key+":") {
				t.Fatalf("case %s does not set its key", tc.key)
			}
			tg, copyTriggers, err := configTarget(devSource(), Options{SourceEnv: "dev", Env: "prod", Config: parseConfig(t, tc.config)})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error = %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if copyTriggers == (tc.key == "triggers") {
				t.Errorf("copy the source's triggers = %v", copyTriggers)
			}
			tc.check(t, tg)
		})
	}
	// Every settings key has a case above (aliases included).
	t.Run("covered", func(t *testing.T) {
		covered := []string{"work_pool", "work_pool_name", "work_queue", "work_queue_name", "job_variables", "image", "env", "code_source", "parameters", "schedules", "cron", "schedules_active", "paused", "concurrency_limit", "description", "tags", "triggers", "enforce_parameter_schema"}
		for _, k := range config.SettingKeys() {
			if !slices.Contains(covered, k) {
				t.Errorf("config key %q has no promotion test", k)
			}
		}
	})
}

// TestConfigTargetInherits promotes with no config: the source's configuration as tested, its
// code version, and none of its operational state.
func TestConfigTargetInherits(t *testing.T) {
	t.Parallel()
	src := devSource()
	tg, copyTriggers, err := configTarget(src, Options{SourceEnv: "dev", Env: "prod", EnvVars: map[string]string{"K": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	d := src.dep
	if !copyTriggers {
		t.Error("the source's triggers are not copied")
	}
	if tg.Spec.Name != "proj--main--etl--prod" || tg.Spec.Entrypoint != *d.Entrypoint || tg.Spec.Version != *d.Version ||
		tg.Spec.WorkPoolName != "dev-pool" || tg.Spec.WorkQueueName != "dev-queue" || *tg.Spec.ConcurrencyLimit != 1 {
		t.Errorf("target %+v is not the source's copy", tg.Spec)
	}
	if diff := cmp.Diff(d.Parameters, tg.Spec.Parameters); diff != "" {
		t.Errorf("parameters (-source +target):\n%s", diff)
	}
	if diff := cmp.Diff(d.PullSteps, tg.Spec.PullSteps); diff != "" {
		t.Errorf("pull steps (-source +target):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"K": "v", "DEPLOYMENT_NAME": "proj--main--etl--prod"}, tg.Spec.JobVariables["env"]); diff != "" {
		t.Errorf("env: the source's env vars must not travel (-want +got):\n%s", diff)
	}
	// The dev UI pause and switched-off schedule do not travel.
	if tg.Spec.Paused || tg.PausedSet || origin(tg, "paused") != report.FromTargetState {
		t.Errorf("paused %v set %v origin %q: a new target starts unpaused, an existing one keeps its own state", tg.Spec.Paused, tg.PausedSet, origin(tg, "paused"))
	}
	if !tg.Spec.Schedules[0].Active || tg.ScheduleActiveSet[0] {
		t.Errorf("schedule active %v set %v: the dev switch must not travel", tg.Spec.Schedules[0].Active, tg.ScheduleActiveSet[0])
	}
	for _, f := range []string{"entrypoint", "parameter_openapi_schema", "version", "image", "work_pool_name", "parameters", "schedules"} {
		if origin(tg, f) != report.FromSource {
			t.Errorf("origin of %s = %q, want source", f, origin(tg, f))
		}
	}
	if !slices.Contains(tg.Spec.Tags, "ENV=prod") || slices.Contains(tg.Spec.Tags, "ENV=dev") {
		t.Errorf("tags %v", tg.Spec.Tags)
	}
	if tg.Spec.Labels["ENV"] != "prod" || tg.Spec.Labels["prefect.flow.id"] != nil {
		t.Errorf("labels %v", tg.Spec.Labels)
	}
}

// TestConfigTargetSourceOwnSections: what the dev sections declare for dev does not travel; the
// general level's value applies, as in a deploy to prod.
func TestConfigTargetSourceOwnSections(t *testing.T) {
	t.Parallel()
	cfg := parseConfig(t, `
defaults:
  job_variables: {secretName: shared-secrets}
  paused: false
environments:
  dev:
    job_variables: {secretName: dev-secrets}
    parameters: {dry_run: true}
    tags: [dev-only]
    work_queue: dev-queue
`)
	tg, _, err := configTarget(devSource(), Options{SourceEnv: "dev", Env: "prod", Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if tg.Spec.JobVariables["secretName"] != "shared-secrets" {
		t.Errorf("secretName = %v, want the general level's shared-secrets", tg.Spec.JobVariables["secretName"])
	}
	if diff := cmp.Diff(map[string]any{"rows": 5.0}, tg.Spec.Parameters); diff != "" {
		t.Errorf("parameters: dev's dry_run must not travel (-want +got):\n%s", diff)
	}
	if slices.Contains(tg.Spec.Tags, "dev-only") || !slices.Contains(tg.Spec.Tags, "team") {
		t.Errorf("tags %v: want dev-only dropped, team kept", tg.Spec.Tags)
	}
	if tg.Spec.WorkQueueName != "" {
		t.Errorf("work queue %q: want the pool's default (dev's own queue does not travel)", tg.Spec.WorkQueueName)
	}
	if tg.Spec.Paused || !tg.PausedSet {
		t.Errorf("paused %v set %v: defaults.paused decides", tg.Spec.Paused, tg.PausedSet)
	}
}
