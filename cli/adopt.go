package cli

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/prefect-flow-deploy/prefect-deploy-action/adopt"
	"github.com/prefect-flow-deploy/prefect-deploy-action/deploy"
	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/config"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/discover"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/prefectyaml"
)

// adoptFlags are the adopt command's flags.
type adoptFlags struct {
	names, flows, tags, secret, notSecret, files multiFlag
	file, env, workPool, format, branch          string
	force, dryRun, skipInvalid                   bool
}

const adoptUsage = `Usage: prefect-deploy adopt [flags]

Writes the prefect.yaml that reproduces the deployments a project already has, so that the first
"prefect-deploy deploy --prefect-yaml" keeps their names and settings, or, for deployments
already named <project>--<branch>--<flow>--<env> (this tool's, acme-portal-sdk's), the
prefect-deploy.yaml sections that do. It reads them from the Prefect server (every deployment
whose entrypoint file is in this checkout, or those --name/--flow/--tag select), or, with
--from-files, from Prefect 2 *.deployment.py files (read, never run). Each file is checked by
loading it as deploy will; what it cannot say is a warning naming the deployment. Secret env
values are never written.

Flags:
`

func runAdopt(ctx context.Context, args []string, env Env) error {
	var f adoptFlags
	fs := flag.NewFlagSet("adopt", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprint(env.Stderr, adoptUsage)
		fs.PrintDefaults()
	}
	fs.Var(&f.names, "name", "adopt the deployments whose name matches this glob (repeatable; default: every deployment whose entrypoint is in this checkout)")
	fs.Var(&f.flows, "flow", "adopt the deployments of this flow (repeatable)")
	fs.Var(&f.tags, "tag", "adopt the deployments carrying this tag (repeatable: all of them)")
	fs.Var(&f.files, "from-files", "read Prefect 2 deployment files matching this glob (e.g. '**/*.deployment.py') instead of the server (repeatable)")
	fs.Var(&f.secret, "secret", "treat this env var as a secret: written as {{ $NAME }} (repeatable)")
	fs.Var(&f.notSecret, "not-secret", "write this env var's value even if its name looks like a secret's (repeatable)")
	fs.StringVar(&f.file, "file", "", `file to write, relative to the checkout; "-" writes to stdout (default: prefect.yaml, or prefect-deploy.yaml for --format config)`)
	fs.StringVar(&f.format, "format", "auto", `what to write: "prefect-yaml" (entries keeping their names), "config" (prefect-deploy.yaml sections, for deployments named <project>--<branch>--<flow>--<env> by this tool or acme-portal-sdk), or "auto": config when every deployment adopted is so named and tagged, else prefect-yaml`)
	fs.StringVar(&f.branch, "branch", "", "--format config: adopt the deployments of this branch (needed when the server holds several)")
	fs.StringVar(&f.env, "env", "", "environment the deployments belong to (for the deploy command adopt suggests)")
	fs.BoolVar(&f.force, "force", false, "overwrite the file if it exists")
	fs.BoolVar(&f.dryRun, "dry-run", false, "print the file to stdout and write nothing")
	fs.BoolVar(&f.skipInvalid, "skip-invalid", false, "--from-files: adopt the calls that can be, list the others and exit 1 (default: any refused call writes nothing)")
	fs.StringVar(&f.workPool, "work-pool", "", "--from-files: work pool of the deployments that name none (Prefect 2 agents polled work queues; Prefect 3 workers poll pools)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	for _, g := range f.names {
		if _, err := path.Match(g, ""); err != nil {
			return usagef("--name %q is not a valid glob: %v", g, err)
		}
	}
	dir := env.Dir
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		dir = wd
	}
	switch f.format {
	case "auto", "prefect-yaml", "config":
	default:
		return usagef(`--format must be auto, prefect-yaml or config, got %q`, f.format)
	}
	toStdout := f.file == "-" || f.dryRun
	// targetFor is the file written in a format, refused when it exists (unless --force).
	targetFor := func(format string) (string, error) {
		target := f.file
		switch {
		case target == "" && format == "config":
			target = config.DefaultFileName
		case target == "":
			target = "prefect.yaml"
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(dir, target)
		}
		if !toStdout && !f.force {
			if _, err := os.Stat(target); err == nil {
				return "", fmt.Errorf("%s already exists: pass --force to overwrite it, --file to write another file, or --dry-run to see what adopt would write", shownPath(env, target))
			}
		}
		return target, nil
	}
	if f.format != "auto" || len(f.files) > 0 || f.file != "" {
		// Known before the server is asked: refused before it is.
		if _, err := targetFor(f.format); err != nil {
			return err
		}
	}
	opts := adopt.Options{Secret: f.secret, NotSecret: f.notSecret, WorkPool: f.workPool}
	if len(f.files) > 0 {
		if len(f.names)+len(f.flows)+len(f.tags) > 0 {
			return usagef("--from-files reads files, not the server: --name, --flow and --tag select server deployments")
		}
		if f.format == "config" {
			return usagef("--from-files writes a prefect.yaml (--format prefect-yaml)")
		}
		target, _ := targetFor("prefect-yaml")
		return adoptFiles(f, dir, target, toStdout, opts, env)
	}

	c, err := newClient(ctx, env)
	if err != nil {
		return err
	}
	stored, skipped, err := adoptableDeployments(ctx, c, f, dir)
	if err != nil {
		return err
	}
	if len(stored) == 0 {
		return errors.New(noneMessage(f, skipped))
	}
	format, named, stored, err := adoptFormat(f, stored, opts)
	if err != nil {
		return err
	}
	target, err := targetFor(format)
	if err != nil {
		return err
	}
	if format == "config" {
		f.format = "config"
		return adoptNamed(named, stored, skipped, dir, target, toStdout, prefect.RedactURL(c.Config().APIURL), f, env)
	}
	entries := make([]adopt.Entry, 0, len(stored))
	for _, s := range stored {
		e := adopt.FromDeployment(s.Deployment, s.FlowName, s.Automations, opts)
		e.Notes = append(e.Notes, s.MovedNote()...)
		entries = append(entries, e)
	}
	header := []string{
		"Written by prefect-deploy adopt from the deployments on " + prefect.RedactURL(c.Config().APIURL) + ".",
		"Deploy it with: " + deployHint(entries, f),
	}
	if err := checkAdopted(entries, stored, dir, header, env, serverVersion(ctx, env)); err != nil {
		return err
	}
	data, err := adopt.Write(header, entries)
	if err != nil {
		return err
	}
	return finishAdopt(data, entries, skipped, target, toStdout, f, env)
}

