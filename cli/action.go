package cli

import (
	"context"
	"strings"

	"github.com/sethvargo/go-githubactions"

	"github.com/prefect-flow-deploy/prefect-deploy-action/ghaction"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/config"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/prefectyaml"
)

// runGitHubAction runs as the GitHub Action: inputs come from INPUT_* variables (mapped by
// action.yml), defaults from the GitHub context; the outcome becomes step outputs, a job summary,
// annotations and, with a token, a GitHub Deployment.
func runGitHubAction(ctx context.Context, env Env) error {
	a := githubactions.New(githubactions.WithWriter(env.Stdout), githubactions.WithGetenv(env.Getenv))
	// Connection secrets passed through the caller's env are masked before anything can print them.
	ghaction.Mask(a, env.Getenv(prefect.EnvAPIKey), env.Getenv(prefect.EnvAuthString))
	if a.GetInput("command") == ghaction.CommandImages {
		return runImagesAction(a, env)
	}
	dir := env.Dir
	if dir == "" {
		dir = "."
	}
	defaults, err := ghaction.ContextDefaults(a, dir)
	if err != nil {
		_ = ghaction.Publish(a, nil, err, config.DefaultFileName)
		return err
	}
	// A project named in the config wins over the repository name.
	if a.GetInput("project") == "" {
		cfgPath := a.GetInput("config")
		if cfg, err := loadConfig(cfgPath, env); err == nil && cfg != nil && cfg.Project != "" {
			defaults.Project = cfg.Project
		}
	}
	args, secrets, err := ghaction.Args(a, defaults)
	ghaction.Mask(a, secrets...)
	if err != nil {
		_ = ghaction.Publish(a, nil, err, config.DefaultFileName)
		return err
	}
	cfgFile := flagValue(args, "--config", config.DefaultFileName)
	var rep *report.Report
	var runErr error
	phases := ghaction.NewPhases(a)
	env.Phase = phases.Start
	switch args[0] {
	case ghaction.CommandPromote:
		rep, runErr = runPromote(ctx, args[1:], env)
	case ghaction.CommandRollback:
		rep, runErr = runRollback(ctx, args[1:], env)
	case ghaction.CommandPrune:
		rep, runErr = runPrune(ctx, args[1:], env)
	case ghaction.CommandPreview:
		pr, err := ghaction.PullRequestFromEvent(a)
		if err != nil {
			phases.End()
			_ = ghaction.Publish(a, nil, err, cfgFile)
			return err
		}
		if pr.Closed() {
			rep, runErr = runPrune(ctx, append(args[1:], "--branch-deleted"), env)
		} else {
			rep, runErr = runDeploy(ctx, append(args[1:], "--prune"), env)
		}
		phases.End()
		if err := ghaction.Publish(a, rep, runErr, cfgFile); err != nil {
			a.Warningf("failed to publish the outcome: %v", err)
		}
		commentPreview(ctx, a, pr, flagValue(args, "--env", ""), rep, runErr)
		return runErr
	default:
		rep, runErr = runDeploy(ctx, args[1:], env)
	}
	phases.End()
	if err := ghaction.Publish(a, rep, runErr, cfgFile); err != nil {
		a.Warningf("failed to publish the outcome: %v", err)
	}
	if token, record, err := ghaction.GitHubDeployments(a); err != nil {
		a.Warningf("GitHub Deployments not recorded: %v", err)
	} else if record && rep != nil && !rep.DryRun && len(rep.Deployments) > 0 && args[0] != ghaction.CommandPrune {
		ref := flagValue(args, "--commit", defaults.Commit)
		if args[0] == ghaction.CommandRollback {
			ref = rep.Deployments[0].Commit // the commit rolled back to
		}
		recordGitHubDeployment(ctx, a, token, rep, ref)
	}
	return runErr
}

// commentPreview keeps the pull request's sticky preview comment up to date; a failure there is
// a warning: the Prefect side has been reported truthfully already.
func commentPreview(ctx context.Context, a *githubactions.Action, pr ghaction.PullRequest, envName string, rep *report.Report, runErr error) {
	token, _, _ := ghaction.GitHubDeployments(a)
	gh, err := ghaction.NewGitHubClient(a, token)
	if err != nil {
		a.Warningf("preview comment not written: %v", err)
		return
	}
	owner, repo, _ := strings.Cut(a.Getenv("GITHUB_REPOSITORY"), "/")
	body := ghaction.PreviewComment(envName, pr, rep, runErr, ghaction.RunURL(a))
	created, err := ghaction.UpsertPreviewComment(ctx, gh, owner, repo, pr.Number, envName, body)
	switch {
	case err != nil:
		a.Warningf("preview comment not written: %v", err)
	case created:
		a.Infof("commented on pull request #%d\n", pr.Number)
	default:
		a.Infof("updated the preview comment on pull request #%d\n", pr.Number)
	}
}

// recordGitHubDeployment records the run in the repository's Deployments; a failure there is a
// warning: the Prefect side has been reported truthfully already.
func recordGitHubDeployment(ctx context.Context, a *githubactions.Action, token string, rep *report.Report, ref string) {
	gh, err := ghaction.NewGitHubClient(a, token)
	if err != nil {
		a.Warningf("GitHub Deployments not recorded: %v", err)
		return
	}
	owner, repo, _ := strings.Cut(a.Getenv("GITHUB_REPOSITORY"), "/")
	if ref == "" {
		ref = a.Getenv("GITHUB_SHA")
	}
	if err := ghaction.RecordDeployments(ctx, gh, owner, repo, ref, rep, ghaction.RunURL(a)); err != nil {
		a.Warningf("GitHub Deployments not recorded: %v", err)
	}
}

// flagValue returns the value given to flag in args, or def.
func flagValue(args []string, flag, def string) string {
	for i, a := range args {
		if a == flag && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, flag+"="); ok {
			return v
		}
	}
	return def
}

// runImagesAction runs the images command as the action: the outputs images and matrix, a
// job summary, warnings as annotations; no server is contacted.
func runImagesAction(a *githubactions.Action, env Env) error {
	args, err := ghaction.ImagesArgs(a)
	if err != nil {
		return err
	}
	f, err := parseImagesFlags(args[1:], env)
	if err != nil {
		return err
	}
	refs, n, warnings, err := loadImages(f, env)
	if err != nil {
		return err
	}
	matrix, mw := prefectyaml.Matrix(refs)
	if err := ghaction.PublishImages(a, refs, matrix, append(warnings, mw...)); err != nil {
		return err
	}
	return printImages(f, refs, n, nil, env)
}
