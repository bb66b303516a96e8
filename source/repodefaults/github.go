package repodefaults

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/google/go-github/v89/github"
)

// CI is what a CI system's context says about the run: each field is "" when the context does
// not say.
type CI struct {
	// System is "GitHub Actions", "GitLab CI" or "" (not in CI).
	System string
	// Project is the repository name, without owner or group.
	Project string
	// Branch is the branch the run deploys from.
	Branch string
	// Commit is the full commit hash the run deploys.
	Commit string
	// Tag is the release tag (GitHub release events) or pipeline tag (GitLab CI_COMMIT_TAG).
	Tag string
	// EventName is GITHUB_EVENT_NAME, e.g. "push" (GitHub only).
	EventName string
	// Repository is the https clone URL of the repository, without credentials.
	Repository string
}

// FromCI reads the context of the CI system the process runs in: GitHub Actions when
// GITHUB_ACTIONS=true (see GitHub), GitLab CI when GITLAB_CI=true (see GitLab), else nothing.
func FromCI(getenv func(string) string) (CI, error) {
	switch {
	case getenv("GITHUB_ACTIONS") == "true":
		return GitHub(getenv)
	case getenv("GITLAB_CI") == "true":
		return GitLab(getenv), nil
	}
	return CI{}, nil
}

// GitHub reads a GitHub Actions workflow's context (GITHUB_* variables and the event payload at
// GITHUB_EVENT_PATH):
//
//   - Project: the repository name after "owner/".
//   - Branch: the pull request's head branch on pull_request and pull_request_target; the
//     triggering run's head_branch on workflow_run (the default branch when that run came from a
//     release); the repository's default branch on release events and tag pushes; otherwise the
//     branch in GITHUB_REF when it names one.
//   - Commit: pull_request.head.sha on pull request events (GITHUB_SHA is then a merge commit),
//     workflow_run.head_sha on workflow_run (the commit the upstream run built), else GITHUB_SHA.
//   - Tag: the release tag as written on release events.
//
// A missing event file is not an error; an unreadable or malformed one is.
func GitHub(getenv func(string) string) (CI, error) {
	d := CI{
		System:    "GitHub Actions",
		EventName: getenv("GITHUB_EVENT_NAME"),
		Commit:    getenv("GITHUB_SHA"),
	}
	repository := getenv("GITHUB_REPOSITORY")
	if _, name, ok := strings.Cut(repository, "/"); ok {
		d.Project = name
		server := getenv("GITHUB_SERVER_URL")
		if server == "" {
			server = "https://github.com"
		}
		d.Repository = strings.TrimRight(server, "/") + "/" + repository + ".git"
	}
	ref := getenv("GITHUB_REF")

	payload, err := readEvent(getenv("GITHUB_EVENT_PATH"))
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
		d.Branch = getenv("GITHUB_HEAD_REF")
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
		d.Tag = ev.GetRelease().GetTagName()
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
	return d, nil
}

// GitLab reads a GitLab CI job's predefined variables:
//
//   - Project: CI_PROJECT_NAME.
//   - Branch: CI_COMMIT_BRANCH on branch pipelines, CI_MERGE_REQUEST_SOURCE_BRANCH_NAME on merge
//     request pipelines, CI_DEFAULT_BRANCH on tag pipelines.
//   - Commit: CI_MERGE_REQUEST_SOURCE_BRANCH_SHA on merged-results pipelines (CI_COMMIT_SHA is
//     then a merge commit), else CI_COMMIT_SHA.
//   - Tag: CI_COMMIT_TAG.
func GitLab(getenv func(string) string) CI {
	d := CI{
		System:  "GitLab CI",
		Project: getenv("CI_PROJECT_NAME"),
		Commit:  or(getenv("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA"), getenv("CI_COMMIT_SHA")),
		Tag:     getenv("CI_COMMIT_TAG"),
	}
	d.Branch = or(getenv("CI_COMMIT_BRANCH"), getenv("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"))
	if d.Branch == "" && d.Tag != "" {
		d.Branch = getenv("CI_DEFAULT_BRANCH")
	}
	if u := getenv("CI_PROJECT_URL"); u != "" {
		d.Repository = strings.TrimRight(u, "/") + ".git"
	}
	return d
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

// or returns the first non-empty string.
func or(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
