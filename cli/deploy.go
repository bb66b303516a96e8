package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/deploy"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prune"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/acme"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/config"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/discover"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/prefectyaml"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/repodefaults"
)

// deployFlags are the deploy command's flags.
type deployFlags struct {
	env, project, branch, commit, packageVersion string
	sourceRoot, configPath, flows, image         string
	configFormat                                 string
	workPool, output                             string
	envVars, envFiles, prefectYAML, stepOutputs  multiFlag
	exclude                                      multiFlag
	prefectYAMLSelect, prefectYAMLNaming         string
	dryRun, skipInvalid                          bool
	concurrency                                  int
	// serverVersion, when set, reads the Prefect version of the server (for prefect.yaml files
	// without prefect-version); refused is what --skip-invalid left out, set by deployTargets.
	serverVersion func() string
	refused       []prefectyaml.RefusedFile
	// prune (deploy --prune) deletes what the run no longer deploys; branchDeleted and
	// remoteBranches are prune's other modes.
	prune, branchDeleted, followHead bool
	remoteBranches                   string
	// command is the command whose flags these are (deploy, prune, rollback).
	command string
}

func newDeployFlagSet(f *deployFlags, stderr io.Writer) *flag.FlagSet {
	return newFlagSet("deploy", f, stderr)
}

// newFlagSet registers the deploy flags on a flag set called name (deploy or prune, which
// builds the same deployments to find what is no longer deployed), plus each command's own.
func newFlagSet(name string, f *deployFlags, stderr io.Writer) *flag.FlagSet {
	f.command = name
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.env, "env", "", "target environment, e.g. dev (required)")
	fs.StringVar(&f.project, "project", "", "project name (default: config project, else the CI repository's name, else the origin remote's, else the directory's)")
	fs.StringVar(&f.branch, "branch", "", "branch name (default: the CI context's branch, else the branch checked out)")
	fs.StringVar(&f.commit, "commit", "", "commit deployed, as any git revision (HEAD, a tag, a SHA), resolved to its full SHA (default: the CI context's commit, else HEAD)")
	fs.StringVar(&f.packageVersion, "package-version", "", "package version recorded in the PACKAGE_VERSION tag (default: the CI tag, else pyproject.toml's version)")
	fs.StringVar(&f.sourceRoot, "source-root", "", "directory scanned for flows (default: config source_root, else .)")
	fs.StringVar(&f.configPath, "config", "", "config file (default: "+config.DefaultFileName+" when present, else acme-portal-sdk's "+acme.FileName+")")
	fs.StringVar(&f.configFormat, "config-format", "auto", "format of the config file: auto (detected), prefect-deploy, or acme (acme-portal-sdk's static_flow_deploy_config.yaml)")
	fs.StringVar(&f.flows, "flows", "all", "flows to deploy: all, or a comma-separated list (my-flow or my_flow)")
	fs.StringVar(&f.image, "image", "", "container image for every deployment (overrides the config)")
	fs.StringVar(&f.workPool, "work-pool", "", "work pool for deployments whose config names none")
	fs.Var(&f.envVars, "env-var", "KEY=VALUE env var for flow runs (repeatable; overrides the config)")
	fs.Var(&f.envFiles, "env-file", "dotenv file of env vars for flow runs, e.g. acme-config's APP.ENV.VER.env (repeatable; --env-var wins over it, it wins over the config)")
	fs.Var(&f.exclude, "exclude", "directory name or glob that flow discovery skips (repeatable)")
	fs.Var(&f.prefectYAML, "prefect-yaml", "prefect.yaml files to deploy, as a glob (repeatable)")
	fs.Var(&f.stepOutputs, "step-output", "STEP_ID.KEY=VALUE output of a prefect.yaml build/push step that is not run here (repeatable)")
	fs.StringVar(&f.prefectYAMLSelect, "prefect-yaml-select", "suffix", `which prefect.yaml entries the environment deploys: "suffix" (names ending in --ENV), "all", or a glob on entry names`)
	fs.StringVar(&f.prefectYAMLNaming, "prefect-yaml-naming", "keep", `"keep" the entries' names, or "product" to name them <project>--<branch>--<flow>--<env>`)
	fs.BoolVar(&f.dryRun, "dry-run", false, "print the plan and write nothing")
	fs.IntVar(&f.concurrency, "concurrency", deploy.DefaultConcurrency, "most deployments written at once (the writer adapts below it to the server)")
	fs.StringVar(&f.output, "output", "text", "text or json")
	fs.BoolVar(&f.followHead, "follow-head", false, "with the git code source, deployments of a branch other than the mainline (code_source.mainline, default main) clone the branch's head at each run instead of the deployed commit")
	switch name {
	case "deploy", "rollback":
		fs.BoolVar(&f.prune, "prune", false, "also delete this project/branch/env's deployments (made by prefect-deploy) that the run no longer deploys")
	case "prune":
		fs.BoolVar(&f.branchDeleted, "branch-deleted", false, "the branch is gone (e.g. its pull request closed): delete all its deployments (every environment unless --env)")
		fs.StringVar(&f.remoteBranches, "remote-branches", "", "delete deployments of branches this git remote (e.g. origin) no longer has (every environment unless --env)")
	}
	if name == "deploy" {
		fs.BoolVar(&f.skipInvalid, "skip-invalid", false, "deploy the valid prefect.yaml files and list the refused ones (exit 1); default: any problem refuses the whole run")
	}
	return fs
}

