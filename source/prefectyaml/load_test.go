package prefectyaml

import (
	"crypto/md5"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/golden"
)

// env is a fixed environment, so the cases never see the machine's (a CI
// runner's GITHUB_SHA would change inferred versions).
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// goldenCase loads files from a copy of testdata/cases and compares the
// result with testdata/cases/<name>.golden.
type goldenCase struct {
	name  string
	files []string
	opts  Options
	// names renders only the selected deployment names.
	names bool
	// schema keeps the parameter schemas in the golden output.
	schema bool
}

func TestLoadGolden(t *testing.T) {
	t.Parallel()
	base := Options{Env: "dev", RunScripts: true, Getenv: env(nil)}
	with := func(f func(*Options)) Options {
		o := base
		f(&o)
		return o
	}
	cases := []goldenCase{
		{name: "templating", files: []string{"templating.yaml"}, opts: with(func(o *Options) {
			o.Getenv = env(map[string]string{"REGION": "eu", "EMPTY": ""})
			o.StepOutputs = map[string]string{"build-image.image": "reg/etl:1.2.3", "build-image.tag": "1.2.3"}
		})},
		{name: "templating-image", files: []string{"templating.yaml"}, opts: with(func(o *Options) {
			o.Getenv = env(map[string]string{"REGION": "eu"})
			o.Image = "registry.example.com:5000/team/etl:2026.1"
		})},
		{name: "docker-derive", files: []string{"docker-derive.yaml"}, opts: with(func(o *Options) {
			o.Getenv = env(map[string]string{"PIPELINE": "etl"})
		})},
		{name: "docker-no-tag", files: []string{"docker-no-tag.yaml"}},
		{name: "scripts-off", files: []string{"templating.yaml"}, opts: with(func(o *Options) {
			o.RunScripts = false
			o.Image = "reg/etl:1"
			o.StepOutputs = map[string]string{"hello.stdout": "supplied hello", "stdout": "flat supplied"}
		})},
		{name: "select-suffix", files: []string{"selection.yaml"}, names: true, opts: with(func(o *Options) {
			o.Env = "prod"
			o.Getenv = env(map[string]string{"STAGE": "prod"})
		})},
		{name: "select-all", files: []string{"selection.yaml"}, names: true, opts: with(func(o *Options) { o.Select = "all" })},
		{name: "select-glob", files: []string{"selection.yaml"}, names: true, opts: with(func(o *Options) { o.Select = "etl--*" })},
		{name: "select-flow-glob", files: []string{"selection.yaml"}, names: true, opts: with(func(o *Options) { o.Select = "report/*" })},
		{name: "yaml11", files: []string{"yaml11.yaml"}},
		{name: "schedules", files: []string{"schedules.yaml"}},
		{name: "defaults", files: []string{"defaults.yaml"}, schema: true, opts: with(func(o *Options) { o.Select = "all" })},
		{name: "pull-defaults", files: []string{"pull-defaults.yaml"}},
		{name: "pull-override", files: []string{"pull-override.yaml"}},
		{name: "errors-validation", files: []string{"errors-validation.yaml"}, opts: with(func(o *Options) { o.PrefectVersion = "3.8.8" })},
		{name: "errors-processing", files: []string{"errors-processing.yaml"}, opts: with(func(o *Options) {
			o.Getenv = env(map[string]string{"TAGS": "a,b"})
		})},
		{name: "errors-script", files: []string{"errors-script.yaml"}},
		{name: "errors-yaml", files: []string{"errors-yaml.yaml"}},
		{name: "errors-duplicate", files: []string{"dup-*.yaml"}},
		// Keys Prefect ignores before 3.4.19/3.4.21 and refuses after: the file's
		// prefect-version wins over the server's version; with neither, they are accepted.
		{name: "ignored-keys", files: []string{"ignored-keys.yaml"}, opts: with(func(o *Options) { o.PrefectVersion = "3.8.8" })},
		{name: "ignored-keys-unknown-version", files: []string{"ignored-keys-unpinned.yaml"}},
		{name: "ignored-keys-server-3.4.9", files: []string{"ignored-keys-unpinned.yaml"}, opts: with(func(o *Options) { o.PrefectVersion = "3.4.9" })},
		{name: "errors-ignored-keys-server-3.8.8", files: []string{"ignored-keys-unpinned.yaml"}, opts: with(func(o *Options) { o.PrefectVersion = "3.8.8" })},
	}
	for _, tc := range cases {
		if tc.opts.Env == "" && tc.opts.Select == "" {
			tc.opts = base
		}
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := caseDir(t)
			tc.opts.Dir = dir
			deps, err := Load(tc.files, tc.opts)
			got := render(t, deps, err, dir, tc)
			golden.Compare(t, filepath.Join("testdata", "cases", tc.name+".golden"), []byte(got))
		})
	}
}

