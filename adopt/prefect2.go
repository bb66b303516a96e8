package adopt

import (
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/source/discover"
)

// Prefect2Calls are the qualified names under which a Prefect 2 deployment file calls
// Deployment.build_from_flow.
var Prefect2Calls = []string{
	"prefect.deployments.Deployment.build_from_flow",
	"prefect.deployments.deployments.Deployment.build_from_flow",
	"prefect.Deployment.build_from_flow",
}

// noEffect are build_from_flow arguments that steer how Prefect 2 built or uploaded the
// deployment, not the deployment: a prefect.yaml entry has nothing to say about them.
var noEffect = map[string]string{
	"output":                   "it wrote the deployment's YAML file",
	"skip_upload":              "it skipped the storage upload",
	"ignore_file":              "it chose what the storage upload left out",
	"apply":                    "the file's deployment is applied by deploy",
	"load_existing":            "it merged the server's deployment in",
	"timestamp":                "the server sets it",
	"parameter_openapi_schema": "deploy reads the schema from the flow's signature",
	"flow_name":                "the entrypoint's flow decides it",
}

// infraJobVariables are the infrastructure block fields that are job variables of Prefect 3's
// workers under the same name.
var infraJobVariables = []string{"image", "env", "namespace", "service_account_name", "image_pull_policy", "stream_output", "labels", "name", "command", "working_dir", "cpu", "memory", "cluster", "networks", "volumes"}

// Problem is an error in a deployment file, at its position.
type Problem struct {
	File      string
	Line, Col int
	Msg       string
}

func (p Problem) Error() string { return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Col, p.Msg) }

// FromPrefect2 reads the Deployment.build_from_flow(...) calls of the files that match, as
// discovered (with [discover.Options.Calls] set to [Prefect2Calls]) in root, into entries. A
// call that cannot make a deployment (no literal name, a flow that is not found) is a problem;
// anything a prefect.yaml entry cannot carry (infrastructure and storage blocks, a value that
// is not a literal) is a note on its entry.
func FromPrefect2(root string, res *discover.Result, match func(file string) bool, opts Options) ([]Entry, []Problem) {
	var entries []Entry
	var problems []Problem
	for _, c := range res.Calls {
		if !match(c.File) {
			continue
		}
		e, ps := fromCall(root, res, c, opts)
		problems = append(problems, ps...)
		if len(ps) == 0 {
			entries = append(entries, e)
		}
	}
	return entries, problems
}

// buildFromFlowParams are build_from_flow's positional parameters, in order.
var buildFromFlowParams = []string{"flow", "name", "output", "skip_upload", "ignore_file", "apply", "load_existing"}

