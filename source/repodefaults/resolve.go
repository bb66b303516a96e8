// Package repodefaults decides, in one place for the command line and the GitHub Action, what a
// run deploys when the user leaves it out: the project, branch, commit and package version,
// from the CI context (GitHub Actions, GitLab CI), the git checkout, the config and
// pyproject.toml.
package repodefaults

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

// Request is what the user gave and where to look for the rest.
type Request struct {
	// Dir is the directory the run works in (the checkout, or a directory inside it).
	Dir string
	// Getenv reads the process environment (CI variables).
	Getenv func(string) string
	// Project, Branch, Commit and PackageVersion are the values the user gave ("" = default).
	// Commit may be any git revision: HEAD, a tag, a short SHA.
	Project, Branch, Commit, PackageVersion string
	// ConfigProject is the config file's project, which wins over the repository name.
	ConfigProject string
	// NeedCommit asks for the commit and package version too (deploy; promote needs neither).
	NeedCommit bool
}

// Values are the decided values and where each came from.
type Values struct {
	Project, Branch, Commit, PackageVersion string
	// From says where each value came from, by name ("project", "branch", "commit",
	// "package version"), e.g. "git", "GitHub Actions", "pyproject.toml", "--commit HEAD".
	From map[string]string
	// Repository is the git URL a worker clones for the git code source: the CI system's
	// repository URL, else the origin remote (without credentials); "" when neither is known.
	Repository string
	// InGit says whether Dir is inside a git work tree.
	InGit bool
	// CommitVerified says whether Commit was found in the local repository (a CI context's
	// commit may be missing from a shallow clone of a merge ref).
	CommitVerified bool
}

// Problems lists every value that could not be decided, one message per line; each names the
// flag that sets it.
type Problems []string

func (p Problems) Error() string { return strings.Join(p, "\n") }

var fullSHA = regexp.MustCompile(`^([0-9a-fA-F]{40}|[0-9a-fA-F]{64})$`)

