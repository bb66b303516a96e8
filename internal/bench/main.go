// Command bench measures prefect-deploy against live Prefect servers of every kind, side by side
// with what users run today, in one run, and decides whether it meets its targets:
//
//   - servers: a local server on SQLite; one on PostgreSQL (a throwaway cluster); and "wan",
//     standing in for Prefect Cloud seen from a CI runner: -wan-replicas API processes (`prefect
//     server start --no-services`, as a hosted API runs apart from its background services) on
//     that PostgreSQL database, behind a proxy that adds -wan-latency to every request and sends
//     them to the replicas in turn. All run for the whole benchmark, and the rows go N by N
//     (every kind at one N before the next N);
//   - the floor on each server: the best time of the bare Prefect client creating the same N
//     flows and deployments (every flow, then every deployment) at a fixed concurrency of 1, 2,
//     4, 8 or 16 — no discovery, planning or report. The concurrency that was best on the last
//     row goes first; a floor run already slower than the best so far, or on course to take 25 %
//     longer, is stopped: it cannot be the best;
//   - prefect-deploy (the built binary, as users run it, default settings: adaptive concurrency
//     up to 16): a first deploy on fresh flows after the first floor run and another after the
//     last (-product-runs; the faster counts: the machine's load drifts during a row), then an
//     unchanged redeploy and a redeploy with one flow changed, with the requests per deployment,
//     the process's peak RSS and what its writer did (its PREFECT_DEPLOY_TRACE);
//   - Prefect's own `prefect --no-prompt deploy --all` (from .venv) over a prefect.yaml listing
//     the same flows, first and (up to -cli-again-max-n) again unchanged, through the same server
//     or proxy;
//   - at the end, scripts/ci-job.sh: the whole CI job both ways (pip over the network).
//
// Targets: the first deploy within 1.2× of the floor on every server; on wan at 500 flows at
// least 50× faster than `prefect deploy --all`; an unchanged redeploy at most 1% of `prefect
// deploy --all`'s; discovery of 10,000 files under a second. Run it with `make bench`:
//
//	make bench                                        # N = 100,500,1000; Prefect's CLI at 100 (+500 on wan)
//	make bench BENCH_ARGS='-n 100 -servers sqlite -ci-job 0'   # a quick look
//
// Every server is started by the benchmark and removed at the end.
package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/prefect-flow-deploy/prefect-deploy-action/cli"
	"github.com/prefect-flow-deploy/prefect-deploy-action/deploy"
	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/config"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/discover"
)

// Targets the benchmark checks.
const (
	maxFloorRatio     = 1.2
	minWANSpeedup     = 50
	wanSpeedupN       = 500
	maxRedeployShare  = 0.01
	maxDiscoverTime   = time.Second
	benchPool         = "bench-pool"
	benchImage        = "example.com/bench:1"
	benchCommit       = "0123456789abcdef0123456789abcdef01234567"
	benchEnv          = "bench"
	discoverRuns      = 3
	defaultDiscovered = 10000
)

// floorConcurrency are the fixed concurrencies the floor tries (-floor-c).
var floorConcurrency []int

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := 0
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		}
		code = 1
	}
	stop()
	os.Exit(code)
}