func fromCall(root string, res *discover.Result, c discover.Call, opts Options) (Entry, []Problem) {
	at := func(v discover.Value, format string, args ...any) Problem {
		line, col := v.Line, v.Col
		if line == 0 {
			line, col = c.Line, c.Col
		}
		return Problem{File: c.File, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
	}
	// Prefect 2's Deployment did not enforce the parameter schema unless told to (measured on a
	// 2.20 server: build_from_flow stores enforce_parameter_schema false).
	e := Entry{Source: fmt.Sprintf("%s:%d", c.File, c.Line), EnforceParameterSchema: false, Tags: []string{}}
	note := func(lost bool, v discover.Value, format string, args ...any) {
		e.note(lost, fmt.Sprintf("%s:%d:%d: ", c.File, v.Line, v.Col)+fmt.Sprintf(format, args...))
	}
	args := map[string]discover.Value{}
	var order []string
	var problems []Problem
	for i, v := range c.Args {
		if i >= len(buildFromFlowParams) || strings.HasPrefix(v.Text, "*") {
			problems = append(problems, at(v, "positional argument %s of build_from_flow is not read: pass it by keyword", v.Text))
			continue
		}
		args[buildFromFlowParams[i]] = v
		order = append(order, buildFromFlowParams[i])
	}
	for _, kw := range c.Kwargs {
		args[kw.Name] = kw.Value
		order = append(order, kw.Name)
	}
	nameV, ok := args["name"]
	name, isStr := nameV.Literal.(string)
	switch {
	case !ok:
		problems = append(problems, at(discover.Value{}, "build_from_flow has no name="))
	case !nameV.IsLiteral || !isStr || name == "":
		problems = append(problems, at(nameV, "name=%s is not a string literal: adopt cannot know the deployment's name", nameV.Text))
	}
	e.Name = name
	flowV, ok := args["flow"]
	if !ok {
		problems = append(problems, at(discover.Value{}, "build_from_flow has no flow="))
	} else if f, why := findFlow(root, res, c.File, flowV); why != "" {
		problems = append(problems, at(flowV, "flow=%s: %s", flowV.Text, why))
	} else {
		e.FlowName, e.Entrypoint = f.Name, f.Entrypoint
	}
	if len(problems) > 0 {
		return e, problems
	}
	literal := func(k string, v discover.Value) (any, bool) {
		if !v.IsLiteral {
			note(true, v, "%s=%s is not a literal (nor a constant adopt can evaluate): set %s in the entry by hand", k, v.Text, k)
			return nil, false
		}
		return v.Literal, true
	}
	str := func(k string, v discover.Value) (string, bool) {
		x, ok := literal(k, v)
		if !ok || x == nil {
			return "", false
		}
		s, isStr := x.(string)
		if !isStr {
			note(true, v, "%s=%s is not a string: left out", k, v.Text)
		}
		return s, isStr
	}
	inactive := false
	for _, k := range order {
		v := args[k]
		switch k {
		case "flow", "name":
		case "entrypoint":
			if s, ok := str(k, v); ok {
				file, _, _ := strings.Cut(s, ":")
				if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(file))); err != nil {
					problems = append(problems, at(v, "entrypoint=%s: %s is not in this repository (Prefect 2 read it from the storage block's code): adopt in the repository that holds it, or leave entrypoint= out so that flow= decides", v.Text, file))
					continue
				}
				e.Entrypoint = s
			}
		case "version":
			if s, ok := str(k, v); ok {
				e.Version = s
			}
		case "description":
			if s, ok := str(k, v); ok {
				e.Description = &s
			}
		case "work_queue_name":
			if s, ok := str(k, v); ok {
				e.WorkQueue = s
			}
		case "work_pool_name", "work_queue_pool":
			if s, ok := str(k, v); ok {
				e.WorkPool = s
			}
		case "tags":
			if x, ok := literal(k, v); ok {
				list, _ := x.([]any)
				for _, t := range list {
					if s, ok := t.(string); ok {
						e.Tags = append(e.Tags, s)
					}
				}
				if list == nil || len(e.Tags) != len(list) {
					note(true, v, "tags=%s is not a list of strings: left out", v.Text)
				}
			}
		case "parameters":
			if x, ok := literal(k, v); ok {
				if m, isMap := x.(map[string]any); isMap {
					e.Parameters = m
				} else {
					note(true, v, "parameters=%s is not a dict: left out", v.Text)
				}
			}
		case "infra_overrides", "job_variables":
			if x, ok := literal(k, v); ok {
				if m, isMap := x.(map[string]any); isMap {
					e.JobVariables = mergeJobVariables(e.JobVariables, nested(m))
				} else {
					note(true, v, "%s=%s is not a dict: left out", k, v.Text)
				}
			}
		case "infrastructure":
			e.infrastructure(c, v)
		case "storage":
			note(true, v, "storage=%s: Prefect 3 has no storage blocks; a worker gets the code through the entry's pull steps (git_clone, or the pull step of your storage's collection such as prefect_aws.deployments.steps.pull_from_s3): add a pull section", v.Text)
		case "path":
			note(false, v, "path=%s: Prefect 3 deployments have no path; the pull steps decide where the code is", v.Text)
		case "schedule":
			if s, ok := e.schedule(c, v); ok {
				e.Schedules = append(e.Schedules, s)
			}
		case "schedules":
			items := v.Items
			if v.IsLiteral {
				if l, ok := v.Literal.([]any); ok && len(l) == 0 {
					items = []discover.Value{}
				}
			}
			if items == nil {
				note(true, v, "schedules=%s is not a list adopt can read: set schedules in the entry by hand", v.Text)
			}
			for _, item := range items {
				if s, ok := e.schedule(c, item); ok {
					e.Schedules = append(e.Schedules, s)
				}
			}
		case "is_schedule_active":
			if x, ok := literal(k, v); ok && x == false {
				inactive = true
			}
		case "paused":
			if x, ok := literal(k, v); ok && x == true {
				note(false, v, "paused=True: the entry does not say paused: true, so a deploy keeps the server's state; add it to pause a new deployment")
			}
		case "enforce_parameter_schema":
			if x, ok := literal(k, v); ok {
				if b, isBool := x.(bool); isBool {
					e.EnforceParameterSchema = b
				}
			}
		case "triggers":
			e.triggersFrom(c, v)
		default:
			if why, ok := noEffect[k]; ok {
				note(false, v, "%s= has no effect here (%s)", k, why)
				continue
			}
			note(true, v, "%s=%s is not a build_from_flow argument adopt knows: left out", k, v.Text)
		}
	}
	if len(problems) > 0 {
		return e, problems
	}
	if inactive {
		for i := range e.Schedules {
			e.Schedules[i].Active = false
		}
	}
	if e.WorkPool == "" && opts.WorkPool != "" {
		e.WorkPool = opts.WorkPool
		if e.WorkQueue != "" {
			note(false, discover.Value{Line: c.Line, Col: c.Col}, "no work_pool_name: Prefect 2 agents polled the work queue %q; it is now a queue of the work pool %s (--work-pool)", e.WorkQueue, opts.WorkPool)
		} else {
			note(false, discover.Value{Line: c.Line, Col: c.Col}, "no work_pool_name: the work pool is %s (--work-pool)", opts.WorkPool)
		}
	}
	e.JobVariables = e.jobVariables(e.JobVariables, opts)
	return e, nil
}

