package config

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// dump is what the golden file of a valid config shows: file-level values
// and the resolved settings of every flow, variant and environment.
type dump struct {
	Project     string              `json:"project,omitempty"`
	SourceDir   string              `json:"source_dir,omitempty"`
	PrefectYAML []string            `json:"prefect_yaml,omitempty"`
	FlowKeys    []string            `json:"flow_keys"`
	Resolved    map[string]Settings `json:"resolved"`
	WorkPools   []WorkPool          `json:"work_pools,omitempty"`
}

func TestParseValidFiles(t *testing.T) {
	t.Parallel()
	for _, file := range cases(t, "ok") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			f, err := Load(filepath.ToSlash(file))
			if err != nil {
				t.Fatalf("Load() error:\n%v", err)
			}
			d := dump{
				Project:     f.Project,
				SourceDir:   filepath.ToSlash(f.SourceDir()),
				PrefectYAML: f.PrefectYAML,
				WorkPools:   f.WorkPools,
				FlowKeys:    f.FlowKeys(),
				Resolved:    map[string]Settings{},
			}
			for _, flow := range append(f.FlowKeys(), "not_in_file") {
				for _, variant := range f.Variants(flow) {
					for _, env := range append([]string{""}, f.EnvironmentNames()...) {
						key := flow
						if variant != "" {
							key += "." + variant
						}
						key += " @" + env
						d.Resolved[key] = f.Resolve(flow, variant, env)
					}
				}
			}
			got, err := json.MarshalIndent(d, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			goldenFor(t, file, ".golden.json", append(got, '\n'))
		})
	}
}

func TestParseInvalidFiles(t *testing.T) {
	t.Parallel()
	for _, file := range cases(t, "err") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			path := filepath.ToSlash(file)
			f, err := Load(path)
			if err == nil {
				t.Fatalf("Load() = %+v, want an error", f)
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Load() error is %T, want Errors", err)
			}
			for _, e := range errs {
				if e.File != path || e.Line < 1 || e.Column < 1 {
					t.Errorf("error without a position in %s: %+v", path, e)
				}
			}
			goldenFor(t, file, ".golden", []byte(err.Error()+"\n"))
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	_, err := Load(filepath.Join(t.TempDir(), DefaultFileName))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load() error = %v, want one wrapping fs.ErrNotExist", err)
	}
}

func TestErrorFormat(t *testing.T) {
	t.Parallel()
	errs := Errors{
		{File: "prefect-deploy.yaml", Line: 3, Column: 5, Message: "first"},
		{File: "prefect-deploy.yaml", Line: 9, Column: 1, Message: "second"},
	}
	want := "prefect-deploy.yaml:3:5: first\nprefect-deploy.yaml:9:1: second"
	if diff := cmp.Diff(want, errs.Error()); diff != "" {
		t.Errorf("Errors.Error() mismatch (-want +got):\n%s", diff)
	}
}

func TestVariantsAndFlowKeys(t *testing.T) {
	t.Parallel()
	f := mustParse(t, `
flows:
  zeta-flow: {}
  alpha:
    deployments:
      - variant: hourly
      - variant: daily-summary
`)
	tests := []struct {
		name string
		flow string
		want []string
	}{
		{name: "flow with variants, in file order", flow: "alpha", want: []string{"hourly", "daily-summary"}},
		{name: "flow without variants", flow: "zeta_flow", want: []string{""}},
		{name: "hyphen spelling finds the flow", flow: "zeta-flow", want: []string{""}},
		{name: "flow not in file", flow: "missing", want: []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, f.Variants(tt.flow)); diff != "" {
				t.Errorf("Variants(%q) mismatch (-want +got):\n%s", tt.flow, diff)
			}
		})
	}
	if diff := cmp.Diff([]string{"alpha", "zeta_flow"}, f.FlowKeys()); diff != "" {
		t.Errorf("FlowKeys() mismatch (-want +got):\n%s", diff)
	}
}

func TestEnvironmentNames(t *testing.T) {
	t.Parallel()
	f := mustParse(t, `
environments: {prod: {}, dev: {}}
flows:
  a:
    environments: {staging: {}}
    deployments:
      - variant: v
        environments: {qa: {}, prod: {}}
`)
	want := []string{"dev", "prod", "qa", "staging"}
	if diff := cmp.Diff(want, f.EnvironmentNames()); diff != "" {
		t.Errorf("EnvironmentNames() mismatch (-want +got):\n%s", diff)
	}
}

func TestNilFile(t *testing.T) {
	t.Parallel()
	var f *File
	if diff := cmp.Diff(Settings{}, f.Resolve("a", "", "dev")); diff != "" {
		t.Errorf("Resolve() on nil File mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{""}, f.Variants("a")); diff != "" {
		t.Errorf("Variants() on nil File mismatch (-want +got):\n%s", diff)
	}
	if got := f.FlowKeys(); len(got) != 0 {
		t.Errorf("FlowKeys() on nil File = %v, want none", got)
	}
}

// mustParse parses an inline config, failing the test on error.
func mustParse(t *testing.T, src string) *File {
	t.Helper()
	f, err := Parse("inline.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse() error:\n%v", err)
	}
	return f
}

// FuzzParse checks that any input either parses into a File whose every
// deployment resolves to JSON-encodable settings, or fails with positioned
// errors.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"ok", "err"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.yaml"))
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("fuzz.yaml", data)
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("Parse() error %T %v, want non-empty Errors", err, err)
			}
			for _, e := range errs {
				if e.File != "fuzz.yaml" || e.Line < 1 || e.Column < 1 {
					t.Fatalf("error without a position: %+v", e)
				}
			}
			return
		}
		for _, flow := range cfg.FlowKeys() {
			for _, v := range cfg.Variants(flow) {
				for env := range cfg.Environments {
					if _, err := json.Marshal(cfg.Resolve(flow, v, env)); err != nil {
						t.Fatalf("resolved settings do not encode as JSON: %v", err)
					}
				}
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "ok", "full.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Parse("full.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResolve(b *testing.B) {
	f, err := Load(filepath.Join("testdata", "ok", "full.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		f.Resolve("report", "daily-summary", "prod")
	}
}
