package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
)

// TestDeployExamplesAndRun deploys examples/ to dev with the git code source, runs a flow through
// a real worker, and checks it ran the deployed commit and saw its own DEPLOYMENT_NAME.
func TestDeployExamplesAndRun(t *testing.T) {
	live := prefecttest.URL(t)
	pool := uniqueName("e2e-deploy")
	w := prefecttest.StartWorker(t, live, pool)
	r := newRepo(t, pool)
	shaA := r.HEAD()
	project := uniqueName("ex")
	args := []string{"deploy", "--env", "dev", "--project", project, "--branch", "main", "--commit", shaA, "--package-version", "1.0.0", "--output", "json"}

	// A dry run first: the plan lists four new deployments and writes nothing.
	cnt := newCounter(t, live)
	dry := cliRun(t, r.Dir, cnt.URL, append(args, "--dry-run")...)
	if dry.Code != 0 {
		t.Fatalf("dry run exit %d\n%s%s", dry.Code, dry.Stdout, dry.Stderr)
	}
	if got := dry.Report.Counts[report.WouldCreate]; got != 4 {
		t.Errorf("dry run: %d would-create, want 4: %+v", got, dry.Report.Counts)
	}
	if n := cnt.Writes.Load(); n != 0 {
		t.Fatalf("--dry-run sent %d write requests, want 0", n)
	}

	first := cliRun(t, r.Dir, cnt.URL, args...)
	if first.Code != 0 {
		t.Fatalf("deploy exit %d\n%s%s", first.Code, first.Stdout, first.Stderr)
	}
	if got := first.Report.Counts[report.Created]; got != 4 {
		t.Fatalf("deploy: %d created, want 4: %+v", got, first.Report.Deployments)
	}
	hourly := item(t, first.Report, "--write-report.hourly--dev")
	wantName := project + "--main--write-report.hourly--dev"
	if hourly.Name != wantName || hourly.ID == "" || !strings.Contains(hourly.URL, "/deployments/deployment/"+hourly.ID) {
		t.Errorf("report item = %+v; want name %q with an id and a UI link", hourly, wantName)
	}

	// What the server holds: name, tags, version, env vars, pull step at the commit.
	c := client(t, live)
	d, err := c.ReadDeployment(t.Context(), hourly.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range []string{"PROJECT_NAME=" + project, "BRANCH_NAME=main", "ENV=dev", "COMMIT_HASH=" + shaA, "PACKAGE_VERSION=1.0.0", "examples"} {
		if !contains(d.Tags, tag) {
			t.Errorf("deployment tags %v lack %q", d.Tags, tag)
		}
	}
	if v, _ := naming.TagValue(d.Tags, naming.TagCommit); v != shaA {
		t.Errorf("COMMIT_HASH tag = %q, want %q", v, shaA)
	}
	if got, want := deref(d.Version), "main-"+shaA[:7]; got != want {
		t.Errorf("version = %q, want %q", got, want)
	}
	env, _ := d.JobVariables["env"].(map[string]any)
	if env["DEPLOYMENT_NAME"] != wantName || env["APP_ENV"] != "dev" {
		t.Errorf("job_variables.env = %v; want DEPLOYMENT_NAME=%s and APP_ENV=dev", env, wantName)
	}
	if len(d.Schedules) != 1 || d.Schedules[0].Active {
		t.Errorf("dev schedules = %+v; want one inactive schedule (schedules_active: false)", d.Schedules)
	}

	// Commit B lands on the remote after the deploy: the run must still use commit A.
	r.commitMark("second")
	_, logs := runFlow(t, c, hourly.ID, w)
	for _, want := range []string{"DEPLOYMENT_NAME=" + wantName, "CODE_MARK=initial", "APP_ENV=dev"} {
		if !strings.Contains(logs, want) {
			t.Errorf("flow run logs lack %q:\n%s", want, logs)
		}
	}

	// Redeploying the same commit changes nothing and writes nothing.
	before := cnt.Writes.Load()
	again := cliRun(t, r.Dir, cnt.URL, args...)
	if again.Code != 0 || again.Report.Counts[report.Unchanged] != 4 {
		t.Fatalf("redeploy: exit %d counts %+v\n%s", again.Code, again.Report.Counts, again.Stderr)
	}
	if n := cnt.Writes.Load() - before; n != 0 {
		t.Errorf("unchanged redeploy sent %d writes, want 0", n)
	}

	// A pause made in the UI survives a redeploy of a new commit.
	if err := c.UpdateDeployment(t.Context(), hourly.ID, map[string]any{"paused": true}); err != nil {
		t.Fatal(err)
	}
	shaB := r.HEAD()
	argsB := []string{"deploy", "--env", "dev", "--project", project, "--branch", "main", "--commit", shaB, "--package-version", "1.0.1", "--output", "json"}
	third := cliRun(t, r.Dir, cnt.URL, argsB...)
	if third.Code != 0 || third.Report.Counts[report.Updated] != 4 {
		t.Fatalf("deploy of commit B: exit %d counts %+v\n%s", third.Code, third.Report.Counts, third.Stderr)
	}
	var fields []string
	for _, ch := range item(t, third.Report, "--write-report.hourly--dev").Changes {
		fields = append(fields, ch.Field)
	}
	if strings.Join(fields, ",") != "version,tags,labels,pull_steps" {
		t.Errorf("changed fields = %v; want version,tags,labels,pull_steps", fields)
	}
	d, _ = c.ReadDeployment(t.Context(), hourly.ID)
	if !d.Paused {
		t.Errorf("redeploy un-paused a deployment paused on the server")
	}
	if err := c.UpdateDeployment(t.Context(), hourly.ID, map[string]any{"paused": false}); err != nil {
		t.Fatal(err)
	}
	_, logs = runFlow(t, c, hourly.ID, w)
	if !strings.Contains(logs, "CODE_MARK=second") {
		t.Errorf("after deploying commit B the run did not run B:\n%s", logs)
	}
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// TestPartialFailureReportsEveryDeployment makes the server refuse one deployment (a job
// variable the work pool's template rejects) and checks the others still land, the failure is
// reported with the server's reason, and the exit code is 1.
func TestPartialFailureReportsEveryDeployment(t *testing.T) {
	live := prefecttest.URL(t)
	pool := uniqueName("e2e-partial")
	createProcessPool(t, live, pool)
	dir := t.TempDir()
	writeFile(t, dir, "flows.py", "from prefect import flow\n\n@flow\ndef good():\n    pass\n\n@flow\ndef bad():\n    pass\n")
	writeFile(t, dir, "prefect-deploy.yaml", "defaults:\n  work_pool: "+pool+"\n  image: img:1\nflows:\n  bad:\n    job_variables:\n      stream_output: not-a-boolean\n")
	res := cliRun(t, dir, live, "deploy", "--env", "dev", "--project", uniqueName("pf"), "--branch", "main",
		"--commit", "0123456789abcdef0123456789abcdef01234567", "--package-version", "1.0.0")
	if res.Code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	for _, want := range []string{"--good--dev", "created", "--bad--dev", "failed", "HTTP 422", "stream_output", "1 created, 1 failed"} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("output does not show %q:\n%s", want, res.Stdout)
		}
	}
	if !strings.Contains(res.Stderr, "some deployments failed") {
		t.Errorf("stderr = %q; want it to say some deployments failed", res.Stderr)
	}
}

