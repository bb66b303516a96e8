package prefectyaml

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/vocab"
)

// Options controls which entries [Load] selects and how it fills in what
// prefect deploy would compute at deploy time.
type Options struct {
	// Env is the target environment. With Select "suffix" it selects the
	// entries whose name ends in "--<Env>".
	Env string
	// Select is "suffix" (the default: entry names ending in "--<Env>"),
	// "all" (every named entry), or a pattern as `prefect deploy --name`
	// takes it: "*" matches any text, and "flow/name" also matches the
	// entrypoint's function name (with "_" written "-").
	Select string
	// StepOutputs maps "step-id.key" to a value, e.g.
	// "build-image.image_name". A build or push step whose id has an entry
	// here is not run; its outputs are these values. A key without a dot is
	// a flat output ({{ key }}).
	StepOutputs map[string]string
	// Image, when set, is the "image" output of every docker
	// build_docker_image / push_docker_image step not given in StepOutputs,
	// with "image_name" and "tag" split from it. When empty, such a step's
	// outputs are derived from its own arguments (image_name, tag,
	// additional_tags), as the image CI built under that name.
	Image string
	// Getenv resolves {{ $VAR }}; nil means the process environment. A
	// variable for which Getenv returns "" counts as unset.
	Getenv func(string) string
	// RunScripts runs run_shell_script build and push steps. When false,
	// their outputs must come from StepOutputs.
	RunScripts bool
	// Dir is the working directory prefect deploy would run in ("" = the process's):
	// relative patterns, entrypoints and run_shell_script steps resolve against it.
	Dir string
	// PrefectVersion is the Prefect version of the server deployed to ("" =
	// unknown). Where supported prefect deploy versions disagree about a
	// file, its own prefect-version decides, else this version, else the
	// file is accepted as the most lenient supported version would (see
	// the package documentation).
	PrefectVersion string
}

// Deployment is one selected deployment entry, turned into what prefect
// deploy would send.
type Deployment struct {
	// File is the prefect.yaml path as the pattern gave it; Line is the
	// 1-based line of the entry (its first key, normally "- name:").
	File string
	Line int
	// Name is the deployment name after templating.
	Name string
	// FlowName is the flow's Prefect name, read from the entrypoint:
	// @flow(name="...") when it is a literal, else the function name with
	// "_" replaced by "-".
	FlowName string
	// Spec is the body of POST /deployments/, with FlowID left empty.
	Spec prefect.DeploymentSpec
	// Triggers are the entry's triggers after templating, each with the
	// default name "<deployment>__automation_<i>" when it has none; trigger
	// parameters are kept as written (only {{ $VAR }} resolved), so event
	// templates such as {{ event.name }} reach the server.
	Triggers []map[string]any
	// Variant tells this entry apart from the other selected entries of its flow ("" when it
	// is the only one): see [Variants]. A deploy that names deployments after their flow
	// appends it as <flow>.<variant>.
	Variant string `json:",omitempty"`
	// Builds are the prefect-docker build_docker_image steps that ran for this entry (its own
	// or the file's build section), with their templated arguments: what CI must build.
	Builds []ImageBuild `json:",omitempty"`
	// Warnings are "file:line:col: message" notes on what was ignored,
	// defaulted or left for the server or worker, in file order.
	Warnings []string
}

// located is a Deployment with the column of its entry, for errors.
type located struct {
	Deployment
	col int
}

// Load reads the prefect.yaml files matching patterns (filepath.Glob
// patterns relative to the working directory, or to opts.Dir; the files are
// read in sorted order) and returns the selected deployment entries in file
// order.
//
// Entrypoints, run_shell_script steps and the default pull step are
// relative to that same directory, as with `prefect deploy --prefect-file
// <file>` run from it.
//
// Every problem in every file is reported; the error is then [Errors], each
// printing as "file:line:col: message", and the deployments that had no
// problem are still returned.
func Load(patterns []string, opts Options) ([]Deployment, error) {
	dir := opts.Dir
	if dir == "" {
		dir = "."
	}
	return load(dir, patterns, opts)
}

