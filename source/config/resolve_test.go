package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func ptr[T any](v T) *T { return &v }

// sixLevels sets work_pool and a tag at every level Resolve applies.
const sixLevels = `
defaults:             {work_pool: defaults, tags: [d]}
environments:
  prod:               {work_pool: env, tags: [e]}
flows:
  etl:
    work_pool: flow
    tags: [f]
    environments:
      prod:           {work_pool: flow-env, tags: [fe]}
    deployments:
      - variant: hourly
        work_pool: variant
        tags: [v]
        environments:
          prod:       {work_pool: variant-env, tags: [ve]}
      - variant: daily_summary
`

func TestResolveMergeRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		src     string
		flow    string
		variant string
		env     string
		want    Settings
	}{
		{
			name: "variant environment wins over every other level",
			src:  sixLevels, flow: "etl", variant: "hourly", env: "prod",
			want: Settings{WorkPool: ptr("variant-env"), Tags: []string{"d", "e", "f", "fe", "v", "ve"}},
		},
		{
			name: "variant wins when it has no settings for the environment",
			src:  sixLevels, flow: "etl", variant: "hourly", env: "dev",
			want: Settings{WorkPool: ptr("variant"), Tags: []string{"d", "f", "v"}},
		},
		{
			name: "flow environment wins over flow",
			src:  sixLevels, flow: "etl", variant: "", env: "prod",
			want: Settings{WorkPool: ptr("flow-env"), Tags: []string{"d", "e", "f", "fe"}},
		},
		{
			name: "flow wins over top-level environment",
			src:  sixLevels, flow: "etl", variant: "daily_summary", env: "prod",
			want: Settings{WorkPool: ptr("flow-env"), Tags: []string{"d", "e", "f", "fe"}},
		},
		{
			name: "top-level environment wins over defaults for a flow not in the file",
			src:  sixLevels, flow: "other", env: "prod",
			want: Settings{WorkPool: ptr("env"), Tags: []string{"d", "e"}},
		},
		{
			name: "no environment skips every environment level",
			src:  sixLevels, flow: "etl", variant: "hourly", env: "",
			want: Settings{WorkPool: ptr("variant"), Tags: []string{"d", "f", "v"}},
		},
		{
			name: "flow and variant match in either spelling",
			src:  sixLevels, flow: "ETL", variant: "daily-summary", env: "",
			want: Settings{WorkPool: ptr("defaults"), Tags: []string{"d"}},
		},
		{
			name: "unknown variant adds nothing",
			src:  sixLevels, flow: "etl", variant: "weekly", env: "",
			want: Settings{WorkPool: ptr("flow"), Tags: []string{"d", "f"}},
		},
		{
			name: "tags keep first occurrence order without duplicates",
			src: `
defaults: {tags: [b, a]}
flows: {x: {tags: [a, c, b, c]}}`,
			flow: "x",
			want: Settings{Tags: []string{"b", "a", "c"}},
		},
		{
			name: "job_variables merge recursively and non-maps replace",
			src: `
defaults:
  job_variables:
    cpu: 256
    resources: {limits: {memory: 1Gi, cpu: "1"}}
    network: {mode: bridge}
    labels: [a]
flows:
  x:
    job_variables:
      resources: {limits: {memory: 4Gi}}
      network: host
      labels: [b]
      extra: {k: v}`,
			flow: "x",
			want: Settings{JobVariables: map[string]any{
				"cpu":       256,
				"resources": map[string]any{"limits": map[string]any{"memory": "4Gi", "cpu": "1"}},
				"network":   "host",
				"labels":    []any{"b"},
				"extra":     map[string]any{"k": "v"},
			}},
		},
		{
			name: "parameters merge by top-level key only",
			src: `
defaults: {parameters: {a: 1, opts: {x: 1, y: 2}}}
flows: {x: {parameters: {opts: {x: 9}, b: true}}}`,
			flow: "x",
			want: Settings{Parameters: map[string]any{"a": 1, "b": true, "opts": map[string]any{"x": 9}}},
		},
		{
			name: "env merges key by key",
			src: `
defaults: {env: {A: "1", B: "2"}}
environments: {prod: {env: {B: "3", C: 4}}}`,
			flow: "x", env: "prod",
			want: Settings{Env: map[string]string{"A": "1", "B": "3", "C": "4"}},
		},
		{
			name: "empty schedules list clears inherited schedules",
			src: `
defaults: {schedules: [{cron: "0 1 * * *"}]}
environments: {dev: {schedules: []}}`,
			flow: "x", env: "dev",
			want: Settings{Schedules: []Schedule{}, SchedulesSet: true},
		},
		{
			name: "unset schedules keep the inherited ones",
			src: `
defaults: {schedules: [{cron: "0 1 * * *"}, {interval: 60}]}
flows: {x: {paused: true}}`,
			flow: "x",
			want: Settings{Schedules: []Schedule{{Cron: "0 1 * * *", Line: 2}, {Interval: 60, Line: 2}}, SchedulesSet: true, Paused: ptr(true)},
		},
		{
			name: "cron shorthand replaces the whole inherited list",
			src: `
defaults: {schedules: [{cron: "0 1 * * *"}, {interval: 60}]}
flows: {x: {cron: "0 2 * * *"}}`,
			flow: "x",
			want: Settings{Schedules: []Schedule{{Cron: "0 2 * * *", Line: 3}}, SchedulesSet: true},
		},
		{
			name: "triggers come whole from the last level that sets them",
			src: `
defaults: {triggers: [{type: event, expect: [a]}, {type: event, expect: [b]}]}
flows:
  x:
    environments: {prod: {triggers: []}}
    deployments: [{variant: v, triggers: [{type: metric}]}]`,
			flow: "x", variant: "v", env: "prod",
			want: Settings{Triggers: []map[string]any{{"type": "metric"}}, TriggersSet: true},
		},
		{
			name: "single values take the last non-nil level as a whole",
			src: `
defaults:
  concurrency_limit: {limit: 2, collision_strategy: ENQUEUE, grace_period_seconds: 300}
  code_source: {type: git, repository: "https://github.com/a/b.git", access_token_env: TOKEN}
  schedules_active: true
  enforce_parameter_schema: true
  description: base
environments:
  dev:
    concurrency_limit: 5
    code_source: {type: image}
    schedules_active: false
    description: ""`,
			flow: "x", env: "dev",
			want: Settings{
				ConcurrencyLimit:       &ConcurrencyLimit{Limit: 5},
				CodeSource:             &CodeSource{Type: "image", Directory: DefaultImageDirectory},
				SchedulesActive:        ptr(false),
				EnforceParameterSchema: ptr(true),
				Description:            ptr(""),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := mustParse(t, tt.src)
			got := f.Resolve(tt.flow, tt.variant, tt.env)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Resolve(%q, %q, %q) mismatch (-want +got):\n%s", tt.flow, tt.variant, tt.env, diff)
			}
		})
	}
}

