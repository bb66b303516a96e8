package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/deploy"
	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/promote"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/config"
)

func runPromote(ctx context.Context, args []string, env Env) (*report.Report, error) {
	fs := flag.NewFlagSet("promote", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	var (
		sourceEnv, target, project, branch, flows, release, cfgPath, format string
		cfgFormat                                                           string
		allowDowngrade, skipMissing, dryRun                                 bool
		concurrency                                                         int
		envVars, envFiles                                                   multiFlag
		yf                                                                  deployFlags
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
	fs.StringVar(&cfgFormat, "config-format", "auto", "format of the config file: auto (detected), prefect-deploy, or acme (acme-portal-sdk's static_flow_deploy_config.yaml)")
	fs.Var(&envVars, "env-var", "KEY=VALUE env var for the target's flow runs (repeatable; overrides the config)")
	fs.Var(&envFiles, "env-file", "dotenv file of env vars for the target's flow runs, e.g. acme-config's APP.ENV.VER.env (repeatable; --env-var wins over it, it wins over the config)")
	fs.Var(&yf.prefectYAML, "prefect-yaml", "prefect.yaml files whose target-environment entries declare the targets' configuration, as a glob (repeatable)")
	fs.Var(&yf.stepOutputs, "step-output", "STEP_ID.KEY=VALUE output of a prefect.yaml build step that is not run here (repeatable)")
	fs.StringVar(&yf.prefectYAMLSelect, "prefect-yaml-select", "suffix", `which prefect.yaml entries the target environment declares: "suffix" (names ending in --ENV), "all", or a glob on entry names`)
	fs.StringVar(&yf.prefectYAMLNaming, "prefect-yaml-naming", "keep", `"keep" the entries' names, or "product" to name them <project>--<branch>--<flow>--<env>`)
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
	cfg, err := loadConfigAs(cfgPath, cfgFormat, env)
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
	kv, err := runEnvVars(envFiles, envVars, env)
	if err != nil {
		return nil, err
	}
	opts := promote.Options{
		SourceEnv: sourceEnv, Env: meta.Env, Project: meta.Project, Branch: meta.Branch,
		Flows: splitList(flows), ReleaseVersion: release, AllowDowngrade: allowDowngrade, SkipMissing: skipMissing,
		Config: cfg, EnvVars: kv, DryRun: dryRun, Concurrency: concurrency, Phase: env.Phase, Log: env.phaseLog(),
	}
	if cfg != nil {
		opts.ConfigCommit = configCommit(cfg, env)
	}
	if len(yf.prefectYAML) > 0 || (cfg != nil && len(cfg.PrefectYAML) > 0) {
		yf.envVars, yf.envFiles = envVars, envFiles
		entries, warnings, err := promoteEntries(&yf, cfg, meta, env)
		printWarnings(warnings, format, env)
		if err != nil {
			return nil, err
		}
		if err := checkEnvSectionsUnused(cfg, meta.Env); err != nil {
			return nil, err
		}
		opts.PrefectYAML, opts.Entries = true, entries
		opts.ConfigCommit = configCommit(cfg, env)
	}
	c, err := newClient(ctx, env)
	if err != nil {
		return nil, err
	}
	var planShown bool
	opts.Progress, opts.ProgressTTY, opts.OnPlan = progressOut(env, format, dryRun), isTerminal(env.Stderr), showPlan(env, format, dryRun, &planShown)
	if cfg != nil {
		printWarnings(cfg.Warnings, format, env)
	}
	rep, err := promote.Run(ctx, c, opts)
	if rep != nil {
		rep.Server = c.Config().APIURL
		if cfg != nil {
			rep.Warnings = append(slices.Clone(cfg.Warnings), rep.Warnings...)
		}
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

// sourceImage stands for the source's image in the prefect.yaml entries loaded for a promotion:
// the image output of their docker build steps, replaced per source by the image it runs.
const sourceImage = "prefect-deploy.invalid/source-image:promoted"

// promoteEntries loads the target environment's prefect.yaml entries; each builds its target
// as a deploy of the entry would, for a source's code version and image.
func promoteEntries(f *deployFlags, cfg *config.File, meta deploy.Meta, env Env) ([]promote.Entry, []string, error) {
	deps, envVars, err := loadPrefectYAML(f, cfg, meta.Env, sourceImage, env)
	if err != nil {
		return nil, nil, err
	}
	var entries []promote.Entry
	var warnings []string
	for _, d := range deps {
		warnings = append(warnings, d.Warnings...)
		e := promote.Entry{Name: d.Name, FlowName: d.FlowName, Source: relTo(env.Dir, d.File) + ":" + fmt.Sprint(d.Line)}
		if f.prefectYAMLNaming == "product" {
			e.Name = "" // named per source below
		}
		e.Build = func(meta deploy.Meta, image string) (deploy.Target, error) {
			t, err := yamlTarget(d, f.prefectYAMLNaming, meta, envVars, env)
			if err != nil {
				return t, err
			}
			jv, _ := prefect.Canonical(t.Spec.JobVariables).(map[string]any)
			t.Spec.JobVariables, _ = replaceString(jv, sourceImage, image).(map[string]any)
			return t, nil
		}
		if e.Name == "" {
			n, err := naming.New(meta.Project, meta.Branch, d.FlowName, meta.Env)
			if err != nil {
				return nil, nil, err
			}
			e.Name = n.String()
		}
		entries = append(entries, e)
	}
	return entries, warnings, nil
}

// replaceString replaces old by new in every string of a plain JSON value.
func replaceString(v any, old, new string) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = replaceString(e, old, new)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = replaceString(e, old, new)
		}
		return out
	case string:
		return strings.ReplaceAll(x, old, new)
	}
	return v
}

// checkEnvSectionsUnused refuses config sections for the target environment in prefect.yaml
// mode: the entries declare the targets' configuration, and a deploy of them does not read
// those sections either, so their keys would have no effect.
func checkEnvSectionsUnused(cfg *config.File, envName string) error {
	if cfg == nil {
		return nil
	}
	var where []string
	if s, ok := cfg.Environments[envName]; ok && !emptySettings(s) {
		where = append(where, "environments."+envName)
	}
	for _, fl := range cfg.Flows {
		if s, ok := fl.Environments[envName]; ok && !emptySettings(s) {
			where = append(where, "flows."+fl.Key+".environments."+envName)
		}
		for _, v := range fl.Deployments {
			if s, ok := v.Environments[envName]; ok && !emptySettings(s) {
				where = append(where, "flows."+fl.Key+"."+v.Name+".environments."+envName)
			}
		}
	}
	if len(where) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %s would have no effect: in prefect.yaml mode the %s entries of the prefect.yaml files declare the promoted configuration; move these settings into those entries", cfg.Path, strings.Join(where, ", "), envName)
}

func emptySettings(s config.Settings) bool {
	b, _ := json.Marshal(s)
	return string(b) == "{}"
}

// configCommit is the commit of the checkout holding the config (or the working directory),
// with "+changes" when the config file has uncommitted changes; "" outside git.
func configCommit(cfg *config.File, env Env) string {
	dir := env.Dir
	if cfg != nil {
		dir = filepath.Dir(cfg.Path)
	}
	if dir == "" {
		dir = "."
	}
	out, err := exec.Command("git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil {
		return ""
	}
	sha := strings.TrimSpace(string(out))
	if cfg != nil {
		if st, err := exec.Command("git", "-C", dir, "status", "--porcelain", "--", filepath.Base(cfg.Path)).Output(); err == nil && len(strings.TrimSpace(string(st))) > 0 {
			sha += " (with uncommitted changes to " + filepath.Base(cfg.Path) + ")"
		}
	}
	return sha
}
