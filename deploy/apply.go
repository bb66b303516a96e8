package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
)

// API is the part of the Prefect client that planning and applying use.
type API interface {
	FilterFlows(ctx context.Context, names []string) ([]prefect.Flow, error)
	FilterDeployments(ctx context.Context, f prefect.DeploymentFilter) ([]prefect.Deployment, error)
	ReadWorkPool(ctx context.Context, name string) (*prefect.WorkPool, error)
	EnsureFlow(ctx context.Context, name string) (*prefect.Flow, error)
	UpsertDeployment(ctx context.Context, spec *prefect.DeploymentSpec) (*prefect.Deployment, bool, error)
	DeploymentAutomations(ctx context.Context, deploymentID string) ([]prefect.Automation, error)
	DeleteOwnedAutomations(ctx context.Context, deploymentID string) error
	CreateDeploymentAutomation(ctx context.Context, deploymentID string, a prefect.Automation) (*prefect.Automation, error)
	DeleteAutomation(ctx context.Context, id string) error
	DeploymentURL(id string) string
	// Server says which Prefect the server runs (asked once, before any write).
	Server(ctx context.Context) (prefect.ServerInfo, error)
}

// Step is one planned deployment: the target, what the server holds now, and what will change.
type Step struct {
	Target   Target
	Existing *prefect.Deployment
	Changes  []prefect.Change
}

// Action is what applying the step does.
func (s *Step) Action(dryRun bool) report.Action {
	switch {
	case s.Existing == nil && dryRun:
		return report.WouldCreate
	case s.Existing == nil:
		return report.Created
	case len(s.Changes) == 0:
		return report.Unchanged
	case dryRun:
		return report.WouldUpdate
	}
	return report.Updated
}

