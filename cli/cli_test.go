package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
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
// where the golden file says so. A case's setup file, when present, prepares the case first
// (see setup): e.g. a deploy against the server directly, to put there what the case meets.
//
// Every deploy, promote, prune, rollback and flows case runs a second time with --output json: stdout must
// then be exactly one JSON document, with an "error" member when the run failed, matching
// want.json.golden.
func TestCases(t *testing.T) {
	live := prefecttest.URL(t)
	ensurePool(t, live, "golden-pool")
	ensurePool(t, live, "ecs-pool") // acme-portal-sdk's default pool (acme-* cases)
	dirs, err := filepath.Glob("testdata/cases/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			cmdText, err := os.ReadFile(filepath.Join(dir, "cmd"))
			if err != nil {
				t.Fatal(err)
			}
			args := strings.Fields(string(cmdText))
			code := runCase(t, dir, live, args, "want.golden")
			if len(args) == 0 || !slices.Contains([]string{"deploy", "promote", "prune", "rollback", "flows"}, args[0]) || slices.Contains(args, "--output") {
				return
			}
			jsonCode := runCase(t, dir, live, append(slices.Clone(args), "--output", "json"), "want.json.golden")
			if jsonCode != code {
				t.Errorf("with --output json the exit code is %d, without it %d", jsonCode, code)
			}
		})
	}
}

// runCase runs args as the case in dir does, compares what it printed with the golden file and
// returns the exit code.
func runCase(t *testing.T, dir, live string, args []string, goldenName string) int {
	t.Helper()
	px := prefecttest.NewProxy(t, live, nil)
	proxy, writes := px.URL, &px.Writes
	work := t.TempDir()
	if _, err := os.Stat(filepath.Join(dir, "repo")); err == nil {
		if err := os.CopyFS(work, os.DirFS(filepath.Join(dir, "repo"))); err != nil {
			t.Fatal(err)
		}
	}
	head := ""
	if spec, err := os.ReadFile(filepath.Join(dir, "git")); err == nil {
		head = gitRepo(t, work, string(spec))
	}
	base := head
	if b, err := os.ReadFile(filepath.Join(dir, "setup")); err == nil {
		head = setup(t, work, live, string(b))
	}
	env := map[string]string{"PREFECT_API_URL": proxy, "PREFECT_CLIENT_MAX_RETRIES": "0", "PATH": os.Getenv("PATH")}
	if b, err := os.ReadFile(filepath.Join(dir, "env")); err == nil {
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			k, v, _ := strings.Cut(line, "=")
			env[k] = strings.ReplaceAll(v, "$PREFECT_UI", strings.TrimSuffix(proxy, "/api"))
		}
	}
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), args, cli.Env{
		Stdout: &out, Stderr: &errb, Dir: work, Getenv: func(k string) string { return env[k] },
	})
	got := fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", code, out.String(), errb.String())
	got = normalize(got, work, live, proxy)
	if goldenName == "want.json.golden" {
		checkOneJSONDocument(t, out.Bytes(), code)
		// How many reads a plan takes depends on what else the shared server holds (a flow
		// another package made is looked up); the proxy checks that nothing was written.
		got = readsRE.ReplaceAllString(got, `"reads": $$READS`)
	}
	for _, c := range []struct{ sha, name string }{{head, "$HEAD"}, {base, "$BASE"}} {
		if c.sha != "" {
			got = strings.ReplaceAll(got, c.sha, c.name)
			got = strings.ReplaceAll(got, c.sha[:7], c.name+"7")
		}
	}
	golden := filepath.Join(dir, goldenName)
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
		t.Errorf("%s: output mismatch (-want +got):\n%s", strings.Join(args, " "), diff)
	}
	if n := writes.Load(); n != 0 {
		t.Errorf("%s: %d write requests reached Prefect; a failed or dry run must write nothing", strings.Join(args, " "), n)
	}
	return code
}