func runDeploy(ctx context.Context, args []string, env Env) (*report.Report, error) {
	var f deployFlags
	fs := newDeployFlagSet(&f, env.Stderr)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil, err
		}
		return nil, usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected argument %q", fs.Arg(0))
	}
	if f.prune && f.skipInvalid {
		return nil, usagef("--prune and --skip-invalid cannot be combined: the refused files' deployments would be pruned")
	}
	return deployRun(ctx, fs, &f, env, nil)
}

// deployRun is deploy after its flags are parsed: discover, plan (work pools, deployments,
// stale ones under --prune), check the plan with guard when given (rollback's downgrade guard:
// a problem stops the run before any deployment is written), apply, report.
func deployRun(ctx context.Context, fs *flag.FlagSet, fp *deployFlags, env Env, guard func([]*deploy.Step) error) (*report.Report, error) {
	f := *fp
	env.phase("Discover flows and check the configuration")
	f.serverVersion = func() string { return serverVersion(ctx, env) }
	opts, targets, warnings, err := deployTargets(fs, &f, env)
	if err != nil {
		if f.output == "json" { // the JSON document keeps the warnings text mode printed
			return &report.Report{Command: f.command, Env: f.env, DryRun: f.dryRun, Warnings: warnings}, err
		}
		return nil, err
	}
	if w := env.phaseLog(); w != nil {
		for _, t := range targets {
			fmt.Fprintf(w, "  %s  %s  (%s)\n", t.Spec.Name, t.Spec.Entrypoint, relTo(env.Dir, t.Source))
		}
	}
	var keep map[string]bool
	if f.prune {
		if keep, err = keepSet(opts, targets); err != nil {
			return nil, err
		}
	}
	c, err := newClient(ctx, env)
	if err != nil {
		return nil, err
	}
	rep := &report.Report{Command: f.command, Env: opts.Meta.Env, DryRun: f.dryRun, Warnings: warnings, Server: c.Config().APIURL}
	opts.Progress = progressOut(env, f.output, f.dryRun)
	var api deploy.API = c
	declaredPools := opts.Config != nil && len(opts.Config.WorkPools) > 0 && guard == nil // rollback leaves pools alone
	if declaredPools {
		// Planned as a dry run first: no pool is written until the deployments' plan passes too.
		if api, err = ensurePools(ctx, c, rep, opts.Config.WorkPools, true, env); err != nil {
			return rep, err
		}
	}
	var stale []prune.Candidate
	if f.prune {
		sel := prune.Selector{Project: opts.Meta.Project, Branch: opts.Meta.Branch, Env: opts.Meta.Env, Keep: keep}
		if stale, err = prune.Plan(ctx, c, sel); err != nil {
			return rep, err
		}
	}
	var planShown bool
	ao := deploy.ApplyOptions{Concurrency: f.concurrency, Progress: opts.Progress,
		ProgressTTY: isTerminal(env.Stderr), OnPlan: showPlan(env, f.output, f.dryRun, &planShown), Phase: env.Phase, Log: env.phaseLog()}
	if path := env.Getenv(EnvTrace); path != "" {
		trace, closeTrace, err := writerTrace(path)
		if err != nil {
			return rep, err
		}
		defer closeTrace()
		ao.Trace = trace
	}
	steps, planWarnings, err := deploy.PlanTargets(ctx, api, targets, ao)
	rep.Warnings = append(rep.Warnings, planWarnings...)
	if err == nil && guard != nil {
		if gerr := guard(steps); gerr != nil {
			// Show what would have been done, then why it was not.
			rep.DryRun = true
			deploy.Finish(ctx, api, rep, steps, true, ao)
			env.phase("")
			output(rep, f.output, env, false)
			return rep, gerr
		}
	}
	if err == nil && declaredPools && !f.dryRun {
		quiet := env
		quiet.Phase = nil
		_, err = ensurePools(ctx, c, rep, opts.Config.WorkPools, false, quiet)
	}
	if err == nil {
		deploy.Finish(ctx, c, rep, steps, f.dryRun, ao)
	}
	if err == nil && f.prune {
		prunePhase(ctx, c, rep, stale, f.dryRun, f.concurrency, env)
	}
	rep.Requests.Reads, rep.Requests.Writes = c.Requests()
	rep.RefusedFiles = refusedFiles(f.refused, env)
	if err != nil {
		return rep, err
	}
	env.phase("")
	output(rep, f.output, env, planShown)
	if len(f.refused) > 0 {
		return rep, refusedError(f.refused, env)
	}
	if rep.Failed() {
		return rep, errFailedDeployments
	}
	return rep, nil
}

