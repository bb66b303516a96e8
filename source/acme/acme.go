// Package acme reads acme-portal-sdk's static_flow_deploy_config.yaml (the file
// `aps-prefect-deploy deploy -static-flow-config-path` takes) as it is: a front-end that maps
// its keys onto the deployment vocabulary ([vocab], through [config.File]), so the same file
// deploys what aps-prefect-deploy deploys.
//
// What the file means, from acme-portal-sdk 1.2.0 (prefect/flow_deploy.py PrefectDeployInfoPrep,
// prefect/prefect_deploy.py), read with Python's yaml.safe_load ([yamlfile.PyYAML]):
//
//   - The top level maps a flow's underscore name (its @flow name or function name, "-" read as
//     "_") to its settings; a flow the file does not list deploys with the defaults.
//   - The keys read: work_pool_name, work_queue_name, parameters, cron (one cron schedule, no
//     time zone), paused, concurrency_limit, description, triggers.
//   - triggers maps a class name to its keyword arguments — DeploymentEventTrigger,
//     DeploymentMetricTrigger, DeploymentCompoundTrigger, DeploymentSequenceTrigger, one
//     trigger a class — which become Prefect's {type: event|metric|compound|sequence, ...}.
//   - The defaults: work pool "ecs-pool" (DEFAULT_WORK_POOL), concurrency limit 1, paused
//     false, the flow's own description (decorator or docstring).
//   - The flows run from the image passed as -image-uri, in the image's own working directory:
//     flow.deploy(image=..., build=False, push=False) stores no pull step and path "." — here
//     the code source {type: image, use_image_workdir: true}.
//   - name and import_path (in the SDK's documented example) are not read: the flow finder
//     scans the source. Here they are warnings at file:line, as is any other key the SDK does
//     not read (with a "did you mean").
//
// What differs, on purpose (the README's "Coming from aps-prefect-deploy" lists it too):
//
//   - paused false is not enforced: a redeploy keeps a pause made in the UI unless the file
//     sets paused, as for every config file here (aps-prefect-deploy unpauses on every deploy);
//   - a flow key that names no flow found in the source is an error (aps-prefect-deploy skips
//     it), and so is an unknown trigger class (aps-prefect-deploy fails on it, after deploying
//     the flows before it);
//   - the product's own additions: the ENV tag, the Prefect labels, the full commit in
//     COMMIT_HASH (acme's workflows pass `git rev-parse --short HEAD`).
//
// The project's flow finder (.acme_portal_sdk/flow_finder.py) says which directory acme scans
// (PrefectFlowFinder(root_dir=...)); [Parse] reads its string literals into the source root.
package acme

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/config"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/fileerr"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/vocab"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/yamlfile"
)

// valueBudget caps the values one setting expands to, so nested aliases fail instead of
// eating memory.
const valueBudget = 100_000

// FileName is where acme-portal-sdk projects keep the file, relative to the project root.
const FileName = ".acme_portal_sdk/static_flow_deploy_config.yaml"

// FlowFinderFile is the project's flow finder, next to the file; its PrefectFlowFinder's
// root_dir is the directory acme-portal-sdk scans for flows.
const FlowFinderFile = "flow_finder.py"

// DefaultWorkPool is acme-portal-sdk's DEFAULT_WORK_POOL.
const DefaultWorkPool = "ecs-pool"

// DefaultConcurrencyLimit is the concurrency limit aps-prefect-deploy gives a flow whose entry
// sets none.
const DefaultConcurrencyLimit = 1

// Keys are the keys aps-prefect-deploy reads from a flow's entry.
var Keys = []string{"work_pool_name", "work_queue_name", "parameters", "cron", "paused", "concurrency_limit", "description", "triggers"}

// ignoredKeys are in the SDK's documented example but never read.
var ignoredKeys = []string{"name", "import_path"}

// TriggerTypes maps acme's trigger class names to Prefect's deployment trigger types.
var TriggerTypes = map[string]string{
	"DeploymentEventTrigger":    "event",
	"DeploymentMetricTrigger":   "metric",
	"DeploymentCompoundTrigger": "compound",
	"DeploymentSequenceTrigger": "sequence",
}