// load is Load with dir as the working directory.
func load(dir string, patterns []string, opts Options) ([]Deployment, error) {
	var all Errors
	files, err := expand(dir, patterns)
	if err != nil {
		return nil, err
	}
	sel, err := newSelector(opts)
	if err != nil {
		return nil, err
	}
	lookup := func(k string) (string, bool) { return os.LookupEnv(k) }
	if opts.Getenv != nil {
		lookup = func(k string) (string, bool) {
			v := opts.Getenv(k)
			return v, v != ""
		}
	}
	supplied, flat := map[string]map[string]any{}, map[string]any{}
	for k, v := range opts.StepOutputs {
		id, key, ok := strings.Cut(k, ".")
		if !ok {
			flat[k] = v
			continue
		}
		if supplied[id] == nil {
			supplied[id] = map[string]any{}
		}
		supplied[id][key] = v
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("failed to resolve the working directory: %w", err)
	}
	cache := &flowCache{}
	versions := map[string]inferred{}
	var out []Deployment
	seen := map[string]*Deployment{}
	for _, f := range files {
		l := &fileLoader{
			file: f, dir: dir, absDir: absDir, opts: opts, lookup: lookup,
			errs: &errs{file: f}, supplied: supplied, flatSupplied: flat,
			flows: cache, stepCache: map[string]*stepResult{}, sel: sel, versions: versions,
		}
		deps := l.loadFile()
		for i := range deps {
			d := &deps[i].Deployment
			key := d.FlowName + "/" + d.Name
			if prev, dup := seen[key]; dup {
				l.errs.list = append(l.errs.list, &Error{File: d.File, Line: d.Line, Column: deps[i].col,
					Message: fmt.Sprintf("deployment %q of flow %q is also defined at %s:%d; both would write the same deployment", d.Name, d.FlowName, prev.File, prev.Line)})
				continue
			}
			seen[key] = d
			out = append(out, *d)
		}
		all = append(all, l.errs.list...)
	}
	for i, v := range Variants(out, opts.Env) {
		out[i].Variant = v
	}
	if len(all) > 0 {
		return out, all.Sorted()
	}
	return out, nil
}

// expand resolves the glob patterns relative to dir, sorted and without
// duplicates. A pattern that matches nothing is an error.
func expand(dir string, patterns []string) ([]string, error) {
	if len(patterns) == 0 {
		return nil, fmt.Errorf("failed to load prefect.yaml files: no file pattern given")
	}
	var files []string
	for _, p := range patterns {
		full := p
		if !filepath.IsAbs(p) {
			full = filepath.Join(dir, p)
		}
		matches, err := filepath.Glob(full)
		if err != nil {
			return nil, fmt.Errorf("failed to expand %q: %w", p, err)
		}
		var found []string
		for _, m := range matches {
			if info, err := os.Stat(m); err == nil && !info.IsDir() {
				if !filepath.IsAbs(p) && dir != "." {
					if rel, err := filepath.Rel(dir, m); err == nil {
						m = rel
					}
				}
				found = append(found, m)
			}
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("failed to load %q: no file matches", p)
		}
		files = append(files, found...)
	}
	slices.Sort(files)
	return slices.Compact(files), nil
}

// selector decides which entries Load returns.
type selector struct {
	suffix string
	all    bool
	flow   *regexp.Regexp
	name   *regexp.Regexp
}

func newSelector(opts Options) (*selector, error) {
	switch opts.Select {
	case "", "suffix":
		if opts.Env == "" {
			return nil, fmt.Errorf("failed to select deployments: an environment is required to select entries named \"<name>--<env>\"")
		}
		return &selector{suffix: "--" + opts.Env}, nil
	case "all":
		return &selector{all: true}, nil
	}
	pattern := func(p string) *regexp.Regexp {
		return regexp.MustCompile("^(?:" + strings.ReplaceAll(regexp.QuoteMeta(p), `\*`, ".*") + ")$")
	}
	s := &selector{}
	if flow, name, ok := strings.Cut(opts.Select, "/"); ok {
		s.flow, s.name = pattern(flow), pattern(name)
	} else {
		s.name = pattern(opts.Select)
	}
	return s, nil
}

