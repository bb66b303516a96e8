package prefectyaml

import (
	"slices"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/source/vocab"
)

// fileModel is a prefect.yaml after the checks prefect deploy's pydantic
// models make. Step lists are nil when absent or null.
type fileModel struct {
	build, push []*node
	// pull is nil when absent, null or {} (a default pull step is made),
	// and an empty non-nil slice for an explicit "pull: []".
	pull        []*node
	deployments []*node
}

// entryKeys are the keys of a deployment entry prefect deploy reads
// (DeploymentConfig in prefect/cli/deploy/_models.py).
var entryKeys = []string{
	"name", "version", "version_type", "tags", "description", "schedule", "schedules", "paused",
	"concurrency_limit", "flow_name", "entrypoint", "parameters", "enforce_parameter_schema",
	"build", "push", "pull", "work_pool", "triggers", "sla",
}

var workPoolKeys = []string{"name", "work_queue_name", "job_variables"}

// scheduleKeys are the keys a schedule item may have (RawScheduleConfig,
// which forbids others).
var scheduleKeys = []string{"cron", "interval", "rrule", "timezone", "anchor_date", "active", "parameters", "slug", "replaces", "day_or"}

// validVersionTypes are the version_type values Prefect knows.
var validVersionTypes = []string{"prefect:simple", "vcs:github", "vcs:gitlab", "vcs:bitbucket", "vcs:azuredevops", "vcs:git"}

// checkFile validates the document as PrefectYamlModel does and normalises
// values as model_dump(mode="json") would. prefect deploy ignores a whole
// file that fails these checks; Load reports every problem instead.
//
// r decides what the supported Prefect versions disagree on: what the
// governing version accepts and ignores passes here (entry warns about it).
func checkFile(root *node, e *errs, r rules) *fileModel {
	m := &fileModel{}
	if root == nil {
		return m
	}
	if root.Kind != mapKind {
		e.at(root, "the file must be a mapping with a deployments list")
		return m
	}
	d := &decoder{errs: e}
	// A repeated top-level key keeps its last value, as yaml.safe_load does (the reader's).
	for i, k := range root.Keys {
		v := root.Vals[i]
		switch k {
		case "prefect-version", "name":
			if n := d.convert(v); !n.IsNull() && n.Kind != strKind {
				e.at(n, "%s must be a string, not %s (quote it)", k, n.Kind)
			}
		case "build":
			m.build = checkSteps(d.convert(v), "build", e)
		case "push":
			m.push = checkSteps(d.convert(v), "push", e)
		case "pull":
			n := d.convert(v)
			m.pull = checkSteps(n, "pull", e)
			if n.Kind == seqKind && len(n.Items) == 0 {
				m.pull = []*node{}
			}
		case "deployments":
			n := d.convert(v)
			switch n.Kind {
			case nullKind:
			case seqKind:
				for _, entry := range n.Items {
					if checkEntry(entry, e, r) {
						m.deployments = append(m.deployments, entry)
					}
				}
			default:
				e.at(n, "deployments must be a list of deployment entries, not %s", n.Kind)
			}
		}
	}
	return m
}

// checkSteps validates a build, push or pull section: a list of steps or a
// single step mapping. It returns nil for null, {} and [].
func checkSteps(n *node, section string, e *errs) []*node {
	switch n.Kind {
	case nullKind:
		return nil
	case mapKind:
		if len(n.Keys) == 0 {
			return nil
		}
		return []*node{n}
	case seqKind:
		var steps []*node
		for _, s := range n.Items {
			if s.Kind != mapKind {
				e.at(s, "each %s step must be a mapping such as {prefect.deployments.steps.run_shell_script: {script: ...}}, not %s", section, s.Kind)
				continue
			}
			steps = append(steps, s)
		}
		if len(steps) == 0 {
			return nil
		}
		return steps
	}
	e.at(n, "%s must be a list of steps, not %s", section, n.Kind)
	return nil
}

