// Package deploy turns the flows of a repository into Prefect deployments: it discovers flows
// statically, applies the config file, builds each deployment's complete desired state (name,
// tags, version, env vars, code source), compares it with what the server holds, and writes only
// what changed, with bounded concurrency. Nothing is written when any input is wrong.
package deploy

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/config"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/vocab"
)

// Target is one deployment to make: its name, the Prefect flow it belongs to, the desired state
// and the automations (triggers) it should own.
type Target struct {
	// Name is the parsed deployment name (zero for prefect.yaml entries keeping their own names).
	Name naming.Name
	// FlowName is the Prefect flow name.
	FlowName string
	// Spec is the desired deployment; FlowID is filled in when the flow is known.
	Spec prefect.DeploymentSpec
	// Triggers are the automations the deployment owns, in Prefect's deployment-trigger form.
	// TriggersSet says whether the config manages them at all.
	Triggers    []map[string]any
	TriggersSet bool
	// PausedSet says whether the config decides the paused state; when false, a redeploy keeps
	// the state the deployment has on the server.
	PausedSet bool
	// ScheduleActiveSet says, for each of Spec.Schedules, whether the config decides whether it
	// is active (schedules_active, or the schedule's own active); where it does not, a redeploy
	// keeps the state of the same schedule on the server, so one switched off in the UI stays
	// off. Missing entries count as not set.
	ScheduleActiveSet []bool
	// Source says where the target came from, e.g. "flows/etl.py:12".
	Source string
	// Commit and PackageVersion are the code version deployed.
	Commit, PackageVersion string
	// CopyOf is, for a promotion, the source deployment the target copies; a new target's plan
	// lists what differs from it.
	CopyOf *prefect.Deployment `json:"-"`
	// Origins say, field by field, where a promoted deployment's values came from; Notes are
	// what the plan should say about it (a legacy source, a config read at another commit).
	Origins []report.Origin `json:",omitempty"`
	Notes   []string        `json:",omitempty"`
}

// Meta is the code version and naming context of a run.
type Meta struct {
	Project, Branch, Env   string
	Commit, PackageVersion string
}

// Version is the deployment version string: "<branch>-<short sha>".
func (m Meta) Version() string { return m.Branch + "-" + shortSHA(m.Commit) }

// Tags are the product's tags for a deployment.
func (m Meta) Tags() []string {
	return []string{
		naming.Tag(naming.TagProject, m.Project),
		naming.Tag(naming.TagBranch, m.Branch),
		naming.Tag(naming.TagEnv, m.Env),
		naming.Tag(naming.TagCommit, m.Commit),
		naming.Tag(naming.TagPackageVersion, m.PackageVersion),
	}
}

// Labels are the product's Prefect labels (the same facts as the tags).
func (m Meta) Labels() map[string]any {
	return map[string]any{
		naming.TagProject:        m.Project,
		naming.TagBranch:         m.Branch,
		naming.TagEnv:            m.Env,
		naming.TagCommit:         m.Commit,
		naming.TagPackageVersion: m.PackageVersion,
	}
}

func shortSHA(s string) string {
	if len(s) > 7 {
		return s[:7]
	}
	return s
}

// CodeSource says how a worker gets the code: baked into an image, or cloned with git at the
// deployed commit (the vocabulary's, with the pull steps it makes).
type CodeSource = vocab.CodeSource

// TagCode is the tag a deployment that follows its branch's head carries, as
// "CODE=branch-head"; a deployment without it runs exactly its COMMIT_HASH.
const TagCode = "CODE"

// CodeBranchHead is the value of the CODE tag of a deployment that follows its branch's head.
const CodeBranchHead = "branch-head"

// PinPullSteps returns steps with every git_clone that follows a branch pinned to commit
// instead (a promoted copy of a deployment that follows its branch runs exactly the promoted
// commit). The input is not changed.
func PinPullSteps(steps []map[string]any, commit string) []map[string]any {
	out := make([]map[string]any, len(steps))
	for i, st := range steps {
		out[i] = st
		for k, v := range st {
			args, ok := v.(map[string]any)
			if !strings.HasSuffix(k, "git_clone") || !ok || args["branch"] == nil || args["commit_sha"] != nil || commit == "" {
				continue
			}
			pinned := maps.Clone(args)
			delete(pinned, "branch")
			pinned["commit_sha"] = commit
			out[i] = map[string]any{k: pinned}
		}
	}
	return out
}