// findFlow finds the flow a flow= argument names: a function of the file itself, or one
// imported from a module found relative to the deployment file's directory (where
// `python x.deployment.py` looks first), then to the repository root.
func findFlow(root string, res *discover.Result, file string, v discover.Value) (discover.Flow, string) {
	var fn string
	var candidates []string
	switch {
	case v.Call != nil:
		return discover.Flow{}, "a call, not a flow function: adopt reads flow=<function> only"
	case v.Local:
		fn, candidates = v.Name, []string{file}
	case v.Qualified != "":
		i := strings.LastIndex(v.Qualified, ".")
		if i < 0 {
			return discover.Flow{}, "not a function"
		}
		mod := v.Qualified[:i]
		fn = v.Qualified[i+1:]
		dir := path.Dir(file)
		level := len(mod) - len(strings.TrimLeft(mod, "."))
		rel := strings.ReplaceAll(strings.TrimLeft(mod, "."), ".", "/")
		if level > 0 {
			base := dir
			for range level - 1 {
				base = path.Dir(base)
			}
			candidates = []string{path.Join(base, rel+".py"), path.Join(base, rel, "__init__.py")}
		} else {
			for _, base := range slices.Compact([]string{dir, "."}) {
				candidates = append(candidates, path.Join(base, rel+".py"), path.Join(base, rel, "__init__.py"))
			}
		}
	default:
		return discover.Flow{}, "not a name adopt can follow to a flow function"
	}
	candidates = slices.Compact(candidates)
	for _, cand := range candidates {
		for _, f := range res.Flows {
			if f.File == cand && f.Function == fn {
				return f, ""
			}
		}
	}
	for _, cand := range candidates {
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(cand))); err == nil {
			return discover.Flow{}, fmt.Sprintf("%s has no @flow function %s", cand, fn)
		}
	}
	return discover.Flow{}, fmt.Sprintf("the module is not in this repository (looked for %s)", strings.Join(candidates, ", "))
}