// Detect reports whether the file at path with contents data is acme-portal-sdk's: it is named
// static_flow_deploy_config.yaml, or its top level has none of prefect-deploy.yaml's keys and
// maps names to entries holding keys only acme's file has (work_pool_name, import_path, ...).
func Detect(path string, data []byte) bool {
	if filepath.Base(path) == filepath.Base(FileName) {
		return true
	}
	doc, err := yamlfile.Read(path, data, yamlfile.PyYAML)
	if err != nil || doc.Root == nil || doc.Root.Kind != yamlfile.Map {
		return false
	}
	found := false
	for i, k := range doc.Root.Keys {
		if slices.Contains(config.TopKeys(), k) {
			return false
		}
		v := doc.Root.Vals[i]
		if v.Kind != yamlfile.Map {
			continue
		}
		for _, key := range v.Keys {
			if slices.Contains(Keys, key) || slices.Contains(ignoredKeys, key) {
				found = true
			}
		}
	}
	return found
}

// reader collects the problems and warnings of one file.
type reader struct {
	file     string
	errs     fileerr.Errors
	warnings []string
}

func (r *reader) errorf(n *yamlfile.Node, format string, args ...any) {
	r.errs = append(r.errs, &fileerr.Error{File: r.file, Line: max(n.Line, 1), Column: max(n.Col, 1), Message: fmt.Sprintf(format, args...)})
}

func (r *reader) warnf(n *yamlfile.Node, format string, args ...any) {
	r.warnings = append(r.warnings, fmt.Sprintf("%s:%d:%d: %s", r.file, max(n.Line, 1), max(n.Col, 1), fmt.Sprintf(format, args...)))
}

// Parse reads acme-portal-sdk's file; path is used in positions and to find the flow finder
// next to it. The File has Format [config.FormatAcme], acme's defaults (see the package
// documentation), a flow entry per top-level key, SourceRoot from the flow finder when its
// root_dir can be read, and Warnings for what has no effect. Every problem is returned at once.
func Parse(path string, data []byte) (*config.File, error) {
	r := &reader{file: path}
	pool := DefaultWorkPool
	f := &config.File{Path: path, Format: config.FormatAcme, Defaults: config.Settings{
		WorkPool:         &pool,
		ConcurrencyLimit: &config.ConcurrencyLimit{Limit: DefaultConcurrencyLimit},
		CodeSource:       &config.CodeSource{Type: vocab.CodeSourceImage, ImageWorkdir: true},
	}}
	doc, ferr := yamlfile.Read(path, data, yamlfile.PyYAML)
	if ferr != nil {
		return nil, fileerr.Errors{ferr}
	}
	switch {
	case doc.Extra != nil:
		r.errorf(doc.Extra, "only one YAML document is allowed (yaml.safe_load refuses a second one)")
	case doc.ExtraErr != nil:
		r.errs = append(r.errs, doc.ExtraErr)
	}
	if root := doc.Root; root != nil && root.Kind != yamlfile.Null {
		if root.Kind != yamlfile.Map {
			r.errorf(root, "expected a mapping of flow names to their settings at the top level, got %s", root.Kind)
		} else {
			r.problems(root, "top level")
			f.Flows = map[string]*config.Flow{}
			for i, key := range root.Keys {
				kn := root.KeyNode(i)
				std := naming.StandardizeFlow(key)
				if std == "" {
					r.errorf(kn, "flow key %q has no ASCII letter or digit", key)
					continue
				}
				if first, dup := f.Flows[std]; dup {
					r.errorf(kn, "flow keys %q and %q (line %d) are the same flow %q; keep one", key, first.Key, first.Line, std)
					continue
				}
				f.Flows[std] = r.flow(kn, root.Vals[i])
			}
		}
	}
	f.SourceRoot = r.sourceRoot(path)
	if len(r.errs) > 0 {
		return nil, r.errs.Sorted()
	}
	f.Warnings = r.warnings
	return f, nil
}

