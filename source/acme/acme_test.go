package acme

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/source/config"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

func parseFile(t *testing.T, name string) (*config.File, error) {
	t.Helper()
	path := filepath.Join("testdata", name)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return Parse(path, data)
}

// TestAllKeys pins what every key of acme's file becomes (golden: the settings each flow
// resolves to in an environment, and the warnings), read as yaml.safe_load reads it.
func TestAllKeys(t *testing.T) {
	f, err := parseFile(t, "all-keys.yaml")
	if err != nil {
		t.Fatal(err)
	}
	resolved := map[string]config.Settings{}
	for _, flow := range []string{"load_prices", "daily_report", "empty_entry", "not_in_file"} {
		resolved[flow] = f.Resolve(flow, "", "dev")
	}
	out, err := json.MarshalIndent(map[string]any{"format": f.Format, "flow_keys": f.FlowKeys(), "resolved": resolved, "warnings": f.Warnings}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "all-keys.golden.json", string(out)+"\n")
	s := resolved["load_prices"]
	if s.Paused == nil || !*s.Paused || s.Parameters["mode"] != false || s.Parameters["since"] != "2026-01-01" {
		t.Errorf("YAML 1.1 values not read as PyYAML reads them: paused %v, parameters %v", s.Paused, s.Parameters)
	}
	d := resolved["not_in_file"]
	if *d.WorkPool != DefaultWorkPool || d.ConcurrencyLimit.Limit != 1 || d.Paused != nil || d.CodeSource == nil || !d.CodeSource.ImageWorkdir {
		t.Errorf("a flow the file does not list gets acme's defaults: %+v", d)
	}
}

// TestErrors: every problem of a bad file at once, at file:line:col (golden).
func TestErrors(t *testing.T) {
	_, err := parseFile(t, "bad.yaml")
	if err == nil {
		t.Fatal("bad.yaml was accepted")
	}
	golden(t, "bad.golden", err.Error()+"\n")
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		path, text string
		want       bool
	}{
		{".acme_portal_sdk/static_flow_deploy_config.yaml", "", true},
		{"deploy.yaml", "hello_world:\n  name: hello_world\n  import_path: acme_prefect.flows.hello_world:hello_world\n  cron: \"0 12 * * 1-5\"\n", true},
		{"deploy.yaml", "etl:\n  work_pool_name: ecs-pool\n", true},
		{"prefect-deploy.yaml", "flows:\n  etl:\n    work_pool_name: ecs-pool\n", false},
		{"prefect-deploy.yaml", "project: shop\netl:\n  work_pool_name: ecs-pool\n", false},
		{"prefect-deploy.yaml", "etl:\n  schedules: []\n", false},
		{"prefect-deploy.yaml", "[not, a, mapping]\n", false},
	} {
		if got := Detect(tc.path, []byte(tc.text)); got != tc.want {
			t.Errorf("Detect(%s, %q) = %v, want %v", tc.path, tc.text, got, tc.want)
		}
	}
}

// TestSourceRoot: the flow finder's root_dir becomes the source root, relative to the file.
func TestSourceRoot(t *testing.T) {
	for _, tc := range []struct{ finder, want, warning string }{
		{"from pathlib import Path\nproject_root = Path(__file__).parent.parent\nflow_finder = PrefectFlowFinder(\n    root_dir=str(project_root / \"src\" / \"acme_prefect\")\n)\n", "../src/acme_prefect", ""},
		{"flow_finder = PrefectFlowFinder('flows/etl')\n", "../flows/etl", ""},
		{"flow_finder = PrefectFlowFinder(root_dir=os.environ['ROOT'])\n", "", "cannot tell PrefectFlowFinder's root_dir"},
		{"flow_finder = PrefectFlowFinder(\"../elsewhere\")\n", "", "cannot tell PrefectFlowFinder's root_dir"},
		{"flow_finder = make_finder()\n", "", "no PrefectFlowFinder(...) in it"},
	} {
		dir := filepath.Join(t.TempDir(), ".acme_portal_sdk")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, FlowFinderFile), []byte(tc.finder), 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := Parse(filepath.Join(dir, "static_flow_deploy_config.yaml"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if f.SourceRoot != tc.want {
			t.Errorf("%q: source root %q, want %q", tc.finder, f.SourceRoot, tc.want)
		}
		if got := strings.Join(f.Warnings, "\n"); tc.warning == "" && got != "" || !strings.Contains(got, tc.warning) {
			t.Errorf("%q: warnings %q, want one saying %q", tc.finder, got, tc.warning)
		}
	}
}
