package prefectyaml

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
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
func checkFile(root *yaml.Node, e *errs, r rules) *fileModel {
	m := &fileModel{}
	if root == nil {
		return m
	}
	if root.Kind != yaml.MappingNode {
		e.at(&node{line: root.Line, col: root.Column}, "the file must be a mapping with a deployments list")
		return m
	}
	d := &decoder{errs: e}
	// A repeated top-level key keeps its last value, as yaml.safe_load does.
	last := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		last[root.Content[i].Value] = i
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if last[k.Value] != i {
			continue
		}
		switch k.Value {
		case "prefect-version", "name":
			if n := d.convert(v); !n.isNull() && n.kind != strKind {
				e.at(n, "%s must be a string, not %s (quote it)", k.Value, n.kind)
			}
		case "build":
			m.build = checkSteps(d.convert(v), "build", e)
		case "push":
			m.push = checkSteps(d.convert(v), "push", e)
		case "pull":
			n := d.convert(v)
			m.pull = checkSteps(n, "pull", e)
			if n.kind == seqKind && len(n.seq) == 0 {
				m.pull = []*node{}
			}
		case "deployments":
			n := d.convert(v)
			switch n.kind {
			case nullKind:
			case seqKind:
				for _, entry := range n.seq {
					if checkEntry(entry, e, r) {
						m.deployments = append(m.deployments, entry)
					}
				}
			default:
				e.at(n, "deployments must be a list of deployment entries, not %s", n.kind)
			}
		}
	}
	return m
}

// checkSteps validates a build, push or pull section: a list of steps or a
// single step mapping. It returns nil for null, {} and [].
func checkSteps(n *node, section string, e *errs) []*node {
	switch n.kind {
	case nullKind:
		return nil
	case mapKind:
		if len(n.keys) == 0 {
			return nil
		}
		return []*node{n}
	case seqKind:
		var steps []*node
		for _, s := range n.seq {
			if s.kind != mapKind {
				e.at(s, "each %s step must be a mapping such as {prefect.deployments.steps.run_shell_script: {script: ...}}, not %s", section, s.kind)
				continue
			}
			steps = append(steps, s)
		}
		if len(steps) == 0 {
			return nil
		}
		return steps
	}
	e.at(n, "%s must be a list of steps, not %s", section, n.kind)
	return nil
}

// checkEntry validates one deployment entry in place, normalising the
// values pydantic coerces. It returns false when the entry is not a mapping.
func checkEntry(n *node, e *errs, r rules) bool {
	if n.kind != mapKind {
		e.at(n, "a deployment entry must be a mapping, not %s", n.kind)
		return false
	}
	for i, k := range n.keys {
		v := n.vals[i]
		switch k {
		case "name", "version", "version_type", "description", "flow_name", "entrypoint":
			checkString(v, k, e)
			if k == "version_type" && v.kind == strKind && !slices.Contains(validVersionTypes, v.s) {
				e.at(v, "unknown version_type %q (Prefect knows %s)", v.s, strings.Join(validVersionTypes, ", "))
			}
		case "tags":
			if !v.isNull() && v.kind != strKind && v.kind != seqKind {
				e.at(v, "tags must be a list of strings, not %s", v.kind)
			}
		case "paused", "enforce_parameter_schema":
			checkBool(v, k, e)
		case "concurrency_limit":
			checkConcurrency(v, e)
		case "parameters":
			if v.kind != mapKind {
				e.at(v, "parameters must be a mapping, not %s", v.kind)
			}
		case "schedule":
			switch {
			case v.isNull():
			case v.kind == mapKind:
				checkSchedule(v, e, r)
			case r.strict(strictLegacySchedule):
				e.at(v, "schedule must be a single mapping with one of cron, interval or rrule, not %s: %s; list schedules under schedules:", v.kind, r.strictNote(strictLegacySchedule))
			}
		case "schedules":
			switch v.kind {
			case nullKind:
			case seqKind:
				for _, s := range v.seq {
					checkSchedule(s, e, r)
				}
			default:
				e.at(v, "schedules must be a list, not %s", v.kind)
			}
		case "build", "push", "pull":
			if !v.isNull() && v.kind != seqKind && v.kind != mapKind {
				e.at(v, "%s must be a list of steps, not %s", k, v.kind)
			} else if v.kind == seqKind {
				for _, s := range v.seq {
					if s.kind != mapKind {
						e.at(s, "each %s step must be a mapping, not %s", k, s.kind)
					}
				}
			}
		case "work_pool":
			checkWorkPool(v, e)
		case "triggers":
			switch v.kind {
			case nullKind:
			case seqKind:
				for _, t := range v.seq {
					if t.kind != mapKind {
						e.at(t, "each trigger must be a mapping, not %s", t.kind)
					}
				}
			default:
				e.at(v, "triggers must be a list, not %s", v.kind)
			}
		case "sla":
			if !v.isNull() {
				e.at(v, "sla is not supported: service-level agreements are a Prefect Cloud feature that this tool does not create; remove the key")
			}
		}
	}
	return true
}

