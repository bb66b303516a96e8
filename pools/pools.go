// Package pools makes the work pools and queues a config file declares exist: a missing pool or
// queue is created; an existing one is only changed in the fields the file sets, so settings
// made in the UI or by other tools survive. A declared type that differs from an existing pool's
// is an error (a pool's type cannot change). Planning reads and writes nothing.
package pools

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/config"
)

// API is the part of the Prefect client this package uses.
type API interface {
	ReadWorkPool(ctx context.Context, name string) (*prefect.WorkPool, error)
	CreateWorkPool(ctx context.Context, p prefect.WorkPool) (*prefect.WorkPool, error)
	UpdateWorkPool(ctx context.Context, name string, fields map[string]any) error
	ReadWorkQueue(ctx context.Context, pool, name string) (*prefect.WorkQueue, error)
	CreateWorkQueue(ctx context.Context, pool string, q prefect.WorkQueue) (*prefect.WorkQueue, error)
	UpdateWorkQueue(ctx context.Context, pool, name string, fields map[string]any) error
	DefaultBaseJobTemplates(ctx context.Context) (map[string]map[string]any, error)
}

// Step is what one declared pool or queue needs.
type Step struct {
	// Pool is the pool's name; Queue is the queue's, or "" for the pool itself.
	Pool, Queue string
	// Create says the server lacks it.
	Create bool
	// Pending says the pool is created in this run, so the queue cannot be read yet.
	Pending bool
	// Fields are what is sent: the create body's settings, or the PATCH.
	Fields map[string]any
	// Changes are the differing fields of an existing pool or queue.
	Changes []prefect.Change
	// Type is the pool's type (pools only).
	Type string
	// Template is the base job template a new pool gets when the config sets none: Prefect's
	// default for its type, as `prefect work-pool create` gives it.
	Template map[string]any
}

// Name is how reports name the step: "work pool P" or "work queue P/Q".
func (s Step) Name() string {
	if s.Queue == "" {
		return "work pool " + s.Pool
	}
	return "work queue " + s.Pool + "/" + s.Queue
}

// Action is what applying the step does.
func (s Step) Action(dryRun bool) report.Action {
	switch {
	case s.Create && dryRun:
		return report.WouldCreate
	case s.Create:
		return report.Created
	case len(s.Changes) == 0:
		return report.Unchanged
	case dryRun:
		return report.WouldUpdate
	}
	return report.Updated
}

// Plan reads each declared pool and queue and says what is missing or differs. Every problem
// (a type mismatch) is returned together, and warnings say what a new pool will lack.
func Plan(ctx context.Context, api API, declared []config.WorkPool) ([]Step, []string, error) {
	var steps []Step
	var problems, warnings []string
	var defaults map[string]map[string]any
	defaultsRead := false
	for _, wp := range declared {
		have, err := api.ReadWorkPool(ctx, wp.Name)
		switch {
		case prefect.IsNotFound(err):
			st := Step{Pool: wp.Name, Create: true, Type: wp.Type, Fields: poolFields(wp)}
			if wp.BaseJobTemplate == nil {
				if !defaultsRead {
					defaultsRead = true
					if defaults, err = api.DefaultBaseJobTemplates(ctx); err != nil {
						warnings = append(warnings, fmt.Sprintf("failed to read Prefect's default base job templates (%v): new work pools get an empty one", err))
					}
				}
				if st.Template = defaults[wp.Type]; st.Template == nil {
					warnings = append(warnings, fmt.Sprintf("work pool %q: Prefect has no default base job template for type %q; it is created with an empty one (set base_job_template to give workers one)", wp.Name, wp.Type))
				}
			}
			steps = append(steps, st)
			for _, q := range wp.Queues {
				if q.Name == "default" {
					// Prefect creates every pool with its queue "default": set what the file sets.
					st := Step{Pool: wp.Name, Queue: q.Name, Pending: true, Fields: queueFields(q)}
					if len(st.Fields) > 0 {
						for _, k := range sortedKeys(st.Fields) {
							st.Changes = append(st.Changes, prefect.NewChange(k, nil, st.Fields[k]))
						}
						steps = append(steps, st)
					}
					continue
				}
				steps = append(steps, Step{Pool: wp.Name, Queue: q.Name, Create: true, Pending: true, Fields: queueFields(q)})
			}
			continue
		case err != nil:
			return nil, warnings, fmt.Errorf("failed to read work pool %q: %w", wp.Name, err)
		}
		if have.Type != wp.Type {
			problems = append(problems, fmt.Sprintf("work pool %q is of type %q on the server but the config declares %q; a pool's type cannot change: fix the config, or create a pool under another name", wp.Name, have.Type, wp.Type))
			continue
		}
		st := Step{Pool: wp.Name, Type: wp.Type, Fields: map[string]any{}}
		diffPool(&st, wp, have)
		steps = append(steps, st)
		for _, q := range wp.Queues {
			hq, err := api.ReadWorkQueue(ctx, wp.Name, q.Name)
			switch {
			case prefect.IsNotFound(err):
				steps = append(steps, Step{Pool: wp.Name, Queue: q.Name, Create: true, Fields: queueFields(q)})
				continue
			case err != nil:
				return nil, warnings, fmt.Errorf("failed to read work queue %q of pool %q: %w", q.Name, wp.Name, err)
			}
			qs := Step{Pool: wp.Name, Queue: q.Name, Fields: map[string]any{}}
			diffQueue(&qs, q, hq)
			steps = append(steps, qs)
		}
	}
	if len(problems) > 0 {
		return nil, warnings, errors.New(strings.Join(problems, "\n"))
	}
	return steps, warnings, nil
}

