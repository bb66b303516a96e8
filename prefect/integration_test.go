package prefect_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
)

func TestMain(m *testing.M) { os.Exit(prefecttest.Main(m)) }

func newClient(t *testing.T, apiURL string, mod func(*prefect.Config)) *prefect.Client {
	t.Helper()
	// Patient by default: the live server is SQLite-backed and shared by every package's tests, so
	// it answers some writes 503 (database is locked); tests of the retry bounds set their own.
	cfg := prefect.Config{APIURL: apiURL, RetryBaseDelay: 500 * time.Millisecond, MaxRetries: 12}
	if mod != nil {
		mod(&cfg)
	}
	c, err := prefect.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

// uniq makes names unique per test so tests can share one server.
func uniq(t *testing.T, s string) string {
	return fmt.Sprintf("%s-%s-%d", s, strings.ReplaceAll(strings.ToLower(t.Name()), "/", "-"), time.Now().UnixNano()%1e9)
}

func ensurePool(t *testing.T, c *prefect.Client, name string) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.ReadWorkPool(ctx, name); err == nil {
		return
	} else if !prefect.IsNotFound(err) {
		t.Fatalf("ReadWorkPool: %v", err)
	}
	if _, err := c.CreateWorkPool(ctx, prefect.WorkPool{Name: name, Type: "process"}); err != nil && !strings.Contains(err.Error(), "409") {
		t.Fatalf("CreateWorkPool: %v", err)
	}
}

func fullSpec(flowID, name, pool string) *prefect.DeploymentSpec {
	return &prefect.DeploymentSpec{
		Name:   name,
		FlowID: flowID,
		Paused: true,
		Schedules: []prefect.DeploymentSchedule{
			{Schedule: prefect.Schedule{Cron: "0 9 * * 1-5", Timezone: ptr("Europe/Berlin")}, Active: true, Slug: ptr("weekday-morning"),
				Parameters: map[string]any{"mode": "full"}},
			{Schedule: prefect.Schedule{Interval: 3600, AnchorDate: "2026-01-01T00:30:00Z", Timezone: ptr("America/New_York")}, Active: false,
				Slug: ptr("hourly"), Parameters: map[string]any{}},
			{Schedule: prefect.Schedule{RRule: "FREQ=WEEKLY;BYDAY=MO", Timezone: ptr("UTC")}, Active: true, Slug: ptr("mondays"),
				Parameters: map[string]any{"count": 7}},
		},
		ConcurrencyLimit:       ptr(2),
		ConcurrencyOptions:     &prefect.ConcurrencyOptions{CollisionStrategy: "CANCEL_NEW"},
		EnforceParameterSchema: true,
		ParameterSchema: map[string]any{"title": "Parameters", "type": "object", "properties": map[string]any{
			"count": map[string]any{"title": "count", "type": "integer", "default": 3, "position": 0},
			"mode":  map[string]any{"title": "mode", "type": "string", "position": 1},
		}},
		Parameters: map[string]any{"count": 5},
		Tags:       []string{"PROJECT_NAME=demo", "COMMIT_HASH=abc=def", "ENV=dev"},
		Labels:     map[string]any{"PROJECT_NAME": "demo", "ENV": "dev"},
		PullSteps: []map[string]any{{"prefect.deployments.steps.git_clone": map[string]any{
			"repository": "https://example.invalid/org/repo.git", "commit_sha": "0123456789abcdef0123456789abcdef01234567"}}},
		WorkPoolName:  pool,
		WorkQueueName: "critical",
		Description:   ptr("ETL flow."),
		Version:       "main-0123456",
		Entrypoint:    "flows/etl.py:etl",
		JobVariables:  map[string]any{"env": map[string]any{"DEPLOYMENT_NAME": name, "LEVEL": "debug"}, "working_dir": "/tmp"},
	}
}

