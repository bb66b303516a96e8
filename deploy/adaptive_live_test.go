package deploy

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
)

func TestMain(m *testing.M) { os.Exit(prefecttest.Main(m)) }

// TestApplyConvergesOnALiveServer writes 30 new deployments (30 flows) at the default ceiling
// to the live test server, SQLite-backed, which refuses concurrent writes with 503 "database
// is locked": every deployment must be created, none may fail, and every write beyond one per
// flow and one per deployment is a retry of a refused one.
func TestApplyConvergesOnALiveServer(t *testing.T) {
	t.Parallel()
	c, err := prefect.New(prefect.Config{APIURL: prefecttest.URL(t)})
	if err != nil {
		t.Fatal(err)
	}
	const n = 30
	run := fmt.Sprintf("adaptive-%d", time.Now().UnixNano()%1e9)
	var targets []Target
	for i := range n {
		targets = append(targets, Target{FlowName: fmt.Sprintf("%s-flow-%02d", run, i),
			Spec: prefect.DeploymentSpec{Name: "dep", Entrypoint: "flows/f.py:f", Tags: []string{"adaptive-test"}, Parameters: map[string]any{}, JobVariables: map[string]any{}}})
	}
	steps, _, err := Plan(t.Context(), c, targets)
	if err != nil {
		t.Fatal(err)
	}
	_, writesBefore := c.Requests()
	var refused, limit int
	items := Apply(t.Context(), c, steps, ApplyOptions{gateDone: func(g *gate) { refused, limit = g.stats() }})
	_, writes := c.Requests()
	for _, it := range items {
		if it.Action != report.Created {
			t.Errorf("%s/%s: %s %s, want created", it.Flow, it.Name, it.Action, it.Error)
		}
	}
	// At least one write per flow, one per deployment and one per refusal the writer retried;
	// the client itself may also have retried a refused flow creation, which the gate does not
	// see, so more is not an error.
	if got, want := writes-writesBefore, int64(2*n+refused); got < want {
		t.Errorf("%d writes; want at least %d: one per flow, one per deployment and one per refusal (%d)", got, want, refused)
	}
	for i := 0; i < n; i += 7 {
		if _, err := c.ReadDeploymentByName(t.Context(), targets[i].FlowName, "dep"); err != nil {
			t.Errorf("after Apply: %v", err)
		}
	}
	t.Logf("%d writes refused as busy and retried; limit at the end %d of %d", refused, limit, DefaultConcurrency)
}