// problems reports what the reader found wrong in mapping n (keys that are not strings).
func (r *reader) problems(n *yamlfile.Node, at string) {
	for _, pb := range n.Problems {
		if pb.Kind == yamlfile.BadKey {
			r.errorf(pb.At, "%s: keys must be strings, got %s", at, pb.At.Kind)
		}
	}
}

// scalarProblem reports a value yaml.safe_load cannot construct; it says whether there was one.
func (r *reader) scalarProblem(n *yamlfile.Node, at string) bool {
	bad := false
	for _, pb := range n.Problems {
		if pb.Kind == yamlfile.Scalar {
			r.errorf(n, "%s: %s", at, pb.Message)
			bad = true
		}
	}
	return bad
}

// flow reads one flow's entry.
func (r *reader) flow(key, n *yamlfile.Node) *config.Flow {
	fl := &config.Flow{Key: key.Str, Line: key.Line}
	at := key.Str
	switch n.Kind {
	case yamlfile.Null:
		r.warnf(key, "%s: no settings: the flow deploys with acme's defaults (aps-prefect-deploy fails on an empty entry)", at)
		return fl
	case yamlfile.Map:
	default:
		r.errorf(n, "%s: expected a mapping of settings, got %s", at, n.Kind)
		return fl
	}
	r.problems(n, at)
	s := &fl.Settings
	var ignored []string
	var ignoredAt *yamlfile.Node
	for i, k := range n.Keys {
		kn, v, kp := n.KeyNode(i), n.Vals[i], at+"."+k
		if slices.Contains(ignoredKeys, k) {
			if ignoredAt == nil {
				ignoredAt = kn
			}
			ignored = append(ignored, fmt.Sprintf("%s (line %d)", k, kn.Line))
			continue
		}
		if !slices.Contains(Keys, k) {
			hint := ""
			if sug := config.Suggest(k, Keys); sug != "" {
				hint = fmt.Sprintf("; did you mean %q?", sug)
			} else if slices.Contains(config.SettingKeys(), k) {
				hint = "; it is a prefect-deploy.yaml key, and this file is read as acme-portal-sdk's (move it to a prefect-deploy.yaml, or use --config-format prefect-deploy for a file in that format)"
			}
			r.warnf(kn, "%s: unknown key, it has no effect (aps-prefect-deploy reads only %s)%s", kp, strings.Join(Keys, ", "), hint)
			continue
		}
		if v.Kind == yamlfile.Null || r.scalarProblem(v, kp) {
			continue // a null is not set: the default applies, as the SDK's .get() gives it
		}
		switch k {
		case "work_pool_name":
			s.WorkPool = r.name(v, kp)
		case "work_queue_name":
			s.WorkQueue = r.name(v, kp)
		case "description":
			if v.Kind != yamlfile.Str {
				r.errorf(v, "%s: expected a string, got %s", kp, v.Kind)
				continue
			}
			d := v.Str
			s.Description = &d
		case "parameters":
			if v.Kind != yamlfile.Map {
				r.errorf(v, "%s: expected a mapping of parameter names to values, got %s", kp, v.Kind)
				continue
			}
			s.Parameters, _ = r.value(v, kp).(map[string]any)
		case "cron":
			expr := r.name(v, kp)
			if expr == nil {
				continue
			}
			if err := vocab.CheckCron(*expr); err != nil {
				r.errorf(v, "%s: %v", kp, err)
				continue
			}
			s.Schedules, s.SchedulesSet = []config.Schedule{{Cron: strings.TrimSpace(*expr), Line: v.Line}}, true
		case "paused":
			if v.Kind != yamlfile.Bool {
				r.errorf(v, "%s: expected true or false, got %s", kp, v.Kind)
				continue
			}
			b := v.Bool
			s.Paused = &b
		case "concurrency_limit":
			s.ConcurrencyLimit = r.concurrency(v, kp)
		case "triggers":
			s.Triggers, s.TriggersSet = r.triggers(v, kp)
		}
	}
	if len(ignored) > 0 {
		r.warnf(ignoredAt, "%s: %s: no effect, flows are found by scanning the source (aps-prefect-deploy's flow finder does not read them either)", at, strings.Join(ignored, " and "))
	}
	return fl
}