// row is one line of the results table: one server kind and one N.
type row struct {
	server              string
	n                   int
	floor               time.Duration
	floorC              int
	floorNote           string
	first, redo, change time.Duration
	reqFirst, reqRedo   float64 // requests per deployment
	reqChange           float64
	retriesFirst        int64 // writes beyond one per flow and one per deployment
	rssKiB              int64 // peak RSS of the prefect-deploy process, the largest of its runs
	cliFirst, cliRedo   time.Duration
	cliRSSKiB           int64
	load                string // the machine's 1-minute load average at the row's start and end
	// The share of one core the server's API process used during the best floor run, the
	// counted first deploy and prefect deploy --all's first run (0: not measured).
	floorCPU, firstCPU, cliCPU float64
	writer                     traceSummary // the first deploy's writer
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sizes := fs.String("n", "100,500,1000", "comma-separated numbers of flows to deploy")
	kinds := fs.String("servers", "sqlite,postgres,wan", "server kinds: sqlite, postgres, wan (postgres behind a latency proxy)")
	latency := fs.Duration("wan-latency", 80*time.Millisecond, "delay the wan proxy adds to every request")
	replicas := fs.Int("wan-replicas", 3, "API processes (prefect server start --no-services) on the PostgreSQL database that the wan proxy sends requests to in turn, standing in for a hosted Prefect's API (0: the postgres row's own server)")
	cliSizes := fs.String("cli-n", "100", "N at which Prefect's own CLI also runs on every server (empty: never)")
	cliWAN := fs.String("cli-wan-n", "500", "further N at which Prefect's own CLI runs on wan")
	bin := fs.String("bin", "bin/prefect-deploy", "the prefect-deploy binary to measure (make bench builds it)")
	files := fs.Int("discover-files", defaultDiscovered, "Python files generated for the discovery timing")
	ceiling := fs.Int("concurrency", deploy.DefaultConcurrency, "prefect-deploy's --concurrency (the adaptive writer's ceiling)")
	cliAgain := fs.Int("cli-again-max-n", 100, "largest N at which prefect deploy --all runs a second time, unchanged (above it the unchanged redeploy is compared with its first run)")
	ciJob := fs.Int("ci-job", 10, "flows for scripts/ci-job.sh, run at the end (pip over the network; 0: not run)")
	productRuns := fs.Int("product-runs", 2, "first deploys per row, on fresh flows: after -product-at floor runs and (the second) after the last; the faster counts")
	productAt := fs.Int("product-at", 1, "floor runs before prefect-deploy's first deploy, the others after it")
	floorC := fs.String("floor-c", "4,16,8,2,1", "fixed concurrencies the floor tries, in this order (empty: no floor)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ns, err := parseSizes(*sizes)
	if err != nil {
		return err
	}
	cliAll, err := parseOptionalSizes(*cliSizes)
	if err != nil {
		return err
	}
	cliW, err := parseOptionalSizes(*cliWAN)
	if err != nil {
		return err
	}
	if floorConcurrency, err = parseOptionalSizes(*floorC); err != nil {
		return err
	}
	var servers []string
	for _, k := range strings.Split(*kinds, ",") {
		switch k = strings.TrimSpace(k); k {
		case "sqlite", "postgres", "wan":
			servers = append(servers, k)
		case "":
		default:
			return fmt.Errorf("-servers: unknown kind %q (want sqlite, postgres, wan)", k)
		}
	}
	if *files < 1 || *files > 100000 {
		return fmt.Errorf("-discover-files must be between 1 and 100000, got %d", *files)
	}
	binPath, err := filepath.Abs(*bin)
	if err != nil {
		return err
	}
	if _, err := os.Stat(binPath); err != nil {
		return fmt.Errorf("%s: %w (run `make build`, or `make bench`, which builds it)", *bin, err)
	}
	pyBin, err := prefecttest.Bin()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "prefect-deploy-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	b := &bench{ceiling: *ceiling, productAt: *productAt, productRuns: *productRuns, cliAgain: *cliAgain, ciJob: *ciJob, lastBest: map[string]int{}, bin: binPath, pyBin: pyBin, stderr: stderr, run: strconv.FormatInt(time.Now().UnixMilli()%(36*36*36*36), 36)}
	fmt.Fprintf(stderr, "bench: %d CPU, load %s, servers %s, N %s\n", runtime.NumCPU(), loadAvg(), strings.Join(servers, ","), *sizes)

	walk, git, err := measureDiscovery(filepath.Join(tmp, "discover"), *files, stderr)
	if err != nil {
		return err
	}
	var rows []row
	var version, wanWhat string
	var pg *server
	defer func() {
		if pg != nil {
			pg.stop()
		}
	}()
	// Every server runs for the whole benchmark; the rows go N by N, every server kind at one N
	// before the next N, so that a run cut short has the smaller sizes on every kind.
	srvs := map[string]*server{}
	for _, kind := range servers {
		var srv *server
		switch kind {
		case "sqlite":
			srv, err = startSQLite()
		case "postgres", "wan":
			if pg == nil {
				dir, derr := os.MkdirTemp("", "prefect-deploy-bench-pg-")
				if derr != nil {
					return derr
				}
				defer os.RemoveAll(dir)
				if pg, err = startPostgres(dir); err != nil {
					return fmt.Errorf("PostgreSQL server: %w", err)
				}
			}
			srv = pg
			if kind == "wan" {
				targets := []*server{pg}
				if *replicas > 0 {
					if targets, err = startReplicas(pg, *replicas); err != nil {
						return fmt.Errorf("wan server: %w", err)
					}
					for _, t := range targets {
						defer t.stop()
					}
				}
				srv, err = startWAN(targets, *latency)
				if err == nil {
					wanWhat = srv.what
				}
			}
		}
		if err != nil {
			return fmt.Errorf("%s server: %w", kind, err)
		}
		defer srv.stop() // also on failure; stopping twice is harmless
		if err := checkLoopback(srv.url); err != nil {
			return err
		}
		b.srv = srv
		srvs[kind] = srv
		fmt.Fprintf(stderr, "bench: %s (%s) at %s\n", kind, srv.what, srv.url)
		c, err := b.newClient()
		if err != nil {
			return err
		}
		server, err := c.Server(ctx)
		if err != nil {
			return fmt.Errorf("%s server: %w", kind, err)
		}
		version = server.Version
		if err := ensurePool(ctx, c, benchPool); err != nil {
			return err
		}
		// Warm the server up (first queries, connection pools) so the first row does not pay.
		if _, err := b.measureFloor(ctx, filepath.Join(tmp, kind+"-warmup"), "warmup"+kind+b.run, 20, 4, 0); err != nil {
			return fmt.Errorf("%s warm-up: %w", kind, err)
		}
	}
	for _, n := range ns {
		for _, kind := range servers {
			b.srv = srvs[kind]
			withCLI := slices.Contains(cliAll, n) || (kind == "wan" && slices.Contains(cliW, n))
			r, err := b.measure(ctx, filepath.Join(tmp, kind), kind, n, withCLI)
			if err != nil {
				if len(rows) > 0 {
					writeResults(stdout, rows, 0, 0, 0, version, wanWhat)
				}
				return fmt.Errorf("%s N=%d: %w", kind, n, err)
			}
			rows = append(rows, r)
			fmt.Fprintf(stderr, "bench: row done: %s N=%d load %s floor %s (c%d) first %s (%.2f×) unchanged %s changed %s; prefect deploy --all %s, again %s\n",
				kind, n, r.load, secs(r.floor), r.floorC, secs(r.first), ratio(r.first, r.floor), secs(r.redo), secs(r.change), secs(r.cliFirst), secs(r.cliRedo))
		}
	}
	var ciTable string
	if b.ciJob > 0 {
		if ciTable, err = runCIJob(ctx, b.ciJob, stderr); err != nil {
			writeResults(stdout, rows, walk, git, *files, version, wanWhat)
			return err
		}
	}
	writeResults(stdout, rows, walk, git, *files, version, wanWhat)
	fmt.Fprint(stdout, ciTable)
	return verdict(rows, walk, git, *files)
}

// runCIJob runs scripts/ci-job.sh on n flows (its own server; pip over the network) and returns
// its table and ratios.
func runCIJob(ctx context.Context, n int, stderr io.Writer) (string, error) {
	fmt.Fprintf(stderr, "bench: scripts/ci-job.sh -n %d (pip install over the network, twice) ...\n", n)
	cmd := exec.CommandContext(ctx, filepath.Join("scripts", "ci-job.sh"), "-n", strconv.Itoa(n))
	cmd.Env = childEnv()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("scripts/ci-job.sh: %w (pass -ci-job 0 to leave it out)", err)
	}
	return out.String(), nil
}

