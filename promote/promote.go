// Package promote copies tested deployments from a source environment into a target
// environment. A promoted deployment is the source's code version plus the target
// environment's declared configuration:
//
//   - From the source deployment, read from the server (never from today's checkout): the code
//     version — entrypoint, parameter schema, image, version, the PACKAGE_VERSION and
//     COMMIT_HASH tags and labels, and the commit a git pull step clones.
//   - From what the target environment declares: its prefect.yaml entry (prefect.yaml mode),
//     or every key the config's sections for that environment set (environments.<env>,
//     flows.<flow>.environments.<env>, a variant's environments.<env>). A key that only the
//     source environment's sections set takes the general level's value, as a deploy to the
//     target would: what the source environment declares for itself does not travel.
//   - What nothing declares is inherited from the source as it was tested.
//   - Operational state belongs to each environment: the target keeps its own paused state and
//     schedules switched off, and a new target starts as its config says, never with a pause
//     or a switched-off schedule of the source.
//
// Each target says field by field where its values came from (report.Origin).
//
// Every check runs before the first write: each requested source exists and carries
// PACKAGE_VERSION and COMMIT_HASH, matches the release version when one is given, and no target
// is on a newer version unless downgrades are allowed. Any failed check stops the run with one
// message listing all problems.
package promote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/prefect-flow-deploy/prefect-deploy-action/deploy"
	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/config"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/vocab"
)

// API is what promote needs from the Prefect client.
type API interface {
	deploy.API
	FlowsByID(ctx context.Context, ids []string) ([]prefect.Flow, error)
}

// Options are the inputs of one promotion.
type Options struct {
	SourceEnv, Env  string
	Project, Branch string
	// Flows selects flows (either spelling); empty or ["all"] means every deployment of the
	// project and branch in the source environment (in prefect.yaml mode: every entry the
	// target environment declares).
	Flows []string
	// ReleaseVersion, when set, must equal every source's PACKAGE_VERSION (semver comparison).
	ReleaseVersion string
	// AllowDowngrade lets a target on a newer version be overwritten (a rollback).
	AllowDowngrade bool
	// SkipMissing reports requested flows missing from the source environment instead of failing.
	SkipMissing bool
	Config      *config.File
	EnvVars     map[string]string
	// PrefectYAML turns on prefect.yaml mode: Entries are the target environment's entries.
	PrefectYAML bool
	Entries     []Entry
	// ConfigCommit is the commit the config and prefect.yaml files were read at ("" unknown).
	ConfigCommit string
	DryRun       bool
	Concurrency  int
	// Phase, when set, is called as each phase begins (checking the sources, planning,
	// applying) with a short title.
	Phase func(title string)
	// Log, when set, receives each phase's details: the sources found, the plan, then one
	// line per deployment as it is written.
	Log io.Writer
	// Progress, ProgressTTY and OnPlan are passed to deploy.ApplyOptions: how far the writes
	// are, and the plan before anything is written.
	Progress    io.Writer
	ProgressTTY bool
	OnPlan      func(plan *report.Report)
}

// Entry is one prefect.yaml entry the target environment declares.
type Entry struct {
	// Name is the deployment name the entry gives the target; FlowName its Prefect flow.
	Name, FlowName string
	// Source is "file:line" of the entry.
	Source string
	// Build returns what a deploy of the entry would make for the code version meta (the
	// target environment, the source's commit and package version) with image as the image
	// its build step produced ("" when the source has none).
	Build func(meta deploy.Meta, image string) (deploy.Target, error)
}

func (o Options) phase(format string, a ...any) {
	if o.Phase != nil {
		o.Phase(fmt.Sprintf(format, a...))
	}
}

// source is one deployment found in the source environment.
type source struct {
	dep      prefect.Deployment
	name     naming.Name // zero for prefect.yaml entries keeping their own names
	flowName string
	version  string
	commit   string
	// legacy is set for a source found by its name that has no ENV tag (acme-portal-sdk).
	legacy bool
	// entry is the target's prefect.yaml entry (prefect.yaml mode), or nil.
	entry *Entry
	// targetName is the target deployment's name.
	targetName string
}