// adoptFormat decides what adopt writes. In auto mode that is prefect-deploy.yaml sections
// when every deployment follows the naming contract and carries the PROJECT_NAME tag (made by
// this tool or acme-portal-sdk), else a prefect.yaml. With config, the deployments are those
// of one project and branch (--branch when there are several); named and stored are then in
// the same order.
func adoptFormat(f adoptFlags, stored []adopt.Stored, opts adopt.Options) (string, []adopt.Named, []adopt.Stored, error) {
	if f.format == "prefect-yaml" {
		return "prefect-yaml", nil, stored, nil
	}
	var named []adopt.Named
	var keep []adopt.Stored
	var unnamed []string
	branches := map[string]bool{}
	projects := map[string]bool{}
	for _, s := range stored {
		n, ok := adopt.NamedFrom(s.Deployment, s.FlowName, s.Automations, opts)
		if _, tagged := naming.TagValue(s.Deployment.Tags, naming.TagProject); !ok || (!tagged && f.format == "auto") {
			unnamed = append(unnamed, s.FlowName+"/"+s.Deployment.Name)
			continue
		}
		if f.branch != "" {
			if seg, err := naming.SanitizeSegment(f.branch); err != nil || seg != n.Name.Branch {
				continue
			}
		}
		n.Entry.Notes = append(n.Entry.Notes, s.MovedNote()...)
		branches[n.Name.Branch] = true
		projects[n.Name.Project] = true
		named = append(named, n)
		keep = append(keep, s)
	}
	if len(unnamed) > 0 {
		if f.format == "auto" {
			return "prefect-yaml", nil, stored, nil
		}
		return "", nil, nil, fmt.Errorf("--format config: %s not named <project>--<branch>--<flow>--<env> with a PROJECT_NAME tag (%s): adopt them with --format prefect-yaml, or select others with --name",
			plural(len(unnamed), "1 deployment is", fmt.Sprintf("%d deployments are", len(unnamed))), listSome(unnamed, 5))
	}
	if len(named) == 0 {
		return "", nil, nil, fmt.Errorf("no selected deployment is of branch %q", f.branch)
	}
	if len(projects) > 1 {
		return "", nil, nil, fmt.Errorf("the deployments are of %d projects (%s): one prefect-deploy.yaml holds one; select one with --name '<project>--*'", len(projects), strings.Join(slices.Sorted(maps.Keys(projects)), ", "))
	}
	if len(branches) > 1 {
		return "", nil, nil, fmt.Errorf("the deployments are of %d branches (%s): the config is the same for every branch; adopt one with --branch (usually the mainline)", len(branches), strings.Join(slices.Sorted(maps.Keys(branches)), ", "))
	}
	return "config", named, keep, nil
}

