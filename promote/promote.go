// Package promote copies tested deployments from a source environment into a target
// environment. The target gets the source's code version and tested configuration, read from
// the server (never from today's checkout): entrypoint, pull steps, image, version, the
// PACKAGE_VERSION and COMMIT_HASH tags and labels, parameters and their schema, schedules,
// description, concurrency and triggers. Only environment values change: the env segment of
// the name, the ENV tag and label, DEPLOYMENT_NAME, the env vars (replaced by the target
// environment's set from the config and --env-var), and what the config's section for the target
// environment sets (work pool and queue, job variables such as a Kubernetes secretName,
// schedules_active, paused, parameters, concurrency).
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
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/prefect-flow-deploy/prefect-deploy-action/config"
	"github.com/prefect-flow-deploy/prefect-deploy-action/deploy"
	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
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
	// project and branch in the source environment.
	Flows []string
	// ReleaseVersion, when set, must equal every source's PACKAGE_VERSION (semver comparison).
	ReleaseVersion string
	// AllowDowngrade lets a target on a newer version be overwritten (a rollback).
	AllowDowngrade bool
	// SkipMissing reports requested flows missing from the source environment instead of failing.
	SkipMissing bool
	Config      *config.File
	EnvVars     map[string]string
	DryRun      bool
	Concurrency int
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

func (o Options) phase(format string, a ...any) {
	if o.Phase != nil {
		o.Phase(fmt.Sprintf(format, a...))
	}
}

// source is one deployment found in the source environment.
type source struct {
	dep      prefect.Deployment
	name     naming.Name
	flowName string
	version  string
	commit   string
}

// Run promotes and reports what was (or would be) done. An error means nothing was written.
func Run(ctx context.Context, api API, opts Options) (*report.Report, error) {
	rep := &report.Report{Command: "promote", Env: opts.Env, SourceEnv: opts.SourceEnv, DryRun: opts.DryRun}
	if opts.SourceEnv == opts.Env {
		return rep, fmt.Errorf("the source and target environments are both %q", opts.Env)
	}
	opts.phase("Read and check the source deployments in %s", opts.SourceEnv)
	sources, skipped, err := findSources(ctx, api, opts)
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

func targetName(n naming.Name, env string) string {
	n.Env = env
	return n.String()
}

// findSources lists the source environment's deployments of the project and branch, by tag,
// and selects the requested flows. Missing flows are problems unless SkipMissing.
func findSources(ctx context.Context, api API, opts Options) ([]source, []report.Item, error) {
	tags := []string{
		naming.Tag(naming.TagProject, opts.Project),
		naming.Tag(naming.TagBranch, opts.Branch),
		naming.Tag(naming.TagEnv, opts.SourceEnv),
	}
	deps, err := api.FilterDeployments(ctx, prefect.DeploymentFilter{TagsAll: tags})
	if err != nil {
		return nil, nil, fmt.Errorf("failed to list the deployments of %s/%s in %q: %w", opts.Project, opts.Branch, opts.SourceEnv, err)
	}
	ids := map[string]bool{}
	for _, d := range deps {
		ids[d.FlowID] = true
	}
	flowNames := map[string]string{}
	if len(ids) > 0 {
		flows, err := api.FlowsByID(ctx, slices.Sorted(maps.Keys(ids)))
		if err != nil {
			return nil, nil, fmt.Errorf("failed to read the flows of the source deployments: %w", err)
		}
		for _, f := range flows {
			flowNames[f.ID] = f.Name
		}
	}
	var all []source
	for _, d := range deps {
		n, err := naming.Parse(d.Name)
		if err != nil || n.Env != opts.SourceEnv {
			continue // not one of ours (tags copied by hand, or another naming scheme)
		}
		all = append(all, source{dep: d, name: n, flowName: flowNames[d.FlowID]})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].dep.Name < all[j].dep.Name })

	want := map[string]bool{}
	everything := len(opts.Flows) == 0
	for _, f := range opts.Flows {
		if f == "all" {
			everything = true
			continue
		}
		want[naming.StandardizeFlow(f)] = true
	}
	var picked []source
	found := map[string]bool{}
	for _, s := range all {
		if everything || want[s.name.Flow] {
			picked = append(picked, s)
			found[s.name.Flow] = true
		}
	}
	var skipped []report.Item
	var problems []string
	for _, f := range slices.Sorted(maps.Keys(want)) {
		if found[f] {
			continue
		}
		name := naming.Name{Project: opts.Project, Branch: opts.Branch, Flow: f, Env: opts.SourceEnv}
		msg := fmt.Sprintf("no deployment of flow %q in %q (looked for %s tagged %s)", f, opts.SourceEnv, name.String(), strings.Join(tags, ", "))
		if opts.SkipMissing {
			skipped = append(skipped, report.Item{Name: targetName(name, opts.Env), Flow: f, Env: opts.Env, Action: report.Skipped, Error: msg})
			continue
		}
		problems = append(problems, msg+"; deploy it there first, or pass --skip-missing")
	}
	if len(problems) > 0 {
		return nil, nil, errors.New(strings.Join(problems, "\n"))
	}
	if len(picked) == 0 && len(skipped) == 0 {
		return nil, nil, fmt.Errorf("nothing to promote: no deployments of project %q, branch %q in %q (tags %s)", opts.Project, opts.Branch, opts.SourceEnv, strings.Join(tags, ", "))
	}
	for i := range picked {
		picked[i].version, _ = naming.TagValue(picked[i].dep.Tags, naming.TagPackageVersion)
		picked[i].commit, _ = naming.TagValue(picked[i].dep.Tags, naming.TagCommit)
	}
	return picked, skipped, nil
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
			p = append(p, fmt.Sprintf("source %q is at version %s, not the release version %s; deploy %s to %s first", s.dep.Name, s.version, releaseText, releaseText, s.name.Env))
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

