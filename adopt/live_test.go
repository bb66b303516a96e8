package adopt_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prefect-flow-deploy/prefect-deploy-action/cli"
	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/discover"
)

func TestMain(m *testing.M) { os.Exit(prefecttest.Main(m)) }

// example copies examples/<name> into a fresh git repository (one commit), the deployment
// names of its prefect.yaml and *.deployment.py files prefixed with run (the server is
// shared), and returns its directory.
func example(t *testing.T, name, run string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "examples", name))); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "projects", "*", "*.deployment.py"))
	more, _ := filepath.Glob(filepath.Join(dir, "projects", "*", "*", "*.deployment.py"))
	for _, p := range append(files, more...) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.ReplaceAll(b, []byte("    name=\""), []byte("    name=\""+run+"-"))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if p := filepath.Join(dir, "prefect.yaml"); exists(p) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, bytes.ReplaceAll(b, []byte("  - name: "), []byte("  - name: "+run+"-")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	commitAll(t, dir, "fixture")
	return dir
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func ensurePool(t *testing.T, c *prefect.Client, name string) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.ReadWorkPool(ctx, name); prefect.IsNotFound(err) {
		if _, err := c.CreateWorkPool(ctx, prefect.WorkPool{Name: name, Type: "process"}); err != nil && !strings.Contains(err.Error(), "409") {
			t.Fatal(err)
		}
	} else if err != nil {
		t.Fatal(err)
	}
}

// run runs the product's command line in dir against apiURL and returns its exit code,
// stdout and stderr.
func run(t *testing.T, dir, apiURL string, args ...string) (int, string, string) {
	t.Helper()
	env := map[string]string{"PREFECT_API_URL": apiURL, "PATH": os.Getenv("PATH")}
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), args, cli.Env{Stdout: &out, Stderr: &errb, Dir: dir, Getenv: func(k string) string { return env[k] }})
	return code, out.String(), errb.String()
}

// plan is the part of deploy's JSON document the tests read.
type plan struct {
	Deployments []struct {
		Name    string           `json:"name"`
		Action  string           `json:"action"`
		Changes []prefect.Change `json:"changes"`
	} `json:"deployments"`
	Error string `json:"error"`
}

func dryRunPlan(t *testing.T, dir, apiURL string, args ...string) plan {
	t.Helper()
	code, out, errs := run(t, dir, apiURL, append(args, "--dry-run", "--output", "json")...)
	var p plan
	if err := json.Unmarshal([]byte(out), &p); err != nil || code != 0 {
		t.Fatalf("deploy --dry-run: exit %d, %v\n%s\n%s", code, err, out, errs)
	}
	return p
}

// onlyBookkeeping fails the test unless every change the plan shows for each of names is the
// product's bookkeeping added to a deployment it did not make: its five tags and labels and
// DEPLOYMENT_NAME, nothing removed or altered.
func onlyBookkeeping(t *testing.T, p plan, names []string) {
	t.Helper()
	seen := map[string]bool{}
	product := []string{"PROJECT_NAME", "BRANCH_NAME", "ENV", "COMMIT_HASH", "PACKAGE_VERSION"}
	for _, d := range p.Deployments {
		seen[d.Name] = true
		for _, c := range d.Changes {
			switch c.Field {
			case "tags":
				var was, now []string
				remarshal(t, c.Old, &was)
				remarshal(t, c.New, &now)
				for _, tag := range now {
					k, _, _ := strings.Cut(tag, "=")
					if !slices.Contains(was, tag) && !slices.Contains(product, k) {
						t.Errorf("%s: the first deploy adds tag %q", d.Name, tag)
					}
				}
				for _, tag := range was {
					if !slices.Contains(now, tag) {
						t.Errorf("%s: the first deploy removes tag %q", d.Name, tag)
					}
				}
			case "labels":
				var was, now map[string]any
				remarshal(t, c.Old, &was)
				remarshal(t, c.New, &now)
				for k := range now {
					if _, ok := was[k]; !ok && !slices.Contains(product, k) {
						t.Errorf("%s: the first deploy adds label %q", d.Name, k)
					}
				}
				for k := range was {
					if now[k] != was[k] {
						t.Errorf("%s: the first deploy changes label %q", d.Name, k)
					}
				}
			case "job_variables.env":
				var was, now map[string]any
				remarshal(t, c.Old, &was)
				remarshal(t, c.New, &now)
				delete(now, "DEPLOYMENT_NAME")
				if len(was) != len(now) {
					t.Errorf("%s: env goes from %d to %d variables besides DEPLOYMENT_NAME", d.Name, len(was), len(now))
				}
				for k, v := range was {
					if now[k] != v {
						t.Errorf("%s: the first deploy changes env %s", d.Name, k)
					}
				}
			default:
				t.Errorf("%s: the first deploy changes %s: %s → %s", d.Name, c.Field, c.From, c.To)
			}
		}
	}
	for _, n := range names {
		if !seen[n] {
			t.Errorf("the plan has no deployment %s (it has %v)", n, p.Deployments)
		}
	}
	if len(p.Deployments) != len(names) {
		t.Errorf("the plan has %d deployments, want %d", len(p.Deployments), len(names))
	}
}

