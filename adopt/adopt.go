// Package adopt starts a project on prefect-deploy from what it already has: the deployments a
// Prefect server holds (made by `prefect deploy`, acme-portal-sdk, this product or by hand) or
// Prefect 2 `*.deployment.py` files (`Deployment.build_from_flow(...)` with literal
// arguments). It writes them as the deployment entries of a prefect.yaml file — the format
// `prefect-deploy deploy --prefect-yaml` reads with Prefect's own semantics — so that the first
// deploy keeps every deployment's name and settings.
//
// What a file cannot say is never dropped silently: each deployment carries [Note]s naming
// what was not carried over and why (an automation with other actions, labels, a Prefect 2
// infrastructure block). Secrets never reach the file: an env var whose name or value looks
// like a credential is written as the placeholder "{{ $NAME }}", which prefect.yaml resolves
// from the deploying process's environment (a CI secret).
//
// The product's own bookkeeping is left out, because every deploy writes it again: the
// PROJECT_NAME, BRANCH_NAME, ENV, COMMIT_HASH and PACKAGE_VERSION tags and labels, the CODE
// tag and the DEPLOYMENT_NAME env var. Operational state stays on the server too: a paused
// deployment is noted, not written as paused: true (a deploy keeps the server's paused state
// unless the entry sets it).
package adopt

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/vocab"
)

// Entry is one deployment entry of the prefect.yaml written, in Prefect's prefect.yaml terms.
type Entry struct {
	// Name is the deployment's name; FlowName the flow it belongs to (not written: the
	// entrypoint decides it).
	Name, FlowName string
	// Entrypoint is "path/file.py:function", relative to the repository root.
	Entrypoint string
	// Description is written when set.
	Description *string
	// Version is written when set (Prefect 2 files that set one; a server deployment's version
	// is left to each deploy, which infers it from the commit as prefect deploy does).
	Version string
	Tags    []string
	// Parameters are the default parameters.
	Parameters map[string]any
	// WorkPool, WorkQueue and JobVariables are the entry's work_pool section.
	WorkPool, WorkQueue string
	JobVariables        map[string]any
	// Schedules are prefect.yaml schedule items (cron/interval/rrule, timezone, ...).
	Schedules []Schedule
	// ConcurrencyLimit, with CollisionStrategy and GracePeriodSeconds when set.
	ConcurrencyLimit   *int
	CollisionStrategy  string
	GracePeriodSeconds *int
	// EnforceParameterSchema is written when false (true is the default).
	EnforceParameterSchema bool
	// PullSteps are the entry's pull steps; PullSet says whether to write them ("pull: []"
	// when empty), since a missing pull section makes prefect.yaml generate one.
	PullSteps []map[string]any
	PullSet   bool
	// Triggers are the entry's deployment triggers, in prefect.yaml's form.
	Triggers []map[string]any
	// Source says where the entry came from: "server: flow/name" or "file.py:12".
	Source string
	// Notes say what was not carried over, or what the user must do; they are written as
	// comments above the entry and printed.
	Notes []Note
	// SecretEnv names the env vars written as "{{ $NAME }}" placeholders.
	SecretEnv []string
	// Values are the secret values the placeholders stand for, by name: never written, only
	// used to check the file against the server.
	Values map[string]string `json:"-"`
}

// Schedule is one prefect.yaml schedule item.
type Schedule struct {
	Cron       string
	DayOr      *bool
	Interval   float64
	AnchorDate string
	RRule      string
	Timezone   string
	// Active is written when false.
	Active     bool
	Parameters map[string]any
	Slug       string
}

// Note is something a user must know about an adopted deployment.
type Note struct {
	// Lost says the server holds something the file does not reproduce (a deploy would change
	// or remove it); otherwise the note is advice.
	Lost bool
	Msg  string
}

func (n Note) String() string {
	if n.Lost {
		return "not carried over: " + n.Msg
	}
	return n.Msg
}

// Options steer how deployments become entries.
type Options struct {
	// Secret and NotSecret force env var names to be treated as secrets or not, whatever
	// their names and values look like.
	Secret, NotSecret []string
	// WorkPool is the work pool of Prefect 2 deployments that name none (they ran on agents
	// polling a work queue; Prefect 3 workers poll a pool).
	WorkPool string
}

// productTagKeys are the tag and label keys every deploy writes itself.
var productTagKeys = []string{naming.TagProject, naming.TagBranch, naming.TagEnv, naming.TagCommit, naming.TagPackageVersion, "CODE"}

