package ghaction

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
)

// baseURLPath mounts the fake API under a prefix, as go-github's own tests do, so that a
// request built from an absolute path ("/repos/...") misses the handlers and fails the test.
const baseURLPath = "/api-v3"

const sha = "acb5820ced9479c074f688cc328bf03f341a511d"

// fakeGitHub records the JSON bodies of the deployment calls and answers with the given codes.
type fakeGitHub struct {
	t                      *testing.T
	createCode, statusCode int
	mu                     sync.Mutex
	deployments, statuses  []map[string]any
	unexpected             []string
}

func (f *fakeGitHub) serve() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+baseURLPath+"/repos/octo-org/shop-flows/deployments", func(w http.ResponseWriter, r *http.Request) {
		f.record(r, &f.deployments)
		w.WriteHeader(f.createCode)
		if f.createCode == http.StatusCreated {
			w.Write([]byte(`{"id": 42, "sha": "` + sha + `", "environment": "dev"}`))
			return
		}
		w.Write([]byte(`{"message": "Resource not accessible by integration", "documentation_url": "https://docs.github.com/rest/deployments/deployments#create-a-deployment"}`))
	})
	mux.HandleFunc("POST "+baseURLPath+"/repos/octo-org/shop-flows/deployments/{id}/statuses", func(w http.ResponseWriter, r *http.Request) {
		if id := r.PathValue("id"); id != "42" {
			f.t.Errorf("status posted to deployment %s, want 42", id)
		}
		f.record(r, &f.statuses)
		w.WriteHeader(f.statusCode)
		if f.statusCode == http.StatusCreated {
			w.Write([]byte(`{"id": 7, "state": "success"}`))
			return
		}
		w.Write([]byte(`{"message": "Server Error"}`))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.unexpected = append(f.unexpected, r.Method+" "+r.URL.Path)
		f.mu.Unlock()
		http.Error(w, "unexpected request", http.StatusTeapot)
	})
	srv := httptest.NewServer(mux)
	f.t.Cleanup(srv.Close)
	return srv
}

func (f *fakeGitHub) record(r *http.Request, into *[]map[string]any) {
	if got := r.Header.Get("Authorization"); got != "Bearer test-token" {
		f.t.Errorf("Authorization = %q, want the token", got)
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		f.t.Errorf("failed to decode request body: %v", err)
	}
	f.mu.Lock()
	*into = append(*into, body)
	f.mu.Unlock()
}