// name reads a non-empty string.
func (r *reader) name(v *yamlfile.Node, at string) *string {
	if v.Kind != yamlfile.Str {
		r.errorf(v, "%s: expected a string, got %s", at, v.Kind)
		return nil
	}
	if strings.TrimSpace(v.Str) == "" {
		r.errorf(v, "%s: must not be empty", at)
		return nil
	}
	s := v.Str
	return &s
}

// value converts n to plain Go values, reporting what yaml.safe_load cannot construct.
func (r *reader) value(n *yamlfile.Node, at string) any {
	bad := false
	var walk func(n *yamlfile.Node, at string)
	walk = func(n *yamlfile.Node, at string) {
		if r.scalarProblem(n, at) {
			bad = true
		}
		switch n.Kind {
		case yamlfile.Map:
			r.problems(n, at)
			for i, k := range n.Keys {
				walk(n.Vals[i], at+"."+k)
			}
		case yamlfile.Seq:
			for i, item := range n.Items {
				walk(item, fmt.Sprintf("%s[%d]", at, i))
			}
		}
	}
	e := yamlfile.Expand(n, valueBudget, at+": too many values (nested aliases?)", func(at *yamlfile.Node, msg string) {
		r.errorf(at, "%s", msg)
		bad = true
	})
	if bad {
		return nil
	}
	walk(e, at)
	if bad {
		return nil
	}
	return e.Value()
}

// concurrency reads concurrency_limit: an integer, as the SDK passes it to flow.deploy, or
// the mapping Prefect's ConcurrencyLimitConfig takes.
func (r *reader) concurrency(v *yamlfile.Node, at string) *config.ConcurrencyLimit {
	limit := func(n *yamlfile.Node, at string) (int, bool) {
		if n.Kind != yamlfile.Int || n.Overflow {
			r.errorf(n, "%s: expected a whole number, got %s", at, n.Kind)
			return 0, false
		}
		if n.Int < 1 {
			r.errorf(n, "%s: must be at least 1, got %d", at, n.Int)
			return 0, false
		}
		return int(n.Int), true
	}
	if v.Kind != yamlfile.Map {
		n, ok := limit(v, at)
		if !ok {
			return nil
		}
		return &config.ConcurrencyLimit{Limit: n}
	}
	var c config.ConcurrencyLimit
	ok := true
	if lv, has := v.Get("limit"); !has {
		r.errorf(v, "%s: limit is required", at)
		ok = false
	} else if c.Limit, ok = limit(lv, at+".limit"); !ok {
		ok = false
	}
	for i, k := range v.Keys {
		val := v.Vals[i]
		switch k {
		case "limit":
		case "collision_strategy":
			if val.Kind != yamlfile.Str || !vocab.IsCollisionStrategy(val.Str) {
				r.errorf(val, "%s.collision_strategy: must be one of %s", at, strings.Join(vocab.CollisionStrategies, ", "))
				ok = false
				continue
			}
			c.CollisionStrategy = val.Str
		case "grace_period_seconds":
			if val.Kind != yamlfile.Int || !vocab.GoodGracePeriod(int(val.Int)) {
				r.errorf(val, "%s.grace_period_seconds: must be a whole number of seconds from %d to %d", at, vocab.MinGracePeriod, vocab.MaxGracePeriod)
				ok = false
				continue
			}
			g := int(val.Int)
			c.GracePeriodSeconds = &g
		default:
			r.errorf(v.KeyNode(i), "%s.%s: unknown key; use limit, collision_strategy, grace_period_seconds", at, k)
			ok = false
		}
	}
	if c.GracePeriodSeconds != nil && c.CollisionStrategy == "" {
		r.errorf(v, "%s.grace_period_seconds: needs collision_strategy", at)
		ok = false
	}
	if !ok {
		return nil
	}
	return &c
}