// IsProductTag reports whether a tag is one of the product's own KEY=value tags.
func IsProductTag(tag string) bool {
	k, _, ok := naming.ParseTag(tag)
	return ok && slices.Contains(productTagKeys, k)
}

// IsProductLabel reports whether a label key is one the product (or the server) writes itself.
func IsProductLabel(key string) bool {
	return slices.Contains(productTagKeys, key) || strings.HasPrefix(key, "prefect.")
}

// FromDeployment is the entry that reproduces a deployment d of flow flowName, with the
// automations the server relates to it.
func FromDeployment(d prefect.Deployment, flowName string, automations []prefect.Automation, opts Options) Entry {
	e := Entry{
		Name: d.Name, FlowName: flowName, Source: "server: " + flowName + "/" + d.Name,
		Tags: []string{}, Parameters: d.Parameters,
		EnforceParameterSchema: d.EnforceParameterSchema,
		PullSteps:              d.PullSteps, PullSet: true,
	}
	if d.Entrypoint != nil {
		e.Entrypoint = *d.Entrypoint
	}
	if e.Entrypoint == "" {
		e.note(true, "it has no entrypoint (a Prefect 2 deployment built with a storage block?): set entrypoint to the flow's file.py:function")
	}
	if d.Path != nil && *d.Path != "" && *d.Path != "." {
		e.note(false, fmt.Sprintf("its path %q (Prefect 2): Prefect 3 deployments need none; the pull steps decide where the code is", *d.Path))
	}
	if v := deref(d.Version); v != "" && !isInferredVersion(v) {
		e.Version = v
	}
	if d.Description != nil && *d.Description != "" {
		desc := *d.Description
		e.Description = &desc
	}
	for _, t := range d.Tags {
		if !IsProductTag(t) {
			e.Tags = append(e.Tags, t)
		}
	}
	var lostLabels []string
	for k := range d.Labels {
		if !IsProductLabel(k) {
			lostLabels = append(lostLabels, k)
		}
	}
	if len(lostLabels) > 0 {
		slices.Sort(lostLabels)
		e.note(true, fmt.Sprintf("labels %s: prefect.yaml has no labels, and a deploy replaces them with the product's", strings.Join(lostLabels, ", ")))
	}
	if d.WorkPoolName != nil {
		e.WorkPool = *d.WorkPoolName
	}
	if d.WorkQueueName != nil && *d.WorkQueueName != "default" {
		e.WorkQueue = *d.WorkQueueName
	}
	if e.WorkPool == "" {
		e.note(true, "it has no work pool (a Prefect 2 agent deployment?): a deploy needs one; set work_pool.name")
	}
	// A Prefect 2 server keeps infra_overrides keys dotted ("env.MODE"); Prefect 3's job
	// variables nest them.
	e.JobVariables = e.jobVariables(nested(d.JobVariables), opts)
	if img, ok := e.JobVariables["image"].(string); ok && img != "" {
		e.note(false, fmt.Sprintf("image %s is written as the server runs it: to deploy the image each CI run builds, make it a build step's output or \"{{ $IMAGE }}\"", img))
	}
	if d.InfrastructureDocumentID != nil && *d.InfrastructureDocumentID != "" {
		e.note(true, "its Prefect 2 infrastructure block: Prefect 3 runs deployments on work pools; its settings (image, namespace, env, ...) are not read: put them in the entry's job_variables or the pool's base job template")
	}
	if d.StorageDocumentID != nil && *d.StorageDocumentID != "" {
		e.note(true, "its Prefect 2 storage block: Prefect 3 pulls code with pull steps (git_clone, or the pull step of the storage's collection): add a pull section")
	}
	e.Parameters = e.withoutPlaceholders("parameter", e.Parameters)
	e.JobVariables = e.withoutPlaceholders("job variable", e.JobVariables)
	for _, s := range d.Schedules {
		e.Schedules = append(e.Schedules, fromSchedule(s))
	}
	if n := d.ConcurrencyLimit(); n != nil {
		e.ConcurrencyLimit = n
		if o := d.ConcurrencyOptions; o != nil && (o.CollisionStrategy != "" && (o.CollisionStrategy != "ENQUEUE" || o.GracePeriodSeconds != nil)) {
			e.CollisionStrategy = o.CollisionStrategy
			e.GracePeriodSeconds = o.GracePeriodSeconds
		}
	}
	if d.Paused {
		e.note(false, "paused on the server: a deploy keeps it paused (add paused: true to make the file decide)")
	}
	e.triggers(d, automations)
	e.PullSteps = e.pullSecrets(d.PullSteps, opts)
	return e
}