// caseDir copies testdata/cases into a directory named "work" outside any
// git repository, so inferred versions and default pull steps are stable.
func caseDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "work")
	copyTree(t, "testdata/cases", dir, func(path string, data []byte) []byte {
		if strings.HasSuffix(path, ".golden") {
			return nil
		}
		return data
	})
	return dir
}

// render writes what a user sees: the deployments as JSON (schemas elided
// unless asked for) and then the errors, with the temporary directory
// written as $DIR.
func render(t *testing.T, deps []Deployment, err error, dir string, tc goldenCase) string {
	t.Helper()
	var b strings.Builder
	if tc.names {
		for _, d := range deps {
			b.WriteString(d.FlowName + "/" + d.Name + "\n")
		}
	} else {
		for i := range deps {
			if !tc.schema {
				deps[i].Spec.ParameterSchema = map[string]any{"elided": true}
			}
		}
		out, jerr := json.MarshalIndent(deps, "", "  ")
		if jerr != nil {
			t.Fatal(jerr)
		}
		b.Write(out)
		b.WriteString("\n")
	}
	if err != nil {
		var list Errors
		if !errors.As(err, &list) {
			t.Fatalf("the error is not Errors: %v", err)
		}
		b.WriteString("--- errors\n" + err.Error() + "\n")
	}
	return strings.ReplaceAll(b.String(), dir, "$DIR")
}

// TestLoadWorkingDirectory checks that entrypoints and the default pull step
// are relative to the process working directory when Dir is empty, as they
// are for `prefect deploy --prefect-file` run from that directory.
func TestLoadWorkingDirectory(t *testing.T) {
	dir := caseDir(t)
	t.Chdir(dir)
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	deps, err := Load([]string{"dup-a.yaml"}, Options{Env: "dev", Getenv: env(nil)})
	if err != nil {
		t.Fatalf("Load from the file's directory: %v", err)
	}
	want := []map[string]any{{"prefect.deployments.steps.set_working_directory": map[string]any{"directory": wd}}}
	if diff := cmp.Diff(want, deps[0].Spec.PullSteps); diff != "" {
		t.Errorf("default pull step (-want +got):\n%s", diff)
	}

	t.Chdir(filepath.Dir(dir))
	_, err = Load([]string{"work/dup-a.yaml"}, Options{Env: "dev", Getenv: env(nil)})
	if err == nil || !strings.Contains(err.Error(), "work/dup-a.yaml:3:17: entrypoint file flows/etl.py does not exist") {
		t.Errorf("Load from the parent directory: error %v, want the entrypoint reported missing", err)
	}
	deps, err = Load([]string{"dup-a.yaml"}, Options{Env: "dev", Getenv: env(nil), Dir: "work"})
	if err != nil || len(deps) != 1 || deps[0].File != "dup-a.yaml" {
		t.Errorf("Load with Dir: %v, %+v", err, deps)
	}
}

func TestLoadRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("two-docs.yaml", "deployments: []\n---\ndeployments: []\n")
	write("list.yaml", "- name: x\n")
	tests := []struct {
		name     string
		patterns []string
		opts     Options
		want     string
	}{
		{name: "no pattern", opts: Options{Env: "dev", Dir: dir}, want: "failed to load prefect.yaml files: no file pattern given"},
		{name: "pattern matches nothing", patterns: []string{"pipelines/*/prefect.yaml"}, opts: Options{Env: "dev", Dir: dir},
			want: `failed to load "pipelines/*/prefect.yaml": no file matches`},
		{name: "suffix selection needs an environment", patterns: []string{"*.yaml"}, opts: Options{Dir: dir},
			want: `failed to select deployments: an environment is required to select entries named "<name>--<env>"`},
		{name: "two documents", patterns: []string{"two-docs.yaml"}, opts: Options{Select: "all", Dir: dir},
			want: "two-docs.yaml:2:1: the file holds more than one YAML document; prefect deploy reads a single document"},
		{name: "not a mapping", patterns: []string{"list.yaml"}, opts: Options{Select: "all", Dir: dir},
			want: "list.yaml:1:1: the file must be a mapping with a deployments list"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			deps, err := Load(tc.patterns, tc.opts)
			if err == nil || err.Error() != tc.want {
				t.Errorf("Load error = %v, want %q", err, tc.want)
			}
			if len(deps) != 0 {
				t.Errorf("Load returned %d deployments, want none", len(deps))
			}
		})
	}
}

