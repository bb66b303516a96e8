package prefect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// ServerInfo is what the client knows about the server it talks to: the Prefect version a
// self-hosted server reports (GET /admin/version), or that it is Prefect Cloud. It decides which
// features the server has (Supports) and the shape of the request bodies sent to it.
type ServerInfo struct {
	// Version is the Prefect version the server reported, e.g. "2.20.27"; empty on Cloud and
	// when the version could not be read.
	Version string
	// Cloud is true for Prefect Cloud (which always runs the newest API).
	Cloud bool
	// Unknown is true when a self-hosted server did not say its version (GET /admin/version
	// refused, e.g. blocked by a proxy): the client then assumes a current Prefect 3 server.
	Unknown bool
	// Reason says why the version is unknown.
	Reason string

	major, minor, patch int
}

// Current is the server the client assumes when it knows nothing else: the newest Prefect 3.
var Current = ServerInfo{Unknown: true}

// ParseServerInfo reads a version reported by /admin/version ("3.4.25", "2.20.27",
// "3.9.1.dev3+g1a2b", "3.0.0rc20").
func ParseServerInfo(version string) (ServerInfo, error) {
	v := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(version), "v"))
	s := ServerInfo{Version: v}
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return s, fmt.Errorf("the server reported version %q, which is not a Prefect version", version)
	}
	nums := make([]int, 3)
	for i, p := range parts {
		end := 0
		for end < len(p) && p[end] >= '0' && p[end] <= '9' {
			end++
		}
		if end == 0 {
			return s, fmt.Errorf("the server reported version %q, which is not a Prefect version", version)
		}
		nums[i], _ = strconv.Atoi(p[:end])
	}
	s.major, s.minor, s.patch = nums[0], nums[1], nums[2]
	return s, nil
}

// String names the server for messages: "Prefect 2.20.27", "Prefect Cloud" or "a Prefect
// server of unknown version".
func (s ServerInfo) String() string {
	switch {
	case s.Cloud:
		return "Prefect Cloud"
	case s.Unknown:
		return "a Prefect server of unknown version"
	}
	return "Prefect " + s.Version
}

// AtLeast reports whether the server runs Prefect major.minor or newer. Cloud and a server of
// unknown version count as the newest.
func (s ServerInfo) AtLeast(major, minor int) bool {
	if s.Cloud || s.Unknown {
		return true
	}
	if s.major != major {
		return s.major > major
	}
	return s.minor >= minor
}

// Major is the server's major version (3 on Cloud and when unknown).
func (s ServerInfo) Major() int {
	if s.Cloud || s.Unknown {
		return 3
	}
	return s.major
}

// Feature is something a deployment may use that not every Prefect server has.
type Feature int

// The features that depend on the server's version. Features lists when each arrived.
const (
	// FeatureConcurrencyLimit is a deployment's concurrency_limit.
	FeatureConcurrencyLimit Feature = iota
	// FeatureTriggers are deployment triggers (automations the deployment owns).
	FeatureTriggers
	// FeatureGitCloneCommit is git_clone's commit_sha (and directories, clone_directory_name)
	// in pull steps, run by the worker's Prefect.
	FeatureGitCloneCommit
	// FeatureCollisionStrategy is a concurrency limit's collision_strategy (concurrency_options).
	FeatureCollisionStrategy
	// FeatureLabels are deployment labels.
	FeatureLabels
	// FeatureScheduleParameters are per-schedule parameters.
	FeatureScheduleParameters
	// FeatureScheduleSlug is a schedule's slug.
	FeatureScheduleSlug
	// FeatureGracePeriod is a concurrency limit's grace_period_seconds.
	FeatureGracePeriod
)

// FeatureInfo says what a feature is called, from which Prefect version on servers have it, and
// what the client does on an older server.
type FeatureInfo struct {
	Feature Feature
	// Name is how the config and messages call it.
	Name string
	// Major and Minor are the first Prefect version with the feature.
	Major, Minor int
	// Dropped is true when an older server gets the deployment without the feature and one
	// warning (nothing a flow run relies on is lost); otherwise the deployment is refused
	// before anything is written.
	Dropped bool
	// Older says what happens on an older server, for the README's table.
	Older string
	// Remedy is the way out offered when a deployment using the feature is refused.
	Remedy string
}

