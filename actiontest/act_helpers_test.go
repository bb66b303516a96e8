package actiontest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
)

func TestMain(m *testing.M) { os.Exit(prefecttest.Main(m)) }

const (
	// actionRef is the action reference the test workflows use; act maps it to a copy of the
	// working tree with --local-repository, so the workflows call the action the way users do.
	actionRef = "prefect-flow-deploy/prefect-deploy-action@0123456789abcdef0123456789abcdef01234567"
	// exampleActionRef is the action reference of examples/workflows, mapped like actionRef.
	exampleActionRef = "OWNER/prefect-deploy-action@0123456789abcdef0123456789abcdef01234567"
	// setupGoRef is the setup-go pinned in action.yml, mapped to a stand-in (no network here).
	setupGoRef = "actions/setup-go@924ae3a1cded613372ab5595356fb5720e22ba16"
	// checkoutRef is the checkout pinned in examples/workflows, mapped to a stand-in that
	// clones the flows repository from the harness's bare origin.
	checkoutRef = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1"
	// repository is the GitHub repository the flows checkout claims to be (its origin remote).
	repository = "acme/flows"
	// ghToken is the fake GITHUB_TOKEN given to act.
	ghToken = "ghs_actiontest_token"
)

// harness runs workflows of testdata/workflows with act in self-hosted mode (no Docker) against
// the live Prefect server, a flows repository made from examples/, and a fake GitHub API.
type harness struct {
	t       *testing.T
	act     string
	action  string // copy of the working tree: what actionRef resolves to
	work    string // flows checkout act runs in; origin is https://github.com/acme/flows.git
	bare    string // where the workflows clone the flows repository from
	cache   string // XDG_CACHE_HOME for act
	gocache string
	apiURL  string
	project string
	pool    string
	secret  string // value of the API_TOKEN secret, which must never show in the log
	github  *fakeGitHub
	prefect *prefect.Client
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// installAct returns the act binary, installing it with scripts/install-tools.sh when missing
// (about a minute and a half of compiling the first time; a no-op afterwards).
func installAct(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("bash", filepath.Join(root, "scripts", "install-tools.sh"), "act")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("scripts/install-tools.sh act: %v\n%s", err, stderr.String())
	}
	return filepath.Join(strings.TrimSpace(string(out)), "act")
}

