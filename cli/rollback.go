package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/deploy"
	"github.com/prefect-flow-deploy/prefect-deploy-action/promote"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/repodefaults"
)

// runRollback re-deploys an environment from the repository as it was at --to (a release tag or
// a commit): the flows, config and prefect.yaml files of that commit, checked out into a
// temporary git worktree, deployed at that commit. The downgrade guard promote uses applies: a
// deployment on a newer package version is only overwritten with --allow-downgrade, which is
// how a rollback is confirmed. Work pools are left as they are.
func runRollback(ctx context.Context, args []string, env Env) (*report.Report, error) {
	var f deployFlags
	fs := newFlagSet("rollback", &f, env.Stderr)
	var to string
	var allow bool
	fs.StringVar(&to, "to", "", "release tag or commit to roll the environment back to (required)")
	fs.BoolVar(&allow, "allow-downgrade", false, "confirm overwriting deployments that are on a newer version (without it the plan is refused)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil, err
		}
		return nil, usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected argument %q", fs.Arg(0))
	}
	if to == "" {
		return nil, usagef("missing --to: name the release tag or commit to roll back to, e.g. --to v1.2.0")
	}
	if f.commit != "" {
		return nil, usagef("--commit is decided by --to in a rollback; leave it out")
	}
	dir := env.Dir
	if dir == "" {
		dir = "."
	}
	top := repodefaults.TopLevel(dir)
	if top == "" {
		return nil, fmt.Errorf("rollback needs the git repository: %s is not in a git checkout", dir)
	}
	sha, err := repodefaults.ResolveCommit(dir, to)
	if err != nil {
		return nil, fmt.Errorf("--to %s: no such tag or commit in the repository at %s (a shallow clone lacks older commits: check out with fetch-depth: 0 and fetch tags): %w", to, top, err)
	}
	// The branch and project are those of the checkout (or CI context), not of the detached
	// worktree.
	if f.branch == "" || f.project == "" {
		cfg, _ := loadConfigAs(f.configPath, f.configFormat, env)
		req := repodefaults.Request{Dir: dir, Getenv: env.Getenv, Project: f.project, Branch: f.branch}
		if cfg != nil {
			req.ConfigProject = cfg.Project
		}
		vals, err := repodefaults.Resolve(req)
		if err != nil {
			return nil, usagef("%v", err)
		}
		f.branch = vals.Branch
		if f.project == "" && req.ConfigProject == "" {
			f.project = vals.Project
		}
	}
	rel, err := filepath.Rel(realPath(top), realPath(dir))
	if err != nil || strings.HasPrefix(rel, "..") {
		return nil, fmt.Errorf("failed to place %s inside its repository %s", dir, top)
	}
	tree, cleanup, err := checkoutAt(top, sha)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	at := filepath.Join(tree, rel)
	if f.packageVersion == "" {
		// The version of that commit: its pyproject.toml's, else the tag's name.
		if py, err := repodefaults.ReadPyProject(at); err != nil || py.Path == "" || py.Version == "" {
			if _, tagErr := repodefaults.ResolveCommit(dir, "refs/tags/"+to); tagErr == nil {
				f.packageVersion = to
			}
		}
	}
	f.commit = sha
	renv := env
	renv.Dir = at
	guard := func(steps []*deploy.Step) error {
		var problems []string
		for _, st := range steps {
			if p := promote.CheckDowngrade(st, allow); p != "" {
				problems = append(problems, p)
			}
		}
		if len(problems) > 0 {
			return errors.New(strings.Join(problems, "\n"))
		}
		return nil
	}
	return deployRun(ctx, fs, &f, renv, guard)
}

// checkoutAt checks commit out into a temporary git worktree of the repository at top and
// returns its directory and the function that removes it.
func checkoutAt(top, commit string) (string, func(), error) {
	tmp, err := os.MkdirTemp("", "prefect-deploy-rollback-")
	if err != nil {
		return "", nil, fmt.Errorf("failed to make a directory for the rollback checkout: %w", err)
	}
	tree := filepath.Join(tmp, "tree")
	cmd := exec.Command("git", "-C", top, "worktree", "add", "--detach", "--quiet", tree, commit)
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(tmp)
		return "", nil, fmt.Errorf("failed to check out %s into a temporary worktree: %v: %s", commit[:min(7, len(commit))], err, strings.TrimSpace(string(out)))
	}
	return tree, func() {
		_ = exec.Command("git", "-C", top, "worktree", "remove", "--force", tree).Run()
		_ = os.RemoveAll(tmp)
		_ = exec.Command("git", "-C", top, "worktree", "prune").Run()
	}, nil
}

func realPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		p = a
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}