// deployTargets checks the flags and the config and builds every deployment the run makes,
// without contacting the server.
func deployTargets(fs *flag.FlagSet, f *deployFlags, env Env) (deploy.Options, []deploy.Target, []string, error) {
	opts, cfg, vals, err := deployOptions(f, env)
	if err != nil {
		return opts, nil, nil, err
	}
	var yamlWarnings []string
	if cfg != nil {
		yamlWarnings = append(yamlWarnings, cfg.Warnings...)
	}
	if len(f.prefectYAML) > 0 || (cfg != nil && len(cfg.PrefectYAML) > 0) {
		sv := ""
		if f.serverVersion != nil {
			sv = f.serverVersion()
		}
		extra, ywarn, refused, err := prefectYAMLTargets(f, cfg, opts.Meta, env, sv)
		if err != nil {
			return opts, nil, nil, err
		}
		f.refused = refused
		yamlWarnings = ywarn
		opts.Extra = extra
		if !flagSet(fs, "flows") && !flagSet(fs, "source-root") {
			opts.NoDiscovery = true
		}
	}
	// All input is checked before contacting the server.
	targets, warnings, err := deploy.Targets(opts)
	warnings = append(yamlWarnings, warnings...)
	if err == nil {
		var cw []string
		cw, err = checkCommitted(targets, opts.Meta, vals, opts.SourceRoot)
		warnings = append(warnings, cw...)
	}
	if err != nil {
		printWarnings(warnings, f.output, env)
		return opts, nil, warnings, err
	}
	return opts, targets, warnings, nil
}

// serverVersion is the Prefect version of the server deployed to, or "" when it does not say
// (Prefect Cloud, an unreachable server: the connection problem is reported later, in order).
func serverVersion(ctx context.Context, env Env) string {
	c, err := newClient(ctx, env)
	if err != nil {
		return ""
	}
	info, err := c.Server(ctx)
	if err != nil {
		return ""
	}
	return info.Version
}

func printWarnings(ws []string, format string, env Env) {
	if format == "json" {
		return
	}
	for _, w := range ws {
		fmt.Fprintf(env.Stderr, "warning: %s\n", w)
	}
}

func flagSet(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			found = true
		}
	})
	return found
}

// deployOptions validates the flags and fills defaults from the config and the GitHub context.
func deployOptions(f *deployFlags, env Env) (deploy.Options, *config.File, repodefaults.Values, error) {
	var o deploy.Options
	var vals repodefaults.Values
	if f.output != "text" && f.output != "json" {
		return o, nil, vals, usagef("--output must be text or json, got %q", f.output)
	}
	if f.concurrency < 1 || f.concurrency > 64 {
		return o, nil, vals, usagef("--concurrency must be between 1 and 64, got %d", f.concurrency)
	}
	cfg, err := loadConfigAs(f.configPath, f.configFormat, env)
	if err != nil {
		return o, nil, vals, err
	}
	if cfg != nil && cfg.Format == config.FormatAcme && f.workPool != "" {
		// --work-pool is for deployments whose config names none: with acme's file, it replaces
		// acme's implied default (ecs-pool), not a flow's work_pool_name.
		cfg.Defaults.WorkPool = &f.workPool
	}
	meta, vals, err := metaFrom(f.env, f.project, f.branch, f.commit, f.packageVersion, cfg, env, true)
	if err != nil {
		return o, nil, vals, err
	}
	if d := describeDefaults(vals); d != "" && f.output == "text" {
		fmt.Fprintln(env.Stderr, d)
	}
	envVars, err := runEnvVars(f.envFiles, f.envVars, env)
	if err != nil {
		return o, nil, vals, err
	}
	root := f.sourceRoot
	if root == "" && cfg != nil {
		root = cfg.SourceDir()
	}
	if root == "" {
		root = "."
	}
	if env.Dir != "" && !filepath.IsAbs(root) {
		root = filepath.Join(env.Dir, root)
	}
	o = deploy.Options{
		Meta: meta, SourceRoot: root, Config: cfg, Flows: splitList(f.flows),
		Image: f.image, EnvVars: envVars, WorkPool: f.workPool, Exclude: f.exclude,
		Repository: vals.Repository, FollowHead: f.followHead, DryRun: f.dryRun, Concurrency: f.concurrency,
	}
	return o, cfg, vals, nil
}

