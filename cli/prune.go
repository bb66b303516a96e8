package cli

import (
	"context"
	"flag"
	"fmt"
	"os/exec"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/deploy"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prune"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/repodefaults"
)

// placeholderVersion stands in for --package-version when prune builds the deployments a
// deploy would make only to learn their names.
const placeholderVersion = "0"

// keepSet is every deployment the run's repository deploys to its environment: the targets, or,
// when --flows picked some flows, the targets of all of them (a flow left out of one run is not
// stale).
func keepSet(opts deploy.Options, targets []deploy.Target) (map[string]bool, error) {
	all := targets
	if selected := opts.Flows; len(selected) > 0 && !(len(selected) == 1 && selected[0] == "all") {
		o := opts
		o.Flows = nil
		var err error
		if all, _, err = deploy.Targets(o); err != nil {
			return nil, fmt.Errorf("failed to list every deployment for --prune: %w", err)
		}
	}
	keep := make(map[string]bool, len(all))
	for _, t := range all {
		keep[prune.Key(t.FlowName, t.Spec.Name)] = true
	}
	return keep, nil
}

// prunePhase reports the stale deployments (dry run) or deletes them, adding them to rep. After
// a deploy in which something failed nothing is deleted: the run's picture of what it deploys
// may be wrong.
func prunePhase(ctx context.Context, api prune.API, rep *report.Report, stale []prune.Candidate, dryRun bool, concurrency int, env Env) {
	if len(stale) == 0 {
		return
	}
	if dryRun {
		rep.Deployments = append(rep.Deployments, prune.Items(api, stale, true)...)
		rep.Finish()
		return
	}
	if rep.Failed() {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s not pruned because some deployments failed", report.Count(len(stale), "stale deployment")))
		return
	}
	env.phase(fmt.Sprintf("Apply %s (stale deployments)", report.Count(len(stale), "deletion")))
	if w := env.phaseLog(); w != nil {
		(&report.Report{Deployments: prune.Items(api, stale, true)}).WritePlan(w)
	}
	rep.Deployments = append(rep.Deployments, prune.Apply(ctx, api, stale, concurrency)...)
	rep.Finish()
}

// runPrune plans and deletes stale deployments of the product: by default those of one
// project/branch/env that the repository no longer deploys (the same flags as deploy say what it
// deploys); with --branch-deleted every deployment of the branch; with --remote-branches R the
// deployments of branches remote R no longer has.
func runPrune(ctx context.Context, args []string, env Env) (*report.Report, error) {
	var f deployFlags
	fs := newFlagSet("prune", &f, env.Stderr)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil, err
		}
		return nil, usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected argument %q", fs.Arg(0))
	}
	if f.output != "text" && f.output != "json" {
		return nil, usagef("--output must be text or json, got %q", f.output)
	}
	if f.concurrency < 1 || f.concurrency > 64 {
		return nil, usagef("--concurrency must be between 1 and 64, got %d", f.concurrency)
	}
	if f.branchDeleted && f.remoteBranches != "" {
		return nil, usagef("--branch-deleted and --remote-branches are different modes; pick one")
	}
	env.phase("Check the configuration")
	var sel prune.Selector
	var warnings []string
	switch {
	case f.branchDeleted || f.remoteBranches != "":
		cfg, err := loadConfigAs(f.configPath, f.configFormat, env)
		if err != nil {
			return nil, err
		}
		req := repodefaults.Request{Dir: env.Dir, Getenv: env.Getenv, Project: f.project, Branch: f.branch}
		if cfg != nil {
			req.ConfigProject = cfg.Project
		}
		// Only the project (and, with --branch-deleted, a branch named on purpose) matter here.
		vals, _ := repodefaults.Resolve(req)
		sel = prune.Selector{Project: vals.Project, Env: f.env}
		if f.branchDeleted {
			if vals.Branch == "" || vals.From["branch"] == "git" {
				return nil, usagef("--branch-deleted needs --branch: name the branch that is gone (the branch checked out is never assumed)")
			}
			sel.Branches = []string{vals.Branch}
		} else {
			heads, err := remoteHeads(env.Dir, f.remoteBranches)
			if err != nil {
				return nil, err
			}
			sel.RemoteBranches, sel.RemoteSet, sel.Remote = heads, true, f.remoteBranches
		}
	default:
		if f.packageVersion == "" {
			f.packageVersion = placeholderVersion
		}
		opts, targets, w, err := deployTargets(fs, &f, env)
		if err != nil {
			return nil, err
		}
		warnings = w
		keep, err := keepSet(opts, targets)
		if err != nil {
			return nil, err
		}
		sel = prune.Selector{Project: opts.Meta.Project, Branch: opts.Meta.Branch, Env: opts.Meta.Env, Keep: keep}
	}
	c, err := newClient(ctx, env)
	if err != nil {
		return nil, err
	}
	rep := &report.Report{Command: "prune", Env: sel.Env, DryRun: f.dryRun, Warnings: warnings, Server: c.Config().APIURL}
	env.phase("Plan the pruning of " + sel.Describe())
	stale, err := prune.Plan(ctx, c, sel)
	if err == nil {
		if w := env.phaseLog(); w != nil {
			(&report.Report{Deployments: prune.Items(c, stale, true)}).WritePlan(w)
		}
		if f.dryRun {
			rep.Deployments = prune.Items(c, stale, true)
		} else {
			if len(stale) > 0 {
				env.phase(fmt.Sprintf("Apply %s (stale deployments)", report.Count(len(stale), "deletion")))
			}
			rep.Deployments = prune.Apply(ctx, c, stale, f.concurrency)
		}
		rep.Finish()
	}
	rep.Requests.Reads, rep.Requests.Writes = c.Requests()
	if err != nil {
		return rep, err
	}
	env.phase("")
	output(rep, f.output, env, false)
	if rep.Failed() {
		return rep, errFailedDeployments
	}
	return rep, nil
}

// remoteHeads lists the branches of a git remote (git ls-remote --heads), run in dir.
func remoteHeads(dir, remote string) ([]string, error) {
	cmd := exec.Command("git", "ls-remote", "--heads", remote)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n")
		return nil, fmt.Errorf("failed to list the branches of git remote %q (git ls-remote --heads): %v: %s", remote, err, msg)
	}
	var heads []string
	for _, line := range strings.Split(string(out), "\n") {
		_, ref, ok := strings.Cut(strings.TrimSpace(line), "\t")
		if b, found := strings.CutPrefix(ref, "refs/heads/"); ok && found {
			heads = append(heads, b)
		}
	}
	return heads, nil
}