// adoptNamed writes prefect-deploy.yaml sections for deployments named by the contract and
// checks them by building what a deploy at each deployment's commit would make.
func adoptNamed(named []adopt.Named, stored []adopt.Stored, skipped []string, dir, target string, toStdout bool, apiURL string, f adoptFlags, env Env) error {
	header := []string{
		"Written by prefect-deploy adopt from the deployments on " + apiURL + ".",
		"Deploy it with: " + deployHint(entriesOf(named), f),
	}
	data, err := adopt.WriteConfig(header, named[0].Project, named)
	if err != nil {
		return err
	}
	secrets := map[string]string{}
	for _, n := range named {
		maps.Copy(secrets, n.Entry.Values)
	}
	cfgPath := filepath.Join(dir, config.DefaultFileName)
	cfg, err := config.Parse(cfgPath, data)
	if err != nil {
		return fmt.Errorf("the prefect-deploy.yaml adopt wrote does not load (a bug in adopt; please report it):\n%w", err)
	}
	found, err := deploy.Discover(dir, cfg, nil, nil)
	if err != nil {
		return fmt.Errorf("failed to discover the flows the deployments run: %w", err)
	}
	inputs := map[string]deploy.FlowInput{}
	for _, fl := range found.Flows {
		inputs[fl.Name] = fl
	}
	// A description that is the flow's docstring is left to discovery, so it follows the code.
	for i, n := range named {
		if fl, ok := inputs[n.Name.Flow]; ok {
			named[i].Settings = slices.DeleteFunc(named[i].Settings, func(kv adopt.KV) bool { return kv.Key == "description" && kv.Value == fl.Description })
		}
	}
	if data, err = adopt.WriteConfig(header, named[0].Project, named); err != nil {
		return err
	}
	if cfg, err = config.Parse(cfgPath, data); err != nil {
		return fmt.Errorf("the prefect-deploy.yaml adopt wrote does not load (a bug in adopt; please report it):\n%w", err)
	}
	adopted := map[string]bool{}
	for i, n := range named {
		adopted[n.Name.Flow] = true
		fl, ok := inputs[n.Name.Flow]
		if !ok {
			named[i].Entry.Notes = append(named[i].Entry.Notes, adopt.Note{Lost: true, Msg: fmt.Sprintf("flow %s is not found in this checkout: a deploy would not make this deployment", n.Name.Flow)})
			continue
		}
		meta := deploy.Meta{Project: n.Project, Branch: n.Branch, Env: n.Name.Env, Commit: n.Commit, PackageVersion: n.PackageVersion}
		targets, err := deploy.Build(deploy.BuildInput{Meta: meta, Flows: []deploy.FlowInput{fl}, Config: cfg, EnvVars: secrets})
		if err != nil {
			named[i].Entry.Notes = append(named[i].Entry.Notes, adopt.Note{Lost: true, Msg: "a deploy would refuse it: " + err.Error()})
			continue
		}
		for _, t := range targets {
			if t.Spec.Name != stored[i].Deployment.Name {
				continue
			}
			triggers := t.Triggers
			if !t.TriggersSet {
				triggers = nil
			}
			named[i].Entry.Notes = append(named[i].Entry.Notes, adopt.Compare(&t.Spec, triggers, t.FlowName, stored[i])...)
		}
	}
	var extra []string
	for _, fl := range found.Flows {
		if !adopted[fl.Name] {
			extra = append(extra, fl.Name)
		}
	}
	data, err = adopt.WriteConfig(header, named[0].Project, named)
	if err != nil {
		return err
	}
	entries := entriesOf(named)
	if err := finishAdopt(data, entries, skipped, target, toStdout, f, env); err != nil {
		return err
	}
	if len(extra) > 0 {
		fmt.Fprintf(env.Stderr, "note: discovery also finds %s the server has no deployment of (%s): a deploy makes them too, unless --flows names the adopted ones\n",
			plural(len(extra), "1 flow", fmt.Sprintf("%d flows", len(extra))), listSome(extra, 5))
	}
	return nil
}