func TestDeploymentLifecycle(t *testing.T) {
	t.Parallel()
	c := newClient(t, prefecttest.URL(t), nil)
	ctx := context.Background()
	pool := uniq(t, "pool")
	ensurePool(t, c, pool)

	flow, err := c.EnsureFlow(ctx, uniq(t, "etl_flow"))
	if err != nil {
		t.Fatalf("EnsureFlow: %v", err)
	}
	again, err := c.EnsureFlow(ctx, flow.Name)
	if err != nil || again.ID != flow.ID {
		t.Fatalf("EnsureFlow twice gave %v, %v; want the same flow %s", again, err, flow.ID)
	}

	spec := fullSpec(flow.ID, "demo--main--etl-flow--dev", pool)
	d, created, err := c.UpsertDeployment(ctx, spec)
	if err != nil {
		t.Fatalf("UpsertDeployment: %v", err)
	}
	if !created {
		t.Errorf("first upsert: created = false, want true")
	}
	got, err := c.ReadDeploymentByName(ctx, flow.Name, spec.Name)
	if err != nil {
		t.Fatalf("ReadDeploymentByName: %v", err)
	}
	if got.ID != d.ID {
		t.Errorf("read by name gave id %s, want %s", got.ID, d.ID)
	}
	if diff := prefect.Diff(spec, got); len(diff) != 0 {
		t.Errorf("read-back differs from what was sent: %+v", diff)
	}
	// Spot-check what the normalisation must not hide.
	if got.ConcurrencyLimit() == nil || *got.ConcurrencyLimit() != 2 {
		t.Errorf("concurrency limit = %v, want 2", got.ConcurrencyLimit())
	}
	if got.WorkQueueName == nil || *got.WorkQueueName != "critical" {
		t.Errorf("work queue = %v, want critical (auto-created in the pool)", got.WorkQueueName)
	}
	if !got.Paused || len(got.Schedules) != 3 {
		t.Errorf("paused=%v schedules=%d, want paused with 3 schedules", got.Paused, len(got.Schedules))
	}

	// A changed spec is seen as changed, field by field.
	changed := fullSpec(flow.ID, spec.Name, pool)
	changed.Version = "main-fedcba9"
	changed.Schedules[0].Schedule.Cron = "0 10 * * 1-5"
	changed.JobVariables["env"].(map[string]any)["LEVEL"] = "info"
	var fields []string
	for _, ch := range prefect.Diff(changed, got) {
		fields = append(fields, ch.Field)
	}
	if diff := cmp.Diff([]string{"version", "job_variables.env", "schedules"}, fields); diff != "" {
		t.Errorf("Diff fields mismatch (-want +got):\n%s", diff)
	}

	// Upserting again updates in place.
	d2, created, err := c.UpsertDeployment(ctx, changed)
	if err != nil {
		t.Fatalf("second UpsertDeployment: %v", err)
	}
	if created || d2.ID != d.ID {
		t.Errorf("second upsert: created=%v id=%s, want an update of %s", created, d2.ID, d.ID)
	}
	byID, err := c.ReadDeployment(ctx, d.ID)
	if err != nil {
		t.Fatalf("ReadDeployment: %v", err)
	}
	if diff := prefect.Diff(changed, byID); len(diff) != 0 {
		t.Errorf("after update, read-back differs: %+v", diff)
	}

	// PATCH.
	if err := c.UpdateDeployment(ctx, d.ID, map[string]any{"paused": false}); err != nil {
		t.Fatalf("UpdateDeployment: %v", err)
	}
	byID, _ = c.ReadDeployment(ctx, d.ID)
	if byID.Paused {
		t.Errorf("after PATCH paused=false the deployment is still paused")
	}

	// A flow run from the deployment.
	fr, err := c.CreateFlowRun(ctx, d.ID, prefect.FlowRunCreate{Parameters: map[string]any{"mode": "quick"}, IdempotencyKey: uniq(t, "run")})
	if err != nil {
		t.Fatalf("CreateFlowRun: %v", err)
	}
	fr2, err := c.ReadFlowRun(ctx, fr.ID)
	if err != nil || fr2.State == nil || fr2.State.Type != "SCHEDULED" || fr2.DeploymentID != d.ID {
		t.Fatalf("ReadFlowRun = %+v, %v; want a SCHEDULED run of %s", fr2, err, d.ID)
	}

	// Delete.
	if err := c.DeleteDeployment(ctx, d.ID); err != nil {
		t.Fatalf("DeleteDeployment: %v", err)
	}
	if _, err := c.ReadDeployment(ctx, d.ID); !prefect.IsNotFound(err) {
		t.Errorf("after delete, read gave %v; want not found", err)
	}
}