// parseOptionalSizes is parseSizes, allowing an empty list.
func parseOptionalSizes(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	return parseSizes(s)
}

// loadAvg is the machine's 1-minute load average, or "?".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

// bench holds what every measurement shares.
type bench struct {
	ceiling     int            // prefect-deploy's --concurrency
	productAt   int            // floor runs before the first deploy
	productRuns int            // first deploys per row
	cliAgain    int            // largest N at which prefect deploy --all runs a second time
	ciJob       int            // flows for scripts/ci-job.sh (0: not run)
	lastBest    map[string]int // per server kind, the concurrency of the last row's floor
	bin         string         // prefect-deploy
	pyBin       string         // .venv/bin
	srv         *server
	stderr      io.Writer
	run         string // token in project and flow names
}

// deployArgs is the deploy command line every measured deploy runs: default settings but the
// ceiling (-concurrency, default the default).
func (b *bench) deployArgs() []string {
	return []string{"deploy", "--concurrency", strconv.Itoa(b.ceiling), "--env", benchEnv, "--branch", "main", "--commit", benchCommit, "--package-version", "1.0.0",
		"--image", benchImage, "--output", "json"}
}

// getenv is the environment the floor client sees: the server's URL and nothing else of Prefect.
func (b *bench) getenv(k string) string {
	if k == prefect.EnvAPIURL {
		return b.srv.url
	}
	return ""
}

// newClient returns a bare client of the server measured.
func (b *bench) newClient() (*prefect.Client, error) {
	cfg, err := prefect.ConfigFromEnv(b.getenv)
	if err != nil {
		return nil, err
	}
	return prefect.New(cfg)
}

