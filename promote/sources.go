package promote

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
)

// segments are the sanitised project, branch, source and target env segments of a promotion:
// any spelling that sanitises to the same segment selects the same deployments.
type segments struct{ project, branch, sourceEnv, env string }

func segmentsOf(opts Options) (segments, error) {
	var s segments
	var errs []error
	for _, f := range []struct {
		what, in string
		out      *string
	}{{"project", opts.Project, &s.project}, {"branch", opts.Branch, &s.branch}, {"source environment", opts.SourceEnv, &s.sourceEnv}, {"environment", opts.Env, &s.env}} {
		v, err := naming.SanitizeSegment(f.in)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %q: %w", f.what, f.in, err))
		}
		*f.out = v
	}
	return s, errors.Join(errs...)
}

// wanted returns the standardised flows asked for, and whether every flow is.
func wanted(flows []string) (map[string]bool, bool) {
	want := map[string]bool{}
	everything := len(flows) == 0
	for _, f := range flows {
		if f == "all" {
			everything = true
			continue
		}
		want[naming.StandardizeFlow(f)] = true
	}
	return want, everything
}

// fill reads the code version tags of each source.
func fill(picked []source) {
	for i := range picked {
		picked[i].version, _ = naming.TagValue(picked[i].dep.Tags, naming.TagPackageVersion)
		picked[i].commit, _ = naming.TagValue(picked[i].dep.Tags, naming.TagCommit)
	}
}

// flowNamesOf maps flow ids to names.
func flowNamesOf(ctx context.Context, api API, deps []prefect.Deployment) (map[string]string, error) {
	ids := map[string]bool{}
	for _, d := range deps {
		ids[d.FlowID] = true
	}
	names := map[string]string{}
	if len(ids) == 0 {
		return names, nil
	}
	flows, err := api.FlowsByID(ctx, slices.Sorted(maps.Keys(ids)))
	if err != nil {
		return nil, fmt.Errorf("failed to read the flows of the source deployments: %w", err)
	}
	for _, f := range flows {
		names[f.ID] = f.Name
	}
	return names, nil
}

// findSources lists the source environment's deployments of the project and branch by their
// names — <project>--<branch>--<flow>--<source env>, compared segment by segment after
// sanitising, so acme_prefect and acme-prefect select the same deployments — and selects the
// requested flows. A deployment so named counts when its ENV tag names the source environment,
// or, for legacy sources (acme-portal-sdk writes no ENV tag), when it has no ENV tag but carries
// both version tags. Missing flows are problems unless SkipMissing.
func findSources(ctx context.Context, api API, opts Options) ([]source, []report.Item, error) {
	seg, err := segmentsOf(opts)
	if err != nil {
		return nil, nil, err
	}
	prefix := seg.project + naming.Separator + seg.branch + naming.Separator
	pattern := prefix + "<flow>" + naming.Separator + seg.sourceEnv
	deps, err := api.FilterDeployments(ctx, prefect.DeploymentFilter{NameLike: prefix})
	if err != nil {
		return nil, nil, fmt.Errorf("failed to list the deployments named %s: %w", pattern, err)
	}
	var mine []prefect.Deployment
	var untagged []string
	legacy := map[string]bool{}
	for _, d := range deps {
		n, err := naming.Parse(d.Name)
		if err != nil || n.Project != seg.project || n.Branch != seg.branch || n.Env != seg.sourceEnv {
			continue // another project, branch or env (like_ ignores case), or another naming scheme
		}
		envs := naming.TagValues(d.Tags, naming.TagEnv)
		switch {
		case len(envs) == 0:
			_, hasVersion := naming.TagValue(d.Tags, naming.TagPackageVersion)
			_, hasCommit := naming.TagValue(d.Tags, naming.TagCommit)
			if !hasVersion || !hasCommit {
				untagged = append(untagged, d.Name)
				continue
			}
			legacy[d.ID] = true
		case !slices.ContainsFunc(envs, func(e string) bool { s, _ := naming.SanitizeSegment(e); return s == seg.sourceEnv }):
			continue // named for the source env but tagged for another: not a source
		}
		mine = append(mine, d)
	}
	flowNames, err := flowNamesOf(ctx, api, mine)
	if err != nil {
		return nil, nil, err
	}
	var all []source
	for _, d := range mine {
		n, _ := naming.Parse(d.Name)
		tn := n
		tn.Env = seg.env
		all = append(all, source{dep: d, name: n, flowName: flowNames[d.FlowID], legacy: legacy[d.ID], targetName: tn.String()})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].dep.Name < all[j].dep.Name })

	want, everything := wanted(opts.Flows)
	var picked []source
	found := map[string]bool{}
	for _, s := range all {
		if everything || want[s.name.Flow] {
			picked = append(picked, s)
			found[s.name.Flow] = true
		}
	}
	var skipped []report.Item
	var problems []string
	for _, f := range slices.Sorted(maps.Keys(want)) {
		if found[f] {
			continue
		}
		name := naming.Name{Project: seg.project, Branch: seg.branch, Flow: f, Env: seg.sourceEnv}
		msg := fmt.Sprintf("no deployment of flow %q in %q (looked for a deployment named %s)", f, opts.SourceEnv, name.String())
		if opts.SkipMissing {
			name.Env = seg.env
			skipped = append(skipped, report.Item{Name: name.String(), Flow: f, Env: opts.Env, Action: report.Skipped, Error: msg})
			continue
		}
		problems = append(problems, msg+"; deploy it there first, or pass --skip-missing")
	}
	if len(problems) > 0 {
		return nil, nil, errors.New(strings.Join(problems, "\n"))
	}
	if len(picked) == 0 && len(skipped) == 0 {
		msg := fmt.Sprintf("nothing to promote: no deployments named %s", pattern)
		if len(untagged) > 0 {
			msg += fmt.Sprintf(" with an %s tag or the %s and %s tags (%s carries neither)", naming.TagEnv, naming.TagPackageVersion, naming.TagCommit, describe(untagged))
		}
		return nil, nil, errors.New(msg)
	}
	fill(picked)
	return picked, skipped, nil
}

