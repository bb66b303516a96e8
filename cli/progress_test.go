package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prefect-flow-deploy/prefect-deploy-action/cli"
	"github.com/prefect-flow-deploy/prefect-deploy-action/deploy"
	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
)

// TestLongRunShowsPlanThenProgress deploys 12 flows for real with text output and checks the
// order a person reads: the plan before any write, then how far the writes are, then the table.
func TestLongRunShowsPlanThenProgress(t *testing.T) {
	live := prefecttest.URL(t)
	ensurePool(t, live, "golden-pool")
	work := t.TempDir()
	var src strings.Builder
	src.WriteString("from prefect import flow\n")
	for i := range 12 {
		fmt.Fprintf(&src, "\n\n@flow\ndef step_%02d():\n    pass\n", i)
	}
	if err := os.WriteFile(filepath.Join(work, "flows.py"), []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	project := fmt.Sprintf("progress-%d", time.Now().UnixNano())
	var out bytes.Buffer
	env := map[string]string{"PREFECT_API_URL": live, "PATH": os.Getenv("PATH")}
	code := cli.Run(context.Background(), strings.Fields("deploy --env dev --branch main --commit 0123456789abcdef0123456789abcdef01234567 --package-version 1.0.0 --image img:1 --work-pool golden-pool --project "+project), cli.Env{
		Stdout: &out, Stderr: &out, Dir: work, Getenv: func(k string) string { return env[k] },
	})
	got := out.String()
	if code != cli.ExitOK {
		t.Fatalf("deploy exited %d:\n%s", code, got)
	}
	order := []string{
		"Changes for environment dev:",
		"+ " + project + "--main--step-00--dev (new)",
		"written 12/12 (",
		"DEPLOYMENT",
		"12 deployments: 12 created",
	}
	at := 0
	for _, want := range order {
		i := strings.Index(got[at:], want)
		if i < 0 {
			t.Fatalf("%q missing, or not after %q, in:\n%s", want, got[:at], got)
		}
		at += i + len(want)
	}
	if n := strings.Count(got, "Changes for"); n != 1 {
		t.Errorf("the plan is shown %d times:\n%s", n, got)
	}
}

// TestTraceRecordsEveryWrite deploys three flows for real with PREFECT_DEPLOY_TRACE set and
// checks the trace: one JSON line per answer to a write, flows before deployments, each with
// its latency, the requests in flight and the writer's limit.
func TestTraceRecordsEveryWrite(t *testing.T) {
	live := prefecttest.URL(t)
	ensurePool(t, live, "golden-pool")
	work := t.TempDir()
	// Flow names of their own: a server that already has a flow gets no write for it, and a
	// long-lived server has every common name.
	run := time.Now().UnixNano()
	var src strings.Builder
	src.WriteString("from prefect import flow\n")
	for _, name := range []string{"one", "two", "three"} {
		fmt.Fprintf(&src, "\n\n@flow(name=\"trace-%s-%d\")\ndef %s():\n    pass\n", name, run, name)
	}
	if err := os.WriteFile(filepath.Join(work, "flows.py"), []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	trace := filepath.Join(t.TempDir(), "trace.jsonl")
	project := fmt.Sprintf("trace-%d", run)
	var out bytes.Buffer
	env := map[string]string{"PREFECT_API_URL": live, "PATH": os.Getenv("PATH"), cli.EnvTrace: trace}
	code := cli.Run(context.Background(), strings.Fields("deploy --env dev --branch main --commit 0123456789abcdef0123456789abcdef01234567 --package-version 1.0.0 --image img:1 --work-pool golden-pool --project "+project), cli.Env{
		Stdout: &out, Stderr: &out, Dir: work, Getenv: func(k string) string { return env[k] },
	})
	if code != cli.ExitOK {
		t.Fatalf("deploy exited %d:\n%s", code, out.String())
	}
	b, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	var phases []string
	accepted := map[string]int{}
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var e deploy.WriterEvent
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("trace line %d %q: %v", i+1, line, err)
		}
		if e.At.IsZero() || e.Latency <= 0 || e.InFlight < 1 || e.Limit < 1 || e.Limit > deploy.DefaultConcurrency {
			t.Errorf("trace line %d %q: want a time, a latency, at least one in flight and a limit in 1..%d", i+1, line, deploy.DefaultConcurrency)
		}
		if len(phases) == 0 || phases[len(phases)-1] != e.Phase {
			phases = append(phases, e.Phase)
		}
		if !e.Busy {
			accepted[e.Phase]++
		}
	}
	if diff := cmp.Diff([]string{"flows", "deployments"}, phases); diff != "" {
		t.Errorf("phases in the trace (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"flows": 3, "deployments": 3}, accepted); diff != "" {
		t.Errorf("accepted writes in the trace (-want +got):\n%s", diff)
	}
}

// TestTraceFileThatCannotBeCreated checks that a trace file that cannot be created stops the
// run with a message naming the setting, before anything is written.
func TestTraceFileThatCannotBeCreated(t *testing.T) {
	live := prefecttest.URL(t)
	ensurePool(t, live, "golden-pool")
	work := t.TempDir()
	if err := os.WriteFile(filepath.Join(work, "flows.py"), []byte("from prefect import flow\n\n\n@flow\ndef lonely():\n    pass\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	project := fmt.Sprintf("trace-bad-%d", time.Now().UnixNano())
	var out bytes.Buffer
	env := map[string]string{"PREFECT_API_URL": live, "PATH": os.Getenv("PATH"), cli.EnvTrace: filepath.Join(work, "no-such-dir", "trace.jsonl")}
	code := cli.Run(context.Background(), strings.Fields("deploy --env dev --branch main --commit 0123456789abcdef0123456789abcdef01234567 --package-version 1.0.0 --image img:1 --work-pool golden-pool --project "+project), cli.Env{
		Stdout: &out, Stderr: &out, Dir: work, Getenv: func(k string) string { return env[k] },
	})
	if code == cli.ExitOK || !strings.Contains(out.String(), cli.EnvTrace+": failed to create the trace file") {
		t.Fatalf("deploy exited %d, want a failure naming %s:\n%s", code, cli.EnvTrace, out.String())
	}
	c, err := prefect.New(prefect.Config{APIURL: live})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadDeploymentByName(context.Background(), "lonely", project+"--main--lonely--dev"); !prefect.IsNotFound(err) {
		t.Errorf("after the refused run, reading its deployment: %v; want not found (nothing written)", err)
	}
}
