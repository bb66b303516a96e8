package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
)

// newMonorepo copies testdata/promote-monorepo (pipelines with staging and prod entries in
// their prefect.yaml) into a fresh git repository using the given work pools, and commits it.
func newMonorepo(t *testing.T, prefix, poolStaging, poolProd string) *repo {
	t.Helper()
	root := t.TempDir()
	r := &repo{t: t, Dir: filepath.Join(root, "work")}
	if err := os.CopyFS(r.Dir, os.DirFS("testdata/promote-monorepo")); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(r.Dir, "pipelines", "*", "prefect.yaml"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.NewReplacer("POOL_STAGING", poolStaging, "POOL_PROD", poolProd, "name: rj-", "name: "+prefix+"-").Replace(string(b))
		if err := os.WriteFile(f, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run(t, r.Dir, "git", "init", "-q", "-b", "main")
	run(t, r.Dir, "git", "add", "-A")
	run(t, r.Dir, "git", "commit", "-q", "-m", "initial")
	return r
}

// readProd reads the deployments the fixture's prod entries declare, sorted by name.
func readProd(t *testing.T, c *prefect.Client, prefix string) []prefect.Deployment {
	t.Helper()
	deps, err := c.FilterDeployments(t.Context(), prefect.DeploymentFilter{Names: []string{prefix + "-a--load--prod", prefix + "-b--report--prod"}})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(deps, func(a, b prefect.Deployment) int { return strings.Compare(a.Name, b.Name) })
	return deps
}

// TestPromoteIsDeployOfTargetEntries is issue 10's acceptance test: for a prefect.yaml monorepo
// with per-environment entries, promote --source-env staging --env prod yields, for every
// pipeline, exactly what deploy --env prod of the prod entries yields at the staging
// deployment's commit and image — compared field by field as the server stores them. A
// staging pause does not travel, a staging-only pipeline is not promoted, a prod pause and a
// prod schedule switched off survive the next promotion.
func TestPromoteIsDeployOfTargetEntries(t *testing.T) {
	live := prefecttest.URL(t)
	staging, prod := uniqueName("e2e-staging"), uniqueName("e2e-prod")
	createProcessPool(t, live, staging)
	createProcessPool(t, live, prod)
	pfx := strings.ReplaceAll(uniqueName("rj"), "-", "")
	r := newMonorepo(t, pfx, staging, prod)
	c := client(t, live)
	cnt := newCounter(t, live)
	yaml := []string{"--prefect-yaml", "pipelines/*/prefect.yaml", "--project", pfx, "--branch", "main", "--output", "json"}
	deployAt := func(env, sha, version, image string) result {
		t.Helper()
		args := append([]string{"deploy", "--env", env, "--commit", sha, "--package-version", version, "--image", image}, yaml...)
		res := cliRun(t, r.Dir, cnt.URL, args...)
		if res.Code != 0 {
			t.Fatalf("deploy %s: exit %d\n%s%s", env, res.Code, res.Stdout, res.Stderr)
		}
		return res
	}
	promote := func(extra ...string) result {
		t.Helper()
		args := append(append([]string{"promote", "--source-env", "staging", "--env", "prod"}, yaml...), extra...)
		res := cliRun(t, r.Dir, cnt.URL, args...)
		if res.Code != 0 {
			t.Fatalf("promote: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
		}
		return res
	}

	sha1 := r.HEAD()
	image1 := "ghcr.io/acme/pipes:" + sha1[:7]
	deployAt("staging", sha1, "2.3.0", image1)
	// Someone pauses the staging load pipeline in the UI.
	stLoad, err := c.ReadDeploymentByName(t.Context(), "rj_a__load", pfx+"-a--load--staging")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.UpdateDeployment(t.Context(), stLoad.ID, map[string]any{"paused": true}); err != nil {
		t.Fatal(err)
	}

	// What a deploy of the prod entries at staging's commit and image stores ...
	deployAt("prod", sha1, "2.3.0", image1)
	want := readProd(t, c, pfx)
	if len(want) != 2 {
		t.Fatalf("deploy --env prod made %d deployments, want 2", len(want))
	}
	for _, d := range want {
		if err := c.DeleteDeployment(t.Context(), d.ID); err != nil {
			t.Fatal(err)
		}
	}
	// ... is what the promotion stores.
	first := promote()
	if first.Report.Counts[report.Created] != 2 || len(first.Report.Deployments) != 2 {
		t.Fatalf("promote: counts %+v, want 2 created\n%s", first.Report.Counts, first.Stderr)
	}
	got := readProd(t, c, pfx)
	ignore := cmp.Options{
		cmpopts.IgnoreFields(prefect.Deployment{}, "ID", "Created", "Updated", "Status"),
		cmpopts.IgnoreFields(prefect.DeploymentSchedule{}, "ID"),
		cmpopts.EquateEmpty(),
	}
	if diff := cmp.Diff(want, got, ignore); diff != "" {
		t.Errorf("promote differs from deploy --env prod at the staging commit and image (-deploy +promote):\n%s", diff)
	}
	// Spot checks of what the team would look at first.
	load := got[0]
	if load.Paused {
		t.Error("the staging pause travelled to prod")
	}
	if load.JobVariables["secretName"] != "jobs-secrets" || load.Parameters["dry_run"] != nil || len(load.Schedules) != 2 || deref(load.WorkPoolName) != prod {
		t.Errorf("prod load took staging's configuration: %v %v %d schedules, pool %s", load.JobVariables, load.Parameters, len(load.Schedules), deref(load.WorkPoolName))
	}
	if load.JobVariables["image"] != image1 || deref(load.Version) != deref(stLoad.Version) {
		t.Errorf("prod load image %v version %s; want staging's %s, %s", load.JobVariables["image"], deref(load.Version), image1, deref(stLoad.Version))
	}
	// The staging-only pipeline is named, not promoted.
	if !slices.ContainsFunc(first.Report.Warnings, func(w string) bool { return strings.Contains(w, pfx+"-c--writer--staging is not promoted") }) {
		t.Errorf("no warning about the staging-only pipeline: %v", first.Report.Warnings)
	}
	// The plan says where each field came from.
	it := item(t, first.Report, pfx+"-a--load--prod")
	origins := map[string]string{}
	for _, o := range it.Origins {
		origins[o.Field] = o.From
	}
	for f, from := range map[string]string{"image": report.FromSource, "entrypoint": report.FromSource, "work_pool_name": report.FromTargetConfig, "schedules": report.FromTargetConfig, "paused": report.FromTargetConfig} {
		if origins[f] != from {
			t.Errorf("origin of %s = %q, want %q (all: %v)", f, origins[f], from, it.Origins)
		}
	}
	if first.Report.ConfigCommit != sha1 {
		t.Errorf("config commit = %q, want %s", first.Report.ConfigCommit, sha1)
	}

	// Promoting again converges.
	before := cnt.Writes.Load()
	if again := promote(); again.Report.Counts[report.Unchanged] != 2 {
		t.Errorf("second promote: counts %+v, want 2 unchanged", again.Report.Counts)
	}
	if n := cnt.Writes.Load() - before; n != 0 {
		t.Errorf("converged promote wrote %d times", n)
	}

	// Prod is paused during an incident and its report schedule switched off; staging moves on.
	if err := c.UpdateDeployment(t.Context(), load.ID, map[string]any{"paused": true}); err != nil {
		t.Fatal(err)
	}
	rep := got[1]
	switchSchedule(t, live, rep.ID, rep.Schedules[0].ID, false)
	writeFile(t, r.Dir, "pipelines/rj_a__load/NOTES.md", "second\n")
	run(t, r.Dir, "git", "add", "-A")
	run(t, r.Dir, "git", "commit", "-q", "-m", "second")
	sha2 := r.HEAD()
	image2 := "ghcr.io/acme/pipes:" + sha2[:7]
	deployAt("staging", sha2, "2.4.0", image2)
	second := promote()
	if second.Report.Counts[report.Updated] != 2 {
		t.Fatalf("promote 2.4.0: counts %+v, want 2 updated\n%s", second.Report.Counts, second.Stderr)
	}
	after := readProd(t, c, pfx)
	if !after[0].Paused {
		t.Error("the prod pause did not survive the promotion")
	}
	if after[0].JobVariables["image"] != image2 || !slices.Contains(after[0].Tags, "COMMIT_HASH="+sha2) || !slices.Contains(after[0].Tags, "PACKAGE_VERSION=2.4.0") {
		t.Errorf("prod load runs %v %v after promoting 2.4.0", after[0].JobVariables["image"], after[0].Tags)
	}
	if after[1].Schedules[0].Active {
		t.Error("the prod schedule switched off was switched on by the promotion")
	}

	// --flows asks for the staging-only pipeline: copied as it is, with a plan that says so.
	dry := promote("--flows", "rj_c__writer", "--dry-run")
	if dry.Report.Counts[report.WouldCreate] != 1 || dry.Report.Deployments[0].Name != pfx+"-c--writer--prod" {
		t.Errorf("--flows rj_c__writer: %+v", dry.Report.Deployments)
	}
}
