package prefect_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
)

// writeCase is one kind of write the client sends, tried through a proxy that loses the answer.
type writeCase struct {
	name string
	// creates marks a write that is not idempotent: it makes a new object each time.
	creates bool
	// match picks the write's request.
	match func(r *http.Request) bool
	// prepare makes what the write needs (on the live server, unfaulted) and returns the write
	// and a check of what the server holds afterwards.
	prepare func(t *testing.T, live *prefect.Client) (write func(c *prefect.Client) error, check func(t *testing.T))
}

func isReq(method, suffix string) func(r *http.Request) bool {
	return func(r *http.Request) bool { return r.Method == method && strings.HasSuffix(r.URL.Path, suffix) }
}

func testTrigger(deploymentID, name string) prefect.Automation {
	return prefect.Automation{Name: name, Enabled: true,
		Trigger: map[string]any{"type": "event", "expect": []string{"external.table.loaded"}, "match": map[string]any{"prefect.resource.id": "table.*"}, "posture": "Reactive", "threshold": 1, "within": 0},
		Actions: []map[string]any{{"type": "run-deployment", "source": "selected", "deployment_id": deploymentID}}}
}

// newDeployment makes a flow and a deployment of it on the live server.
func newDeployment(t *testing.T, c *prefect.Client, pool string) *prefect.Deployment {
	t.Helper()
	flow, err := c.EnsureFlow(context.Background(), uniq(t, "flow"))
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := c.UpsertDeployment(context.Background(), fullSpec(flow.ID, "p--main--flow--dev", pool))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func writeCases(pool string) []writeCase {
	ctx := context.Background()
	return []writeCase{
		{name: "create automation", creates: true, match: isReq(http.MethodPost, "/automations/"),
			prepare: func(t *testing.T, live *prefect.Client) (func(*prefect.Client) error, func(*testing.T)) {
				d := newDeployment(t, live, pool)
				var got *prefect.Automation
				return func(c *prefect.Client) (err error) {
						got, err = c.CreateDeploymentAutomation(ctx, d.ID, testTrigger(d.ID, "p--main--flow--dev__automation_1"))
						return err
					}, func(t *testing.T) {
						have, err := live.DeploymentAutomations(ctx, d.ID)
						if err != nil {
							t.Fatal(err)
						}
						if len(have) != 1 {
							t.Fatalf("the server holds %d automations for the deployment, want exactly 1", len(have))
						}
						if got == nil || got.ID != have[0].ID {
							t.Errorf("CreateDeploymentAutomation returned %+v, want the automation the server holds (%s)", got, have[0].ID)
						}
					}
			}},
		{name: "create flow", match: isReq(http.MethodPost, "/flows/"),
			prepare: func(t *testing.T, live *prefect.Client) (func(*prefect.Client) error, func(*testing.T)) {
				name := uniq(t, "flow")
				var got *prefect.Flow
				return func(c *prefect.Client) (err error) {
						got, err = c.EnsureFlow(ctx, name)
						return err
					}, func(t *testing.T) {
						flows, err := live.FilterFlows(ctx, []string{name})
						if err != nil || len(flows) != 1 || got == nil || got.ID != flows[0].ID {
							t.Errorf("server holds %+v (%v), EnsureFlow returned %+v; want one flow, returned", flows, err, got)
						}
					}
			}},
		{name: "upsert deployment", match: isReq(http.MethodPost, "/deployments/"),
			prepare: func(t *testing.T, live *prefect.Client) (func(*prefect.Client) error, func(*testing.T)) {
				flow, err := live.EnsureFlow(ctx, uniq(t, "flow"))
				if err != nil {
					t.Fatal(err)
				}
				spec := fullSpec(flow.ID, "p--main--flow--dev", pool)
				var got *prefect.Deployment
				return func(c *prefect.Client) (err error) {
						got, _, err = c.UpsertDeployment(ctx, spec)
						return err
					}, func(t *testing.T) {
						deps, err := live.FilterDeployments(ctx, prefect.DeploymentFilter{Names: []string{spec.Name}, FlowNames: []string{flow.Name}})
						if err != nil || len(deps) != 1 || got == nil || got.ID != deps[0].ID {
							t.Fatalf("server holds %d deployments (%v), upsert returned %+v; want one, returned", len(deps), err, got)
						}
						if diff := prefect.Diff(spec, &deps[0]); len(diff) != 0 {
							t.Errorf("stored deployment differs from the spec: %+v", diff)
						}
					}
			}},
		{name: "update deployment", match: isReq(http.MethodPatch, ""),
			prepare: func(t *testing.T, live *prefect.Client) (func(*prefect.Client) error, func(*testing.T)) {
				d := newDeployment(t, live, pool)
				return func(c *prefect.Client) error {
						return c.UpdateDeployment(ctx, d.ID, map[string]any{"paused": false})
					}, func(t *testing.T) {
						got, err := live.ReadDeployment(ctx, d.ID)
						if err != nil || got.Paused {
							t.Errorf("after the update: %+v, %v; want unpaused", got, err)
						}
					}
			}},
		{name: "delete automations of a deployment", match: func(r *http.Request) bool {
			return r.Method == http.MethodDelete && strings.Contains(r.URL.Path, "/owned-by/")
		},
			prepare: func(t *testing.T, live *prefect.Client) (func(*prefect.Client) error, func(*testing.T)) {
				d := newDeployment(t, live, pool)
				if _, err := live.CreateDeploymentAutomation(ctx, d.ID, testTrigger(d.ID, "x__automation_1")); err != nil {
					t.Fatal(err)
				}
				return func(c *prefect.Client) error { return c.DeleteOwnedAutomations(ctx, d.ID) },
					func(t *testing.T) {
						if have, err := live.DeploymentAutomations(ctx, d.ID); err != nil || len(have) != 0 {
							t.Errorf("after the delete: %d automations, %v; want none", len(have), err)
						}
					}
			}},
		{name: "delete automation", match: isReq(http.MethodDelete, ""),
			prepare: func(t *testing.T, live *prefect.Client) (func(*prefect.Client) error, func(*testing.T)) {
				d := newDeployment(t, live, pool)
				a, err := live.CreateDeploymentAutomation(ctx, d.ID, testTrigger(d.ID, "x__automation_1"))
				if err != nil {
					t.Fatal(err)
				}
				return func(c *prefect.Client) error { return c.DeleteAutomation(ctx, a.ID) },
					func(t *testing.T) {
						if have, err := live.DeploymentAutomations(ctx, d.ID); err != nil || len(have) != 0 {
							t.Errorf("after the delete: %d automations, %v; want none", len(have), err)
						}
					}
			}},
		{name: "delete deployment", match: func(r *http.Request) bool {
			return r.Method == http.MethodDelete && strings.Contains(r.URL.Path, "/deployments/")
		},
			prepare: func(t *testing.T, live *prefect.Client) (func(*prefect.Client) error, func(*testing.T)) {
				d := newDeployment(t, live, pool)
				return func(c *prefect.Client) error { return c.DeleteDeployment(ctx, d.ID) },
					func(t *testing.T) {
						if _, err := live.ReadDeployment(ctx, d.ID); !prefect.IsNotFound(err) {
							t.Errorf("after the delete, reading it gave %v; want not found", err)
						}
					}
			}},
		{name: "create work pool", creates: true, match: isReq(http.MethodPost, "/work_pools/"),
			prepare: func(t *testing.T, live *prefect.Client) (func(*prefect.Client) error, func(*testing.T)) {
				name := uniq(t, "pool")
				var got *prefect.WorkPool
				return func(c *prefect.Client) (err error) {
						got, err = c.CreateWorkPool(ctx, prefect.WorkPool{Name: name, Type: "process"})
						return err
					}, func(t *testing.T) {
						p, err := live.ReadWorkPool(ctx, name)
						if err != nil || got == nil || got.ID != p.ID {
							t.Errorf("server holds %+v (%v), CreateWorkPool returned %+v", p, err, got)
						}
					}
			}},
		{name: "create work queue", creates: true, match: isReq(http.MethodPost, "/queues"),
			prepare: func(t *testing.T, live *prefect.Client) (func(*prefect.Client) error, func(*testing.T)) {
				name := uniq(t, "queue")
				var got *prefect.WorkQueue
				return func(c *prefect.Client) (err error) {
						got, err = c.CreateWorkQueue(ctx, pool, prefect.WorkQueue{Name: name})
						return err
					}, func(t *testing.T) {
						q, err := live.ReadWorkQueue(ctx, pool, name)
						if err != nil || got == nil || got.ID != q.ID {
							t.Errorf("server holds %+v (%v), CreateWorkQueue returned %+v", q, err, got)
						}
					}
			}},
		{name: "create flow run", creates: true, match: isReq(http.MethodPost, "/create_flow_run"),
			prepare: func(t *testing.T, live *prefect.Client) (func(*prefect.Client) error, func(*testing.T)) {
				d := newDeployment(t, live, pool)
				var got *prefect.FlowRun
				return func(c *prefect.Client) (err error) {
						got, err = c.CreateFlowRun(ctx, d.ID, prefect.FlowRunCreate{})
						return err
					}, func(t *testing.T) {
						runs, err := live.DeploymentFlowRuns(ctx, d.ID, nil, 0)
						if err != nil || len(runs) != 1 || got == nil || got.ID != runs[0].ID {
							t.Errorf("the deployment has %d flow runs (%v), CreateFlowRun returned %+v; want exactly one, returned", len(runs), err, got)
						}
					}
			}},
	}
}

// TestWritesSafeToRetry sends every kind of write the client makes through a proxy that loses
// the answer after the server applied the write (and, separately, that drops the request before
// the server sees it, and that answers too late for the client's timeout). Each must succeed,
// and the server must hold exactly what one successful write makes: no second automation, flow
// run or pool, no conflict or not-found error from the retry.
//
// Not parallel with the package's other tests: its bursts of writes would make a SQLite server
// answer their writes 503 beyond their retries.
func TestWritesSafeToRetry(t *testing.T) {
	live := prefecttest.URL(t)
	// A loaded SQLite server answers 503 to many writes: retry those patiently.
	direct := newClient(t, live, func(c *prefect.Config) { c.MaxRetries = 10 })
	for _, fault := range []prefecttest.Fault{prefecttest.DropAfter, prefecttest.DropBefore, prefecttest.SlowAnswer} {
		t.Run(fault.String(), func(t *testing.T) {
			t.Parallel() // the kinds of fault in parallel, the writes of each one after the other
			// A pool of its own: deployments auto-create their queue in it, which concurrent
			// first uses would race on.
			pool := uniq(t, "pool")
			ensurePool(t, direct, pool)
			for _, wc := range writeCases(pool) {
				if fault == prefecttest.SlowAnswer && !wc.creates {
					continue // a timeout is a lost answer like a drop; the creates are the ones that read first
				}
				t.Run(wc.name, func(t *testing.T) { testWriteThrough(t, live, direct, fault, wc) })
			}
		})
	}
}

func testWriteThrough(t *testing.T, live string, direct *prefect.Client, fault prefecttest.Fault, wc writeCase) {
	write, check := wc.prepare(t, direct)
	fp := prefecttest.NewFaultProxy(t, live, prefecttest.Only(fault, 1, wc.match), prefecttest.FaultOptions{StallFor: 3 * time.Second})
	c := newClient(t, fp.URL, func(c *prefect.Config) {
		c.RetryBaseDelay = 100 * time.Millisecond
		c.MaxRetries = 10 // a loaded SQLite server answers 503 to writes besides the injected fault
		if fault == prefecttest.SlowAnswer {
			c.Timeout = 500 * time.Millisecond
		}
	})
	if err := write(c); err != nil {
		t.Fatalf("write through a %s fault: %v", fault, err)
	}
	if n, _ := fp.Injected(fault); n != 1 {
		t.Fatalf("the proxy injected %d %s faults, want 1 (the test does not exercise the write)", n, fault)
	}
	check(t)
}

// TestCreateNotRepeatedWhenLookupFails: when the answer to a create is lost and reading the
// server fails too, the client reports the write as failed rather than repeating it blind.
func TestCreateNotRepeatedWhenLookupFails(t *testing.T) {
	t.Parallel()
	live := prefecttest.URL(t)
	direct := newClient(t, live, nil)
	pool := uniq(t, "pool")
	ensurePool(t, direct, pool)
	d := newDeployment(t, direct, pool)
	lost := false
	fp := prefecttest.NewFaultProxy(t, live, func(r *http.Request, body []byte, seen int) prefecttest.Fault {
		switch {
		case isReq(http.MethodPost, "/automations/")(r) && seen == 0:
			lost = true
			return prefecttest.DropAfter
		case lost && r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/related-to/"):
			return prefecttest.Busy
		}
		return prefecttest.Forward
	}, prefecttest.FaultOptions{})
	c := newClient(t, fp.URL, func(c *prefect.Config) { c.RetryBaseDelay = time.Millisecond; c.MaxRetries = 2 })
	_, err := c.CreateDeploymentAutomation(context.Background(), d.ID, testTrigger(d.ID, "x__automation_1"))
	if err == nil || !strings.Contains(err.Error(), "reading what the server holds failed") {
		t.Fatalf("err = %v, want the lost answer and the failed read both reported", err)
	}
	if have, err := direct.DeploymentAutomations(context.Background(), d.ID); err != nil || len(have) != 1 {
		t.Errorf("the server holds %d automations (%v), want the 1 the first attempt made", len(have), err)
	}
}