// checkEntry validates one deployment entry in place, normalising the
// values pydantic coerces. It returns false when the entry is not a mapping.
func checkEntry(n *node, e *errs, r rules) bool {
	if n.Kind != mapKind {
		e.at(n, "a deployment entry must be a mapping, not %s", n.Kind)
		return false
	}
	for i, k := range n.Keys {
		v := n.Vals[i]
		switch k {
		case "name", "version", "version_type", "description", "flow_name", "entrypoint":
			checkString(v, k, e)
			if k == "version_type" && v.Kind == strKind && !slices.Contains(validVersionTypes, v.Str) {
				e.at(v, "unknown version_type %q (Prefect knows %s)", v.Str, strings.Join(validVersionTypes, ", "))
			}
		case "tags":
			if !v.IsNull() && v.Kind != strKind && v.Kind != seqKind {
				e.at(v, "tags must be a list of strings, not %s", v.Kind)
			}
		case "paused", "enforce_parameter_schema":
			checkBool(v, k, e)
		case "concurrency_limit":
			checkConcurrency(v, e)
		case "parameters":
			if v.Kind != mapKind {
				e.at(v, "parameters must be a mapping, not %s", v.Kind)
			}
		case "schedule":
			switch {
			case v.IsNull():
			case v.Kind == mapKind:
				checkSchedule(v, e, r)
			case r.strict(strictLegacySchedule):
				e.at(v, "schedule must be a single mapping with one of cron, interval or rrule, not %s: %s; list schedules under schedules:", v.Kind, r.strictNote(strictLegacySchedule))
			}
		case "schedules":
			switch v.Kind {
			case nullKind:
			case seqKind:
				for _, s := range v.Items {
					checkSchedule(s, e, r)
				}
			default:
				e.at(v, "schedules must be a list, not %s", v.Kind)
			}
		case "build", "push", "pull":
			if !v.IsNull() && v.Kind != seqKind && v.Kind != mapKind {
				e.at(v, "%s must be a list of steps, not %s", k, v.Kind)
			} else if v.Kind == seqKind {
				for _, s := range v.Items {
					if s.Kind != mapKind {
						e.at(s, "each %s step must be a mapping, not %s", k, s.Kind)
					}
				}
			}
		case "work_pool":
			checkWorkPool(v, e)
		case "triggers":
			switch v.Kind {
			case nullKind:
			case seqKind:
				for _, t := range v.Items {
					if t.Kind != mapKind {
						e.at(t, "each trigger must be a mapping, not %s", t.Kind)
					}
				}
			default:
				e.at(v, "triggers must be a list, not %s", v.Kind)
			}
		case "sla":
			if !v.IsNull() {
				e.at(v, "sla is not supported: service-level agreements are a Prefect Cloud feature that this tool does not create; remove the key")
			}
		}
	}
	return true
}

func checkString(v *node, key string, e *errs) {
	switch v.Kind {
	case nullKind, strKind:
	case timeKind:
		e.at(v, "%s must be a string; Prefect's YAML reader turns this unquoted value into a timestamp, so quote it", key)
	default:
		e.at(v, "%s must be a string, not %s (quote it)", key, v.Kind)
	}
}

// checkBool validates an Optional[bool] field and stores the coerced value.
func checkBool(v *node, key string, e *errs) {
	if v.IsNull() {
		return
	}
	b, ok := laxBool(v)
	if !ok {
		e.at(v, "%s must be true or false, not %s", key, describe(v))
		return
	}
	*v = node{Kind: boolKind, Bool: b, Line: v.Line, Col: v.Col}
}

// checkConcurrency validates concurrency_limit: an integer or
// {limit, collision_strategy, grace_period_seconds}.
func checkConcurrency(v *node, e *errs) {
	switch v.Kind {
	case nullKind:
		return
	case mapKind:
		for i, k := range v.Keys {
			f := v.Vals[i]
			switch k {
			case "limit", "grace_period_seconds":
				if f.IsNull() {
					continue
				}
				n, ok := laxInt(f)
				if !ok {
					e.at(f, "concurrency_limit.%s must be an integer, not %s", k, describe(f))
					continue
				}
				*f = node{Kind: intKind, Int: n, Line: f.Line, Col: f.Col}
			case "collision_strategy":
				checkString(f, "concurrency_limit.collision_strategy", e)
			}
		}
		return
	}
	n, ok := laxInt(v)
	if !ok {
		e.at(v, "concurrency_limit must be an integer or a mapping {limit, collision_strategy, grace_period_seconds}, not %s", describe(v))
		return
	}
	*v = node{Kind: intKind, Int: n, Line: v.Line, Col: v.Col}
}