func (s *selector) match(name, entrypoint string) bool {
	switch {
	case s.all:
		return true
	case s.suffix != "":
		return strings.HasSuffix(name, s.suffix)
	}
	if s.flow != nil {
		_, fn, _ := cutLast(entrypoint, ":")
		if !s.flow.MatchString(strings.ReplaceAll(fn, "_", "-")) {
			return false
		}
	}
	return s.name.MatchString(name)
}

// fileLoader loads one prefect.yaml.
type fileLoader struct {
	file         string
	dir, absDir  string
	opts         Options
	lookup       func(string) (string, bool)
	errs         *errs
	supplied     map[string]map[string]any
	flatSupplied map[string]any
	flows        *flowCache
	stepCache    map[string]*stepResult
	sel          *selector
	// versions caches inferred versions by version_type for the whole Load.
	versions map[string]inferred
	// rules is the Prefect version the file is read for.
	rules rules
}

type inferred struct {
	version string
	ok      bool
}

func (l *fileLoader) loadFile() []located {
	path := l.file
	if !filepath.IsAbs(path) {
		path = filepath.Join(l.dir, path)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		l.errs.list = append(l.errs.list, &Error{File: l.file, Message: fmt.Sprintf("failed to read: %v", err)})
		return nil
	}
	root := parseFile(src, l.errs)
	l.rules = rulesFor(root, l.opts.PrefectVersion)
	m := checkFile(root, l.errs, l.rules)
	if len(l.errs.list) > 0 {
		// prefect deploy ignores a file that fails validation; nothing in
		// it would be deployed.
		return nil
	}
	var out []located
	for _, entry := range m.deployments {
		nameNode, _ := entry.Get("name")
		if nameNode.IsNull() {
			continue // prefect deploy skips unnamed entries
		}
		name := nameNode.Str
		if nameNode.Kind == strKind {
			t := &templater{lookup: l.lookup, errs: l.errs, warn: func(*node, string, ...any) {}}
			if n, _ := t.apply(nameNode.Clone(), envPass); n != nil {
				name = n.Str
			}
		}
		ep, _ := entry.Get("entrypoint")
		epText := ""
		if ep != nil && ep.Kind == strKind {
			epText = ep.Str
		}
		if !l.sel.match(name, epText) {
			continue
		}
		if d := l.entry(m, entry); d != nil {
			out = append(out, located{*d, entry.Col})
		}
	}
	return out
}

// usedKeys are the entry keys that reach the deployment, in the order they
// are templated.
var usedKeys = []string{"name", "version", "version_type", "tags", "description", "entrypoint", "parameters",
	"work_pool", "concurrency_limit", "paused", "enforce_parameter_schema"}

