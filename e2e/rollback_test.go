package e2e

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
)

// TestRollbackRestoresTheEarlierRelease deploys release v1.0.0 to prod, then a commit that
// changes parameters, a schedule, a concurrency limit, a trigger, the code and adds a flow, and
// rolls prod back to v1.0.0: refused without --allow-downgrade (nothing written), then every
// deployment is field for field what v1.0.0 made (same id, automations included) and the flow
// added since is pruned.
func TestRollbackRestoresTheEarlierRelease(t *testing.T) {
	live := prefecttest.URL(t)
	pool := uniqueName("e2e-rollback")
	createProcessPool(t, live, pool)
	r := newRepo(t, pool)
	writeFile(t, r.Dir, "pyproject.toml", "[project]\nname = \"examples\"\nversion = \"1.0.0\"\n")
	run(t, r.Dir, "git", "add", "-A")
	run(t, r.Dir, "git", "commit", "-q", "-m", "release 1.0.0")
	run(t, r.Dir, "git", "tag", "v1.0.0")
	shaA := r.HEAD()
	project := uniqueName("rb")
	c := client(t, live)
	deploy := func(extra ...string) result {
		t.Helper()
		res := cliRun(t, r.Dir, live, append([]string{"deploy", "--env", "prod", "--project", project, "--branch", "main", "--output", "json"}, extra...)...)
		if res.Code != 0 {
			t.Fatalf("deploy: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
		}
		return res
	}
	deploy()
	atA := snapshot(t, c, project)
	if len(atA) != 4 {
		t.Fatalf("v1.0.0 made %d deployments, want 4", len(atA))
	}

	// Release 1.1.0 changes nearly everything a deployment holds.
	cfg := filepath.Join(r.Dir, "prefect-deploy.yaml")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for old, repl := range map[string]string{
		"names: [Ada, Grace, Linus]":         "names: [Barbara]",
		`cron: "0 9 * * 1-5"`:                `cron: "30 7 * * *"`,
		"concurrency_limit: 1":               "concurrency_limit: 3",
		"expect: [examples.pages.requested]": "expect: [examples.pages.wanted]",
	} {
		if !strings.Contains(text, old) {
			t.Fatalf("the example config no longer has %q", old)
		}
		text = strings.Replace(text, old, repl, 1)
	}
	writeFile(t, r.Dir, "prefect-deploy.yaml", text)
	writeFile(t, r.Dir, "pyproject.toml", "[project]\nname = \"examples\"\nversion = \"1.1.0\"\n")
	writeFile(t, r.Dir, "flows/extra.py", "from prefect import flow\n\n\n@flow\ndef extra_flow():\n    \"\"\"Added in 1.1.0.\"\"\"\n")
	run(t, r.Dir, "git", "add", "-A")
	run(t, r.Dir, "git", "commit", "-q", "-m", "release 1.1.0")
	run(t, r.Dir, "git", "tag", "v1.1.0")
	deploy()
	atB := snapshot(t, c, project)
	if len(atB) != 5 || cmp.Equal(atA, atB) {
		t.Fatalf("v1.1.0 should have changed the 4 deployments and added one; got %d", len(atB))
	}

	// Without the guard's confirmation: the plan, a refusal, nothing written.
	cnt := newCounter(t, live)
	refused := cliRun(t, r.Dir, cnt.URL, "rollback", "--env", "prod", "--project", project, "--branch", "main", "--to", "v1.0.0", "--prune")
	if refused.Code != 1 || !strings.Contains(refused.Stderr, "newer than") || !strings.Contains(refused.Stdout, "would-update") {
		t.Errorf("rollback without --allow-downgrade: exit %d\n%s%s", refused.Code, refused.Stdout, refused.Stderr)
	}
	if n := cnt.Writes.Load(); n != 0 {
		t.Fatalf("a refused rollback sent %d writes", n)
	}

	res := cliRun(t, r.Dir, live, "rollback", "--env", "prod", "--project", project, "--branch", "main", "--to", "v1.0.0", "--allow-downgrade", "--prune", "--output", "json")
	if res.Code != 0 {
		t.Fatalf("rollback: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	if res.Report.Counts[report.Updated] != 4 || res.Report.Counts[report.Deleted] != 1 {
		t.Errorf("rollback counts = %+v; want 4 updated, 1 deleted", res.Report.Counts)
	}
	after := snapshot(t, c, project)
	if diff := cmp.Diff(atA, after, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("prod after the rollback differs from v1.0.0's (-v1.0.0 +rolled back):\n%s", diff)
	}
	for _, d := range after {
		if tag(d.Deployment.Tags, "COMMIT_HASH") != shaA {
			t.Errorf("%s: COMMIT_HASH %s, want v1.0.0's %s", d.Deployment.Name, tag(d.Deployment.Tags, "COMMIT_HASH"), shaA)
		}
	}
	if _, err := os.Stat(filepath.Join(r.Dir, ".git", "worktrees")); err == nil {
		if entries, _ := os.ReadDir(filepath.Join(r.Dir, ".git", "worktrees")); len(entries) > 0 {
			t.Errorf("the rollback left a git worktree behind: %v", entries)
		}
	}
}

// stored is a deployment as the server holds it, with what a redeploy always renews left out,
// and its automations.
type stored struct {
	Deployment  prefect.Deployment
	Automations []prefect.Automation
}

// snapshot reads every deployment of the project (by name prefix) with its automations.
func snapshot(t *testing.T, c *prefect.Client, project string) map[string]stored {
	t.Helper()
	out := map[string]stored{}
	for _, name := range projectDeployments(t, c, project) {
		all, err := c.FilterDeployments(t.Context(), prefect.DeploymentFilter{Names: []string{name}})
		if err != nil || len(all) != 1 {
			t.Fatalf("read %s: %v (%d found)", name, err, len(all))
		}
		d := all[0]
		d.Updated = time.Time{}
		d.Status = ""
		for i := range d.Schedules {
			d.Schedules[i].ID = "" // schedules are replaced on every write
		}
		sort.Slice(d.Schedules, func(i, j int) bool {
			return d.Schedules[i].Schedule.Cron+d.Schedules[i].Schedule.RRule < d.Schedules[j].Schedule.Cron+d.Schedules[j].Schedule.RRule
		})
		autos, err := c.DeploymentAutomations(t.Context(), d.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i := range autos {
			autos[i].ID, autos[i].Created = "", time.Time{} // automations (and their triggers' ids) are replaced on every write
			delete(autos[i].Trigger, "id")
		}
		out[name] = stored{Deployment: d, Automations: autos}
	}
	return out
}

func tag(tags []string, key string) string {
	for _, t := range tags {
		if v, ok := strings.CutPrefix(t, key+"="); ok {
			return v
		}
	}
	return ""
}