// Run promotes and reports what was (or would be) done. An error means nothing was written.
func Run(ctx context.Context, api API, opts Options) (*report.Report, error) {
	rep := &report.Report{Command: "promote", Env: opts.Env, SourceEnv: opts.SourceEnv, DryRun: opts.DryRun, ConfigCommit: opts.ConfigCommit}
	if opts.SourceEnv == opts.Env {
		return rep, fmt.Errorf("the source and target environments are both %q", opts.Env)
	}
	opts.phase("Read and check the source deployments in %s", opts.SourceEnv)
	var sources []source
	var skipped []report.Item
	var err error
	if opts.PrefectYAML {
		sources, skipped, rep.Warnings, err = findEntrySources(ctx, api, opts)
	} else {
		sources, skipped, err = findSources(ctx, api, opts)
	}
	if err != nil {
		return rep, err
	}
	if opts.Log != nil {
		for _, s := range sources {
			fmt.Fprintf(opts.Log, "  %s  PACKAGE_VERSION=%s  COMMIT_HASH=%s\n", s.dep.Name, s.version, s.commit)
		}
		for _, it := range skipped {
			fmt.Fprintf(opts.Log, "  - %s (skipped: %s)\n", it.Name, it.Error)
		}
	}
	var problems []string
	var release *semver.Version
	if opts.ReleaseVersion != "" {
		v, err := ParseVersion(opts.ReleaseVersion)
		if err != nil {
			return rep, fmt.Errorf("release version: %w", err)
		}
		release = v
	}
	for _, s := range sources {
		problems = append(problems, checkSource(s, release, opts.ReleaseVersion)...)
	}
	if len(problems) > 0 {
		return rep, errors.New(strings.Join(problems, "\n"))
	}
	targets := make([]deploy.Target, 0, len(sources))
	for _, s := range sources {
		t, err := buildTarget(ctx, api, s, opts)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		targets = append(targets, t)
	}
	if len(problems) > 0 {
		return rep, errors.New(strings.Join(problems, "\n"))
	}
	opts.phase("Plan %s in %s", report.Count(len(targets), "deployment"), opts.Env)
	steps, warnings, err := deploy.Plan(ctx, api, targets)
	rep.Warnings = append(rep.Warnings, warnings...)
	if err != nil {
		return rep, err
	}
	for _, st := range steps {
		if p := checkDowngrade(st, opts.AllowDowngrade); p != "" {
			problems = append(problems, p)
		}
		settleStateOrigins(st)
	}
	if len(problems) > 0 {
		return rep, errors.New(strings.Join(problems, "\n"))
	}
	deploy.Finish(ctx, api, rep, steps, opts.DryRun, deploy.ApplyOptions{Concurrency: opts.Concurrency, Phase: opts.Phase, Log: opts.Log,
		Progress: opts.Progress, ProgressTTY: opts.ProgressTTY, OnPlan: opts.OnPlan})
	rep.Deployments = append(rep.Deployments, skipped...)
	rep.Finish()
	return rep, nil
}

// buildTarget makes the target deployment of one source.
func buildTarget(ctx context.Context, api API, s source, opts Options) (deploy.Target, error) {
	var t deploy.Target
	var copyTriggers bool
	var err error
	if s.entry != nil {
		t, err = entryTarget(s, opts)
	} else {
		t, copyTriggers, err = configTarget(s, opts)
	}
	if err != nil {
		return deploy.Target{}, err
	}
	if copyTriggers {
		// The source's triggers a deploy of it named (a trigger with a name keeps it) are its
		// own too, besides those named after it.
		var named []string
		for _, tr := range opts.Config.Resolve(s.name.Flow, s.name.Variant, opts.SourceEnv).Triggers {
			if n, ok := tr["name"].(string); ok && n != "" {
				named = append(named, n)
			}
		}
		t.Triggers, err = sourceTriggers(ctx, api, s.dep, t.Spec.Name, named)
		if err != nil {
			return deploy.Target{}, err
		}
		t.TriggersSet = true
	}
	if s.legacy {
		t.Notes = append(t.Notes, fmt.Sprintf("legacy source %s has no %s tag (made by acme-portal-sdk or by hand): found by its name; the target gets %s",
			s.dep.Name, naming.TagEnv, naming.Tag(naming.TagEnv, opts.Env)))
	}
	if opts.ConfigCommit != "" && s.commit != "" && !sameCommit(opts.ConfigCommit, s.commit) {
		t.Notes = append(t.Notes, fmt.Sprintf("the %s configuration was read at commit %s; the source was deployed from %s", opts.Env, short(opts.ConfigCommit), short(s.commit)))
	}
	return t, nil
}