func TestAutomationsOwnedByDeployment(t *testing.T) {
	t.Parallel()
	c := newClient(t, prefecttest.URL(t), nil)
	ctx := context.Background()
	flow, err := c.EnsureFlow(ctx, uniq(t, "triggered"))
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := c.UpsertDeployment(ctx, &prefect.DeploymentSpec{Name: "t", FlowID: flow.ID, Entrypoint: "f.py:f", JobVariables: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	a := prefect.Automation{Name: "t__automation_1", Enabled: true,
		Trigger: map[string]any{"type": "event", "expect": []string{"external.resource.pinged"}, "match": map[string]any{"prefect.resource.id": "my.resource"}, "posture": "Reactive", "threshold": 1, "within": 0},
		Actions: []map[string]any{{"type": "run-deployment", "source": "selected", "deployment_id": d.ID, "parameters": map[string]any{"x": "{{ event.id }}"}}}}
	if _, err := c.CreateDeploymentAutomation(ctx, d.ID, a); err != nil {
		t.Fatalf("CreateDeploymentAutomation: %v", err)
	}
	owned, err := c.DeploymentAutomations(ctx, d.ID)
	if err != nil || len(owned) != 1 || owned[0].Name != a.Name {
		t.Fatalf("DeploymentAutomations = %+v, %v; want the one created", owned, err)
	}
	if err := c.DeleteOwnedAutomations(ctx, d.ID); err != nil {
		t.Fatalf("DeleteOwnedAutomations: %v", err)
	}
	owned, err = c.DeploymentAutomations(ctx, d.ID)
	if err != nil || len(owned) != 0 {
		t.Fatalf("after delete: %+v, %v; want none", owned, err)
	}
}

func TestFilterPaginatesPast200(t *testing.T) {
	t.Parallel()
	// Creating 230 deployments is set-up, not what is tested: a patient client rides out the
	// "database is locked" 503s a SQLite server gives while other packages' tests write too.
	c := newClient(t, prefecttest.URL(t), func(c *prefect.Config) { c.MaxRetries = 12 })
	ctx := context.Background()
	flow, err := c.EnsureFlow(ctx, uniq(t, "many"))
	if err != nil {
		t.Fatal(err)
	}
	tag := "BATCH=" + uniq(t, "b")
	const n = 230
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 2)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			_, _, err := c.UpsertDeployment(ctx, &prefect.DeploymentSpec{Name: fmt.Sprintf("d%03d", i), FlowID: flow.ID,
				Entrypoint: "f.py:f", Tags: []string{tag}, JobVariables: map[string]any{}})
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("UpsertDeployment: %v", err)
		}
	}
	reads0, _ := c.Requests()
	got, err := c.FilterDeployments(ctx, prefect.DeploymentFilter{TagsAll: []string{tag}})
	if err != nil {
		t.Fatalf("FilterDeployments: %v", err)
	}
	reads1, _ := c.Requests()
	if len(got) != n {
		t.Errorf("FilterDeployments returned %d deployments, want %d", len(got), n)
	}
	seen := map[string]bool{}
	for _, d := range got {
		seen[d.Name] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct names, want %d (pages overlap)", len(seen), n)
	}
	if pages := reads1 - reads0; pages != 2 {
		t.Errorf("listing %d deployments took %d requests, want 2 pages", n, pages)
	}
}