// nested turns Prefect 2's dotted override keys ("env.LOG_LEVEL": "DEBUG") into nested maps.
func nested(m map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts := strings.Split(k, ".")
		cur := out
		for _, p := range parts[:len(parts)-1] {
			next, ok := cur[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				cur[p] = next
			}
			cur = next
		}
		if sub, ok := m[k].(map[string]any); ok {
			if have, ok := cur[parts[len(parts)-1]].(map[string]any); ok {
				maps.Copy(have, sub)
			} else {
				cur[parts[len(parts)-1]] = maps.Clone(sub)
			}
			continue
		}
		cur[parts[len(parts)-1]] = m[k]
	}
	return out
}

// mergeJobVariables merges b over a, one level deep (env merges key by key).
func mergeJobVariables(a, b map[string]any) map[string]any {
	out := maps.Clone(a)
	if out == nil {
		out = map[string]any{}
	}
	for k, v := range b {
		if have, ok := out[k].(map[string]any); ok {
			if sub, ok := v.(map[string]any); ok {
				merged := maps.Clone(have)
				maps.Copy(merged, sub)
				out[k] = merged
				continue
			}
		}
		out[k] = v
	}
	return out
}

// lastPart is the last dotted component of a qualified name.
func lastPart(q string) string { return q[strings.LastIndex(q, ".")+1:] }

// infrastructure reads an infrastructure block made in the file (KubernetesJob(image=...)):
// the fields Prefect 3 workers take as job variables become job variables; a saved block
// (KubernetesJob.load("name")) or anything else is noted.
func (e *Entry) infrastructure(c discover.Call, v discover.Value) {
	pos := fmt.Sprintf("%s:%d:%d: ", c.File, v.Line, v.Col)
	call := v.Call
	if call == nil || call.Func == "" || strings.HasSuffix(call.Func, ".load") {
		e.note(true, pos+fmt.Sprintf("infrastructure=%s: infrastructure blocks are gone in Prefect 3; the work pool's base job template takes their place: create a pool of the matching type and set its job variables in the entry", v.Text))
		return
	}
	jv := map[string]any{}
	var left []string
	for _, kw := range call.Kwargs {
		if !slices.Contains(infraJobVariables, kw.Name) || !kw.Value.IsLiteral {
			left = append(left, kw.Name)
			continue
		}
		jv[kw.Name] = kw.Value.Literal
	}
	e.JobVariables = mergeJobVariables(jv, e.JobVariables) // infra_overrides win, as in Prefect 2
	msg := fmt.Sprintf("infrastructure=%s(...): a %s block; Prefect 3 runs it on a work pool (prefect work-pool create --type %s)", lastPart(call.Func), lastPart(call.Func), workerType(lastPart(call.Func)))
	if len(jv) > 0 {
		msg += "; " + strings.Join(slices.Sorted(maps.Keys(jv)), ", ") + " became job variables"
	}
	if len(left) > 0 {
		e.note(true, pos+msg+"; not carried over: "+strings.Join(left, ", ")+" (put them in the pool's base job template)")
		return
	}
	e.note(false, pos+msg)
}

func workerType(block string) string {
	switch block {
	case "KubernetesJob":
		return "kubernetes"
	case "DockerContainer":
		return "docker"
	case "ECSTask":
		return "ecs"
	case "CloudRunJob":
		return "cloud-run"
	case "AzureContainerInstanceJob":
		return "azure-container-instance"
	}
	return "process"
}

