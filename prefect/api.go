package prefect

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"time"
)

// Flow is a Prefect flow.
type Flow struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Schedule is one schedule: exactly one of Cron, Interval (seconds) or RRule is set.
type Schedule struct {
	Cron       string  `json:"cron,omitempty"`
	DayOr      *bool   `json:"day_or,omitempty"`
	Interval   float64 `json:"interval,omitempty"`
	AnchorDate string  `json:"anchor_date,omitempty"`
	RRule      string  `json:"rrule,omitempty"`
	Timezone   *string `json:"timezone,omitempty"`
}

// DeploymentSchedule is a schedule attached to a deployment.
type DeploymentSchedule struct {
	ID               string         `json:"id,omitempty"`
	Schedule         Schedule       `json:"schedule"`
	Active           bool           `json:"active"`
	MaxScheduledRuns *int           `json:"max_scheduled_runs,omitempty"`
	Parameters       map[string]any `json:"parameters"`
	Slug             *string        `json:"slug,omitempty"`
}

// ConcurrencyOptions says what happens to runs beyond a deployment's concurrency limit.
type ConcurrencyOptions struct {
	CollisionStrategy  string `json:"collision_strategy"`
	GracePeriodSeconds *int   `json:"grace_period_seconds,omitempty"`
}

// DeploymentSpec is the complete desired state of a deployment, sent as the body of
// POST /deployments/ (an upsert keyed on flow and name). Every field is always sent, so an
// upsert behaves the same on every 3.x server.
type DeploymentSpec struct {
	Name                   string               `json:"name"`
	FlowID                 string               `json:"flow_id"`
	Paused                 bool                 `json:"paused"`
	Schedules              []DeploymentSchedule `json:"schedules"`
	ConcurrencyLimit       *int                 `json:"concurrency_limit"`
	ConcurrencyOptions     *ConcurrencyOptions  `json:"concurrency_options"`
	EnforceParameterSchema bool                 `json:"enforce_parameter_schema"`
	ParameterSchema        map[string]any       `json:"parameter_openapi_schema"`
	Parameters             map[string]any       `json:"parameters"`
	Tags                   []string             `json:"tags"`
	Labels                 map[string]any       `json:"labels,omitempty"`
	PullSteps              []map[string]any     `json:"pull_steps"`
	WorkPoolName           string               `json:"work_pool_name,omitempty"`
	WorkQueueName          string               `json:"work_queue_name,omitempty"`
	Description            *string              `json:"description"`
	Path                   *string              `json:"path"`
	Version                string               `json:"version,omitempty"`
	Entrypoint             string               `json:"entrypoint"`
	JobVariables           map[string]any       `json:"job_variables"`
}

// MarshalJSON sends empty lists and maps rather than null, which the server refuses.
func (s DeploymentSpec) MarshalJSON() ([]byte, error) {
	type plain DeploymentSpec
	p := plain(s)
	p.Schedules = append([]DeploymentSchedule{}, p.Schedules...)
	for i := range p.Schedules {
		if p.Schedules[i].Parameters == nil {
			p.Schedules[i].Parameters = map[string]any{}
		}
	}
	if p.Parameters == nil {
		p.Parameters = map[string]any{}
	}
	if p.Tags == nil {
		p.Tags = []string{}
	}
	if p.PullSteps == nil {
		p.PullSteps = []map[string]any{}
	}
	if p.JobVariables == nil {
		p.JobVariables = map[string]any{}
	}
	return json.Marshal(p)
}

// GlobalConcurrencyLimit is the limit object behind a deployment's concurrency limit.
type GlobalConcurrencyLimit struct {
	Limit int `json:"limit"`
}

