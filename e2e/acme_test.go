package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
)

// acmeBin returns the bin directory of the acme-portal-sdk venv scripts/acme-venv.sh installs
// (make test runs it first).
func acmeBin(t *testing.T) string {
	t.Helper()
	if b := os.Getenv("PREFECT_TEST_ACME_BIN"); b != "" {
		return b
	}
	bin, err := filepath.Abs(filepath.Join("..", ".venvs", "acme-portal-sdk", "bin"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(bin, "aps-prefect-deploy")); err != nil {
		t.Fatalf("acme-portal-sdk is not installed: run scripts/acme-venv.sh (make test does): %v", err)
	}
	return bin
}

// newAcmeProject copies examples/acme-portal-sdk (a project in acme-portal-sdk's layout:
// .acme_portal_sdk/flow_finder.py and static_flow_deploy_config.yaml, flows under src/, the
// env files acme-config's `ac fetch` writes) into a fresh git repository and commits it.
func newAcmeProject(t *testing.T) (dir, commit string) {
	t.Helper()
	dir = t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../examples/acme-portal-sdk")); err != nil {
		t.Fatal(err)
	}
	run(t, dir, "git", "init", "-q", "-b", "main")
	run(t, dir, "git", "add", "-A")
	run(t, dir, "git", "commit", "-q", "-m", "initial")
	return dir, run(t, dir, "git", "rev-parse", "HEAD")
}

// createPool creates a work pool of a type with Prefect's default base job template, as the
// Prefect CLI does; one that exists already is fine.
func createPool(t *testing.T, apiURL, name, typ string) {
	t.Helper()
	bin, err := prefecttest.Bin()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(bin, "prefect"), "--no-prompt", "work-pool", "create", name, "--type", typ)
	cmd.Env = append(os.Environ(), "PREFECT_API_URL="+apiURL)
	if out, err := cmd.CombinedOutput(); err != nil && !strings.Contains(string(out), "already exists") {
		t.Fatalf("create work pool %s: %v\n%s", name, err, out)
	}
}

