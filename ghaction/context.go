package ghaction

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/google/go-github/v89/github"
	"github.com/sethvargo/go-githubactions"
)

// Defaults are values taken from the GitHub context. Args uses each one when the matching input
// is empty; an empty default leaves the choice to the CLI.
type Defaults struct {
	// Project is the repository name, without the owner.
	Project string
	// Branch is the branch the run deploys from (see ContextDefaults for the rules per event).
	Branch string
	// Commit is the full commit hash the run deploys.
	Commit string
	// PackageVersion is the release tag on release events, else the version in pyproject.toml.
	PackageVersion string
	// ReleaseVersion is the release tag on release events.
	ReleaseVersion string
	// EventName is GITHUB_EVENT_NAME, e.g. "push".
	EventName string
}

// ContextDefaults reads the workflow's context (GITHUB_* variables and the event payload at
// GITHUB_EVENT_PATH) and pyproject.toml in workdir, and returns what a deploy from this run
// should default to:
//
//   - Project: the repository name after "owner/".
//   - Branch: the pull request's head branch on pull_request and pull_request_target; the
//     triggering run's head_branch on workflow_run (the default branch when that run came from a
//     release); the repository's default branch on release events and tag pushes; otherwise the
//     branch in GITHUB_REF when it names one.
//   - Commit: pull_request.head.sha on pull request events (GITHUB_SHA is then a merge commit),
//     workflow_run.head_sha on workflow_run (the commit the upstream run built), else GITHUB_SHA.
//   - PackageVersion: the release tag as written on release events, else [project].version or
//     [tool.poetry].version from workdir/pyproject.toml, else "".
//   - ReleaseVersion: the release tag on release events.
//
// A missing event file or pyproject.toml is not an error; an unreadable or malformed one is.
func ContextDefaults(a *githubactions.Action, workdir string) (Defaults, error) {
	d := Defaults{
		EventName: a.Getenv("GITHUB_EVENT_NAME"),
		Commit:    a.Getenv("GITHUB_SHA"),
	}
	repository := a.Getenv("GITHUB_REPOSITORY")
	if _, name, ok := strings.Cut(repository, "/"); ok {
		d.Project = name
	}
	ref := a.Getenv("GITHUB_REF")

	payload, err := readEvent(a.Getenv("GITHUB_EVENT_PATH"))
	if err != nil {
		return d, err
	}
	var repo *github.Repository
	switch d.EventName {
	case "pull_request", "pull_request_target":
		var ev github.PullRequestEvent
		if err := decodeEvent(payload, d.EventName, &ev); err != nil {
			return d, err
		}
		repo = ev.Repo
		d.Branch = a.Getenv("GITHUB_HEAD_REF")
		if head := ev.GetPullRequest().GetHead(); head != nil {
			d.Branch = or(head.GetRef(), d.Branch)
			d.Commit = or(head.GetSHA(), d.Commit)
		}
	case "workflow_run":
		var ev github.WorkflowRunEvent
		if err := decodeEvent(payload, d.EventName, &ev); err != nil {
			return d, err
		}
		repo = ev.Repo
		run := ev.GetWorkflowRun()
		d.Commit = or(run.GetHeadSHA(), d.Commit)
		if run.GetEvent() == "release" {
			d.Branch = repo.GetDefaultBranch()
		} else {
			d.Branch = run.GetHeadBranch()
		}
	case "release":
		var ev github.ReleaseEvent
		if err := decodeEvent(payload, d.EventName, &ev); err != nil {
			return d, err
		}
		repo = ev.Repo
		d.Branch = repo.GetDefaultBranch()
		if tag := ev.GetRelease().GetTagName(); tag != "" {
			d.PackageVersion = tag
			d.ReleaseVersion = tag
		}
	case "push":
		var ev github.PushEvent
		if err := decodeEvent(payload, d.EventName, &ev); err != nil {
			return d, err
		}
		ref = or(ref, ev.GetRef())
		d.Commit = or(d.Commit, ev.GetAfter())
		if r := ev.GetRepo(); r != nil {
			repo = &github.Repository{Name: r.Name, DefaultBranch: r.DefaultBranch}
		}
		d.Branch = branchOf(ref, repo)
	case "workflow_dispatch":
		var ev github.WorkflowDispatchEvent
		if err := decodeEvent(payload, d.EventName, &ev); err != nil {
			return d, err
		}
		repo = ev.Repo
		d.Branch = branchOf(or(ref, ev.GetRef()), repo)
	default:
		var ev struct {
			Repo *github.Repository `json:"repository"`
		}
		if err := decodeEvent(payload, d.EventName, &ev); err != nil {
			return d, err
		}
		repo = ev.Repo
		d.Branch = branchOf(ref, repo)
	}
	if d.Project == "" {
		d.Project = repo.GetName()
	}
	if d.PackageVersion == "" {
		v, err := pyprojectVersion(workdir)
		if err != nil {
			return d, err
		}
		d.PackageVersion = v
	}
	return d, nil
}

// branchOf names the branch a ref stands for: the branch itself for refs/heads/*, the default
// branch for tags, nothing otherwise (e.g. refs/pull/1/merge).
func branchOf(ref string, repo *github.Repository) string {
	switch {
	case strings.HasPrefix(ref, "refs/heads/"):
		return strings.TrimPrefix(ref, "refs/heads/")
	case strings.HasPrefix(ref, "refs/tags/"):
		return repo.GetDefaultBranch()
	}
	return ""
}

func readEvent(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("failed to read event payload %q: %w", path, err)
	}
	return b, nil
}

func decodeEvent(payload []byte, name string, v any) error {
	if len(payload) == 0 {
		return nil
	}
	if err := json.Unmarshal(payload, v); err != nil {
		return fmt.Errorf("failed to decode %s event payload: %w", name, err)
	}
	return nil
}

// pyprojectVersion returns [project].version, else [tool.poetry].version, from
// dir/pyproject.toml; "" when the file or both keys are missing.
func pyprojectVersion(dir string) (string, error) {
	path := filepath.Join(dir, "pyproject.toml")
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("failed to read %q: %w", path, err)
	}
	var doc struct {
		Project struct {
			Version any `toml:"version"`
		} `toml:"project"`
		Tool struct {
			Poetry struct {
				Version any `toml:"version"`
			} `toml:"poetry"`
		} `toml:"tool"`
	}
	md, err := toml.Decode(string(b), &doc)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return "", fmt.Errorf("%s:%d:%d: %s", path, pe.Position.Line, pe.Position.Col, pe.Message)
		}
		return "", fmt.Errorf("failed to parse %q: %w", path, err)
	}
	for _, key := range [][]string{{"project", "version"}, {"tool", "poetry", "version"}} {
		if !md.IsDefined(key...) {
			continue
		}
		v := doc.Project.Version
		if key[0] == "tool" {
			v = doc.Tool.Poetry.Version
		}
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("%s: %s must be a string, got %T", path, strings.Join(key, "."), v)
		}
		if s = strings.TrimSpace(s); s != "" {
			return s, nil
		}
	}
	return "", nil
}

// or returns the first non-empty string.
func or(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