// copyWorkingTree copies the repository's files (tracked and untracked, minus ignored ones)
// into dir: the action as a user's runner would download it at a commit.
func copyWorkingTree(t *testing.T, dir string) {
	t.Helper()
	list := git(t, root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	for _, name := range strings.Split(list, "\x00") {
		if name == "" {
			continue
		}
		src := filepath.Join(root, name)
		st, err := os.Stat(src)
		if err != nil || !st.Mode().IsRegular() {
			continue // deleted in the working tree
		}
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, st.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	apiURL := prefecttest.URL(t)
	h := &harness{t: t, apiURL: apiURL, act: installAct(t)}
	tmp := t.TempDir()
	h.action = filepath.Join(tmp, "action")
	h.work = filepath.Join(tmp, "flows")
	h.bare = filepath.Join(tmp, "flows.git")
	h.cache = filepath.Join(tmp, "cache")
	copyWorkingTree(t, h.action)

	out, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		t.Fatalf("go env GOCACHE: %v", err)
	}
	h.gocache = strings.TrimSpace(string(out))

	suffix := fmt.Sprintf("%d", time.Now().UnixNano()%1e9)
	h.project = "act-" + suffix
	h.pool = "actiontest-" + suffix
	h.secret = "s3cr3t-" + suffix

	c, err := prefect.New(prefect.Config{APIURL: apiURL})
	if err != nil {
		t.Fatal(err)
	}
	h.prefect = c
	if _, err := c.CreateWorkPool(t.Context(), prefect.WorkPool{Name: h.pool, Type: "process"}); err != nil {
		t.Fatalf("failed to create work pool %q: %v", h.pool, err)
	}

	if err := os.CopyFS(h.work, os.DirFS(filepath.Join(root, "examples"))); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(h.work, "prefect-deploy.yaml")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.ReplaceAll(b, []byte("demo-pool"), []byte(h.pool))
	b = bytes.Replace(b, []byte("\nproject: examples\n"), []byte("\nproject: "+h.project+"\n"), 1)
	if err := os.WriteFile(cfg, b, 0o644); err != nil {
		t.Fatal(err)
	}
	// The example workflows take PACKAGE_VERSION from pyproject.toml, as in most flows repositories.
	writeFile(t, filepath.Join(h.work, "pyproject.toml"), "[project]\nname = \"flows\"\nversion = \"1.0.0\"\n")
	git(t, h.work, "init", "-q", "-b", "main")
	git(t, h.work, "add", "-A")
	git(t, h.work, "commit", "-q", "-m", "initial")
	git(t, tmp, "init", "-q", "--bare", "--initial-branch=main", h.bare)
	git(t, h.work, "remote", "add", "origin", "https://github.com/"+repository+".git")
	git(t, h.work, "remote", "add", "bare", "file://"+h.bare)
	git(t, h.work, "push", "-q", "bare", "main")
	h.github = newFakeGitHub(t)
	return h
}

// commit changes a flow file, commits, pushes and returns the new HEAD.
func (h *harness) commit(msg string) string {
	h.t.Helper()
	p := filepath.Join(h.work, "flows", "report.py")
	b, err := os.ReadFile(p)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(p, append(b, []byte("\n# "+msg+"\n")...), 0o644); err != nil {
		h.t.Fatal(err)
	}
	git(h.t, h.work, "commit", "-q", "-am", msg)
	git(h.t, h.work, "push", "-q", "bare", "main")
	return git(h.t, h.work, "rev-parse", "HEAD")
}

// actRun is one act run.
type actRun struct {
	Err     error
	Log     string
	Outputs map[string]string // the action's outputs, as the workflow saw them
	Summary string            // the job summary (GITHUB_STEP_SUMMARY)
}

// runOpts are the optional parts of an act run.
type runOpts struct {
	inputs map[string]string // workflow_dispatch inputs
	vars   map[string]string // repository variables (vars.*)
	env    map[string]string // extra environment for every step
	job    string            // run only this job (act -j)
}

// run runs workflow (a file of testdata/workflows, or an absolute path) for event with payload.
func (h *harness) run(workflow, event string, payload any, o runOpts) actRun {
	h.t.Helper()
	dir := h.t.TempDir()
	eventFile := filepath.Join(dir, "event.json")
	// act reads a dispatch's inputs from the event (as GitHub sends them), not from --input
	// alone: without this, a dispatch ran with the workflow's defaults whatever the test asked.
	if m, ok := payload.(map[string]any); ok && event == "workflow_dispatch" && len(o.inputs) > 0 && m["inputs"] == nil {
		m["inputs"] = o.inputs
	}
	b, err := json.Marshal(payload)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(eventFile, b, 0o644); err != nil {
		h.t.Fatal(err)
	}
	wf := workflow
	if !filepath.IsAbs(wf) {
		wf = filepath.Join("testdata", "workflows", workflow)
	}
	wf, err = filepath.Abs(wf)
	if err != nil {
		h.t.Fatal(err)
	}
	setupGo, err := filepath.Abs(filepath.Join("testdata", "setup-go-stub"))
	if err != nil {
		h.t.Fatal(err)
	}
	checkout, err := filepath.Abs(filepath.Join("testdata", "checkout-stub"))
	if err != nil {
		h.t.Fatal(err)
	}
	args := []string{event, "-W", wf, "-e", eventFile,
		"-P", "ubuntu-latest=-self-hosted",
		"--local-repository", actionRef + "=" + h.action,
		"--local-repository", exampleActionRef + "=" + h.action,
		"--local-repository", setupGoRef + "=" + setupGo,
		"--local-repository", checkoutRef + "=" + checkout,
		"--env", "FLOWS_ORIGIN=file://" + h.bare,
		"--env", "GITHUB_API_URL=" + h.github.srv.URL,
		"-s", "GITHUB_TOKEN=" + ghToken,
		"-s", "PREFECT_API_URL=" + h.apiURL,
		"-s", "API_TOKEN=" + h.secret,
		"--var", "FLOWS_ORIGIN=file://" + h.bare,
		"--var", "PREFECT_API_URL=" + h.apiURL,
		"--var", "PROJECT=" + h.project,
		"--var", "OUT_DIR=" + dir,
	}
	for k, v := range o.vars {
		args = append(args, "--var", k+"="+v)
	}
	for k, v := range o.inputs {
		args = append(args, "--input", k+"="+v)
	}
	for k, v := range o.env {
		args = append(args, "--env", k+"="+v)
	}
	if o.job != "" {
		args = append(args, "-j", o.job)
	}
	ctx, cancel := context.WithTimeout(h.t.Context(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.act, args...)
	cmd.Dir = h.work
	// The runner's environment, minus anything that could stand in for an input or point the
	// program elsewhere: on GitHub only what action.yml maps reaches the program.
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PREFECT_") || strings.HasPrefix(k, "GITHUB_") || strings.HasPrefix(k, "INPUT_") ||
			strings.HasPrefix(k, "RUNNER_") || strings.HasPrefix(k, "ACT") || k == "XDG_CACHE_HOME" || k == "CI" {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, "XDG_CACHE_HOME="+h.cache, "GOCACHE="+h.gocache)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	r := actRun{Err: cmd.Run(), Log: log.String()}
	if ob, err := os.ReadFile(filepath.Join(dir, "outputs.json")); err == nil {
		if err := json.Unmarshal(ob, &r.Outputs); err != nil {
			h.t.Fatalf("outputs.json: %v\n%s", err, ob)
		}
	}
	r.Summary = summaryFromLog(r.Log)
	if r.Outputs == nil {
		r.Outputs = outputsFromLog(r.Log)
	}
	if strings.Contains(r.Log, h.secret) {
		h.t.Errorf("the value of a secret-env-vars entry appears in the log:\n%s", r.Log)
	}
	return r
}

// summaryFromLog returns the first job summary act printed: act gives each step its own
// GITHUB_STEP_SUMMARY file, as GitHub does, and logs its content after the step as
// "⚙  Summary - <markdown>" up to the next "[workflow/job]" line.
func summaryFromLog(log string) string {
	const marker = "⚙  Summary - "
	_, rest, ok := strings.Cut(log, marker)
	if !ok {
		return ""
	}
	var b strings.Builder
	for i, line := range strings.Split(rest, "\n") {
		if i > 0 && strings.HasPrefix(line, "[") {
			break
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// outputsFromLog returns the step outputs act logged ("⚙  ::set-output:: k=v", continued on
// lines that do not start with "[workflow/job]"), for workflows that do not save their outputs
// (the examples). Later values win.
func outputsFromLog(log string) map[string]string {
	const marker = "⚙  ::set-output:: "
	out := map[string]string{}
	key := ""
	for _, line := range strings.Split(log, "\n") {
		if _, kv, ok := strings.Cut(line, marker); ok {
			k, v, _ := strings.Cut(kv, "=")
			key, out[k] = k, v
			continue
		}
		if key != "" && !strings.HasPrefix(line, "[") {
			out[key] += "\n" + line
			continue
		}
		key = ""
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// repoPayload is the repository object of event payloads.
var repoPayload = map[string]any{
	"full_name": repository, "name": "flows", "default_branch": "main",
	"owner": map[string]any{"login": "acme"},
}

// workflowRunEvent is the payload of a completed container workflow run.
func workflowRunEvent(conclusion, branch, sha string) map[string]any {
	return map[string]any{
		"action": "completed",
		"workflow_run": map[string]any{
			"name": "container", "conclusion": conclusion, "event": "push",
			"head_branch": branch, "head_sha": sha,
			"head_repository": map[string]any{"full_name": repository},
		},
		"repository": repoPayload,
	}
}

// releaseEvent is the payload of a published release.
func releaseEvent(tag string) map[string]any {
	return map[string]any{
		"action":     "published",
		"release":    map[string]any{"tag_name": tag, "name": tag, "draft": false, "prerelease": false},
		"repository": repoPayload,
	}
}

// ghDeployment is one deployment recorded through the fake GitHub API, with its statuses.
type ghDeployment struct {
	Ref         string `json:"ref"`
	Environment string `json:"environment"`
	Production  bool   `json:"production_environment"`
	Payload     []struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"payload"`
	States []string `json:"-"`
}

// fakeGitHub records GitHub Deployments API calls and keeps pull request comments (issue
// comments API: list, create, update), answering in the shapes GitHub documents.
type fakeGitHub struct {
	srv      *httptest.Server
	mu       sync.Mutex
	deps     []*ghDeployment // by id - 1
	taken    int             // deps returned by take so far
	errs     []string
	comments []*ghComment
	calls    []string // comment API calls, e.g. "list 8", "create 8", "update 1"
}

// ghComment is a comment on a pull request.
type ghComment struct {
	ID     int    `json:"id"`
	Issue  int    `json:"-"`
	Body   string `json:"body"`
	Edited int    `json:"-"`
}

// commentState returns the pull request's comments and the comment API calls so far.
func (f *fakeGitHub) commentState(issue int) ([]ghComment, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []ghComment
	for _, c := range f.comments {
		if c.Issue == issue {
			out = append(out, *c)
		}
	}
	return out, append([]string(nil), f.calls...)
}

func newFakeGitHub(t *testing.T) *fakeGitHub {
	f := &fakeGitHub{}
	mux := http.NewServeMux()
	check := func(r *http.Request) bool {
		if r.Header.Get("Authorization") != "Bearer "+ghToken {
			f.errs = append(f.errs, fmt.Sprintf("%s %s: Authorization %q", r.Method, r.URL.Path, r.Header.Get("Authorization")))
			return false
		}
		return true
	}
	mux.HandleFunc("POST /repos/acme/flows/deployments", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if !check(r) {
			http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
			return
		}
		var d ghDeployment
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &d); err != nil {
			f.errs = append(f.errs, fmt.Sprintf("deployment body: %v", err))
		}
		f.deps = append(f.deps, &d)
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id": %d, "ref": %q, "environment": %q}`, len(f.deps), d.Ref, d.Environment)
	})
	mux.HandleFunc("POST /repos/acme/flows/deployments/{id}/statuses", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if !check(r) {
			http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
			return
		}
		var id int
		fmt.Sscan(r.PathValue("id"), &id)
		var s struct {
			State string `json:"state"`
		}
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &s)
		if id < 1 || id > len(f.deps) {
			http.NotFound(w, r)
			return
		}
		f.deps[id-1].States = append(f.deps[id-1].States, s.State)
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id": %d, "state": %q}`, id*100, s.State)
	})
	mux.HandleFunc("GET /repos/acme/flows/issues/{n}/comments", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if !check(r) {
			http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
			return
		}
		var n int
		fmt.Sscan(r.PathValue("n"), &n)
		f.calls = append(f.calls, fmt.Sprintf("list %d", n))
		list := []map[string]any{}
		for _, c := range f.comments {
			if c.Issue == n {
				list = append(list, map[string]any{"id": c.ID, "body": c.Body, "user": map[string]any{"login": "github-actions[bot]", "type": "Bot"},
					"html_url": fmt.Sprintf("https://github.com/acme/flows/pull/%d#issuecomment-%d", n, c.ID)})
			}
		}
		_ = json.NewEncoder(w).Encode(list)
	})
	mux.HandleFunc("POST /repos/acme/flows/issues/{n}/comments", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if !check(r) {
			http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
			return
		}
		var n int
		fmt.Sscan(r.PathValue("n"), &n)
		var in ghComment
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &in); err != nil || in.Body == "" {
			f.errs = append(f.errs, fmt.Sprintf("comment body %q: %v", b, err))
		}
		c := &ghComment{ID: len(f.comments) + 1, Issue: n, Body: in.Body}
		f.comments = append(f.comments, c)
		f.calls = append(f.calls, fmt.Sprintf("create %d", n))
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id": %d, "body": %q, "user": {"login": "github-actions[bot]"}}`, c.ID, c.Body)
	})
	mux.HandleFunc("PATCH /repos/acme/flows/issues/comments/{id}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if !check(r) {
			http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
			return
		}
		var id int
		fmt.Sscan(r.PathValue("id"), &id)
		if id < 1 || id > len(f.comments) {
			http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
			return
		}
		var in ghComment
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &in)
		c := f.comments[id-1]
		c.Body, c.Edited = in.Body, c.Edited+1
		f.calls = append(f.calls, fmt.Sprintf("update %d", id))
		fmt.Fprintf(w, `{"id": %d, "body": %q, "user": {"login": "github-actions[bot]"}}`, c.ID, c.Body)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.errs = append(f.errs, "unexpected request "+r.Method+" "+r.URL.Path)
		f.mu.Unlock()
		http.NotFound(w, r)
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// take returns the deployments recorded since the last call and any protocol errors.
func (f *fakeGitHub) take() ([]*ghDeployment, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, e := f.deps[f.taken:], f.errs
	f.taken, f.errs = len(f.deps), nil
	return d, e
}