// TestScheduleChanges follows one deployment's schedules through config edits and a UI switch,
// as a team lives them: a schedule in the config produces runs with its own parameters; one
// switched off in the UI stays off through a redeploy that changes something else (Prefect's
// CLI switches it back on, PrefectHQ/prefect#14973); `schedules: []` removes the schedules and
// their runs (Prefect's CLI ignores an empty list, #23097).
func TestScheduleChanges(t *testing.T) {
	live := prefecttest.URL(t)
	pool := uniqueName("e2e-sched")
	createProcessPool(t, live, pool)
	dir := t.TempDir()
	writeFile(t, dir, "flows.py", "from prefect import flow\n\n@flow\ndef nightly(rows: int = 1):\n    pass\n")
	config := func(flowSettings string) {
		writeFile(t, dir, "prefect-deploy.yaml", "defaults:\n  work_pool: "+pool+"\n  image: img:1\nflows:\n  nightly:\n"+flowSettings)
	}
	project := uniqueName("sc")
	c := client(t, live)
	deploy := func(what string, want report.Action) *prefect.Deployment {
		t.Helper()
		res := cliRun(t, dir, live, "deploy", "--env", "dev", "--project", project, "--branch", "main",
			"--commit", "0123456789abcdef0123456789abcdef01234567", "--package-version", "1.0.0", "--output", "json")
		if res.Code != 0 || len(res.Report.Deployments) != 1 || res.Report.Deployments[0].Action != want {
			t.Fatalf("%s: exit %d, want one deployment %s\n%s%s", what, res.Code, want, res.Stdout, res.Stderr)
		}
		d, err := c.ReadDeployment(t.Context(), res.Report.Deployments[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	const schedule = "    schedules:\n      - cron: \"0 2 * * *\"\n        timezone: Europe/Berlin\n        parameters: {rows: 7}\n"

	config(schedule)
	d := deploy("with a schedule", report.Created)
	if len(d.Schedules) != 1 || !d.Schedules[0].Active {
		t.Fatalf("schedules = %+v; want one active schedule", d.Schedules)
	}
	if runs := waitScheduledRuns(t, c, d.ID); runs[0].Parameters["rows"] != float64(7) {
		t.Errorf("scheduled run parameters = %v; want the schedule's rows=7", runs[0].Parameters)
	}

	// Someone switches the schedule off in the UI; the next deploy changes the description only.
	switchSchedule(t, live, d.ID, d.Schedules[0].ID, false)
	config(schedule + "    description: nightly load\n")
	d = deploy("description changed", report.Updated)
	// (Prefect resets a schedule's parameters when a PATCH sends only "active"; the deploy puts
	// the config's back.)
	if len(d.Schedules) != 1 || d.Schedules[0].Active || d.Schedules[0].Parameters["rows"] != float64(7) {
		t.Errorf("after a redeploy the schedule switched off in the UI is %+v; want it still off, with rows=7", d.Schedules)
	}

	config("    schedules: []\n")
	d = deploy("schedules: []", report.Updated)
	if len(d.Schedules) != 0 {
		t.Errorf("after schedules: [] the deployment still has %d schedules", len(d.Schedules))
	}
	if runs, err := c.DeploymentFlowRuns(t.Context(), d.ID, []string{"SCHEDULED"}, 10); err != nil || len(runs) != 0 {
		t.Errorf("after schedules: [] the deployment has %d scheduled runs (err %v), want none", len(runs), err)
	}
}

// switchSchedule turns one schedule of a deployment on or off through the API, as the UI does.
// Like Prefect's own client, it tries again when the server is busy (a SQLite-backed server
// answers 503 "database is locked" while its scheduler writes runs), up to 10 times.
func switchSchedule(t *testing.T, apiURL, deploymentID, scheduleID string, active bool) {
	t.Helper()
	status := 0
	for try := range 10 {
		if try > 0 {
			time.Sleep(300 * time.Millisecond)
		}
		body := strings.NewReader(fmt.Sprintf(`{"active": %t}`, active))
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPatch, apiURL+"/deployments/"+deploymentID+"/schedules/"+scheduleID, body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if status = resp.StatusCode; status/100 == 2 {
			return
		}
		if status != http.StatusServiceUnavailable && status != http.StatusTooManyRequests {
			break
		}
	}
	t.Fatalf("PATCH schedule: HTTP %d", status)
}