func entriesOf(named []adopt.Named) []adopt.Entry {
	entries := make([]adopt.Entry, len(named))
	for i, n := range named {
		entries[i] = n.Entry
	}
	return entries
}

// adoptFiles adopts the Prefect 2 deployment files matching --from-files: every
// Deployment.build_from_flow(...) call in them, read statically.
func adoptFiles(f adoptFlags, dir, target string, toStdout bool, opts adopt.Options, env Env) error {
	res, err := discover.Discover(dir, discover.Options{Calls: adopt.Prefect2Calls})
	if err != nil {
		return err
	}
	match := func(file string) bool {
		return slices.ContainsFunc(f.files, func(p string) bool { return adopt.Glob(p, file) })
	}
	entries, problems := adopt.FromPrefect2(dir, res, match, opts)
	// Two calls making one deployment (same flow and name) would overwrite each other, in
	// Prefect 2 as in a deploy: the later ones are refused.
	seen := map[string]string{}
	kept := entries[:0]
	for _, e := range entries {
		key := e.FlowName + "/" + e.Name
		if prev, dup := seen[key]; dup {
			file, line, _ := strings.Cut(e.Source, ":")
			n, _ := strconv.Atoi(line)
			problems = append(problems, adopt.Problem{File: file, Line: n, Col: 1, Msg: fmt.Sprintf("makes deployment %q of flow %q, as %s does: rename one", e.Name, e.FlowName, prev)})
			continue
		}
		seen[key] = e.Source
		kept = append(kept, e)
	}
	entries = kept
	slices.SortStableFunc(problems, func(a, b adopt.Problem) int {
		return cmp.Or(strings.Compare(a.File, b.File), a.Line-b.Line, a.Col-b.Col)
	})
	var refused error
	if len(problems) > 0 {
		lines := make([]string, len(problems))
		for i, p := range problems {
			lines[i] = p.Error()
		}
		what := "nothing written"
		if f.skipInvalid {
			what = "--skip-invalid: the others were adopted"
		}
		refused = fmt.Errorf("%d deployment %s cannot be adopted (%s):\n%s", len(problems), plural(len(problems), "call", "calls"), what, strings.Join(lines, "\n"))
		if !f.skipInvalid || len(entries) == 0 {
			return refused
		}
	}
	if len(entries) == 0 {
		return errors.New(noCallsMessage(dir, f.files, match))
	}
	var noPool []string
	for _, e := range entries {
		if e.WorkPool == "" {
			noPool = append(noPool, e.Source)
		}
	}
	if len(noPool) > 0 {
		return fmt.Errorf("%s no work pool (%s): Prefect 2 agents polled work queues, Prefect 3 workers poll work pools: pass --work-pool POOL (each work queue stays, as a queue of that pool)",
			plural(len(noPool), "1 deployment names", fmt.Sprintf("%d deployments name", len(noPool))), listSome(noPool, 3))
	}
	header := []string{
		"Written by prefect-deploy adopt from the Prefect 2 deployment files " + strings.Join(f.files, ", ") + ".",
		"Deploy it with: " + deployHint(entries, f),
	}
	data, err := adopt.Write(header, entries)
	if err != nil {
		return err
	}
	got, err := loadWritten(data, dir, env, "")
	if err != nil {
		return err
	}
	if len(got) != len(entries) {
		return fmt.Errorf("the adopted file holds %d deployments, not %d (a bug in adopt; please report it)", len(got), len(entries))
	}
	for i, d := range got {
		entries[i].FlowName = d.FlowName // Prefect's name of the flow, as the server will know it
		for _, w := range d.Warnings {
			entries[i].Notes = append(entries[i].Notes, adopt.Note{Msg: "deploy will warn: " + w})
		}
	}
	data, err = adopt.Write(header, entries)
	if err != nil {
		return err
	}
	if err := finishAdopt(data, entries, nil, target, toStdout, f, env); err != nil {
		return err
	}
	return refused
}

