package cli

import (
	"fmt"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/deploy"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/config"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/repodefaults"
)

// metaFrom checks the naming inputs and fills what the user left out through repodefaults
// (config, CI context, git checkout, pyproject.toml). needVersion asks for the commit and
// package version too (deploy).
func metaFrom(envName, project, branch, commit, pkgVersion string, cfg *config.File, env Env, needVersion bool) (deploy.Meta, repodefaults.Values, error) {
	var problems []string
	if envName == "" {
		problems = append(problems, "missing --env: name the target environment, e.g. --env dev")
	} else if err := cfg.CheckEnvironment(envName); err != nil {
		problems = append(problems, "--env "+envName+": "+err.Error())
	}
	req := repodefaults.Request{
		Dir: env.Dir, Getenv: env.Getenv, Project: project, Branch: branch, Commit: commit,
		PackageVersion: pkgVersion, NeedCommit: needVersion,
	}
	if cfg != nil {
		req.ConfigProject = cfg.Project
	}
	vals, err := repodefaults.Resolve(req)
	if err != nil {
		var ps repodefaults.Problems
		if !asProblems(err, &ps) {
			return deploy.Meta{}, vals, err
		}
		problems = append(problems, ps...)
	}
	if len(problems) > 0 {
		return deploy.Meta{}, vals, usagef("%s", strings.Join(problems, "\n"))
	}
	m := deploy.Meta{Project: vals.Project, Branch: vals.Branch, Env: envName, Commit: vals.Commit, PackageVersion: vals.PackageVersion}
	if cfg != nil && cfg.Format == config.FormatAcme {
		// aps-prefect-deploy turns _ into - in -project-name and -branch-name before it writes
		// them into names and tags; with its file the tags say what it would have said, so its
		// deployments stay owned by this run.
		m.Project, m.Branch = strings.ReplaceAll(m.Project, "_", "-"), strings.ReplaceAll(m.Branch, "_", "-")
	}
	return m, vals, nil
}

// describeDefaults says which values were not given as flags and where they came from, e.g.
// "using project shop (origin remote), branch main (git), commit 9f3c0e1 (git HEAD)"; "" when
// every value was given.
func describeDefaults(v repodefaults.Values) string {
	var parts []string
	for _, x := range []struct{ key, value string }{
		{"project", v.Project}, {"branch", v.Branch}, {"commit", v.Commit}, {"package version", v.PackageVersion},
	} {
		from := v.From[x.key]
		if x.value == "" || from == "" {
			continue
		}
		if flagGiven, rev, _ := strings.Cut(from, " "); strings.HasPrefix(flagGiven, "--") && (rev == "" || strings.EqualFold(rev, x.value)) {
			continue // given as a flag, as it is
		}
		val := x.value
		if x.key == "commit" && len(val) > 7 {
			val = val[:7]
		}
		parts = append(parts, fmt.Sprintf("%s %s (%s)", x.key, val, from))
	}
	if len(parts) == 0 {
		return ""
	}
	return "using " + strings.Join(parts, ", ")
}

func asProblems(err error, ps *repodefaults.Problems) bool {
	p, ok := err.(repodefaults.Problems)
	if ok {
		*ps = p
	}
	return ok
}
