// Package compat is the compatibility suite: the deploy and promote stories every supported
// Prefect server must pass, run against whichever live server PREFECT_TEST_API_URL names. `make
// test` runs it on the pinned server with everything else, and again on each server of
// scripts/prefect-versions (Prefect 2.20, 3.4 and the newest 3.x), each from its own venv:
//
//	scripts/prefect-server.sh --prefect 2.20 -- go test -count=1 ./internal/compat/
//
// What a server lacks is checked too: a deployment using it is refused with the golden message
// of testdata/refused-<major>.<minor>.golden, and nothing is written.
package compat

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/cli"
	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
)

var update = flag.Bool("update", false, "rewrite the golden files (for the server under test)")

func TestMain(m *testing.M) { os.Exit(prefecttest.Main(m)) }

// suite is one live server with a counting proxy in front of it and a fresh work pool.
type suite struct {
	t      *testing.T
	live   string
	proxy  *prefecttest.Proxy
	c      *prefect.Client
	server prefect.ServerInfo
	pool   string
}

func newSuite(t *testing.T) *suite {
	t.Helper()
	live := prefecttest.URL(t)
	c, err := prefect.New(prefect.Config{APIURL: live})
	if err != nil {
		t.Fatal(err)
	}
	server, err := c.Server(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("server: %s", server)
	s := &suite{t: t, live: live, proxy: prefecttest.NewProxy(t, live, nil), c: c, server: server, pool: unique("compat-pool")}
	if _, err := c.CreateWorkPool(t.Context(), prefect.WorkPool{Name: s.pool, Type: "process"}); err != nil {
		t.Fatal(err)
	}
	return s
}

func unique(prefix string) string { return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()%1e9) }

// result is one run of the program.
type result struct {
	Code           int
	Stdout, Stderr string
	Report         *report.Report
	Writes         int64
}

// run runs the program in-process in dir through the counting proxy, with --output json.
func (s *suite) run(dir string, args ...string) result {
	s.t.Helper()
	var out, errb bytes.Buffer
	env := map[string]string{"PREFECT_API_URL": s.proxy.URL, "PATH": os.Getenv("PATH"), "HOME": os.Getenv("HOME")}
	before := s.proxy.Writes.Load()
	args = append(args, "--output", "json")
	code := cli.Run(context.Background(), args, cli.Env{Stdout: &out, Stderr: &errb, Dir: dir, Getenv: func(k string) string { return env[k] }})
	r := result{Code: code, Stdout: out.String(), Stderr: errb.String(), Writes: s.proxy.Writes.Load() - before}
	if out.Len() > 0 {
		r.Report = new(report.Report)
		if err := json.Unmarshal(out.Bytes(), r.Report); err != nil {
			s.t.Fatalf("--output json is not one JSON document: %v\n%s", err, out.String())
		}
	}
	return r
}

func (s *suite) mustRun(dir string, args ...string) result {
	s.t.Helper()
	r := s.run(dir, args...)
	if r.Code != 0 {
		s.t.Fatalf("%v: exit %d\nstdout:\n%s\nstderr:\n%s", args, r.Code, r.Stdout, r.Stderr)
	}
	return r
}

