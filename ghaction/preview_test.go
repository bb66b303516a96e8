package ghaction

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/google/go-github/v89/github"

	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
)

// newTestClient is the action's GitHub client aimed at srv (mounted under baseURLPath).
func newTestClient(t *testing.T, srv string) *github.Client {
	t.Helper()
	a, _ := newAction(map[string]string{"GITHUB_API_URL": srv + baseURLPath})
	gh, err := NewGitHubClient(a, "test-token")
	if err != nil {
		t.Fatal(err)
	}
	return gh
}

// fakeComments serves an issue's comments the way GitHub's REST API documents them
// (docs.github.com/rest/issues/comments): list pages of 2 with a Link header, create (201) and
// update (200), each returning the comment object.
type fakeComments struct {
	t        *testing.T
	mu       sync.Mutex
	comments []map[string]any // id, body, user
	calls    []string
	refuse   bool
}

func (f *fakeComments) serve() *httptest.Server {
	mux := http.NewServeMux()
	var srv *httptest.Server
	mux.HandleFunc("GET "+baseURLPath+"/repos/octo-org/shop-flows/issues/7/comments", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.calls = append(f.calls, "list page "+r.URL.Query().Get("page"))
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		page = max(page, 1)
		const per = 2
		start, end := min((page-1)*per, len(f.comments)), min(page*per, len(f.comments))
		if end < len(f.comments) {
			w.Header().Set("Link", fmt.Sprintf(`<%s%s/repos/octo-org/shop-flows/issues/7/comments?page=%d&per_page=%d>; rel="next"`, srv.URL, baseURLPath, page+1, per))
		}
		json.NewEncoder(w).Encode(f.comments[start:end])
	})
	mux.HandleFunc("POST "+baseURLPath+"/repos/octo-org/shop-flows/issues/7/comments", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.refuse {
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest/issues/comments#create-an-issue-comment","status":"403"}`))
			return
		}
		body := f.body(r)
		c := map[string]any{"id": 1000 + len(f.comments), "body": body, "user": map[string]any{"login": "github-actions[bot]", "type": "Bot"}}
		f.comments = append(f.comments, c)
		f.calls = append(f.calls, "create")
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(c)
	})
	mux.HandleFunc("PATCH "+baseURLPath+"/repos/octo-org/shop-flows/issues/comments/{id}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		id, _ := strconv.Atoi(r.PathValue("id"))
		for _, c := range f.comments {
			if c["id"] == id {
				c["body"] = f.body(r)
				f.calls = append(f.calls, "update "+r.PathValue("id"))
				json.NewEncoder(w).Encode(c)
				return
			}
		}
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"message":"Not Found"}`))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		f.t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		http.Error(w, "unexpected", http.StatusTeapot)
	})
	srv = httptest.NewServer(mux)
	f.t.Cleanup(srv.Close)
	return srv
}

func (f *fakeComments) body(r *http.Request) string {
	if got := r.Header.Get("Authorization"); got != "Bearer test-token" {
		f.t.Errorf("Authorization = %q, want the token", got)
	}
	var in struct {
		Body string `json:"body"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		f.t.Errorf("failed to decode the comment body: %v", err)
	}
	return in.Body
}