// entry turns one deployment entry into a Deployment, following
// prefect/cli/deploy/_core.py:_run_single_deploy step by step.
func (l *fileLoader) entry(m *fileModel, raw *node) *Deployment {
	cfg := raw.Clone()
	d := &Deployment{File: l.file, Line: raw.Line}
	var warns []warning
	warn := func(n *node, f string, a ...any) { warns = append(warns, warning{n, fmt.Sprintf(f, a...)}) }
	before := len(l.errs.list)
	failed := func() bool { return len(l.errs.list) > before }

	for i, k := range cfg.Keys {
		if !slices.Contains(entryKeys, k) {
			warn(cfg.Vals[i], "unknown key %q is ignored (prefect deploy ignores it too)", k)
		}
	}
	if wp, ok := cfg.Get("work_pool"); ok && wp.Kind == mapKind {
		for i, k := range wp.Keys {
			if !slices.Contains(workPoolKeys, k) {
				warn(wp.Vals[i], "unknown key %q in work_pool is ignored (prefect deploy ignores it too)", k)
			}
		}
	}

	// The legacy single schedule (_handle_deprecated_schedule_fields): only
	// a mapping counts; checkFile refused anything else if the governing
	// version does.
	if s, ok := cfg.Get("schedule"); ok && pyTruthy(s) {
		if cfg.Has("schedules") {
			l.errs.at(s, "both schedule and schedules are set; use only schedules")
			return nil
		}
		if s.Kind == mapKind {
			cfg.Set("schedules", &node{Kind: seqKind, Items: []*node{s}, Line: s.Line, Col: s.Col})
		} else {
			warn(s, "schedule: given as %s has no effect, so the deployment gets no schedules: %s; write the items under schedules:", s.Kind, l.rules.lenientNote(strictLegacySchedule))
		}
	}
	// Keys of a schedule item that the governing version ignores (checkFile
	// refused them otherwise): warned about and dropped before templating.
	if s, ok := cfg.Get("schedules"); ok && s.Kind == seqKind {
		for _, item := range s.Items {
			if item.Kind != mapKind {
				continue
			}
			for i := 0; i < len(item.Keys); i++ {
				if k := item.Keys[i]; !slices.Contains(scheduleKeys, k) {
					warn(item.Vals[i], "schedule key %q has no effect: %s", k, l.rules.lenientNote(strictScheduleKeys))
					item.Del(k)
					i--
				}
			}
		}
	}

	// Steps are taken before any templating: a deployment-level key, even
	// null or [], replaces the top-level one.
	build, push := m.build, m.push
	if v, ok := cfg.Get("build"); ok {
		build = stepList(v)
	}
	if v, ok := cfg.Get("push"); ok {
		push = stepList(v)
	}
	var pull []*node
	noPull := false
	if v, ok := cfg.Get("pull"); ok {
		switch steps := stepList(v); {
		case v.Kind == seqKind && len(v.Items) == 0:
			noPull = true
		case len(steps) > 0:
			pull = steps
		case len(m.pull) > 0:
			pull = m.pull
		}
	} else if m.pull != nil && len(m.pull) == 0 {
		noPull = true
	} else {
		pull = m.pull
	}

	// First pass: {{ $VAR }} that are set. Block and variable references
	// stay as written.
	env := &templater{errs: l.errs, lookup: l.lookup, warn: warn}
	for _, k := range append(slices.Clone(usedKeys), "schedules", "triggers") {
		for i, key := range cfg.Keys {
			if key == k {
				cfg.Vals[i], _ = env.apply(cfg.Vals[i], envPass)
			}
		}
	}
	nameNode, _ := cfg.Get("name")
	if nameNode == nil || nameNode.Kind != strKind || nameNode.Str == "" {
		l.errs.at(cfg, "a deployment name must be provided")
		return nil
	}
	deploymentName := nameNode.Str

	epNode, _ := cfg.Get("entrypoint")
	if epNode == nil || epNode.Kind != strKind || epNode.Str == "" {
		l.errs.at(cfg, "deployment %q has no entrypoint (path/to/file.py:function)", deploymentName)
		return nil
	}
	flow, err := l.flows.lookupFlow(l.dir, epNode.Str)
	if err != nil {
		l.errs.at(epNode, "%v", err)
		return nil
	}
	if err := naming.ValidateFlowName(flow.name); err != nil {
		l.errs.at(epNode, "%v; Prefect refuses it when the module is imported, so no worker could run it: rename the flow", err)
		return nil
	}
	d.FlowName = flow.name

	wp, _ := cfg.Get("work_pool")
	poolNode, _ := wp.Get("name")
	if poolNode == nil || poolNode.Kind != strKind || poolNode.Str == "" {
		at := wp
		if at == nil {
			at = cfg
		}
		l.errs.at(at, "deployment %q has no work pool: set work_pool.name", deploymentName)
		return nil
	}

	if pull == nil && !noPull {
		pull = l.defaultPull(cfg, m, warn)
	}

	res := l.runStepsCached(append(slices.Clone(build), push...))
	warns = append(warns, res.warnings...)
	if res.failed || failed() {
		return nil
	}

	final := &templater{errs: l.errs, lookup: l.lookup, outputs: res.outputs, steps: res.steps, warn: warn}

	// Schedules are templated with step outputs, then built.
	var schedules []prefect.DeploymentSchedule
	if s, ok := cfg.Get("schedules"); ok && s.Kind == seqKind {
		final.what = "a schedule"
		s, _ = final.apply(s, finalPass)
		for _, item := range s.Items {
			if item.Kind != mapKind {
				continue
			}
			if sch, ok := buildSchedule(item, l.errs, warn); ok {
				schedules = append(schedules, sch)
			}
		}
	}

	// The rest of the entry, but not trigger parameters; {{ ctx.* }} stays.
	final.what = ""
	for _, k := range usedKeys {
		for i, key := range cfg.Keys {
			if key == k {
				cfg.Vals[i], _ = final.apply(cfg.Vals[i], finalPass)
			}
		}
	}
	var triggers []map[string]any
	if tv, ok := cfg.Get("triggers"); ok && tv.Kind == seqKind {
		final.what = "a trigger"
		for i, tr := range tv.Items {
			if tr.Kind != mapKind {
				continue
			}
			params, hasParams := tr.Get("parameters")
			tr.Del("parameters")
			tr, _ = final.apply(tr, finalPass)
			if hasParams {
				tr.Set("parameters", params)
			}
			spec := tr.Value().(map[string]any)
			if name, ok := spec["name"]; !ok || name == nil {
				spec["name"] = vocab.TriggerName(deploymentName, i)
			}
			triggers = append(triggers, spec)
		}
		final.what = ""
	}

	var pullSteps []map[string]any
	if pull != nil {
		pullT := &templater{errs: l.errs, lookup: l.lookup, outputs: res.outputs, steps: res.steps, warn: warn, what: "a pull step"}
		pullSteps = []map[string]any{}
		for _, step := range pull {
			step, _ = pullT.apply(step.Clone(), pullPass)
			pullSteps = append(pullSteps, step.Value().(map[string]any))
		}
	} else if noPull {
		pullSteps = []map[string]any{}
	}

	for _, k := range usedKeys {
		if v, ok := cfg.Get(k); ok {
			for _, ref := range unresolved(v) {
				warn(v, "%s is kept as written: prefect deploy would resolve it against the server at deploy time", ref)
			}
		}
	}
	if failed() {
		return nil
	}

	spec := l.spec(cfg, flow, warn)
	if spec == nil {
		return nil
	}
	spec.Schedules = schedules
	spec.PullSteps = pullSteps
	d.Spec = *spec
	d.Name = spec.Name
	d.Triggers = triggers
	d.Builds = res.builds
	slices.SortStableFunc(warns, func(a, b warning) int {
		return cmp.Or(cmp.Compare(a.n.Line, b.n.Line), cmp.Compare(a.n.Col, b.n.Col))
	})
	for _, w := range warns {
		d.Warnings = append(d.Warnings, l.position(w.n)+w.msg)
	}
	d.Warnings = append(d.Warnings, flow.warnings...)
	return d
}

