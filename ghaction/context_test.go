package ghaction

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	pyprojectPEP621 = "[project]\nname = \"shop-flows\"\nversion = \"0.3.1\"\n"
	pyprojectPoetry = "[tool.poetry]\nname = \"shop-flows\"\nversion = \"2.0.0b1\"\n"
)

func TestContextDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		event     string // file under testdata/events, or raw JSON when it starts with {
		env       map[string]string
		pyproject string
		want      Defaults
	}{
		{
			name:      "push to a branch deploys that branch at GITHUB_SHA with the pyproject version",
			event:     "push.json",
			env:       map[string]string{"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/feature/orders", "GITHUB_SHA": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"},
			pyproject: pyprojectPEP621,
			want:      Defaults{Project: "shop-flows", Branch: "feature/orders", Commit: "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", PackageVersion: "0.3.1", EventName: "push"},
		},
		{
			name:      "tag push deploys the default branch",
			event:     "tag-push.json",
			env:       map[string]string{"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/tags/v1.4.0", "GITHUB_SHA": "7638417db6d59f3c431d3e1f261cc637155684cd"},
			pyproject: pyprojectPEP621,
			want:      Defaults{Project: "shop-flows", Branch: "main", Commit: "7638417db6d59f3c431d3e1f261cc637155684cd", PackageVersion: "0.3.1", EventName: "push"},
		},
		{
			name:  "pull request uses the head branch and head commit, not the merge commit",
			event: "pull_request.json",
			env: map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": "refs/pull/42/merge",
				"GITHUB_SHA": "e5bd3914e2e596debea16f433f57875b5b90bcd6", "GITHUB_HEAD_REF": "feature/nightly"},
			want: Defaults{Project: "shop-flows", Branch: "feature/nightly", Commit: "c0ffee254729296a45a3885639ac7ca3a7f6a2b1", EventName: "pull_request"},
		},
		{
			name:  "pull_request_target reads the same payload",
			event: "pull_request.json",
			env:   map[string]string{"GITHUB_EVENT_NAME": "pull_request_target", "GITHUB_REF": "refs/heads/main", "GITHUB_SHA": "6113728f27ae82c7b1a177c8d03f9e96e0adf246"},
			want:  Defaults{Project: "shop-flows", Branch: "feature/nightly", Commit: "c0ffee254729296a45a3885639ac7ca3a7f6a2b1", EventName: "pull_request_target"},
		},
		{
			name:      "published release: tag as package and release version, default branch",
			event:     "release.json",
			env:       map[string]string{"GITHUB_EVENT_NAME": "release", "GITHUB_REF": "refs/tags/v1.4.0", "GITHUB_SHA": "7638417db6d59f3c431d3e1f261cc637155684cd"},
			pyproject: pyprojectPEP621,
			want:      Defaults{Project: "shop-flows", Branch: "main", Commit: "7638417db6d59f3c431d3e1f261cc637155684cd", PackageVersion: "v1.4.0", ReleaseVersion: "v1.4.0", EventName: "release"},
		},
		{
			name:  "workflow_run deploys what the upstream run built, not the default branch head",
			event: "workflow_run.json",
			env:   map[string]string{"GITHUB_EVENT_NAME": "workflow_run", "GITHUB_REF": "refs/heads/main", "GITHUB_SHA": "ffffffffffffffffffffffffffffffffffffffff"},
			want:  Defaults{Project: "shop-flows", Branch: "main", Commit: "acb5820ced9479c074f688cc328bf03f341a511d", EventName: "workflow_run"},
		},
		{
			name:  "workflow_run after a release run uses the default branch, not the tag",
			event: `{"action":"completed","workflow_run":{"head_branch":"v1.4.0","head_sha":"7638417db6d59f3c431d3e1f261cc637155684cd","event":"release"},"repository":{"name":"shop-flows","default_branch":"trunk"}}`,
			env:   map[string]string{"GITHUB_EVENT_NAME": "workflow_run", "GITHUB_REF": "refs/heads/trunk", "GITHUB_SHA": "ffffffffffffffffffffffffffffffffffffffff"},
			want:  Defaults{Project: "shop-flows", Branch: "trunk", Commit: "7638417db6d59f3c431d3e1f261cc637155684cd", EventName: "workflow_run"},
		},
		{
			name:      "workflow_dispatch deploys the chosen branch; poetry version",
			event:     "workflow_dispatch.json",
			env:       map[string]string{"GITHUB_EVENT_NAME": "workflow_dispatch", "GITHUB_REF": "refs/heads/release/2026.11", "GITHUB_SHA": "acb5820ced9479c074f688cc328bf03f341a511d"},
			pyproject: pyprojectPoetry,
			want:      Defaults{Project: "shop-flows", Branch: "release/2026.11", Commit: "acb5820ced9479c074f688cc328bf03f341a511d", PackageVersion: "2.0.0b1", EventName: "workflow_dispatch"},
		},
		{
			name:      "workflow_dispatch on a tag deploys the default branch",
			event:     "workflow_dispatch.json",
			env:       map[string]string{"GITHUB_EVENT_NAME": "workflow_dispatch", "GITHUB_REF": "refs/tags/v1.4.0", "GITHUB_SHA": "7638417db6d59f3c431d3e1f261cc637155684cd"},
			pyproject: "[project]\nname = \"x\"\ndynamic = [\"version\"]\n",
			want:      Defaults{Project: "shop-flows", Branch: "main", Commit: "7638417db6d59f3c431d3e1f261cc637155684cd", EventName: "workflow_dispatch"},
		},
		{
			name: "schedule without an event file falls back to GITHUB_REF",
			env:  map[string]string{"GITHUB_EVENT_NAME": "schedule", "GITHUB_REF": "refs/heads/main", "GITHUB_SHA": "acb5820ced9479c074f688cc328bf03f341a511d", "GITHUB_EVENT_PATH": "testdata/events/does-not-exist.json"},
			want: Defaults{Project: "shop-flows", Branch: "main", Commit: "acb5820ced9479c074f688cc328bf03f341a511d", EventName: "schedule"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			env := map[string]string{"GITHUB_REPOSITORY": "octo-org/shop-flows"}
			for k, v := range tt.env {
				env[k] = v
			}
			switch {
			case strings.HasPrefix(tt.event, "{"):
				env["GITHUB_EVENT_PATH"] = writeFile(t, dir, "event.json", tt.event)
			case tt.event != "":
				env["GITHUB_EVENT_PATH"] = filepath.Join("testdata", "events", tt.event)
			}
			if tt.pyproject != "" {
				writeFile(t, dir, "pyproject.toml", tt.pyproject)
			}
			a, _ := newAction(env)
			got, err := ContextDefaults(a, dir)
			if err != nil {
				t.Fatalf("ContextDefaults: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ContextDefaults mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestContextDefaultsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		event     string
		pyproject string
		want      string // error text, with DIR standing for the work directory
	}{
		{
			name:      "malformed pyproject.toml points at the line",
			event:     `{}`,
			pyproject: "[project]\nname = \"shop\"\nversion = 0.3.1\n",
			want:      `DIR/pyproject.toml:3:11: Invalid float value: "0.3.1"`,
		},
		{
			name:      "version that is not a string",
			event:     `{}`,
			pyproject: "[project]\nversion = 3\n",
			want:      "DIR/pyproject.toml: project.version must be a string, got int64",
		},
		{
			name:  "event payload that is not JSON",
			event: `{"ref": `,
			want:  "failed to decode push event payload: unexpected end of JSON input",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			env := map[string]string{"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main", "GITHUB_REPOSITORY": "o/r",
				"GITHUB_EVENT_PATH": writeFile(t, dir, "event.json", tt.event)}
			if tt.pyproject != "" {
				writeFile(t, dir, "pyproject.toml", tt.pyproject)
			}
			a, _ := newAction(env)
			_, err := ContextDefaults(a, dir)
			if err == nil {
				t.Fatal("ContextDefaults: want an error, got nil")
			}
			want := strings.ReplaceAll(tt.want, "DIR", dir)
			if diff := cmp.Diff(want, err.Error()); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
