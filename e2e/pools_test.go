package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
)

// TestWorkPoolsAsCode declares the work pool the deployments use (which does not exist yet) and
// its queues in the config: the first deploy creates them before the deployments, with
// Prefect's default job template for the type, as `prefect work-pool create` would; later
// deploys leave them alone — even what was changed on the server in fields the config does not
// set — and change only a field the config changes.
func TestWorkPoolsAsCode(t *testing.T) {
	live := prefecttest.URL(t)
	pool := uniqueName("e2e-pools")
	r := newRepo(t, pool)
	cfg := filepath.Join(r.Dir, "prefect-deploy.yaml")
	declare := func(poolLimit int) {
		t.Helper()
		b, err := os.ReadFile(cfg)
		if err != nil {
			t.Fatal(err)
		}
		text, _, _ := strings.Cut(string(b), "\nwork_pools:")
		text += "\nwork_pools:\n  " + pool + ":\n    type: process\n    concurrency_limit: " + strconv.Itoa(poolLimit) + "\n" +
			"    queues:\n      critical: {priority: 1, concurrency_limit: 2}\n      default: {description: everything else}\n"
		if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		run(t, r.Dir, "git", "commit", "-q", "-am", "pools")
	}
	declare(3)
	project := uniqueName("pl")
	deploy := func(url string, extra ...string) result {
		t.Helper()
		args := append([]string{"deploy", "--env", "dev", "--project", project, "--branch", "main", "--package-version", "1.0.0", "--output", "json"}, extra...)
		res := cliRun(t, r.Dir, url, args...)
		if res.Code != 0 {
			t.Fatalf("deploy %v: exit %d\n%s%s", extra, res.Code, res.Stdout, res.Stderr)
		}
		return res
	}
	actions := func(rep *report.Report) map[string]report.Action {
		out := map[string]report.Action{}
		for _, it := range rep.WorkPools {
			out[it.Name] = it.Action
		}
		return out
	}
	p, q, d := "work pool "+pool, "work queue "+pool+"/critical", "work queue "+pool+"/default"

	// The dry run plans the pool and its queues and the deployments on it, and writes nothing.
	cnt := newCounter(t, live)
	dry := deploy(cnt.URL, "--dry-run")
	if diff := cmp.Diff(map[string]report.Action{p: report.WouldCreate, q: report.WouldCreate, d: report.WouldUpdate}, actions(dry.Report)); diff != "" {
		t.Errorf("dry-run plan of the pools (-want +got):\n%s", diff)
	}
	if dry.Report.Counts[report.WouldCreate] != 4 || cnt.Writes.Load() != 0 {
		t.Fatalf("dry run: %+v, %d writes; want 4 would-create deployments and no write", dry.Report.Counts, cnt.Writes.Load())
	}

	first := deploy(live)
	if diff := cmp.Diff(map[string]report.Action{p: report.Created, q: report.Created, d: report.Updated}, actions(first.Report)); diff != "" {
		t.Errorf("first deploy (-want +got):\n%s", diff)
	}
	c := client(t, live)
	wp, err := c.ReadWorkPool(t.Context(), pool)
	if err != nil {
		t.Fatal(err)
	}
	if wp.Type != "process" || wp.ConcurrencyLimit == nil || *wp.ConcurrencyLimit != 3 {
		t.Errorf("pool = %+v; want a process pool limited to 3", wp)
	}
	if jc, _ := wp.BaseJobTemplate["job_configuration"].(map[string]any); jc["command"] != "{{ command }}" {
		t.Errorf("pool base job template = %v; want Prefect's default process template", wp.BaseJobTemplate)
	}
	crit, err := c.ReadWorkQueue(t.Context(), pool, "critical")
	if err != nil || crit.Priority == nil || *crit.Priority != 1 || crit.ConcurrencyLimit == nil || *crit.ConcurrencyLimit != 2 {
		t.Errorf("queue critical = %+v, %v; want priority 1, limit 2", crit, err)
	}
	if def, err := c.ReadWorkQueue(t.Context(), pool, "default"); err != nil || def.Description != "everything else" {
		t.Errorf("queue default = %+v, %v; want the declared description", def, err)
	}

	// Someone changes, on the server, fields the config does not set: they stay.
	if err := c.UpdateWorkPool(t.Context(), pool, map[string]any{"description": "set in the UI"}); err != nil {
		t.Fatal(err)
	}
	if err := c.UpdateWorkQueue(t.Context(), pool, "critical", map[string]any{"is_paused": true}); err != nil {
		t.Fatal(err)
	}
	cnt = newCounter(t, live)
	again := deploy(cnt.URL)
	if diff := cmp.Diff(map[string]report.Action{p: report.Unchanged, q: report.Unchanged, d: report.Unchanged}, actions(again.Report)); diff != "" {
		t.Errorf("second deploy (-want +got):\n%s", diff)
	}
	if n := cnt.Writes.Load(); n != 0 {
		t.Errorf("an unchanged redeploy with pools sent %d writes, want 0", n)
	}

	// The config changes the pool's limit: only that field is written.
	declare(5)
	third := deploy(live)
	if diff := cmp.Diff(map[string]report.Action{p: report.Updated, q: report.Unchanged, d: report.Unchanged}, actions(third.Report)); diff != "" {
		t.Errorf("third deploy (-want +got):\n%s", diff)
	}
	wp, err = c.ReadWorkPool(t.Context(), pool)
	if err != nil || wp.ConcurrencyLimit == nil || *wp.ConcurrencyLimit != 5 || wp.Description != "set in the UI" {
		t.Errorf("pool after the limit change = %+v, %v; want limit 5 and the UI's description kept", wp, err)
	}
	if crit, err := c.ReadWorkQueue(t.Context(), pool, "critical"); err != nil || !crit.IsPaused {
		t.Errorf("queue critical = %+v, %v; its pause from the UI should be kept", crit, err)
	}

	// A declared type that differs from the pool's is refused before anything is written.
	b, _ := os.ReadFile(cfg)
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(b), "type: process", "type: docker", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, r.Dir, "git", "commit", "-q", "-am", "wrong type")
	cnt = newCounter(t, live)
	bad := cliRun(t, r.Dir, cnt.URL, "deploy", "--env", "dev", "--project", project, "--branch", "main", "--package-version", "1.0.0")
	if bad.Code != 1 || !strings.Contains(bad.Stderr, `is of type "process" on the server but the config declares "docker"`) || cnt.Writes.Load() != 0 {
		t.Errorf("type change: exit %d, %d writes\n%s", bad.Code, cnt.Writes.Load(), bad.Stderr)
	}
}
