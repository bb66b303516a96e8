package ghaction

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-github/v89/github"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
	"github.com/sethvargo/go-githubactions"
)

// maxStatusDescription is the Deployments API's limit on a status description.
const maxStatusDescription = 140

// NewGitHubClient returns a go-github client authenticated with token and aimed at
// GITHUB_API_URL (https://api.github.com when unset), which covers github.com, GitHub
// Enterprise Server and ghe.com alike.
func NewGitHubClient(a *githubactions.Action, token string) (*github.Client, error) {
	if token == "" {
		return nil, fmt.Errorf("failed to create a GitHub client: input %s is empty", inGitHubToken)
	}
	base := or(a.Getenv("GITHUB_API_URL"), "https://api.github.com")
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	c, err := github.NewClient(
		github.WithAuthToken(token),
		github.WithURLs(&base, nil),
		github.WithTimeout(30*time.Second),
		github.WithUserAgent("prefect-deploy-action"),
	)
	if err != nil {
		return nil, fmt.Errorf("failed to create a GitHub client for %q: %w", base, err)
	}
	return c, nil
}

// RunURL returns the link to this workflow run (and attempt), for RecordDeployments' logURL;
// "" when GITHUB_REPOSITORY or GITHUB_RUN_ID is unset.
func RunURL(a *githubactions.Action) string {
	repo, id := a.Getenv("GITHUB_REPOSITORY"), a.Getenv("GITHUB_RUN_ID")
	if repo == "" || id == "" {
		return ""
	}
	u := strings.TrimRight(or(a.Getenv("GITHUB_SERVER_URL"), "https://github.com"), "/") + "/" + repo + "/actions/runs/" + id
	if n := a.Getenv("GITHUB_RUN_ATTEMPT"); n != "" && n != "1" {
		u += "/attempts/" + n
	}
	return u
}

// deploymentPayload is one entry of the payload stored on a GitHub deployment.
type deploymentPayload struct {
	Name    string `json:"name"`
	ID      string `json:"id"`
	Version string `json:"version"`
}

// RecordDeployments records one run in the repository's Deployments API: a deployment of ref
// (the deployed commit) to the GitHub environment rep.Env, carrying [{name, id, version}] of
// every deployment the run acted on (skipped ones left out), then a status: "failure" if any
// deployment failed, else "success", with "N created, M updated, K unchanged" as description,
// logURL as the log link and the first deployment's Prefect UI page (else the UI's deployment
// list) as environment URL.
//
// The deployment asks for no auto-merge and no required status checks, is never transient, and
// is a production environment when rep.Env is "prod" or "production". Dry runs and empty
// reports record nothing. The job needs `permissions: deployments: write`.
func RecordDeployments(ctx context.Context, gh *github.Client, owner, repo, ref string, rep *report.Report, logURL string) error {
	if rep == nil || rep.DryRun || len(rep.Deployments) == 0 {
		return nil
	}
	if ref == "" {
		return errors.New("failed to record a GitHub deployment: no commit to record")
	}
	if rep.Env == "" {
		return errors.New("failed to record a GitHub deployment: the report names no environment")
	}
	payload := make([]deploymentPayload, 0, len(rep.Deployments))
	for _, d := range rep.Deployments {
		if d.Action == report.Skipped || d.Action == report.Deleted {
			continue
		}
		payload = append(payload, deploymentPayload{Name: d.Name, ID: d.ID, Version: d.Version})
	}
	env := strings.ToLower(rep.Env)
	req := github.DeploymentRequest{
		Ref:                   ref,
		Task:                  github.Ptr("deploy"),
		AutoMerge:             github.Ptr(false),
		RequiredContexts:      []string{},
		Payload:               payload,
		Environment:           github.Ptr(rep.Env),
		Description:           github.Ptr(truncate(fmt.Sprintf("prefect-deploy %s: %s", or(rep.Command, CommandDeploy), rep.Summary()), maxStatusDescription)),
		TransientEnvironment:  github.Ptr(false),
		ProductionEnvironment: github.Ptr(env == "prod" || env == "production"),
	}
	dep, _, err := gh.Repositories.CreateDeployment(ctx, owner, repo, req)
	if err != nil {
		return fmt.Errorf("failed to create GitHub deployment of %s to environment %q: %w", short(ref), rep.Env, explain(err))
	}

	state := "success"
	if rep.Failed() {
		state = "failure"
	}
	c := rep.Counts
	desc := fmt.Sprintf("%d created, %d updated, %d unchanged", c[report.Created], c[report.Updated], c[report.Unchanged])
	if n := c[report.Failed]; n > 0 {
		desc += fmt.Sprintf(", %d failed", n)
	}
	status := github.DeploymentStatusRequest{
		State:       state,
		Description: github.Ptr(truncate(desc, maxStatusDescription)),
		Environment: github.Ptr(rep.Env),
	}
	if logURL != "" {
		status.LogURL = github.Ptr(logURL)
	}
	if u := environmentURL(rep); u != "" {
		status.EnvironmentURL = github.Ptr(u)
	}
	if _, _, err := gh.Repositories.CreateDeploymentStatus(ctx, owner, repo, dep.GetID(), status); err != nil {
		return fmt.Errorf("failed to set status %q on GitHub deployment %d: %w", state, dep.GetID(), explain(err))
	}
	return nil
}

// environmentURL is the first deployment's Prefect UI page, else the UI's deployment list.
func environmentURL(rep *report.Report) string {
	for _, d := range rep.Deployments {
		if d.URL != "" && d.Action != report.Failed {
			return d.URL
		}
	}
	if rep.Server == "" {
		return ""
	}
	c, err := prefect.New(prefect.Config{APIURL: rep.Server})
	if err != nil {
		return ""
	}
	return c.UIURL("deployments")
}

// explain adds the likely fix to GitHub errors a workflow author can act on.
func explain(err error) error {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		switch er.Response.StatusCode {
		case http.StatusForbidden, http.StatusNotFound:
			return fmt.Errorf("%w (the token needs `deployments: write`: add `permissions: { contents: read, deployments: write }` to the job, or set github-deployments: false)", err)
		case http.StatusConflict:
			return fmt.Errorf("%w (GitHub refused the deployment; check the environment's protection rules)", err)
		}
	}
	return err
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