// label names an entry in adopt's output: its name, or flow/name when another entry shares it.
func label(e adopt.Entry, entries []adopt.Entry) string {
	n := 0
	for _, o := range entries {
		if o.Name == e.Name {
			n++
		}
	}
	if n > 1 {
		return e.FlowName + "/" + e.Name
	}
	return e.Name
}

// noCallsMessage says why --from-files found nothing.
func noCallsMessage(dir string, patterns []string, match func(string) bool) string {
	n := 0
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == ".venv" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if rel, err := filepath.Rel(dir, p); err == nil && !d.IsDir() && match(filepath.ToSlash(rel)) {
			n++
		}
		return nil
	})
	if n == 0 {
		return fmt.Sprintf("no file matches %s", strings.Join(patterns, ", "))
	}
	return fmt.Sprintf("%s %s, but none calls Deployment.build_from_flow(...)", plural(n, "1 file matches", fmt.Sprintf("%d files match", n)), strings.Join(patterns, ", "))
}

// adoptableDeployments lists the server's deployments that the flags select, with their flow
// names and automations; skipped are the selected ones whose entrypoint file is not in dir.
func adoptableDeployments(ctx context.Context, c *prefect.Client, f adoptFlags, dir string) (stored []adopt.Stored, skipped []string, err error) {
	deps, err := c.FilterDeployments(ctx, prefect.DeploymentFilter{FlowNames: f.flows, TagsAll: f.tags})
	if err != nil {
		return nil, nil, fmt.Errorf("failed to list the server's deployments: %w", err)
	}
	var ids []string
	for _, d := range deps {
		ids = append(ids, d.FlowID)
	}
	flows, err := c.FlowsByID(ctx, slices.Compact(slices.Sorted(slices.Values(ids))))
	if err != nil {
		return nil, nil, fmt.Errorf("failed to read the deployments' flows: %w", err)
	}
	flowName := map[string]string{}
	for _, fl := range flows {
		flowName[fl.ID] = fl.Name
	}
	for _, d := range deps {
		if len(f.names) > 0 && !slices.ContainsFunc(f.names, func(g string) bool { ok, _ := path.Match(g, d.Name); return ok }) {
			continue
		}
		full := flowName[d.FlowID] + "/" + d.Name
		if explicit := len(f.names)+len(f.flows)+len(f.tags) > 0; explicit {
			// The user asked for these: say where each one's code is said to be.
			switch ep := deref(d.Entrypoint); {
			case ep == "":
				full += " (no entrypoint)"
			case !strings.Contains(ep, ":"):
				full += " (entrypoint " + ep + " is a module path; a prefect.yaml entry needs path/file.py:function)"
			default:
				full += " (entrypoint " + ep + ")"
			}
		}
		ep, found := adopt.Entrypoint(dir, d)
		if !found {
			skipped = append(skipped, full)
			continue
		}
		s := adopt.Stored{Deployment: d, FlowName: flowName[d.FlowID]}
		if ep != deref(d.Entrypoint) {
			s.Moved = deref(d.Entrypoint)
			s.Deployment.Entrypoint = &ep
		}
		stored = append(stored, s)
	}
	// The automations of each deployment, a few at a time.
	var wg sync.WaitGroup
	var mu sync.Mutex
	sem := make(chan struct{}, 8)
	for i := range stored {
		wg.Add(1)
		go func(s *adopt.Stored) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			autos, aerr := c.DeploymentAutomations(ctx, s.Deployment.ID)
			if aerr != nil && !prefect.IsNotFound(aerr) {
				mu.Lock()
				if err == nil {
					err = fmt.Errorf("failed to read the automations of deployment %q: %w", s.Deployment.Name, aerr)
				}
				mu.Unlock()
				return
			}
			s.Automations = autos
		}(&stored[i])
	}
	wg.Wait()
	return stored, skipped, err
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// noneMessage says why nothing was adopted.
func noneMessage(f adoptFlags, skipped []string) string {
	if len(skipped) > 0 {
		return fmt.Sprintf("none of the %d selected deployments has its entrypoint in this checkout (%s): run adopt in the repository the flows come from", len(skipped), listSome(skipped, 5))
	}
	if len(f.names)+len(f.flows)+len(f.tags) > 0 {
		return "no deployment on the server matches --name, --flow and --tag"
	}
	return "the server holds no deployments"
}

