package prefect

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseServerInfo(t *testing.T) {
	for _, tc := range []struct {
		in     string
		labels bool // 3.2+
		limit  bool // 3.0+
		major  int
	}{
		{"2.20.27", false, false, 2},
		{"2.19.9", false, false, 2},
		{"3.0.11", false, true, 3},
		{"3.1.15", false, true, 3},
		{"3.2.0", true, true, 3},
		{"3.4.25", true, true, 3},
		{"3.9.1.dev3+g1a2b3c", true, true, 3},
		{"3.0.0rc20", false, true, 3},
		{"4.0.0", true, true, 4},
	} {
		s, err := ParseServerInfo(tc.in)
		if err != nil {
			t.Errorf("ParseServerInfo(%q): %v", tc.in, err)
			continue
		}
		if got := s.Supports(FeatureLabels); got != tc.labels {
			t.Errorf("%s supports labels = %v, want %v", tc.in, got, tc.labels)
		}
		if got := s.Supports(FeatureConcurrencyLimit); got != tc.limit {
			t.Errorf("%s supports concurrency_limit = %v, want %v", tc.in, got, tc.limit)
		}
		if s.Major() != tc.major || s.String() != "Prefect "+tc.in {
			t.Errorf("%s: major %d, String %q", tc.in, s.Major(), s.String())
		}
	}
	for _, bad := range []string{"", "latest", "x.1", "3"} {
		if _, err := ParseServerInfo(bad); err == nil {
			t.Errorf("ParseServerInfo(%q) accepted it", bad)
		}
	}
	cloud := ServerInfo{Cloud: true}
	for _, f := range Features {
		if !cloud.Supports(f.Feature) || !Current.Supports(f.Feature) {
			t.Errorf("Cloud or an unknown server lacks %s", f.Name)
		}
	}
}

func TestServerTooOld(t *testing.T) {
	old, _ := ParseServerInfo("2.16.9")
	if err := old.Check(); err == nil {
		t.Error("Prefect 2.16 was accepted")
	}
	for _, v := range []string{"2.17.0", "2.19.9", "2.20.27", "3.0.0", "3.9.1"} {
		s, _ := ParseServerInfo(v)
		if err := s.Check(); err != nil {
			t.Errorf("%s: %v", v, err)
		}
	}
}

// TestDeploymentBodyPerVersion: the keys a server's request model does not know are left out
// (it would answer 422), and nothing else changes.
func TestDeploymentBodyPerVersion(t *testing.T) {
	limit, grace, slug := 2, 120, "morning"
	spec := &DeploymentSpec{
		Name: "d", FlowID: "f", ConcurrencyLimit: &limit,
		ConcurrencyOptions: &ConcurrencyOptions{CollisionStrategy: "ENQUEUE", GracePeriodSeconds: &grace},
		Labels:             map[string]any{"ENV": "dev"},
		Parameters:         map[string]any{"big": json.Number("12345678901234567890")},
		Schedules:          []DeploymentSchedule{{Schedule: Schedule{Cron: "0 6 * * *"}, Active: true, Slug: &slug, Parameters: map[string]any{"x": 1}}},
	}
	keys := func(version string) (top, sched []string, body map[string]any) {
		t.Helper()
		s, err := ParseServerInfo(version)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.deploymentBody(spec)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(b)
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&body); err != nil {
			t.Fatal(err)
		}
		for k := range body {
			top = append(top, k)
		}
		for k := range body["schedules"].([]any)[0].(map[string]any) {
			sched = append(sched, k)
		}
		slices.Sort(top)
		slices.Sort(sched)
		return top, sched, body
	}
	common := []string{"description", "enforce_parameter_schema", "entrypoint", "flow_id", "job_variables", "name", "parameter_openapi_schema", "parameters", "path", "paused", "pull_steps", "schedules", "tags"}
	for _, tc := range []struct {
		version    string
		extra      []string
		schedExtra []string
	}{
		{"2.20.27", nil, nil},
		{"3.0.11", []string{"concurrency_limit"}, nil},
		{"3.1.15", []string{"concurrency_limit", "concurrency_options"}, nil},
		{"3.4.25", []string{"concurrency_limit", "concurrency_options", "labels"}, []string{"parameters", "slug"}},
	} {
		top, sched, body := keys(tc.version)
		want := slices.Sorted(slices.Values(append(slices.Clone(common), tc.extra...)))
		if diff := cmp.Diff(want, top); diff != "" {
			t.Errorf("%s: body keys (-want +got):\n%s", tc.version, diff)
		}
		wantSched := slices.Sorted(slices.Values(append([]string{"active", "schedule"}, tc.schedExtra...)))
		if diff := cmp.Diff(wantSched, sched); diff != "" {
			t.Errorf("%s: schedule keys (-want +got):\n%s", tc.version, diff)
		}
		raw, _ := json.Marshal(body["parameters"])
		if string(raw) != `{"big":12345678901234567890}` {
			t.Errorf("%s: parameters sent as %s", tc.version, raw)
		}
	}
}
