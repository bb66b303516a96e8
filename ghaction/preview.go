package ghaction

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/google/go-github/v89/github"
	"github.com/sethvargo/go-githubactions"

	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
)

// PullRequest is what a preview needs from a pull_request event.
type PullRequest struct {
	// Number is the pull request's number.
	Number int
	// Action is the event's activity type: opened, synchronize, reopened, closed, ...
	Action string
	// HeadRef and HeadSHA are the branch and commit previewed.
	HeadRef, HeadSHA string
	// Merged says a closed pull request was merged.
	Merged bool
}

// Closed says the pull request's preview should be torn down.
func (pr PullRequest) Closed() bool { return pr.Action == "closed" }

// PullRequestFromEvent reads the pull request of a pull_request (or pull_request_target) event
// from GITHUB_EVENT_PATH; any other event is an error saying so.
func PullRequestFromEvent(a *githubactions.Action) (PullRequest, error) {
	name := a.Getenv("GITHUB_EVENT_NAME")
	if name != "pull_request" && name != "pull_request_target" {
		return PullRequest{}, fmt.Errorf("command %s runs on pull_request events (opened, synchronize, reopened, closed), not on %q", CommandPreview, name)
	}
	path := a.Getenv("GITHUB_EVENT_PATH")
	b, err := os.ReadFile(path)
	if err != nil {
		return PullRequest{}, fmt.Errorf("failed to read the %s event payload: %w", name, err)
	}
	var ev github.PullRequestEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		return PullRequest{}, fmt.Errorf("failed to parse the %s event payload %s: %w", name, path, err)
	}
	p := ev.GetPullRequest()
	pr := PullRequest{Number: ev.GetNumber(), Action: ev.GetAction(), HeadRef: p.GetHead().GetRef(), HeadSHA: p.GetHead().GetSHA(), Merged: p.GetMerged()}
	if pr.Number == 0 {
		pr.Number = p.GetNumber()
	}
	if pr.Number == 0 || pr.HeadRef == "" {
		return pr, fmt.Errorf("the %s event payload names no pull request number or head branch", name)
	}
	return pr, nil
}

// previewMarker starts the sticky comment of an environment's preview; it is how the comment is
// found again.
func previewMarker(env string) string {
	return "<!-- prefect-deploy preview: " + strings.ReplaceAll(env, "--", "-") + " -->"
}

// PreviewComment is the body of the sticky comment: what the preview of pr in env did (the plan
// and the outcome), or, once the pull request is closed, that its deployments were removed.
func PreviewComment(env string, pr PullRequest, rep *report.Report, runErr error, runURL string) string {
	var b strings.Builder
	b.WriteString(previewMarker(env) + "\n")
	switch {
	case pr.Closed() && runErr == nil:
		fmt.Fprintf(&b, "### Prefect preview %s: removed\n\n", code(env))
		fmt.Fprintf(&b, "The pull request was %s; the preview deployments of %s are deleted", closedHow(pr), code(pr.HeadRef))
		if rep != nil {
			fmt.Fprintf(&b, " (%s)", text(rep.Summary()))
		}
		b.WriteString(".\n")
	case runErr != nil:
		what := "deploy"
		if pr.Closed() {
			what = "removal"
		}
		fmt.Fprintf(&b, "### Prefect preview %s: %s failed\n\n", code(env), what)
		fmt.Fprintf(&b, "Commit %s of %s.\n\n%s\n", code(short(pr.HeadSHA)), code(pr.HeadRef), fence(runErr.Error(), "text"))
	default:
		fmt.Fprintf(&b, "### Prefect preview %s\n\n", code(env))
		fmt.Fprintf(&b, "Commit %s of %s: %s.\n", code(short(pr.HeadSHA)), code(pr.HeadRef), text(rep.Summary()))
		if len(rep.Deployments) > 0 {
			b.WriteString("\n| Deployment | Action | Link |\n|---|---|---|\n")
			for _, d := range rep.Deployments {
				link := ""
				if u := safeURL(d.URL); u != "" {
					link = "[open](" + u + ")"
				}
				fmt.Fprintf(&b, "| %s | %s | %s |\n", cell(code(d.Name)), text(string(d.Action)), link)
			}
		}
	}
	if rep != nil && !pr.Closed() {
		var plan strings.Builder
		rep.WritePlan(&plan)
		if plan.Len() > 0 {
			fmt.Fprintf(&b, "\n<details><summary>Plan</summary>\n\n%s\n\n</details>\n", fence(strings.TrimRight(plan.String(), "\n"), "text"))
		}
	}
	if u := safeURL(runURL); u != "" {
		fmt.Fprintf(&b, "\n[Workflow run](%s)\n", u)
	}
	return b.String()
}

func closedHow(pr PullRequest) string {
	if pr.Merged {
		return "merged"
	}
	return "closed"
}

// UpsertPreviewComment keeps one comment per environment on the pull request: it edits the
// comment carrying env's marker when there is one, else creates it. created says which. The
// token needs `pull-requests: write`.
func UpsertPreviewComment(ctx context.Context, gh *github.Client, owner, repo string, number int, env, body string) (created bool, err error) {
	marker := previewMarker(env)
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for page := 0; page < 50; page++ {
		comments, resp, err := gh.Issues.ListComments(ctx, owner, repo, number, opts)
		if err != nil {
			return false, fmt.Errorf("failed to list the comments of pull request #%d: %w", number, explainComments(err))
		}
		for _, c := range comments {
			if strings.HasPrefix(c.GetBody(), marker) {
				if _, _, err := gh.Issues.EditComment(ctx, owner, repo, c.GetID(), &github.IssueComment{Body: github.Ptr(body)}); err != nil {
					return false, fmt.Errorf("failed to update the preview comment on pull request #%d: %w", number, explainComments(err))
				}
				return false, nil
			}
		}
		if resp == nil || resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	if _, _, err := gh.Issues.CreateComment(ctx, owner, repo, number, &github.IssueComment{Body: github.Ptr(body)}); err != nil {
		return false, fmt.Errorf("failed to comment on pull request #%d: %w", number, explainComments(err))
	}
	return true, nil
}

// explainComments adds the likely fix to a refused comment request.
func explainComments(err error) error {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil && (er.Response.StatusCode == http.StatusForbidden || er.Response.StatusCode == http.StatusNotFound) {
		return fmt.Errorf("%w (the token needs `pull-requests: write`: add it to the job's permissions)", err)
	}
	return err
}