// childEnv is the environment of a child process (prefect-deploy, prefect): this process's
// without Prefect settings or the GitHub Actions context, plus extra.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PREFECT_") || strings.HasPrefix(kv, "GITHUB_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// measure times, on the current server, the floor sweep, then prefect-deploy's first deploy,
// unchanged redeploy and one-flow-changed redeploy of n fresh flows, then (withCLI) Prefect's
// CLI on n other fresh flows.
func (b *bench) measure(ctx context.Context, tmp, kind string, n int, withCLI bool) (r row, err error) {
	r = row{server: kind, n: n}
	loadStart := loadAvg()
	defer func() { r.load = loadStart + "→" + loadAvg() }()
	tag := fmt.Sprintf("%d%s", n, b.run)
	var notes []string
	runFloor := func(c int) error {
		fl, err := b.measureFloor(ctx, filepath.Join(tmp, fmt.Sprintf("floor-%s-c%d", tag, c)), fmt.Sprintf("f%s%s%d", kind[:1], tag, c), n, c, r.floor)
		switch {
		case errors.Is(err, errSlower):
			notes = append(notes, fmt.Sprintf("c%d>%s", c, secs(r.floor)))
			fmt.Fprintf(b.stderr, "bench: %s N=%d floor c=%d: stopped, slower than %s\n", kind, n, c, secs(r.floor))
			return nil
		case err != nil:
			return fmt.Errorf("floor at concurrency %d: %w", c, err)
		}
		fmt.Fprintf(b.stderr, "bench: %s N=%d floor c=%d: %s\n", kind, n, c, secs(fl.wall))
		notes = append(notes, fmt.Sprintf("c%d %s", c, secs(fl.wall)))
		if r.floor == 0 || fl.wall < r.floor {
			r.floor, r.floorC, r.floorCPU = fl.wall, c, fl.cpu
		}
		return nil
	}
	// The first deploy runs between the floor runs (after productAt of them), so that a machine
	// whose load drifts during the row weighs on both alike.
	best := b.lastBest[kind]
	if best == 0 && kind == "sqlite" {
		best = 1 // SQLite takes one writer at a time: the others then stop early
	}
	order := floorOrder(floorConcurrency, best)
	at := min(b.productAt, len(order))
	for _, c := range order[:at] {
		if err := runFloor(c); err != nil {
			return r, err
		}
	}
	// firstDeploy deploys n fresh flows (run k of the row) and keeps the faster run.
	var first deployResult
	var dir string
	firstDeploy := func(k int) error {
		d := filepath.Join(tmp, fmt.Sprintf("repo-%s-%d", tag, k))
		if err := writeRepo(d, fmt.Sprintf("d%s%s%d", kind[:1], tag, k), n); err != nil {
			return err
		}
		res, err := b.deploy(ctx, d, &r)
		if err != nil {
			return fmt.Errorf("first deploy: %w", err)
		}
		if got := res.rep.Counts[report.Created]; got != n {
			return fmt.Errorf("first deploy created %d deployments, want %d: %v", got, n, res.rep.Counts)
		}
		fmt.Fprintf(b.stderr, "bench: %s N=%d prefect-deploy first deploy: %s, %s\n", kind, n, secs(res.wall), res.trace)
		notes = append(notes, "prefect-deploy "+secs(res.wall))
		if first.rep == nil || res.wall < first.wall {
			first, dir = res, d
		}
		return nil
	}
	if err := firstDeploy(1); err != nil {
		return r, err
	}
	for _, c := range order[at:] {
		if err := runFloor(c); err != nil {
			return r, err
		}
	}
	if b.productRuns > 1 {
		if err := firstDeploy(2); err != nil {
			return r, err
		}
	}
	r.floorNote = strings.Join(notes, ", ")
	b.lastBest[kind] = r.floorC
	r.first, r.reqFirst, r.writer, r.firstCPU = first.wall, perDeployment(first.rep, n), first.trace, first.cpu
	r.retriesFirst = first.rep.Requests.Writes - 2*int64(n)
	again, err := b.deploy(ctx, dir, &r)
	if err != nil {
		return r, fmt.Errorf("unchanged redeploy: %w", err)
	}
	if got := again.rep.Counts[report.Unchanged]; got != n || again.rep.Requests.Writes != 0 {
		return r, fmt.Errorf("unchanged redeploy: %d unchanged and %d writes, want %d and 0", got, again.rep.Requests.Writes, n)
	}
	r.redo, r.reqRedo = again.wall, perDeployment(again.rep, n)
	if err := changeOneFlow(dir); err != nil {
		return r, err
	}
	changed, err := b.deploy(ctx, dir, &r)
	if err != nil {
		return r, fmt.Errorf("one flow changed: %w", err)
	}
	if got := changed.rep.Counts[report.Updated]; got != 1 || changed.rep.Counts[report.Unchanged] != n-1 {
		return r, fmt.Errorf("one flow changed: %v, want 1 updated and %d unchanged", changed.rep.Counts, n-1)
	}
	r.change, r.reqChange = changed.wall, perDeployment(changed.rep, n)
	fmt.Fprintf(b.stderr, "bench: %s N=%d prefect-deploy: first %s, unchanged %s, one changed %s\n", kind, n, secs(r.first), secs(r.redo), secs(r.change))

	if withCLI {
		cdir := filepath.Join(tmp, "cli-"+tag)
		prefix := "c" + kind[:1] + tag
		if err := writeRepo(cdir, prefix, n); err != nil {
			return r, err
		}
		if err := writePrefectYAML(cdir, prefix, n); err != nil {
			return r, err
		}
		fmt.Fprintf(b.stderr, "bench: %s N=%d prefect deploy --all ...\n", kind, n)
		meter := meterCPU(b.srv)
		if r.cliFirst, err = b.prefectDeploy(ctx, cdir, &r); err != nil {
			return r, err
		}
		r.cliCPU = meter.share()
		c, err := b.newClient()
		if err != nil {
			return r, err
		}
		for i := 0; i < n; i += max(1, n/5) {
			if _, err := c.ReadDeploymentByName(ctx, fmt.Sprintf("%s-flow-%04d", prefix, i), fmt.Sprintf("%s-flow-%04d-bench", prefix, i)); err != nil {
				return r, fmt.Errorf("after prefect deploy --all: %w", err)
			}
		}
		if n <= b.cliAgain {
			if r.cliRedo, err = b.prefectDeploy(ctx, cdir, &r); err != nil {
				return r, err
			}
		}
		fmt.Fprintf(b.stderr, "bench: %s N=%d prefect deploy --all: first %s, unchanged %s\n", kind, n, secs(r.cliFirst), secs(r.cliRedo))
	}
	return r, nil
}