// Resolve decides the values the user left out, in this order:
//
//   - project: the given one, else the config's project, else the CI repository's name, else
//     the origin remote's repository name, else the name of the checkout's directory;
//   - branch: the given one, else the CI context's branch (GitHub Actions, GitLab CI), else the
//     branch checked out; a detached HEAD without either is an error;
//   - commit: the given revision resolved to its full SHA in the checkout (it must exist there),
//     else the CI context's commit, else HEAD;
//   - package version: the given one, else the CI tag (a GitHub release, a GitLab tag
//     pipeline), else pyproject.toml's [project].version or [tool.poetry].version; a dynamic
//     version is an error that says so.
//
// Every problem is reported together, as Problems.
func Resolve(r Request) (Values, error) {
	getenv := r.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	dir := r.Dir
	if dir == "" {
		dir = "."
	}
	v := Values{From: map[string]string{}}
	ci, err := FromCI(getenv)
	if err != nil {
		return v, err
	}
	top := TopLevel(dir)
	v.InGit = top != ""
	origin := ""
	if v.InGit {
		origin = OriginURL(dir)
	}
	v.Repository = ci.Repository
	if v.Repository == "" {
		v.Repository = origin
	}
	var problems Problems

	// Project.
	switch {
	case r.Project != "":
		v.Project, v.From["project"] = r.Project, "--project"
	case r.ConfigProject != "":
		v.Project, v.From["project"] = r.ConfigProject, "config"
	case ci.Project != "":
		v.Project, v.From["project"] = ci.Project, ci.System
	case RepoName(origin) != "":
		v.Project, v.From["project"] = RepoName(origin), "origin remote"
	default:
		base := top
		if base == "" {
			base, _ = filepath.Abs(dir)
		}
		v.Project, v.From["project"] = filepath.Base(base), "directory name"
	}

	// Branch.
	switch {
	case r.Branch != "":
		v.Branch, v.From["branch"] = r.Branch, "--branch"
	case ci.Branch != "":
		v.Branch, v.From["branch"] = ci.Branch, ci.System
	case v.InGit:
		if b := currentBranch(dir); b != "" {
			v.Branch, v.From["branch"] = b, "git"
		} else {
			at := ""
			if head, err := ResolveCommit(dir, "HEAD"); err == nil {
				at = " at " + head[:7]
			}
			problems = append(problems, fmt.Sprintf("--branch: HEAD is detached%s and nothing names the branch to deploy; pass --branch (e.g. --branch main)", at))
		}
	default:
		problems = append(problems, "--branch: not in a git checkout and no CI context names a branch; pass --branch")
	}

	if !r.NeedCommit {
		if len(problems) > 0 {
			return v, problems
		}
		return v, nil
	}

	// Commit.
	switch {
	case r.Commit != "" && v.InGit:
		sha, err := ResolveCommit(dir, r.Commit)
		switch {
		case err == nil:
			v.Commit, v.CommitVerified = strings.ToLower(sha), true
		case fullSHA.MatchString(r.Commit) && strings.EqualFold(r.Commit, ci.Commit):
			// The CI context's own commit, missing from a shallow clone of a merge ref.
			v.Commit = strings.ToLower(r.Commit)
		default:
			problems = append(problems, fmt.Sprintf("--commit %s: no such commit in the git repository at %s; push or fetch it, or name an existing revision (HEAD, a tag, a SHA)", r.Commit, top))
		}
		v.From["commit"] = "--commit " + r.Commit
	case r.Commit != "":
		if fullSHA.MatchString(r.Commit) {
			v.Commit, v.From["commit"] = strings.ToLower(r.Commit), "--commit"
		} else {
			problems = append(problems, fmt.Sprintf("--commit %s: not in a git checkout, so the revision cannot be resolved; pass the full 40-character commit SHA", r.Commit))
		}
	case ci.Commit != "":
		v.Commit, v.From["commit"] = strings.ToLower(ci.Commit), ci.System
		if v.InGit {
			if _, err := ResolveCommit(dir, ci.Commit); err == nil {
				v.CommitVerified = true
			}
		}
	case v.InGit:
		sha, err := ResolveCommit(dir, "HEAD")
		if err != nil {
			problems = append(problems, "--commit: the git repository at "+top+" has no commit yet; commit the flows first, or pass --commit")
		} else {
			v.Commit, v.From["commit"], v.CommitVerified = sha, "git HEAD", true
		}
	default:
		problems = append(problems, "--commit: not in a git checkout and no CI context names a commit; pass --commit with the full SHA")
	}

	// Package version.
	switch {
	case r.PackageVersion != "":
		v.PackageVersion, v.From["package version"] = r.PackageVersion, "--package-version"
	case ci.Tag != "":
		v.PackageVersion, v.From["package version"] = ci.Tag, ci.System+" tag"
	default:
		dirs := []string{dir}
		if top != "" {
			if a, err := filepath.Abs(dir); err != nil || filepath.Clean(a) != filepath.Clean(top) {
				dirs = append(dirs, top)
			}
		}
		var found PyProject
		for _, d := range dirs {
			py, err := ReadPyProject(d)
			if err != nil {
				problems = append(problems, "--package-version: "+err.Error())
				found = PyProject{Path: "error"}
				break
			}
			if py.Path != "" {
				found = py
				break
			}
		}
		switch {
		case found.Path == "error":
		case found.Version != "":
			v.PackageVersion, v.From["package version"] = found.Version, "pyproject.toml"
		case found.Dynamic != "":
			problems = append(problems, fmt.Sprintf("--package-version: %s has no static version (%s: the build computes it); pass the built version with --package-version", found.Path, found.Dynamic))
		case found.Path != "":
			problems = append(problems, fmt.Sprintf("--package-version: %s sets neither [project].version nor [tool.poetry].version; pass --package-version", found.Path))
		default:
			problems = append(problems, fmt.Sprintf("--package-version: no pyproject.toml in %s to read the version from; pass --package-version (e.g. 1.4.0)", strings.Join(dirs, " or ")))
		}
	}
	if len(problems) > 0 {
		return v, problems
	}
	return v, nil
}
