// Package report holds what a deploy or promote run did, deployment by deployment, and renders
// it for people (a plan and a final table) and for programs (one JSON document).
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
)

// Action is what happened, or under --dry-run would happen, to one deployment.
type Action string

// The actions a run reports.
const (
	Created        Action = "created"
	Updated        Action = "updated"
	Unchanged      Action = "unchanged"
	WouldCreate    Action = "would-create"
	WouldUpdate    Action = "would-update"
	Skipped        Action = "skipped"
	Failed         Action = "failed"
	WouldBeRefused Action = "refused"
	// Deleted and WouldDelete are stale deployments pruned (or, under --dry-run, to be pruned).
	Deleted     Action = "deleted"
	WouldDelete Action = "would-delete"
)

// Item is one deployment's line in a report.
type Item struct {
	// Name is the deployment name, e.g. "proj--main--etl--dev".
	Name string `json:"name"`
	// Flow is the Prefect flow name.
	Flow string `json:"flow"`
	// Env is the target environment.
	Env string `json:"env"`
	// ID is the deployment id once known.
	ID string `json:"id,omitempty"`
	// Action is what was done.
	Action Action `json:"action"`
	// URL links to the deployment in the Prefect UI.
	URL string `json:"url,omitempty"`
	// Version is the deployment's version string.
	Version string `json:"version,omitempty"`
	// Commit is the full commit hash deployed.
	Commit string `json:"commit,omitempty"`
	// PackageVersion is the PACKAGE_VERSION tag.
	PackageVersion string `json:"package_version,omitempty"`
	// Entrypoint is the flow's entrypoint.
	Entrypoint string `json:"entrypoint,omitempty"`
	// Source names where the deployment came from: a file:line, or the source deployment of a promotion.
	Source string `json:"source,omitempty"`
	// Changes lists the fields that differ from what the server held.
	Changes []prefect.Change `json:"changes,omitempty"`
	// Error is why this deployment failed or was skipped.
	Error string `json:"error,omitempty"`
	// Reason is why a deployment is (or would be) deleted by pruning.
	Reason string `json:"reason,omitempty"`
	// Spec is the desired deployment, for plans that describe a new one (pool, code source,
	// schedules, env var names); nil when unknown.
	Spec *prefect.DeploymentSpec `json:"-"`
	// FromSource lists, for a promotion's new target, what differs from the source deployment.
	FromSource []prefect.Change `json:"-"`
	// Origins say, for a promotion, where each field's value came from.
	Origins []Origin `json:"origins,omitempty"`
	// Notes are remarks on this deployment the plan shows (e.g. a legacy source).
	Notes []string `json:"notes,omitempty"`
}

// Where a promoted field's value came from.
const (
	// FromSource is the source deployment on the server (its code version, or what the
	// target environment does not declare).
	FromSource = "source"
	// FromTargetConfig is what the target environment declares (config file or prefect.yaml).
	FromTargetConfig = "target config"
	// FromTargetState is the target deployment's own state on the server (a pause, a schedule
	// switched off), kept because nothing declares it.
	FromTargetState = "target state"
)

// Origin says where one field of a promoted deployment came from.
type Origin struct {
	// Field is the deployment field, e.g. "work_pool_name" or "job_variables.secretName".
	Field string `json:"field"`
	// From is FromSource, FromTargetConfig or FromTargetState.
	From string `json:"from"`
	// Detail says more, e.g. the config level or prefect.yaml entry.
	Detail string `json:"detail,omitempty"`
}

// Report is the outcome of one run.
type Report struct {
	// Command is "deploy" or "promote".
	Command string `json:"command"`
	// Env is the target environment; SourceEnv is set for promote.
	Env       string `json:"env"`
	SourceEnv string `json:"source_env,omitempty"`
	// DryRun is true when nothing was written.
	DryRun bool `json:"dry_run"`
	// Server is the Prefect API URL.
	Server string `json:"server,omitempty"`
	// Deployments lists every deployment considered, sorted by name.
	Deployments []Item `json:"deployments"`
	// Counts sums the deployments by action.
	Counts map[Action]int `json:"counts"`
	// WorkPools lists the declared work pools and queues ("work pool P", "work queue P/Q") and
	// what the run did to them, in the config's order.
	WorkPools []Item `json:"work_pools,omitempty"`
	// Warnings are problems that did not stop the run.
	Warnings []string `json:"warnings,omitempty"`
	// Error says why the run failed (with --output json, whatever stopped it: bad input, a
	// refused plan, an unreachable server, failed deployments); empty on success.
	Error string `json:"error,omitempty"`
	// ConfigCommit is, for a promotion, the commit the target's configuration (config file,
	// prefect.yaml) was read at; "" when it was not read from a git checkout.
	ConfigCommit string `json:"config_commit,omitempty"`
	// RefusedFiles are the prefect.yaml files a --skip-invalid deploy left out, with their
	// problems; the run fails when there is any.
	RefusedFiles []RefusedFile `json:"refused_files,omitempty"`
	// Requests counts what was sent to the Prefect API.
	Requests struct {
		Reads  int64 `json:"reads"`
		Writes int64 `json:"writes"`
	} `json:"requests"`
}