// Features lists every version-dependent feature, oldest first. The README's compatibility
// table is this list (a test keeps the two equal).
var Features = []FeatureInfo{
	{FeatureConcurrencyLimit, "concurrency_limit", 3, 0, false, "refused",
		"remove concurrency_limit (on Prefect 2 a work queue's concurrency limit does this), or upgrade the server to Prefect 3"},
	{FeatureTriggers, "triggers", 3, 0, false, "refused",
		"remove triggers (on Prefect 2, make the automation in the UI), or upgrade the server to Prefect 3"},
	{FeatureGitCloneCommit, "git_clone commit_sha, directories, clone_directory_name", 3, 0, false, "refused",
		"deploy with an image code source (code_source: {type: image}) or git_clone without those arguments, or upgrade the server and workers to Prefect 3"},
	{FeatureCollisionStrategy, "concurrency_limit.collision_strategy", 3, 1, false, "refused",
		"remove collision_strategy (extra runs then wait, as ENQUEUE), or upgrade the server to Prefect 3.1 or newer"},
	{FeatureLabels, "labels", 3, 2, true, "dropped, one warning", ""},
	{FeatureScheduleParameters, "schedule parameters", 3, 2, false, "refused",
		"move them into the deployment's parameters (one variant per parameter set), or upgrade the server to Prefect 3.2 or newer"},
	{FeatureScheduleSlug, "schedule slug", 3, 2, true, "dropped, one warning", ""},
	{FeatureGracePeriod, "concurrency_limit.grace_period_seconds", 3, 7, false, "refused",
		"remove grace_period_seconds, or upgrade the server to Prefect 3.7 or newer"},
}

// Info returns what Features says about f.
func (f Feature) Info() FeatureInfo {
	for _, fi := range Features {
		if fi.Feature == f {
			return fi
		}
	}
	panic(fmt.Sprintf("prefect: unknown feature %d", int(f)))
}

// Since is the first version with the feature, e.g. "3.2".
func (fi FeatureInfo) Since() string { return fmt.Sprintf("%d.%d", fi.Major, fi.Minor) }

// Supports reports whether the server has feature f.
func (s ServerInfo) Supports(f Feature) bool {
	fi := f.Info()
	return s.AtLeast(fi.Major, fi.Minor)
}

// The oldest Prefect version the client writes to: 2.17 brought job_variables (and 2.16 a
// deployment's list of schedules and paused); 2.19 and 2.20 are tested.
const oldestMajor, oldestMinor = 2, 17

// Check returns an error when the client cannot deploy to the server at all.
func (s ServerInfo) Check() error {
	if !s.AtLeast(oldestMajor, oldestMinor) {
		return fmt.Errorf("%s is too old: prefect-deploy writes to Prefect %d.%d or newer (2.19, 2.20 and 3.x are tested); upgrade the server", s, oldestMajor, oldestMinor)
	}
	return nil
}

// Server returns what the client knows about the server, asking once (GET /admin/version) on
// the first call; Prefect Cloud is recognised by its URL and never asked. A self-hosted server
// that refuses the question (404, 403: a proxy in front of it may block /admin) is taken for a
// current Prefect 3 server, with Unknown and Reason set. Every write the client sends is shaped
// by the answer.
func (c *Client) Server(ctx context.Context) (ServerInfo, error) {
	c.serverMu.Lock()
	defer c.serverMu.Unlock()
	if c.serverKnown {
		return c.server, nil
	}
	if c.cfg.IsCloud() {
		c.server, c.serverKnown = ServerInfo{Cloud: true}, true
		return c.server, nil
	}
	var v string
	_, err := c.do(ctx, request{op: "read the server's version", method: http.MethodGet, path: "/admin/version"}, &v)
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) && (ae.StatusCode == http.StatusNotFound || ae.StatusCode == http.StatusForbidden) {
			c.server = ServerInfo{Unknown: true, Reason: fmt.Sprintf("GET /admin/version answered HTTP %d", ae.StatusCode)}
			c.serverKnown = true
			return c.server, nil
		}
		return ServerInfo{}, err
	}
	info, err := ParseServerInfo(v)
	if err != nil {
		return ServerInfo{}, err
	}
	c.server, c.serverKnown = info, true
	return info, nil
}

// SetServer makes the client take the server for s without asking (for tests and callers that
// already know it).
func (c *Client) SetServer(s ServerInfo) {
	c.serverMu.Lock()
	c.server, c.serverKnown = s, true
	c.serverMu.Unlock()
}

// deploymentBody is spec as the server accepts it: fields the server's version does not know are
// left out (its request models refuse unknown keys with 422). Callers refuse, before any write,
// the features whose loss would matter (deploy.CheckServer); what is left out here is either
// unset or dropped on purpose.
func (s ServerInfo) deploymentBody(spec *DeploymentSpec) (any, error) {
	if s.Cloud || s.Unknown || s.AtLeast(3, 2) {
		return spec, nil
	}
	raw, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	var body map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // parameters keep their numbers exactly
	if err := dec.Decode(&body); err != nil {
		return nil, err
	}
	delete(body, "labels")
	if !s.Supports(FeatureCollisionStrategy) {
		delete(body, "concurrency_options")
	}
	if !s.Supports(FeatureConcurrencyLimit) {
		delete(body, "concurrency_limit")
	}
	if scheds, ok := body["schedules"].([]any); ok {
		for _, x := range scheds {
			if m, ok := x.(map[string]any); ok {
				delete(m, "parameters")
				delete(m, "slug")
			}
		}
	}
	return body, nil
}
