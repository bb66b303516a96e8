// Package reliability_test runs deploy, redeploy and promote of hundreds of deployments with
// triggers through a seeded fault-injecting proxy in front of the live Prefect server, kills a
// deploy mid-run, and races two deploys of one repository, then checks that the server holds
// exactly what one clean run would make: every deployment once, one automation per trigger.
package reliability_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prefect-flow-deploy/prefect-deploy-action/deploy"
	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/promote"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/config"
)

func TestMain(m *testing.M) {
	code := prefecttest.Main(m)
	if own != nil {
		own.Stop()
	}
	os.Exit(code)
}

var (
	ownOnce sync.Once
	own     *prefecttest.Server
	ownErr  error
)

// liveServer is this package's own Prefect server, started once: the suite's bursts of faulted
// writes would otherwise make the SQLite server shared with the other packages' tests refuse
// their writes (503, database is locked) beyond their retries.
func liveServer(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test skipped: -short was given, so no live Prefect server is used")
	}
	ownOnce.Do(func() { own, ownErr = prefecttest.StartServer(nil) })
	if ownErr != nil {
		t.Fatalf("failed to start this package's Prefect server: %v", ownErr)
	}
	return own.URL
}

// faultRate is the share of requests that get a fault; the weights say which.
const faultRate = 0.30

var faultWeights = map[prefecttest.Fault]float64{
	prefecttest.Busy:        0.08,
	prefecttest.RateLimited: 0.03,
	prefecttest.DropBefore:  0.06,
	prefecttest.DropAfter:   0.07,
	prefecttest.Stall:       0.06,
}

// maxInRow bounds the faults one request meets in a row, so that every request succeeds within
// the client's retries and a run's outcome does not hang on luck.
const maxInRow = 3

const (
	pool     = "reliability-pool"
	commitA  = "1111111111111111111111111111111111111111"
	commitB  = "2222222222222222222222222222222222222222"
	pkgV1    = "1.0.0"
	branch   = "main"
	imageRef = "ghcr.io/acme/flows:1"
)

// repo is a generated repository of flows with triggers.
type repo struct {
	root, project string
	// automations is how many triggers the config gives all deployments together.
	deployments, automations int
}

// newRepo writes n flows (ten a file); every deployment gets one trigger, and every fifth
// flow a second one.
func newRepo(t *testing.T, project string, n int) repo {
	t.Helper()
	root := t.TempDir()
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "project: %s\ndefaults:\n  work_pool: %s\n  triggers:\n    - expect: [external.table.loaded]\n      match: {prefect.resource.id: \"table.*\"}\n      parameters: {table: \"{{ event.resource.id }}\"}\nflows:\n", project, pool)
	r := repo{root: root, project: project, deployments: n}
	for f := 0; f*10 < n; f++ {
		var src strings.Builder
		src.WriteString("from prefect import flow\n")
		for i := f * 10; i < min(n, f*10+10); i++ {
			fmt.Fprintf(&src, "\n\n@flow\ndef flow_%03d(day: str = \"today\"):\n    pass\n", i)
			r.automations++
			if i%5 == 0 {
				fmt.Fprintf(&cfg, "  flow_%03d:\n    triggers:\n      - expect: [external.table.loaded]\n        match: {prefect.resource.id: \"table.%03d\"}\n      - expect: [external.file.landed]\n        match: {prefect.resource.id: \"file.%03d\"}\n", i, i, i)
				r.automations++
			}
		}
		if err := os.WriteFile(filepath.Join(root, fmt.Sprintf("flows_%02d.py", f)), []byte(src.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, config.DefaultFileName), []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return r
}

// client is how the suite talks to Prefect: through proxyURL, retrying patiently with short
// backoff (the faults, not the waiting, are under test).
func client(t testing.TB, apiURL string) *prefect.Client {
	t.Helper()
	c, err := prefect.New(prefect.Config{APIURL: apiURL, MaxRetries: 8, RetryBaseDelay: 50 * time.Millisecond, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func faultProxy(t testing.TB, live string, seed uint64) *prefecttest.FaultProxy {
	return prefecttest.NewFaultProxy(t, live, prefecttest.Seeded(seed, faultRate, faultWeights, maxInRow),
		prefecttest.FaultOptions{RetryAfter: "1", StallFor: 150 * time.Millisecond})
}

func (r repo) deploy(ctx context.Context, t testing.TB, apiURL, commit string) (*report.Report, error) {
	t.Helper()
	cfg, err := config.Load(filepath.Join(r.root, config.DefaultFileName))
	if err != nil {
		t.Fatal(err)
	}
	return deploy.Run(ctx, client(t, apiURL), deploy.Options{
		Meta:       deploy.Meta{Project: r.project, Branch: branch, Env: "dev", Commit: commit, PackageVersion: pkgV1},
		SourceRoot: r.root, Config: cfg, Image: imageRef, Concurrency: 4,
	})
}

// mustSucceed fails the test unless the run reported every deployment done, none failed.
func mustSucceed(t *testing.T, what string, rep *report.Report, err error, want map[report.Action]int) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	for _, d := range rep.Deployments {
		if d.Action == report.Failed {
			t.Errorf("%s: %s failed: %s", what, d.Name, d.Error)
		}
	}
	for a, n := range want {
		if rep.Counts[a] != n {
			t.Errorf("%s: %d %s, want %d (counts %v)", what, rep.Counts[a], a, n, rep.Counts)
		}
	}
}

// checkServer asserts that the server holds, for the project in env, exactly r.deployments
// deployments at commit, with exactly one automation per configured trigger.
func (r repo) checkServer(t *testing.T, live, env, commit string) {
	t.Helper()
	ctx := context.Background()
	c := client(t, live)
	deps, err := c.FilterDeployments(ctx, prefect.DeploymentFilter{TagsAll: []string{"PROJECT_NAME=" + r.project, "ENV=" + env}})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]int{}
	for _, d := range deps {
		names[d.Name]++
		if !hasTag(d.Tags, "COMMIT_HASH="+commit) {
			t.Errorf("%s is not at commit %s: %v", d.Name, commit, d.Tags)
		}
	}
	if len(deps) != r.deployments || len(names) != r.deployments {
		t.Errorf("%s: the server holds %d deployments (%d names), want %d", env, len(deps), len(names), r.deployments)
	}
	var (
		mu    sync.Mutex
		total int
		dups  []string
		wg    sync.WaitGroup
	)
	sem := make(chan struct{}, 8)
	for _, d := range deps {
		wg.Add(1)
		go func(d prefect.Deployment) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			have, err := c.DeploymentAutomations(ctx, d.ID)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("automations of %s: %v", d.Name, err)
				return
			}
			seen := map[string]bool{}
			for _, a := range have {
				if seen[a.Name] {
					dups = append(dups, a.Name)
				}
				seen[a.Name] = true
			}
			total += len(have)
		}(d)
	}
	wg.Wait()
	if total != r.automations || len(dups) > 0 {
		t.Errorf("%s: the server holds %d automations for %d triggers; duplicated: %v", env, total, r.automations, dups)
	}
}