// Deployment is a deployment as the server returns it.
type Deployment struct {
	ID                     string                  `json:"id"`
	Created                time.Time               `json:"created"`
	Updated                time.Time               `json:"updated"`
	Name                   string                  `json:"name"`
	FlowID                 string                  `json:"flow_id"`
	Version                *string                 `json:"version"`
	Description            *string                 `json:"description"`
	Paused                 bool                    `json:"paused"`
	Status                 string                  `json:"status"`
	Schedules              []DeploymentSchedule    `json:"schedules"`
	GlobalConcurrencyLimit *GlobalConcurrencyLimit `json:"global_concurrency_limit"`
	// LegacyConcurrencyLimit is where Prefect 3.0 answers the limit (later versions answer
	// null here and the limit in GlobalConcurrencyLimit).
	LegacyConcurrencyLimit *int                `json:"concurrency_limit"`
	ConcurrencyOptions     *ConcurrencyOptions `json:"concurrency_options"`
	JobVariables           map[string]any      `json:"job_variables"`
	Parameters             map[string]any      `json:"parameters"`
	Tags                   []string            `json:"tags"`
	Labels                 map[string]any      `json:"labels"`
	WorkQueueName          *string             `json:"work_queue_name"`
	WorkPoolName           *string             `json:"work_pool_name"`
	ParameterSchema        map[string]any      `json:"parameter_openapi_schema"`
	Path                   *string             `json:"path"`
	PullSteps              []map[string]any    `json:"pull_steps"`
	Entrypoint             *string             `json:"entrypoint"`
	EnforceParameterSchema bool                `json:"enforce_parameter_schema"`
	// InfrastructureDocumentID and StorageDocumentID are a Prefect 2 deployment's blocks
	// (null on Prefect 3).
	InfrastructureDocumentID *string `json:"infrastructure_document_id,omitempty"`
	StorageDocumentID        *string `json:"storage_document_id,omitempty"`
}

