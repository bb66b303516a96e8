package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestResolveEnvironmentTakesOnlyEnvironmentLevels(t *testing.T) {
	t.Parallel()
	f, err := Parse("p.yaml", []byte(`
defaults:
  work_pool: base
  env: {A: default}
environments:
  prod:
    work_pool: prod-pool
    env: {A: prod, B: prod}
flows:
  etl:
    paused: true
    env: {C: flow}
    environments:
      prod: {env: {B: etl-prod}}
    deployments:
      - variant: hourly
        environments:
          prod: {schedules_active: false}
`))
	if err != nil {
		t.Fatal(err)
	}
	got := f.ResolveEnvironment("etl", "hourly", "prod")
	pool, inactive := "prod-pool", false
	want := Settings{WorkPool: &pool, Env: map[string]string{"A": "prod", "B": "etl-prod"}, SchedulesActive: &inactive}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ResolveEnvironment mismatch (-want +got):\n%s", diff)
	}
	if got := f.ResolveEnvironment("etl", "", "dev"); !cmp.Equal(got, Settings{}) {
		t.Errorf("an environment the file does not name resolved to %+v, want nothing", got)
	}
}