// checkOneJSONDocument fails unless stdout is exactly one JSON object, with a non-empty "error"
// member when the run failed and none when it succeeded.
func checkOneJSONDocument(t *testing.T, stdout []byte, code int) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(stdout))
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("--output json printed no JSON document: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Errorf("--output json printed more than one JSON document:\n%s", stdout)
	}
	msg, _ := doc["error"].(string)
	switch {
	case code != 0 && msg == "":
		t.Errorf("exit %d but the JSON document has no error member:\n%s", code, stdout)
	case code == 0 && msg != "":
		t.Errorf("exit 0 but the JSON document has an error: %s", msg)
	}
}

var readsRE = regexp.MustCompile(`"reads": [0-9]+`)

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

func normalize(s, work, live, proxy string) string {
	s = strings.ReplaceAll(s, work, "$REPO")
	s = strings.ReplaceAll(s, proxy, "$PREFECT_API_URL")
	s = strings.ReplaceAll(s, strings.TrimSuffix(proxy, "/api"), "$PREFECT_UI")
	s = strings.ReplaceAll(s, live, "$PREFECT_API_URL")
	return uuidRE.ReplaceAllString(s, "$UUID")
}

// setup prepares a case in work before its command, one step a line, and returns the HEAD
// commit after it ("" outside git):
//
//	deploy|promote ARGS   run the CLI against the live server (it may write; it must succeed)
//	git ARGS              run git in work
//	write PATH TEXT       write TEXT (with \n for new lines) to work/PATH
func setup(t *testing.T, work, live, spec string) string {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(spec), "\n") {
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0:
		case fields[0] == "deploy" || fields[0] == "promote":
			var out bytes.Buffer
			env := map[string]string{"PREFECT_API_URL": live, "PATH": os.Getenv("PATH")}
			if code := cli.Run(context.Background(), fields, cli.Env{Stdout: &out, Stderr: &out, Dir: work, Getenv: func(k string) string { return env[k] }}); code != 0 {
				t.Fatalf("setup %q: exit %d\n%s", line, code, out.String())
			}
		case fields[0] == "git":
			gitIn(t, work, fields[1:]...)
		case fields[0] == "write" && len(fields) >= 2:
			text := strings.TrimPrefix(strings.TrimPrefix(line, "write "+fields[1]), " ")
			if err := os.WriteFile(filepath.Join(work, fields[1]), []byte(strings.ReplaceAll(text, `\n`, "\n")), 0o644); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("setup: unknown step %q", line)
		}
	}
	if _, err := os.Stat(filepath.Join(work, ".git")); err != nil {
		return ""
	}
	return gitIn(t, work, "rev-parse", "HEAD")
}

// gitIn runs git in work with a fixed author, committer and date.
func gitIn(t *testing.T, work string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=golden", "GIT_AUTHOR_EMAIL=golden@example.com",
		"GIT_COMMITTER_NAME=golden", "GIT_COMMITTER_EMAIL=golden@example.com",
		"GIT_AUTHOR_DATE=2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2026-01-01T00:00:00Z",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// gitRepo makes work a git repository as spec says, one directive a line, and returns the full
// SHA of its HEAD:
//
//	branch NAME      the branch to commit on (default main)
//	origin URL       the origin remote
//	untracked PATH   leave PATH out of the commit
//	detach           check out HEAD detached after the commit
//
// Author, committer and dates are fixed, so the SHA only changes with the files.
func gitRepo(t *testing.T, work, spec string) string {
	t.Helper()
	branch, origin, detach := "main", "", false
	var untracked []string
	for _, line := range strings.Split(strings.TrimSpace(spec), "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch k {
		case "branch":
			branch = v
		case "origin":
			origin = v
		case "untracked":
			untracked = append(untracked, v)
		case "detach":
			detach = true
		case "":
		default:
			t.Fatalf("git spec: unknown directive %q", k)
		}
	}
	run := func(args ...string) string { t.Helper(); return gitIn(t, work, args...) }
	run("init", "-q", "-b", branch)
	run("add", "-A")
	for _, u := range untracked {
		run("rm", "-q", "--cached", u)
	}
	run("commit", "-q", "-m", "golden")
	if origin != "" {
		run("remote", "add", "origin", origin)
	}
	if detach {
		run("checkout", "-q", "--detach")
	}
	return run("rev-parse", "HEAD")
}