// triggers reads acme's triggers mapping, {DeploymentEventTrigger: {...}, ...}, into Prefect's
// deployment trigger form, [{type: event, ...}], in file order.
func (r *reader) triggers(v *yamlfile.Node, at string) ([]map[string]any, bool) {
	if v.Kind != yamlfile.Map {
		r.errorf(v, "%s: expected a mapping of trigger classes (DeploymentEventTrigger, ...) to their arguments, got %s", at, v.Kind)
		return nil, false
	}
	classes := make([]string, 0, len(TriggerTypes))
	for c := range TriggerTypes {
		classes = append(classes, c)
	}
	slices.Sort(classes)
	out := []map[string]any{}
	ok := true
	for i, class := range v.Keys {
		kn, args, kp := v.KeyNode(i), v.Vals[i], at+"."+class
		typ, known := TriggerTypes[class]
		if !known {
			hint := ""
			if sug := config.Suggest(class, classes); sug != "" {
				hint = fmt.Sprintf("; did you mean %q?", sug)
			}
			r.errorf(kn, "%s: unknown trigger class (aps-prefect-deploy fails on it too); use one of %s%s", kp, strings.Join(classes, ", "), hint)
			ok = false
			continue
		}
		m := map[string]any{}
		switch args.Kind {
		case yamlfile.Null:
		case yamlfile.Map:
			if m, _ = r.value(args, kp).(map[string]any); m == nil {
				ok = false
				continue
			}
		default:
			r.errorf(args, "%s: expected the trigger's arguments as a mapping, got %s", kp, args.Kind)
			ok = false
			continue
		}
		if t, has := m["type"]; has && t != typ {
			r.errorf(kn, "%s: the class makes a%s %s trigger, but type says %v; remove type", kp, map[bool]string{true: "n"}[typ == "event"], typ, t)
			ok = false
			continue
		}
		m["type"] = typ
		out = append(out, m)
	}
	if !ok {
		return nil, false
	}
	return out, true
}

var (
	finderCallRE = regexp.MustCompile(`PrefectFlowFinder\s*\(`)
	stringLitRE  = regexp.MustCompile(`"([^"\\]*)"|'([^'\\]*)'`)
)

// sourceRoot reads the root_dir of the flow finder next to the file, as the source root
// relative to the file's directory: the string literals of its PrefectFlowFinder(...) call
// joined as a path under the project root (the file's directory's parent, where
// aps-prefect-deploy runs), so `str(project_root / "src" / "acme_prefect")` gives
// ../src/acme_prefect. Without a flow finder it is "" (the whole checkout is scanned); one it
// cannot read is a warning.
func (r *reader) sourceRoot(file string) string {
	finder := filepath.Join(filepath.Dir(file), FlowFinderFile)
	src, err := os.ReadFile(finder)
	if err != nil {
		return ""
	}
	fallback := "flows are looked for in the whole checkout (pass --source-root to say where)"
	loc := finderCallRE.FindIndex(src)
	if loc == nil {
		r.warnings = append(r.warnings, fmt.Sprintf("%s: no PrefectFlowFinder(...) in it; %s", finder, fallback))
		return ""
	}
	line := bytes.Count(src[:loc[0]], []byte("\n")) + 1
	depth, end := 1, -1
	for i := loc[1]; i < len(src) && end < 0; i++ {
		switch src[i] {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				end = i
			}
		}
	}
	var parts []string
	if args := string(src[loc[1]:max(end, loc[1])]); end >= 0 && !strings.Contains(args, "environ") && !strings.Contains(args, "getenv") && !strings.Contains(args, "[") {
		for _, m := range stringLitRE.FindAllSubmatch(src[loc[1]:end], -1) {
			for seg := range strings.SplitSeq(string(m[1])+string(m[2]), "/") {
				if seg != "" && seg != "." {
					parts = append(parts, seg)
				}
			}
		}
	}
	if len(parts) == 0 || slices.Contains(parts, "..") || strings.HasPrefix(string(src[loc[1]:]), "\"/") {
		r.warnings = append(r.warnings, fmt.Sprintf("%s:%d: cannot tell PrefectFlowFinder's root_dir from its string literals; %s", finder, line, fallback))
		return ""
	}
	return path.Join(append([]string{".."}, parts...)...)
}
