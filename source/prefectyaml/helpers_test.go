package prefectyaml

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fixtureRepo copies testdata/monorepo into a temporary directory, passing
// each file through rewrite (when not nil), and commits it to a new git
// repository, since the fixture's build step runs `git rev-parse`.
func fixtureRepo(t *testing.T, rewrite func(path string, data []byte) []byte) string {
	t.Helper()
	dir := t.TempDir()
	copyTree(t, "testdata/monorepo", dir, rewrite)
	gitOutput(t, dir, "init", "-q", "-b", "main")
	gitOutput(t, dir, "add", ".")
	gitOutput(t, dir, "-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-q", "-m", "fixture")
	return dir
}

// copyTree copies the tree at src to dst, passing each file through rewrite (when not nil;
// a nil result leaves the file out).
func copyTree(t *testing.T, src, dst string, rewrite func(path string, data []byte) []byte) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if rewrite != nil {
			if data = rewrite(rel, data); data == nil {
				return nil
			}
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func gitOutput(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	// Fixed dates make the fixture's commit hash the same on every run.
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_DATE=2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2026-01-01T00:00:00Z")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}
