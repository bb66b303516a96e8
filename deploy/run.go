package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/config"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/discover"
)

// Options are the inputs of one deploy run.
type Options struct {
	Meta Meta
	// SourceRoot is the directory scanned for flows ("." when empty, or the config's source_root).
	SourceRoot string
	// Config is the loaded config file, or nil.
	Config *config.File
	// Flows selects flows by name in either spelling; empty or ["all"] means every flow.
	Flows []string
	// NoDiscovery skips flow discovery (prefect.yaml only).
	NoDiscovery bool
	// Exclude are extra directory names or globs that discovery skips.
	Exclude []string
	// Image, EnvVars and WorkPool override the config for every deployment.
	Image    string
	EnvVars  map[string]string
	WorkPool string
	// Repository is the git URL for the git code source when the config names none.
	Repository string
	// FollowHead makes the git code source of a non-mainline branch clone the branch's head.
	FollowHead bool
	// Extra are targets built elsewhere (prefect.yaml entries), deployed beside discovered flows.
	Extra []Target
	// DryRun computes and prints the plan and writes nothing.
	DryRun bool
	// Concurrency bounds writes in flight.
	Concurrency int
	// Progress receives progress lines (nil: none).
	Progress io.Writer
}

// Discovered is the outcome of flow discovery plus selection.
type Discovered struct {
	Flows    []FlowInput
	Warnings []string
}

// Targets discovers flows and builds the deployment targets without contacting any server.
// Every problem (duplicate flows, unknown --flows entries, config flows that do not exist,
// names that cannot be built) is returned together.
func Targets(opts Options) ([]Target, []string, error) {
	if c := opts.Meta.Commit; c != "" && !fullSHA(c) {
		// The caller resolves revisions (cli, repodefaults); this is the last guard before a tag.
		return nil, nil, fmt.Errorf("commit %q is not a full commit SHA (40 or 64 hexadecimal characters): the COMMIT_HASH tag and git pull steps need the full hash", opts.Meta.Commit)
	}
	var warnings []string
	var targets []Target
	if !opts.NoDiscovery {
		found, err := Discover(opts.SourceRoot, opts.Config, opts.Flows, opts.Exclude)
		if found != nil {
			warnings = found.Warnings
		}
		if err != nil {
			return nil, warnings, err
		}
		targets, err = Build(BuildInput{Meta: opts.Meta, Flows: found.Flows, Config: opts.Config, Image: opts.Image,
			EnvVars: opts.EnvVars, WorkPool: opts.WorkPool, DefaultRepository: opts.Repository, FollowHead: opts.FollowHead})
		if err != nil {
			return nil, warnings, err
		}
	}
	targets = append(targets, opts.Extra...)
	seen := map[string]string{}
	var dups []string
	for _, t := range targets {
		key := t.FlowName + "/" + t.Spec.Name
		if prev, ok := seen[key]; ok {
			dups = append(dups, fmt.Sprintf("deployment %q is defined twice: %s and %s", t.Spec.Name, prev, t.Source))
		}
		seen[key] = t.Source
	}
	if len(dups) > 0 {
		return nil, warnings, errors.New(strings.Join(dups, "\n"))
	}
	if len(targets) == 0 {
		return nil, warnings, fmt.Errorf("nothing to deploy: no flows found under %q", displayRoot(opts.SourceRoot))
	}
	return targets, warnings, nil
}

// fullSHA reports whether s is a whole git object name: SHA-1 (40) or SHA-256 (64) hex digits.
func fullSHA(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return false
		}
	}
	return true
}