func (l *fileLoader) position(n *node) string {
	if n == nil {
		return l.file + ": "
	}
	return fmt.Sprintf("%s:%d:%d: ", l.file, n.Line, n.Col)
}

// stepList returns the steps of a deployment-level build, push or pull
// value: nil for null, {} and [].
func stepList(v *node) []*node {
	switch v.Kind {
	case mapKind:
		if len(v.Keys) == 0 {
			return nil
		}
		return []*node{v}
	case seqKind:
		return v.Items
	}
	return nil
}

// runStepsCached runs a list of steps once per file: prefect deploy runs
// them again for every deployment, with the same result for the steps Load
// runs.
func (l *fileLoader) runStepsCached(steps []*node) *stepResult {
	vals := make([]any, len(steps))
	for i, s := range steps {
		vals[i] = s.Value()
	}
	key, _ := json.Marshal(vals)
	if r, ok := l.stepCache[string(key)]; ok {
		return r
	}
	before := len(l.errs.list)
	r := l.runSteps(steps)
	if len(l.errs.list) > before {
		r.failed = true
	}
	l.stepCache[string(key)] = r
	return r
}

// defaultPull is the pull step prefect deploy makes when none is configured
// (_generate_default_pull_action, non-interactive).
func (l *fileLoader) defaultPull(cfg *node, m *fileModel, warn func(*node, string, ...any)) []*node {
	build := m.build
	if v, ok := cfg.Get("build"); ok && pyTruthy(v) {
		build = stepList(v)
	}
	setDir := func(dir string) []*node {
		return []*node{fromValue(vocab.SetWorkingDirectory(dir), nil)}
	}
	for _, s := range build {
		if args, ok := s.Get(stepDockerBuild); ok && pyTruthy(args) {
			if df, ok := args.Get("dockerfile"); ok && df.Kind == strKind && df.Str == "auto" {
				return setDir("/opt/prefect/" + filepath.Base(l.absDir))
			}
			warn(s, "no pull steps are configured and the docker build does not use dockerfile: auto, so the deployment gets no pull steps")
			return []*node{}
		}
	}
	if wp, ok := cfg.Get("work_pool"); ok {
		if jv, ok := wp.Get("job_variables"); ok {
			if img, ok := jv.Get("image"); ok && pyTruthy(img) {
				warn(img, "no pull steps are configured: the flow code is expected in /opt/prefect inside the image (add a set_working_directory pull step if it is elsewhere)")
				return setDir("/opt/prefect")
			}
		}
	}
	warn(cfg, "no pull steps are configured: the worker will look for the code in %s, a directory of this machine; add a pull section", l.absDir)
	return setDir(l.absDir)
}

