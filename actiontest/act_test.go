package actiontest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
)

// outcome is what one act run left: outputs decoded, GitHub deployments, server state.
type outcome struct {
	items []report.Item
	names []string
}

// check asserts a run succeeded with the given counts and returns its deployments output.
func (h *harness) check(t *testing.T, r actRun, what string, wantCounts map[string]string) outcome {
	t.Helper()
	if r.Err != nil {
		t.Fatalf("%s: act failed: %v\n%s", what, r.Err, r.Log)
	}
	for k, want := range wantCounts {
		if got := r.Outputs[k]; got != want {
			t.Errorf("%s: output %s = %q, want %q", what, k, got, want)
		}
	}
	var o outcome
	if err := json.Unmarshal([]byte(r.Outputs["deployments"]), &o.items); err != nil {
		t.Fatalf("%s: output deployments is not a JSON array of deployments: %v\n%q", what, err, r.Outputs["deployments"])
	}
	o.names = strings.Split(r.Outputs["names"], "\n")
	var fromItems []string
	for _, it := range o.items {
		fromItems = append(fromItems, it.Name)
		if !strings.Contains(r.Summary, it.Name) {
			t.Errorf("%s: the job summary does not list %s:\n%s", what, it.Name, r.Summary)
		}
	}
	if diff := cmp.Diff(fromItems, o.names); diff != "" {
		t.Errorf("%s: output names differs from the deployments output (-deployments +names):\n%s", what, diff)
	}
	if !strings.Contains(r.Log, "prefect-deploy start-up: binary ready after") {
		t.Errorf("%s: the log has no start-up timing line:\n%s", what, r.Log)
	}
	// Each phase is a collapsible group (act logs the workflow commands it does not act on).
	for _, group := range []string{"::group::Plan ", "::group::Apply "} {
		if !strings.Contains(r.Log, group) {
			t.Errorf("%s: the log has no %q group:\n%s", what, group, r.Log)
		}
	}
	return o
}

// server reads the deployments of o from the live server.
func (h *harness) server(t *testing.T, o outcome) map[string]*prefect.Deployment {
	t.Helper()
	out := map[string]*prefect.Deployment{}
	for _, it := range o.items {
		d, err := h.prefect.ReadDeploymentByName(t.Context(), it.Flow, it.Name)
		if err != nil {
			t.Fatalf("read deployment %s/%s: %v", it.Flow, it.Name, err)
		}
		out[it.Name] = d
	}
	return out
}

func tag(t *testing.T, d *prefect.Deployment, key string) string {
	t.Helper()
	v, ok := naming.TagValue(d.Tags, key)
	if !ok {
		t.Errorf("deployment %s has no single %s tag: %v", d.Name, key, d.Tags)
	}
	return v
}

func jobEnv(d *prefect.Deployment) map[string]any {
	env, _ := d.JobVariables["env"].(map[string]any)
	return env
}