func TestMissingWorkPool(t *testing.T) {
	t.Parallel()
	c := newClient(t, prefecttest.URL(t), nil)
	ctx := context.Background()
	flow, err := c.EnsureFlow(ctx, uniq(t, "nopool"))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.UpsertDeployment(ctx, &prefect.DeploymentSpec{Name: "x", FlowID: flow.ID, Entrypoint: "f.py:f", WorkPoolName: "no-such-pool-here", JobVariables: map[string]any{}})
	if err == nil {
		t.Fatal("upsert into a missing work pool succeeded")
	}
	for _, want := range []string{`upsert deployment "x"`, "HTTP 404", `Work pool "no-such-pool-here" not found`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if _, err := c.ReadWorkPool(ctx, "no-such-pool-here"); !prefect.IsNotFound(err) {
		t.Errorf("ReadWorkPool of a missing pool: %v, want not found", err)
	}
}

// TestServerAskedOnce: the client reads /admin/version once, however many calls need it; a
// server that blocks the question is taken for a current Prefect 3, and says so.
func TestServerAskedOnce(t *testing.T) {
	t.Parallel()
	var asked atomic.Int64
	px := prefecttest.NewProxy(t, prefecttest.URL(t), func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/admin/version") {
			asked.Add(1)
		}
		return false
	})
	c := newClient(t, px.URL, nil)
	if err := c.Health(context.Background()); err != nil {
		t.Fatalf("Health: %v", err)
	}
	for range 3 {
		s, err := c.Server(context.Background())
		if err != nil || s.Major() != 3 || s.Unknown || s.Cloud || !strings.HasPrefix(s.String(), "Prefect 3.") {
			t.Fatalf("Server = %+v, %v; want a 3.x version", s, err)
		}
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("/admin/version asked %d times, want 1", n)
	}

	blocked := prefecttest.NewProxy(t, prefecttest.URL(t), func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/admin/version") {
			http.Error(w, `{"detail":"Forbidden"}`, http.StatusForbidden)
			return true
		}
		return false
	})
	s, err := newClient(t, blocked.URL, nil).Server(context.Background())
	if err != nil || !s.Unknown || s.Reason != "GET /admin/version answered HTTP 403" {
		t.Errorf("behind a proxy blocking /admin: %+v, %v", s, err)
	}
}

func TestBasicAuthServer(t *testing.T) {
	t.Parallel()
	const secret = "ci-user:s3cr3t-pass"
	srv := prefecttest.Start(t, map[string]string{"PREFECT_SERVER_API_AUTH_STRING": secret})
	ctx := context.Background()

	good := newClient(t, srv.URL, func(c *prefect.Config) { c.AuthString = secret })
	if _, err := good.EnsureFlow(ctx, "authed"); err != nil {
		t.Fatalf("with the right auth string: %v", err)
	}

	const wrong = "ci-user:not-the-password"
	bad := newClient(t, srv.URL, func(c *prefect.Config) { c.AuthString = wrong })
	_, err := bad.EnsureFlow(ctx, "authed")
	if err == nil {
		t.Fatal("a wrong auth string was accepted")
	}
	msg := err.Error()
	for _, want := range []string{"HTTP 401", "refused the credentials", "PREFECT_API_AUTH_STRING"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "not-the-password") || strings.Contains(msg, secret) {
		t.Errorf("error leaks the auth string: %q", msg)
	}
	none := newClient(t, srv.URL, nil)
	if _, err := none.ReadFlowByName(ctx, "authed"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("no credentials: %v, want a 401", err)
	}
}

