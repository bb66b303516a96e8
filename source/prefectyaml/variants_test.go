package prefectyaml

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestVariants(t *testing.T) {
	t.Parallel()
	dep := func(flow, name string) Deployment { return Deployment{FlowName: flow, Name: name} }
	tests := []struct {
		name string
		deps []Deployment
		want []string
	}{
		{"one entry per flow keeps the plain name",
			[]Deployment{dep("a", "rj--a--prod"), dep("b", "rj--b--prod")}, []string{"", ""}},
		{"the segments the entries do not share",
			[]Deployment{dep("geo", "rj-crm--geo--nominatim--prod"), dep("x", "rj--x--prod"), dep("geo", "rj-crm--geo--fallback--prod")},
			[]string{"nominatim", "", "fallback"}},
		{"an entry that is only the shared part is the plain flow",
			[]Deployment{dep("etl", "etl--prod"), dep("etl", "etl--hourly--prod")}, []string{"", "hourly"}},
		{"nothing shared: the whole name, segments joined",
			[]Deployment{dep("etl", "etl-daily--eu--prod"), dep("etl", "etl-hourly--prod")}, []string{"etl-daily-eu", "etl-hourly"}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, Variants(tc.deps, "prod")); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestCollapseWarnings(t *testing.T) {
	t.Parallel()
	deps := []Deployment{
		{Warnings: []string{"f:1:1: image x is assumed", "f:9:1: only here"}},
		{Warnings: []string{"f:1:1: image x is assumed"}},
		{Warnings: []string{"f:1:1: image x is assumed"}},
	}
	want := []string{"f:1:1: image x is assumed (3 deployments)", "f:9:1: only here"}
	if diff := cmp.Diff(want, CollapseWarnings(deps)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParsePyVersion(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]pyVersion{"3.4.3": {3, 4, 3}, "3.4.21.dev2": {3, 4, 21}, "3.8.8+cloud": {3, 8, 8}, "v3.5": {3, 5, 0}, "3.6.0rc1": {3, 6, 0}} {
		if got, ok := parsePyVersion(in); !ok || got != want {
			t.Errorf("parsePyVersion(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "3", "latest", "x.4"} {
		if _, ok := parsePyVersion(in); ok {
			t.Errorf("parsePyVersion(%q) succeeded", in)
		}
	}
}
