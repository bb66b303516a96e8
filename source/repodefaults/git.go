package repodefaults

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	"path"
	"strings"
)

// git runs git in dir and returns its trimmed standard output; the error carries git's own
// message (its standard error's first line).
func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(strings.SplitN(stderr.String(), "\n", 2)[0])
		var ee *exec.ExitError
		if msg != "" && errors.As(err, &ee) {
			return "", errors.New(msg)
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// TopLevel returns the root of the git work tree that holds dir, or "" outside one (or without
// git on the machine).
func TopLevel(dir string) string {
	out, err := git(dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return ""
	}
	return out
}

// currentBranch returns the branch HEAD points at in dir; "" on a detached HEAD.
func currentBranch(dir string) string {
	out, err := git(dir, "symbolic-ref", "--quiet", "--short", "HEAD")
	if err != nil {
		return ""
	}
	return out
}

// ResolveCommit turns any git revision (HEAD, a branch, a tag, a short SHA, HEAD~2) into the
// full SHA of the commit it names in the repository at dir.
func ResolveCommit(dir, rev string) (string, error) {
	if strings.HasPrefix(rev, "-") {
		return "", fmt.Errorf("%q is not a git revision", rev)
	}
	out, err := git(dir, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil || out == "" {
		return "", fmt.Errorf("no commit %q in the git repository at %s", rev, dir)
	}
	return out, nil
}

// OriginURL is the URL of the origin remote of the repository at dir, without credentials; ""
// when there is none.
func OriginURL(dir string) string {
	u, err := git(dir, "remote", "get-url", "origin")
	if err != nil {
		return ""
	}
	if parsed, err := url.Parse(u); err == nil && parsed.User != nil {
		parsed.User = nil
		u = parsed.String()
	}
	return u
}

// RepoName is the repository name in a git remote URL: "flows" for
// git@github.com:acme/flows.git, https://gitlab.com/group/sub/flows and /srv/git/flows.git.
func RepoName(remote string) string {
	u := strings.TrimRight(strings.TrimSpace(remote), "/")
	if parsed, err := url.Parse(u); err == nil && parsed.Scheme != "" && parsed.Host != "" {
		u = parsed.Path
	} else if i := strings.Index(u, ":"); i > 0 && !strings.Contains(u[:i], "/") {
		u = u[i+1:] // scp-like user@host:path
	}
	name := strings.TrimSuffix(path.Base(u), ".git")
	if name == "." || name == "/" {
		return ""
	}
	return name
}

// MissingAt returns the paths (relative to the repository root) that are not in the tree of
// commit in the repository at dir, in the order given.
func MissingAt(dir, commit string, paths []string) ([]string, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	args := append([]string{"ls-tree", "-r", "--name-only", "--full-tree", commit, "--"}, paths...)
	out, err := git(dir, args...)
	if err != nil {
		return nil, fmt.Errorf("failed to list the files of commit %s: %w", commit, err)
	}
	have := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		have[l] = true
	}
	var missing []string
	for _, p := range paths {
		if !have[p] {
			missing = append(missing, p)
		}
	}
	return missing, nil
}

// ChangedSince returns the paths (relative to the repository root) whose working-tree content
// differs from commit.
func ChangedSince(dir, commit string, paths []string) ([]string, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	top := TopLevel(dir)
	if top == "" {
		return nil, nil
	}
	args := append([]string{"diff", "--name-only", "--no-renames", commit, "--"}, paths...)
	out, err := git(top, args...)
	if err != nil {
		return nil, fmt.Errorf("failed to compare the working tree with commit %s: %w", commit, err)
	}
	if out == "" {
		return nil, nil
	}
	return strings.Split(out, "\n"), nil
}