// spec assembles the deployment body from the templated entry, checking the
// types RunnerDeployment would.
func (l *fileLoader) spec(cfg *node, flow *flowInfo, warn func(*node, string, ...any)) *prefect.DeploymentSpec {
	before := len(l.errs.list)
	s := &prefect.DeploymentSpec{EnforceParameterSchema: true}
	str := func(key string, n *node) (string, bool) {
		if n == nil || n.IsNull() {
			return "", true
		}
		if n.Kind != strKind {
			l.errs.at(n, "%s must be a string after templating, not %s", key, describe(n))
			return "", false
		}
		return n.Str, true
	}
	nameNode, _ := cfg.Get("name")
	s.Name, _ = str("name", nameNode)
	if strings.HasSuffix(s.Name, ".py") {
		// RunnerDeployment.validate_name
		s.Name = strings.TrimSuffix(path.Base(s.Name), ".py")
	}
	if strings.ContainsAny(s.Name, "/%&><") {
		l.errs.at(nameNode, "deployment name %q contains one of / %% & > <, which Prefect forbids", s.Name)
	}
	epNode, _ := cfg.Get("entrypoint")
	s.Entrypoint, _ = str("entrypoint", epNode)

	versionNode, _ := cfg.Get("version")
	if version, _ := str("version", versionNode); version != "" {
		s.Version = version
	} else {
		vt := ""
		if n, ok := cfg.Get("version_type"); ok && n.Kind == strKind {
			vt = n.Str
		}
		inf, seen := l.versions[vt]
		if !seen {
			inf.version, inf.ok = inferVersion(vt, l.lookup, l.dir)
			l.versions[vt] = inf
		}
		if inf.ok {
			s.Version = inf.version
		} else {
			s.Version = flow.version
		}
	}

	descNode, _ := cfg.Get("description")
	if desc, _ := str("description", descNode); desc != "" {
		s.Description = &desc
	} else if flow.description != "" {
		desc := flow.description
		s.Description = &desc
	}

	if n, ok := cfg.Get("tags"); ok && !n.IsNull() {
		switch n.Kind {
		case seqKind:
			s.Tags = []string{}
			for _, t := range n.Items {
				if t.Kind != strKind {
					l.errs.at(t, "each tag must be a string, not %s", describe(t))
					continue
				}
				s.Tags = append(s.Tags, t.Str)
			}
		default:
			l.errs.at(n, "tags must be a list of strings, not %s (prefect deploy would make one tag per character of a string)", describe(n))
		}
	}

	s.Parameters = map[string]any{}
	if n, ok := cfg.Get("parameters"); ok {
		if n.Kind != mapKind {
			l.errs.at(n, "parameters must be a mapping after templating, not %s", describe(n))
		} else {
			s.Parameters = n.Value().(map[string]any)
		}
	}
	s.ParameterSchema = flow.schema

	wp, _ := cfg.Get("work_pool")
	pool, _ := wp.Get("name")
	s.WorkPoolName, _ = str("work_pool.name", pool)
	queue, _ := wp.Get("work_queue_name")
	s.WorkQueueName, _ = str("work_pool.work_queue_name", queue)
	s.JobVariables = map[string]any{}
	if jv, ok := wp.Get("job_variables"); ok {
		if jv.Kind != mapKind {
			l.errs.at(jv, "work_pool.job_variables must be a mapping after templating, not %s", describe(jv))
		} else {
			s.JobVariables = jv.Value().(map[string]any)
		}
	}

	if n, ok := cfg.Get("paused"); ok && !n.IsNull() {
		b, good := laxBool(n)
		if !good {
			l.errs.at(n, "paused must be true or false, not %s", describe(n))
		}
		s.Paused = b
	}
	if n, ok := cfg.Get("enforce_parameter_schema"); ok && !n.IsNull() {
		b, good := laxBool(n)
		if !good {
			l.errs.at(n, "enforce_parameter_schema must be true or false, not %s", describe(n))
		}
		s.EnforceParameterSchema = b
	}
	l.concurrency(cfg, s)
	if len(l.errs.list) > before {
		return nil
	}
	return s
}