// FlowInput is a flow to deploy, as discovery found it.
type FlowInput struct {
	// Name is the standardised flow name.
	Name string
	// Entrypoint is "path/file.py:function", relative to the repository root.
	Entrypoint string
	// Description is the decorator's description or the docstring.
	Description string
	// ParameterSchema is the flow's parameter schema.
	ParameterSchema map[string]any
	// Source is "file:line" for messages.
	Source string
}

// BuildInput is everything needed to build the targets of discovered flows.
type BuildInput struct {
	Meta    Meta
	Flows   []FlowInput
	Config  *config.File
	Image   string            // --image; wins over config
	EnvVars map[string]string // --env-var; wins over config
	// WorkPool is the --work-pool default, used when the config names none.
	WorkPool string
	// DefaultRepository is the git URL used when the config's git code source names none, or
	// when there is no code source and no image (from the GitHub context or the git remote).
	DefaultRepository string
	// FollowHead (--follow-head) makes a git code source of a branch other than its mainline
	// clone the branch's head, as code_source.follow_head does.
	FollowHead bool
}

// Build makes one Target per flow and variant. Every problem is returned at once.
func Build(in BuildInput) ([]Target, error) {
	var targets []Target
	var problems []string
	shared := map[string][]*sharedProblem{}
	var sharedOrder []string
	for _, f := range in.Flows {
		variants := in.Config.Variants(f.Name)
		if len(variants) == 0 {
			variants = []string{""}
		}
		for _, v := range variants {
			t, err := buildOne(in, f, v)
			if sp, ok := err.(*sharedProblem); ok {
				if len(shared[sp.msg]) == 0 {
					sharedOrder = append(sharedOrder, sp.msg)
				}
				shared[sp.msg] = append(shared[sp.msg], sp)
				continue
			}
			if err != nil {
				problems = append(problems, err.Error())
				continue
			}
			targets = append(targets, t)
		}
	}
	// A setting missing for every deployment is said once, not once per deployment.
	for _, msg := range sharedOrder {
		ps := shared[msg]
		if len(ps) == 1 {
			problems = append(problems, ps[0].Error())
			continue
		}
		names := make([]string, 0, len(ps))
		for _, p := range ps {
			names = append(names, p.name)
		}
		problems = append(problems, fmt.Sprintf("%d deployments (%s): %s", len(ps), describeUsers(names), msg))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	return targets, nil
}

// sharedProblem is a problem that usually concerns every deployment at once (no work pool, no
// way for workers to get the code); Build reports it once for all of them.
type sharedProblem struct{ where, name, msg string }

func (p *sharedProblem) Error() string { return p.where + ": " + p.msg }

func buildOne(in BuildInput, f FlowInput, variant string) (Target, error) {
	m := in.Meta
	name, err := naming.New(m.Project, m.Branch, f.Name, m.Env)
	if err == nil && variant != "" {
		name, err = name.WithVariant(variant)
	}
	if err != nil {
		return Target{}, fmt.Errorf("%s: flow %q: %w", f.Source, f.Name, err)
	}
	s := in.Config.Resolve(f.Name, variant, m.Env)
	full := name.String()
	where := fmt.Sprintf("%s: deployment %q", f.Source, full)

	cs, err := codeSource(in, s)
	if err != nil {
		return Target{}, &sharedProblem{where: where, name: full, msg: err.Error()}
	}
	image := in.Image
	if image == "" && s.Image != nil {
		image = *s.Image
	}
	if cs.Type == vocab.CodeSourceImage && image == "" {
		return Target{}, &sharedProblem{where: where, name: full, msg: "code_source is image but no image is set: pass --image or set image in the config"}
	}

	jobVars := s.JobVariables // Resolve returns a copy, free to change
	if jobVars == nil {
		jobVars = map[string]any{}
	}
	if image != "" {
		jobVars["image"] = image
	}
	jobVars["env"] = RunEnv(full, jobVars["env"], s.Env, in.EnvVars)

	pool := in.WorkPool
	if s.WorkPool != nil {
		pool = *s.WorkPool
	}
	if pool == "" {
		return Target{}, &sharedProblem{where: where, name: full, msg: fmt.Sprintf("no work pool: set work_pool in the config (defaults or environments.%s) or pass --work-pool", m.Env)}
	}

	desc := f.Description
	if s.Description != nil {
		desc = *s.Description
	}
	tags := append(m.Tags(), s.Tags...)
	if cs.Follows(m.Branch) {
		tags = append(tags, naming.Tag(TagCode, CodeBranchHead))
	}
	spec := prefect.DeploymentSpec{
		Name:                   full,
		Paused:                 s.Paused != nil && *s.Paused,
		Schedules:              Schedules(s),
		EnforceParameterSchema: s.EnforceParameterSchema == nil || *s.EnforceParameterSchema,
		ParameterSchema:        f.ParameterSchema,
		Parameters:             s.Parameters,
		Tags:                   dedupe(tags),
		Labels:                 m.Labels(),
		PullSteps:              cs.PullStepsAt(m.Branch, m.Commit),
		Path:                   cs.Path(),
		WorkPoolName:           pool,
		Description:            &desc,
		Version:                m.Version(),
		Entrypoint:             f.Entrypoint,
		JobVariables:           jobVars,
	}
	if s.WorkQueue != nil {
		spec.WorkQueueName = *s.WorkQueue
	}
	if s.ConcurrencyLimit != nil {
		spec.ConcurrencyLimit, spec.ConcurrencyOptions = Concurrency(s.ConcurrencyLimit)
	}
	return Target{
		Name: name, FlowName: f.Name, Spec: spec,
		Triggers: s.Triggers, TriggersSet: s.TriggersSet, PausedSet: s.Paused != nil, ScheduleActiveSet: SchedulesActiveSet(s),
		Source: f.Source, Commit: m.Commit, PackageVersion: m.PackageVersion,
	}, nil
}

// RunEnv is the env job variable of a deployment: base (an env map already in the job
// variables, or nil), then each layer of env vars in order, then DEPLOYMENT_NAME=name, which
// nothing overrides.
func RunEnv(name string, base any, layers ...map[string]string) map[string]any {
	env := map[string]any{}
	if m, ok := base.(map[string]any); ok {
		maps.Copy(env, m)
	}
	for _, l := range layers {
		for k, v := range l {
			env[k] = v
		}
	}
	env[naming.EnvDeploymentName] = name
	return env
}

// Concurrency converts a config concurrency limit into the API's limit and options.
func Concurrency(cl *config.ConcurrencyLimit) (*int, *prefect.ConcurrencyOptions) { return cl.API() }

func codeSource(in BuildInput, s config.Settings) (CodeSource, error) {
	if c := s.CodeSource; c != nil {
		cs := CodeSource{Type: c.Type, Repository: c.Repository, Directory: c.Directory, ImageWorkdir: c.ImageWorkdir, Credentials: c.Credentials, AccessTokenEnv: c.AccessTokenEnv,
			FollowHead: c.FollowHead || in.FollowHead, Mainline: c.Mainline}
		if cs.Type == vocab.CodeSourceGit && cs.Repository == "" {
			cs.Repository = in.DefaultRepository
		}
		if cs.Type == vocab.CodeSourceGit && cs.Repository == "" {
			return cs, fmt.Errorf("code_source is git but no repository is known: set code_source.repository")
		}
		return cs, nil
	}
	if in.Image != "" || s.Image != nil {
		return CodeSource{Type: vocab.CodeSourceImage, Directory: vocab.DefaultImageDirectory}, nil
	}
	if in.DefaultRepository != "" {
		return CodeSource{Type: vocab.CodeSourceGit, Repository: in.DefaultRepository, FollowHead: in.FollowHead}, nil
	}
	return CodeSource{}, fmt.Errorf("workers cannot get the code: pass --image, or set code_source in the config")
}

// SchedulesActiveSet says, for each schedule of s, whether the config decides its active state.
func SchedulesActiveSet(s config.Settings) []bool {
	set := make([]bool, len(s.Schedules))
	for i, c := range s.Schedules {
		set[i] = s.SchedulesActive != nil || c.Active != nil
	}
	return set
}

// Schedules are the deployment schedules the settings s declare, active unless the schedule or
// schedules_active says otherwise.
func Schedules(s config.Settings) []prefect.DeploymentSchedule {
	out := []prefect.DeploymentSchedule{}
	allActive := s.SchedulesActive == nil || *s.SchedulesActive
	for _, c := range s.Schedules {
		out = append(out, c.Deployment(allActive))
	}
	return out
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	out := make([]string, 0, len(s))
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	k := slices.Collect(maps.Keys(m))
	sort.Strings(k)
	return k
}