// perDeployment is a report's requests per deployment.
func perDeployment(rep *report.Report, n int) float64 {
	return float64(rep.Requests.Reads+rep.Requests.Writes) / float64(n)
}

// changeOneFlow changes the default of one parameter of the first generated flow: its
// deployment's parameter schema changes, the others' do not.
func changeOneFlow(dir string) error {
	p := filepath.Join(dir, "flows", "flow_0000.py")
	src, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	changed := bytes.Replace(src, []byte("rows: int = 100,"), []byte("rows: int = 250,"), 1)
	if bytes.Equal(changed, src) {
		return fmt.Errorf("%s: no parameter default to change", p)
	}
	return os.WriteFile(p, changed, 0o644)
}

// deployResult is one run of the prefect-deploy binary.
type deployResult struct {
	wall  time.Duration
	rep   *report.Report
	trace traceSummary
	cpu   float64 // the share of one core the server's API process used
}

// deploy runs the prefect-deploy binary in dir against the current server and returns its
// JSON report and wall time; r's peak RSS becomes the largest seen.
func (b *bench) deploy(ctx context.Context, dir string, r *row) (deployResult, error) {
	cmd := exec.CommandContext(ctx, b.bin, b.deployArgs()...)
	cmd.Dir = dir
	tracePath := filepath.Join(dir, ".writer-trace.jsonl")
	_ = os.Remove(tracePath)
	cmd.Env = childEnv("PREFECT_API_URL="+b.srv.url, cli.EnvTrace+"="+tracePath)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	meter := meterCPU(b.srv)
	err := cmd.Run()
	wall := time.Since(start)
	cpu := meter.share()
	tr, terr := readTrace(tracePath, start)
	if terr != nil {
		return deployResult{}, terr
	}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.rssKiB = max(r.rssKiB, ru.Maxrss)
		}
	}
	for _, line := range strings.Split(errb.String(), "\n") {
		if strings.HasPrefix(line, "server busy") || strings.HasPrefix(line, "[retry]") {
			fmt.Fprintf(b.stderr, "bench:   prefect-deploy: %s\n", line)
		}
	}
	rep := new(report.Report)
	jsonErr := json.Unmarshal(out.Bytes(), rep)
	if err != nil {
		msg := tail(errb.String(), 10)
		shown := 0
		for _, d := range rep.Deployments {
			if d.Action == report.Failed && shown < 3 {
				msg += "\n  " + d.Name + ": " + d.Error
				shown++
			}
		}
		return deployResult{}, fmt.Errorf("%v: %s", err, msg)
	}
	if jsonErr != nil {
		return deployResult{}, fmt.Errorf("failed to decode the JSON report: %w", jsonErr)
	}
	return deployResult{wall: wall, rep: rep, trace: tr, cpu: cpu}, nil
}

// prefectDeploy runs `prefect --no-prompt deploy --all` in dir against the current server (a
// fresh PREFECT_HOME so no profile interferes) and returns its wall time.
func (b *bench) prefectDeploy(ctx context.Context, dir string, r *row) (time.Duration, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(b.pyBin, "prefect"), "--no-prompt", "deploy", "--all")
	cmd.Dir = dir
	cmd.Env = childEnv("PREFECT_API_URL="+b.srv.url, "PREFECT_HOME="+filepath.Join(dir, ".prefect-home"), "PREFECT_LOGGING_LEVEL=WARNING")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.cliRSSKiB = max(r.cliRSSKiB, ru.Maxrss)
		}
	}
	if err != nil {
		return took, fmt.Errorf("prefect deploy --all: %w\n%s", err, tail(out.String(), 30))
	}
	return took, nil
}