// Discover finds the flows under root, checks them against the config and selects those
// named in selected (all when empty or "all"). A Python file that does not parse is an error:
// a flow in it would silently not be deployed (and a worker could not import it either).
func Discover(root string, cfg *config.File, selected, exclude []string) (*Discovered, error) {
	if root == "" {
		root = "."
	}
	res, err := discover.Discover(root, discover.Options{Exclude: exclude})
	if err != nil {
		return nil, fmt.Errorf("failed to discover flows under %q: %w", root, err)
	}
	out := &Discovered{}
	var problems []string
	for _, w := range res.Warnings {
		w.File = filepath.ToSlash(filepath.Join(root, w.File))
		if w.Invalid {
			problems = append(problems, w.String()+" (fix the file, or skip it with --exclude)")
			continue
		}
		out.Warnings = append(out.Warnings, w.String())
	}
	for _, f := range res.Flows {
		if f.DeclaredName == "" {
			continue
		}
		if err := naming.ValidateFlowName(f.DeclaredName); err != nil {
			problems = append(problems, fmt.Sprintf("%s:%d: %v; Prefect refuses it when the module is imported, so no worker could run it: rename the flow", filepath.ToSlash(filepath.Join(root, f.File)), f.DecoratorLine, err))
		}
	}
	for _, group := range res.Duplicates() {
		var places []string
		for _, f := range group {
			places = append(places, fmt.Sprintf("%s:%d (%s)", f.File, f.Line, f.Function))
		}
		problems = append(problems, fmt.Sprintf("flow %q is defined more than once: %s; give each a distinct @flow(name=...)", group[0].Name, strings.Join(places, ", ")))
	}
	byName := map[string]discover.Flow{}
	var names []string
	for _, f := range res.Flows {
		if _, dup := byName[f.Name]; !dup {
			names = append(names, f.Name)
		}
		byName[f.Name] = f
	}
	for _, key := range cfg.FlowKeys() {
		if _, ok := byName[key]; !ok {
			where := cfg.Path
			if fl := cfg.Flows[key]; fl != nil && fl.Line > 0 {
				where = fmt.Sprintf("%s:%d", cfg.Path, fl.Line)
			}
			hint := ""
			if sug := config.Suggest(key, names); sug != "" {
				hint = fmt.Sprintf("did you mean %q? ", sug)
			}
			at := "flows." + key
			if cfg.Format == config.FormatAcme {
				at = key // acme-portal-sdk's file lists flows at the top level
			}
			problems = append(problems, fmt.Sprintf("%s: %s: no such flow under %q; %sflows found: %s", where, at, displayRoot(root), hint, listOrNone(names)))
		}
	}
	want := map[string]bool{}
	all := len(selected) == 0
	for _, s := range selected {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if s == "all" {
			all = true
			continue
		}
		std := naming.StandardizeFlow(s)
		if _, ok := byName[std]; !ok {
			std = foldedMatch(std, names) // "ETL" selects etl, as flow names match elsewhere
		}
		if _, ok := byName[std]; !ok {
			hint := ""
			if sug := config.Suggest(s, names); sug != "" {
				hint = fmt.Sprintf("did you mean %q? ", sug)
			}
			problems = append(problems, fmt.Sprintf("--flows: no flow named %q under %q; %sflows found: %s", s, displayRoot(root), hint, listOrNone(names)))
			continue
		}
		want[std] = true
	}
	if len(problems) > 0 {
		return out, errors.New(strings.Join(problems, "\n"))
	}
	repoRoot := gitTopLevel(root)
	for _, f := range res.Flows {
		if !all && !want[f.Name] {
			continue
		}
		out.Flows = append(out.Flows, FlowInput{
			Name:            f.Name,
			Entrypoint:      entrypoint(repoRoot, root, f),
			Description:     f.Description,
			ParameterSchema: f.ParameterSchema(),
			Source:          fmt.Sprintf("%s:%d", filepath.ToSlash(filepath.Join(root, f.File)), f.Line),
		})
	}
	return out, nil
}

// foldedMatch returns the one name in names equal to std when case is ignored, else std.
func foldedMatch(std string, names []string) string {
	match := ""
	for _, n := range names {
		if strings.EqualFold(n, std) {
			if match != "" {
				return std // ambiguous: only the exact spelling selects
			}
			match = n
		}
	}
	if match == "" {
		return std
	}
	return match
}

// EntrypointFunc returns the function that gives a discovered flow's entrypoint as deploy
// records it: relative to the repository root (the git top level of root), which is where a git
// clone or the image's working directory puts the worker; relative to root outside git.
func EntrypointFunc(root string) func(discover.Flow) string {
	repoRoot := gitTopLevel(root)
	return func(f discover.Flow) string { return entrypoint(repoRoot, root, f) }
}