func hasTag(tags []string, tag string) bool {
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}

func ensurePool(t testing.TB, live string) {
	t.Helper()
	c := client(t, live)
	if _, err := c.ReadWorkPool(context.Background(), pool); err == nil {
		return
	}
	if _, err := c.CreateWorkPool(context.Background(), prefect.WorkPool{Name: pool, Type: "process"}); err != nil && !strings.Contains(err.Error(), "409") {
		t.Fatal(err)
	}
}

func project(t *testing.T) string {
	return fmt.Sprintf("rel-%s-%d", strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")), time.Now().UnixNano()%1e6)
}

// TestExactlyOnceThroughFaults deploys 200 deployments with 240 triggers, redeploys them
// unchanged and then at a new commit, and promotes them, each run through its own seeded ~30%
// faults; after each, the server holds every deployment once and one automation per trigger.
func TestExactlyOnceThroughFaults(t *testing.T) {
	live := liveServer(t)
	ensurePool(t, live)
	r := newRepo(t, project(t), 200)
	ctx := context.Background()

	fp := faultProxy(t, live, 1)
	start := time.Now()
	rep, err := r.deploy(ctx, t, fp.URL, commitA)
	mustSucceed(t, "first deploy", rep, err, map[report.Action]int{report.Created: r.deployments})
	t.Logf("first deploy: %s in %v; %s", rep.Summary(), time.Since(start).Round(time.Millisecond), fp.Summary())
	r.checkServer(t, live, "dev", commitA)

	fp = faultProxy(t, live, 2)
	start = time.Now()
	rep, err = r.deploy(ctx, t, fp.URL, commitA)
	mustSucceed(t, "unchanged redeploy", rep, err, map[report.Action]int{report.Unchanged: r.deployments})
	if n := fp.Writes.Load(); n != 0 {
		t.Errorf("an unchanged redeploy sent %d writes, want 0", n)
	}
	t.Logf("unchanged redeploy: %s in %v; %s", rep.Summary(), time.Since(start).Round(time.Millisecond), fp.Summary())

	fp = faultProxy(t, live, 3)
	start = time.Now()
	rep, err = r.deploy(ctx, t, fp.URL, commitB)
	mustSucceed(t, "redeploy at a new commit", rep, err, map[report.Action]int{report.Updated: r.deployments})
	t.Logf("redeploy at a new commit: %s in %v; %s", rep.Summary(), time.Since(start).Round(time.Millisecond), fp.Summary())
	r.checkServer(t, live, "dev", commitB)

	fp = faultProxy(t, live, 4)
	start = time.Now()
	rep, err = promote.Run(ctx, client(t, fp.URL), promote.Options{SourceEnv: "dev", Env: "prod", Project: r.project, Branch: branch, Concurrency: 4})
	mustSucceed(t, "promote", rep, err, map[report.Action]int{report.Created: r.deployments})
	t.Logf("promote: %s in %v; %s", rep.Summary(), time.Since(start).Round(time.Millisecond), fp.Summary())
	r.checkServer(t, live, "prod", commitB)

	fp = faultProxy(t, live, 5)
	rep, err = promote.Run(ctx, client(t, fp.URL), promote.Options{SourceEnv: "dev", Env: "prod", Project: r.project, Branch: branch, Concurrency: 4})
	mustSucceed(t, "promote again", rep, err, map[report.Action]int{report.Unchanged: r.deployments})
	if n := fp.Writes.Load(); n != 0 {
		t.Errorf("promoting again sent %d writes, want 0", n)
	}
}

// Environment of the child process TestKilledDeployConverges starts (and kills).
const (
	envChildRoot    = "RELIABILITY_CHILD_ROOT"
	envChildProject = "RELIABILITY_CHILD_PROJECT"
	envChildURL     = "RELIABILITY_CHILD_URL"
)

// TestChildDeploy is the deploy a child process runs for TestKilledDeployConverges; it does
// nothing in a normal test run.
func TestChildDeploy(t *testing.T) {
	root := os.Getenv(envChildRoot)
	if root == "" {
		t.Skip("runs only as the child of TestKilledDeployConverges")
	}
	r := repo{root: root, project: os.Getenv(envChildProject)}
	_, _ = r.deploy(context.Background(), t, os.Getenv(envChildURL), commitA)
}

// TestKilledDeployConverges kills (SIGKILL) a deploy of 40 deployments with triggers after a
// fixed number of writes went through, then deploys again through faults: the server must then
// hold every deployment once with one automation per trigger, and one more run writes nothing.
func TestKilledDeployConverges(t *testing.T) {
	live := liveServer(t)
	ensurePool(t, live)
	r := newRepo(t, project(t), 40)
	var (
		writes atomic.Int64
		proc   atomic.Pointer[os.Process] // published after Start: the proxy's handler reads it
		once   sync.Once
		killed = make(chan struct{})
	)
	const killAfter = 60 // writes: mid-way through upserts and their triggers
	px := prefecttest.NewFaultProxy(t, live, func(req *http.Request, body []byte, seen int) prefecttest.Fault {
		if prefecttest.IsWrite(req) && writes.Add(1) == killAfter {
			once.Do(func() {
				if p := proc.Load(); p != nil {
					_ = p.Signal(syscall.SIGKILL)
				}
				close(killed)
			})
		}
		return prefecttest.Forward
	}, prefecttest.FaultOptions{})
	child := exec.Command(os.Args[0], "-test.run=^TestChildDeploy$", "-test.count=1")
	child.Env = append(os.Environ(), envChildRoot+"="+r.root, envChildProject+"="+r.project, envChildURL+"="+px.URL)
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	proc.Store(child.Process)
	done := make(chan error, 1)
	go func() { done <- child.Wait() }()
	select {
	case err := <-done:
		select {
		case <-killed:
			t.Logf("child killed after %d writes: %v", killAfter, err)
		default:
			t.Fatalf("the child deploy finished (%v) before %d writes; the test does not kill it mid-run", err, killAfter)
		}
	case <-time.After(5 * time.Minute):
		_ = child.Process.Kill()
		t.Fatal("the child deploy did not finish")
	}

	fp := faultProxy(t, live, 11)
	rep, err := r.deploy(context.Background(), t, fp.URL, commitA)
	mustSucceed(t, "deploy after the kill", rep, err, nil)
	t.Logf("after the kill: %s; %s", rep.Summary(), fp.Summary())
	r.checkServer(t, live, "dev", commitA)

	px2 := prefecttest.NewProxy(t, live, nil)
	rep, err = r.deploy(context.Background(), t, px2.URL, commitA)
	mustSucceed(t, "the run after", rep, err, map[report.Action]int{report.Unchanged: r.deployments})
	if n := px2.Writes.Load(); n != 0 {
		t.Errorf("a run after convergence sent %d writes, want 0", n)
	}
}

// TestConcurrentDeploysConverge runs two deploys of the same repository at once, each through
// its own faults: afterwards the server holds each deployment once and one automation per
// trigger (no run leaves a second copy), and a third run writes nothing.
func TestConcurrentDeploysConverge(t *testing.T) {
	live := liveServer(t)
	ensurePool(t, live)
	r := newRepo(t, project(t), 40)
	var wg sync.WaitGroup
	reps := make([]*report.Report, 2)
	errs := make([]error, 2)
	for i := range 2 {
		fp := faultProxy(t, live, uint64(21+i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			reps[i], errs[i] = r.deploy(context.Background(), t, fp.URL, commitA)
		}()
	}
	wg.Wait()
	for i := range 2 {
		mustSucceed(t, fmt.Sprintf("concurrent deploy %d", i+1), reps[i], errs[i], nil)
	}
	r.checkServer(t, live, "dev", commitA)
	px := prefecttest.NewProxy(t, live, nil)
	rep, err := r.deploy(context.Background(), t, px.URL, commitA)
	mustSucceed(t, "the run after", rep, err, map[report.Action]int{report.Unchanged: r.deployments})
	if n := px.Writes.Load(); n != 0 {
		t.Errorf("a run after the concurrent ones sent %d writes, want 0", n)
	}
}