// TestLoadMonorepo loads every prod entry of the fixture monorepo in one
// call, as a deploy of all pipelines would, running the real build step
// (git rev-parse) in a git copy of it. No image is given: the docker steps'
// outputs are derived from their arguments, which name the image CI built.
func TestLoadMonorepo(t *testing.T) {
	t.Parallel()
	repo := fixtureRepo(t, nil)
	deps, err := Load([]string{"pipelines/*/prefect.yaml"}, Options{
		Dir: repo, Env: "prod", RunScripts: true,
		Getenv: env(map[string]string{"BASE_IMAGE": "ghcr.io/prefeitura-rio/prefect_rj_iplanrio"}),
	})
	got := render(t, deps, err, repo, goldenCase{})
	golden.Compare(t, filepath.Join("testdata", "monorepo-prod.golden"), []byte(got))
}

// TestInferredVersion checks the version of an entry without one: the CI
// commit, else the commit of a checkout with an origin remote, else the md5
// of the flow file, as version_type allows.
func TestInferredVersion(t *testing.T) {
	t.Parallel()
	github := map[string]string{"GITHUB_SHA": "0123456789abcdef", "GITHUB_REF_NAME": "main", "GITHUB_REPOSITORY": "org/repo"}
	tests := []struct {
		name        string
		versionType string
		env         map[string]string
		remote      bool
		want        string // "md5", "git" or a literal
	}{
		{name: "no CI and no remote", want: "md5"},
		{name: "GitHub Actions", env: github, want: "01234567"},
		{name: "GitLab CI", env: map[string]string{"CI_COMMIT_SHA": "fedcba9876543210", "CI_COMMIT_REF_NAME": "main", "CI_PROJECT_NAME": "repo"}, want: "fedcba98"},
		{name: "GitHub variables but no branch", env: map[string]string{"GITHUB_SHA": "0123456789abcdef", "GITHUB_REPOSITORY": "org/repo"}, want: "md5"},
		{name: "checkout with an origin remote", remote: true, want: "git"},
		{name: "version_type picks the source", versionType: "vcs:git", env: github, remote: true, want: "git"},
		{name: "version_type excludes the source", versionType: "vcs:gitlab", env: github, want: "md5"},
		{name: "prefect:simple turns inference off", versionType: "prefect:simple", env: github, remote: true, want: "md5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			repo := fixtureRepo(t, nil)
			if tc.remote {
				gitOutput(t, repo, "remote", "add", "origin", "https://example.com/org/repo.git")
			}
			entry := "deployments:\n  - name: gps--dev\n    entrypoint: pipelines/rj_smtr__gps_capture/flow.py:gps_capture\n    work_pool: {name: pool}\n"
			if tc.versionType != "" {
				entry += "    version_type: " + tc.versionType + "\n"
			}
			if err := os.WriteFile(filepath.Join(repo, "extra.yaml"), []byte(entry), 0o644); err != nil {
				t.Fatal(err)
			}
			deps, err := Load([]string{"extra.yaml"}, Options{Dir: repo, Env: "dev", Getenv: env(tc.env)})
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			switch want {
			case "md5":
				// Prefect's default flow version: the md5 of the flow's file.
				src, err := os.ReadFile(filepath.Join(repo, "pipelines/rj_smtr__gps_capture/flow.py"))
				if err != nil {
					t.Fatal(err)
				}
				want = fmt.Sprintf("%x", md5.Sum(src))
			case "git":
				want = gitOutput(t, repo, "rev-parse", "HEAD")[:8]
			}
			if got := deps[0].Spec.Version; got != want {
				t.Errorf("version = %q, want %q", got, want)
			}
		})
	}
}

// BenchmarkLoadMonorepo measures loading the fixture monorepo's staging
// entries with the step outputs supplied (no process is started).
func BenchmarkLoadMonorepo(b *testing.B) {
	opts := Options{
		Dir: "testdata/monorepo", Env: "staging", Getenv: env(map[string]string{"BASE_IMAGE": "reg/base"}),
		Image:       "reg/etl:1",
		StepOutputs: map[string]string{"get-commit-hash.stdout": "abc1234", "meta.stdout": "m", "files.stdout": "f"},
	}
	for b.Loop() {
		if _, err := Load([]string{"pipelines/*/prefect.yaml"}, opts); err != nil {
			b.Fatal(err)
		}
	}
}