func TestCSRFProtectedServer(t *testing.T) {
	t.Parallel()
	srv := prefecttest.Start(t, map[string]string{"PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED": "true"})
	ctx := context.Background()
	c := newClient(t, srv.URL, nil)
	f, err := c.EnsureFlow(ctx, "csrf-flow")
	if err != nil {
		t.Fatalf("EnsureFlow on a CSRF-protected server: %v", err)
	}
	if _, _, err := c.UpsertDeployment(ctx, &prefect.DeploymentSpec{Name: "d", FlowID: f.ID, Entrypoint: "f.py:f", JobVariables: map[string]any{}}); err != nil {
		t.Fatalf("UpsertDeployment on a CSRF-protected server: %v", err)
	}
	// Without CSRF support the same server refuses writes: the test would catch a client that
	// silently stopped sending tokens.
	off := newClient(t, srv.URL, func(c *prefect.Config) { c.CSRFDisabled = true; c.MaxRetries = -1 })
	if _, err := off.EnsureFlow(ctx, "csrf-flow-2"); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("write without a CSRF token: %v, want 403", err)
	}
}

// faultProxy forwards to the live server but first answers some requests itself with a status,
// or drops the connection, to exercise the client's retries.
type faultProxy struct {
	*prefecttest.Proxy
	mu    sync.Mutex
	plan  []func(w http.ResponseWriter) bool // consumed in order; true = handled (fault injected)
	times []time.Time
}

func newFaultProxy(t *testing.T, target string, plan ...func(w http.ResponseWriter) bool) (*faultProxy, string) {
	t.Helper()
	fp := &faultProxy{plan: plan}
	fp.Proxy = prefecttest.NewProxy(t, target, func(w http.ResponseWriter, r *http.Request) bool {
		fp.mu.Lock()
		fp.times = append(fp.times, time.Now())
		var step func(http.ResponseWriter) bool
		if len(fp.plan) > 0 {
			step, fp.plan = fp.plan[0], fp.plan[1:]
		}
		fp.mu.Unlock()
		return step != nil && step(w)
	})
	return fp, fp.URL
}

func status(code int, header ...string) func(http.ResponseWriter) bool {
	return func(w http.ResponseWriter) bool {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
		fmt.Fprint(w, `{"exception_message":"Service Unavailable"}`)
		return true
	}
}

func drop(w http.ResponseWriter) bool {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return false
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
	return true
}

