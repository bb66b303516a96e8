package cli_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/cli"
	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestMain(m *testing.M) { os.Exit(prefecttest.Main(m)) }

// TestCases runs each testdata/cases/<case>: the command line in cmd, run in a copy of repo/,
// against the live server behind a write-counting proxy (or the URL in env). The exit code and
// everything printed must match want.golden, and no case may write anything to Prefect except
// where the golden file says so.
func TestCases(t *testing.T) {
	live := prefecttest.URL(t)
	ensurePool(t, live, "golden-pool")
	dirs, err := filepath.Glob("testdata/cases/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			px := prefecttest.NewProxy(t, live, nil)
			proxy, writes := px.URL, &px.Writes
			cmdText, err := os.ReadFile(filepath.Join(dir, "cmd"))
			if err != nil {
				t.Fatal(err)
			}
			work := t.TempDir()
			if _, err := os.Stat(filepath.Join(dir, "repo")); err == nil {
				if err := os.CopyFS(work, os.DirFS(filepath.Join(dir, "repo"))); err != nil {
					t.Fatal(err)
				}
			}
			env := map[string]string{"PREFECT_API_URL": proxy, "PREFECT_CLIENT_MAX_RETRIES": "0", "PATH": os.Getenv("PATH")}
			if b, err := os.ReadFile(filepath.Join(dir, "env")); err == nil {
				for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
					k, v, _ := strings.Cut(line, "=")
					env[k] = v
				}
			}
			var out, errb bytes.Buffer
			code := cli.Run(context.Background(), strings.Fields(string(cmdText)), cli.Env{
				Stdout: &out, Stderr: &errb, Dir: work, Getenv: func(k string) string { return env[k] },
			})
			got := fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", code, out.String(), errb.String())
			got = normalize(got, work, live, proxy)
			golden := filepath.Join(dir, "want.golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("output mismatch (-want +got):\n%s", diff)
			}
			if n := writes.Load(); n != 0 {
				t.Errorf("%d write requests reached Prefect; a failed or dry run must write nothing", n)
			}
		})
	}
}

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

func normalize(s, work, live, proxy string) string {
	s = strings.ReplaceAll(s, work, "$REPO")
	s = strings.ReplaceAll(s, proxy, "$PREFECT_API_URL")
	s = strings.ReplaceAll(s, strings.TrimSuffix(proxy, "/api"), "$PREFECT_UI")
	s = strings.ReplaceAll(s, live, "$PREFECT_API_URL")
	return uuidRE.ReplaceAllString(s, "$UUID")
}