func listSome(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}

// deployHint is the deploy command that deploys the adopted entries: entries named
// <...>--<env> are selected by their environment's suffix; others need --prefect-yaml-select all.
func deployHint(entries []adopt.Entry, f adoptFlags) string {
	envName := f.env
	if f.format == "config" {
		envs := map[string]bool{}
		for _, e := range entries {
			if n, err := naming.Parse(e.Name); err == nil {
				envs[n.Env] = true
			}
		}
		if envName == "" {
			envName = strings.Join(slices.Sorted(maps.Keys(envs)), "|")
		}
		if f.file != "" && f.file != "-" && f.file != config.DefaultFileName {
			return fmt.Sprintf("prefect-deploy deploy --env %s --config %s --dry-run", envName, f.file)
		}
		return fmt.Sprintf("prefect-deploy deploy --env %s --dry-run", envName)
	}
	suffixed := true
	envs := map[string]bool{}
	for _, e := range entries {
		i := strings.LastIndex(e.Name, "--")
		if i < 0 {
			suffixed = false
			continue
		}
		envs[e.Name[i+2:]] = true
	}
	file := f.file
	if file == "-" || file == "" || f.dryRun {
		file = "prefect.yaml"
	}
	if suffixed && (envName == "" || envs[envName]) {
		if envName == "" {
			envName = strings.Join(slices.Sorted(maps.Keys(envs)), "|")
		}
		return fmt.Sprintf("prefect-deploy deploy --env %s --prefect-yaml %s --dry-run", envName, file)
	}
	if envName == "" {
		envName = "ENV"
	}
	return fmt.Sprintf("prefect-deploy deploy --env %s --prefect-yaml %s --prefect-yaml-select all --dry-run", envName, file)
}

// checkAdopted loads the file adopt is about to write the way deploy loads it and compares
// every entry with the server's deployment; whatever a deploy would change beyond the
// product's bookkeeping becomes a note on the entry. A file that does not load is adopt's
// own failure and says so.
func checkAdopted(entries []adopt.Entry, stored []adopt.Stored, dir string, header []string, env Env, serverVersion string) error {
	data, err := adopt.Write(header, entries)
	if err != nil {
		return err
	}
	got, err := loadWritten(data, dir, env, serverVersion, entries...)
	if err != nil {
		return err
	}
	notes, err := adopt.Check(got, stored)
	if err != nil {
		return fmt.Errorf("failed to check the adopted file (a bug in adopt; please report it): %w", err)
	}
	for i := range entries {
		entries[i].Notes = append(entries[i].Notes, notes[i]...)
	}
	return nil
}

// shownPath is p relative to the working directory, when it is inside it.
func shownPath(env Env, p string) string {
	dir := env.Dir
	if dir == "" {
		dir, _ = os.Getwd()
	}
	if rel, err := filepath.Rel(dir, p); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return p
}

// warningPositionRE matches the "file:line:col: " a loader warning starts with.
var warningPositionRE = regexp.MustCompile(`^\S+:\d+:\d+: `)

// positionRE matches the "file:line:col: " a note's message starts with (after "not carried
// over: "): group 1 is that prefix, group 2 the position.
var positionRE = regexp.MustCompile(`^(not carried over: )?(\S+:\d+:\d+): `)

