package repodefaults

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// gitInit makes dir a git repository with one commit on branch and returns the commit's SHA.
func gitInit(t *testing.T, dir, branch string, files map[string]string) string {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	run("init", "-q", "-b", branch)
	run("add", "-A")
	run("commit", "-q", "--allow-empty", "-m", "first")
	return run("rev-parse", "HEAD")
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestResolve(t *testing.T) {
	t.Parallel()
	const py = "[project]\nname = \"x\"\nversion = \"0.3.1\"\n"
	tests := []struct {
		name    string
		branch  string // git branch; "" = not a git repository
		origin  string
		files   map[string]string
		env     map[string]string
		req     Request
		want    Values // HEAD in Commit stands for the repository's HEAD
		wantErr string // DIR stands for the directory
	}{
		{
			name:   "plain checkout: origin name, checked-out branch, HEAD, pyproject",
			branch: "feature/x", origin: "git@github.com:acme/shop-flows.git", files: map[string]string{"pyproject.toml": py},
			want: Values{Project: "shop-flows", Branch: "feature/x", Commit: "HEAD", PackageVersion: "0.3.1",
				From: map[string]string{"project": "origin remote", "branch": "git", "commit": "git HEAD", "package version": "pyproject.toml"}},
		},
		{
			name:   "config project wins over origin; a revision resolves to the full SHA",
			branch: "main", origin: "https://gitlab.example.com/group/sub/etl.git", files: map[string]string{"pyproject.toml": "[tool.poetry]\nversion = \"2.0.0b1\"\n"},
			req: Request{ConfigProject: "cfg-proj", Commit: "HEAD~0"},
			want: Values{Project: "cfg-proj", Branch: "main", Commit: "HEAD", PackageVersion: "2.0.0b1",
				From: map[string]string{"project": "config", "branch": "git", "commit": "--commit HEAD~0", "package version": "pyproject.toml"}},
		},
		{
			name:   "no origin: the directory name",
			branch: "main", files: map[string]string{"pyproject.toml": py},
			want: Values{Project: "DIRNAME", Branch: "main", Commit: "HEAD", PackageVersion: "0.3.1",
				From: map[string]string{"project": "directory name", "branch": "git", "commit": "git HEAD", "package version": "pyproject.toml"}},
		},
		{
			name:   "GitLab merge request pipeline on a detached checkout",
			branch: "main", files: map[string]string{"pyproject.toml": py},
			env: map[string]string{"GITLAB_CI": "true", "CI_PROJECT_NAME": "etl", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "feature/y",
				"CI_COMMIT_SHA": "0123456789abcdef0123456789abcdef01234567", "CI_PROJECT_URL": "https://gitlab.example.com/g/etl"},
			want: Values{Project: "etl", Branch: "feature/y", Commit: "0123456789abcdef0123456789abcdef01234567", PackageVersion: "0.3.1",
				Repository: "https://gitlab.example.com/g/etl.git",
				From:       map[string]string{"project": "GitLab CI", "branch": "GitLab CI", "commit": "GitLab CI", "package version": "pyproject.toml"}},
		},
		{
			name: "GitLab tag pipeline: default branch, tag as package version",
			env: map[string]string{"GITLAB_CI": "true", "CI_PROJECT_NAME": "etl", "CI_COMMIT_TAG": "v1.4.0", "CI_DEFAULT_BRANCH": "trunk",
				"CI_COMMIT_SHA": "0123456789abcdef0123456789abcdef01234567"},
			want: Values{Project: "etl", Branch: "trunk", Commit: "0123456789abcdef0123456789abcdef01234567", PackageVersion: "v1.4.0",
				From: map[string]string{"project": "GitLab CI", "branch": "GitLab CI", "commit": "GitLab CI", "package version": "GitLab CI tag"}},
		},
		{
			name: "outside git a full SHA is taken as given",
			req:  Request{Project: "p", Branch: "b", Commit: "0123456789ABCDEF0123456789abcdef01234567", PackageVersion: "1"},
			want: Values{Project: "p", Branch: "b", Commit: "0123456789abcdef0123456789abcdef01234567", PackageVersion: "1",
				From: map[string]string{"project": "--project", "branch": "--branch", "commit": "--commit", "package version": "--package-version"}},
		},
		{
			name:    "outside git: everything missing is said at once",
			req:     Request{Commit: "HEAD"},
			wantErr: "--branch: not in a git checkout and no CI context names a branch; pass --branch\n--commit HEAD: not in a git checkout, so the revision cannot be resolved; pass the full 40-character commit SHA\n--package-version: no pyproject.toml in DIR to read the version from; pass --package-version (e.g. 1.4.0)",
		},
		{
			name: "a commit that does not exist", branch: "main", files: map[string]string{"pyproject.toml": py},
			req:     Request{Commit: "deadbeef"},
			wantErr: "--commit deadbeef: no such commit in the git repository at DIR; push or fetch it, or name an existing revision (HEAD, a tag, a SHA)",
		},
		{
			name: "poetry-dynamic-versioning", branch: "main",
			files:   map[string]string{"pyproject.toml": "[tool.poetry]\nversion = \"0.0.0\"\n[tool.poetry-dynamic-versioning]\nenable = true\n"},
			wantErr: "--package-version: DIR/pyproject.toml has no static version ([tool.poetry-dynamic-versioning] enable = true: the build computes it); pass the built version with --package-version",
		},
		{
			name: "promote needs neither commit nor version", branch: "main",
			req:  Request{NeedCommit: false, Project: "p"},
			want: Values{Project: "p", Branch: "main", From: map[string]string{"project": "--project", "branch": "git"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			head := ""
			if tt.branch != "" {
				head = gitInit(t, dir, tt.branch, tt.files)
				if tt.origin != "" {
					if out, err := exec.Command("git", "-C", dir, "remote", "add", "origin", tt.origin).CombinedOutput(); err != nil {
						t.Fatalf("%v: %s", err, out)
					}
				}
			} else {
				for name, content := range tt.files {
					if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			req := tt.req
			req.Dir, req.Getenv = dir, envOf(tt.env)
			if tt.name != "promote needs neither commit nor version" {
				req.NeedCommit = true
			}
			got, err := Resolve(req)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("Resolve: want an error, got %+v", got)
				}
				top, _ := filepath.EvalSymlinks(dir)
				msg := strings.ReplaceAll(strings.ReplaceAll(err.Error(), top, "DIR"), dir, "DIR")
				if diff := cmp.Diff(tt.wantErr, msg); diff != "" {
					t.Errorf("error mismatch (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			want := tt.want
			if want.Commit == "HEAD" {
				want.Commit = head
			}
			if want.Project == "DIRNAME" {
				want.Project = filepath.Base(dir)
			}
			if want.Repository == "" {
				want.Repository = tt.origin
			}
			got.InGit, got.CommitVerified = false, false
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Resolve mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRepoName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"git@github.com:acme/flows.git":              "flows",
		"https://github.com/acme/flows":              "flows",
		"https://gitlab.com/group/sub/flows.git/":    "flows",
		"ssh://git@git.example.com:2222/x/flows.git": "flows",
		"/srv/git/flows.git":                         "flows",
		"":                                           "",
	} {
		if got := RepoName(in); got != want {
			t.Errorf("RepoName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMissingAndChanged(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	head := gitInit(t, dir, "main", map[string]string{"flows/a.py": "a", "b.py": "b"})
	if err := os.WriteFile(filepath.Join(dir, "b.py"), []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing, err := MissingAt(dir, head, []string{"flows/a.py", "b.py", "new.py"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"new.py"}, missing); diff != "" {
		t.Errorf("MissingAt (-want +got):\n%s", diff)
	}
	changed, err := ChangedSince(dir, head, []string{"flows/a.py", "b.py"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"b.py"}, changed); diff != "" {
		t.Errorf("ChangedSince (-want +got):\n%s", diff)
	}
}