// concurrency fills concurrency_limit and concurrency_options.
func (l *fileLoader) concurrency(cfg *node, s *prefect.DeploymentSpec) {
	n, ok := cfg.Get("concurrency_limit")
	if !ok || n.IsNull() {
		return
	}
	intOf := func(v *node, what string) (*int, bool) {
		if v == nil || v.IsNull() {
			return nil, true
		}
		i, good := laxInt(v)
		if !good {
			l.errs.at(v, "%s must be an integer, not %s", what, describe(v))
			return nil, false
		}
		x := int(i)
		return &x, true
	}
	if n.Kind != mapKind {
		s.ConcurrencyLimit, _ = intOf(n, "concurrency_limit")
		return
	}
	limit, _ := n.Get("limit")
	s.ConcurrencyLimit, _ = intOf(limit, "concurrency_limit.limit")
	strategy, _ := n.Get("collision_strategy")
	opts := &prefect.ConcurrencyOptions{}
	switch {
	case strategy == nil || strategy.IsNull():
		l.errs.at(n, "concurrency_limit.collision_strategy is required in the mapping form (ENQUEUE or CANCEL_NEW)")
		return
	case strategy.Kind != strKind || !vocab.IsCollisionStrategy(strategy.Str):
		l.errs.at(strategy, "concurrency_limit.collision_strategy must be ENQUEUE or CANCEL_NEW, not %s", describe(strategy))
		return
	}
	opts.CollisionStrategy = strategy.Str
	grace, _ := n.Get("grace_period_seconds")
	g, ok := intOf(grace, "concurrency_limit.grace_period_seconds")
	if !ok {
		return
	}
	if g != nil && !vocab.GoodGracePeriod(*g) {
		l.errs.at(grace, "concurrency_limit.grace_period_seconds must be between %d and %d, not %d", vocab.MinGracePeriod, vocab.MaxGracePeriod, *g)
		return
	}
	opts.GracePeriodSeconds = g
	s.ConcurrencyOptions = opts
}