// pullSecrets replaces, in the pull steps, every argument that holds a credential as plain
// text (prefect deploy resolves {{ $GITHUB_TOKEN }} before storing a git_clone's
// access_token) by a {{ $STEP_ARG }} placeholder that a deploy fills from its environment.
func (e *Entry) pullSecrets(steps []map[string]any, opts Options) []map[string]any {
	out := make([]map[string]any, len(steps))
	for i, st := range steps {
		out[i] = st
		for step, v := range st {
			args, ok := v.(map[string]any)
			if !ok {
				continue
			}
			for _, k := range slices.Sorted(maps.Keys(args)) {
				val, isStr := args[k].(string)
				// By the argument's name only: a commit_sha looks as random as a token.
				if !isStr || val == "" || strings.Contains(val, "{{") || slices.Contains(opts.NotSecret, k) || !secretName(k) {
					continue
				}
				name := strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(step[strings.LastIndex(step, ".")+1:] + "_" + k))
				clone := maps.Clone(args)
				clone[k] = "{{ $" + name + " }}"
				args = clone
				out[i] = map[string]any{step: clone}
				if e.Values == nil {
					e.Values = map[string]string{}
				}
				e.Values[name] = val
				e.note(false, fmt.Sprintf("pull step %s's %s holds a credential as plain text (prefect deploy resolved it): written as {{ $%s }}; set %s in the deploying job's environment, or use a credentials block", step, k, name, name))
			}
		}
	}
	return out
}

// inferredVersion matches the versions a deploy makes itself: a commit (prefect deploy's
// inference), an md5 of the flow file, or this product's and acme's "<branch>-<short sha>".
// Those are left to each deploy; any other version was chosen by someone and is written.
var inferredVersion = regexp.MustCompile(`(^|-)([0-9a-f]{7,40})$`)

// isInferredVersion reports a version a deploy made: its hex part holds a letter (a date such
// as 20240101 is someone's choice) or is as long as an md5 or a whole commit.
func isInferredVersion(v string) bool {
	m := inferredVersion.FindStringSubmatch(v)
	if m == nil {
		return false
	}
	return strings.ContainsAny(m[2], "abcdef") || len(m[2]) == 32 || len(m[2]) == 40
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// placeholder matches a prefect.yaml placeholder that deploying the file would try to resolve
// as a build step's output: {{ name }}, but not {{ $VAR }}, {{ prefect.* }}, {{ ctx.* }} or
// {{ event.* }}, which it keeps or resolves otherwise.
var placeholder = regexp.MustCompile(`\{\{\s*([\w.\-\[\]$]+)\s*\}\}`)

// withoutPlaceholders drops the top-level keys of m whose value holds text a prefect.yaml
// would template (there is no escape for it), noting each one.
func (e *Entry) withoutPlaceholders(what string, m map[string]any) map[string]any {
	out := m
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if env, ok := m[k].(map[string]any); ok && k == "env" && what == "job variable" {
			kept := maps.Clone(env)
			for _, ek := range slices.Sorted(maps.Keys(env)) {
				if s, ok := env[ek].(string); ok && templated(s) {
					delete(kept, ek)
					e.note(true, fmt.Sprintf("env %s: its value holds a {{ }} placeholder, which prefect.yaml would try to resolve; pass it with --env-var instead", ek))
				}
			}
			if len(kept) != len(env) {
				out = maps.Clone(out)
				out[k] = kept
			}
			continue
		}
		if !holdsTemplate(m[k]) {
			continue
		}
		out = maps.Clone(out)
		delete(out, k)
		e.note(true, fmt.Sprintf("%s %s: its value holds a {{ }} placeholder, which prefect.yaml would try to resolve (it has no escape)", what, k))
	}
	return out
}

func templated(s string) bool {
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		name := m[1]
		if !strings.HasPrefix(name, "$") && !strings.HasPrefix(name, "prefect.") && !strings.HasPrefix(name, "ctx.") && !strings.HasPrefix(name, "event.") {
			return true
		}
	}
	return false
}

func holdsTemplate(v any) bool {
	switch x := v.(type) {
	case string:
		return templated(x)
	case []any:
		return slices.ContainsFunc(x, holdsTemplate)
	case map[string]any:
		for _, item := range x {
			if holdsTemplate(item) {
				return true
			}
		}
	}
	return false
}

