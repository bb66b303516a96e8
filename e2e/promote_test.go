package e2e

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
)

// TestPromoteLifecycle walks the release story of issue 4: dev at A/1.0.0 → prod; dev moves to
// B/1.1.0 without touching prod; a wrong release version is refused; 1.1.0 is promoted; a
// rollback needs --allow-downgrade.
func TestPromoteLifecycle(t *testing.T) {
	live := prefecttest.URL(t)
	pool := uniqueName("e2e-promote")
	w := prefecttest.StartWorker(t, live, pool)
	r := newRepo(t, pool)
	c := client(t, live)
	cnt := newCounter(t, live)
	project := uniqueName("rel")
	shaA := r.HEAD()

	deployDev := func(sha, version string) {
		t.Helper()
		res := cliRun(t, r.Dir, cnt.URL, "deploy", "--env", "dev", "--project", project, "--branch", "main", "--commit", sha, "--package-version", version, "--output", "json")
		if res.Code != 0 {
			t.Fatalf("deploy %s: exit %d\n%s%s", version, res.Code, res.Stdout, res.Stderr)
		}
	}
	promoteArgs := func(extra ...string) []string {
		return append([]string{"promote", "--source-env", "dev", "--env", "prod", "--project", project, "--branch", "main", "--output", "json"}, extra...)
	}
	refused := func(name string, wantMsg string, extra ...string) {
		t.Helper()
		before := cnt.Writes.Load()
		res := cliRun(t, r.Dir, cnt.URL, promoteArgs(extra...)...)
		if res.Code != 1 {
			t.Fatalf("%s: exit %d, want 1\n%s%s", name, res.Code, res.Stdout, res.Stderr)
		}
		if !strings.Contains(res.Stderr, wantMsg) {
			t.Errorf("%s: stderr does not say %q:\n%s", name, wantMsg, res.Stderr)
		}
		if n := cnt.Writes.Load() - before; n != 0 {
			t.Errorf("%s: %d write requests, want 0", name, n)
		}
	}

	deployDev(shaA, "1.0.0")

	// A dry run plans four creations and writes nothing.
	before := cnt.Writes.Load()
	dry := cliRun(t, r.Dir, cnt.URL, promoteArgs("--dry-run")...)
	if dry.Code != 0 || dry.Report.Counts[report.WouldCreate] != 4 {
		t.Fatalf("dry-run promote: exit %d counts %+v\n%s", dry.Code, dry.Report.Counts, dry.Stderr)
	}
	if n := cnt.Writes.Load() - before; n != 0 {
		t.Errorf("dry-run promote wrote %d times", n)
	}

	first := cliRun(t, r.Dir, cnt.URL, promoteArgs("--release-version", "v1.0.0")...)
	if first.Code != 0 || first.Report.Counts[report.Created] != 4 {
		t.Fatalf("promote 1.0.0: exit %d counts %+v\n%s%s", first.Code, first.Report.Counts, first.Stdout, first.Stderr)
	}
	prodItem := item(t, first.Report, "--write-report.hourly--prod")
	if want := project + "--main--write-report.hourly--dev"; prodItem.Source != want {
		t.Errorf("report source = %q, want %q", prodItem.Source, want)
	}

	// The copy is faithful: field by field, only environment values differ.
	src, err := c.ReadDeploymentByName(t.Context(), "write_report", project+"--main--write-report.hourly--dev")
	if err != nil {
		t.Fatal(err)
	}
	dst, err := c.ReadDeployment(t.Context(), prodItem.ID)
	if err != nil {
		t.Fatal(err)
	}
	compareFaithful(t, src, dst)

	// Prod's schedules fire: the server's scheduler creates runs from the promoted schedule, with
	// the schedule's own parameters; dev's copy of the same schedule is inactive and creates none.
	scheduled := waitScheduledRuns(t, c, dst.ID)
	if got := scheduled[0].Parameters["rows"]; got != float64(5) {
		t.Errorf("a scheduled prod run has parameters %v; want the hourly schedule's rows=5", scheduled[0].Parameters)
	}
	if runs, err := c.DeploymentFlowRuns(t.Context(), src.ID, []string{"SCHEDULED"}, 10); err != nil || len(runs) != 0 {
		t.Errorf("dev (schedules_active: false) has %d scheduled runs (err %v), want none", len(runs), err)
	}

	// Triggers are copied: the prod fetch-pages deployment owns its own automation.
	fetchProd := item(t, first.Report, "--fetch-pages--prod")
	autos, err := c.DeploymentAutomations(t.Context(), fetchProd.ID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range autos {
		names = append(names, a.Name)
		if a.Name == fetchProd.Name+"__automation_1" && (len(a.Actions) != 1 || a.Actions[0]["deployment_id"] != fetchProd.ID) {
			t.Errorf("prod automation runs %v, want deployment %s", a.Actions, fetchProd.ID)
		}
	}
	if !contains(names, fetchProd.Name+"__automation_1") {
		t.Errorf("prod fetch-pages automations = %v; want %s__automation_1", names, fetchProd.Name)
	}

	// Re-running converges: nothing to write.
	before = cnt.Writes.Load()
	again := cliRun(t, r.Dir, cnt.URL, promoteArgs()...)
	if again.Code != 0 || again.Report.Counts[report.Unchanged] != 4 {
		t.Fatalf("second promote: exit %d counts %+v\n%s", again.Code, again.Report.Counts, again.Stderr)
	}
	if n := cnt.Writes.Load() - before; n != 0 {
		t.Errorf("converged promote wrote %d times", n)
	}

	// Commit B reaches the remote; the prod run still runs A, with prod's env and name.
	shaB := r.commitMark("second")
	_, logs := runFlow(t, c, prodItem.ID, w)
	for _, want := range []string{"DEPLOYMENT_NAME=" + prodItem.Name, "CODE_MARK=initial", "APP_ENV=prod"} {
		if !strings.Contains(logs, want) {
			t.Errorf("prod run logs lack %q:\n%s", want, logs)
		}
	}

	// Dev moves to B/1.1.0; prod is untouched.
	prodBefore, _ := c.ReadDeployment(t.Context(), prodItem.ID)
	deployDev(shaB, "1.1.0")
	prodAfter, _ := c.ReadDeployment(t.Context(), prodItem.ID)
	if !prodAfter.Updated.Equal(prodBefore.Updated) || deref(prodAfter.Version) != "main-"+shaA[:7] {
		t.Errorf("deploying dev changed prod: version %q, updated %v → %v", deref(prodAfter.Version), prodBefore.Updated, prodAfter.Updated)
	}

	refused("wrong release version", "is at version 1.1.0, not the release version 1.0.0", "--release-version", "1.0.0")
	refused("missing flow", `no deployment of flow "no_such_flow" in "dev"`, "--flows", "no-such-flow,greet-people")

	withSkip := cliRun(t, r.Dir, cnt.URL, promoteArgs("--flows", "no-such-flow", "--skip-missing", "--dry-run")...)
	if withSkip.Code != 0 || withSkip.Report.Counts[report.Skipped] != 1 {
		t.Errorf("--skip-missing: exit %d counts %+v\n%s", withSkip.Code, withSkip.Report.Counts, withSkip.Stderr)
	}

	second := cliRun(t, r.Dir, cnt.URL, promoteArgs("--release-version", "1.1.0")...)
	if second.Code != 0 || second.Report.Counts[report.Updated] != 4 {
		t.Fatalf("promote 1.1.0: exit %d counts %+v\n%s", second.Code, second.Report.Counts, second.Stderr)
	}
	_, logs = runFlow(t, c, prodItem.ID, w)
	if !strings.Contains(logs, "CODE_MARK=second") || !strings.Contains(logs, "APP_ENV=prod") {
		t.Errorf("after promoting 1.1.0 the prod run did not run B with prod's env:\n%s", logs)
	}

	// Dev goes back to A/1.0.0; promoting it over prod's 1.1.0 is a rollback.
	deployDev(shaA, "1.0.0")
	refused("downgrade", "newer than the source's 1.0.0; pass --allow-downgrade")
	rollback := cliRun(t, r.Dir, cnt.URL, promoteArgs("--allow-downgrade")...)
	if rollback.Code != 0 || rollback.Report.Counts[report.Updated] != 4 {
		t.Fatalf("rollback: exit %d counts %+v\n%s", rollback.Code, rollback.Report.Counts, rollback.Stderr)
	}
	dst, _ = c.ReadDeployment(t.Context(), prodItem.ID)
	if deref(dst.Version) != "main-"+shaA[:7] {
		t.Errorf("after rollback prod version = %q, want main-%s", deref(dst.Version), shaA[:7])
	}
}

// compareFaithful checks that dst is src with only environment values changed.
func compareFaithful(t *testing.T, src, dst *prefect.Deployment) {
	t.Helper()
	wantName := strings.TrimSuffix(src.Name, "--dev") + "--prod"
	if dst.Name != wantName {
		t.Errorf("target name = %q, want %q", dst.Name, wantName)
	}
	same := map[string][2]any{
		"flow_id":                  {src.FlowID, dst.FlowID},
		"version":                  {deref(src.Version), deref(dst.Version)},
		"description":              {deref(src.Description), deref(dst.Description)},
		"entrypoint":               {deref(src.Entrypoint), deref(dst.Entrypoint)},
		"path":                     {deref(src.Path), deref(dst.Path)},
		"paused":                   {src.Paused, dst.Paused},
		"enforce_parameter_schema": {src.EnforceParameterSchema, dst.EnforceParameterSchema},
		"work_pool_name":           {deref(src.WorkPoolName), deref(dst.WorkPoolName)},
		"work_queue_name":          {deref(src.WorkQueueName), deref(dst.WorkQueueName)},
		"parameters":               {prefect.Canonical(src.Parameters), prefect.Canonical(dst.Parameters)},
		"parameter_openapi_schema": {prefect.Canonical(src.ParameterSchema), prefect.Canonical(dst.ParameterSchema)},
		"pull_steps":               {prefect.Canonical(src.PullSteps), prefect.Canonical(dst.PullSteps)},
		"concurrency_limit":        {src.ConcurrencyLimit(), dst.ConcurrencyLimit()},
		"concurrency_options":      {prefect.Canonical(src.ConcurrencyOptions), prefect.Canonical(dst.ConcurrencyOptions)},
		"tags except ENV":          {withoutEnv(src.Tags), withoutEnv(dst.Tags)},
		"labels except ENV":        {userLabelsWithoutEnv(src.Labels), userLabelsWithoutEnv(dst.Labels)},
		"job_variables except env": {jobVarsWithoutEnv(src.JobVariables), jobVarsWithoutEnv(dst.JobVariables)},
		"schedules except active":  {schedulesWithoutActive(src.Schedules), schedulesWithoutActive(dst.Schedules)},
	}
	for field, v := range same {
		if diff := cmp.Diff(v[0], v[1]); diff != "" {
			t.Errorf("%s differs between source and target (-source +target):\n%s", field, diff)
		}
	}
	// What must differ: the environment values.
	if !contains(dst.Tags, "ENV=prod") || contains(dst.Tags, "ENV=dev") {
		t.Errorf("target tags %v: want ENV=prod and no ENV=dev", dst.Tags)
	}
	if dst.Labels["ENV"] != "prod" {
		t.Errorf("target label ENV = %v, want prod", dst.Labels["ENV"])
	}
	wantEnv := map[string]any{"APP_ENV": "prod", "LOG_LEVEL": "INFO", "DEPLOYMENT_NAME": wantName}
	if diff := cmp.Diff(wantEnv, dst.JobVariables["env"]); diff != "" {
		t.Errorf("target env vars (-want +got):\n%s", diff)
	}
	for _, s := range dst.Schedules {
		if !s.Active {
			t.Errorf("target schedule %v is inactive; prod sets schedules_active: true", deref(s.Slug))
		}
	}
}

func withoutEnv(tags []string) []string {
	var out []string
	for _, t := range tags {
		if !strings.HasPrefix(t, "ENV=") {
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return out
}

func userLabelsWithoutEnv(l map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range l {
		if k != "ENV" && !strings.HasPrefix(k, "prefect.") {
			out[k] = v
		}
	}
	return out
}

func jobVarsWithoutEnv(j map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range j {
		if k != "env" {
			out[k] = v
		}
	}
	return out
}

func schedulesWithoutActive(s []prefect.DeploymentSchedule) []any {
	var out []any
	for _, x := range s {
		out = append(out, prefect.Canonical(map[string]any{"schedule": x.Schedule, "parameters": x.Parameters, "slug": x.Slug}))
	}
	return out
}

// waitScheduledRuns waits (a bounded time) for the server's scheduler to create runs of a
// deployment from its schedules, and returns them.
func waitScheduledRuns(t *testing.T, c *prefect.Client, deploymentID string) []prefect.FlowRun {
	t.Helper()
	start := time.Now()
	for range 90 {
		runs, err := c.DeploymentFlowRuns(t.Context(), deploymentID, []string{"SCHEDULED"}, 10)
		if err != nil {
			t.Fatal(err)
		}
		var auto []prefect.FlowRun
		for _, r := range runs {
			if r.AutoScheduled {
				auto = append(auto, r)
			}
		}
		if len(auto) > 0 {
			t.Logf("the scheduler created %d runs after %s", len(auto), time.Since(start).Round(time.Second))
			return auto
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("after 90 s the server's scheduler has created no runs for deployment %s", deploymentID)
	return nil
}