func describe(names []string) string {
	if len(names) <= 3 {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:3], ", "), len(names)-3)
}

// findEntrySources pairs each prefect.yaml entry the target environment declares with its
// source: the deployment of the same flow named like the entry with the source environment in
// place of the target's (rj-sec--load--prod ← rj-sec--load--staging). Flows asked for with
// --flows that have no entry are promoted from their source as it is. Source deployments
// without an entry for the target are reported as warnings, not promoted.
func findEntrySources(ctx context.Context, api API, opts Options) ([]source, []report.Item, []string, error) {
	seg, err := segmentsOf(opts)
	if err != nil {
		return nil, nil, nil, err
	}
	want, everything := wanted(opts.Flows)
	suffix := naming.Separator + seg.env
	var entries []*Entry
	var problems []string
	byName := map[string]*Entry{}
	for i := range opts.Entries {
		e := &opts.Entries[i]
		if !everything && !want[naming.StandardizeFlow(e.FlowName)] {
			continue
		}
		if !strings.HasSuffix(e.Name, suffix) {
			problems = append(problems, fmt.Sprintf("%s: entry %q does not end in %q, so its source in %q cannot be named; name it <name>%s (and the source <name>--%s)", e.Source, e.Name, suffix, opts.SourceEnv, suffix, seg.sourceEnv))
			continue
		}
		entries = append(entries, e)
		byName[strings.TrimSuffix(e.Name, suffix)+naming.Separator+seg.sourceEnv] = e
	}
	if len(problems) > 0 {
		return nil, nil, nil, errors.New(strings.Join(problems, "\n"))
	}
	// Every deployment of the source environment, by its ENV tag: the entries' sources and the
	// ones without an entry for the target.
	deps, err := api.FilterDeployments(ctx, prefect.DeploymentFilter{TagsAll: []string{naming.Tag(naming.TagEnv, opts.SourceEnv)}})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("failed to list the deployments of %q: %w", opts.SourceEnv, err)
	}
	flowNames, err := flowNamesOf(ctx, api, deps)
	if err != nil {
		return nil, nil, nil, err
	}
	var picked []source
	var skipped []report.Item
	var warnings []string
	found := map[*Entry]bool{}
	flowFound := map[string]bool{}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Name < deps[j].Name })
	for _, d := range deps {
		if p, ok := naming.TagValue(d.Tags, naming.TagProject); ok {
			if s, _ := naming.SanitizeSegment(p); s != seg.project {
				continue
			}
		}
		flow := flowNames[d.FlowID]
		std := naming.StandardizeFlow(flow)
		if e := byName[d.Name]; e != nil && naming.StandardizeFlow(e.FlowName) == std {
			found[e] = true
			flowFound[std] = true
			picked = append(picked, source{dep: d, flowName: flow, entry: e, targetName: e.Name})
			continue
		}
		if !strings.HasSuffix(d.Name, naming.Separator+seg.sourceEnv) {
			continue
		}
		target := strings.TrimSuffix(d.Name, naming.Separator+seg.sourceEnv) + suffix
		if !everything && want[std] {
			flowFound[std] = true
			picked = append(picked, source{dep: d, flowName: flow, targetName: target})
			continue
		}
		if everything {
			warnings = append(warnings, fmt.Sprintf("%s is not promoted: the prefect.yaml files declare no %s entry for it (%s); pass --flows %s to copy it as it is", d.Name, opts.Env, target, flow))
		}
	}
	for _, e := range entries {
		if found[e] {
			continue
		}
		src := strings.TrimSuffix(e.Name, suffix) + naming.Separator + seg.sourceEnv
		msg := fmt.Sprintf("%s: entry %q has no source: no deployment %s of flow %q tagged %s", e.Source, e.Name, src, e.FlowName, naming.Tag(naming.TagEnv, opts.SourceEnv))
		if opts.SkipMissing {
			skipped = append(skipped, report.Item{Name: e.Name, Flow: e.FlowName, Env: opts.Env, Action: report.Skipped, Error: msg})
			continue
		}
		problems = append(problems, msg+"; deploy it there first, or pass --skip-missing")
	}
	for _, f := range slices.Sorted(maps.Keys(want)) {
		if !flowFound[f] && !slices.ContainsFunc(entries, func(e *Entry) bool { return naming.StandardizeFlow(e.FlowName) == f }) {
			msg := fmt.Sprintf("no deployment of flow %q in %q and no %s entry for it", f, opts.SourceEnv, opts.Env)
			if opts.SkipMissing {
				skipped = append(skipped, report.Item{Name: f, Flow: f, Env: opts.Env, Action: report.Skipped, Error: msg})
				continue
			}
			problems = append(problems, msg)
		}
	}
	if len(problems) > 0 {
		return nil, nil, nil, errors.New(strings.Join(problems, "\n"))
	}
	if len(picked) == 0 && len(skipped) == 0 {
		return nil, nil, warnings, fmt.Errorf("nothing to promote: the prefect.yaml files declare no %s entries with a source in %q", opts.Env, opts.SourceEnv)
	}
	fill(picked)
	return picked, skipped, warnings, nil
}
