package deploy

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
)

// busyAPI is a fake server that refuses some writes with a status, a given number of times,
// and records how many upserts were in flight when each one arrived.
type busyAPI struct {
	API // methods Apply does not call panic

	mu        sync.Mutex
	refuse    map[string]int // deployment or flow name -> refusals left
	status    int
	inFlight  int
	calls     map[string]int
	loneCalls map[string]int // upserts that arrived with no other upsert in flight
}

func newBusyAPI(status int, refuse map[string]int) *busyAPI {
	return &busyAPI{refuse: refuse, status: status, calls: map[string]int{}, loneCalls: map[string]int{}}
}

func (a *busyAPI) refused(name string) error {
	if a.refuse[name] > 0 {
		a.refuse[name]--
		return &prefect.APIError{Op: "write " + name, Method: http.MethodPost, StatusCode: a.status}
	}
	return nil
}

func (a *busyAPI) EnsureFlow(_ context.Context, name string) (*prefect.Flow, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls["flow:"+name]++
	if err := a.refused("flow:" + name); err != nil {
		return nil, err
	}
	return &prefect.Flow{ID: "id-" + name, Name: name}, nil
}

func (a *busyAPI) UpsertDeployment(_ context.Context, spec *prefect.DeploymentSpec) (*prefect.Deployment, bool, error) {
	a.mu.Lock()
	a.inFlight++
	a.calls[spec.Name]++
	if a.inFlight == 1 {
		a.loneCalls[spec.Name]++
	}
	err := a.refused(spec.Name)
	a.mu.Unlock()
	defer func() { a.mu.Lock(); a.inFlight--; a.mu.Unlock() }()
	if err != nil {
		return nil, false, err
	}
	if spec.FlowID == "" {
		return nil, false, fmt.Errorf("upsert of %q without a flow id", spec.Name)
	}
	return &prefect.Deployment{ID: "dep-" + spec.Name, Name: spec.Name, FlowID: spec.FlowID}, true, nil
}

func (a *busyAPI) DeploymentURL(id string) string { return "http://ui/deployments/deployment/" + id }

func newSteps(n int) []*Step {
	steps := make([]*Step, n)
	for i := range steps {
		flow := fmt.Sprintf("flow-%d", i%3)
		steps[i] = &Step{Target: Target{FlowName: flow, Spec: prefect.DeploymentSpec{Name: fmt.Sprintf("dep-%02d", i)}}}
	}
	return steps
}

// TestApplyRetriesBusyWritesAlone checks that a deployment (or flow) the server refuses as busy
// (503, 429) is tried again through the writer's gate and, when the server keeps refusing it
// there, written after all on a try made with nothing else in flight, while other failures are
// reported as they are.
func TestApplyRetriesBusyWritesAlone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		status     int
		refuse     map[string]int
		wantFailed []string
		wantCalls  map[string]int
	}{
		{
			name:      "busy upsert is tried again",
			status:    http.StatusServiceUnavailable,
			refuse:    map[string]int{"dep-03": 1, "dep-07": 1},
			wantCalls: map[string]int{"dep-03": 2, "dep-07": 2},
		},
		{
			name:      "rate-limited upsert is tried again",
			status:    http.StatusTooManyRequests,
			refuse:    map[string]int{"dep-04": 2},
			wantCalls: map[string]int{"dep-04": 3},
		},
		{
			name:      "busy flow is ensured again before its deployments",
			status:    http.StatusServiceUnavailable,
			refuse:    map[string]int{"flow:flow-1": 1},
			wantCalls: map[string]int{"flow:flow-1": 2, "dep-01": 1, "dep-04": 1, "dep-07": 1, "dep-10": 1},
		},
		{
			name:      "flow busy through every try is ensured alone",
			status:    http.StatusServiceUnavailable,
			refuse:    map[string]int{"flow:flow-2": maxBusyTries},
			wantCalls: map[string]int{"flow:flow-2": maxBusyTries + 1, "dep-02": 1, "dep-05": 1},
		},
		{
			name:      "upsert busy through every try is written alone",
			status:    http.StatusServiceUnavailable,
			refuse:    map[string]int{"dep-05": maxBusyTries},
			wantCalls: map[string]int{"dep-05": maxBusyTries + 1},
		},
		{
			name:       "still busy on the lone try fails",
			status:     http.StatusServiceUnavailable,
			refuse:     map[string]int{"dep-05": maxBusyTries + 1},
			wantFailed: []string{"dep-05"},
			wantCalls:  map[string]int{"dep-05": maxBusyTries + 1},
		},
		{
			name:       "other errors are not retried",
			status:     http.StatusUnprocessableEntity,
			refuse:     map[string]int{"dep-02": 1},
			wantFailed: []string{"dep-02"},
			wantCalls:  map[string]int{"dep-02": 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// The writer waits (outside its gate) before each try through its gate but the first two.
			var wantWaits int64
			for _, r := range tt.refuse {
				if prefect.IsBusy(&prefect.APIError{StatusCode: tt.status}) {
					wantWaits += int64(max(0, min(r+1, maxBusyTries)-2))
				}
			}
			api := newBusyAPI(tt.status, tt.refuse)
			var waits atomic.Int64
			noWait := func(context.Context, time.Duration) error { waits.Add(1); return nil }
			items := Apply(t.Context(), api, newSteps(12), ApplyOptions{Concurrency: 4, busyWait: noWait})
			var failed []string
			for _, it := range items {
				switch {
				case it.Action == report.Failed:
					failed = append(failed, it.Name)
				case it.Action != report.Created || it.URL == "":
					t.Errorf("%s: action %s, URL %q; want created with a URL", it.Name, it.Action, it.URL)
				}
			}
			if diff := cmp.Diff(tt.wantFailed, failed); diff != "" {
				t.Errorf("failed deployments (-want +got):\n%s", diff)
			}
			for name, want := range tt.wantCalls {
				if got := api.calls[name]; got != want {
					t.Errorf("%s: %d requests, want %d", name, got, want)
				}
			}
			if got := waits.Load(); got != wantWaits {
				t.Errorf("%d waits between tries, want %d", got, wantWaits)
			}
			for name := range tt.refuse {
				if !strings.HasPrefix(name, "flow:") && api.calls[name] > maxBusyTries && api.loneCalls[name] == 0 {
					t.Errorf("%s: the retry ran beside other upserts; want it alone", name)
				}
			}
		})
	}
}
