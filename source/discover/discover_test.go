package discover

import (
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got, as indented JSON, with the golden file at path, or
// rewrites the file with -update.
func golden(t *testing.T, path string, got any) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("failed to read golden file (run go test -update): %v", err)
	}
	if diff := cmp.Diff(string(want), string(b)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// writeTree creates files (slash-separated path -> content) below dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCases runs Discover on each testdata/cases/*.py file alone and
// compares the Result with the file's .golden.json.
func TestCases(t *testing.T) {
	t.Parallel()
	inputs, err := filepath.Glob(filepath.Join("testdata", "cases", "*.py"))
	if err != nil {
		t.Fatal(err)
	}
	if len(inputs) == 0 {
		t.Fatal("no test cases found")
	}
	for _, input := range inputs {
		name := strings.TrimSuffix(filepath.Base(input), ".py")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(input)
			if err != nil {
				t.Fatal(err)
			}
			root := t.TempDir()
			writeTree(t, root, map[string]string{filepath.Base(input): string(src)})
			got, err := Discover(root, Options{})
			if err != nil {
				t.Fatalf("Discover() error = %v", err)
			}
			golden(t, strings.TrimSuffix(input, ".py")+".golden.json", got)
		})
	}
}

const simpleFlow = "from prefect import flow\n\n@flow\ndef %s():\n    pass\n"

func flowFile(fn string) string { return strings.ReplaceAll(simpleFlow, "%s", fn) }

// TestTrees runs Discover on small directory trees and compares the Result
// with testdata/trees/<name>.golden.json.
func TestTrees(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		git   bool // make root a git repository first
		opts  Options
	}{
		{
			name: "duplicates",
			files: map[string]string{
				"a.py":            flowFile("etl"),
				"pkg/b.py":        "from prefect import flow\n\n\n@flow(name=\"ETL\")\ndef other():\n    pass\n\n\n@flow(name=\"e-t-l\")\ndef third():\n    pass\n",
				"pkg/c.py":        "from prefect import flow\n\n\n@flow(name=\"etl\")\ndef etl_again():\n    pass\n",
				"pkg/unique.py":   flowFile("unique"),
				"pkg/__init__.py": "",
			},
		},
		{
			name: "skipped_directories",
			files: map[string]string{
				"flows/main.py":                     flowFile("kept"),
				"env/pipeline.py":                   flowFile("package_named_env"),
				".venv/lib/flows.py":                flowFile("in_dot_venv"),
				"venv/lib/flows.py":                 flowFile("in_venv"),
				"env2/pyvenv.cfg":                   "home = /usr/bin\n",
				"env2/lib/python3.12/flows.py":      flowFile("in_virtualenv_by_config"),
				"deps/site-packages/prefect_x.py":   flowFile("in_site_packages"),
				"flows/__pycache__/main.py":         flowFile("in_pycache"),
				"node_modules/x/flows.py":           flowFile("in_node_modules"),
				"build/lib/flows.py":                flowFile("in_build"),
				"dist/flows.py":                     flowFile("in_dist"),
				".tox/py312/flows.py":               flowFile("in_tox"),
				".nox/flows.py":                     flowFile("in_nox"),
				".mypy_cache/flows.py":              flowFile("in_mypy_cache"),
				".pytest_cache/flows.py":            flowFile("in_pytest_cache"),
				".eggs/x/flows.py":                  flowFile("in_eggs"),
				"flows/not_python.txt":              flowFile("in_text_file"),
				"flows/notebook.ipynb":              flowFile("in_notebook"),
				"flows/sub/deeper/nested_module.py": flowFile("deeply_nested"),
			},
		},
		{
			name: "gitignored",
			git:  true,
			files: map[string]string{
				".gitignore":           "ignored/\nscratch.py\n",
				"flows.py":             flowFile("tracked_or_untracked"),
				"scratch.py":           flowFile("ignored_file"),
				"ignored/flows.py":     flowFile("ignored_dir"),
				"pkg/flows.py":         flowFile("untracked_in_subdir"),
				"myvenv/pyvenv.cfg":    "home = /usr/bin\n",
				"myvenv/lib/flows.py":  flowFile("unignored_virtualenv"),
				"build/flows.py":       flowFile("unignored_build"),
				"pkg/ignored/flows.py": flowFile("nested_ignored"),
			},
		},
		{
			name: "broken_file_does_not_stop_others",
			files: map[string]string{
				"a_good.py":  flowFile("before"),
				"b_bad.py":   "from prefect import flow\n\n@flow(\ndef broken():\n    pass\n",
				"c_good.py":  flowFile("after"),
				"d_empty.py": "",
			},
		},
		{
			name: "exclude",
			opts: Options{Exclude: []string{"tests", "legacy/*", "*_draft.py", "./old/", "/pkg/skip"}},
			files: map[string]string{
				"flows.py":             flowFile("kept"),
				"tests/test_flows.py":  flowFile("in_tests"),
				"pkg/tests/helpers.py": flowFile("in_nested_tests"),
				"legacy/flows.py":      flowFile("directly_in_legacy"),
				"legacy/sub/flows.py":  flowFile("below_legacy_dir"),
				"pkg/legacy/flows.py":  flowFile("other_legacy_kept"),
				"pkg/report_draft.py":  flowFile("draft"),
				"old/flows.py":         flowFile("in_old"),
				"pkg/skip/flows.py":    flowFile("anchored"),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			writeTree(t, root, tt.files)
			if tt.git {
				if _, err := exec.LookPath("git"); err != nil {
					t.Skip("git is not installed")
				}
				cmd := exec.Command("git", "init", "-q", root)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("git init: %v\n%s", err, out)
				}
				cmd = exec.Command("git", "-C", root, "add", "flows.py")
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("git add: %v\n%s", err, out)
				}
			}
			got, err := Discover(root, tt.opts)
			if err != nil {
				t.Fatalf("Discover() error = %v", err)
			}
			golden(t, filepath.Join("testdata", "trees", tt.name+".golden.json"), got)
		})
	}
}