// UnmarshalJSON reads a deployment as any supported server answers it: Prefect 2 answers the
// job variables as infra_overrides (and job_variables empty).
func (d *Deployment) UnmarshalJSON(b []byte) error {
	type plain Deployment
	var v struct {
		plain
		InfraOverrides map[string]any `json:"infra_overrides"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*d = Deployment(v.plain)
	if len(d.JobVariables) == 0 && len(v.InfraOverrides) > 0 {
		d.JobVariables = v.InfraOverrides
	}
	return nil
}

// ConcurrencyLimit returns the deployment's concurrency limit, or nil when it has none.
func (d *Deployment) ConcurrencyLimit() *int {
	if d.GlobalConcurrencyLimit == nil {
		if d.LegacyConcurrencyLimit != nil {
			n := *d.LegacyConcurrencyLimit
			return &n
		}
		return nil
	}
	n := d.GlobalConcurrencyLimit.Limit
	return &n
}

// WorkPool describes a work pool.
type WorkPool struct {
	ID              string         `json:"id,omitempty"`
	Name            string         `json:"name"`
	Type            string         `json:"type"`
	Description     string         `json:"description,omitempty"`
	BaseJobTemplate map[string]any `json:"base_job_template,omitempty"`
	IsPaused        bool           `json:"is_paused,omitempty"`
	DefaultQueueID  string         `json:"default_queue_id,omitempty"`
	// ConcurrencyLimit caps the pool's concurrent runs; nil means no limit.
	ConcurrencyLimit *int `json:"concurrency_limit,omitempty"`
}

// WorkQueue describes a queue of a work pool.
type WorkQueue struct {
	ID           string `json:"id,omitempty"`
	Name         string `json:"name"`
	WorkPoolName string `json:"work_pool_name,omitempty"`
	Priority     *int   `json:"priority,omitempty"`
	Description  string `json:"description,omitempty"`
	IsPaused     bool   `json:"is_paused,omitempty"`
	// ConcurrencyLimit caps the queue's concurrent runs; nil means no limit.
	ConcurrencyLimit *int `json:"concurrency_limit,omitempty"`
}

// State is a flow run's state.
type State struct {
	Type    string `json:"type"`
	Name    string `json:"name"`
	Message string `json:"message"`
}

// Terminal reports whether the state is final.
func (s State) Terminal() bool {
	switch s.Type {
	case "COMPLETED", "FAILED", "CANCELLED", "CRASHED":
		return true
	}
	return false
}

// FlowRun is a flow run.
type FlowRun struct {
	ID                string         `json:"id"`
	Name              string         `json:"name"`
	DeploymentID      string         `json:"deployment_id"`
	DeploymentVersion string         `json:"deployment_version"`
	Parameters        map[string]any `json:"parameters"`
	JobVariables      map[string]any `json:"job_variables"`
	State             *State         `json:"state"`
	// ExpectedStartTime is when the run is due (for scheduled runs, the schedule's time).
	ExpectedStartTime *time.Time `json:"expected_start_time"`
	// AutoScheduled is true for runs the server's scheduler created from a schedule.
	AutoScheduled bool `json:"auto_scheduled"`
}

// FlowRunCreate is the body of a request to run a deployment.
type FlowRunCreate struct {
	Name           string         `json:"name,omitempty"`
	Parameters     map[string]any `json:"parameters,omitempty"`
	Tags           []string       `json:"tags,omitempty"`
	IdempotencyKey string         `json:"idempotency_key,omitempty"`
	JobVariables   map[string]any `json:"job_variables,omitempty"`
}

// DeploymentFilter selects deployments. Empty fields do not filter.
type DeploymentFilter struct {
	// Names matches any of these deployment names.
	Names []string
	// NameLike keeps deployments whose name contains this text, ignoring case (Prefect's like_).
	NameLike string
	// TagsAll keeps deployments that carry every one of these tags.
	TagsAll []string
	// FlowNames matches any of these flow names.
	FlowNames []string
}

// PageSize is the number of deployments asked for per filter request: the server's default
// maximum, so listing needs as few requests as possible.
const PageSize = 200

// maxPages bounds pagination (200 × 500 = 100,000 deployments).
const maxPages = 500

// Health checks that the server answers /health.
func (c *Client) Health(ctx context.Context) error {
	var ok bool
	_, err := c.do(ctx, request{op: "check server health", method: http.MethodGet, path: "/health"}, &ok)
	return err
}

// EnsureFlow returns the flow called name, creating it when missing.
func (c *Client) EnsureFlow(ctx context.Context, name string) (*Flow, error) {
	var f Flow
	_, err := c.do(ctx, request{op: fmt.Sprintf("create flow %q", name), method: http.MethodPost, path: "/flows/", body: map[string]any{"name": name}, idempotent: true}, &f)
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// ReadFlowByName returns the flow called name; the error satisfies IsNotFound when it is missing.
func (c *Client) ReadFlowByName(ctx context.Context, name string) (*Flow, error) {
	var f Flow
	_, err := c.do(ctx, request{op: fmt.Sprintf("read flow %q", name), method: http.MethodGet, path: "/flows/name/" + url.PathEscape(name)}, &f)
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// FilterFlows returns the flows with any of these names (flows that do not exist are absent),
// asking for at most PageSize names per request.
func (c *Client) FilterFlows(ctx context.Context, names []string) ([]Flow, error) {
	var all []Flow
	for start := 0; start < len(names); start += PageSize {
		batch := names[start:min(start+PageSize, len(names))]
		var got []Flow
		body := map[string]any{"limit": PageSize, "flows": map[string]any{"name": map[string]any{"any_": batch}}}
		if _, err := c.do(ctx, request{op: "list flows", method: http.MethodPost, path: "/flows/filter", body: body, read: true}, &got); err != nil {
			return nil, err
		}
		all = append(all, got...)
	}
	return all, nil
}

// FlowsByID returns the flows with these ids.
func (c *Client) FlowsByID(ctx context.Context, ids []string) ([]Flow, error) {
	var all []Flow
	for start := 0; start < len(ids); start += PageSize {
		batch := ids[start:min(start+PageSize, len(ids))]
		var got []Flow
		body := map[string]any{"limit": PageSize, "flows": map[string]any{"id": map[string]any{"any_": batch}}}
		if _, err := c.do(ctx, request{op: "list flows", method: http.MethodPost, path: "/flows/filter", body: body, read: true}, &got); err != nil {
			return nil, err
		}
		all = append(all, got...)
	}
	return all, nil
}

// UpsertDeployment creates or replaces the deployment (flow, name) with spec. created is true when
// the server made a new deployment.
func (c *Client) UpsertDeployment(ctx context.Context, spec *DeploymentSpec) (d *Deployment, created bool, err error) {
	op := fmt.Sprintf("upsert deployment %q", spec.Name)
	info, err := c.Server(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("failed to %s: %w", op, err)
	}
	body, err := info.deploymentBody(spec)
	if err != nil {
		return nil, false, fmt.Errorf("failed to %s: encode request: %w", op, err)
	}
	d = new(Deployment)
	status, err := c.do(ctx, request{op: op, method: http.MethodPost, path: "/deployments/", body: body, idempotent: true}, d)
	if err != nil {
		return nil, false, err
	}
	return d, status == http.StatusCreated, nil
}

// ReadDeployment returns the deployment with this id.
func (c *Client) ReadDeployment(ctx context.Context, id string) (*Deployment, error) {
	d := new(Deployment)
	_, err := c.do(ctx, request{op: fmt.Sprintf("read deployment %s", id), method: http.MethodGet, path: "/deployments/" + url.PathEscape(id)}, d)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// ReadDeploymentByName returns the deployment name of flow flowName; the error satisfies
// IsNotFound when it is missing.
func (c *Client) ReadDeploymentByName(ctx context.Context, flowName, name string) (*Deployment, error) {
	d := new(Deployment)
	_, err := c.do(ctx, request{
		op:     fmt.Sprintf("read deployment %q", flowName+"/"+name),
		method: http.MethodGet,
		path:   "/deployments/name/" + url.PathEscape(flowName) + "/" + url.PathEscape(name),
	}, d)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// UpdateDeployment applies a partial update (PATCH) with the given fields.
func (c *Client) UpdateDeployment(ctx context.Context, id string, fields map[string]any) error {
	_, err := c.do(ctx, request{op: fmt.Sprintf("update deployment %s", id), method: http.MethodPatch, path: "/deployments/" + url.PathEscape(id), body: fields, idempotent: true}, nil)
	return err
}

// DeleteDeployment deletes a deployment and the automations it owns.
func (c *Client) DeleteDeployment(ctx context.Context, id string) error {
	if err := c.DeleteOwnedAutomations(ctx, id); err != nil && !IsNotFound(err) {
		return err
	}
	_, err := c.do(ctx, request{op: fmt.Sprintf("delete deployment %s", id), method: http.MethodDelete, path: "/deployments/" + url.PathEscape(id), idempotent: true, goneOK: true}, nil)
	return err
}

// FilterDeployments lists every deployment matching f, paging past the server's limit of 200.
func (c *Client) FilterDeployments(ctx context.Context, f DeploymentFilter) ([]Deployment, error) {
	body := map[string]any{"sort": "NAME_ASC", "limit": PageSize}
	deps := map[string]any{}
	if len(f.Names) > 0 || f.NameLike != "" {
		name := map[string]any{}
		if len(f.Names) > 0 {
			name["any_"] = f.Names
		}
		if f.NameLike != "" {
			name["like_"] = f.NameLike
		}
		deps["name"] = name
	}
	if len(f.TagsAll) > 0 {
		deps["tags"] = map[string]any{"all_": f.TagsAll}
	}
	if len(deps) > 0 {
		body["deployments"] = deps
	}
	if len(f.FlowNames) > 0 {
		body["flows"] = map[string]any{"name": map[string]any{"any_": f.FlowNames}}
	}
	var all []Deployment
	for page := 0; page < maxPages; page++ {
		body["offset"] = page * PageSize
		var batch []Deployment
		if _, err := c.do(ctx, request{op: "list deployments", method: http.MethodPost, path: "/deployments/filter", body: body, read: true}, &batch); err != nil {
			return nil, err
		}
		all = append(all, batch...)
		if len(batch) < PageSize {
			return all, nil
		}
	}
	return nil, fmt.Errorf("failed to list deployments: more than %d pages of %d", maxPages, PageSize)
}

// ReadWorkPool returns the work pool called name; the error satisfies IsNotFound when it is missing.
func (c *Client) ReadWorkPool(ctx context.Context, name string) (*WorkPool, error) {
	p := new(WorkPool)
	_, err := c.do(ctx, request{op: fmt.Sprintf("read work pool %q", name), method: http.MethodGet, path: "/work_pools/" + url.PathEscape(name)}, p)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// CreateWorkPool creates a work pool. Type must be set (the server's default is a legacy type).
// When the answer is lost, the pool is read back before any retry, so a retry never meets its
// own pool as a conflict.
func (c *Client) CreateWorkPool(ctx context.Context, p WorkPool) (*WorkPool, error) {
	if p.Type == "" {
		return nil, fmt.Errorf("failed to create work pool %q: a type (process, docker, kubernetes, …) is required", p.Name)
	}
	out := new(WorkPool)
	_, err := c.do(ctx, request{op: fmt.Sprintf("create work pool %q", p.Name), method: http.MethodPost, path: "/work_pools/", body: p,
		lookup: func(ctx context.Context, out any) (bool, error) {
			got, err := c.ReadWorkPool(ctx, p.Name)
			if IsNotFound(err) {
				return false, nil
			}
			if err == nil {
				*out.(*WorkPool) = *got
			}
			return err == nil, err
		}}, out)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateWorkPool applies a partial update (PATCH) with the given fields, e.g.
// {"concurrency_limit": 5}.
func (c *Client) UpdateWorkPool(ctx context.Context, name string, fields map[string]any) error {
	_, err := c.do(ctx, request{op: fmt.Sprintf("update work pool %q", name), method: http.MethodPatch, path: "/work_pools/" + url.PathEscape(name), body: fields, idempotent: true}, nil)
	return err
}

// UpdateWorkQueue applies a partial update (PATCH) to queue name of pool.
func (c *Client) UpdateWorkQueue(ctx context.Context, pool, name string, fields map[string]any) error {
	_, err := c.do(ctx, request{op: fmt.Sprintf("update work queue %q of pool %q", name, pool), method: http.MethodPatch,
		path: "/work_pools/" + url.PathEscape(pool) + "/queues/" + url.PathEscape(name), body: fields, idempotent: true}, nil)
	return err
}

// DefaultBaseJobTemplates returns, by worker type (process, docker, kubernetes, ...), the base
// job template Prefect's own `prefect work-pool create --type T` gives a new pool, from the
// server's worker metadata view (which falls back to a copy bundled with the server).
func (c *Client) DefaultBaseJobTemplates(ctx context.Context) (map[string]map[string]any, error) {
	var view map[string]map[string]struct {
		Template map[string]any `json:"default_base_job_configuration"`
	}
	_, err := c.do(ctx, request{op: "read the default base job templates", method: http.MethodGet, path: "/collections/views/aggregate-worker-metadata"}, &view)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]any{}
	for _, workers := range view {
		for typ, w := range workers {
			if w.Template != nil {
				out[typ] = w.Template
			}
		}
	}
	return out, nil
}

// ReadWorkQueue returns queue name of pool.
func (c *Client) ReadWorkQueue(ctx context.Context, pool, name string) (*WorkQueue, error) {
	q := new(WorkQueue)
	_, err := c.do(ctx, request{op: fmt.Sprintf("read work queue %q of pool %q", name, pool), method: http.MethodGet,
		path: "/work_pools/" + url.PathEscape(pool) + "/queues/" + url.PathEscape(name)}, q)
	if err != nil {
		return nil, err
	}
	return q, nil
}

// CreateWorkQueue creates queue name in pool; like CreateWorkPool, it reads the queue back
// before retrying a request whose answer was lost.
func (c *Client) CreateWorkQueue(ctx context.Context, pool string, q WorkQueue) (*WorkQueue, error) {
	out := new(WorkQueue)
	_, err := c.do(ctx, request{op: fmt.Sprintf("create work queue %q in pool %q", q.Name, pool), method: http.MethodPost,
		path: "/work_pools/" + url.PathEscape(pool) + "/queues", body: q,
		lookup: func(ctx context.Context, out any) (bool, error) {
			got, err := c.ReadWorkQueue(ctx, pool, q.Name)
			if IsNotFound(err) {
				return false, nil
			}
			if err == nil {
				*out.(*WorkQueue) = *got
			}
			return err == nil, err
		}}, out)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CreateFlowRun starts a run of a deployment. Without an IdempotencyKey it sends a fresh one,
// so that a retry after a lost answer returns the run the first attempt made instead of
// starting a second one.
func (c *Client) CreateFlowRun(ctx context.Context, deploymentID string, r FlowRunCreate) (*FlowRun, error) {
	if r.IdempotencyKey == "" {
		r.IdempotencyKey = newUUID()
	}
	out := new(FlowRun)
	_, err := c.do(ctx, request{op: fmt.Sprintf("create a flow run of deployment %s", deploymentID), method: http.MethodPost,
		path: "/deployments/" + url.PathEscape(deploymentID) + "/create_flow_run", body: r, idempotent: true}, out)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ReadFlowRun returns a flow run with its current state.
func (c *Client) ReadFlowRun(ctx context.Context, id string) (*FlowRun, error) {
	out := new(FlowRun)
	_, err := c.do(ctx, request{op: fmt.Sprintf("read flow run %s", id), method: http.MethodGet, path: "/flow_runs/" + url.PathEscape(id)}, out)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeploymentFlowRuns returns up to limit (at most PageSize) flow runs of a deployment, the
// soonest due first; with states (e.g. "SCHEDULED"), only runs in those state types.
func (c *Client) DeploymentFlowRuns(ctx context.Context, deploymentID string, states []string, limit int) ([]FlowRun, error) {
	if limit <= 0 || limit > PageSize {
		limit = PageSize
	}
	runs := map[string]any{"deployment_id": map[string]any{"any_": []string{deploymentID}}}
	if len(states) > 0 {
		runs["state"] = map[string]any{"type": map[string]any{"any_": states}}
	}
	body := map[string]any{"flow_runs": runs, "sort": "EXPECTED_START_TIME_ASC", "limit": limit}
	var out []FlowRun
	_, err := c.do(ctx, request{op: fmt.Sprintf("list the flow runs of deployment %s", deploymentID), method: http.MethodPost, path: "/flow_runs/filter", body: body, read: true}, &out)
	return out, err
}

// WaitFlowRun polls a flow run every interval until its state is terminal or ctx ends.
func (c *Client) WaitFlowRun(ctx context.Context, id string, interval time.Duration) (*FlowRun, error) {
	for {
		fr, err := c.ReadFlowRun(ctx, id)
		if err != nil {
			return nil, err
		}
		if fr.State != nil && fr.State.Terminal() {
			return fr, nil
		}
		if err := Sleep(ctx, interval); err != nil {
			return fr, fmt.Errorf("flow run %s did not finish: %w", id, err)
		}
	}
}

// ownerResource is how automations name the deployment that owns them.
func ownerResource(deploymentID string) string { return "prefect.deployment." + deploymentID }

// DeleteOwnedAutomations deletes the automations (triggers) owned by a deployment.
func (c *Client) DeleteOwnedAutomations(ctx context.Context, deploymentID string) error {
	_, err := c.do(ctx, request{op: fmt.Sprintf("delete the automations of deployment %s", deploymentID), method: http.MethodDelete,
		path: "/automations/owned-by/" + url.PathEscape(ownerResource(deploymentID)), idempotent: true}, nil)
	return err
}

// Automation is an automation as the server returns it; the trigger and actions are kept as JSON.
type Automation struct {
	ID            string           `json:"id,omitempty"`
	Created       time.Time        `json:"-"`
	Name          string           `json:"name"`
	Description   string           `json:"description"`
	Enabled       bool             `json:"enabled"`
	Trigger       map[string]any   `json:"trigger"`
	Actions       []map[string]any `json:"actions"`
	OwnerResource string           `json:"owner_resource,omitempty"`
}

// UnmarshalJSON reads an automation, including its creation time.
func (a *Automation) UnmarshalJSON(b []byte) error {
	type plain Automation
	var v struct {
		plain
		Created time.Time `json:"created"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*a = Automation(v.plain)
	a.Created = v.Created
	return nil
}

// SameAutomation reports whether have, as the server returns it, is the automation want: the
// same name, enabled state and description, and a trigger and actions holding every value want
// sets (the server adds defaults such as ids and match_related).
func SameAutomation(want, have Automation) bool {
	if want.Name != have.Name || want.Enabled != have.Enabled || want.Description != have.Description || len(want.Actions) != len(have.Actions) {
		return false
	}
	if !subset(Canonical(want.Trigger), Canonical(have.Trigger)) {
		return false
	}
	for i := range want.Actions {
		if !subset(Canonical(want.Actions[i]), Canonical(have.Actions[i])) {
			return false
		}
	}
	return true
}

// subset reports whether every key of want is in have with an equal value.
func subset(want, have any) bool {
	wm, ok := want.(map[string]any)
	if !ok {
		return reflect.DeepEqual(want, have)
	}
	hm, ok := have.(map[string]any)
	if !ok {
		return false
	}
	for k, wv := range wm {
		if !subset(wv, hm[k]) {
			return false
		}
	}
	return true
}

// CreateDeploymentAutomation creates an automation owned by the deployment. POST /automations/
// always creates a new one, so when the answer is lost the deployment's automations are read
// first, and the request is repeated only if the server holds no such automation.
func (c *Client) CreateDeploymentAutomation(ctx context.Context, deploymentID string, a Automation) (*Automation, error) {
	a.OwnerResource = ownerResource(deploymentID)
	if a.Actions == nil {
		a.Actions = []map[string]any{}
	}
	out := new(Automation)
	lookup := func(ctx context.Context, out any) (bool, error) {
		have, err := c.DeploymentAutomations(ctx, deploymentID)
		if err != nil {
			return false, err
		}
		for _, h := range have {
			if SameAutomation(a, h) {
				*out.(*Automation) = h
				return true, nil
			}
		}
		return false, nil
	}
	_, err := c.do(ctx, request{op: fmt.Sprintf("create automation %q", a.Name), method: http.MethodPost, path: "/automations/", body: a, lookup: lookup}, out)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeploymentAutomations lists the automations related to a deployment: the ones it owns and the
// ones whose trigger or actions reference it. (The server does not say which are owned; callers
// that need to tell them apart name their automations, as Prefect does, "<deployment>__automation_<i>".)
func (c *Client) DeploymentAutomations(ctx context.Context, deploymentID string) ([]Automation, error) {
	var all []Automation
	_, err := c.do(ctx, request{op: fmt.Sprintf("list the automations of deployment %s", deploymentID), method: http.MethodGet,
		path: "/automations/related-to/" + url.PathEscape(ownerResource(deploymentID))}, &all)
	if err != nil {
		return nil, err
	}
	return all, nil
}

// DeleteAutomation deletes one automation; one already gone is not an error.
func (c *Client) DeleteAutomation(ctx context.Context, id string) error {
	_, err := c.do(ctx, request{op: fmt.Sprintf("delete automation %s", id), method: http.MethodDelete, path: "/automations/" + url.PathEscape(id), idempotent: true, goneOK: true}, nil)
	if IsNotFound(err) {
		return nil
	}
	return err
}

// LogLine is one log record of a flow run.
type LogLine struct {
	Level     int       `json:"level"`
	Message   string    `json:"message"`
	Timestamp time.Time `json:"timestamp"`
}

// FlowRunLogs returns up to limit log lines of a flow run, oldest first.
func (c *Client) FlowRunLogs(ctx context.Context, flowRunID string, limit int) ([]LogLine, error) {
	if limit <= 0 || limit > PageSize {
		limit = PageSize
	}
	var out []LogLine
	body := map[string]any{"limit": limit, "sort": "TIMESTAMP_ASC", "logs": map[string]any{"flow_run_id": map[string]any{"any_": []string{flowRunID}}}}
	_, err := c.do(ctx, request{op: fmt.Sprintf("read the logs of flow run %s", flowRunID), method: http.MethodPost, path: "/logs/filter", body: body, read: true}, &out)
	return out, err
}