func (s *suite) deployment(flow, name string) *prefect.Deployment {
	s.t.Helper()
	d, err := s.c.ReadDeploymentByName(s.t.Context(), flow, name)
	if err != nil {
		s.t.Fatal(err)
	}
	return d
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

const flowsPy = `from prefect import flow


@flow(name="load-prices")
def load_prices(market: str = "EU", depth: int = 1):
    print(market, depth)


@flow
def report():
    print("report")
`

// baseConfig uses only what every supported server has: a work pool and queue as code,
// schedules (cron with a time zone, interval with an anchor), schedules switched off in dev, env
// vars, job variables, a work queue in prod, tags, parameters and the image code source's pull
// step.
const baseConfig = `project: PROJECT
work_pools:
  POOL-managed:
    type: process
    queues:
      urgent: {priority: 1}
defaults:
  work_pool: POOL
  image: ghcr.io/acme/flows:1
  code_source: {type: image, directory: /opt/flows}
  tags: [team-data]
environments:
  dev:
    env: {APP_ENV: dev}
    schedules_active: false
  prod:
    env: {APP_ENV: prod}
    job_variables: {stream_output: false}
    schedules_active: true
flows:
  load-prices:
    parameters: {market: US}
    schedules:
      - cron: "0 6 * * 1-5"
        timezone: Europe/Berlin
      - interval: 3600
        anchor_date: 2026-01-01T00:05:00Z
    environments:
      prod: {work_queue: critical}
`

func (s *suite) repo(config string) (dir, project string) {
	s.t.Helper()
	dir = s.t.TempDir()
	project = unique("compat")
	writeFile(s.t, dir, "flows/etl.py", flowsPy)
	writeFile(s.t, dir, "prefect-deploy.yaml", strings.NewReplacer("PROJECT", project, "POOL", s.pool).Replace(config))
	return dir, project
}

func deployArgs(project, env, commit, version string) []string {
	return []string{"deploy", "--env", env, "--project", project, "--branch", "main", "--commit", commit, "--package-version", version}
}

const (
	commitA = "0123456789abcdef0123456789abcdef01234567"
	commitB = "89abcdef0123456789abcdef0123456789abcdef"
)

// TestDeployRedeployPromote: a first deploy creates what the config says, an unchanged redeploy
// writes nothing, a new commit updates, and a promotion copies dev to prod with prod's settings
// (and converges).
func TestDeployRedeployPromote(t *testing.T) {
	s := newSuite(t)
	dir, project := s.repo(baseConfig)

	first := s.mustRun(dir, deployArgs(project, "dev", commitA, "1.0.0")...)
	if got := first.Report.Counts[report.Created]; got != 2 {
		t.Fatalf("first deploy: %d created, want 2: %+v", got, first.Report.Deployments)
	}
	wantWarnings := 0
	if !s.server.Supports(prefect.FeatureLabels) {
		wantWarnings = 1 // labels dropped, said once
	}
	if len(first.Report.Warnings) != wantWarnings {
		t.Errorf("first deploy warnings: %q, want %d", first.Report.Warnings, wantWarnings)
	}
	if wantWarnings == 1 && !strings.Contains(first.Report.Warnings[0], "labels") {
		t.Errorf("warning %q does not name labels", first.Report.Warnings[0])
	}

	if q, err := s.c.ReadWorkQueue(t.Context(), s.pool+"-managed", "urgent"); err != nil || q.Priority == nil || *q.Priority != 1 {
		t.Errorf("work pool as code: queue urgent = %+v, %v; want priority 1", q, err)
	}
	name := project + "--main--load-prices--dev"
	d := s.deployment("load_prices", name)
	if deref(d.Version) != "main-0123456" {
		t.Errorf("version = %q, want main-0123456", deref(d.Version))
	}
	if len(d.Schedules) != 2 {
		t.Fatalf("%d schedules stored, want 2: %+v", len(d.Schedules), d.Schedules)
	}
	for _, sc := range d.Schedules {
		if sc.Active {
			t.Errorf("dev schedule %+v is active; schedules_active: false", sc.Schedule)
		}
	}
	if got := fmt.Sprint(d.Parameters["market"]); got != "US" {
		t.Errorf("parameters.market = %q, want US", got)
	}
	env, _ := d.JobVariables["env"].(map[string]any)
	if env["APP_ENV"] != "dev" || env["DEPLOYMENT_NAME"] != name {
		t.Errorf("job_variables.env = %v, want APP_ENV=dev and DEPLOYMENT_NAME=%s", env, name)
	}
	if d.JobVariables["image"] != "ghcr.io/acme/flows:1" {
		t.Errorf("job_variables.image = %v", d.JobVariables["image"])
	}
	wantPull := []map[string]any{{"prefect.deployments.steps.set_working_directory": map[string]any{"directory": "/opt/flows"}}}
	if diff := cmp.Diff(wantPull, d.PullSteps); diff != "" {
		t.Errorf("pull steps (-want +got):\n%s", diff)
	}
	if deref(d.WorkPoolName) != s.pool || deref(d.WorkQueueName) != "default" {
		t.Errorf("work pool/queue = %q/%q, want %q/default", deref(d.WorkPoolName), deref(d.WorkQueueName), s.pool)
	}
	if !hasTag(d.Tags, "COMMIT_HASH="+commitA) || !hasTag(d.Tags, "team-data") {
		t.Errorf("tags = %v", d.Tags)
	}
	if s.server.Supports(prefect.FeatureLabels) && d.Labels["ENV"] != "dev" {
		t.Errorf("labels = %v, want ENV=dev", d.Labels)
	}

	again := s.mustRun(dir, deployArgs(project, "dev", commitA, "1.0.0")...)
	if got := again.Report.Counts[report.Unchanged]; got != 2 || again.Writes != 0 {
		t.Errorf("unchanged redeploy: %d unchanged, %d writes; want 2 and 0: %+v", got, again.Writes, again.Report.Deployments)
	}

	moved := s.mustRun(dir, deployArgs(project, "dev", commitB, "1.1.0")...)
	if got := moved.Report.Counts[report.Updated]; got != 2 {
		t.Errorf("deploy of a new commit: %d updated, want 2: %+v", got, moved.Report.Deployments)
	}
	if d := s.deployment("load_prices", name); deref(d.Version) != "main-89abcde" || len(d.Schedules) != 2 {
		t.Errorf("after the update: version %q, %d schedules", deref(d.Version), len(d.Schedules))
	}

	promote := []string{"promote", "--source-env", "dev", "--env", "prod", "--project", project, "--branch", "main", "--release-version", "1.1.0"}
	p := s.mustRun(dir, promote...)
	if got := p.Report.Counts[report.Created]; got != 2 {
		t.Fatalf("promote: %d created, want 2: %+v\n%s", got, p.Report.Deployments, p.Stderr)
	}
	prodName := project + "--main--load-prices--prod"
	pd := s.deployment("load_prices", prodName)
	if deref(pd.WorkQueueName) != "critical" {
		t.Errorf("prod work queue = %q, want critical", deref(pd.WorkQueueName))
	}
	if deref(pd.Version) != "main-89abcde" || !hasTag(pd.Tags, "ENV=prod") || !hasTag(pd.Tags, "PACKAGE_VERSION=1.1.0") {
		t.Errorf("prod version %q, tags %v", deref(pd.Version), pd.Tags)
	}
	penv, _ := pd.JobVariables["env"].(map[string]any)
	if penv["APP_ENV"] != "prod" || penv["DEPLOYMENT_NAME"] != prodName || pd.JobVariables["stream_output"] != false {
		t.Errorf("prod job variables = %v", pd.JobVariables)
	}
	active := 0
	for _, sc := range pd.Schedules {
		if sc.Active {
			active++
		}
	}
	if len(pd.Schedules) != 2 || active != 2 {
		t.Errorf("prod schedules: %d, %d active; want 2 active", len(pd.Schedules), active)
	}
	if diff := cmp.Diff(wantPull, pd.PullSteps); diff != "" {
		t.Errorf("prod pull steps (-want +got):\n%s", diff)
	}
	p2 := s.mustRun(dir, promote...)
	if got := p2.Report.Counts[report.Unchanged]; got != 2 || p2.Writes != 0 {
		t.Errorf("promote again: %d unchanged, %d writes; want 2 and 0: %+v", got, p2.Writes, p2.Report.Deployments)
	}
}

// newerConfig uses every version-dependent feature (prefect.Features).
const newerConfig = `project: PROJECT
work_pools:
  POOL-managed:
    type: process
defaults:
  work_pool: POOL
  code_source: {type: git, repository: https://github.com/acme/flows.git}
flows:
  load-prices:
    concurrency_limit: {limit: 2, collision_strategy: CANCEL_NEW, grace_period_seconds: 120}
    schedules:
      - cron: "0 6 * * *"
        slug: morning
        parameters: {depth: 3}
    triggers:
      - expect: [external.table.loaded]
        match: {prefect.resource.id: "table.*"}
        parameters: {market: "{{ event.resource.id }}"}
`

// TestVersionedFeatures: on a server that has them, every version-dependent feature is stored
// and a redeploy is unchanged; on one that lacks some, the deploy is refused with one message
// naming each missing feature, the server's version and the way out, and writes nothing — not
// even the flows.
func TestVersionedFeatures(t *testing.T) {
	s := newSuite(t)
	dir, project := s.repo(newerConfig)
	var missing []string
	for _, f := range prefect.Features {
		if !f.Dropped && !s.server.Supports(f.Feature) {
			missing = append(missing, f.Name)
		}
	}
	args := deployArgs(project, "dev", commitA, "1.0.0")
	if len(missing) > 0 {
		for _, extra := range [][]string{{"--dry-run"}, nil} {
			r := s.run(dir, append(args, extra...)...)
			if r.Code != 1 {
				t.Fatalf("deploy %v of features %v to %s: exit %d, want 1\n%s%s", extra, missing, s.server, r.Code, r.Stdout, r.Stderr)
			}
			if r.Writes != 0 {
				t.Errorf("refused deploy %v sent %d writes, want 0", extra, r.Writes)
			}
			if _, err := s.c.ReadWorkPool(t.Context(), s.pool+"-managed"); !prefect.IsNotFound(err) {
				t.Errorf("a refused deploy %v created its work pool: %v", extra, err)
			}
			checkGolden(t, fmt.Sprintf("refused-%d.%s.golden", s.server.Major(), minor(s.server)), normalize(r.Stderr, project, s))
		}
		deps, err := s.c.FilterDeployments(t.Context(), prefect.DeploymentFilter{Names: []string{project + "--main--load-prices--dev"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(deps) != 0 {
			t.Errorf("a refused deploy left %d deployments", len(deps))
		}
		return
	}
	r := s.mustRun(dir, args...)
	if got := r.Report.Counts[report.Created]; got != 2 {
		t.Fatalf("%d created, want 2: %+v", got, r.Report.Deployments)
	}
	d := s.deployment("load_prices", project+"--main--load-prices--dev")
	if l := d.ConcurrencyLimit(); l == nil || *l != 2 {
		t.Errorf("concurrency limit = %v, want 2", l)
	}
	if o := d.ConcurrencyOptions; o == nil || o.CollisionStrategy != "CANCEL_NEW" || o.GracePeriodSeconds == nil || *o.GracePeriodSeconds != 120 {
		t.Errorf("concurrency options = %+v", o)
	}
	if len(d.Schedules) != 1 || deref(d.Schedules[0].Slug) != "morning" || fmt.Sprint(d.Schedules[0].Parameters["depth"]) != "3" {
		t.Errorf("schedules = %+v", d.Schedules)
	}
	clone, _ := d.PullSteps[0]["prefect.deployments.steps.git_clone"].(map[string]any)
	if clone["commit_sha"] != commitA {
		t.Errorf("pull steps = %v, want git_clone at %s", d.PullSteps, commitA)
	}
	autos, err := s.c.DeploymentAutomations(t.Context(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(autos) != 1 {
		t.Errorf("%d automations, want 1 trigger", len(autos))
	}
	again := s.mustRun(dir, args...)
	if got := again.Report.Counts[report.Unchanged]; got != 2 || again.Writes != 0 {
		t.Errorf("unchanged redeploy: %d unchanged, %d writes; want 2 and 0: %+v", got, again.Writes, again.Report.Deployments)
	}
}

func minor(s prefect.ServerInfo) string {
	m := regexp.MustCompile(`^\d+\.(\d+)`).FindStringSubmatch(s.Version)
	if m == nil {
		return "x"
	}
	return m[1]
}

func normalize(s, project string, su *suite) string {
	s = strings.ReplaceAll(s, project, "$PROJECT")
	s = strings.ReplaceAll(s, su.proxy.URL, "$PREFECT_API_URL")
	return strings.ReplaceAll(s, su.server.Version, "$VERSION")
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the suite against this server with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func hasTag(tags []string, want string) bool {
	for _, t := range tags {
		if t == want {
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

// TestCloudShaped deploys through a proxy shaped like Prefect Cloud (account/workspace URL,
// API key, 429 with Retry-After on the first writes): the program recognises Cloud by its URL and
// never asks /admin/version, waits out the rate limit, links into Cloud's UI, and never prints
// the key.
func TestCloudShaped(t *testing.T) {
	s := newSuite(t)
	if !s.server.Supports(prefect.FeatureLabels) {
		t.Skipf("Prefect Cloud runs the newest API; %s cannot stand in for it", s.server)
	}
	dir, project := s.repo(baseConfig)
	const key = "pnu_compatSuiteKey0123456789abcdefghij"
	var limited, versionAsked atomic.Int64
	cloud := prefecttest.NewCloudProxy(t, s.live, key, func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/admin/version") {
			versionAsked.Add(1)
		}
		if prefecttest.IsWrite(r) && limited.Load() < 2 {
			limited.Add(1)
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"detail":"Rate limit exceeded"}`))
			return true
		}
		return false
	})
	var out, errb bytes.Buffer
	env := map[string]string{"PREFECT_API_URL": cloud.URL, "PREFECT_API_KEY": key, "PATH": os.Getenv("PATH"), "HOME": os.Getenv("HOME")}
	start := time.Now()
	code := cli.Run(context.Background(), append(deployArgs(project, "dev", commitA, "1.0.0"), "--output", "json"),
		cli.Env{Stdout: &out, Stderr: &errb, Dir: dir, Getenv: func(k string) string { return env[k] }})
	if code != 0 {
		t.Fatalf("deploy through the Cloud-shaped proxy: exit %d\n%s%s", code, out.String(), errb.String())
	}
	if n := limited.Load(); n != 2 {
		t.Fatalf("%d writes were answered 429, want 2", n)
	}
	if time.Since(start) < time.Second {
		t.Errorf("the run took %v: Retry-After: 1 was not waited for", time.Since(start))
	}
	if n := versionAsked.Load(); n != 0 {
		t.Errorf("/admin/version was asked %d times on Cloud", n)
	}
	var rep report.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Counts[report.Created] != 2 || len(rep.Warnings) != 0 {
		t.Errorf("counts %v, warnings %q; want 2 created, no warning", rep.Counts, rep.Warnings)
	}
	ui := "/account/" + prefecttest.CloudAccount + "/workspace/" + prefecttest.CloudWorkspace + "/deployments/deployment/"
	for _, d := range rep.Deployments {
		if !strings.Contains(d.URL, ui) {
			t.Errorf("%s links to %q, want a Cloud UI link containing %q", d.Name, d.URL, ui)
		}
	}
	if strings.Contains(out.String()+errb.String(), key) {
		t.Error("the API key was printed")
	}
	d := s.deployment("load_prices", project+"--main--load-prices--dev")
	if d.Labels["ENV"] != "dev" {
		t.Errorf("labels = %v: on Cloud every feature is sent", d.Labels)
	}
}