// TestDiscoverSubdirectoryOfRepo checks that a root below the top of a git
// work tree gives paths relative to that root and still honours the
// repository's .gitignore.
func TestDiscoverSubdirectoryOfRepo(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	repo := t.TempDir()
	writeTree(t, repo, map[string]string{
		".gitignore":            "*_local.py\n",
		"outside.py":            flowFile("outside"),
		"src/app/flows.py":      flowFile("inside"),
		"src/app/dev_local.py":  flowFile("ignored"),
		"src/app/pkg/nested.py": flowFile("nested"),
	})
	if out, err := exec.Command("git", "init", "-q", repo).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	got, err := Discover(filepath.Join(repo, "src"), Options{})
	if err != nil {
		t.Fatalf("Discover() error = %v", err)
	}
	var entrypoints []string
	for _, f := range got.Flows {
		entrypoints = append(entrypoints, f.Entrypoint)
	}
	want := []string{"app/flows.py:inside", "app/pkg/nested.py:nested"}
	if diff := cmp.Diff(want, entrypoints); diff != "" {
		t.Errorf("entrypoints mismatch (-want +got):\n%s", diff)
	}
}

func TestDuplicates(t *testing.T) {
	t.Parallel()
	flow := func(name, file string, line int) Flow { return Flow{Name: name, File: file, Line: line} }
	r := &Result{Flows: []Flow{
		flow("b", "x.py", 1),
		flow("a", "z.py", 9),
		flow("a", "y.py", 20),
		flow("c", "x.py", 5),
		flow("a", "y.py", 3),
		flow("b", "w.py", 2),
	}}
	want := [][]Flow{
		{flow("a", "y.py", 3), flow("a", "y.py", 20), flow("a", "z.py", 9)},
		{flow("b", "w.py", 2), flow("b", "x.py", 1)},
	}
	if diff := cmp.Diff(want, r.Duplicates()); diff != "" {
		t.Errorf("Duplicates() mismatch (-want +got):\n%s", diff)
	}
	if got := (&Result{Flows: []Flow{flow("a", "a.py", 1), flow("b", "a.py", 2)}}).Duplicates(); got != nil {
		t.Errorf("Duplicates() without duplicates = %v, want nil", got)
	}
}

func TestDuplicatesAcrossFiles(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"a.py":     flowFile("my_etl"),
		"pkg/b.py": "from prefect import flow\n\n@flow(name=\"my-etl\")\ndef other():\n    pass\n",
		"pkg/c.py": flowFile("solo"),
	})
	r, err := Discover(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	for _, g := range r.Duplicates() {
		var eps []string
		for _, f := range g {
			eps = append(eps, f.Entrypoint)
		}
		got = append(got, eps)
	}
	want := [][]string{{"a.py:my_etl", "pkg/b.py:other"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Duplicates() mismatch (-want +got):\n%s", diff)
	}
}

func TestDiscoverErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "flows.py")
	writeTree(t, dir, map[string]string{"flows.py": flowFile("x")})
	tests := []struct {
		name string
		root string
		opts Options
		want string
	}{
		{name: "missing root", root: filepath.Join(dir, "missing"), want: "failed to discover flows in"},
		{name: "root is a file", root: file, want: "not a directory"},
		{name: "bad exclude pattern", root: dir, opts: Options{Exclude: []string{"[a-"}}, want: `failed to use exclude pattern "[a-"`},
		{name: "empty exclude pattern", root: dir, opts: Options{Exclude: []string{"./"}}, want: `failed to use exclude pattern "./"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Discover(tt.root, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Discover() error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestWarningString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		w    Warning
		want string
	}{
		{name: "with position", w: Warning{File: "pkg/a.py", Line: 3, Column: 7, Message: "boom"}, want: "pkg/a.py:3:7: boom"},
		{name: "whole file", w: Warning{File: "pkg/a.py", Message: "failed to read file"}, want: "pkg/a.py: failed to read file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.w.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}