// buildTarget makes the target deployment: a copy of the source with the environment values swapped.
func buildTarget(ctx context.Context, api API, s source, opts Options) (deploy.Target, error) {
	d := s.dep
	tn := s.name
	tn.Env = opts.Env
	name := tn.String()
	es := opts.Config.ResolveEnvironment(s.name.Flow, s.name.Variant, opts.Env)

	jobVars, _ := prefect.Canonical(d.JobVariables).(map[string]any)
	if jobVars == nil {
		jobVars = map[string]any{}
	}
	jobVars = config.DeepMerge(jobVars, es.JobVariables)
	jobVars["env"] = deploy.RunEnv(name, nil, es.Env, opts.EnvVars) // the source's env vars are replaced, not merged

	tags := make([]string, 0, len(d.Tags))
	for _, t := range d.Tags {
		if k, v, ok := naming.ParseTag(t); ok && (k == naming.TagEnv || k == deploy.TagCode && v == deploy.CodeBranchHead) {
			continue // a promoted copy is pinned to the source's commit
		}
		tags = append(tags, t)
	}
	tags = append(tags, naming.Tag(naming.TagEnv, opts.Env))
	labels := map[string]any{}
	for k, v := range d.Labels {
		if !strings.HasPrefix(k, "prefect.") {
			labels[k] = v
		}
	}
	if _, ok := labels[naming.TagEnv]; ok || len(labels) > 0 {
		labels[naming.TagEnv] = opts.Env
	}

	spec := prefect.DeploymentSpec{
		Name:                   name,
		Paused:                 d.Paused,
		Schedules:              copySchedules(d.Schedules),
		ConcurrencyLimit:       d.ConcurrencyLimit(),
		ConcurrencyOptions:     d.ConcurrencyOptions,
		EnforceParameterSchema: d.EnforceParameterSchema,
		ParameterSchema:        d.ParameterSchema,
		Parameters:             d.Parameters,
		Tags:                   tags,
		Labels:                 labels,
		PullSteps:              deploy.PinPullSteps(d.PullSteps, s.commit),
		WorkPoolName:           deref(d.WorkPoolName),
		WorkQueueName:          deref(d.WorkQueueName),
		Description:            d.Description,
		Path:                   d.Path,
		Version:                deref(d.Version),
		Entrypoint:             deref(d.Entrypoint),
		JobVariables:           jobVars,
	}
	if spec.ConcurrencyLimit == nil {
		spec.ConcurrencyOptions = nil
	}
	// What the target environment's config section sets.
	if es.WorkPool != nil {
		spec.WorkPoolName = *es.WorkPool
		spec.WorkQueueName = ""
	}
	if es.WorkQueue != nil {
		spec.WorkQueueName = *es.WorkQueue
	}
	if es.Paused != nil {
		spec.Paused = *es.Paused
	}
	if es.Parameters != nil {
		params := maps.Clone(spec.Parameters)
		if params == nil {
			params = map[string]any{}
		}
		maps.Copy(params, es.Parameters)
		spec.Parameters = params
	}
	if es.ConcurrencyLimit != nil {
		spec.ConcurrencyLimit, spec.ConcurrencyOptions = deploy.Concurrency(es.ConcurrencyLimit)
	}
	// Without schedules_active for the target environment, a schedule switched off on the
	// target stays off when the same schedule is promoted again.
	var activeSet []bool
	if es.SchedulesActive != nil {
		for i := range spec.Schedules {
			spec.Schedules[i].Active = *es.SchedulesActive
			activeSet = append(activeSet, true)
		}
	}
	triggers, err := sourceTriggers(ctx, api, d, name)
	if err != nil {
		return deploy.Target{}, err
	}
	return deploy.Target{
		Name: tn, FlowName: s.flowName, Spec: spec,
		Triggers: triggers, TriggersSet: true, PausedSet: true, ScheduleActiveSet: activeSet,
		Source: d.Name, Commit: s.commit, PackageVersion: s.version, CopyOf: &d,
	}, nil
}

// sourceTriggers reads the automations the source deployment owns and turns them back into
// deployment triggers for the target.
func sourceTriggers(ctx context.Context, api API, d prefect.Deployment, targetName string) ([]map[string]any, error) {
	autos, err := api.DeploymentAutomations(ctx, d.ID)
	if err != nil {
		if prefect.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("failed to read the triggers of source %q: %w", d.Name, err)
	}
	prefix := d.Name + "__automation_"
	var out []map[string]any
	for _, a := range autos {
		if !strings.HasPrefix(a.Name, prefix) {
			continue
		}
		t := map[string]any{}
		for k, v := range a.Trigger {
			if k != "id" {
				t[k] = v
			}
		}
		t["name"] = targetName + "__automation_" + strings.TrimPrefix(a.Name, prefix)
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

func copySchedules(in []prefect.DeploymentSchedule) []prefect.DeploymentSchedule {
	out := make([]prefect.DeploymentSchedule, 0, len(in))
	for _, s := range in {
		c := prefect.DeploymentSchedule{Schedule: s.Schedule, Active: s.Active, Parameters: s.Parameters, Slug: s.Slug}
		if c.Parameters == nil {
			c.Parameters = map[string]any{}
		}
		out = append(out, c)
	}
	return out
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