func TestRecordDeployments(t *testing.T) {
	t.Parallel()
	const logURL = "https://github.com/octo-org/shop-flows/actions/runs/30433642"
	tests := []struct {
		name       string
		rep        *report.Report
		createCode int
		statusCode int
		wantDeploy []map[string]any
		wantStatus []map[string]any
		wantErr    []string // substrings of the error
	}{
		{
			name: "success: one deployment for the run, then a success status",
			rep: finished(&report.Report{Command: "deploy", Env: "dev", Deployments: []report.Item{
				{Name: "shop--main--orders--dev", ID: "d-1", Action: report.Created, Version: "0.3.1", URL: ui + "d-1"},
				{Name: "shop--main--billing--dev", ID: "d-2", Action: report.Unchanged, Version: "0.3.1", URL: ui + "d-2"},
				{Name: "shop--main--legacy--dev", Action: report.Skipped},
			}}),
			wantDeploy: []map[string]any{{
				"ref": sha, "task": "deploy", "auto_merge": false, "required_contexts": []any{},
				"environment": "dev", "transient_environment": false, "production_environment": false,
				"description": "prefect-deploy deploy: 3 deployments: 1 created, 1 unchanged, 1 skipped",
				"payload": []any{
					map[string]any{"name": "shop--main--billing--dev", "id": "d-2", "version": "0.3.1"},
					map[string]any{"name": "shop--main--orders--dev", "id": "d-1", "version": "0.3.1"},
				},
			}},
			wantStatus: []map[string]any{{
				"state": "success", "description": "1 created, 0 updated, 1 unchanged", "environment": "dev",
				"log_url": logURL, "environment_url": ui + "d-2",
			}},
		},
		{
			name: "failed deployment in production: failure status, link to the UI's list",
			rep: finished(&report.Report{Command: "promote", Env: "Production", SourceEnv: "staging", Server: "http://prefect.internal:4200/api",
				Deployments: []report.Item{
					{Name: "shop--main--orders--production", ID: "p-1", Action: report.Updated, Version: "1.4.0"},
					{Name: "shop--main--billing--production", Action: report.Failed, Error: "boom", URL: ui + "never"},
				}}),
			wantDeploy: []map[string]any{{
				"ref": sha, "task": "deploy", "auto_merge": false, "required_contexts": []any{},
				"environment": "Production", "transient_environment": false, "production_environment": true,
				"description": "prefect-deploy promote: 2 deployments: 1 updated, 1 failed",
				"payload": []any{
					map[string]any{"name": "shop--main--billing--production", "id": "", "version": ""},
					map[string]any{"name": "shop--main--orders--production", "id": "p-1", "version": "1.4.0"},
				},
			}},
			wantStatus: []map[string]any{{
				"state": "failure", "description": "0 created, 1 updated, 0 unchanged, 1 failed", "environment": "Production",
				"log_url": logURL, "environment_url": "http://prefect.internal:4200/deployments",
			}},
		},
		{
			name: "dry runs record nothing",
			rep: finished(&report.Report{Command: "deploy", Env: "dev", DryRun: true, Deployments: []report.Item{
				{Name: "shop--main--orders--dev", Action: report.WouldCreate},
			}}),
		},
		{
			name:       "403 names the missing permission",
			rep:        finished(&report.Report{Command: "deploy", Env: "dev", Deployments: []report.Item{{Name: "n", Action: report.Created}}}),
			createCode: http.StatusForbidden,
			wantDeploy: []map[string]any{{
				"ref": sha, "task": "deploy", "auto_merge": false, "required_contexts": []any{},
				"environment": "dev", "transient_environment": false, "production_environment": false,
				"description": "prefect-deploy deploy: 1 deployment: 1 created",
				"payload":     []any{map[string]any{"name": "n", "id": "", "version": ""}},
			}},
			wantErr: []string{`failed to create GitHub deployment of acb5820ced94 to environment "dev"`, "403 Resource not accessible by integration", "`deployments: write`"},
		},
		{
			name:       "a failing status call says so",
			rep:        finished(&report.Report{Command: "deploy", Env: "dev", Deployments: []report.Item{{Name: "n", Action: report.Unchanged}}}),
			statusCode: http.StatusInternalServerError,
			wantDeploy: []map[string]any{{
				"ref": sha, "task": "deploy", "auto_merge": false, "required_contexts": []any{},
				"environment": "dev", "transient_environment": false, "production_environment": false,
				"description": "prefect-deploy deploy: 1 deployment: 1 unchanged",
				"payload":     []any{map[string]any{"name": "n", "id": "", "version": ""}},
			}},
			wantStatus: []map[string]any{{"state": "success", "description": "0 created, 0 updated, 1 unchanged", "environment": "dev", "log_url": logURL}},
			wantErr:    []string{`failed to set status "success" on GitHub deployment 42`, "500 Server Error"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeGitHub{t: t, createCode: http.StatusCreated, statusCode: http.StatusCreated}
			if tt.createCode != 0 {
				f.createCode = tt.createCode
			}
			if tt.statusCode != 0 {
				f.statusCode = tt.statusCode
			}
			srv := f.serve()
			// No trailing slash: NewGitHubClient must add the one go-github requires.
			a, _ := newAction(map[string]string{"GITHUB_API_URL": srv.URL + baseURLPath})
			gh, err := NewGitHubClient(a, "test-token")
			if err != nil {
				t.Fatalf("NewGitHubClient: %v", err)
			}
			err = RecordDeployments(context.Background(), gh, "octo-org", "shop-flows", sha, tt.rep, logURL)
			switch {
			case len(tt.wantErr) == 0 && err != nil:
				t.Errorf("RecordDeployments: %v", err)
			case len(tt.wantErr) > 0 && err == nil:
				t.Errorf("RecordDeployments: want an error containing %q, got nil", tt.wantErr)
			case err != nil:
				for _, s := range tt.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
			}
			if diff := cmp.Diff(tt.wantDeploy, f.deployments); diff != "" {
				t.Errorf("deployment requests mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantStatus, f.statuses); diff != "" {
				t.Errorf("status requests mismatch (-want +got):\n%s", diff)
			}
			if len(f.unexpected) > 0 {
				t.Errorf("unexpected requests (absolute endpoint URL?): %q", f.unexpected)
			}
		})
	}
}

func TestNewGitHubClient(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, apiURL, want string
	}{
		{name: "github.com by default", want: "https://api.github.com/"},
		{name: "GHES without trailing slash", apiURL: "https://ghe.example.com/api/v3", want: "https://ghe.example.com/api/v3/"},
		{name: "ghe.com", apiURL: "https://api.octo.ghe.com/", want: "https://api.octo.ghe.com/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, _ := newAction(map[string]string{"GITHUB_API_URL": tt.apiURL})
			gh, err := NewGitHubClient(a, "t")
			if err != nil {
				t.Fatalf("NewGitHubClient: %v", err)
			}
			if got := gh.BaseURL(); got != tt.want {
				t.Errorf("BaseURL = %q, want %q", got, tt.want)
			}
		})
	}
	a, _ := newAction(nil)
	if _, err := NewGitHubClient(a, ""); err == nil {
		t.Error("NewGitHubClient with no token: want an error")
	}
}

func TestRunURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{name: "first attempt", env: map[string]string{"GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "9", "GITHUB_RUN_ATTEMPT": "1"}, want: "https://github.com/o/r/actions/runs/9"},
		{name: "re-run on GHES", env: map[string]string{"GITHUB_SERVER_URL": "https://ghe.example.com/", "GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "9", "GITHUB_RUN_ATTEMPT": "3"}, want: "https://ghe.example.com/o/r/actions/runs/9/attempts/3"},
		{name: "outside Actions", env: map[string]string{}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, _ := newAction(tt.env)
			if got := RunURL(a); got != tt.want {
				t.Errorf("RunURL = %q, want %q", got, tt.want)
			}
		})
	}
}