// settleStateOrigins says, once the plan knows whether the target exists, where its paused
// state and schedule switches come from: a new target has no state of its own.
func settleStateOrigins(st *deploy.Step) {
	if st.Existing != nil {
		return
	}
	for i, o := range st.Target.Origins {
		if o.From != report.FromTargetState {
			continue
		}
		detail := "new deployment: starts unpaused"
		if o.Field != "paused" {
			detail = "new deployment: schedules start active unless declared inactive"
		}
		st.Target.Origins[i] = report.Origin{Field: o.Field, From: report.FromTargetConfig, Detail: detail}
	}
}

func sameCommit(a, b string) bool {
	n := min(len(a), len(b))
	return n >= 7 && strings.EqualFold(a[:n], b[:n])
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

// checkSource returns the problems of one source deployment.
func checkSource(s source, release *semver.Version, releaseText string) []string {
	var p []string
	if s.version == "" {
		p = append(p, fmt.Sprintf("source %q has no %s tag (or it has conflicting values); redeploy it with --package-version", s.dep.Name, naming.TagPackageVersion))
	}
	if s.commit == "" {
		p = append(p, fmt.Sprintf("source %q has no %s tag (or it has conflicting values); redeploy it with --commit", s.dep.Name, naming.TagCommit))
	}
	if release != nil && s.version != "" {
		v, err := ParseVersion(s.version)
		switch {
		case err != nil:
			p = append(p, fmt.Sprintf("source %q: %v", s.dep.Name, err))
		case !v.Equal(release):
			p = append(p, fmt.Sprintf("source %q is at version %s, not the release version %s; deploy %s to the source environment first", s.dep.Name, s.version, releaseText, releaseText))
		}
	}
	return p
}

// checkDowngrade refuses to overwrite a target that is on a newer version than its source.
func checkDowngrade(st *deploy.Step, allow bool) string {
	if st.Existing == nil || allow {
		return ""
	}
	have, _ := naming.TagValue(st.Existing.Tags, naming.TagPackageVersion)
	if have == "" {
		return ""
	}
	hv, err1 := ParseVersion(have)
	nv, err2 := ParseVersion(st.Target.PackageVersion)
	if err1 != nil || err2 != nil {
		if have != st.Target.PackageVersion {
			return fmt.Sprintf("target %q is at version %q and the source at %q, which cannot be compared; pass --allow-downgrade to overwrite it anyway", st.Target.Spec.Name, have, st.Target.PackageVersion)
		}
		return ""
	}
	if hv.GreaterThan(nv) {
		return fmt.Sprintf("target %q is at version %s, newer than the source's %s; pass --allow-downgrade to roll it back", st.Target.Spec.Name, have, st.Target.PackageVersion)
	}
	return ""
}

// sourceTriggers reads the automations the source deployment owns — named after it
// ("<source>__automation_<i>", renamed after the target), or with one of the names its
// configured triggers give (kept) — and turns them back into deployment triggers for the target.
func sourceTriggers(ctx context.Context, api API, d prefect.Deployment, targetName string, named []string) ([]map[string]any, error) {
	autos, err := api.DeploymentAutomations(ctx, d.ID)
	if err != nil {
		if prefect.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("failed to read the triggers of source %q: %w", d.Name, err)
	}
	prefix := vocab.TriggerPrefix(d.Name)
	var out []map[string]any
	for _, a := range autos {
		own := strings.HasPrefix(a.Name, prefix)
		if !own && !slices.Contains(named, a.Name) {
			continue
		}
		t := map[string]any{}
		for k, v := range a.Trigger {
			if k != "id" {
				t[k] = v
			}
		}
		t["name"] = a.Name
		if own {
			t["name"] = vocab.TriggerPrefix(targetName) + strings.TrimPrefix(a.Name, prefix)
		}
		t["enabled"] = a.Enabled
		if a.Description != "" {
			t["description"] = a.Description
		}
		if len(a.Actions) > 0 {
			if p, ok := a.Actions[0]["parameters"]; ok && p != nil {
				t["parameters"] = p
			}
			if jv, ok := a.Actions[0]["job_variables"]; ok && jv != nil {
				t["job_variables"] = jv
			}
		}
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return fmt.Sprint(out[i]["name"]) < fmt.Sprint(out[j]["name"]) })
	return out, nil
}