// loadWritten loads a prefect.yaml adopt is about to write the way deploy will (from a
// temporary file in dir, so entrypoints resolve), with the secrets entries stand for set. A
// file that does not load is adopt's own failure and says so.
func loadWritten(data []byte, dir string, env Env, serverVersion string, entries ...adopt.Entry) ([]prefectyaml.Deployment, error) {
	tmp, err := os.CreateTemp(dir, ".prefect-deploy-adopt-*.yaml")
	if err != nil {
		return nil, fmt.Errorf("failed to check the adopted file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	secrets := map[string]string{}
	for _, e := range entries {
		maps.Copy(secrets, e.Values)
	}
	getenv := func(k string) string {
		if v, ok := secrets[k]; ok {
			return v
		}
		if env.Getenv != nil {
			return env.Getenv(k)
		}
		return ""
	}
	got, err := prefectyaml.Load([]string{tmp.Name()}, prefectyaml.Options{Dir: dir, Select: "all", Getenv: getenv, PrefectVersion: serverVersion})
	if err != nil {
		return nil, fmt.Errorf("the prefect.yaml adopt wrote does not load (a bug in adopt; please report it):\n%s", strings.ReplaceAll(err.Error(), tmp.Name(), "prefect.yaml"))
	}
	// The positions are in a file that is not the one written (notes become comments there).
	for i := range got {
		for j, w := range got[i].Warnings {
			got[i].Warnings[j] = warningPositionRE.ReplaceAllString(w, "")
		}
	}
	return got, nil
}

// finishAdopt writes the file (or prints it) and says what was adopted and what a user must do.
func finishAdopt(data []byte, entries []adopt.Entry, skipped []string, target string, toStdout bool, f adoptFlags, env Env) error {
	where := shownPath(env, target)
	if toStdout {
		if _, err := env.Stdout.Write(data); err != nil {
			return err
		}
		where = "stdout"
		if f.dryRun {
			where += " (dry run: nothing written)"
		}
	} else if err := os.WriteFile(target, data, 0o644); err != nil {
		return fmt.Errorf("failed to write %s: %w", where, err)
	}
	w := env.Stderr
	fmt.Fprintf(w, "adopted %s into %s:\n", plural(len(entries), "1 deployment", fmt.Sprintf("%d deployments", len(entries))), where)
	lost := 0
	for _, e := range entries {
		fmt.Fprintf(w, "  %s/%s  %s\n", e.FlowName, e.Name, e.Entrypoint)
	}
	// A note several deployments share (a storage block in every file) is said once.
	type group struct {
		kind, msg string
		where     []string
	}
	var groups []*group
	byMsg := map[string]*group{}
	say := func(kind, where, msg string) {
		if m := positionRE.FindStringSubmatch(msg); m != nil {
			where += " at " + m[2]
			msg = m[1] + strings.TrimPrefix(msg, m[0])
		}
		g := byMsg[kind+msg]
		if g == nil {
			g = &group{kind: kind, msg: msg}
			byMsg[kind+msg] = g
			groups = append(groups, g)
		}
		g.where = append(g.where, where)
	}
	for _, e := range entries {
		for _, k := range e.SecretEnv {
			if f.format == "config" {
				say("note", label(e, entries), fmt.Sprintf("env %s looks like a secret: not written; pass it with --env-var %s=... (the action's secret-env-vars) or --env-file", k, k))
				continue
			}
			say("note", label(e, entries), fmt.Sprintf("env %s looks like a secret: written as {{ $%s }}; set %s in the deploying job's environment (a CI secret)", k, k, k))
		}
		for _, n := range e.Notes {
			kind := "note"
			if n.Lost {
				kind = "warning"
				lost++
			}
			say(kind, label(e, entries), n.String())
		}
	}
	for _, g := range groups {
		if len(g.where) == 1 {
			fmt.Fprintf(w, "%s: %s: %s\n", g.kind, g.where[0], g.msg)
			continue
		}
		fmt.Fprintf(w, "%s: %d deployments (%s): %s\n", g.kind, len(g.where), listSome(g.where, 3), g.msg)
	}
	if len(skipped) > 0 {
		fmt.Fprintf(w, "not adopted: %s whose entrypoint is not in this checkout: %s\n", plural(len(skipped), "1 deployment", fmt.Sprintf("%d deployments", len(skipped))), listSome(skipped, 5))
	}
	fmt.Fprintf(w, "next: %s\n", deployHint(entries, f))
	warnings := plural(lost, "1 warning", fmt.Sprintf("%d warnings", lost))
	switch {
	case len(f.files) > 0 && lost > 0:
		fmt.Fprintf(w, "  %s above: what %s is not in the file; complete it before deploying\n", warnings, plural(lost, "it names", "they name"))
	case len(f.files) > 0:
		fmt.Fprintln(w, "  the file says everything the deployment files said that Prefect 3 still has")
	case lost == 0:
		fmt.Fprintln(w, "  its plan keeps every setting; it adds only the product's tags, labels and DEPLOYMENT_NAME where missing (and the version of the commit deployed)")
	default:
		fmt.Fprintf(w, "  %s above: a deploy would change what %s; edit the file or the server first\n", warnings, plural(lost, "it names", "they name"))
	}
	return nil
}