func TestUpsertPreviewCommentIsSticky(t *testing.T) {
	t.Parallel()
	f := &fakeComments{t: t, comments: []map[string]any{
		{"id": 1, "body": "LGTM", "user": map[string]any{"login": "octocat"}},
		{"id": 2, "body": previewMarker("staging") + "\nanother environment's preview", "user": map[string]any{"login": "github-actions[bot]"}},
		{"id": 3, "body": "quoting <!-- prefect-deploy preview: preview --> is not the comment", "user": map[string]any{"login": "octocat"}},
	}}
	srv := f.serve()
	gh := newTestClient(t, srv.URL)
	ctx := context.Background()

	created, err := UpsertPreviewComment(ctx, gh, "octo-org", "shop-flows", 7, "preview", previewMarker("preview")+"\nfirst")
	if err != nil || !created {
		t.Fatalf("first upsert: created %v, %v; want a new comment", created, err)
	}
	created, err = UpsertPreviewComment(ctx, gh, "octo-org", "shop-flows", 7, "preview", previewMarker("preview")+"\nsecond")
	if err != nil || created {
		t.Fatalf("second upsert: created %v, %v; want the comment edited", created, err)
	}
	want := []string{"list page ", "list page 2", "create", "list page ", "list page 2", "update 1003"}
	if diff := cmp.Diff(want, f.calls); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	var bodies []string
	for _, c := range f.comments {
		bodies = append(bodies, c["body"].(string))
	}
	if diff := cmp.Diff([]string{"LGTM", previewMarker("staging") + "\nanother environment's preview",
		"quoting <!-- prefect-deploy preview: preview --> is not the comment", previewMarker("preview") + "\nsecond"}, bodies); diff != "" {
		t.Errorf("comments (-want +got):\n%s", diff)
	}
}

func TestUpsertPreviewCommentExplainsAMissingPermission(t *testing.T) {
	t.Parallel()
	f := &fakeComments{t: t, refuse: true}
	_, err := UpsertPreviewComment(context.Background(), newTestClient(t, f.serve().URL), "octo-org", "shop-flows", 7, "preview", "x")
	if err == nil || !strings.Contains(err.Error(), "403") || !strings.Contains(err.Error(), "`pull-requests: write`") {
		t.Errorf("error = %v; want the 403 and the permission to add", err)
	}
}

func TestPreviewComment(t *testing.T) {
	t.Parallel()
	pr := PullRequest{Number: 7, Action: "synchronize", HeadRef: "feature/prices", HeadSHA: sha}
	open := finished(&report.Report{Command: "deploy", Env: "preview", Deployments: []report.Item{
		{Name: "shop--feature-prices--orders--preview", Action: report.Created, URL: ui + "d-1", Entrypoint: "flows/orders.py:orders"},
		{Name: "shop--feature-prices--billing--preview", Action: report.Updated, URL: ui + "d-2",
			Changes: []prefect.Change{{Field: "version", From: "feature/prices-1111111", To: "feature/prices-acb5820"}}},
		{Name: "shop--feature-prices--legacy--preview", Action: report.Deleted, Reason: "no longer deployed: its flow or prefect.yaml entry is gone"},
	}})
	const run = "https://github.com/octo-org/shop-flows/actions/runs/30433642"
	golden(t, "preview/open.golden.md", PreviewComment("preview", pr, open, nil, run))
	golden(t, "preview/failed.golden.md", PreviewComment("preview", pr, nil, errors.New("work pool \"k8s\" does not exist on the server\nsecond line"), run))
	closed := pr
	closed.Action, closed.Merged = "closed", true
	gone := finished(&report.Report{Command: "prune", Deployments: []report.Item{
		{Name: "shop--feature-prices--orders--preview", Action: report.Deleted, Reason: "branch feature/prices is gone"},
		{Name: "shop--feature-prices--billing--preview", Action: report.Deleted, Reason: "branch feature/prices is gone"},
	}})
	golden(t, "preview/closed.golden.md", PreviewComment("preview", closed, gone, nil, run))
}

func TestPullRequestFromEvent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ev := filepath.Join(dir, "event.json")
	os.WriteFile(ev, []byte(`{"action":"closed","number":7,"pull_request":{"number":7,"merged":true,"head":{"ref":"feature/prices","sha":"`+sha+`"}}}`), 0o644)
	a, _ := newAction(map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": ev})
	pr, err := PullRequestFromEvent(a)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(PullRequest{Number: 7, Action: "closed", HeadRef: "feature/prices", HeadSHA: sha, Merged: true}, pr); diff != "" {
		t.Errorf("PullRequestFromEvent (-want +got):\n%s", diff)
	}
	a, _ = newAction(map[string]string{"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": ev})
	if _, err := PullRequestFromEvent(a); err == nil || !strings.Contains(err.Error(), `runs on pull_request events`) {
		t.Errorf("push event: %v; want a refusal naming pull_request", err)
	}
}
