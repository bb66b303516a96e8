package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prefect-flow-deploy/prefect-deploy-action/cli"
	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
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
