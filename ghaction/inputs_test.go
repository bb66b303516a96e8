package ghaction

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var pushDefaults = Defaults{
	Project: "shop-flows", Branch: "main", Commit: "acb5820ced9479c074f688cc328bf03f341a511d",
	PackageVersion: "0.3.1", EventName: "push",
}

func TestArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		inputs   map[string]string
		defaults Defaults
		want     []string
		secrets  []string
		setenv   map[string]string
		stdout   string
	}{
		{
			name:     "deploy with only env takes project, branch, commit and version from the context",
			inputs:   map[string]string{"ENV": "dev"},
			defaults: pushDefaults,
			want: []string{"deploy", "--env", "dev", "--project", "shop-flows", "--branch", "main",
				"--commit", "acb5820ced9479c074f688cc328bf03f341a511d", "--package-version", "0.3.1"},
		},
		{
			name: "inputs win over the context; every deploy flag",
			inputs: map[string]string{
				"COMMAND": "deploy", "ENV": "staging", "PROJECT": "shop", "BRANCH": "hotfix", "COMMIT": "c0ffee2",
				"PACKAGE_VERSION": "1.2.3", "SOURCE_ROOT": "src", "CONFIG": "deploy/prefect-deploy.yaml", "CONFIG_FORMAT": "acme",
				"FLOWS": "orders,\nbilling\n", "IMAGE": "ghcr.io/octo-org/shop:sha-c0ffee2",
				"ENV_VARS":        "LOG_LEVEL=debug\n\n# comment\nDSN=postgres://db/shop?sslmode=require",
				"PREFECT_YAML":    "flows/*/prefect.yaml\nprefect.yaml",
				"STEP_OUTPUTS":    "build.image=ghcr.io/octo-org/shop@sha256:abc\nbuild.tag=2026.11",
				"DRY_RUN":         "true",
				"CONCURRENCY":     "8",
				"PRUNE":           "true",
				"FOLLOW_HEAD":     "true",
				"GITHUB_TOKEN":    "ghs_token",
				"SECRET_ENV_VARS": "API_TOKEN=s3cr3t=with=equals",
			},
			defaults: pushDefaults,
			want: []string{"deploy", "--env", "staging", "--project", "shop", "--branch", "hotfix", "--commit", "c0ffee2",
				"--package-version", "1.2.3", "--source-root", "src", "--config", "deploy/prefect-deploy.yaml", "--config-format", "acme",
				"--flows", "orders,billing", "--image", "ghcr.io/octo-org/shop:sha-c0ffee2",
				"--env-var", "LOG_LEVEL=debug", "--env-var", "DSN=postgres://db/shop?sslmode=require",
				"--env-var", "API_TOKEN=s3cr3t=with=equals",
				"--prefect-yaml", "flows/*/prefect.yaml", "--prefect-yaml", "prefect.yaml",
				"--step-output", "build.image=ghcr.io/octo-org/shop@sha256:abc", "--step-output", "build.tag=2026.11",
				"--dry-run", "--concurrency", "8", "--prune", "--follow-head"},
			secrets: []string{"s3cr3t=with=equals", "ghs_token"},
		},
		{
			name: "promote takes the release version from a release event",
			inputs: map[string]string{"COMMAND": "promote", "SOURCE_ENV": "staging", "ENV": "prod", "FLOWS": "all",
				"ALLOW_DOWNGRADE": "True", "SKIP_MISSING": "false", "ENV_VARS": "TIER=gold", "ENV_FILE": "acme_shop.prod.1.env\n# shared\nshared.env\n"},
			defaults: Defaults{Project: "shop-flows", Branch: "main", Commit: "7638417db6d59f3c431d3e1f261cc637155684cd",
				PackageVersion: "v1.4.0", ReleaseVersion: "v1.4.0", EventName: "release"},
			want: []string{"promote", "--source-env", "staging", "--env", "prod", "--project", "shop-flows", "--branch", "main",
				"--release-version", "v1.4.0", "--flows", "all", "--env-var", "TIER=gold",
				"--env-file", "acme_shop.prod.1.env", "--env-file", "shared.env", "--allow-downgrade"},
		},
		{
			name: "rollback takes the ref and the confirmation, never the context's commit or version",
			inputs: map[string]string{"COMMAND": "rollback", "ENV": "prod", "TO": "v1.2.0", "ALLOW_DOWNGRADE": "true", "PRUNE": "true",
				"SKIP_MISSING": "false"},
			defaults: pushDefaults,
			want: []string{"rollback", "--env", "prod", "--project", "shop-flows", "--branch", "main", "--to", "v1.2.0",
				"--allow-downgrade", "--prune"},
		},
		{
			name:     "prune of the branches the remote lost",
			inputs:   map[string]string{"COMMAND": "prune", "ENV": "dev", "REMOTE_BRANCHES": "origin", "TO": "v1"},
			defaults: pushDefaults,
			want: []string{"prune", "--env", "dev", "--project", "shop-flows", "--branch", "main",
				"--commit", "acb5820ced9479c074f688cc328bf03f341a511d", "--package-version", "0.3.1", "--remote-branches", "origin"},
			stdout: "::warning::input to is only used by command rollback; ignored for prune\n",
		},
		{
			name: "promote warns about deploy-only inputs and leaves them out",
			inputs: map[string]string{"COMMAND": "promote", "SOURCE_ENV": "dev", "ENV": "staging", "IMAGE": "busybox",
				"SOURCE_ROOT": ".", "DRY_RUN": "false"},
			want:   []string{"promote", "--source-env", "dev", "--env", "staging"},
			stdout: "::warning::input source-root is only used by commands deploy, rollback, prune, preview; ignored for promote\n::warning::input image is only used by commands deploy, rollback, prune, preview; ignored for promote\n",
		},
		{
			name: "promote reads the prefect.yaml files and step outputs",
			inputs: map[string]string{"COMMAND": "promote", "SOURCE_ENV": "staging", "ENV": "prod",
				"PREFECT_YAML": "pipelines/*/prefect.yaml", "STEP_OUTPUTS": "meta.stdout=abc"},
			want: []string{"promote", "--source-env", "staging", "--env", "prod", "--prefect-yaml", "pipelines/*/prefect.yaml", "--step-output", "meta.stdout=abc"},
		},
		{
			name:   "deploy ignores a false promote-only boolean without a warning",
			inputs: map[string]string{"ENV": "dev", "ALLOW_DOWNGRADE": "false", "SKIP_MISSING": "true"},
			want:   []string{"deploy", "--env", "dev"},
			stdout: "::warning::input skip-missing is only used by command promote; ignored for deploy\n",
		},
		{
			name: "connection inputs go to the environment, never to argv, and are masked",
			inputs: map[string]string{"ENV": "dev", "PREFECT_API_URL": "https://api.prefect.cloud/api/accounts/a/workspaces/w",
				"PREFECT_API_KEY": "pnu_key", "PREFECT_API_AUTH_STRING": "admin:hunter2"},
			want:    []string{"deploy", "--env", "dev"},
			secrets: []string{"pnu_key", "admin:hunter2", "hunter2"},
			setenv: map[string]string{"PREFECT_API_URL": "https://api.prefect.cloud/api/accounts/a/workspaces/w",
				"PREFECT_API_KEY": "pnu_key", "PREFECT_API_AUTH_STRING": "admin:hunter2"},
		},
		{
			name:   "skip-invalid deploys the valid prefect.yaml files",
			inputs: map[string]string{"ENV": "prod", "PREFECT_YAML": "pipelines/*/prefect.yaml", "SKIP_INVALID": "true"},
			want:   []string{"deploy", "--env", "prod", "--prefect-yaml", "pipelines/*/prefect.yaml", "--skip-invalid"},
		},
		{
			name:   "skip-invalid is deploy-only",
			inputs: map[string]string{"COMMAND": "promote", "SOURCE_ENV": "dev", "ENV": "prod", "SKIP_INVALID": "true"},
			want:   []string{"promote", "--source-env", "dev", "--env", "prod"},
			stdout: "::warning::input skip-invalid is only used by command deploy; ignored for promote\n",
		},
		{
			name:   "github-deployments true with a token",
			inputs: map[string]string{"ENV": "dev", "GITHUB_TOKEN": "ghs_x", "GITHUB_DEPLOYMENTS": "true"},
			want:   []string{"deploy", "--env", "dev"}, secrets: []string{"ghs_x"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{}
			for k, v := range tt.inputs {
				env["INPUT_"+k] = v
			}
			a, out := newAction(env)
			set := map[string]string{}
			got, secrets, err := buildArgs(a, tt.defaults, func(k, v string) error { set[k] = v; return nil })
			if err != nil {
				t.Fatalf("Args: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("args mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.secrets, secrets); diff != "" {
				t.Errorf("secrets mismatch (-want +got):\n%s", diff)
			}
			if tt.setenv == nil {
				tt.setenv = map[string]string{}
			}
			if diff := cmp.Diff(tt.setenv, set); diff != "" {
				t.Errorf("exported env mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.stdout, out.String()); diff != "" {
				t.Errorf("stdout mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestArgsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		inputs map[string]string
		want   string
	}{
		{
			name:   "env is required",
			inputs: map[string]string{},
			want:   "input env is required: name the target environment, e.g. dev",
		},
		{
			name:   "rollback needs a ref",
			inputs: map[string]string{"COMMAND": "rollback", "ENV": "prod"},
			want:   "input to is required for command rollback: name the release tag or commit to roll back to",
		},
		{
			name:   "unknown command",
			inputs: map[string]string{"COMMAND": "Deploy", "ENV": "dev"},
			want:   `input command: want one of deploy, promote, rollback, prune, preview, got "Deploy"`,
		},
		{
			name:   "promote needs a source environment different from the target",
			inputs: map[string]string{"COMMAND": "promote", "ENV": "prod", "SOURCE_ENV": "prod"},
			want:   `input source-env and input env are both "prod": promote needs two different environments`,
		},
		{
			name:   "promote without source-env",
			inputs: map[string]string{"COMMAND": "promote", "ENV": "prod"},
			want:   "input source-env is required for command promote: name the environment to promote from",
		},
		{
			name:   "env-vars lines are checked one by one, with line numbers",
			inputs: map[string]string{"ENV": "dev", "ENV_VARS": "A=1\nB=2\nnot a pair\n1X=3\nA=4"},
			want: "input env-vars, line 3: want KEY=VALUE with KEY made of letters, digits and _, got \"not a pair\"\n" +
				"input env-vars, line 4: want KEY=VALUE with KEY made of letters, digits and _, got \"1X=3\"\n" +
				"input env-vars, line 5: A is already set at input env-vars, line 1",
		},
		{
			name:   "secret-env-vars messages never show a value",
			inputs: map[string]string{"ENV": "dev", "ENV_VARS": "TOKEN=public", "SECRET_ENV_VARS": "hunter2\nTOKEN=hunter3\nBAD-KEY=hunter4"},
			want: "input secret-env-vars, line 1: want KEY=VALUE with KEY made of letters, digits and _, got a line of 7 characters (not shown)\n" +
				"input secret-env-vars, line 2: TOKEN is already set at input env-vars, line 1\n" +
				`input secret-env-vars, line 3: want KEY=VALUE with KEY made of letters, digits and _, got key "BAD-KEY"`,
		},
		{
			name:   "booleans and integers",
			inputs: map[string]string{"ENV": "dev", "DRY_RUN": "yes", "CONCURRENCY": "0", "GITHUB_DEPLOYMENTS": "1"},
			want: "input dry-run: want true or false, got \"yes\"\n" +
				"input concurrency: want a whole number of at least 1, got \"0\"\n" +
				"input github-deployments: want true or false, got \"1\"",
		},
		{
			name:   "commit, flows, globs and step outputs",
			inputs: map[string]string{"ENV": "dev", "COMMIT": "--upload-pack=x", "FLOWS": "all,orders", "PREFECT_YAML": "ok.yaml\nflows/[.yaml", "STEP_OUTPUTS": "build=x\nbuild.tag=1"},
			want: "input commit: want a git revision (a commit SHA, a tag, HEAD), got \"--upload-pack=x\"\n" +
				"input flows: want all or a list of flow names, not both (got \"all,orders\")\n" +
				"input prefect-yaml, line 2: bad glob \"flows/[.yaml\": syntax error in pattern\n" +
				"input step-outputs, line 1: want STEP_ID.KEY=VALUE, got \"build=x\"",
		},
		{
			name:   "single-line inputs and URLs",
			inputs: map[string]string{"ENV": "dev\nprod", "PREFECT_API_URL": "localhost:4200", "PREFECT_API_KEY": "a\nb"},
			want: "input env: want a single line\n" +
				"input prefect-api-url: want an http(s) URL such as https://api.prefect.cloud/api/accounts/A/workspaces/W\n" +
				"input prefect-api-key: want a single line",
		},
		{
			name:   "github-deployments without a token",
			inputs: map[string]string{"ENV": "dev", "GITHUB_DEPLOYMENTS": "true"},
			want:   "input github-deployments is true but input github-token is empty: pass github-token: ${{ github.token }} and grant `deployments: write`",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{}
			for k, v := range tt.inputs {
				env["INPUT_"+k] = v
			}
			a, _ := newAction(env)
			got, _, err := buildArgs(a, pushDefaults, func(k, v string) error { return nil })
			if err == nil {
				t.Fatalf("Args = %q, want an error", got)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			for _, secret := range []string{"hunter2", "hunter3", "hunter4"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q shows the secret %q", err, secret)
				}
			}
		})
	}
}

// TestArgsExportsConnection checks the real process environment, so it cannot run in parallel.
func TestArgsExportsConnection(t *testing.T) {
	t.Setenv("PREFECT_API_URL", "http://stale:4200/api")
	t.Setenv("PREFECT_API_KEY", "")
	a, _ := newAction(map[string]string{"INPUT_ENV": "dev", "INPUT_PREFECT_API_URL": "http://127.0.0.1:4200/api", "INPUT_PREFECT_API_KEY": "pnu_k"})
	args, _, err := Args(a, Defaults{})
	if err != nil {
		t.Fatalf("Args: %v", err)
	}
	got := map[string]string{"PREFECT_API_URL": os.Getenv("PREFECT_API_URL"), "PREFECT_API_KEY": os.Getenv("PREFECT_API_KEY")}
	want := map[string]string{"PREFECT_API_URL": "http://127.0.0.1:4200/api", "PREFECT_API_KEY": "pnu_k"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("environment mismatch (-want +got):\n%s", diff)
	}
	if strings.Contains(strings.Join(args, " "), "pnu_k") {
		t.Errorf("args %q carry the API key", args)
	}
}

func TestGitHubDeployments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		token, opt string
		wantRecord bool
	}{
		{name: "default is on with a token", token: "ghs_x", wantRecord: true},
		{name: "default is off without a token"},
		{name: "turned off", token: "ghs_x", opt: "false"},
		{name: "turned on", token: "ghs_x", opt: "TRUE", wantRecord: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, _ := newAction(map[string]string{"INPUT_GITHUB_TOKEN": tt.token, "INPUT_GITHUB_DEPLOYMENTS": tt.opt})
			token, record, err := GitHubDeployments(a)
			if err != nil {
				t.Fatalf("GitHubDeployments: %v", err)
			}
			if token != tt.token || record != tt.wantRecord {
				t.Errorf("GitHubDeployments = %q, %v; want %q, %v", token, record, tt.token, tt.wantRecord)
			}
		})
	}
}

func TestMask(t *testing.T) {
	t.Parallel()
	a, out := newAction(nil)
	Mask(a, "pnu_key", "", "-----BEGIN KEY-----\r\n  abc%def\n-----END KEY-----\n", "pnu_key")
	want := "::add-mask::pnu_key\n" +
		"::add-mask::-----BEGIN KEY-----\n" +
		"::add-mask::  abc%25def\n" +
		"::add-mask::abc%25def\n" +
		"::add-mask::-----END KEY-----\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("Mask output mismatch (-want +got):\n%s", diff)
	}
}