// Finish sorts the items and computes the counts.
func (r *Report) Finish() {
	sort.SliceStable(r.Deployments, func(i, j int) bool { return r.Deployments[i].Name < r.Deployments[j].Name })
	r.Counts = map[Action]int{}
	for _, d := range r.Deployments {
		r.Counts[d.Action]++
	}
	if r.Deployments == nil {
		r.Deployments = []Item{}
	}
}

// Failed reports whether any deployment, work pool or queue failed.
func (r *Report) Failed() bool {
	if r.Counts[Failed] > 0 {
		return true
	}
	for _, p := range r.WorkPools {
		if p.Action == Failed {
			return true
		}
	}
	return false
}

// WriteJSON writes the report as one indented JSON document.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// writeOrigins writes where a promoted deployment's fields came from: one line per origin
// and detail, naming the fields.
func writeOrigins(w io.Writer, origins []Origin) {
	for _, from := range []string{FromSource, FromTargetConfig, FromTargetState} {
		var details []string
		fields := map[string][]string{}
		for _, o := range origins {
			if o.From != from {
				continue
			}
			if _, ok := fields[o.Detail]; !ok {
				details = append(details, o.Detail)
			}
			fields[o.Detail] = append(fields[o.Detail], o.Field)
		}
		sort.Strings(details)
		for _, d := range details {
			head := "from " + from
			if d != "" {
				head += " (" + d + ")"
			}
			fmt.Fprintf(w, "      %s: %s\n", head, strings.Join(fields[d], ", "))
		}
	}
}

// WriteTable writes the final table: one row per deployment, then the counts.
func (r *Report) WriteTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DEPLOYMENT\tACTION\tVERSION\tURL")
	for _, d := range r.Deployments {
		link := d.URL
		if d.Action == Failed {
			link = d.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.Name, d.Action, d.Version, link)
	}
	tw.Flush()
	fmt.Fprintln(w, r.Summary())
}

// Summary is one line of counts, e.g. "3 deployments: 1 created, 2 unchanged".
func (r *Report) Summary() string {
	var parts []string
	adopted := map[Action]int{}
	for _, d := range r.Deployments {
		if (d.Action == Updated || d.Action == WouldUpdate) && OnlyAdoption(d.Changes) {
			adopted[d.Action]++
		}
	}
	for _, a := range []Action{Created, Updated, Unchanged, WouldCreate, WouldUpdate, Deleted, WouldDelete, Skipped, WouldBeRefused, Failed} {
		if n := r.Counts[a]; n > 0 {
			part := fmt.Sprintf("%d %s", n, a)
			if m := adopted[a]; m > 0 {
				// Updates that only add the product's bookkeeping to deployments it did not make.
				part += fmt.Sprintf(" (%d only adopted)", m)
			}
			parts = append(parts, part)
		}
	}
	noun := "deployments"
	if len(r.Deployments) == 1 {
		noun = "deployment"
	}
	s := fmt.Sprintf("%d %s", len(r.Deployments), noun)
	if len(parts) > 0 {
		s += ": " + strings.Join(parts, ", ")
	}
	if len(r.WorkPools) > 0 {
		counts := map[Action]int{}
		for _, p := range r.WorkPools {
			counts[p.Action]++
		}
		var pp []string
		for _, a := range []Action{Created, Updated, Unchanged, WouldCreate, WouldUpdate, Failed} {
			if n := counts[a]; n > 0 {
				pp = append(pp, fmt.Sprintf("%d %s", n, a))
			}
		}
		s += "; work pools and queues: " + strings.Join(pp, ", ")
	}
	if r.DryRun {
		s += " (dry run: nothing written)"
	}
	return s
}

// Count is n and noun, in the plural unless n is 1: "1 deployment", "3 deployments".
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// RefusedFile is a prefect.yaml file that was not deployed because of its problems.
type RefusedFile struct {
	File string `json:"file"`
	// Errors are "file:line:col: message" lines.
	Errors []string `json:"errors"`
}