func remarshal(t *testing.T, v, out any) {
	t.Helper()
	if v == nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatal(err)
	}
}

// TestAdoptPrefectDeploy deploys a project with the real `prefect deploy --all` (the pinned
// .venv), removes its prefect.yaml, adopts the deployments back from the server, and requires
// the first deploy of the adopted file to change nothing but the product's bookkeeping; after
// it, a redeploy is unchanged.
func TestAdoptPrefectDeploy(t *testing.T) {
	t.Parallel()
	apiURL := prefecttest.URL(t)
	bin, err := prefecttest.Bin()
	if err != nil {
		t.Fatal(err)
	}
	c := liveClient(t, apiURL)
	ensurePool(t, c, "adopt-pool")
	runID := runName("adopt")
	dir := example(t, "from-prefect-deploy", runID)

	cmd := exec.Command(filepath.Join(bin, "prefect"), "--no-prompt", "deploy", "--all")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "PREFECT_HOME=" + t.TempDir(), "PREFECT_API_URL=" + apiURL, "PREFECT_LOGGING_LEVEL=WARNING",
		"DB_PASSWORD=hunter2-not-real", "WAREHOUSE_URL=postgresql://loader:s3cret@db.internal:5432/dw"}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("prefect deploy --all: %v\n%s", err, out)
	}
	if err := os.Remove(filepath.Join(dir, "prefect.yaml")); err != nil {
		t.Fatal(err)
	}

	code, _, errs := run(t, dir, apiURL, "adopt", "--name", runID+"-*", "--env", "prod")
	if code != 0 {
		t.Fatalf("adopt: exit %d\n%s", code, errs)
	}
	written, err := os.ReadFile(filepath.Join(dir, "prefect.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"hunter2-not-real", "s3cret"} {
		if strings.Contains(string(written), secret) || strings.Contains(errs, secret) {
			t.Errorf("the secret value %q reached the file or the output:\n%s\n%s", secret, written, errs)
		}
	}
	for _, want := range []string{"{{ $DB_PASSWORD }}", "{{ $WAREHOUSE_URL }}", "APP_ENV: prod"} {
		if !strings.Contains(string(written), want) {
			t.Errorf("the file lacks %q:\n%s", want, written)
		}
	}
	if strings.Contains(errs, "warning:") {
		t.Errorf("adopt warns about a deployment prefect deploy made:\n%s", errs)
	}
	if !strings.Contains(errs, "--prefect-yaml-select all") {
		t.Errorf("adopt does not say how to deploy names without an --ENV suffix:\n%s", errs)
	}

	// The secrets come from the deploying job's environment, as the file says.
	names := []string{runID + "-prices-daily", runID + "-weekly-report"}
	deployArgs := []string{"deploy", "--env", "prod", "--prefect-yaml", "prefect.yaml", "--prefect-yaml-select", "all", "--project", "from-prefect-deploy", "--package-version", "1.4.0"}
	envWith := func(extra map[string]string) func(string) string {
		return func(k string) string {
			if v, ok := extra[k]; ok {
				return v
			}
			return map[string]string{"PREFECT_API_URL": apiURL, "PATH": os.Getenv("PATH")}[k]
		}
	}
	secrets := envWith(map[string]string{"DB_PASSWORD": "hunter2-not-real", "WAREHOUSE_URL": "postgresql://loader:s3cret@db.internal:5432/dw"})
	var out, errb bytes.Buffer
	code = cli.Run(context.Background(), append(slices.Clone(deployArgs), "--dry-run", "--output", "json"), cli.Env{Stdout: &out, Stderr: &errb, Dir: dir, Getenv: secrets})
	var p plan
	if err := json.Unmarshal(out.Bytes(), &p); err != nil || code != 0 {
		t.Fatalf("deploy --dry-run: exit %d, %v\n%s\n%s", code, err, out.String(), errb.String())
	}
	onlyBookkeeping(t, p, names)
	// The text plan says so.
	out.Reset()
	errb.Reset()
	cli.Run(context.Background(), append(slices.Clone(deployArgs), "--dry-run"), cli.Env{Stdout: &out, Stderr: &errb, Dir: dir, Getenv: secrets})
	for _, n := range names {
		if want := "~ " + n + " (adopted: only the product's tags, labels and DEPLOYMENT_NAME are added)"; !strings.Contains(out.String(), want) {
			t.Errorf("the plan does not say %q:\n%s%s", want, out.String(), errb.String())
		}
	}
	if want := "2 deployments: 2 would-update (2 only adopted) (dry run: nothing written)"; !strings.Contains(out.String(), want) {
		t.Errorf("the summary is not %q:\n%s", want, out.String())
	}

	// The first deploy writes the bookkeeping; the next one is unchanged.
	out.Reset()
	errb.Reset()
	if code := cli.Run(context.Background(), deployArgs, cli.Env{Stdout: &out, Stderr: &errb, Dir: dir, Getenv: secrets}); code != 0 {
		t.Fatalf("deploy: exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	out.Reset()
	code = cli.Run(context.Background(), append(slices.Clone(deployArgs), "--dry-run", "--output", "json"), cli.Env{Stdout: &out, Stderr: &errb, Dir: dir, Getenv: secrets})
	p = plan{}
	if err := json.Unmarshal(out.Bytes(), &p); err != nil || code != 0 {
		t.Fatalf("redeploy --dry-run: exit %d, %v\n%s", code, err, out.String())
	}
	for _, d := range p.Deployments {
		if d.Action != "unchanged" {
			t.Errorf("redeploy: %s is %s: %v", d.Name, d.Action, d.Changes)
		}
	}
	// The automations prefect deploy made are the deploy's: still one per trigger.
	dep, err := c.ReadDeploymentByName(context.Background(), "prices", runID+"-prices-daily")
	if err != nil {
		t.Fatal(err)
	}
	autos, err := c.DeploymentAutomations(context.Background(), dep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(autos) != 1 {
		t.Errorf("the deployment has %d automations after adopt and deploy, want 1", len(autos))
	}
}

// TestAdoptHandMade adopts deployments made through the REST API: one that a prefect.yaml
// entry can say entirely (its first deploy changes only the bookkeeping), one holding what no
// entry can say (labels, no description while the flow has a docstring, an automation with two
// actions named like the deployment's own, a foreign automation, a pause) — each named in a
// warning, and exactly those in the first plan — and one whose code is not in the checkout.
func TestAdoptHandMade(t *testing.T) {
	t.Parallel()
	apiURL := prefecttest.URL(t)
	c := liveClient(t, apiURL)
	ctx := context.Background()
	ensurePool(t, c, "adopt-pool")
	runID := runName("hand")
	dir := example(t, "from-prefect-deploy", runID)
	if err := os.Remove(filepath.Join(dir, "prefect.yaml")); err != nil {
		t.Fatal(err)
	}
	flow, err := c.EnsureFlow(ctx, "prices")
	if err != nil {
		t.Fatal(err)
	}
	desc, ep, version := "Made by hand", "flows/prices.py:load_prices", "v7"
	limit := 5
	tz := "UTC"
	upsert := func(spec prefect.DeploymentSpec) *prefect.Deployment {
		t.Helper()
		spec.FlowID = flow.ID
		d, _, err := c.UpsertDeployment(ctx, &spec)
		if err != nil {
			t.Fatalf("UpsertDeployment %s: %v", spec.Name, err)
		}
		return d
	}
	upsert(prefect.DeploymentSpec{
		Name: runID + "-ok", Description: &desc, Version: version, Entrypoint: ep,
		Tags: []string{"hand", "nightly"}, Parameters: map[string]any{"rows": 3},
		WorkPoolName: "adopt-pool", ConcurrencyLimit: &limit, EnforceParameterSchema: true,
		JobVariables:    map[string]any{"image": "ghcr.io/acme/flows:7", "env": map[string]any{"API_TOKEN": "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "REGION": "eu-west-1"}},
		Schedules:       []prefect.DeploymentSchedule{{Schedule: prefect.Schedule{Cron: "30 2 * * *", Timezone: &tz}, Active: true, Parameters: map[string]any{}}},
		PullSteps:       []map[string]any{{"prefect.deployments.steps.git_clone": map[string]any{"repository": "https://github.com/acme/flows.git", "commit_sha": "0123456789abcdef0123456789abcdef01234567"}}},
		ParameterSchema: staticSchema(t, dir, "load_prices"),
	})
	lossy := upsert(prefect.DeploymentSpec{
		Name: runID + "-lossy", Version: version, Entrypoint: ep, Tags: []string{}, Parameters: map[string]any{},
		WorkPoolName: "adopt-pool", Paused: true, EnforceParameterSchema: true, Labels: map[string]any{"team": "data"},
		JobVariables: map[string]any{}, Schedules: []prefect.DeploymentSchedule{}, PullSteps: []map[string]any{},
	})
	upsert(prefect.DeploymentSpec{
		Name: runID + "-elsewhere", Version: version, Entrypoint: "other/repo.py:etl", Tags: []string{}, Parameters: map[string]any{},
		WorkPoolName: "adopt-pool", EnforceParameterSchema: true, JobVariables: map[string]any{}, Schedules: []prefect.DeploymentSchedule{}, PullSteps: []map[string]any{},
	})
	trigger := map[string]any{"type": "event", "expect": []any{"acme.thing.happened"}, "posture": "Reactive", "threshold": 1, "within": 0}
	runIt := map[string]any{"type": "run-deployment", "source": "selected", "deployment_id": lossy.ID}
	for _, a := range []prefect.Automation{
		{Name: runID + "-lossy__automation_1", Enabled: true, Trigger: trigger, Actions: []map[string]any{runIt, {"type": "do-nothing"}}},
		{Name: runID + "-notify", Enabled: true, Trigger: trigger, Actions: []map[string]any{{"type": "do-nothing"}}},
	} {
		if _, err := c.CreateDeploymentAutomation(ctx, lossy.ID, a); err != nil {
			t.Fatal(err)
		}
	}

	code, _, errs := run(t, dir, apiURL, "adopt", "--name", runID+"-*")
	if code != 0 {
		t.Fatalf("adopt: exit %d\n%s", code, errs)
	}
	written, err := os.ReadFile(filepath.Join(dir, "prefect.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(written), "ghp_") || strings.Contains(errs, "ghp_") {
		t.Errorf("the token reached the file or the output:\n%s\n%s", written, errs)
	}
	lossyName := runID + "-lossy"
	for _, want := range []string{
		"warning: " + lossyName + ": not carried over: labels team",
		"warning: " + lossyName + ": not carried over: automation \"" + lossyName + "__automation_1\" has 2 actions",
		"note: " + lossyName + ": automation \"" + runID + "-notify\" does something other than run this deployment: left alone",
		"note: " + lossyName + ": paused on the server",
		"warning: " + lossyName + ": not carried over: description: the server has none",
		"not adopted: 1 deployment whose entrypoint is not in this checkout: prices/" + runID + "-elsewhere (entrypoint other/repo.py:etl)",
		"note: " + runID + "-ok: env API_TOKEN looks like a secret",
		"warning: " + lossyName + ": not carried over: parameter schema",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("adopt does not say %q:\n%s", want, errs)
		}
	}
	if strings.Contains(errs, "warning: "+runID+"-ok") {
		t.Errorf("adopt warns about the deployment a prefect.yaml entry can say:\n%s", errs)
	}

	secrets := func(k string) string {
		return map[string]string{"PREFECT_API_URL": apiURL, "PATH": os.Getenv("PATH"), "API_TOKEN": "ghp_abcdefghijklmnopqrstuvwxyz0123456789"}[k]
	}
	var out, errb bytes.Buffer
	code = cli.Run(ctx, []string{"deploy", "--env", "dev", "--prefect-yaml", "prefect.yaml", "--prefect-yaml-select", "all", "--project", "hand", "--package-version", "7.0.0", "--dry-run", "--output", "json"},
		cli.Env{Stdout: &out, Stderr: &errb, Dir: dir, Getenv: secrets})
	var p plan
	if err := json.Unmarshal(out.Bytes(), &p); err != nil || code != 0 {
		t.Fatalf("deploy --dry-run: exit %d, %v\n%s\n%s", code, err, out.String(), errb.String())
	}
	var ok, lossyPlan plan
	for _, d := range p.Deployments {
		if d.Name == lossyName {
			lossyPlan.Deployments = append(lossyPlan.Deployments, d)
		} else {
			ok.Deployments = append(ok.Deployments, d)
		}
	}
	onlyBookkeeping(t, ok, []string{runID + "-ok"})
	// The lossy one changes exactly in what adopt warned about.
	var fields []string
	for _, d := range lossyPlan.Deployments {
		for _, c := range d.Changes {
			fields = append(fields, c.Field)
		}
	}
	slices.Sort(fields)
	if want := []string{"description", "job_variables.env", "labels", "parameter_openapi_schema", "tags", "triggers"}; !slices.Equal(fields, want) {
		t.Errorf("the lossy deployment's first plan changes %v, want %v (what adopt warned about, plus the bookkeeping)", fields, want)
	}
}

// staticSchema is the parameter schema discovery reads for function fn in dir: what Prefect's
// Python API stores for it, as the product's oracle test holds them equal.
func staticSchema(t *testing.T, dir, fn string) map[string]any {
	t.Helper()
	res, err := discover.Discover(dir, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Flows {
		if f.Function == fn {
			return f.ParameterSchema()
		}
	}
	t.Fatalf("no flow function %s in %s", fn, dir)
	return nil
}

// TestAdoptPrefect2Files adopts examples/from-prefect2 (Prefect 2 *.deployment.py files, read
// without Python), deploys the file to the live server and checks what it stores against what
// the deployment files say; a redeploy is unchanged.
func TestAdoptPrefect2Files(t *testing.T) {
	t.Parallel()
	apiURL := prefecttest.URL(t)
	c := liveClient(t, apiURL)
	ctx := context.Background()
	ensurePool(t, c, "adopt-pool")
	runID := runName("p2")
	dir := example(t, "from-prefect2", runID)

	code, _, errs := run(t, dir, apiURL, "adopt", "--from-files", "**/*.deployment.py")
	if code != 0 {
		t.Fatalf("adopt: exit %d\n%s", code, errs)
	}
	for _, want := range []string{
		"warning: load-prices/" + runID + "-default at projects/warehouse/load_prices/default.deployment.py:25:13: not carried over: storage=storage",
		"note: load-prices/" + runID + "-default at projects/warehouse/load_prices/default.deployment.py:24:20: infrastructure=KubernetesJob(...)",
		"note: " + runID + "-hourly at projects/warehouse/load_prices/hourly.deployment.py:18:11: apply= has no effect here",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("adopt does not say %q:\n%s", want, errs)
		}
	}
	deployArgs := []string{"deploy", "--env", "dev", "--prefect-yaml", "prefect.yaml", "--prefect-yaml-select", "all", "--project", "from-prefect2", "--package-version", "2.0.0"}
	if code, out, errs := run(t, dir, apiURL, deployArgs...); code != 0 {
		t.Fatalf("deploy: exit %d\n%s\n%s", code, out, errs)
	}
	read := func(flow, name string) *prefect.Deployment {
		t.Helper()
		d, err := c.ReadDeploymentByName(ctx, flow, runID+"-"+name)
		if err != nil {
			t.Fatalf("deployment %s/%s-%s: %v", flow, runID, name, err)
		}
		return d
	}
	daily := read("load-prices", "default")
	if got := *daily.Entrypoint; got != "projects/warehouse/load_prices/flow.py:load_prices" {
		t.Errorf("default: entrypoint %q", got)
	}
	if daily.EnforceParameterSchema {
		t.Errorf("default: enforce_parameter_schema is true; Prefect 2's build_from_flow stores false unless told otherwise")
	}
	if *daily.Version != "2" || *daily.WorkPoolName != "adopt-pool" || *daily.WorkQueueName != "kubernetes" {
		t.Errorf("default: version %q, pool %q, queue %q", *daily.Version, *daily.WorkPoolName, *daily.WorkQueueName)
	}
	for _, tag := range []string{"warehouse", "prices", "ENV=dev"} {
		if !slices.Contains(daily.Tags, tag) {
			t.Errorf("default: tags %v lack %q", daily.Tags, tag)
		}
	}
	env, _ := daily.JobVariables["env"].(map[string]any)
	if daily.JobVariables["image"] != "ghcr.io/acme/warehouse:2.0" || daily.JobVariables["namespace"] != "prefect" || env["LOG_LEVEL"] != "INFO" || env["DEPLOYMENT_NAME"] != runID+"-default" {
		t.Errorf("default: job variables %v (the KubernetesJob's image, namespace and env)", daily.JobVariables)
	}
	if len(daily.Schedules) != 1 || daily.Schedules[0].Schedule.Cron != "0 5 * * *" || *daily.Schedules[0].Schedule.Timezone != "Europe/Oslo" || !daily.Schedules[0].Active {
		t.Errorf("default: schedules %+v", daily.Schedules)
	}
	hourly := read("load-prices", "hourly")
	if markets := hourly.Parameters["markets"]; fmt.Sprint(markets) != "[EU US]" || hourly.Parameters["mode"] != "hourly" {
		t.Errorf("hourly: parameters %v (MARKETS from projects/constants.py)", hourly.Parameters)
	}
	if env, _ := hourly.JobVariables["env"].(map[string]any); env["MODE"] != "hourly" {
		t.Errorf("hourly: job variables %v (infra_overrides env.MODE)", hourly.JobVariables)
	}
	if s := hourly.Schedules; len(s) != 1 || s[0].Schedule.Interval != 3600 || !strings.HasPrefix(s[0].Schedule.AnchorDate, "2026-01-01T00:10:00") {
		t.Errorf("hourly: schedules %+v (timedelta(hours=HOURS), the anchor)", s)
	}
	weekly := read("weekly-report", "default")
	if s := weekly.Schedules; len(s) != 1 || !strings.Contains(s[0].Schedule.RRule, "FREQ=WEEKLY;BYDAY=MO") || s[0].Active {
		t.Errorf("weekly: schedules %+v (is_schedule_active=False)", s)
	}
	if weekly.EnforceParameterSchema || *weekly.Description != "Every Monday, paused in the winter" {
		t.Errorf("weekly: enforce %v, description %q", weekly.EnforceParameterSchema, *weekly.Description)
	}
	if p := dryRunPlan(t, dir, apiURL, deployArgs...); len(p.Deployments) != 3 {
		t.Errorf("redeploy plans %d deployments, want 3", len(p.Deployments))
	} else {
		for _, d := range p.Deployments {
			if d.Action != "unchanged" {
				t.Errorf("redeploy: %s is %s: %v", d.Name, d.Action, d.Changes)
			}
		}
	}
}

// TestAdoptFlowDeploy adopts a deployment made the way acme-portal-sdk's deployer makes them
// — Prefect's own flow.deploy(image=..., build=False, push=False) from the pinned .venv, named
// <project>--<branch>--<flow>--<env>, tagged PROJECT_NAME, BRANCH_NAME, COMMIT_HASH (short),
// PACKAGE_VERSION and no ENV, job variables {env (DEPLOYMENT_NAME included), image}, no pull
// steps — into prefect-deploy.yaml sections, and requires a deploy at the same commit to
// change only the product's bookkeeping: the ENV tag, the full COMMIT_HASH, labels.
func TestAdoptFlowDeploy(t *testing.T) {
	t.Parallel()
	apiURL := prefecttest.URL(t)
	bin, err := prefecttest.Bin()
	if err != nil {
		t.Fatal(err)
	}
	project := runName("acme")
	dir := example(t, "from-prefect-deploy", project)
	if err := os.Remove(filepath.Join(dir, "prefect.yaml")); err != nil {
		t.Fatal(err)
	}
	head := strings.TrimSpace(gitOut(t, dir, "rev-parse", "HEAD"))
	cliEnv := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "PREFECT_HOME=" + t.TempDir(), "PREFECT_API_URL=" + apiURL, "PREFECT_LOGGING_LEVEL=WARNING"}
	pool := exec.Command(filepath.Join(bin, "prefect"), "work-pool", "create", "adopt-docker", "--type", "docker", "--overwrite")
	pool.Env = cliEnv
	if out, err := pool.CombinedOutput(); err != nil {
		t.Fatalf("prefect work-pool create: %v\n%s", err, out)
	}
	name := project + "--main--prices--dev"
	script := fmt.Sprintf(`import sys
sys.path.insert(0, ".")
from flows.prices import load_prices
name = %[1]q
load_prices.deploy(
    name=name, description="Load the day's prices.", work_pool_name="adopt-docker", cron="0 6 * * 1-5",
    parameters={"rows": 5},
    job_variables={"env": {"APP_ENV": "dev", "API_TOKEN": "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "DEPLOYMENT_NAME": name}, "image": "ghcr.io/acme/flows:main-%[2]s"},
    image="ghcr.io/acme/flows:main-%[2]s",
    tags=["PROJECT_NAME=%[3]s", "BRANCH_NAME=main", "COMMIT_HASH=%[2]s", "PACKAGE_VERSION=0.1.0"],
    version="main-%[2]s", paused=False, concurrency_limit=1, build=False, push=False,
)
`, name, head[:7], project)
	py := exec.Command(filepath.Join(bin, "python"), "-c", script)
	py.Dir, py.Env = dir, cliEnv
	if out, err := py.CombinedOutput(); err != nil {
		t.Fatalf("flow.deploy: %v\n%s", err, out)
	}

	code, _, errs := run(t, dir, apiURL, "adopt", "--name", project+"--*")
	if code != 0 {
		t.Fatalf("adopt: exit %d\n%s", code, errs)
	}
	written, err := os.ReadFile(filepath.Join(dir, "prefect-deploy.yaml"))
	if err != nil {
		t.Fatalf("adopt wrote no prefect-deploy.yaml: %v\n%s", err, errs)
	}
	for _, want := range []string{"project: " + project, "use_image_workdir: true", "concurrency_limit: 1", "image: ghcr.io/acme/flows:main-" + head[:7]} {
		if !strings.Contains(string(written), want) {
			t.Errorf("prefect-deploy.yaml lacks %q:\n%s", want, written)
		}
	}
	if strings.Contains(string(written), "ghp_") || strings.Contains(errs, "warning:") {
		t.Errorf("a secret reached the file, or adopt warns:\n%s\n%s", written, errs)
	}
	secrets := func(k string) string {
		return map[string]string{"PREFECT_API_URL": apiURL, "PATH": os.Getenv("PATH")}[k]
	}
	var out, errb bytes.Buffer
	code = cli.Run(context.Background(), []string{"deploy", "--env", "dev", "--flows", "prices", "--package-version", "0.1.0",
		"--env-var", "API_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789", "--dry-run", "--output", "json"},
		cli.Env{Stdout: &out, Stderr: &errb, Dir: dir, Getenv: secrets})
	var p plan
	if err := json.Unmarshal(out.Bytes(), &p); err != nil || code != 0 {
		t.Fatalf("deploy --dry-run: exit %d, %v\n%s\n%s", code, err, out.String(), errb.String())
	}
	if len(p.Deployments) != 1 || p.Deployments[0].Name != name {
		t.Fatalf("the plan has %+v, want %s", p.Deployments, name)
	}
	product := []string{"PROJECT_NAME", "BRANCH_NAME", "ENV", "COMMIT_HASH", "PACKAGE_VERSION"}
	for _, ch := range p.Deployments[0].Changes {
		switch ch.Field {
		case "labels":
		case "tags":
			var was, now []string
			remarshal(t, ch.Old, &was)
			remarshal(t, ch.New, &now)
			for _, tag := range append(slices.Clone(was), now...) {
				if k, _, _ := strings.Cut(tag, "="); !slices.Contains(product, k) && (!slices.Contains(was, tag) || !slices.Contains(now, tag)) {
					t.Errorf("tag %q changes", tag)
				}
			}
		default:
			t.Errorf("the first deploy changes %s: %s → %s", ch.Field, ch.From, ch.To)
		}
	}
}

// commitAll makes dir a git repository on branch main with every file committed.
func commitAll(t *testing.T, dir, message string) {
	t.Helper()
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "-A"}, {"commit", "-q", "-m", message}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
}

func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %v: %v", args, err)
	}
	return string(out)
}

// TestAdoptAcmePortalSDK runs the real acme-portal-sdk deployer (aps-prefect-deploy, from
// ACME_PORTAL_SDK_BIN, the venv scripts/acme-venv.sh installs, or the test venv) on testdata/acme — a project in acme's layout: flows,
// .acme_portal_sdk/{flow_finder.py,static_flow_deploy_config.yaml}, acme-config's env file —
// adopts what it stored, and requires the first deploy (with --env-file for the env file's
// secrets) to change nothing but the ENV tag, COMMIT_HASH written in full and the labels.
func TestAdoptAcmePortalSDK(t *testing.T) {
	t.Parallel()
	apiURL := prefecttest.URL(t)
	aps := os.Getenv("ACME_PORTAL_SDK_BIN")
	if aps == "" {
		// scripts/acme-venv.sh (make test runs it) installs it here.
		if abs, err := filepath.Abs(filepath.Join("..", ".venvs", "acme-portal-sdk", "bin")); err == nil {
			if _, err := os.Stat(filepath.Join(abs, "aps-prefect-deploy")); err == nil {
				aps = abs
			}
		}
	}
	if aps == "" {
		bin, err := prefecttest.Bin()
		if err != nil {
			t.Fatal(err)
		}
		aps = bin
	}
	aps = filepath.Join(aps, "aps-prefect-deploy")
	if _, err := os.Stat(aps); err != nil {
		t.Skipf("acme-portal-sdk is not installed (%s): pip install 'acme-portal-sdk[prefect]' into a venv and set ACME_PORTAL_SDK_BIN to its bin directory", aps)
	}
	prefectBin, err := prefecttest.Bin()
	if err != nil {
		t.Fatal(err)
	}
	project := runName("acme_sdk")
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/acme")); err != nil {
		t.Fatal(err)
	}
	commitAll(t, dir, "acme")
	short := strings.TrimSpace(gitOut(t, dir, "rev-parse", "--short=7", "HEAD"))
	cliEnv := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "PREFECT_HOME=" + t.TempDir(), "PREFECT_API_URL=" + apiURL, "PREFECT_LOGGING_LEVEL=WARNING", "PYTHONPATH=" + dir}
	pool := exec.Command(filepath.Join(prefectBin, "prefect"), "work-pool", "create", "adopt-docker", "--type", "docker", "--overwrite")
	pool.Env = cliEnv
	if out, err := pool.CombinedOutput(); err != nil {
		t.Fatalf("prefect work-pool create: %v\n%s", err, out)
	}
	deployCmd := exec.Command(aps, "deploy", "-app-name", "acmeapp", "-env", "dev", "-ver-number", "1", "-project-name", project, "-branch-name", "main",
		"-commit-hash", short, "-image-uri", "ghcr.io/acme/acme-adopt:main-"+short, "-package-version", "0.1.0",
		"-static-flow-config-path", ".acme_portal_sdk/static_flow_deploy_config.yaml")
	deployCmd.Dir, deployCmd.Env = dir, cliEnv
	if out, err := deployCmd.CombinedOutput(); err != nil {
		t.Fatalf("aps-prefect-deploy deploy: %v\n%s", err, out)
	}
	segment := strings.ReplaceAll(project, "_", "-")
	code, _, errs := run(t, dir, apiURL, "adopt", "--name", segment+"--*")
	if code != 0 {
		t.Fatalf("adopt: exit %d\n%s", code, errs)
	}
	written, err := os.ReadFile(filepath.Join(dir, "prefect-deploy.yaml"))
	if err != nil {
		t.Fatalf("adopt wrote no prefect-deploy.yaml: %v\n%s", err, errs)
	}
	if strings.Contains(string(written), "not-a-real-key") || strings.Contains(errs, "warning:") {
		t.Errorf("a secret reached the file, or adopt warns:\n%s\n%s", written, errs)
	}
	var out, errb bytes.Buffer
	code = cli.Run(context.Background(), []string{"deploy", "--env", "dev", "--env-file", "acmeapp.dev.1.env", "--package-version", "0.1.0", "--dry-run", "--output", "json"},
		cli.Env{Stdout: &out, Stderr: &errb, Dir: dir, Getenv: func(k string) string {
			return map[string]string{"PREFECT_API_URL": apiURL, "PATH": os.Getenv("PATH")}[k]
		}})
	var p plan
	if err := json.Unmarshal(out.Bytes(), &p); err != nil || code != 0 {
		t.Fatalf("deploy --dry-run: exit %d, %v\n%s\n%s", code, err, out.String(), errb.String())
	}
	if len(p.Deployments) != 2 {
		t.Fatalf("the plan has %d deployments, want acme's 2: %+v", len(p.Deployments), p.Deployments)
	}
	for _, d := range p.Deployments {
		for _, ch := range d.Changes {
			switch ch.Field {
			case "labels":
			case "tags":
				var was, now []string
				remarshal(t, ch.Old, &was)
				remarshal(t, ch.New, &now)
				for _, tag := range now {
					if !slices.Contains(was, tag) && tag != "ENV=dev" && !strings.HasPrefix(tag, "COMMIT_HASH="+short) {
						t.Errorf("%s: the first deploy adds tag %q", d.Name, tag)
					}
				}
			default:
				t.Errorf("%s: the first deploy changes %s: %s → %s", d.Name, ch.Field, ch.From, ch.To)
			}
		}
	}
}

// liveClient is the suite's client of the live server: patient with its busy answers.
func liveClient(t *testing.T, apiURL string) *prefect.Client {
	t.Helper()
	c, err := prefect.New(prefect.Config{APIURL: apiURL, RetryBaseDelay: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// runName is prefix and the clock's seconds and microseconds: a name no earlier run on a
// long-lived server used.
func runName(prefix string) string {
	return strings.ReplaceAll(prefix+time.Now().Format("150405.000000")[7:], ".", "")
}