// TestActionUnderAct runs the composite action the way a flows repository's workflows call it,
// with act in self-hosted mode against a live Prefect server: a failed upstream run deploys
// nothing; a successful one deploys its tested commit to dev; a manual promote copies dev to
// prod; a release promotes the released version; a release whose tag does not match what dev
// runs, and bad inputs, fail the job with an error annotation.
func TestActionUnderAct(t *testing.T) {
	h := newHarness(t)
	tested := git(t, h.work, "rev-parse", "HEAD")
	// A newer commit lands on main while the container workflow tests the first one.
	head := h.commit("untested change")
	ver := map[string]string{"PACKAGE_VERSION": "1.0.0"}

	t.Run("failed upstream run deploys nothing", func(t *testing.T) {
		r := h.run("deploy.yml", "workflow_run", workflowRunEvent("failure", "main", tested), runOpts{vars: ver})
		if r.Err != nil {
			t.Fatalf("act: %v\n%s", r.Err, r.Log)
		}
		if r.Outputs != nil || strings.Contains(r.Log, "prefect-deploy start-up") {
			t.Errorf("the deploy job ran after a failed container run:\n%s", r.Log)
		}
	})

	var dev outcome
	t.Run("deploy tested commit to dev", func(t *testing.T) {
		r := h.run("deploy.yml", "workflow_run", workflowRunEvent("success", "main", tested), runOpts{vars: ver})
		dev = h.check(t, r, "deploy", map[string]string{"created": "4", "updated": "0", "unchanged": "0", "failed": "0",
			"summary": "4 deployments: 4 created"})
		for _, it := range dev.items {
			if !strings.HasPrefix(it.Name, h.project+"--main--") || !strings.HasSuffix(it.Name, "--dev") || it.Action != report.Created {
				t.Errorf("deployment %+v: want %s--main--<flow>--dev, created", it, h.project)
			}
		}
		for name, d := range h.server(t, dev) {
			if got := tag(t, d, naming.TagCommit); got != tested {
				t.Errorf("%s: COMMIT_HASH = %s, want the tested commit %s (not the branch head %s)", name, got, tested, head)
			}
			if got := tag(t, d, "PACKAGE_VERSION"); got != "1.0.0" {
				t.Errorf("%s: PACKAGE_VERSION = %q, want 1.0.0", name, got)
			}
			env := jobEnv(d)
			if env["FROM_ACTION"] != "yes" || env["API_TOKEN"] != h.secret || env["APP_ENV"] != "dev" {
				t.Errorf("%s: job env = %v; want FROM_ACTION=yes, API_TOKEN from the secret and APP_ENV=dev", name, env)
			}
		}
		deps, errs := h.github.take()
		if len(errs) > 0 {
			t.Errorf("GitHub API: %v", errs)
		}
		if len(deps) != 1 || deps[0].Ref != tested || deps[0].Environment != "dev" || deps[0].Production ||
			!slices.Equal(deps[0].States, []string{"success"}) || len(deps[0].Payload) != 4 {
			t.Errorf("GitHub deployments = %s; want one of %s to dev with 4 entries and status success", js(deps), tested)
		}
	})
	if t.Failed() {
		return
	}

	t.Run("manual promote dev to prod", func(t *testing.T) {
		r := h.run("promote.yml", "workflow_dispatch", map[string]any{"repository": repoPayload}, runOpts{inputs: map[string]string{
			"source-env": "dev", "target-env": "prod", "flows": "all"}})
		prod := h.check(t, r, "promote", map[string]string{"created": "4", "failed": "0"})
		for name, d := range h.server(t, prod) {
			if !strings.HasSuffix(name, "--prod") {
				t.Errorf("promoted deployment %s is not in prod", name)
			}
			if got := tag(t, d, naming.TagCommit); got != tested {
				t.Errorf("%s: COMMIT_HASH = %s, want dev's %s", name, got, tested)
			}
			if env := jobEnv(d); env["APP_ENV"] != "prod" {
				t.Errorf("%s: APP_ENV = %v, want prod (the target's settings)", name, env["APP_ENV"])
			}
		}
		deps, _ := h.github.take()
		if len(deps) != 1 || deps[0].Environment != "prod" || !deps[0].Production {
			t.Errorf("GitHub deployments = %s; want one production deployment to prod", js(deps))
		}
	})

	t.Run("release promotes the released version", func(t *testing.T) {
		r := h.run("deploy.yml", "workflow_run", workflowRunEvent("success", "main", head), runOpts{vars: map[string]string{"PACKAGE_VERSION": "1.1.0"}})
		h.check(t, r, "deploy 1.1.0", map[string]string{"updated": "4", "failed": "0"})
		r = h.run("promote.yml", "release", releaseEvent("v1.1.0"), runOpts{})
		prod := h.check(t, r, "release promote", map[string]string{"updated": "4", "failed": "0"})
		for name, d := range h.server(t, prod) {
			if got := tag(t, d, "PACKAGE_VERSION"); got != "1.1.0" {
				t.Errorf("%s: PACKAGE_VERSION = %q, want 1.1.0", name, got)
			}
			if got := tag(t, d, naming.TagCommit); got != head {
				t.Errorf("%s: COMMIT_HASH = %s, want %s", name, got, head)
			}
		}
		h.github.take()
	})

	t.Run("release tag that dev does not run fails", func(t *testing.T) {
		r := h.run("promote.yml", "release", releaseEvent("v2.0.0"), runOpts{})
		if r.Err == nil {
			t.Fatalf("act succeeded; want the job to fail\n%s", r.Log)
		}
		want := "::error::source \"" + h.project + "--main--greet-people--dev\" is at version 1.1.0, not the release version v2.0.0"
		if !strings.Contains(r.Log, want) {
			t.Errorf("the log lacks the error annotation %q:\n%s", want, r.Log)
		}
		if deps, _ := h.github.take(); len(deps) != 0 {
			t.Errorf("a refused promotion recorded GitHub deployments: %s", js(deps))
		}
	})

	t.Run("release commit of the action runs the verified prebuilt binary", func(t *testing.T) {
		// The action as a release commit: checksums.txt and release-tag.txt beside action.yml,
		// the binary served as a release asset of prefect-flow-deploy/prefect-deploy-action.
		const tag = "v0.0.0-act"
		bin := buildProgram(t)
		asset := "prefect-deploy-linux-" + runtime.GOARCH
		rel := newRelease(t)
		rel.assets = map[string][]byte{"/prefect-flow-deploy/prefect-deploy-action/releases/download/" + tag + "/" + asset: bin}
		dir := filepath.Join(t.TempDir(), "action")
		copyWorkingTree(t, dir)
		writeFile(t, filepath.Join(dir, "checksums.txt"), sha256Hex(bin)+"  "+asset+"\n")
		writeFile(t, filepath.Join(dir, "release-tag.txt"), tag+"\n")
		saved := h.action
		h.action = dir
		defer func() { h.action = saved }()

		r := h.run("deploy.yml", "workflow_run", workflowRunEvent("success", "main", head), runOpts{
			vars: map[string]string{"PACKAGE_VERSION": "1.1.0"},
			env:  map[string]string{"GITHUB_SERVER_URL": rel.srv.URL, "CURL_CA_BUNDLE": rel.caFile},
		})
		// The git code source follows GITHUB_SERVER_URL, which points at the fake release server
		// here, so the deployments are updated (pull steps) rather than unchanged.
		h.check(t, r, "deploy again with the prebuilt binary", map[string]string{"created": "0", "failed": "0", "summary": "4 deployments: 4 updated"})
		for _, want := range []string{"using " + asset + " from release " + tag + " (SHA-256 " + sha256Hex(bin) + " verified", "(prebuilt, verified)"} {
			if !strings.Contains(r.Log, want) {
				t.Errorf("the log lacks %q:\n%s", want, r.Log)
			}
		}
		if strings.Contains(r.Log, "Main Build prefect-deploy from source") {
			t.Errorf("the action built from source although a verified binary was available:\n%s", r.Log)
		}
		h.github.take()
	})

	t.Run("bad input fails with an annotation", func(t *testing.T) {
		r := h.run("bad-input.yml", "workflow_dispatch", map[string]any{"repository": repoPayload}, runOpts{})
		if r.Err == nil {
			t.Fatalf("act succeeded; want the job to fail\n%s", r.Log)
		}
		const want = `::error::input concurrency: want a whole number of at least 1, got "lots"`
		if !strings.Contains(r.Log, want) {
			t.Errorf("the log lacks the error annotation %q:\n%s", want, r.Log)
		}
		if !strings.Contains(r.Summary, "input concurrency") {
			t.Errorf("the job summary does not explain the failure:\n%s", r.Summary)
		}
		if !strings.HasPrefix(r.Outputs["summary"], "failed: ") {
			t.Errorf("output summary = %q, want it to start with \"failed: \"", r.Outputs["summary"])
		}
	})
}

// buildProgram builds prefect-deploy from the working tree as the release workflow does.
func buildProgram(t *testing.T) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "prefect-deploy")
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, ".")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=readonly -buildvcs=false", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