func TestResolveReturnsIndependentCopies(t *testing.T) {
	t.Parallel()
	f := mustParse(t, `
defaults:
  job_variables: {resources: {limits: {memory: 1Gi}}}
  parameters: {opts: {x: 1}}
  env: {A: "1"}
  tags: [a]
  schedules: [{cron: "0 1 * * *", parameters: {p: 1}}]
  triggers: [{type: event, match: {k: v}}]
  concurrency_limit: {limit: 1, collision_strategy: ENQUEUE, grace_period_seconds: 60}
  work_pool: pool
`)
	want := f.Resolve("x", "", "")

	got := f.Resolve("x", "", "")
	got.JobVariables["resources"].(map[string]any)["limits"].(map[string]any)["memory"] = "9Gi"
	got.Parameters["opts"].(map[string]any)["x"] = 2
	got.Env["A"] = "2"
	got.Tags[0] = "changed"
	got.Schedules[0].Parameters["p"] = 2
	got.Triggers[0]["match"].(map[string]any)["k"] = "changed"
	*got.ConcurrencyLimit.GracePeriodSeconds = 999
	*got.WorkPool = "changed"

	if diff := cmp.Diff(want, f.Resolve("x", "", "")); diff != "" {
		t.Errorf("changing one Resolve result changed the next (-want +got):\n%s", diff)
	}
}
