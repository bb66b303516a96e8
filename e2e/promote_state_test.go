package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
)

// TestPromoteOperationalState: pauses and schedule switches belong to each environment. A dev
// pause does not travel; a prod pause and a prod schedule switched off survive re-promotion;
// the project spelled differently (Ops_1 vs Ops-1) selects the same deployments.
func TestPromoteOperationalState(t *testing.T) {
	live := prefecttest.URL(t)
	pool := uniqueName("e2e-state")
	createProcessPool(t, live, pool)
	r := newRepo(t, pool)
	// Prod declares no schedules_active: the target's own switches are kept.
	cfg := filepath.Join(r.Dir, "prefect-deploy.yaml")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(b), "    schedules_active: true       # promote copies dev's schedules and switches them on here\n", "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, r.Dir, "git", "commit", "-q", "-am", "prod keeps its own schedule switches")
	c := client(t, live)
	raw := strings.ReplaceAll(uniqueName("Ops"), "-", "_") // deployed as Ops_N, named Ops-N
	deployDev := func(version string) {
		t.Helper()
		res := cliRun(t, r.Dir, live, "deploy", "--env", "dev", "--project", raw, "--branch", "main", "--commit", r.HEAD(), "--package-version", version, "--output", "json")
		if res.Code != 0 {
			t.Fatalf("deploy: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
		}
	}
	promote := func() *report.Report {
		t.Helper()
		// The other spelling of the project.
		res := cliRun(t, r.Dir, live, "promote", "--source-env", "dev", "--env", "prod", "--project", strings.ReplaceAll(raw, "_", "-"), "--branch", "main", "--output", "json")
		if res.Code != 0 {
			t.Fatalf("promote: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
		}
		return res.Report
	}
	seg := strings.ReplaceAll(raw, "_", "-")
	read := func(flow, name string) *prefect.Deployment {
		t.Helper()
		d, err := c.ReadDeploymentByName(t.Context(), flow, name)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}

	deployDev("1.0.0")
	devGreet := read("greet_people", seg+"--main--greet-people--dev")
	if err := c.UpdateDeployment(t.Context(), devGreet.ID, map[string]any{"paused": true}); err != nil {
		t.Fatal(err)
	}
	first := promote()
	if first.Counts[report.Created] != 4 {
		t.Fatalf("promote: counts %+v, want 4 created", first.Counts)
	}
	prodGreet := read("greet_people", seg+"--main--greet-people--prod")
	if prodGreet.Paused {
		t.Error("the dev pause travelled to prod")
	}
	for _, s := range prodGreet.Schedules {
		if !s.Active {
			t.Error("dev's inactive schedule (schedules_active: false in dev) arrived inactive in a new prod deployment")
		}
	}
	if it := item(t, first, "--greet-people--prod"); !slices.ContainsFunc(it.Origins, func(o report.Origin) bool {
		return o.Field == "paused" && o.From == report.FromTargetConfig && strings.Contains(o.Detail, "new deployment")
	}) {
		t.Errorf("the plan does not say a new target starts unpaused: %+v", it.Origins)
	}

	// An incident: prod greet is paused, prod's hourly report schedule switched off.
	if err := c.UpdateDeployment(t.Context(), prodGreet.ID, map[string]any{"paused": true}); err != nil {
		t.Fatal(err)
	}
	hourly := read("write_report", seg+"--main--write-report.hourly--prod")
	switchSchedule(t, live, hourly.ID, hourly.Schedules[0].ID, false)
	// Dev moves on and is promoted again.
	r.commitMark("second")
	deployDev("1.1.0")
	second := promote()
	if second.Counts[report.Updated] != 4 {
		t.Fatalf("second promote: counts %+v, want 4 updated", second.Counts)
	}
	if !read("greet_people", seg+"--main--greet-people--prod").Paused {
		t.Error("the prod pause did not survive re-promotion")
	}
	if read("write_report", seg+"--main--write-report.hourly--prod").Schedules[0].Active {
		t.Error("the prod schedule switched off was switched back on by re-promotion")
	}
	if it := item(t, second, "--greet-people--prod"); !slices.ContainsFunc(it.Origins, func(o report.Origin) bool { return o.Field == "paused" && o.From == report.FromTargetState }) {
		t.Errorf("the plan does not say the pause is prod's own: %+v", it.Origins)
	}
}

// TestPromoteAcmeSources: deployments made by acme-portal-sdk (its naming pattern, the tags
// PROJECT_NAME, BRANCH_NAME, COMMIT_HASH (short) and PACKAGE_VERSION, no ENV tag, the image in
// job_variables) are found by name and promoted, with a note in the plan.
func TestPromoteAcmeSources(t *testing.T) {
	live := prefecttest.URL(t)
	pool := uniqueName("e2e-acme")
	createProcessPool(t, live, pool)
	c := client(t, live)
	n := uniqueName("acme")
	project := strings.ReplaceAll(n, "-", "_") // acme_N: acme's CLI turns it into acme-N
	seg := strings.ReplaceAll(n, "_", "-")
	const short = "0a1b2c3"
	image := "ghcr.io/acme/acme-prefect:main-" + short
	// What acme's PrefectFlowDeployer stores through flow.deploy (acme-portal-sdk 1.2.0,
	// flow_deploy.py): name, tags, version, job_variables {env, image}, concurrency_limit 1.
	for _, flow := range []string{"fetch_yahoo_data", "build_report"} {
		f, err := c.EnsureFlow(t.Context(), flow)
		if err != nil {
			t.Fatal(err)
		}
		name := seg + "--main--" + strings.ReplaceAll(flow, "_", "-") + "--dev"
		one := 1
		desc := "acme flow " + flow
		_, _, err = c.UpsertDeployment(t.Context(), &prefect.DeploymentSpec{
			Name: name, FlowID: f.ID, WorkPoolName: pool, Version: "main-" + short, Description: &desc,
			Entrypoint: "acme_prefect/flows/" + flow + ".py:main", ConcurrencyLimit: &one, EnforceParameterSchema: true,
			Tags:         []string{"PROJECT_NAME=" + seg, "BRANCH_NAME=main", "COMMIT_HASH=" + short, "PACKAGE_VERSION=0.3.0"},
			Parameters:   map[string]any{"ticker": "AAPL"},
			JobVariables: map[string]any{"env": map[string]any{"ACME_ENV": "dev", "DEPLOYMENT_NAME": name}, "image": image},
			Schedules:    []prefect.DeploymentSchedule{{Schedule: prefect.Schedule{Cron: "0 12 * * 1-5"}, Active: true}},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	writeFile(t, dir, "prefect-deploy.yaml", "environments:\n  dev:\n    env: {ACME_ENV: dev}\n  prod:\n    env: {ACME_ENV: prod}\n    job_variables: {cpu: 2}\n")
	res := cliRun(t, dir, live, "promote", "--source-env", "dev", "--env", "prod", "--project", project, "--branch", "main", "--release-version", "0.3.0", "--output", "json")
	if res.Code != 0 || res.Report.Counts[report.Created] != 2 {
		t.Fatalf("promote acme sources: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	it := item(t, res.Report, "--fetch-yahoo-data--prod")
	if !slices.ContainsFunc(it.Notes, func(s string) bool { return strings.Contains(s, "legacy source") && strings.Contains(s, "ENV=prod") }) {
		t.Errorf("no legacy note in the plan: %v", it.Notes)
	}
	d, err := c.ReadDeployment(t.Context(), it.ID)
	if err != nil {
		t.Fatal(err)
	}
	name := seg + "--main--fetch-yahoo-data--prod"
	if d.Name != name || d.JobVariables["image"] != image || deref(d.Version) != "main-"+short || d.JobVariables["cpu"] != float64(2) {
		t.Errorf("prod copy %s: image %v version %s job variables %v", d.Name, d.JobVariables["image"], deref(d.Version), d.JobVariables)
	}
	for _, tag := range []string{"ENV=prod", "COMMIT_HASH=" + short, "PACKAGE_VERSION=0.3.0", "PROJECT_NAME=" + seg} {
		if !slices.Contains(d.Tags, tag) {
			t.Errorf("prod tags %v lack %s", d.Tags, tag)
		}
	}
	if env, _ := d.JobVariables["env"].(map[string]any); env["ACME_ENV"] != "prod" || env["DEPLOYMENT_NAME"] != name {
		t.Errorf("prod env %v", d.JobVariables["env"])
	}
}
