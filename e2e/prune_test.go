package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
)

// TestPruneRemovesExactlyTheStale deploys examples/ to dev and prod on main and to dev on a
// feature branch, adds a deployment made by Prefect's own `prefect deploy` whose name and tags
// look like ours, then removes a flow (one that owns an automation) and a branch: prune deletes
// exactly the stale deployments, with their automations, and nothing else.
func TestPruneRemovesExactlyTheStale(t *testing.T) {
	live := prefecttest.URL(t)
	pool := uniqueName("e2e-prune")
	createProcessPool(t, live, pool)
	r := newRepo(t, pool)
	project := uniqueName("pr")
	c := client(t, live)
	deployArgs := func(env, branch string) []string {
		return []string{"deploy", "--env", env, "--project", project, "--branch", branch, "--commit", r.HEAD(), "--package-version", "1.0.0", "--output", "json"}
	}
	for _, a := range [][]string{deployArgs("dev", "main"), deployArgs("prod", "main")} {
		if res := cliRun(t, r.Dir, live, a...); res.Code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", a, res.Code, res.Stdout, res.Stderr)
		}
	}
	run(t, r.Dir, "git", "checkout", "-q", "-b", "feature/x")
	run(t, r.Dir, "git", "push", "-q", "origin", "feature/x")
	if res := cliRun(t, r.Dir, live, deployArgs("dev", "feature/x")...); res.Code != 0 {
		t.Fatalf("deploy feature/x: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	run(t, r.Dir, "git", "checkout", "-q", "main")

	// Prefect's own CLI: a deployment named like a stale one of ours, with our project, branch
	// and env tags, of a flow that is about to be removed.
	lookalike := project + "--main--fetch-pages.old--dev"
	prefectDeploy(t, live, r.Dir, lookalike, []string{"PROJECT_NAME=" + project, "BRANCH_NAME=main", "ENV=dev", "examples"})

	fetchDev := deploymentID(t, c, "fetch_pages", project+"--main--fetch-pages--dev")
	if autos, err := c.DeploymentAutomations(t.Context(), fetchDev); err != nil || len(autos) != 1 {
		t.Fatalf("fetch-pages dev should own one automation before pruning: %v %+v", err, autos)
	}
	before := projectDeployments(t, c, project)

	// The flow fetch-pages (and its config) goes away on main.
	if err := os.Remove(filepath.Join(r.Dir, "flows", "fetch.py")); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(r.Dir, "prefect-deploy.yaml")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	skip := false
	for _, l := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(l, "  fetch-pages:"):
			skip = true
			continue
		case skip && strings.HasPrefix(l, "    "):
			continue
		}
		skip = false
		kept = append(kept, l)
	}
	if err := os.WriteFile(cfg, []byte(strings.Join(kept, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, r.Dir, "git", "commit", "-q", "-am", "drop fetch-pages")

	// The plan names exactly main/dev's fetch-pages and writes nothing.
	cnt := newCounter(t, live)
	dry := cliRun(t, r.Dir, cnt.URL, "prune", "--env", "dev", "--project", project, "--branch", "main", "--dry-run", "--output", "json")
	if dry.Code != 0 {
		t.Fatalf("prune --dry-run: exit %d\n%s%s", dry.Code, dry.Stdout, dry.Stderr)
	}
	if diff := cmp.Diff([]string{project + "--main--fetch-pages--dev"}, names(dry.Report, report.WouldDelete)); diff != "" {
		t.Errorf("prune --dry-run plan (-want +got):\n%s", diff)
	}
	if n := cnt.Writes.Load(); n != 0 {
		t.Fatalf("prune --dry-run sent %d writes, want 0", n)
	}

	// deploy --prune redeploys main/dev and deletes the stale one with its automation.
	res := cliRun(t, r.Dir, live, append(deployArgs("dev", "main"), "--prune")...)
	if res.Code != 0 {
		t.Fatalf("deploy --prune: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	if diff := cmp.Diff([]string{project + "--main--fetch-pages--dev"}, names(res.Report, report.Deleted)); diff != "" {
		t.Errorf("deploy --prune deleted (-want +got):\n%s", diff)
	}
	if autos, err := c.DeploymentAutomations(t.Context(), fetchDev); err != nil || len(autos) != 0 {
		t.Errorf("the pruned deployment's automation is still there: %v %+v", err, autos)
	}
	want := slices.DeleteFunc(slices.Clone(before), func(n string) bool { return n == project+"--main--fetch-pages--dev" })
	if diff := cmp.Diff(want, projectDeployments(t, c, project)); diff != "" {
		t.Errorf("deployments after deploy --prune (-want +got):\n%s", diff)
	}

	// The feature branch is deleted on the remote: its deployments go, nothing else.
	run(t, r.Dir, "git", "push", "-q", "origin", "--delete", "feature/x")
	res = cliRun(t, r.Dir, live, "prune", "--remote-branches", "origin", "--project", project, "--output", "json")
	if res.Code != 0 {
		t.Fatalf("prune --remote-branches: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	var feature []string
	for _, n := range want {
		if strings.Contains(n, "--feature-x--") {
			feature = append(feature, n)
		}
	}
	if len(feature) != 4 {
		t.Fatalf("expected 4 feature-x deployments before pruning, got %v", feature)
	}
	if diff := cmp.Diff(feature, names(res.Report, report.Deleted)); diff != "" {
		t.Errorf("prune --remote-branches deleted (-want +got):\n%s", diff)
	}
	want = slices.DeleteFunc(want, func(n string) bool { return strings.Contains(n, "--feature-x--") })
	got := projectDeployments(t, c, project)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("deployments after prune --remote-branches (-want +got):\n%s", diff)
	}
	if !slices.Contains(got, lookalike) {
		t.Errorf("the deployment prefect deploy made (%s) was deleted", lookalike)
	}
	// Pruning again finds nothing.
	res = cliRun(t, r.Dir, live, "prune", "--remote-branches", "origin", "--project", project, "--output", "json")
	if res.Code != 0 || len(res.Report.Deployments) != 0 {
		t.Errorf("second prune: exit %d, %+v", res.Code, res.Report)
	}
}

// prefectDeploy runs Prefect's own `prefect deploy` in dir for a prefect.yaml entry called name
// of the greet-people flow, with tags.
func prefectDeploy(t *testing.T, apiURL, dir, name string, tags []string) {
	t.Helper()
	bin, err := prefecttest.Bin()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "prefect.yaml")
	yaml := "name: lookalike\npull:\n  - prefect.deployments.steps.set_working_directory:\n      directory: /opt/prefect\n" +
		"deployments:\n  - name: " + name + "\n    entrypoint: flows/greet.py:greet\n    tags: [" + strings.Join(tags, ", ") + "]\n" +
		"    work_pool: {name: " + poolOf(t, dir) + "}\n"
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(bin, "prefect"), "--no-prompt", "deploy", "--name", name, "--prefect-file", file)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "PREFECT_HOME=" + t.TempDir(), "PREFECT_API_URL=" + apiURL, "PREFECT_LOGGING_LEVEL=WARNING"}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("prefect deploy: %v\n%s", err, out)
	}
}

// poolOf reads the work pool the repository's config names.
func poolOf(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "prefect-deploy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "work_pool: "); ok {
			return v
		}
	}
	t.Fatal("no work_pool in the config")
	return ""
}

// projectDeployments lists, sorted, the names of every deployment whose name starts with the
// project (whoever made it).
func projectDeployments(t *testing.T, c *prefect.Client, project string) []string {
	t.Helper()
	all, err := c.FilterDeployments(t.Context(), prefect.DeploymentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range all {
		if strings.HasPrefix(d.Name, project+"--") {
			out = append(out, d.Name)
		}
	}
	slices.Sort(out)
	return out
}

func deploymentID(t *testing.T, c *prefect.Client, flow, name string) string {
	t.Helper()
	d, err := c.ReadDeploymentByName(t.Context(), flow, name)
	if err != nil {
		t.Fatal(err)
	}
	return d.ID
}

// names lists, sorted, the report's deployments with action a.
func names(rep *report.Report, a report.Action) []string {
	var out []string
	if rep == nil {
		return nil
	}
	for _, d := range rep.Deployments {
		if d.Action == a {
			out = append(out, d.Name)
		}
	}
	slices.Sort(out)
	return out
}