func checkWorkPool(v *node, e *errs) {
	switch v.Kind {
	case nullKind:
		e.at(v, "work_pool must be a mapping with a name")
		return
	case mapKind:
	default:
		e.at(v, "work_pool must be a mapping, not %s", v.Kind)
		return
	}
	for i, k := range v.Keys {
		f := v.Vals[i]
		switch k {
		case "name", "work_queue_name":
			checkString(f, "work_pool."+k, e)
		case "job_variables":
			if f.Kind != mapKind {
				e.at(f, "work_pool.job_variables must be a mapping, not %s", f.Kind)
			}
		}
	}
}

// checkSchedule validates one schedule item as RawScheduleConfig does (with
// the one alternative pydantic's union also accepts: an unquoted timestamp
// anchor_date when the item has only interval, anchor_date and timezone).
//
// Unknown keys are errors only when r is strict about them; otherwise
// entry warns that they have no effect.
func checkSchedule(s *node, e *errs, r rules) {
	if s.Kind != mapKind {
		e.at(s, "a schedule must be a mapping with one of cron, interval or rrule, not %s", s.Kind)
		return
	}
	onlyInterval := true
	for _, k := range s.Keys {
		if k != "interval" && k != "anchor_date" && k != "timezone" {
			onlyInterval = false
		}
	}
	kinds := 0
	for i, k := range s.Keys {
		v := s.Vals[i]
		switch k {
		case "cron", "rrule", "timezone", "slug", "replaces":
			checkString(v, k, e)
		case "anchor_date":
			if v.Kind == timeKind && onlyInterval {
				v.Kind = strKind
			} else {
				checkString(v, k, e)
			}
		case "interval":
			if v.IsNull() {
				break
			}
			if _, err := parseInterval(v); err != nil {
				e.at(v, "interval %s", err)
			}
		case "active", "day_or":
			switch v.Kind {
			case nullKind, boolKind, strKind:
			default:
				if b, ok := laxBool(v); ok {
					*v = node{Kind: boolKind, Bool: b, Line: v.Line, Col: v.Col}
				} else {
					e.at(v, "%s must be true or false, not %s", k, describe(v))
				}
			}
		case "parameters":
			if v.Kind != mapKind {
				e.at(v, "schedule parameters must be a mapping, not %s", v.Kind)
			}
		case "schedule":
			if r.strict(strictScheduleKeys) {
				e.at(v, "the {schedule: {...}} form is not accepted by prefect deploy; write cron, interval or rrule directly in the schedule item")
			}
		case "max_scheduled_runs":
			if r.strict(strictScheduleKeys) {
				e.at(v, "max_scheduled_runs cannot be set in prefect.yaml (prefect deploy rejects the key)")
			}
		default:
			if r.strict(strictScheduleKeys) {
				e.at(v, "unknown schedule key %q: %s (a schedule takes %s)", k, r.strictNote(strictScheduleKeys), strings.Join(scheduleKeys, ", "))
			}
		}
		if vocab.IsScheduleKind(k) && !v.IsNull() {
			kinds++
		}
	}
	if kinds != 1 {
		e.at(s, "a schedule needs exactly one of cron, interval or rrule")
	}
}

// describe renders a scalar for an error message.
func describe(v *node) string {
	switch v.Kind {
	case strKind:
		return "the string " + quoteShort(v.Str)
	case nullKind:
		return "null"
	case seqKind, mapKind:
		return v.Kind.String()
	case timeKind:
		return "the timestamp " + v.Str
	}
	return pyRepr(v.Value())
}

func quoteShort(s string) string {
	if r := []rune(s); len(r) > 60 {
		s = string(r[:57]) + "…"
	}
	return `"` + s + `"`
}
