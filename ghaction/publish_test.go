package ghaction

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/config"
)

const ui = "https://app.prefect.cloud/account/a/workspace/w/deployments/deployment/"

func finished(r *report.Report) *report.Report {
	r.Finish()
	return r
}

func TestPublish(t *testing.T) {
	t.Parallel()
	var positioned config.Errors
	for i := 1; i <= 12; i++ {
		positioned = append(positioned, &config.Error{File: "prefect-deploy.yaml", Line: i * 3, Column: 5, Message: "unknown key \"schedul\" (did you mean schedule?)"})
	}
	tests := []struct {
		name       string
		rep        *report.Report
		runErr     error
		configFile string
	}{
		{
			name:       "deploy",
			configFile: "prefect-deploy.yaml",
			rep: finished(&report.Report{
				Command: "deploy", Env: "dev", Server: "https://api.prefect.cloud/api/accounts/a/workspaces/w",
				Deployments: []report.Item{
					{Name: "shop--main--orders--dev", Flow: "orders", Env: "dev", ID: "8c6f0d8e-1111-4a0c-9d55-0f6e3b8a1c01", Action: report.Created,
						URL: ui + "8c6f0d8e-1111-4a0c-9d55-0f6e3b8a1c01", Version: "0.3.1+acb5820", Commit: "acb5820ced9479c074f688cc328bf03f341a511d",
						PackageVersion: "0.3.1", Entrypoint: "flows/orders.py:orders", Source: "flows/orders.py:12"},
					{Name: "shop--main--billing--dev", Flow: "billing | nightly", Env: "dev", ID: "8c6f0d8e-2222-4a0c-9d55-0f6e3b8a1c02", Action: report.Updated,
						URL: ui + "8c6f0d8e-2222-4a0c-9d55-0f6e3b8a1c02", Version: "0.3.1+acb5820", Commit: "acb5820ced9479c074f688cc328bf03f341a511d",
						Changes: []prefect.Change{{Field: "schedules", From: "0 2 * * *", To: "0 3 * * *"}}},
					{Name: "shop--main--refunds--dev", Flow: "refunds", Env: "dev", ID: "8c6f0d8e-3333-4a0c-9d55-0f6e3b8a1c03", Action: report.Unchanged,
						URL: ui + "8c6f0d8e-3333-4a0c-9d55-0f6e3b8a1c03", Version: "0.3.0+`tick`", Commit: "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"},
				},
				Warnings: []string{"work pool \"k8s\" has no workers: runs will wait"},
			}),
		},
		{
			name: "dry-run",
			rep: finished(&report.Report{
				Command: "deploy", Env: "staging", DryRun: true,
				Deployments: []report.Item{
					{Name: "shop--main--orders--staging", Flow: "orders", Env: "staging", Action: report.WouldCreate, Version: "0.3.1", Entrypoint: "flows/orders.py:orders"},
					{Name: "shop--main--billing--staging", Flow: "billing", Env: "staging", Action: report.WouldUpdate, Version: "0.3.1",
						Changes: []prefect.Change{{Field: "job_variables.env", From: "[LOG_LEVEL]", To: "[LOG_LEVEL DSN]"}, {Field: "tags", From: "[a]", To: "[a b]"}}},
					{Name: "shop--main--legacy--staging", Flow: "legacy", Env: "staging", Action: report.Skipped, Error: "not in --flows"},
				},
			}),
		},
		{
			name:       "failures",
			configFile: "prefect-deploy.yaml",
			runErr:     errors.Join(positioned, errors.New("2 deployments failed")),
			rep: finished(&report.Report{
				Command: "deploy", Env: "prod",
				Deployments: []report.Item{
					{Name: "shop--main--orders--prod", Flow: "orders", Env: "prod", Action: report.Failed, Source: "flows/orders.py:12",
						Error: "work pool \"prod-pool\" not found | create it first"},
					{Name: "shop--main--billing--prod", Flow: "billing", Env: "prod", Action: report.Failed, Error: "500 Internal Server Error"},
					{Name: "shop--main--refunds--prod", Flow: "refunds", Env: "prod", Action: report.Created, ID: "c1", URL: ui + "c1", Version: "1.0.0"},
				},
			}),
		},
		{
			name: "promote-refused",
			rep: finished(&report.Report{
				Command: "promote", SourceEnv: "staging", Env: "prod",
				Deployments: []report.Item{
					{Name: "shop--main--orders--prod", Flow: "orders", Env: "prod", Action: report.Updated, ID: "p1", URL: ui + "p1", Version: "1.4.0",
						Source: "shop--main--orders--staging", Commit: "7638417db6d59f3c431d3e1f261cc637155684cd"},
					{Name: "shop--main--billing--prod", Flow: "billing", Env: "prod", Action: report.WouldBeRefused, Version: "1.3.0",
						Source: "shop--main--billing--staging", Error: "1.3.0 is older than 1.4.0 in prod; pass allow-downgrade: true"},
				},
			}),
		},
		{
			name:   "no-report",
			runErr: errors.New("input env is required: name the target environment, e.g. dev\ninput env-vars, line 3: want KEY=VALUE with KEY made of letters, digits and _, got \"oops\"\n  (values are kept as written)"),
		},
	}
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			env := map[string]string{
				"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
				"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
				"GITHUB_WORKSPACE":    filepath.Dir(cwd),
				"GITHUB_REPOSITORY":   "octo-org/shop-flows",
				"GITHUB_SERVER_URL":   "https://github.com",
			}
			a, out := newAction(env)
			if err := Publish(a, tt.rep, tt.runErr, tt.configFile); err != nil {
				t.Fatalf("Publish: %v", err)
			}
			golden(t, filepath.Join("publish", tt.name, "stdout.golden"), out.String())
			golden(t, filepath.Join("publish", tt.name, "summary.golden.md"), readFile(t, env["GITHUB_STEP_SUMMARY"]))
			golden(t, filepath.Join("publish", tt.name, "outputs.golden"), readFile(t, env["GITHUB_OUTPUT"]))
		})
	}
}

