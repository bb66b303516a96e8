// Package prune decides which deployments are dead and deletes them. A deployment is only ever
// a candidate when this product made it: it carries every one of the product's tags
// (PROJECT_NAME, BRANCH_NAME, ENV, COMMIT_HASH, PACKAGE_VERSION), each with one value, and the
// same five facts as Prefect labels. Anything else on the server — a deployment made by
// `prefect deploy`, by hand, or by another tool, whatever its name — is never touched.
//
// Among the product's deployments of one project, a deployment is stale when:
//
//   - its flow or prefect.yaml entry no longer exists: it is in the scope (project, branch,
//     environment) of a deploy run and that run does not deploy it ([Selector.Keep]);
//   - its branch is gone: the branch was named ([Selector.Branches], e.g. a closed pull
//     request's), or the remote no longer has it ([Selector.RemoteBranches]).
//
// Branches are compared in their sanitised form, the form deployment names use, so
// "feature/x" and "feature-x" are the same branch (they would name the same deployments).
//
// [Plan] reads and writes nothing else; [Apply] deletes each planned deployment together with
// the automations it owns.
package prune

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
)

// API is the part of the Prefect client that pruning uses.
type API interface {
	FilterDeployments(ctx context.Context, f prefect.DeploymentFilter) ([]prefect.Deployment, error)
	FlowsByID(ctx context.Context, ids []string) ([]prefect.Flow, error)
	DeleteDeployment(ctx context.Context, id string) error
	DeploymentURL(id string) string
}

// Owner is what the product's tags say about a deployment it made.
type Owner struct {
	Project, Branch, Env, Commit, PackageVersion string
}

// productKeys are the tag (and label) keys every deployment of the product carries.
var productKeys = []string{naming.TagProject, naming.TagBranch, naming.TagEnv, naming.TagCommit, naming.TagPackageVersion}

// Recognise reports whether the product made d, and what its tags say. It requires each of the
// product's five tags once (one value, not empty) and the same values as labels.
func Recognise(d prefect.Deployment) (Owner, bool) {
	vals := make([]string, len(productKeys))
	for i, k := range productKeys {
		v, ok := naming.TagValue(d.Tags, k)
		if !ok || v == "" {
			return Owner{}, false
		}
		if l, ok := d.Labels[k].(string); !ok || l != v {
			return Owner{}, false
		}
		vals[i] = v
	}
	return Owner{Project: vals[0], Branch: vals[1], Env: vals[2], Commit: vals[3], PackageVersion: vals[4]}, true
}

// SameBranch reports whether two branch names name the same deployments (equal once sanitised).
func SameBranch(a, b string) bool {
	if a == b {
		return true
	}
	sa, err1 := naming.SanitizeSegment(a)
	sb, err2 := naming.SanitizeSegment(b)
	return err1 == nil && err2 == nil && sa == sb
}

// Selector says which of a project's deployments are stale. Exactly one of Keep, Branches and
// RemoteBranches decides; Env (and, with Keep, Branch) narrow the scope.
type Selector struct {
	// Project is required.
	Project string
	// Env limits the scope to one environment ("" = every environment; required with Keep).
	Env string
	// Branch is the branch of a deploy run (required with Keep).
	Branch string
	// Keep holds FlowName+"/"+deployment name of every deployment the run deploys; the other
	// deployments of (Project, Branch, Env) are stale.
	Keep map[string]bool
	// Branches are gone: every deployment of these branches is stale.
	Branches []string
	// RemoteBranches are the branches the remote has (RemoteSet true): deployments of any other
	// branch are stale. An empty list is refused, since it would delete everything.
	RemoteBranches []string
	RemoteSet      bool
	// Remote names the remote in reasons, e.g. "origin".
	Remote string
}

// Key is how Selector.Keep names a deployment.
func Key(flowName, deploymentName string) string { return flowName + "/" + deploymentName }

func (s Selector) check() error {
	modes := 0
	if s.Keep != nil {
		modes++
		if s.Branch == "" || s.Env == "" {
			return errors.New("pruning what a deploy no longer makes needs its branch and environment")
		}
	}
	if len(s.Branches) > 0 {
		modes++
	}
	if s.RemoteSet {
		modes++
		if len(s.RemoteBranches) == 0 {
			return fmt.Errorf("the remote %s has no branches; refusing to prune every branch's deployments", orOrigin(s.Remote))
		}
	}
	if s.Project == "" {
		return errors.New("pruning needs a project")
	}
	if modes != 1 {
		return errors.New("say what is stale: deployments no longer deployed, a gone branch, or branches missing from the remote")
	}
	return nil
}

func orOrigin(r string) string {
	if r == "" {
		return "origin"
	}
	return r
}

// Candidate is one deployment to delete and why.
type Candidate struct {
	Deployment prefect.Deployment
	FlowName   string
	Owner      Owner
	Reason     string
}