// errSlower is a floor run stopped because it already took longer than the best so far.
var errSlower = errors.New("slower than the best floor so far")

// floorResult is one floor measurement.
type floorResult struct {
	wall          time.Duration
	reads, writes int64
	cpu           float64 // the share of one core the server's API process used
}

// measureFloor generates n flows under dir (project and flow names made with prefix), builds
// their deployment specs with deploy.Targets (untimed), then times creating them with a fresh
// bare client at concurrency c: every flow (EnsureFlow), then every deployment
// (UpsertDeployment), the client retrying busy answers with its own backoff; a write still
// refused after that is tried again, alone, at the end, as Apply does. When bound is not 0 and
// the run takes longer, it stops with errSlower.
func (b *bench) measureFloor(ctx context.Context, dir, prefix string, n, c int, bound time.Duration) (floorResult, error) {
	if err := writeRepo(dir, prefix, n); err != nil {
		return floorResult{}, err
	}
	targets, err := buildTargets(dir)
	if err != nil {
		return floorResult{}, err
	}
	cl, err := b.newClient()
	if err != nil {
		return floorResult{}, err
	}
	fctx := ctx
	var answered atomic.Int64 // flows and deployments written
	start := time.Now()
	if bound > 0 {
		var cancel context.CancelFunc
		fctx, cancel = context.WithTimeout(ctx, bound)
		defer cancel()
		// A run on course to take 25 % longer than the bound cannot be the best: stopped. (Its
		// average so far counts the cheaper flows, so the course it is on is, if anything,
		// optimistic.)
		go func() {
			tick := time.NewTicker(250 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-fctx.Done():
					return
				case <-tick.C:
				}
				el, d := time.Since(start), answered.Load()
				if el > bound/4 && d > 0 && time.Duration(float64(el)*float64(2*n)/float64(d)) > bound*5/4 {
					cancel()
					return
				}
			}
		}()
	}
	create := func(t *deploy.Target, retry bool) error {
		if t.Spec.FlowID == "" {
			f, err := cl.EnsureFlow(fctx, t.FlowName)
			if err != nil {
				return err
			}
			t.Spec.FlowID = f.ID
		}
		_, created, err := cl.UpsertDeployment(fctx, &t.Spec)
		if err == nil && !created && !retry { // a retry may find what a refused-looking try wrote
			err = fmt.Errorf("deployment %q already existed; the floor must create", t.Spec.Name)
		}
		return err
	}
	start = time.Now()
	meter := meterCPU(b.srv)
	// Generated flows have one deployment each, so target i owns flow i.
	parallel(c, len(targets), func(i int) error {
		if f, err := cl.EnsureFlow(fctx, targets[i].FlowName); err == nil {
			targets[i].Spec.FlowID = f.ID
			answered.Add(1)
		}
		return nil // a flow that failed is ensured again by create
	})
	errs := parallel(c, len(targets), func(i int) error {
		err := create(&targets[i], false)
		if err == nil {
			answered.Add(1)
		}
		return err
	})
	for i, err := range errs {
		if prefect.IsBusy(err) {
			errs[i] = create(&targets[i], true)
		}
	}
	wall := time.Since(start)
	if bound > 0 && (wall > bound || fctx.Err() != nil) {
		return floorResult{}, errSlower
	}
	if err := errors.Join(errs...); err != nil {
		return floorResult{}, err
	}
	reads, writes := cl.Requests()
	return floorResult{wall: wall, reads: reads, writes: writes, cpu: meter.share()}, nil
}

// floorOrder is the order the floor tries the concurrencies cs in: the one that was best on
// the last row first (so that the runs that cannot win stop early), then the others as given.
func floorOrder(cs []int, best int) []int {
	if !slices.Contains(cs, best) {
		return cs
	}
	out := []int{best}
	for _, c := range cs {
		if c != best {
			out = append(out, c)
		}
	}
	return out
}

// parallel runs do(0) … do(count-1), c at a time, and returns their errors.
func parallel(c, count int, do func(i int) error) []error {
	errs := make([]error, count)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range c {
		wg.Go(func() {
			for i := range jobs {
				errs[i] = do(i)
			}
		})
	}
	for i := range count {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return errs
}

func parseSizes(s string) ([]int, error) {
	var ns []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > 5000 {
			return nil, fmt.Errorf("-n %q: want numbers between 1 and 5000", s)
		}
		ns = append(ns, n)
	}
	if len(ns) == 0 {
		return nil, fmt.Errorf("-n %q: want at least one number", s)
	}
	return ns, nil
}