// Plan reads which Prefect the server runs and refuses what it cannot take (CheckServer), then
// reads what the server holds for every target, with as few requests as possible (one flow
// filter and one deployment filter per 200 names, one read per work pool), checks that the work
// pools exist, and computes each target's changes. It writes nothing. The warnings say what was
// left out for this server.
func Plan(ctx context.Context, api API, targets []Target) ([]*Step, []string, error) {
	flowNames := map[string]bool{}
	for _, t := range targets {
		flowNames[t.FlowName] = true
	}
	// The server's version, the pools and the flows are read at once: over a slow link each
	// round trip counts.
	var flows []prefect.Flow
	var server prefect.ServerInfo
	var serverErr, poolErr, err error
	var wg sync.WaitGroup
	wg.Go(func() { server, serverErr = api.Server(ctx) })
	wg.Go(func() { poolErr = checkPools(ctx, api, targets) })
	flows, err = api.FilterFlows(ctx, sortedKeys(flowNames))
	wg.Wait()
	if serverErr != nil {
		return nil, nil, fmt.Errorf("failed to read which Prefect the server runs: %w", serverErr)
	}
	targets, warnings, cerr := CheckServer(server, targets)
	if cerr != nil {
		return nil, warnings, cerr
	}
	if poolErr != nil {
		return nil, warnings, poolErr
	}
	if err != nil {
		return nil, warnings, fmt.Errorf("failed to read flows: %w", err)
	}
	flowID := map[string]string{}
	flowName := map[string]string{}
	for _, f := range flows {
		flowID[f.Name] = f.ID
		flowName[f.ID] = f.Name
	}
	existing := map[string]*prefect.Deployment{} // key: flow name + "/" + deployment name
	var names []string
	for _, t := range targets {
		if flowID[t.FlowName] != "" {
			names = append(names, t.Spec.Name)
		}
	}
	sort.Strings(names)
	// Every page of names at once, too.
	var batches [][]prefect.Deployment
	var errs []error
	for start := 0; start < len(names); start += prefect.PageSize {
		batches, errs = append(batches, nil), append(errs, nil)
	}
	for k := range batches {
		batch := names[k*prefect.PageSize : min((k+1)*prefect.PageSize, len(names))]
		wg.Go(func() { batches[k], errs[k] = api.FilterDeployments(ctx, prefect.DeploymentFilter{Names: batch}) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, warnings, fmt.Errorf("failed to read existing deployments: %w", err)
	}
	for _, deps := range batches {
		for i := range deps {
			d := deps[i]
			existing[flowName[d.FlowID]+"/"+d.Name] = &d
		}
	}
	steps := make([]*Step, 0, len(targets))
	for _, t := range targets {
		s := &Step{Target: t}
		s.Target.Spec.FlowID = flowID[t.FlowName]
		if d := existing[t.FlowName+"/"+t.Spec.Name]; d != nil {
			s.Existing = d
			if !t.PausedSet {
				s.Target.Spec.Paused = d.Paused // a redeploy keeps a pause made in the UI
			}
			keepScheduleStates(&s.Target, d)
			s.Changes = prefect.Diff(&s.Target.Spec, d)
		}
		steps = append(steps, s)
	}
	if err := checkOwners(steps); err != nil {
		return nil, warnings, err
	}
	if err := planTriggers(ctx, api, steps); err != nil {
		return nil, warnings, err
	}
	return steps, warnings, nil
}

// ownerKeys are the tags that say whose a deployment is. Names hold them sanitised, so two
// owners can share a name ("feat/x" and "feat_x" both give the branch segment "feat-x"); the
// tags keep them as given.
var ownerKeys = []string{naming.TagProject, naming.TagBranch, naming.TagEnv}

// checkOwners refuses, before anything is written, every target whose deployment on the server
// carries a different project, branch or env tag: overwriting it would take over another
// branch's (or project's) deployment. A deployment without the tag (made by hand or by another
// tool) is adopted, as before.
func checkOwners(steps []*Step) error {
	type clash struct{ key, theirs, ours string }
	var order []clash
	byClash := map[clash][]string{}
	for _, s := range steps {
		if s.Existing == nil {
			continue
		}
		for _, key := range ownerKeys {
			ours, ok := naming.TagValue(s.Target.Spec.Tags, key)
			if !ok {
				continue
			}
			theirs := naming.TagValues(s.Existing.Tags, key)
			if len(theirs) == 0 || len(theirs) == 1 && theirs[0] == ours {
				continue
			}
			c := clash{key, strings.Join(theirs, "\x00"), ours}
			if _, seen := byClash[c]; !seen {
				order = append(order, c)
			}
			byClash[c] = append(byClash[c], s.Target.FlowName+"/"+s.Target.Spec.Name)
		}
	}
	if len(order) == 0 {
		return nil
	}
	var msgs []string
	for _, c := range order {
		names := byClash[c]
		what := map[string]string{naming.TagProject: "project", naming.TagBranch: "branch", naming.TagEnv: "environment"}[c.key]
		flag := map[string]string{naming.TagProject: "project", naming.TagBranch: "branch", naming.TagEnv: "env"}[c.key]
		var quoted, tags []string
		for _, v := range strings.Split(c.theirs, "\x00") {
			quoted = append(quoted, fmt.Sprintf("%q", v))
			tags = append(tags, naming.Tag(c.key, v))
		}
		theirs := strings.Join(quoted, " and ")
		msgs = append(msgs, fmt.Sprintf("%s on the server %s to %s %s (tag %s), not to this run's %s %q: both sanitise to the same name, so deploying would take it over; nothing was written. "+
			"Deploy under a %s name that stays distinct once sanitised (e.g. pass --%s), or, if %s's deployments are stale, delete them first (`prefect deployment delete %s`)",
			describeDeployments(names), belongVerb(len(names)), what, theirs, strings.Join(tags, ", "), what, c.ours, what, flag, theirs, names[0]))
	}
	return errors.New(strings.Join(msgs, "\n"))
}

func describeDeployments(names []string) string {
	if len(names) == 1 {
		return fmt.Sprintf("deployment %q", names[0])
	}
	quoted := make([]string, 0, 3)
	for _, n := range names[:min(3, len(names))] {
		quoted = append(quoted, fmt.Sprintf("%q", n))
	}
	s := fmt.Sprintf("%d deployments (%s", len(names), strings.Join(quoted, ", "))
	if len(names) > 3 {
		s += fmt.Sprintf(" and %d more", len(names)-3)
	}
	return s + ")"
}

func belongVerb(n int) string {
	if n == 1 {
		return "belongs"
	}
	return "belong"
}

// keepScheduleStates gives each of t's schedules whose active state the config leaves open the
// state of the same schedule in d (a schedule switched off in the UI stays off). The same
// schedule is one with the same timing and parameters or, failing that, the only one with the
// same timing: switching a schedule through the API with {"active": false} alone also resets
// its parameters on the server, which the deploy then restores.
func keepScheduleStates(t *Target, d *prefect.Deployment) {
	var out []prefect.DeploymentSchedule
	for i, want := range t.Spec.Schedules {
		if i < len(t.ScheduleActiveSet) && t.ScheduleActiveSet[i] {
			continue
		}
		have, ok := sameSchedule(d.Schedules, want)
		if !ok || have.Active == want.Active {
			continue
		}
		if out == nil {
			out = slices.Clone(t.Spec.Schedules) // the caller's targets stay as they were
		}
		out[i].Active = have.Active
	}
	if out != nil {
		t.Spec.Schedules = out
	}
}

// sameSchedule finds want among the server's schedules: the same schedule, else the only one
// with the same timing.
func sameSchedule(stored []prefect.DeploymentSchedule, want prefect.DeploymentSchedule) (prefect.DeploymentSchedule, bool) {
	var timing []prefect.DeploymentSchedule
	for _, have := range stored {
		if prefect.SameSchedule(have, want) {
			return have, true
		}
		if prefect.SameTiming(have, want) {
			timing = append(timing, have)
		}
	}
	if len(timing) == 1 {
		return timing[0], true
	}
	return prefect.DeploymentSchedule{}, false
}

// checkPools reads each distinct work pool once and reports every missing one.
func checkPools(ctx context.Context, api API, targets []Target) error {
	users := map[string][]string{}
	for _, t := range targets {
		if p := t.Spec.WorkPoolName; p != "" {
			users[p] = append(users[p], t.Spec.Name)
		}
	}
	var problems []string
	for _, pool := range sortedKeys(users) {
		if _, err := api.ReadWorkPool(ctx, pool); err != nil {
			if prefect.IsNotFound(err) {
				problems = append(problems, fmt.Sprintf("work pool %q does not exist on the server (used by %s); create it first, e.g. `prefect work-pool create %s --type process`",
					pool, describeUsers(users[pool]), pool))
				continue
			}
			return err
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	return nil
}

func describeUsers(names []string) string {
	if len(names) <= 3 {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:3], ", "), len(names)-3)
}

// ApplyOptions controls Apply.
type ApplyOptions struct {
	// Concurrency is the most deployments written at once (default 16). Within it the writer
	// adapts: it adds requests in flight while throughput improves and sheds them when the
	// server refuses requests as busy or slows down.
	Concurrency int
	// Progress receives, on runs of 10 writes or more, how far the writes are (report.Meter):
	// one line rewritten in place when ProgressTTY, else a line every report.MeterInterval.
	Progress    io.Writer
	ProgressTTY bool
	// OnPlan, when set, receives the plan once it is made and before anything is written.
	OnPlan func(plan *report.Report)
	// Phase, when set, is called as each phase of a run begins (planning, applying) with a
	// short title; the GitHub Action turns each phase into a collapsible log group.
	Phase func(title string)
	// Log, when set, receives each phase's details: the plan once it is made, then one line
	// per deployment as it is written (whatever the run's size). It replaces Progress.
	Log io.Writer

	// Trace, when set, receives every answer to a write as the writer saw it (when, how long,
	// refused as busy, in flight, the concurrency limit after it), from several goroutines one
	// at a time: for diagnosing the adaptive concurrency on a server.
	Trace func(WriterEvent)

	// gateDone, in tests, receives the writer's gate once every write is done.
	gateDone func(*gate)
	// busyWait, in tests, replaces the wait between tries of a write refused as busy.
	busyWait func(ctx context.Context, d time.Duration) error
}

// DefaultConcurrency is the most deployments written at once unless told otherwise.
const DefaultConcurrency = 16

// phase reports the start of a phase to o.Phase, if set.
func (o ApplyOptions) phase(format string, a ...any) {
	if o.Phase != nil {
		o.Phase(fmt.Sprintf(format, a...))
	}
}

// changing counts the steps that write something.
func changing(steps []*Step) int {
	n := 0
	for _, s := range steps {
		if s.Action(false) != report.Unchanged {
			n++
		}
	}
	return n
}

// Apply writes every step that changes something, with adaptive concurrency up to
// opts.Concurrency, and returns one report item per step. A failure on one deployment does not
// stop the others. A write the server refused as busy (429, 503) is tried again through the
// writer's gate; one still refused after that is tried once more, alone, after all the others.
func Apply(ctx context.Context, api API, steps []*Step, opts ApplyOptions) []report.Item {
	n := opts.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	g := newGate(n)
	g.trace = opts.Trace
	if opts.busyWait != nil {
		g.sleep = opts.busyWait
	}
	items := make([]report.Item, len(steps))
	busy := make([]bool, len(steps))
	// Flows first, each once.
	flowErr := ensureFlows(ctx, api, steps, g)
	var progressMu sync.Mutex
	progress := func(format string, a ...any) {
		if opts.Log == nil {
			return
		}
		progressMu.Lock()
		defer progressMu.Unlock()
		fmt.Fprintf(opts.Log, format, a...)
	}
	var meter *report.Meter
	if opts.Log == nil && opts.Progress != nil {
		if n := changing(steps); n >= 10 {
			meter = report.NewMeter(opts.Progress, opts.ProgressTTY, n)
		}
	}
	if meter != nil {
		defer meter.Finish()
	}
	var done atomic.Int64
	finished := func(i int, err error) {
		busy[i] = prefect.IsBusy(err)
		action := string(items[i].Action)
		if busy[i] {
			action = "server busy, to retry alone at the end:"
		}
		progress("[%d/%d] %s %s\n", done.Add(1), len(steps), action, items[i].Name)
		if meter != nil && items[i].Action != report.Unchanged {
			if busy[i] {
				meter.Retrying(1)
			} else {
				meter.Done(items[i].Action == report.Failed)
			}
		}
	}
	// Only the steps that send a write go through the gate: the controller measures the server.
	var writes []int
	for i, s := range steps {
		if ferr := flowErr[s.Target.FlowName]; ferr != nil || s.Action(false) == report.Unchanged {
			var err error
			items[i], err = applyOne(ctx, api, s, ferr)
			finished(i, err)
			continue
		}
		writes = append(writes, i)
	}
	g.run(ctx, "deployments", len(writes), func(ctx context.Context, k int) error {
		var err error
		i := writes[k]
		items[i], err = applyOne(ctx, api, steps[i], nil)
		return err
	}, func(k int, err error) { finished(writes[k], err) })
	if refused, limit := g.stats(); refused > 0 {
		progress("server busy: %d %s refused (429/503) and tried again; %d at a time at the end (at most %d)\n",
			refused, plural(refused, "write"), limit, n)
	}
	if opts.gateDone != nil {
		opts.gateDone(g)
	}
	// A write the server refused as busy through every retry gets one more try, alone, once
	// nothing else of ours is writing, with the client's own backoff: a SQLite-backed Prefect
	// server answers 503 ("database is locked") to concurrent writes, and some writes lose
	// again and again.
	for i, s := range steps {
		if !busy[i] || ctx.Err() != nil {
			continue
		}
		var ferr error
		if s.Target.Spec.FlowID == "" {
			var f *prefect.Flow
			if f, ferr = api.EnsureFlow(ctx, s.Target.FlowName); ferr == nil {
				for _, o := range steps[i:] {
					if o.Target.FlowName == s.Target.FlowName {
						o.Target.Spec.FlowID = f.ID
					}
				}
			}
		}
		items[i], _ = applyOne(ctx, api, s, ferr)
		progress("[retry] %s %s\n", items[i].Action, items[i].Name)
		if meter != nil {
			meter.Retrying(-1)
			meter.Done(items[i].Action == report.Failed)
		}
	}
	return items
}

// ensureFlows creates (or finds) every flow a step still lacks the id of, through g, and
// returns the error of each flow that failed.
func ensureFlows(ctx context.Context, api API, steps []*Step, g *gate) map[string]error {
	need := map[string][]*Step{}
	for _, s := range steps {
		if s.Target.Spec.FlowID == "" {
			need[s.Target.FlowName] = append(need[s.Target.FlowName], s)
		}
	}
	names := sortedKeys(need)
	errs := map[string]error{}
	var mu sync.Mutex
	g.run(ctx, "flows", len(names), func(ctx context.Context, i int) error {
		f, err := api.EnsureFlow(ctx, names[i])
		if err != nil {
			return err
		}
		for _, s := range need[names[i]] {
			s.Target.Spec.FlowID = f.ID
		}
		return nil
	}, func(i int, err error) {
		if err != nil {
			mu.Lock()
			errs[names[i]] = err
			mu.Unlock()
		}
	})
	return errs
}

// applyOne writes one step and returns its report line and, when it failed, the error.
func applyOne(ctx context.Context, api API, s *Step, flowErr error) (report.Item, error) {
	it := ItemFor(s, false)
	if flowErr != nil {
		it.Action, it.Error = report.Failed, flowErr.Error()
		return it, flowErr
	}
	if it.Action == report.Unchanged {
		return it, nil
	}
	d, _, err := api.UpsertDeployment(ctx, &s.Target.Spec)
	if err != nil {
		it.Action, it.Error = report.Failed, err.Error()
		return it, err
	}
	it.ID, it.URL = d.ID, api.DeploymentURL(d.ID)
	if s.Target.TriggersSet {
		if err := replaceTriggers(ctx, api, d.ID, s.Target); err != nil {
			it.Action, it.Error = report.Failed, err.Error()
			return it, err
		}
	}
	return it, nil
}

// ItemFor is the report line of a step, before (dryRun) or as it is applied.
func ItemFor(s *Step, dryRun bool) report.Item {
	t := s.Target
	it := report.Item{
		Name: t.Spec.Name, Flow: t.FlowName, Env: envOf(t), Action: s.Action(dryRun),
		Version: t.Spec.Version, Commit: t.Commit, PackageVersion: t.PackageVersion,
		Entrypoint: t.Spec.Entrypoint, Source: t.Source, Changes: s.Changes,
		Origins: t.Origins, Notes: t.Notes,
	}
	if s.Existing != nil {
		it.ID = s.Existing.ID
	}
	spec := t.Spec
	it.Spec = &spec
	if s.Existing == nil && t.CopyOf != nil {
		it.FromSource = prefect.Diff(&t.Spec, t.CopyOf)
	}
	return it
}

func envOf(t Target) string {
	if t.Name.Env != "" {
		return t.Name.Env
	}
	for _, tag := range t.Spec.Tags {
		if v, ok := strings.CutPrefix(tag, "ENV="); ok {
			return v
		}
	}
	return ""
}
