// Package e2e runs the product end to end against a live Prefect server and a real process
// worker: deploy examples/ with the git code source from a local bare repository standing in for
// GitHub, run flows, promote, and check what ran.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prefect-flow-deploy/prefect-deploy-action/cli"
	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
)

func TestMain(m *testing.M) { os.Exit(prefecttest.Main(m)) }

// repo is a copy of examples/ as a git repository whose origin is a local bare repository.
type repo struct {
	t    *testing.T
	Dir  string
	Bare string
}

func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// newRepo copies examples/ into a fresh git repository using work pool pool, commits it and
// pushes it to a bare "origin".
func newRepo(t *testing.T, pool string) *repo {
	t.Helper()
	root := t.TempDir()
	r := &repo{t: t, Dir: filepath.Join(root, "work"), Bare: filepath.Join(root, "origin.git")}
	if err := os.CopyFS(r.Dir, os.DirFS("../examples")); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(r.Dir, "prefect-deploy.yaml")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, bytes.ReplaceAll(b, []byte("demo-pool"), []byte(pool)), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, r.Dir, "git", "init", "-q", "-b", "main")
	run(t, r.Dir, "git", "add", "-A")
	run(t, r.Dir, "git", "commit", "-q", "-m", "initial")
	run(t, root, "git", "init", "-q", "--bare", r.Bare)
	run(t, r.Dir, "git", "remote", "add", "origin", "file://"+r.Bare)
	run(t, r.Dir, "git", "push", "-q", "origin", "main")
	return r
}

// HEAD returns the current commit.
func (r *repo) HEAD() string { return run(r.t, r.Dir, "git", "rev-parse", "HEAD") }

// commitMark changes the example report flow's CODE_MARK, commits and pushes; it returns the commit.
func (r *repo) commitMark(mark string) string {
	p := filepath.Join(r.Dir, "flows", "report.py")
	b, err := os.ReadFile(p)
	if err != nil {
		r.t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "CODE_MARK = ") {
			lines[i] = fmt.Sprintf("CODE_MARK = %q", mark)
		}
	}
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		r.t.Fatal(err)
	}
	run(r.t, r.Dir, "git", "commit", "-q", "-am", "mark "+mark)
	run(r.t, r.Dir, "git", "push", "-q", "origin", "main")
	return r.HEAD()
}

// newCounter puts a request-counting proxy in front of the live server.
func newCounter(t *testing.T, target string) *prefecttest.Proxy {
	return prefecttest.NewProxy(t, target, nil)
}

// result is one CLI run.
type result struct {
	Code           int
	Stdout, Stderr string
	Report         *report.Report
}

// cliRun runs the program in-process in dir against apiURL.
func cliRun(t *testing.T, dir, apiURL string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	env := map[string]string{"PREFECT_API_URL": apiURL, "PATH": os.Getenv("PATH"), "HOME": os.Getenv("HOME")}
	code := cli.Run(context.Background(), args, cli.Env{Stdout: &out, Stderr: &errb, Dir: dir, Getenv: func(k string) string { return env[k] }})
	r := result{Code: code, Stdout: out.String(), Stderr: errb.String()}
	for _, a := range args {
		if a == "json" && code != 2 && out.Len() > 0 {
			r.Report = new(report.Report)
			if err := json.Unmarshal(out.Bytes(), r.Report); err != nil {
				t.Fatalf("--output json is not one JSON document: %v\n%s", err, out.String())
			}
		}
	}
	return r
}

func item(t *testing.T, rep *report.Report, suffix string) report.Item {
	t.Helper()
	for _, d := range rep.Deployments {
		if strings.HasSuffix(d.Name, suffix) {
			return d
		}
	}
	t.Fatalf("no deployment ending in %q in the report: %+v", suffix, rep.Deployments)
	return report.Item{}
}

// runFlow creates a flow run of a deployment, waits for it and returns its final state and logs.
func runFlow(t *testing.T, c *prefect.Client, deploymentID string, w *prefecttest.Worker) (*prefect.FlowRun, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	fr, err := c.CreateFlowRun(ctx, deploymentID, prefect.FlowRunCreate{})
	if err != nil {
		t.Fatalf("CreateFlowRun: %v", err)
	}
	done, err := c.WaitFlowRun(ctx, fr.ID, time.Second)
	if err != nil {
		t.Fatalf("flow run %s: %v\nworker log:\n%s", fr.ID, err, w.Log())
	}
	// Logs reach the server shortly after the state; wait for the final line.
	var b strings.Builder
	for i := 0; i < 60; i++ {
		logs, err := c.FlowRunLogs(ctx, fr.ID, 200)
		if err != nil {
			t.Fatalf("FlowRunLogs: %v", err)
		}
		b.Reset()
		for _, l := range logs {
			b.WriteString(l.Message)
			b.WriteString("\n")
		}
		if strings.Contains(b.String(), "Finished in state") {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if done.State.Type != "COMPLETED" {
		t.Fatalf("flow run ended %s (%s)\nlogs:\n%s\nworker log:\n%s", done.State.Type, done.State.Message, b.String(), w.Log())
	}
	return done, b.String()
}

func client(t *testing.T, apiURL string) *prefect.Client {
	t.Helper()
	c, err := prefect.New(prefect.Config{APIURL: apiURL})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func uniqueName(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()%1e9)
}

// createProcessPool creates a process work pool with Prefect's default job template (as the
// Prefect CLI does), so the server validates job variables against it.
func createProcessPool(t *testing.T, apiURL, name string) {
	t.Helper()
	bin, err := prefecttest.Bin()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(bin, "prefect"), "--no-prompt", "work-pool", "create", name, "--type", "process")
	cmd.Env = append(os.Environ(), "PREFECT_API_URL="+apiURL)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("create work pool: %v\n%s", err, out)
	}
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