func (e *Entry) note(lost bool, msg string) { e.Notes = append(e.Notes, Note{Lost: lost, Msg: msg}) }

// jobVariables copies the job variables without the product's DEPLOYMENT_NAME, and with every
// secret-looking env value replaced by its placeholder.
func (e *Entry) jobVariables(jv map[string]any, opts Options) map[string]any {
	out := maps.Clone(jv)
	if out == nil {
		return nil
	}
	env, ok := out["env"].(map[string]any)
	if !ok {
		return out
	}
	env = maps.Clone(env)
	delete(env, naming.EnvDeploymentName)
	for _, k := range slices.Sorted(maps.Keys(env)) {
		v, isStr := env[k].(string)
		if !isStr || !isSecret(k, v, opts) {
			continue
		}
		env[k] = "{{ $" + k + " }}"
		e.SecretEnv = append(e.SecretEnv, k)
		if e.Values == nil {
			e.Values = map[string]string{}
		}
		e.Values[k] = v
	}
	if len(env) == 0 {
		delete(out, "env")
	} else {
		out["env"] = env
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// serverDTSTART is the start Prefect injects into an RRULE that has none.
const serverDTSTART = "DTSTART:20200101T000000\n"

func fromSchedule(s prefect.DeploymentSchedule) Schedule {
	out := Schedule{
		Cron: s.Schedule.Cron, Interval: s.Schedule.Interval, AnchorDate: s.Schedule.AnchorDate, RRule: s.Schedule.RRule,
		Active: s.Active, Parameters: s.Parameters,
	}
	// The server gives an RRULE without DTSTART this one; it is not the user's.
	out.RRule = strings.TrimPrefix(out.RRule, serverDTSTART)
	if out.Cron != "" && s.Schedule.DayOr != nil && !*s.Schedule.DayOr {
		out.DayOr = s.Schedule.DayOr
	}
	if s.Schedule.Timezone != nil {
		out.Timezone = *s.Schedule.Timezone
	}
	if s.Slug != nil {
		out.Slug = *s.Slug
	}
	return out
}

// triggers turns the automations that run this deployment, and only it, into deployment
// triggers. The automations a deploy would replace (named "<deployment>__automation_<i>")
// that a trigger cannot express are noted: a deploy would delete them.
func (e *Entry) triggers(d prefect.Deployment, automations []prefect.Automation) {
	for _, a := range automations {
		owned := strings.HasPrefix(a.Name, vocab.TriggerPrefix(d.Name))
		t, why := triggerOf(a, d.ID)
		if why != "" {
			if owned {
				e.note(true, fmt.Sprintf("automation %q %s: a deploy of this entry replaces the automations named %s<n>, so it would be deleted; rename it in the UI or recreate it as a trigger", a.Name, why, vocab.TriggerPrefix(d.Name)))
			} else {
				e.note(false, fmt.Sprintf("automation %q %s: left alone on the server (a deploy only manages this deployment's triggers)", a.Name, why))
			}
			continue
		}
		e.Triggers = append(e.Triggers, t)
	}
}

// triggerOf is the deployment trigger an automation is, or why it is none.
func triggerOf(a prefect.Automation, deploymentID string) (map[string]any, string) {
	if len(a.Actions) != 1 {
		return nil, fmt.Sprintf("has %d actions (a deployment trigger has one: run this deployment)", len(a.Actions))
	}
	act := a.Actions[0]
	if act["type"] != "run-deployment" || act["source"] != "selected" || act["deployment_id"] != deploymentID {
		return nil, "does something other than run this deployment"
	}
	t := map[string]any{"name": a.Name}
	if a.Description != "" {
		t["description"] = a.Description
	}
	if !a.Enabled {
		t["enabled"] = false
	}
	for k, v := range a.Trigger {
		if k == "id" || isEmpty(v) || defaultTriggerValue(k, v) {
			continue
		}
		t[k] = v
	}
	if p, ok := act["parameters"].(map[string]any); ok && len(p) > 0 {
		t["parameters"] = p
	}
	if jv, ok := act["job_variables"].(map[string]any); ok && len(jv) > 0 {
		t["job_variables"] = jv
	}
	return t, ""
}

// defaultTriggerValue reports a trigger key holding the value a deploy fills in by itself.
func defaultTriggerValue(k string, v any) bool {
	switch k {
	case "type":
		return v == "event"
	case "posture":
		return v == "Reactive"
	case "threshold":
		return v == float64(1)
	case "within":
		return v == float64(0)
	}
	return false
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}