// schedule reads CronSchedule/IntervalSchedule/RRuleSchedule(...), or a wrapper holding one
// in schedule= (MinimalDeploymentSchedule, DeploymentScheduleCreate) with active=.
func (e *Entry) schedule(c discover.Call, v discover.Value) (Schedule, bool) {
	lost := func(why string) (Schedule, bool) {
		e.note(true, fmt.Sprintf("%s:%d:%d: schedule %s: %s: set it in the entry by hand", c.File, v.Line, v.Col, v.Text, why))
		return Schedule{}, false
	}
	call := v.Call
	if call == nil {
		return lost("not a schedule made in the file")
	}
	kw := map[string]discover.Value{}
	for _, k := range call.Kwargs {
		kw[k.Name] = k.Value
	}
	first := func(name string) (discover.Value, bool) {
		if x, ok := kw[name]; ok {
			return x, true
		}
		if len(call.Args) > 0 {
			return call.Args[0], true
		}
		return discover.Value{}, false
	}
	s := Schedule{Active: true}
	text := func(name string) (string, bool) {
		x, ok := kw[name]
		if !ok {
			return "", true
		}
		str, isStr := x.Literal.(string)
		return str, x.IsLiteral && (isStr || x.Literal == nil)
	}
	var ok bool
	switch lastPart(call.Func) {
	case "CronSchedule":
		x, has := first("cron")
		if s.Cron, ok = x.Literal.(string); !has || !ok {
			return lost("cron is not a string literal")
		}
		if d, has := kw["day_or"]; has {
			b, isBool := d.Literal.(bool)
			if !isBool {
				return lost("day_or is not True or False")
			}
			if !b {
				s.DayOr = &b
			}
		}
	case "IntervalSchedule":
		x, has := first("interval")
		switch n := x.Literal.(type) {
		case float64:
			s.Interval = n
		case int64:
			s.Interval = float64(n)
		default:
			return lost("interval is neither a number of seconds nor a timedelta adopt can evaluate")
		}
		if !has {
			return lost("no interval")
		}
		if a, has := kw["anchor_date"]; has {
			str, isStr := a.Literal.(string)
			if !a.IsLiteral || !isStr {
				return lost("anchor_date is not a literal date and time")
			}
			s.AnchorDate = str
		}
	case "RRuleSchedule":
		x, has := first("rrule")
		if s.RRule, ok = x.Literal.(string); !has || !ok {
			return lost("rrule is not a string literal")
		}
	case "MinimalDeploymentSchedule", "DeploymentScheduleCreate":
		inner, has := kw["schedule"]
		if !has {
			return lost("no schedule=")
		}
		s, ok := e.schedule(c, inner)
		if a, has := kw["active"]; has && ok {
			b, isBool := a.Literal.(bool)
			if !isBool {
				return lost("active is not True or False")
			}
			s.Active = b
		}
		return s, ok
	default:
		return lost(lastPart(call.Func) + " is not a Prefect schedule adopt knows")
	}
	tz, good := text("timezone")
	if !good {
		return lost("timezone is not a string literal")
	}
	s.Timezone = tz
	return s, true
}

// triggersFrom reads triggers=[DeploymentTrigger(...), ...] whose arguments are literals.
func (e *Entry) triggersFrom(c discover.Call, v discover.Value) {
	for _, item := range v.Items {
		if item.Call == nil {
			e.note(true, fmt.Sprintf("%s:%d:%d: trigger %s is not a trigger made in the file: set it in the entry's triggers by hand", c.File, item.Line, item.Col, item.Text))
			continue
		}
		t := map[string]any{}
		ok := true
		for _, kw := range item.Call.Kwargs {
			if !kw.Value.IsLiteral {
				ok = false
				break
			}
			t[kw.Name] = kw.Value.Literal
		}
		if !ok || len(item.Call.Args) > 0 {
			e.note(true, fmt.Sprintf("%s:%d:%d: trigger %s has arguments that are not literals: set it in the entry's triggers by hand", c.File, item.Line, item.Col, item.Text))
			continue
		}
		e.Triggers = append(e.Triggers, t)
	}
	if v.Items == nil && !(v.IsLiteral && v.Literal != nil) {
		e.note(true, fmt.Sprintf("%s:%d:%d: triggers=%s is not a list adopt can read: set the entry's triggers by hand", c.File, v.Line, v.Col, v.Text))
	}
}

// Glob reports whether a slash-separated path matches a pattern in which "**/" matches any
// number of directories, "*" any text within one and "?" one character.
func Glob(pattern, name string) bool {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		switch ch := pattern[i]; {
		case strings.HasPrefix(pattern[i:], "**/"):
			b.WriteString("(.*/)?")
			i += 2
		case strings.HasPrefix(pattern[i:], "**"):
			b.WriteString(".*")
			i++
		case ch == '*':
			b.WriteString("[^/]*")
		case ch == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(ch)))
		}
	}
	b.WriteString("$")
	ok, _ := regexp.MatchString(b.String(), strings.TrimPrefix(name, "./"))
	return ok
}
