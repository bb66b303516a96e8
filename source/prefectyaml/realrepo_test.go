package prefectyaml

import (
	stdcmp "cmp"
	"context"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
)

// TestRealRepositoryMatchesPrefectDeploy is the measurement behind the
// package documentation's list of differences, run by hand on a checkout of
// a real monorepo (it is skipped otherwise):
//
//	PREFECTYAML_REAL_REPO=/path/to/checkout       # a git checkout, unmodified
//	PREFECTYAML_REAL_API_URL=http://.../api       # a second live server, for prefect deploy
//	PREFECTYAML_REAL_PREFECT_BIN=/venv/bin        # the prefect CLI to compare with (default: .venv)
//	PREFECTYAML_REAL_ENVS=staging,prod            # the environments (entry name suffixes)
//	PREFECTYAML_REAL_REPORT=/tmp/report.json      # optional: every difference, as JSON
//	PREFECTYAML_REAL_PYTHONPATH=/extra/stubs       # optional: modules the flows import that are not installed
//	PREFECTYAML_REAL_RESUME=1                     # optional: skip files prefect deploy already deployed there
//	PREFECTYAML_REAL_JOBS=2                       # optional: prefect deploy runs at a time
//
// For every environment it loads the repository's pipelines/*/prefect.yaml
// (PREFECTYAML_REAL_GLOB), creates each selected entry's Spec on the test
// server, runs `prefect --no-prompt deploy --prefect-file F --name N...` for
// the same entries against the second server, with prefect-docker's steps
// stubbed to return the outputs of the image CI built (testdata/pystub),
// and compares the two stored deployments field by field; then it runs
// prefect deploy once more (an update, as every CI run after the first is)
// and compares again. It fails when after that redeploy fewer than
// PREFECTYAML_REAL_MIN percent (default 99) of the fields are equal.
//
// The prefect CLI should run on the Python the repository requires (its
// pyproject.toml's requires-python), with the repository's own packages
// installed where they can be: on an older Python, or without them, Prefect
// falls back to reading the flow without importing it, and fails on what
// that cannot compile (a typing.TypedDict annotation before Python 3.12).
// For prefeitura-rio/prefect_rj_iplanrio (Python 3.13, prefect 3.4.9, a uv
// workspace whose iplanrio package is a git submodule) that venv was made
// with the lock's registry pins (uv.lock's [[package]] entries with a
// registry source, as name==version, less the Windows-only pywin32),
// its override-dependencies, and the submodule's commit (fetched
// separately, as a clone does not carry it):
//
//	python3.13 -m venv $V && $V/bin/pip install prefect==3.4.9
//	$V/bin/uv pip install --python $V/bin/python --no-deps --override overrides.txt -r pins.txt
//	$V/bin/uv pip install --python $V/bin/python --no-deps ./iplanrio-at-submodule-commit
//	apt-get install libodbc2   # pyodbc, imported by iplanrio's dump_db templates
//	$V/bin/python -m compileall -q $V/lib   # uv does not byte-compile; PYTHONDONTWRITEBYTECODE is set here
func TestRealRepositoryMatchesPrefectDeploy(t *testing.T) {
	repo := os.Getenv("PREFECTYAML_REAL_REPO")
	if repo == "" {
		t.Skip("PREFECTYAML_REAL_REPO is not set")
	}
	pyURL := os.Getenv("PREFECTYAML_REAL_API_URL")
	if pyURL == "" {
		t.Fatal("PREFECTYAML_REAL_API_URL must name a second live server for prefect deploy")
	}
	bin := os.Getenv("PREFECTYAML_REAL_PREFECT_BIN")
	if bin == "" {
		var err error
		if bin, err = prefecttest.Bin(); err != nil {
			t.Fatal(err)
		}
	}
	glob := stdcmp.Or(os.Getenv("PREFECTYAML_REAL_GLOB"), "pipelines/*/prefect.yaml")
	envs := strings.Split(stdcmp.Or(os.Getenv("PREFECTYAML_REAL_ENVS"), "staging,prod"), ",")
	minPct, _ := strconv.ParseFloat(stdcmp.Or(os.Getenv("PREFECTYAML_REAL_MIN"), "99"), 64)
	jobs, _ := strconv.Atoi(stdcmp.Or(os.Getenv("PREFECTYAML_REAL_JOBS"), "2"))
	jobs = max(jobs, 1)
	stub, err := filepath.Abs("testdata/pystub")
	if err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	goClient, err := prefect.New(prefect.Config{APIURL: prefecttest.URL(t), RetryBaseDelay: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	pyClient, err := prefect.New(prefect.Config{APIURL: pyURL, RetryBaseDelay: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}

	var deps []Deployment
	for _, env := range envs {
		got, err := Load([]string{glob}, Options{Dir: repo, Env: env, RunScripts: true})
		if err != nil {
			t.Fatalf("Load(%s): %v", env, err)
		}
		t.Logf("%s: %d deployments", env, len(got))
		deps = append(deps, got...)
	}
	pools := map[string]bool{}
	for _, d := range deps {
		pools[d.Spec.WorkPoolName] = true
	}
	for pool := range pools {
		ensureProcessPool(t, goClient, pool)
		ensureProcessPool(t, pyClient, pool)
	}

	// Load's side.
	for _, d := range deps {
		flow, err := goClient.EnsureFlow(ctx, d.FlowName)
		if err != nil {
			t.Fatal(err)
		}
		spec := d.Spec
		spec.FlowID = flow.ID
		if _, _, err := goClient.UpsertDeployment(ctx, &spec); err != nil {
			t.Fatalf("%s:%d: UpsertDeployment(%s): %v", d.File, d.Line, d.Name, err)
		}
	}

	// prefect deploy's side: one run per file, PREFECTYAML_REAL_JOBS at a time.
	byFile := map[string][]string{}
	for _, d := range deps {
		byFile[d.File] = append(byFile[d.File], d.Name)
	}
	cliEnv := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "PREFECT_HOME=" + t.TempDir(),
		"PREFECT_API_URL=" + pyURL, "PREFECT_LOGGING_LEVEL=WARNING", "PYTHONPATH=" + strings.Trim(stub+":"+os.Getenv("PREFECTYAML_REAL_PYTHONPATH"), ":"), "PYTHONDONTWRITEBYTECODE=1",
	}
	deployFile := func(file string) ([]byte, error) {
		args := []string{"--no-prompt", "deploy", "--prefect-file", file}
		for _, n := range byFile[file] {
			args = append(args, "--name", n)
		}
		cmd := exec.Command(filepath.Join(bin, "prefect"), args...)
		cmd.Dir, cmd.Env = repo, cliEnv
		return cmd.CombinedOutput()
	}
	deployAll := func(phase string) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		var again []string
		sem := make(chan struct{}, jobs)
		resume := phase == "first deploy" && os.Getenv("PREFECTYAML_REAL_RESUME") != ""
		for file := range byFile {
			if resume && deployedAll(ctx, pyClient, deps, file) {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				if _, err := deployFile(file); err != nil {
					mu.Lock()
					again = append(again, file)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		// A busy SQLite server refuses some writes ("database is locked"):
		// those files run again, one at a time (prefect deploy updates).
		for _, file := range again {
			if out, err := deployFile(file); err != nil {
				t.Errorf("%s: prefect deploy %s: %v\n%s", phase, file, err, out)
			}
		}
	}

	// Field by field, after prefect deploy created the deployments and
	// again after it updated them (as every CI run after the first does):
	// the two differ where prefect deploy's create and update do.
	type difference struct {
		Phase      string `json:"phase"`
		Deployment string `json:"deployment"`
		Field      string `json:"field"`
		Diff       string `json:"diff"`
	}
	var diffs []difference
	var redeployPct float64
	for _, phase := range []string{"first deploy", "redeploy"} {
		deployAll(phase)
		total, equal := 0, 0
		perField := map[string]int{}
		for _, d := range deps {
			g, err := goClient.ReadDeploymentByName(ctx, d.FlowName, d.Name)
			if err != nil {
				t.Fatal(err)
			}
			p, err := pyClient.ReadDeploymentByName(ctx, d.FlowName, d.Name)
			if err != nil {
				// The flow name is a stored field too: prefect deploy put the
				// deployment under another flow, or did not make it.
				t.Errorf("%s: %s: prefect deploy's deployment is not under flow %q: %v", phase, d.Name, d.FlowName, err)
				total += len(storedFields(g))
				continue
			}
			gf, pf := storedFields(g), storedFields(p)
			for _, k := range slices.Sorted(maps.Keys(gf)) {
				total++
				if diff := cmp.Diff(pf[k], gf[k], cmpopts.EquateEmpty()); diff != "" {
					perField[k]++
					diffs = append(diffs, difference{phase, d.Name, k, diff})
					continue
				}
				equal++
			}
		}
		pct := 100 * float64(equal) / float64(max(total, 1))
		redeployPct = pct
		t.Logf("%s: %d deployments, %d stored fields, %d equal (%.2f%%)", phase, len(deps), total, equal, pct)
		fields := slices.Sorted(maps.Keys(perField))
		sort.SliceStable(fields, func(i, j int) bool { return perField[fields[i]] > perField[fields[j]] })
		for _, f := range fields {
			t.Logf("  %-28s differs in %d deployments", f, perField[f])
		}
		if path := os.Getenv("PREFECTYAML_REAL_REPORT"); path != "" {
			data, _ := json.MarshalIndent(diffs, "", "  ")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Error(err)
			}
		}
	}
	if redeployPct < minPct {
		t.Errorf("after prefect deploy's redeploy %.2f%% of stored fields are equal, want at least %.2f%%", redeployPct, minPct)
	}
}

// storedFields is a stored deployment as JSON fields, without what differs
// between any two deployments (identity, timestamps, status) and with the
// flow compared by being found under the same flow name.
func storedFields(d *prefect.Deployment) map[string]any {
	c := comparable(d)
	c.FlowID = ""
	data, err := json.Marshal(c)
	if err != nil {
		panic(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		panic(err)
	}
	for _, k := range []string{"id", "created", "updated", "name", "status", "flow_id"} {
		delete(m, k)
	}
	// The server labels a deployment with its flow's id, which differs between two servers.
	if labels, ok := m["labels"].(map[string]any); ok && labels["prefect.flow.id"] == d.FlowID {
		delete(labels, "prefect.flow.id")
	}
	return m
}

// deployedAll reports whether the second server has every deployment of file already.
func deployedAll(ctx context.Context, c *prefect.Client, deps []Deployment, file string) bool {
	for _, d := range deps {
		if d.File != file {
			continue
		}
		if _, err := c.ReadDeploymentByName(ctx, d.FlowName, d.Name); err != nil {
			return false
		}
	}
	return true
}
