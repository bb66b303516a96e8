package vocab_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/deploy"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/config"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/prefectyaml"
)

// TestFormatsSendTheSameSchedulesAndLimits writes the same schedules and concurrency limit in
// prefect-deploy.yaml and in prefect.yaml and checks that both formats send Prefect the same
// thing: the concepts are the vocabulary's, each format only maps its keys onto them.
func TestFormatsSendTheSameSchedulesAndLimits(t *testing.T) {
	t.Parallel()
	const schedules = `
    - {cron: "0 9 * * 1-5", timezone: Europe/Berlin, day_or: false, slug: weekdays}
    - {interval: PT1H30M, anchor_date: "2026-01-01T09:00:00+02:00", timezone: UTC, active: false}
    - {interval: 600, timezone: UTC, parameters: {region: de}}
    - {rrule: "FREQ=WEEKLY;BYDAY=MO", timezone: UTC}
`
	cfg, err := config.Parse("prefect-deploy.yaml", []byte(`
defaults:
  concurrency_limit: {limit: 2, collision_strategy: CANCEL_NEW, grace_period_seconds: 120}
  schedules:`+schedules))
	if err != nil {
		t.Fatal(err)
	}
	settings := cfg.Resolve("etl", "", "dev")
	fromConfig := deploy.Schedules(settings)
	limit, opts := deploy.Concurrency(settings.ConcurrencyLimit)

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "etl.py"), []byte("from prefect import flow\n\n@flow\ndef etl():\n    pass\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	yaml := `
deployments:
  - name: etl--dev
    entrypoint: etl.py:etl
    work_pool: {name: pool}
    pull: []
    concurrency_limit: {limit: 2, collision_strategy: CANCEL_NEW, grace_period_seconds: 120}
    schedules:` + schedules
	if err := os.WriteFile(filepath.Join(dir, "prefect.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	deps, err := prefectyaml.Load([]string{"prefect.yaml"}, prefectyaml.Options{Dir: dir, Env: "dev", Getenv: func(string) string { return "" }})
	if err != nil || len(deps) != 1 {
		t.Fatalf("Load = %d deployments, %v", len(deps), err)
	}
	spec := deps[0].Spec
	if diff := cmp.Diff(fromConfig, spec.Schedules); diff != "" {
		t.Errorf("schedules: prefect-deploy.yaml (-) and prefect.yaml (+) differ:\n%s", diff)
	}
	if diff := cmp.Diff(limit, spec.ConcurrencyLimit); diff != "" {
		t.Errorf("concurrency_limit (-config +prefect.yaml):\n%s", diff)
	}
	if diff := cmp.Diff(opts, spec.ConcurrencyOptions); diff != "" {
		t.Errorf("concurrency_options (-config +prefect.yaml):\n%s", diff)
	}
}