// checkLoopback refuses any server that is not on this machine.
func checkLoopback(apiURL string) error {
	if apiURL == "" {
		return fmt.Errorf("%s is not set; run `make bench`, which starts a throwaway server", prefect.EnvAPIURL)
	}
	u, err := url.Parse(apiURL)
	if err != nil {
		return fmt.Errorf("%s %q: %w", prefect.EnvAPIURL, apiURL, err)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return nil
	}
	return fmt.Errorf("%s %q is not a loopback address; the benchmark only runs against a throwaway local server", prefect.EnvAPIURL, apiURL)
}

// ensurePool creates the process work pool name unless it exists.
func ensurePool(ctx context.Context, c *prefect.Client, name string) error {
	if _, err := c.ReadWorkPool(ctx, name); err == nil {
		return nil
	} else if !prefect.IsNotFound(err) {
		return err
	}
	_, err := c.CreateWorkPool(ctx, prefect.WorkPool{Name: name, Type: "process"})
	return err
}

// buildTargets builds the deployment targets of the generated repository in dir exactly as
// the deploy command would, without contacting the server.
func buildTargets(dir string) ([]deploy.Target, error) {
	cfg, err := config.Load(filepath.Join(dir, config.DefaultFileName))
	if err != nil {
		return nil, err
	}
	targets, _, err := deploy.Targets(deploy.Options{
		Meta:       deploy.Meta{Project: cfg.Project, Branch: "main", Env: benchEnv, Commit: benchCommit, PackageVersion: "1.0.0"},
		SourceRoot: cfg.SourceDir(),
		Config:     cfg,
		Image:      benchImage,
	})
	return targets, err
}

// measureDiscovery generates files Python files under dir and times discover.Discover over
// them, walking the directory and then (after `git init`) listing them with git. Each figure
// is the median of discoverRuns runs with the files in the page cache.
func measureDiscovery(dir string, files int, stderr io.Writer) (walk, git time.Duration, err error) {
	fmt.Fprintf(stderr, "bench: discovery over %d files...\n", files)
	if err := writeDiscoveryTree(dir, files); err != nil {
		return 0, 0, err
	}
	time1 := func() (time.Duration, error) {
		var ds []time.Duration
		for range discoverRuns {
			start := time.Now()
			res, err := discover.Discover(dir, discover.Options{})
			ds = append(ds, time.Since(start))
			if err != nil {
				return 0, err
			}
			if want := discoveryFlows(files); len(res.Flows) != want {
				return 0, fmt.Errorf("discovery found %d flows in the generated tree, want %d", len(res.Flows), want)
			}
		}
		slices.Sort(ds)
		return ds[len(ds)/2], nil
	}
	if walk, err = time1(); err != nil {
		return 0, 0, err
	}
	cmd := exec.Command("git", "init", "-q", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return walk, 0, fmt.Errorf("failed to run git init: %v: %s", err, out)
	}
	if git, err = time1(); err != nil {
		return walk, 0, err
	}
	return walk, git, nil
}

func plural(n int64, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}

