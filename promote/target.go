package promote

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/deploy"
	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/config"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/vocab"
)

// origins collects where each field of a target came from.
type origins []report.Origin

func (o *origins) add(field, from, detail string) {
	*o = append(*o, report.Origin{Field: field, From: from, Detail: detail})
}

// imageOf is the source's image (job_variables.image), or "".
func imageOf(d prefect.Deployment) string {
	s, _ := d.JobVariables["image"].(string)
	return s
}

// codeVersion gives spec the source's code version: entrypoint, parameter schema, version,
// image, and the commit its git pull steps clone.
func codeVersion(spec *prefect.DeploymentSpec, d prefect.Deployment, o *origins) {
	spec.Entrypoint = deref(d.Entrypoint)
	spec.ParameterSchema = d.ParameterSchema
	spec.Version = deref(d.Version)
	o.add("entrypoint", report.FromSource, "")
	o.add("parameter_openapi_schema", report.FromSource, "")
	o.add("version", report.FromSource, "")
	if img := imageOf(d); img != "" {
		if spec.JobVariables == nil {
			spec.JobVariables = map[string]any{}
		}
		spec.JobVariables["image"] = img
		o.add("image", report.FromSource, "")
	}
}

// configTarget makes the target of a source found by its product name: the source's code
// version, the keys the config's sections for the target (or the source) environment set as a
// deploy to the target would set them, and the source's values for everything else. It says
// whether the source's triggers are to be copied.
func configTarget(s source, opts Options) (deploy.Target, bool, error) {
	d := s.dep
	tn := s.name
	name := s.targetName
	if tn.Flow != "" {
		tn.Env, _ = naming.SanitizeSegment(opts.Env)
		name = tn.String()
	}
	flow, variant := s.name.Flow, s.name.Variant
	cfg := opts.Config
	full := cfg.Resolve(flow, variant, opts.Env)
	te := cfg.ResolveEnvironment(flow, variant, opts.Env)
	se := cfg.ResolveEnvironment(flow, variant, opts.SourceEnv)
	where := fmt.Sprintf("promote %s to %s", d.Name, name)
	level := "environments." + opts.Env
	var o origins
	// declared says whether a deploy to the target decides the key: the target environment
	// sets it, or the source environment set it for itself (then the general level's value
	// applies, as in a deploy to the target).
	declared := func(field string, t, s bool) bool {
		switch {
		case t:
			o.add(field, report.FromTargetConfig, level)
		case s:
			o.add(field, report.FromTargetConfig, "general level; environments."+opts.SourceEnv+" is the source's own")
		default:
			o.add(field, report.FromSource, "")
		}
		return t || s
	}

	spec := prefect.DeploymentSpec{
		Name:        name,
		Description: d.Description,
		Path:        d.Path,
	}
	jobVars, _ := prefect.Canonical(d.JobVariables).(map[string]any)
	if jobVars == nil {
		jobVars = map[string]any{}
	}
	spec.JobVariables = jobVars
	codeVersion(&spec, d, &o)
	img := imageOf(d)
	var problems []string
	if te.Image != nil && *te.Image != img {
		problems = append(problems, fmt.Sprintf("%s: %s.image is %q, but a promotion runs the source's image %q; remove it from the %s section (or deploy instead of promoting)", where, level, *te.Image, img, opts.Env))
	}
	if v, ok := te.JobVariables["image"]; ok && v != img {
		problems = append(problems, fmt.Sprintf("%s: %s.job_variables.image is %v, but a promotion runs the source's image %q; remove it from the %s section", where, level, v, img, opts.Env))
	}

	// Pull steps: the source's, unless a code_source is declared for the environment; then
	// the declared one, cloning the source's commit.
	spec.PullSteps = deploy.PinPullSteps(d.PullSteps, s.commit) // a copy of a deployment following its branch runs the promoted commit
	if declared("pull_steps", te.CodeSource != nil, se.CodeSource != nil) && full.CodeSource != nil {
		c := full.CodeSource
		cs := deploy.CodeSource{Type: c.Type, Repository: c.Repository, Directory: c.Directory, ImageWorkdir: c.ImageWorkdir, Credentials: c.Credentials, AccessTokenEnv: c.AccessTokenEnv}
		if cs.Type == config.CodeSourceGit && cs.Repository == "" {
			cs.Repository = clonedRepository(d.PullSteps)
		}
		if cs.Type == config.CodeSourceGit && cs.Repository == "" {
			problems = append(problems, fmt.Sprintf("%s: code_source is git but no repository is known: set code_source.repository", where))
		}
		spec.PullSteps = cs.PullSteps(s.commit)
		if p := cs.Path(); p != nil {
			spec.Path = p
		}
	}

	spec.WorkPoolName, spec.WorkQueueName = deref(d.WorkPoolName), deref(d.WorkQueueName)
	poolChanged := false
	if declared("work_pool_name", te.WorkPool != nil, se.WorkPool != nil) && full.WorkPool != nil && *full.WorkPool != spec.WorkPoolName {
		spec.WorkPoolName, spec.WorkQueueName, poolChanged = *full.WorkPool, "", true
	}
	if declared("work_queue_name", te.WorkQueue != nil || poolChanged, se.WorkQueue != nil) {
		spec.WorkQueueName = deref(full.WorkQueue)
	}

	// Job variables, key by key; image is the source's and env is always the target's.
	for _, k := range unionKeys(te.JobVariables, se.JobVariables) {
		if k == "image" || k == "env" {
			continue
		}
		declared("job_variables."+k, hasKey(te.JobVariables, k), true)
		if v, ok := full.JobVariables[k]; ok {
			jobVars[k] = v
		} else {
			delete(jobVars, k)
		}
	}
	jobVars["env"] = deploy.RunEnv(name, full.JobVariables["env"], full.Env, opts.EnvVars) // the source's env vars are replaced, not merged
	o.add("job_variables.env", report.FromTargetConfig, "env of every level for "+opts.Env+", --env-var, DEPLOYMENT_NAME")

	spec.Parameters = maps.Clone(d.Parameters)
	if pk := unionKeys(te.Parameters, se.Parameters); len(pk) > 0 {
		if spec.Parameters == nil {
			spec.Parameters = map[string]any{}
		}
		for _, k := range pk {
			declared("parameters."+k, hasKey(te.Parameters, k), true)
			if v, ok := full.Parameters[k]; ok {
				spec.Parameters[k] = v
			} else {
				delete(spec.Parameters, k)
			}
		}
	} else {
		o.add("parameters", report.FromSource, "")
	}

	spec.ConcurrencyLimit, spec.ConcurrencyOptions = d.ConcurrencyLimit(), d.ConcurrencyOptions
	if declared("concurrency_limit", te.ConcurrencyLimit != nil, se.ConcurrencyLimit != nil) {
		spec.ConcurrencyLimit, spec.ConcurrencyOptions = nil, nil
		if full.ConcurrencyLimit != nil {
			spec.ConcurrencyLimit, spec.ConcurrencyOptions = deploy.Concurrency(full.ConcurrencyLimit)
		}
	}
	if spec.ConcurrencyLimit == nil {
		spec.ConcurrencyOptions = nil
	}
	if declared("description", te.Description != nil, se.Description != nil) && full.Description != nil {
		desc := *full.Description
		spec.Description = &desc
	}
	spec.EnforceParameterSchema = d.EnforceParameterSchema
	if declared("enforce_parameter_schema", te.EnforceParameterSchema != nil, se.EnforceParameterSchema != nil) {
		spec.EnforceParameterSchema = full.EnforceParameterSchema == nil || *full.EnforceParameterSchema
	}

	// Tags: the source's (code version, project, branch), without its ENV tag and the tags only
	// its own environment declares, plus the target environment's.
	drop := map[string]bool{}
	for _, t := range se.Tags {
		if !slices.Contains(full.Tags, t) {
			drop[t] = true
		}
	}
	var tags []string
	for _, t := range d.Tags {
		if k, v, ok := naming.ParseTag(t); (ok && (k == naming.TagEnv || k == deploy.TagCode && v == deploy.CodeBranchHead)) || drop[t] {
			continue // the ENV is the target's; a promoted copy is pinned to the source's commit
		}
		tags = append(tags, t)
	}
	for _, t := range append(slices.Clone(te.Tags), naming.Tag(naming.TagEnv, opts.Env)) {
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	spec.Tags = tags
	if len(te.Tags) > 0 || len(drop) > 0 {
		o.add("tags", report.FromTargetConfig, "ENV and the environment's tags; the rest from the source")
	} else {
		o.add("tags", report.FromSource, "with ENV="+opts.Env)
	}
	labels := map[string]any{}
	for k, v := range d.Labels {
		if !strings.HasPrefix(k, "prefect.") {
			labels[k] = v
		}
	}
	if len(labels) > 0 {
		labels[naming.TagEnv] = opts.Env
	}
	spec.Labels = labels

	// Schedules: declared for the environment → the config's, else the source's. Whether each
	// is active is never the source's: the config decides, else the target keeps its own
	// state, and a new target's schedules are active.
	var activeSet []bool
	if declared("schedules", te.SchedulesSet, se.SchedulesSet) {
		spec.Schedules = deploy.Schedules(full)
		activeSet = deploy.SchedulesActiveSet(full)
	} else {
		var fromConfig []prefect.DeploymentSchedule
		var fromConfigSet []bool
		if full.SchedulesSet {
			fromConfig, fromConfigSet = deploy.Schedules(full), deploy.SchedulesActiveSet(full)
		}
		for _, sc := range copySchedules(d.Schedules) {
			sc.Active = full.SchedulesActive == nil || *full.SchedulesActive
			set := full.SchedulesActive != nil
			for i, c := range fromConfig {
				if prefect.SameTiming(c, sc) && fromConfigSet[i] {
					sc.Active, set = c.Active, true
					break
				}
			}
			spec.Schedules = append(spec.Schedules, sc)
			activeSet = append(activeSet, set)
		}
	}
	if len(spec.Schedules) > 0 {
		if full.SchedulesActive != nil {
			o.add("schedules.active", report.FromTargetConfig, "schedules_active")
		} else {
			o.add("schedules.active", report.FromTargetState, "")
		}
	}

	pausedSet := full.Paused != nil
	if pausedSet {
		spec.Paused = *full.Paused
		o.add("paused", report.FromTargetConfig, "paused")
	} else {
		o.add("paused", report.FromTargetState, "")
	}

	copyTriggers := true
	var triggers []map[string]any
	if declared("triggers", te.TriggersSet, se.TriggersSet) {
		copyTriggers = false
		for i, t := range full.Triggers {
			c := maps.Clone(t)
			if _, ok := c["name"]; !ok {
				c["name"] = vocab.TriggerName(name, i)
			}
			triggers = append(triggers, c)
		}
	}
	if len(problems) > 0 {
		return deploy.Target{}, false, fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	sort.SliceStable(o, func(i, j int) bool { return o[i].Field < o[j].Field })
	return deploy.Target{
		Name: tn, FlowName: s.flowName, Spec: spec,
		Triggers: triggers, TriggersSet: !copyTriggers, PausedSet: pausedSet, ScheduleActiveSet: activeSet,
		Source: d.Name, Commit: s.commit, PackageVersion: s.version, Origins: o, CopyOf: &d,
	}, copyTriggers, nil
}

// entryTarget makes the target of a prefect.yaml entry: what a deploy of the entry would make
// at the source's commit, package version and image, with the source's entrypoint, parameter
// schema and version.
func entryTarget(s source, opts Options) (deploy.Target, error) {
	d := s.dep
	meta := deploy.Meta{Project: opts.Project, Branch: opts.Branch, Env: opts.Env, Commit: s.commit, PackageVersion: s.version}
	if p, ok := naming.TagValue(d.Tags, naming.TagProject); ok {
		meta.Project = p
	}
	if b, ok := naming.TagValue(d.Tags, naming.TagBranch); ok {
		meta.Branch = b
	}
	t, err := s.entry.Build(meta, imageOf(d))
	if err != nil {
		return deploy.Target{}, fmt.Errorf("%s: %w", s.entry.Source, err)
	}
	var o origins
	codeVersion(&t.Spec, d, &o)
	if _, ok := t.Spec.JobVariables["image"]; ok && imageOf(d) == "" {
		delete(t.Spec.JobVariables, "image")
	}
	t.Spec.PullSteps = deploy.PinPullSteps(pinCommit(t.Spec.PullSteps, d.PullSteps), s.commit)
	entry := "entry " + s.entry.Source
	for _, f := range []string{"pull_steps", "work_pool_name", "work_queue_name", "job_variables", "parameters", "schedules", "concurrency_limit", "description", "tags", "triggers", "enforce_parameter_schema"} {
		o.add(f, report.FromTargetConfig, entry)
	}
	if t.PausedSet {
		o.add("paused", report.FromTargetConfig, entry)
	} else {
		o.add("paused", report.FromTargetState, "")
	}
	if len(t.Spec.Schedules) > 0 {
		o.add("schedules.active", report.FromTargetState, "")
	}
	sort.SliceStable(o, func(i, j int) bool { return o[i].Field < o[j].Field })
	t.Origins = o
	t.Source = d.Name
	t.CopyOf = &d
	if naming.StandardizeFlow(t.FlowName) != naming.StandardizeFlow(s.flowName) {
		return deploy.Target{}, fmt.Errorf("%s: entry %q deploys flow %q, but its source %s belongs to flow %q", s.entry.Source, s.entry.Name, t.FlowName, d.Name, s.flowName)
	}
	return t, nil
}

// pinCommit sets the commit of each git_clone step in steps to the one the source's git_clone
// step of the same repository clones.
func pinCommit(steps, source []map[string]any) []map[string]any {
	pins := map[string]any{}
	for _, st := range source {
		if a, ok := st["prefect.deployments.steps.git_clone"].(map[string]any); ok && a["commit_sha"] != nil {
			pins[fmt.Sprint(a["repository"])] = a["commit_sha"]
		}
	}
	if len(pins) == 0 {
		return steps
	}
	out := make([]map[string]any, len(steps))
	for i, st := range steps {
		out[i] = st
		a, ok := st["prefect.deployments.steps.git_clone"].(map[string]any)
		if !ok {
			continue
		}
		if pin, ok := pins[fmt.Sprint(a["repository"])]; ok {
			c := maps.Clone(a)
			c["commit_sha"] = pin
			out[i] = map[string]any{"prefect.deployments.steps.git_clone": c}
		}
	}
	return out
}

// clonedRepository is the repository of the first git_clone pull step, or "".
func clonedRepository(steps []map[string]any) string {
	for _, st := range steps {
		if a, ok := st["prefect.deployments.steps.git_clone"].(map[string]any); ok {
			if r, ok := a["repository"].(string); ok {
				return r
			}
		}
	}
	return ""
}

func unionKeys[V any](a, b map[string]V) []string {
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		if !hasKey(a, k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
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