// Plan lists the stale deployments the selector picks, sorted by name. It writes nothing.
func Plan(ctx context.Context, api API, sel Selector) ([]Candidate, error) {
	if err := sel.check(); err != nil {
		return nil, err
	}
	tags := []string{naming.Tag(naming.TagProject, sel.Project)}
	if sel.Env != "" {
		tags = append(tags, naming.Tag(naming.TagEnv, sel.Env))
	}
	deps, err := api.FilterDeployments(ctx, prefect.DeploymentFilter{TagsAll: tags})
	if err != nil {
		return nil, fmt.Errorf("failed to list the deployments of project %q: %w", sel.Project, err)
	}
	var picked []Candidate
	for _, d := range deps {
		o, ok := Recognise(d)
		if !ok || o.Project != sel.Project || (sel.Env != "" && o.Env != sel.Env) {
			continue
		}
		if reason := sel.stale(o); reason != "" {
			picked = append(picked, Candidate{Deployment: d, Owner: o, Reason: reason})
		}
	}
	if len(picked) == 0 {
		return nil, nil
	}
	ids := map[string]bool{}
	for _, c := range picked {
		ids[c.Deployment.FlowID] = true
	}
	idList := make([]string, 0, len(ids))
	for id := range ids {
		idList = append(idList, id)
	}
	sort.Strings(idList)
	flows, err := api.FlowsByID(ctx, idList)
	if err != nil {
		return nil, fmt.Errorf("failed to read the flows of stale deployments: %w", err)
	}
	flowName := map[string]string{}
	for _, f := range flows {
		flowName[f.ID] = f.Name
	}
	out := picked[:0]
	for _, c := range picked {
		c.FlowName = flowName[c.Deployment.FlowID]
		if sel.Keep != nil && sel.Keep[Key(c.FlowName, c.Deployment.Name)] {
			continue
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Deployment.Name < out[j].Deployment.Name })
	return out, nil
}

// stale says why a deployment of the project with owner o is stale under s, or "".
func (s Selector) stale(o Owner) string {
	switch {
	case s.Keep != nil:
		if SameBranch(o.Branch, s.Branch) && o.Env == s.Env {
			return "no longer deployed: its flow or prefect.yaml entry is gone"
		}
	case len(s.Branches) > 0:
		for _, b := range s.Branches {
			if SameBranch(o.Branch, b) {
				return fmt.Sprintf("branch %s is gone", o.Branch)
			}
		}
	case s.RemoteSet:
		for _, b := range s.RemoteBranches {
			if SameBranch(o.Branch, b) {
				return ""
			}
		}
		return fmt.Sprintf("branch %s is not on %s", o.Branch, orOrigin(s.Remote))
	}
	return ""
}

// Items turns candidates into report lines: would-delete when dryRun, else the lines Apply
// fills in.
func Items(api API, cands []Candidate, dryRun bool) []report.Item {
	items := make([]report.Item, len(cands))
	for i, c := range cands {
		a := report.Deleted
		if dryRun {
			a = report.WouldDelete
		}
		items[i] = report.Item{
			Name: c.Deployment.Name, Flow: c.FlowName, Env: c.Owner.Env, ID: c.Deployment.ID, Action: a,
			Version: deref(c.Deployment.Version), Commit: c.Owner.Commit, PackageVersion: c.Owner.PackageVersion,
			Reason: c.Reason,
		}
		if dryRun { // once deleted, there is nothing to link to
			items[i].URL = api.DeploymentURL(c.Deployment.ID)
		}
	}
	return items
}

// Apply deletes every candidate (with the automations it owns), at most concurrency at once, and
// returns one report line per candidate. A failure on one does not stop the others.
func Apply(ctx context.Context, api API, cands []Candidate, concurrency int) []report.Item {
	if concurrency <= 0 {
		concurrency = 4
	}
	items := Items(api, cands, false)
	var wg sync.WaitGroup
	sem := make(chan struct{}, concurrency)
	for i, c := range cands {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := api.DeleteDeployment(ctx, c.Deployment.ID); err != nil && !prefect.IsNotFound(err) {
				items[i].Action, items[i].Error = report.Failed, fmt.Sprintf("failed to delete deployment %q: %v", c.Deployment.Name, err)
			}
		}()
	}
	wg.Wait()
	return items
}

// Describe is one line saying what a selector prunes, for plan headers.
func (s Selector) Describe() string {
	where := "every environment"
	if s.Env != "" {
		where = "environment " + s.Env
	}
	switch {
	case s.Keep != nil:
		return fmt.Sprintf("deployments of %s, branch %s, %s that this run no longer makes", s.Project, s.Branch, where)
	case len(s.Branches) > 0:
		return fmt.Sprintf("deployments of %s on branch %s, %s", s.Project, strings.Join(s.Branches, ", "), where)
	}
	return fmt.Sprintf("deployments of %s whose branch is not on %s, %s", s.Project, orOrigin(s.Remote), where)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
