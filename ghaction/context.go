package ghaction

import (
	"github.com/sethvargo/go-githubactions"

	"github.com/prefect-flow-deploy/prefect-deploy-action/source/repodefaults"
)

// Defaults are values taken from the GitHub context. Args uses each one when the matching input
// is empty; an empty default leaves the choice to the CLI.
type Defaults struct {
	// Project is the repository name, without the owner.
	Project string
	// Branch is the branch the run deploys from (see repodefaults.GitHub for the rules per event).
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

// ContextDefaults reads the workflow's context through repodefaults.GitHub (the rules the
// command line uses too) and pyproject.toml in workdir, and returns what a deploy from this run
// should default to. PackageVersion is the release tag as written on release events, else
// [project].version or [tool.poetry].version from workdir/pyproject.toml, else "" (a dynamic
// version is left for the command line to explain).
//
// A missing event file or pyproject.toml is not an error; an unreadable or malformed one is.
func ContextDefaults(a *githubactions.Action, workdir string) (Defaults, error) {
	ci, err := repodefaults.GitHub(a.Getenv)
	d := Defaults{Project: ci.Project, Branch: ci.Branch, Commit: ci.Commit, EventName: ci.EventName}
	if err != nil {
		return d, err
	}
	if ci.EventName == "release" && ci.Tag != "" {
		d.PackageVersion, d.ReleaseVersion = ci.Tag, ci.Tag
		return d, nil
	}
	py, err := repodefaults.ReadPyProject(workdir)
	if err != nil {
		return d, err
	}
	d.PackageVersion = py.Version
	return d, nil
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