func checkString(v *node, key string, e *errs) {
	switch v.kind {
	case nullKind, strKind:
	case timeKind:
		e.at(v, "%s must be a string; Prefect's YAML reader turns this unquoted value into a timestamp, so quote it", key)
	default:
		e.at(v, "%s must be a string, not %s (quote it)", key, v.kind)
	}
}

// checkBool validates an Optional[bool] field and stores the coerced value.
func checkBool(v *node, key string, e *errs) {
	if v.isNull() {
		return
	}
	b, ok := laxBool(v)
	if !ok {
		e.at(v, "%s must be true or false, not %s", key, describe(v))
		return
	}
	*v = node{kind: boolKind, b: b, line: v.line, col: v.col}
}

// checkConcurrency validates concurrency_limit: an integer or
// {limit, collision_strategy, grace_period_seconds}.
func checkConcurrency(v *node, e *errs) {
	switch v.kind {
	case nullKind:
		return
	case mapKind:
		for i, k := range v.keys {
			f := v.vals[i]
			switch k {
			case "limit", "grace_period_seconds":
				if f.isNull() {
					continue
				}
				n, ok := laxInt(f)
				if !ok {
					e.at(f, "concurrency_limit.%s must be an integer, not %s", k, describe(f))
					continue
				}
				*f = node{kind: intKind, i: n, line: f.line, col: f.col}
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
	*v = node{kind: intKind, i: n, line: v.line, col: v.col}
}

func checkWorkPool(v *node, e *errs) {
	switch v.kind {
	case nullKind:
		e.at(v, "work_pool must be a mapping with a name")
		return
	case mapKind:
	default:
		e.at(v, "work_pool must be a mapping, not %s", v.kind)
		return
	}
	for i, k := range v.keys {
		f := v.vals[i]
		switch k {
		case "name", "work_queue_name":
			checkString(f, "work_pool."+k, e)
		case "job_variables":
			if f.kind != mapKind {
				e.at(f, "work_pool.job_variables must be a mapping, not %s", f.kind)
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
	if s.kind != mapKind {
		e.at(s, "a schedule must be a mapping with one of cron, interval or rrule, not %s", s.kind)
		return
	}
	onlyInterval := true
	for _, k := range s.keys {
		if k != "interval" && k != "anchor_date" && k != "timezone" {
			onlyInterval = false
		}
	}
	kinds := 0
	for i, k := range s.keys {
		v := s.vals[i]
		switch k {
		case "cron", "rrule", "timezone", "slug", "replaces":
			checkString(v, k, e)
		case "anchor_date":
			if v.kind == timeKind && onlyInterval {
				v.kind = strKind
			} else {
				checkString(v, k, e)
			}
		case "interval":
			if v.isNull() {
				break
			}
			if _, err := parseInterval(v); err != nil {
				e.at(v, "interval %s", err)
			}
		case "active", "day_or":
			switch v.kind {
			case nullKind, boolKind, strKind:
			default:
				if b, ok := laxBool(v); ok {
					*v = node{kind: boolKind, b: b, line: v.line, col: v.col}
				} else {
					e.at(v, "%s must be true or false, not %s", k, describe(v))
				}
			}
		case "parameters":
			if v.kind != mapKind {
				e.at(v, "schedule parameters must be a mapping, not %s", v.kind)
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
		if (k == "cron" || k == "interval" || k == "rrule") && !v.isNull() {
			kinds++
		}
	}
	if kinds != 1 {
		e.at(s, "a schedule needs exactly one of cron, interval or rrule")
	}
}

// describe renders a scalar for an error message.
func describe(v *node) string {
	switch v.kind {
	case strKind:
		return "the string " + quoteShort(v.s)
	case nullKind:
		return "null"
	case seqKind, mapKind:
		return v.kind.String()
	case timeKind:
		return "the timestamp " + v.s
	}
	return pyRepr(v.value())
}

func quoteShort(s string) string {
	if r := []rune(s); len(r) > 60 {
		s = string(r[:57]) + "…"
	}
	return `"` + s + `"`
}