func poolFields(wp config.WorkPool) map[string]any {
	f := map[string]any{}
	if wp.Description != nil {
		f["description"] = *wp.Description
	}
	if wp.ConcurrencyLimit != nil {
		f["concurrency_limit"] = *wp.ConcurrencyLimit
	}
	if wp.Paused != nil {
		f["is_paused"] = *wp.Paused
	}
	if wp.BaseJobTemplate != nil {
		f["base_job_template"] = wp.BaseJobTemplate
	}
	return f
}

func queueFields(q config.WorkQueue) map[string]any {
	f := map[string]any{}
	if q.Description != nil {
		f["description"] = *q.Description
	}
	if q.ConcurrencyLimit != nil {
		f["concurrency_limit"] = *q.ConcurrencyLimit
	}
	if q.Priority != nil {
		f["priority"] = *q.Priority
	}
	if q.Paused != nil {
		f["is_paused"] = *q.Paused
	}
	return f
}

// diffPool records the fields the config sets that differ from the pool on the server.
func diffPool(st *Step, wp config.WorkPool, have *prefect.WorkPool) {
	want := poolFields(wp)
	got := map[string]any{"description": have.Description, "is_paused": have.IsPaused, "base_job_template": have.BaseJobTemplate}
	if have.ConcurrencyLimit != nil {
		got["concurrency_limit"] = *have.ConcurrencyLimit
	} else {
		got["concurrency_limit"] = nil
	}
	compare(st, want, got)
}

func diffQueue(st *Step, q config.WorkQueue, have *prefect.WorkQueue) {
	want := queueFields(q)
	got := map[string]any{"description": have.Description, "is_paused": have.IsPaused}
	got["concurrency_limit"], got["priority"] = intOrNil(have.ConcurrencyLimit), intOrNil(have.Priority)
	compare(st, want, got)
}

func intOrNil(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func compare(st *Step, want, got map[string]any) {
	for _, k := range sortedKeys(want) {
		if !reflect.DeepEqual(prefect.Canonical(want[k]), prefect.Canonical(got[k])) {
			st.Fields[k] = want[k]
			st.Changes = append(st.Changes, prefect.NewChange(k, got[k], want[k]))
		}
	}
	if len(st.Changes) == 0 {
		st.Fields = nil
	}
}

// Apply creates and updates what the steps say, pools before their queues, and returns one
// report line per step. A pool that fails takes its queues with it.
func Apply(ctx context.Context, api API, steps []Step) []report.Item {
	items := Items(steps, false)
	failedPool := map[string]string{}
	for i, st := range steps {
		if st.Queue != "" && failedPool[st.Pool] != "" {
			items[i].Action, items[i].Error = report.Failed, failedPool[st.Pool]
			continue
		}
		var err error
		switch {
		case st.Queue == "" && st.Create:
			p := prefect.WorkPool{Name: st.Pool, Type: st.Type}
			if v, ok := st.Fields["description"].(string); ok {
				p.Description = v
			}
			if v, ok := st.Fields["is_paused"].(bool); ok {
				p.IsPaused = v
			}
			if v, ok := st.Fields["concurrency_limit"].(int); ok {
				p.ConcurrencyLimit = &v
			}
			p.BaseJobTemplate = st.Template
			if v, ok := st.Fields["base_job_template"].(map[string]any); ok {
				p.BaseJobTemplate = v
			}
			_, err = api.CreateWorkPool(ctx, p)
		case st.Queue == "" && len(st.Fields) > 0:
			err = api.UpdateWorkPool(ctx, st.Pool, st.Fields)
		case st.Create:
			q := prefect.WorkQueue{Name: st.Queue}
			if v, ok := st.Fields["description"].(string); ok {
				q.Description = v
			}
			if v, ok := st.Fields["is_paused"].(bool); ok {
				q.IsPaused = v
			}
			if v, ok := st.Fields["concurrency_limit"].(int); ok {
				q.ConcurrencyLimit = &v
			}
			if v, ok := st.Fields["priority"].(int); ok {
				q.Priority = &v
			}
			_, err = api.CreateWorkQueue(ctx, st.Pool, q)
		case len(st.Fields) > 0:
			err = api.UpdateWorkQueue(ctx, st.Pool, st.Queue, st.Fields)
		}
		if err != nil {
			items[i].Action, items[i].Error = report.Failed, fmt.Sprintf("failed to apply %s: %v", st.Name(), err)
			if st.Queue == "" {
				failedPool[st.Pool] = fmt.Sprintf("its pool %q failed", st.Pool)
			}
		}
	}
	return items
}

// Items are the steps' report lines, as planned (dryRun) or before applying.
func Items(steps []Step, dryRun bool) []report.Item {
	items := make([]report.Item, len(steps))
	for i, st := range steps {
		items[i] = report.Item{Name: st.Name(), Action: st.Action(dryRun), Changes: st.Changes}
		if st.Type != "" {
			items[i].Entrypoint = "type " + st.Type
		}
	}
	return items
}

// Exists wraps api so that pools planned for creation read as existing: a dry run's deployment
// plan then checks its work pools against what the run would make.
func Exists(api API, steps []Step) func(ctx context.Context, name string) (*prefect.WorkPool, error) {
	planned := map[string]string{}
	for _, st := range steps {
		if st.Queue == "" && st.Create {
			planned[st.Pool] = st.Type
		}
	}
	return func(ctx context.Context, name string) (*prefect.WorkPool, error) {
		if t, ok := planned[name]; ok {
			return &prefect.WorkPool{Name: name, Type: t}, nil
		}
		return api.ReadWorkPool(ctx, name)
	}
}

func sortedKeys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}
