package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/prefect-flow-deploy/prefect-deploy-action/deploy"
	"github.com/prefect-flow-deploy/prefect-deploy-action/promote"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
)

func runPromote(ctx context.Context, args []string, env Env) (*report.Report, error) {
	fs := flag.NewFlagSet("promote", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	var (
		sourceEnv, target, project, branch, flows, release, cfgPath, format string
		allowDowngrade, skipMissing, dryRun                                 bool
		concurrency                                                         int
		envVars                                                             multiFlag
	)
	fs.StringVar(&sourceEnv, "source-env", "", "environment to copy from, e.g. dev (required)")
	fs.StringVar(&target, "env", "", "environment to copy to, e.g. prod (required)")
	fs.StringVar(&project, "project", "", "project name (default: config project, else the CI repository's name, else the origin remote's, else the directory's)")
	fs.StringVar(&branch, "branch", "", "branch whose deployments are promoted (default: the CI context's branch, else the branch checked out)")
	fs.StringVar(&flows, "flows", "all", "flows to promote: all, or a comma-separated list (my-flow or my_flow)")
	fs.StringVar(&release, "release-version", "", "refuse unless every source's PACKAGE_VERSION equals this version")
	fs.BoolVar(&allowDowngrade, "allow-downgrade", false, "overwrite targets that are on a newer version (rollback)")
	fs.BoolVar(&skipMissing, "skip-missing", false, "report requested flows missing from the source environment instead of failing")
	fs.StringVar(&cfgPath, "config", "", "config file with the target environment's settings (default: prefect-deploy.yaml when present)")
	fs.Var(&envVars, "env-var", "KEY=VALUE env var for the target's flow runs (repeatable; overrides the config)")
	fs.BoolVar(&dryRun, "dry-run", false, "print the plan and write nothing")
	fs.IntVar(&concurrency, "concurrency", deploy.DefaultConcurrency, "most deployments written at once (the writer adapts below it to the server)")
	fs.StringVar(&format, "output", "text", "text or json")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil, err
		}
		return nil, usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected argument %q", fs.Arg(0))
	}
	if format != "text" && format != "json" {
		return nil, usagef("--output must be text or json, got %q", format)
	}
	if concurrency < 1 || concurrency > 64 {
		return nil, usagef("--concurrency must be between 1 and 64, got %d", concurrency)
	}
	if sourceEnv == "" {
		return nil, usagef("missing --source-env")
	}
	cfg, err := loadConfig(cfgPath, env)
	if err != nil {
		return nil, err
	}
	meta, vals, err := metaFrom(target, project, branch, "", "", cfg, env, false)
	if err != nil {
		return nil, err
	}
	if d := describeDefaults(vals); d != "" && format == "text" {
		fmt.Fprintln(env.Stderr, d)
	}
	if err := cfg.CheckEnvironment(sourceEnv); err != nil {
		return nil, usagef("--source-env %s: %v", sourceEnv, err)
	}
	kv, err := parseKV("env-var", envVars)
	if err != nil {
		return nil, err
	}
	c, err := newClient(ctx, env)
	if err != nil {
		return nil, err
	}
	var planShown bool
	rep, err := promote.Run(ctx, c, promote.Options{
		SourceEnv: sourceEnv, Env: meta.Env, Project: meta.Project, Branch: meta.Branch,
		Flows: splitList(flows), ReleaseVersion: release, AllowDowngrade: allowDowngrade, SkipMissing: skipMissing,
		Config: cfg, EnvVars: kv, DryRun: dryRun, Concurrency: concurrency, Phase: env.Phase, Log: env.phaseLog(),
		Progress: progressOut(env, format, dryRun), ProgressTTY: isTerminal(env.Stderr), OnPlan: showPlan(env, format, dryRun, &planShown),
	})
	if rep != nil {
		rep.Server = c.Config().APIURL
		rep.Requests.Reads, rep.Requests.Writes = c.Requests()
	}
	if err != nil {
		return rep, err
	}
	env.phase("")
	output(rep, format, env, planShown)
	if rep.Failed() {
		return rep, errFailedDeployments
	}
	return rep, nil
}