func TestRetriesThroughFaultProxy(t *testing.T) {
	t.Parallel()
	live := prefecttest.URL(t)
	ctx := context.Background()

	t.Run("503 then 502 then dropped connection then success", func(t *testing.T) {
		t.Parallel()
		fp, u := newFaultProxy(t, live, status(503), status(502), drop)
		c := newClient(t, u, nil)
		f, err := c.EnsureFlow(ctx, uniq(t, "retried"))
		if err != nil {
			t.Fatalf("EnsureFlow through faults: %v", err)
		}
		if f.ID == "" {
			t.Error("no flow id")
		}
		if got := fp.Requests.Load(); got < 4 {
			t.Errorf("proxy saw %d requests, want at least 4 (3 faults + success)", got)
		}
	})

	t.Run("Retry-After is a minimum", func(t *testing.T) {
		t.Parallel()
		fp, u := newFaultProxy(t, live, status(429, "Retry-After", "1"))
		c := newClient(t, u, nil)
		if err := c.Health(ctx); err != nil {
			t.Fatalf("Health: %v", err)
		}
		fp.mu.Lock()
		defer fp.mu.Unlock()
		if len(fp.times) < 2 {
			t.Fatalf("proxy saw %d requests, want 2", len(fp.times))
		}
		if gap := fp.times[1].Sub(fp.times[0]); gap < time.Second {
			t.Errorf("retried after %v; Retry-After said 1s", gap)
		}
	})

	t.Run("attempts are bounded", func(t *testing.T) {
		t.Parallel()
		var plan []func(http.ResponseWriter) bool
		for i := 0; i < 20; i++ {
			plan = append(plan, status(503))
		}
		fp, u := newFaultProxy(t, live, plan...)
		c := newClient(t, u, func(c *prefect.Config) { c.MaxRetries = 3 })
		err := c.Health(ctx)
		if err == nil || !strings.Contains(err.Error(), "HTTP 503") || !strings.Contains(err.Error(), "Service Unavailable") {
			t.Fatalf("err = %v, want the final 503 with the server's message", err)
		}
		if got := fp.Requests.Load(); got != 4 {
			t.Errorf("proxy saw %d attempts, want 4 (1 + 3 retries)", got)
		}
	})

	t.Run("cancellation stops retrying", func(t *testing.T) {
		t.Parallel()
		var plan []func(http.ResponseWriter) bool
		for i := 0; i < 20; i++ {
			plan = append(plan, status(503, "Retry-After", "30"))
		}
		_, u := newFaultProxy(t, live, plan...)
		c := newClient(t, u, nil)
		cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := c.Health(cctx)
		if err == nil || !strings.Contains(err.Error(), "context deadline exceeded") {
			t.Fatalf("err = %v, want the context's deadline", err)
		}
		if waited := time.Since(start); waited > 10*time.Second {
			t.Errorf("kept retrying for %v after the context ended", waited)
		}
	})

	t.Run("busy answers are handed back to a caller that paces itself", func(t *testing.T) {
		t.Parallel()
		fp, u := newFaultProxy(t, live, status(429, "Retry-After", "7"), status(503), status(502))
		c := newClient(t, u, nil)
		bctx := prefect.WithoutBusyRetries(ctx)
		err := c.Health(bctx)
		if !prefect.IsBusy(err) || prefect.RetryAfter(err) != 7*time.Second {
			t.Fatalf("err = %v (Retry-After %v), want the 429 at once with Retry-After 7s", err, prefect.RetryAfter(err))
		}
		if err := c.Health(bctx); !prefect.IsBusy(err) || !strings.Contains(err.Error(), "HTTP 503") || prefect.RetryAfter(err) != 0 {
			t.Fatalf("err = %v, want the 503 at once, without Retry-After", err)
		}
		// A 502 is not the server refusing for load: it is retried as usual, then the real
		// server answers.
		if err := c.Health(bctx); err != nil {
			t.Fatalf("Health after a 502: %v, want it retried", err)
		}
		if got := fp.Requests.Load(); got != 4 {
			t.Errorf("proxy saw %d requests, want 4 (429, 503, 502, then the server)", got)
		}
	})

	t.Run("a 400 is not retried", func(t *testing.T) {
		t.Parallel()
		fp, u := newFaultProxy(t, live)
		c := newClient(t, u, nil)
		_, _, err := c.UpsertDeployment(ctx, &prefect.DeploymentSpec{Name: "bad", FlowID: "not-a-uuid", JobVariables: map[string]any{}})
		if err == nil || !strings.Contains(err.Error(), "HTTP 422") || !strings.Contains(err.Error(), "flow_id") {
			t.Fatalf("err = %v, want a 422 naming flow_id", err)
		}
		if got := fp.Requests.Load(); got > 3 { // the version read and a CSRF probe may precede the write
			t.Errorf("proxy saw %d requests; a 422 must not be retried", got)
		}
	})
}

func TestSecretsNeverInErrors(t *testing.T) {
	t.Parallel()
	const key = "pnu_supersecretapikey123"
	// Nothing listens on this port: the connection is refused, every retry fails.
	c := newClient(t, "http://127.0.0.1:1/api", func(c *prefect.Config) { c.APIKey = key; c.MaxRetries = 1 })
	_, err := c.EnsureFlow(context.Background(), "x")
	if err == nil {
		t.Fatal("want an error from an unreachable server")
	}
	if strings.Contains(err.Error(), key) {
		t.Errorf("error leaks the API key: %v", err)
	}
	if !strings.Contains(err.Error(), `create flow "x"`) || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error %q should say which call failed and why", err)
	}
}