func TestPublishErrorBudget(t *testing.T) {
	t.Parallel()
	var errs config.Errors
	for i := 1; i <= 25; i++ {
		errs = append(errs, &config.Error{File: "c.yaml", Line: i, Column: 1, Message: "bad"})
	}
	for _, n := range []int{10, 25} {
		a, out := newAction(map[string]string{"GITHUB_OUTPUT": filepath.Join(t.TempDir(), "o"), "GITHUB_STEP_SUMMARY": filepath.Join(t.TempDir(), "s")})
		if err := Publish(a, nil, errs[:n], ""); err != nil {
			t.Fatalf("Publish: %v", err)
		}
		if got := strings.Count(out.String(), "::error"); got != min(n, annotationBudget) {
			t.Errorf("%d errors gave %d annotations, want %d", n, got, min(n, annotationBudget))
		}
	}
}

func TestPublishWithoutFiles(t *testing.T) {
	t.Parallel()
	a, out := newAction(nil)
	rep := finished(&report.Report{Command: "deploy", Env: "dev", Deployments: []report.Item{{Name: "n", Action: report.Created}}})
	if err := Publish(a, rep, nil, ""); err != nil {
		t.Fatalf("Publish without GITHUB_OUTPUT and GITHUB_STEP_SUMMARY: %v", err)
	}
	want := "::warning::GITHUB_STEP_SUMMARY is not set: no job summary written\n::warning::GITHUB_OUTPUT is not set: no step outputs written\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("stdout mismatch (-want +got):\n%s", diff)
	}
}

func TestPublishRefusesForgedOutputs(t *testing.T) {
	t.Parallel()
	outFile := filepath.Join(t.TempDir(), "output")
	a, _ := newAction(map[string]string{"GITHUB_OUTPUT": outFile, "GITHUB_STEP_SUMMARY": filepath.Join(t.TempDir(), "s")})
	rep := finished(&report.Report{Command: "deploy", Env: "dev", Deployments: []report.Item{
		{Name: "x\n" + outputDelimiter + "\nfailed<<" + outputDelimiter + "\n0", Action: report.Created},
	}})
	err := Publish(a, rep, nil, "")
	if err == nil || !strings.Contains(err.Error(), `failed to set output "names": the value contains the output delimiter`) {
		t.Fatalf("Publish error = %v, want one about the names output", err)
	}
	got := parseOutputs(t, readFile(t, outFile))
	if got["failed"] != "0" || got["names"] != "" {
		t.Errorf("outputs as the runner reads them: failed=%q names=%q; want failed=0 and no names", got["failed"], got["names"])
	}
}