// apsPrefectDeploy runs acme-portal-sdk's CLI in dir against apiURL, as acme-prefect's
// deploy.yml and promote.yml run it (the project installed: its src/ on the path).
func apsPrefectDeploy(t *testing.T, bin, dir, apiURL string, args ...string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(bin, "aps-prefect-deploy"), args...)
	cmd.Dir = dir
	home := t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "PREFECT_HOME=" + home, "PREFECT_API_URL=" + apiURL,
		"PYTHONPATH=src", "PREFECT_LOGGING_LEVEL=WARNING", "PREFECT_SERVER_ANALYTICS_ENABLED=false"}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("aps-prefect-deploy %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// storedRaw reads every deployment whose name starts with prefix, and the automations of each, as
// the server answers them: JSON objects keyed by deployment name, with what the server itself
// makes (ids, timestamps, the flow id label) left out and the flow's name added.
func storedRaw(t *testing.T, apiURL, prefix string) (deps, autos map[string]map[string]any) {
	t.Helper()
	post := func(path string, body any) []map[string]any {
		b, _ := json.Marshal(body)
		resp, err := http.Post(apiURL+path, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out []map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: HTTP %d %v", path, resp.StatusCode, err)
		}
		return out
	}
	get := func(path string) map[string]any {
		resp, err := http.Get(apiURL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	drop := func(m map[string]any, keys ...string) {
		for _, k := range keys {
			delete(m, k)
		}
	}
	deps, autos = map[string]map[string]any{}, map[string]map[string]any{}
	byID := map[string]string{}
	for _, d := range post("/deployments/filter", map[string]any{"deployments": map[string]any{"name": map[string]any{"like_": prefix}}}) {
		name := d["name"].(string)
		byID[d["id"].(string)] = name
		d["flow_name"] = get("/flows/" + d["flow_id"].(string))["name"]
		drop(d, "id", "created", "updated", "flow_id", "work_queue_id", "last_polled", "status", "created_by", "updated_by")
		if g, ok := d["global_concurrency_limit"].(map[string]any); ok {
			drop(g, "id", "name", "created", "updated", "active_slots")
		}
		for _, s := range d["schedules"].([]any) {
			drop(s.(map[string]any), "id", "created", "updated", "deployment_id")
		}
		if l, ok := d["labels"].(map[string]any); ok {
			drop(l, "prefect.flow.id")
		}
		deps[name] = d
	}
	for _, a := range post("/automations/filter", map[string]any{}) {
		var owner string
		for _, act := range a["actions"].([]any) {
			m := act.(map[string]any)
			if n, ok := byID[fmt.Sprint(m["deployment_id"])]; ok {
				owner = n
				delete(m, "deployment_id")
			}
		}
		if owner == "" {
			continue
		}
		drop(a, "id", "created", "updated")
		drop(a["trigger"].(map[string]any), "id")
		if _, dup := autos[owner]; dup {
			t.Fatalf("%s owns more than one automation", owner)
		}
		autos[owner] = a
	}
	return deps, autos
}

// settleDocumented checks that ours differs from acme's deployment only as documented (README
// "Coming from aps-prefect-deploy", source/acme), then makes them equal there:
//   - tags: ours adds ENV=<env>, and COMMIT_HASH holds the full commit where acme's workflow
//     passes the short one (and a promotion copies the source's);
//   - labels: ours adds the five facts of the tags as Prefect labels.
func settleDocumented(t *testing.T, name string, acme, ours map[string]any, env, acmeCommit, ourCommit string) {
	t.Helper()
	var want []string
	for _, tag := range acme["tags"].([]any) {
		s := tag.(string)
		if s == "COMMIT_HASH="+acmeCommit {
			s = "COMMIT_HASH=" + ourCommit
		}
		want = append(want, s)
	}
	want = append(want, "ENV="+env)
	var got []string
	for _, tag := range ours["tags"].([]any) {
		got = append(got, tag.(string))
	}
	slices.Sort(want)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s: tags beyond the documented ENV tag and full COMMIT_HASH (-want +got):\n%s", name, diff)
	}
	wantLabels := map[string]any{}
	for k, v := range acme["labels"].(map[string]any) {
		wantLabels[k] = v
	}
	for _, tag := range got {
		k, v, _ := strings.Cut(tag, "=")
		if slices.Contains([]string{"PROJECT_NAME", "BRANCH_NAME", "ENV", "COMMIT_HASH", "PACKAGE_VERSION"}, k) {
			wantLabels[k] = v
		}
	}
	if diff := cmp.Diff(wantLabels, ours["labels"]); diff != "" {
		t.Errorf("%s: labels beyond the documented five (-want +got):\n%s", name, diff)
	}
	ours["tags"], ours["labels"] = acme["tags"], acme["labels"]
}

// compareWithAcme compares, field by field, what aps-prefect-deploy stored on one server with
// what this product stored on another, for the deployments ending in --<env>.
func compareWithAcme(t *testing.T, acmeURL, oursURL, prefix, env, acmeCommit, ourCommit string, wantN int) {
	t.Helper()
	acmeDeps, acmeAutos := storedRaw(t, acmeURL, prefix)
	ourDeps, ourAutos := storedRaw(t, oursURL, prefix)
	n := 0
	for name, a := range acmeDeps {
		if !strings.HasSuffix(name, "--"+env) {
			continue
		}
		n++
		o, ok := ourDeps[name]
		if !ok {
			t.Errorf("%s: aps-prefect-deploy made it, prefect-deploy did not", name)
			continue
		}
		settleDocumented(t, name, a, o, env, acmeCommit, ourCommit)
		if diff := cmp.Diff(a, o); diff != "" {
			t.Errorf("%s: stored deployments differ (-aps-prefect-deploy +prefect-deploy):\n%s", name, diff)
		}
		if diff := cmp.Diff(acmeAutos[name], ourAutos[name]); diff != "" {
			t.Errorf("%s: automations differ (-aps-prefect-deploy +prefect-deploy):\n%s", name, diff)
		}
	}
	for name := range ourDeps {
		if _, ok := acmeDeps[name]; !ok && strings.HasSuffix(name, "--"+env) {
			t.Errorf("%s: prefect-deploy made it, aps-prefect-deploy did not", name)
		}
	}
	if n != wantN {
		t.Errorf("aps-prefect-deploy made %d deployments for %s, want %d", n, env, wantN)
	}
}

// TestAcmePortalSDKPeer: acme-portal-sdk's own `aps-prefect-deploy deploy` (installed from
// PyPI, scripts/acme-venv.sh) deploys examples/acme-portal-sdk to one live server, this
// product deploys the same project — acme's config file as it is, its env file through
// --env-file — to another: every stored field of every deployment and automation is equal but
// the documented differences (ENV tag, full COMMIT_HASH, labels). Then both promote dev to
// prod, likewise; and this product, run against the deployments acme made, would change
// nothing but those differences.
func TestAcmePortalSDKPeer(t *testing.T) {
	bin := acmeBin(t)
	ours := prefecttest.URL(t)
	theirs := prefecttest.Start(t, nil).URL
	dir, commit := newAcmeProject(t)
	short := commit[:7]
	project := strings.ReplaceAll(uniqueName("acme_shop"), "-", "_") // acme's CLI turns _ into -
	prefix := strings.ReplaceAll(project, "_", "-") + "--main--"
	image := "ghcr.io/acme/acme-shop:main-" + short
	for _, u := range []string{ours, theirs} {
		createPool(t, u, "ecs-pool", "ecs")        // acme's default pool
		createPool(t, u, "reports-pool", "docker") // the file's work_pool_name for daily_report
	}
	const cfg = ".acme_portal_sdk/static_flow_deploy_config.yaml"

	// deploy.yml's step, as acme-prefect runs it (ac fetch wrote acme_shop.dev.1.env).
	apsPrefectDeploy(t, bin, dir, theirs, "deploy", "-app-name", "acme_shop", "-env", "dev", "-ver-number", "1",
		"-image-uri", image, "-branch-name", "main", "-commit-hash", short, "-project-name", project,
		"-package-version", "0.3.0", "--flows-to-deploy", "all", "-static-flow-config-path", cfg)
	res := cliRun(t, dir, ours, "deploy", "--env", "dev", "--project", project, "--branch", "main", "--commit", short,
		"--package-version", "0.3.0", "--image", image, "--env-file", "acme_shop.dev.1.env", "--output", "json")
	if res.Code != 0 || res.Report.Counts[report.Created] != 4 {
		t.Fatalf("deploy: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	if n := len(res.Report.Warnings); n != 3 {
		t.Errorf("want 3 warnings (name and import_path of the three listed flows), got %d: %v", n, res.Report.Warnings)
	}
	compareWithAcme(t, theirs, ours, prefix, "dev", short, commit, 4)

	// Switching: this product against the deployments aps-prefect-deploy made changes only the
	// documented fields (and takes them over without a clash: acme's project spelling).
	res = cliRun(t, dir, theirs, "deploy", "--env", "dev", "--project", project, "--branch", "main", "--commit", short,
		"--package-version", "0.3.0", "--image", image, "--env-file", "acme_shop.dev.1.env", "--dry-run", "--output", "json")
	if res.Code != 0 {
		t.Fatalf("deploy over acme's deployments: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	for _, it := range res.Report.Deployments {
		var fields []string
		for _, c := range it.Changes {
			fields = append(fields, c.Field)
		}
		if it.Action != report.WouldUpdate || !slices.Equal(fields, []string{"tags", "labels"}) && !slices.Equal(fields, []string{"labels", "tags"}) {
			t.Errorf("%s over acme's deployment: %s, changes %v; want would-update of tags and labels only", it.Name, it.Action, fields)
		}
	}

	// promote.yml's step (ac fetch wrote acme_shop.prod.1.env for the target).
	apsPrefectDeploy(t, bin, dir, theirs, "promote", "-app-name", "acme_shop", "-env", "prod", "-ver-number", "1",
		"-branch-name", "main", "-project-name", project, "-source-env", "dev", "--flows-to-deploy", "all",
		"-static-flow-config-path", cfg)
	res = cliRun(t, dir, ours, "promote", "--source-env", "dev", "--env", "prod", "--project", project, "--branch", "main",
		"--env-file", "acme_shop.prod.1.env", "--output", "json")
	if res.Code != 0 || res.Report.Counts[report.Created] != 4 {
		t.Fatalf("promote: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	compareWithAcme(t, theirs, ours, prefix, "prod", short, commit, 4)
}