// runFlows lists what discovery finds, without contacting a server.
func runFlows(args []string, env Env) error {
	fs := flag.NewFlagSet("flows", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	root := fs.String("source-root", "", "directory scanned for flows (default: config source_root, else .)")
	cfgPath := fs.String("config", "", "config file (default: "+config.DefaultFileName+" when present)")
	format := fs.String("output", "text", "text or json")
	var exclude multiFlag
	fs.Var(&exclude, "exclude", "directory name or glob that flow discovery skips (repeatable)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usagef("%v", err)
	}
	if *format != "text" && *format != "json" {
		return usagef("--output must be text or json, got %q", *format)
	}
	r := *root
	if r == "" {
		cfg, err := loadConfig(*cfgPath, env)
		if err != nil {
			return err
		}
		if cfg != nil {
			r = cfg.SourceDir()
		}
	}
	if r == "" {
		r = "."
	}
	if env.Dir != "" && !filepath.IsAbs(r) {
		r = filepath.Join(env.Dir, r)
	}
	res, err := discover.Discover(r, discover.Options{Exclude: exclude})
	if err != nil {
		return fmt.Errorf("failed to discover flows under %q: %w", r, err)
	}
	// The entrypoints deploy records: relative to the repository root.
	ep := deploy.EntrypointFunc(r)
	for i := range res.Flows {
		res.Flows[i].Entrypoint = ep(res.Flows[i])
	}
	dups := res.Duplicates()
	if *format == "json" {
		type flowOut struct {
			discover.Flow
			Schema map[string]any `json:"parameter_schema"`
		}
		out := struct {
			Root       string             `json:"root"`
			Flows      []flowOut          `json:"flows"`
			Duplicates [][]discover.Flow  `json:"duplicates"`
			Warnings   []discover.Warning `json:"warnings"`
		}{Root: r, Duplicates: dups, Warnings: res.Warnings}
		out.Flows = []flowOut{}
		for _, fl := range res.Flows {
			out.Flows = append(out.Flows, flowOut{fl, fl.ParameterSchema()})
		}
		if out.Duplicates == nil {
			out.Duplicates = [][]discover.Flow{}
		}
		if out.Warnings == nil {
			out.Warnings = []discover.Warning{}
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	fmt.Fprintf(env.Stdout, "%s under %s\n", report.Count(len(res.Flows), "flow"), r)
	for _, fl := range res.Flows {
		desc := strings.SplitN(fl.Description, "\n", 2)[0]
		fmt.Fprintf(env.Stdout, "  %-30s %s  (line %d)", fl.Name, fl.Entrypoint, fl.Line)
		if desc != "" {
			fmt.Fprintf(env.Stdout, "  %s", desc)
		}
		fmt.Fprintln(env.Stdout)
	}
	for _, g := range dups {
		var places []string
		for _, fl := range g {
			places = append(places, fmt.Sprintf("%s:%d", fl.File, fl.Line))
		}
		fmt.Fprintf(env.Stdout, "duplicate: flow %q is defined at %s\n", g[0].Name, strings.Join(places, " and "))
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(env.Stdout, "warning: %s\n", w)
	}
	return nil
}

// EnvTrace names a file that, when set, receives one JSON line per answer to a write (when it
// came, its latency, whether the server refused it as busy, the requests in flight and the
// writer's concurrency limit after it): for seeing how the adaptive concurrency behaved.
const EnvTrace = "PREFECT_DEPLOY_TRACE"

// writerTrace opens path for the writer's trace and returns the function writing each event
// and the one closing the file.
func writerTrace(path string) (func(deploy.WriterEvent), func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: failed to create the trace file: %w", EnvTrace, err)
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	return func(e deploy.WriterEvent) { _ = enc.Encode(e) }, func() { _ = w.Flush(); _ = f.Close() }, nil
}