// parseOutputs reads a GITHUB_OUTPUT file the way the runner does, failing on a repeated name.
func parseOutputs(t *testing.T, s string) map[string]string {
	t.Helper()
	out := map[string]string{}
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		name, delim, ok := strings.Cut(lines[i], "<<")
		if !ok {
			t.Fatalf("line %d: want name<<delimiter, got %q", i+1, lines[i])
		}
		var value []string
		for i++; i < len(lines) && lines[i] != delim; i++ {
			value = append(value, lines[i])
		}
		if _, dup := out[name]; dup {
			t.Errorf("output %q is set twice", name)
		}
		out[name] = strings.Join(value, "\n")
	}
	return out
}

func TestPublishUnwritableOutput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, _ := newAction(map[string]string{"GITHUB_OUTPUT": filepath.Join(dir, "missing", "o"), "GITHUB_STEP_SUMMARY": filepath.Join(dir, "missing", "s")})
	err := Publish(a, nil, errors.New("boom"), "")
	if err == nil || !strings.Contains(err.Error(), "failed to write the job summary") || !strings.Contains(err.Error(), `failed to set output "deployments"`) {
		t.Fatalf("Publish error = %v, want both file failures reported", err)
	}
}

func TestPhases(t *testing.T) {
	t.Parallel()
	a, out := newAction(nil)
	p := NewPhases(a)
	p.End() // nothing open yet: no stray endgroup
	p.Start("Check")
	a.Infof("checking")
	p.Start("Plan dev")
	a.Infof("planning")
	p.Start("")
	a.Infof("table")
	p.End()
	want := "::group::Check\nchecking\n::endgroup::\n::group::Plan dev\nplanning\n::endgroup::\ntable\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("stdout mismatch (-want +got):\n%s", diff)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestErrorAnnotations(t *testing.T) {
	t.Parallel()
	p := publisher{workspace: "/repo", cwd: "/repo/pipelines"}
	tests := []struct {
		name string
		err  string
		want []annotation
	}{
		{
			name: "positioned line, path made relative to the workspace",
			err:  "prefect-deploy.yaml:3:5: unknown key",
			want: []annotation{{props: map[string]string{"file": "pipelines/prefect-deploy.yaml", "line": "3", "col": "5"}, msg: "unknown key", text: "prefect-deploy.yaml:3:5: unknown key"}},
		},
		{
			name: "what failed becomes the title",
			err:  "failed to load config: deploy/prefect-deploy.yaml:12:1: duplicate flow",
			want: []annotation{{props: map[string]string{"file": "pipelines/deploy/prefect-deploy.yaml", "line": "12", "col": "1", "title": "failed to load config"}, msg: "duplicate flow", text: "failed to load config: deploy/prefect-deploy.yaml:12:1: duplicate flow"}},
		},
		{
			name: "network errors are not positions",
			err:  `failed to list flows: Get "http://127.0.0.1:4200/api/flows/filter": dial tcp 127.0.0.1:4200: connect: connection refused`,
			want: []annotation{{msg: `failed to list flows: Get "http://127.0.0.1:4200/api/flows/filter": dial tcp 127.0.0.1:4200: connect: connection refused`, text: `failed to list flows: Get "http://127.0.0.1:4200/api/flows/filter": dial tcp 127.0.0.1:4200: connect: connection refused`}},
		},
		{
			name: "indented lines continue the previous one; paths outside the workspace stay",
			err:  "/etc/prefect.yaml:1:1: bad\n  hint: fix it\nsecond",
			want: []annotation{
				{props: map[string]string{"file": "/etc/prefect.yaml", "line": "1", "col": "1"}, msg: "bad\nhint: fix it", text: "/etc/prefect.yaml:1:1: bad\n  hint: fix it"},
				{msg: "second", text: "second"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := p.errorAnnotations(errors.New(tt.err))
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(annotation{})); diff != "" {
				t.Errorf("errorAnnotations mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