func secs(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// joinInts is "1, 2, 4".
func joinInts(ns []int) string {
	var s []string
	for _, n := range ns {
		s = append(s, strconv.Itoa(n))
	}
	return strings.Join(s, ", ")
}

func ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func writeResults(w io.Writer, rows []row, walk, git time.Duration, files int, version, wan string) {
	fmt.Fprintf(w, "\nPrefect %s, %d CPU (load %s at the end), %s; one run, side by side. prefect-deploy at its defaults (adaptive concurrency up to %d);\n"+
		"floor = the bare client's best over fixed concurrency %s; load = the 1-minute load average at the row's start and end; wan = %s;\n"+
		"server CPU = the share of one core the server's API processes used (the floor's best run, the counted first deploy, prefect deploy --all's first run).\n\n",
		version, runtime.NumCPU(), loadAvg(), runtime.Version(), deploy.DefaultConcurrency, joinInts(floorConcurrency), cmp.Or(wan, "not run"))
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.Debug)
	fmt.Fprintln(tw, "| server\t N\t load\t floor (c)\t first deploy\t ratio (≤ 1.2×)\t unchanged\t one changed\t requests/deployment first · unchanged · changed\t retried writes\t peak RSS\t server CPU floor · first · prefect's\t"+
		" prefect deploy --all\t again, unchanged\t speed-up\t floor's speed-up\t unchanged vs prefect's (≤ 1%)\t prefect's peak RSS\t")
	fmt.Fprintln(tw, "|:--\t--:\t--:\t--:\t--:\t--:\t--:\t--:\t--:\t--:\t--:\t--:\t--:\t--:\t--:\t--:\t--:\t--:\t")
	for _, r := range rows {
		cli := " —\t —\t —\t —\t —\t —\t"
		if r.cliFirst > 0 {
			again, share := " —", fmt.Sprintf("%.2f%% of its first", 100*ratio(r.redo, r.cliFirst))
			if r.cliRedo > 0 {
				again, share = " "+secs(r.cliRedo), fmt.Sprintf("%.2f%%", 100*ratio(r.redo, r.cliRedo))
			}
			cli = fmt.Sprintf(" %s\t%s\t %.0f×\t %.0f×\t %s\t %d MiB\t", secs(r.cliFirst), again, ratio(r.cliFirst, r.first), ratio(r.cliFirst, r.floor), share, r.cliRSSKiB/1024)
		}
		floor := "—"
		if r.floor > 0 {
			floor = fmt.Sprintf("%s (%d)", secs(r.floor), r.floorC)
		}
		fmt.Fprintf(tw, "| %s\t %d\t %s\t %s\t %s\t %.2f×\t %s\t %s\t %.2f · %.3f · %.3f\t %d\t %d MiB\t %s\t%s\n",
			r.server, r.n, r.load, floor, secs(r.first), ratio(r.first, r.floor), secs(r.redo), secs(r.change),
			r.reqFirst, r.reqRedo, r.reqChange, r.retriesFirst, r.rssKiB/1024, cpuShares(r), cli)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nFloor runs and first deploys, in the order run (a floor run slower than the best so far, or on course to take 25 % longer, is stopped):")
	for _, r := range rows {
		fmt.Fprintf(w, "  %s N=%d: %s\n", r.server, r.n, r.floorNote)
	}
	fmt.Fprintln(w, "\nThe first deploy's writer (from its trace, "+cli.EnvTrace+"):")
	for _, r := range rows {
		fmt.Fprintf(w, "  %s N=%d: %s\n", r.server, r.n, r.writer)
	}
	if files == 0 {
		return
	}
	fmt.Fprintf(w, "\nDiscovery of %d generated Python files (%d flows): %s walking the directory, %s with git ls-files (median of %d, target < 1 s).\n",
		files, discoveryFlows(files), secs(walk), secs(git), discoverRuns)
}

// cpuShares is "97% · 95% · 14%": the share of one core the server's API process used during
// the floor, the first deploy and prefect deploy --all ("—" where not measured).
func cpuShares(r row) string {
	var out []string
	for _, v := range []float64{r.floorCPU, r.firstCPU, r.cliCPU} {
		if v <= 0 {
			out = append(out, "—")
			continue
		}
		out = append(out, fmt.Sprintf("%.0f%%", 100*v))
	}
	return strings.Join(out, " · ")
}

// verdict reports every missed target as one error.
func verdict(rows []row, walk, git time.Duration, files int) error {
	var missed []string
	for _, r := range rows {
		if q := ratio(r.first, r.floor); q > maxFloorRatio {
			missed = append(missed, fmt.Sprintf("%s N=%d: first deploy is %.2f× the floor (target ≤ %.1f×)", r.server, r.n, q, maxFloorRatio))
		}
		if cliRedo := cmp.Or(r.cliRedo, r.cliFirst); cliRedo > 0 {
			if q := ratio(r.redo, cliRedo); q > maxRedeployShare {
				missed = append(missed, fmt.Sprintf("%s N=%d: the unchanged redeploy takes %.2f%% of prefect deploy --all's (target ≤ %.0f%%)", r.server, r.n, 100*q, 100*maxRedeployShare))
			}
		}
		if r.server == "wan" && r.n == wanSpeedupN && r.cliFirst > 0 {
			if q := ratio(r.cliFirst, r.first); q < minWANSpeedup {
				why := ""
				if r.floor > 0 {
					why = fmt.Sprintf("; the floor, the bare client at its best concurrency, is %.0f× faster", ratio(r.cliFirst, r.floor))
					if r.floorCPU > 0 {
						why += fmt.Sprintf(" with the server's API process busy %.0f%% of one core: the most any client reaches on this server", 100*r.floorCPU)
					}
				}
				missed = append(missed, fmt.Sprintf("wan N=%d: %.0f× faster than prefect deploy --all (target ≥ %d×)%s", r.n, q, minWANSpeedup, why))
			}
		}
	}
	if files >= defaultDiscovered {
		for _, d := range []time.Duration{walk, git} {
			if d >= maxDiscoverTime {
				missed = append(missed, fmt.Sprintf("discovery of %d files took %s (target < 1 s)", files, secs(d)))
				break
			}
		}
	}
	if len(missed) > 0 {
		return errors.New("targets missed:\n  " + strings.Join(missed, "\n  "))
	}
	return nil
}
