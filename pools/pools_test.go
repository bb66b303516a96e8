package pools

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/config"
)

// fakeAPI holds pools and queues; every call is logged, and a call the test did not arrange
// (an unknown pool's queue, a second read of the templates) fails it.
type fakeAPI struct {
	t         *testing.T
	pools     map[string]*prefect.WorkPool
	queues    map[string]*prefect.WorkQueue // "pool/queue"
	failPool  string
	templates int
	calls     []string
}

func notFound() error { return &prefect.APIError{StatusCode: http.StatusNotFound} }

func (f *fakeAPI) ReadWorkPool(_ context.Context, name string) (*prefect.WorkPool, error) {
	if p, ok := f.pools[name]; ok {
		return p, nil
	}
	return nil, notFound()
}

func (f *fakeAPI) CreateWorkPool(_ context.Context, p prefect.WorkPool) (*prefect.WorkPool, error) {
	f.calls = append(f.calls, "create pool "+p.Name+" "+p.Type)
	if p.Name == f.failPool {
		return nil, errors.New("boom")
	}
	return &p, nil
}

func (f *fakeAPI) UpdateWorkPool(_ context.Context, name string, fields map[string]any) error {
	f.calls = append(f.calls, "update pool "+name+" "+strings.Join(sortedKeys(fields), ","))
	return nil
}

func (f *fakeAPI) ReadWorkQueue(_ context.Context, pool, name string) (*prefect.WorkQueue, error) {
	if _, ok := f.pools[pool]; !ok {
		f.t.Errorf("read queue %s of a pool that does not exist yet", name)
	}
	if q, ok := f.queues[pool+"/"+name]; ok {
		return q, nil
	}
	return nil, notFound()
}

func (f *fakeAPI) CreateWorkQueue(_ context.Context, pool string, q prefect.WorkQueue) (*prefect.WorkQueue, error) {
	f.calls = append(f.calls, "create queue "+pool+"/"+q.Name)
	return &q, nil
}

func (f *fakeAPI) UpdateWorkQueue(_ context.Context, pool, name string, fields map[string]any) error {
	f.calls = append(f.calls, "update queue "+pool+"/"+name+" "+strings.Join(sortedKeys(fields), ","))
	return nil
}

func (f *fakeAPI) DefaultBaseJobTemplates(context.Context) (map[string]map[string]any, error) {
	if f.templates++; f.templates > 1 {
		f.t.Errorf("the default templates were read %d times; once is enough", f.templates)
	}
	return map[string]map[string]any{"process": {"job_configuration": map[string]any{}, "variables": map[string]any{}}}, nil
}

func ptr[T any](v T) *T { return &v }

func TestPlanAndApply(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{t: t,
		pools: map[string]*prefect.WorkPool{"existing": {Name: "existing", Type: "process", Description: "from the UI", ConcurrencyLimit: ptr(3)}},
		queues: map[string]*prefect.WorkQueue{
			"existing/fast": {Name: "fast", Priority: ptr(1), IsPaused: true},
		},
		failPool: "broken",
	}
	declared := []config.WorkPool{
		{Name: "existing", Type: "process", ConcurrencyLimit: ptr(5), Queues: []config.WorkQueue{
			{Name: "fast", Priority: ptr(1)}, // paused in the UI: the config does not say, so it stays
			{Name: "slow", Priority: ptr(9)},
		}},
		{Name: "fresh", Type: "process", Queues: []config.WorkQueue{{Name: "default", Description: ptr("the rest")}, {Name: "urgent"}}},
		{Name: "broken", Type: "strange", Queues: []config.WorkQueue{{Name: "q"}}},
	}
	steps, warnings, err := Plan(context.Background(), api, declared)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], `no default base job template for type "strange"`) {
		t.Errorf("warnings = %q; want one about the unknown type's template", warnings)
	}
	var plan []string
	for _, it := range Items(steps, true) {
		plan = append(plan, string(it.Action)+" "+it.Name)
	}
	wantPlan := []string{
		"would-update work pool existing", "unchanged work queue existing/fast", "would-create work queue existing/slow",
		"would-create work pool fresh", "would-update work queue fresh/default", "would-create work queue fresh/urgent",
		"would-create work pool broken", "would-create work queue broken/q",
	}
	if diff := cmp.Diff(wantPlan, plan); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
	if len(api.calls) != 0 {
		t.Fatalf("Plan wrote: %v", api.calls)
	}
	items := Apply(context.Background(), api, steps)
	wantCalls := []string{
		"update pool existing concurrency_limit", "create queue existing/slow",
		"create pool fresh process", "update queue fresh/default description", "create queue fresh/urgent",
		"create pool broken strange",
	}
	if diff := cmp.Diff(wantCalls, api.calls); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}
	if last := items[len(items)-1]; last.Action != report.Failed || !strings.Contains(last.Error, `its pool "broken" failed`) {
		t.Errorf("a queue of a pool that failed: %+v", last)
	}
}

func TestPlanRefusesATypeChange(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{t: t, pools: map[string]*prefect.WorkPool{"k8s": {Name: "k8s", Type: "kubernetes"}}}
	_, _, err := Plan(context.Background(), api, []config.WorkPool{{Name: "k8s", Type: "docker"}})
	if err == nil || !strings.Contains(err.Error(), `is of type "kubernetes" on the server but the config declares "docker"`) {
		t.Errorf("error = %v", err)
	}
}