// entrypoint makes a flow's entrypoint relative to the repository root, which is where a git
// clone (or the image's working directory) puts the worker.
func entrypoint(repoRoot, root string, f discover.Flow) string {
	if repoRoot == "" {
		return f.Entrypoint
	}
	absRoot, err1 := filepath.Abs(root)
	absRepo, err2 := filepath.EvalSymlinks(repoRoot)
	if evalRoot, err := filepath.EvalSymlinks(absRoot); err == nil {
		absRoot = evalRoot
	}
	if err1 != nil || err2 != nil {
		return f.Entrypoint
	}
	rel, err := filepath.Rel(absRepo, filepath.Join(absRoot, f.File))
	if err != nil || strings.HasPrefix(rel, "..") {
		return f.Entrypoint
	}
	return filepath.ToSlash(rel) + ":" + f.Function
}

func gitTopLevel(dir string) string {
	cmd := exec.Command("git", "rev-parse", "--show-toplevel")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func displayRoot(r string) string {
	if r == "" {
		return "."
	}
	return r
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	s := slices.Clone(names)
	slices.Sort(s)
	if len(s) > 30 {
		return strings.Join(s[:30], ", ") + fmt.Sprintf(" and %d more", len(s)-30)
	}
	return strings.Join(s, ", ")
}

// Run deploys: it builds the targets, plans against the server, and unless DryRun applies the
// plan. The report lists every deployment; an error means nothing was written (bad input, an
// unreachable server, a missing work pool). Per-deployment failures are in the report.
func Run(ctx context.Context, api API, opts Options) (*report.Report, error) {
	rep := &report.Report{Command: "deploy", Env: opts.Meta.Env, DryRun: opts.DryRun}
	targets, warnings, err := Targets(opts)
	rep.Warnings = warnings
	if err != nil {
		return rep, err
	}
	return rep, Execute(ctx, api, rep, targets, opts.DryRun, ApplyOptions{Concurrency: opts.Concurrency, Progress: opts.Progress})
}

// Execute plans targets and, unless dryRun, applies them, filling rep.
func Execute(ctx context.Context, api API, rep *report.Report, targets []Target, dryRun bool, ao ApplyOptions) error {
	steps, warnings, err := PlanTargets(ctx, api, targets, ao)
	rep.Warnings = append(rep.Warnings, warnings...)
	if err != nil {
		return err
	}
	Finish(ctx, api, rep, steps, dryRun, ao)
	return nil
}

// PlanTargets reports the planning phase to ao and plans targets (see Plan, and its warnings);
// Finish applies the steps. A caller with writes of its own to make first (work pools) makes
// them between the two, so that a refused plan leaves the server untouched.
func PlanTargets(ctx context.Context, api API, targets []Target, ao ApplyOptions) ([]*Step, []string, error) {
	ao.phase("Plan %s against the server", report.Count(len(targets), "deployment"))
	return Plan(ctx, api, targets)
}

// Finish reports planned steps (dryRun) or applies them, filling rep.
func Finish(ctx context.Context, api API, rep *report.Report, steps []*Step, dryRun bool, ao ApplyOptions) {
	if dryRun {
		for _, s := range steps {
			it := ItemFor(s, true)
			if s.Existing != nil {
				it.URL = api.DeploymentURL(s.Existing.ID)
			}
			rep.Deployments = append(rep.Deployments, it)
		}
		rep.Finish()
		return
	}
	if ao.Log != nil || ao.OnPlan != nil {
		plan := &report.Report{Command: rep.Command, Env: rep.Env, SourceEnv: rep.SourceEnv}
		for _, s := range steps {
			plan.Deployments = append(plan.Deployments, ItemFor(s, true))
		}
		if ao.Log != nil {
			plan.WritePlan(ao.Log)
		}
		if ao.OnPlan != nil {
			plan.Finish()
			ao.OnPlan(plan)
		}
	}
	n := changing(steps)
	ao.phase("Apply %s (%d unchanged)", report.Count(n, "change"), len(steps)-n)
	items := Apply(ctx, api, steps, ao)
	for i, it := range items {
		if it.URL == "" && steps[i].Existing != nil {
			it.URL = api.DeploymentURL(steps[i].Existing.ID)
		}
		rep.Deployments = append(rep.Deployments, it)
	}
	rep.Finish()
}
