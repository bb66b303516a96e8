package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prefect-flow-deploy/prefect-deploy-action/discover"
)

// TestWriteRepo checks that a generated repository deploys n distinct flows with the image code
// source and the benchmark's work pool, without warnings: otherwise the benchmark would measure
// something other than a clean deploy.
func TestWriteRepo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const n = 12
	if err := writeRepo(dir, "unit", n); err != nil {
		t.Fatal(err)
	}
	res, err := discover.Discover(filepath.Join(dir, "flows"), discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Flows) != n || len(res.Warnings) != 0 || len(res.Duplicates()) != 0 {
		t.Fatalf("discovery: %d flows, warnings %v, duplicates %v; want %d flows and nothing else", len(res.Flows), res.Warnings, res.Duplicates(), n)
	}
	if got := res.Flows[0].ParameterSchema()["properties"]; len(got.(map[string]any)) != 5 {
		t.Errorf("parameter schema properties = %v, want the 5 parameters", got)
	}
	targets, err := buildTargets(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, tg := range targets {
		names[tg.Spec.Name] = true
		if tg.Spec.WorkPoolName != benchPool || tg.Spec.JobVariables["image"] != benchImage {
			t.Errorf("%s: work pool %q, image %v; want %q and %q", tg.Spec.Name, tg.Spec.WorkPoolName, tg.Spec.JobVariables["image"], benchPool, benchImage)
		}
		if !strings.HasPrefix(tg.Spec.Name, "unit--main--unit-flow-") || !strings.HasSuffix(tg.Spec.Name, "--"+benchEnv) {
			t.Errorf("deployment name %q does not follow <project>--main--<flow>--%s", tg.Spec.Name, benchEnv)
		}
	}
	if len(names) != n {
		t.Errorf("%d distinct deployment names, want %d", len(names), n)
	}
}

// TestWriteDiscoveryTree checks that every tenth generated file is a flow and that the other
// modules, which mention @flow in text, yield neither flows nor warnings.
func TestWriteDiscoveryTree(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const files = 205
	if err := writeDiscoveryTree(dir, files); err != nil {
		t.Fatal(err)
	}
	res, err := discover.Discover(dir, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Flows) != discoveryFlows(files) || len(res.Warnings) != 0 {
		t.Fatalf("discovery: %d flows, warnings %v; want %d flows and no warnings", len(res.Flows), res.Warnings, discoveryFlows(files))
	}
}

func TestCheckLoopback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		url  string
		ok   bool
	}{
		{name: "ipv4 loopback", url: "http://127.0.0.1:4200/api", ok: true},
		{name: "localhost", url: "http://localhost:4200/api", ok: true},
		{name: "ipv6 loopback", url: "http://[::1]:4200/api", ok: true},
		{name: "remote", url: "https://api.prefect.cloud/api/accounts/x/workspaces/y", ok: false},
		{name: "unset", url: "", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := checkLoopback(tt.url); (err == nil) != tt.ok {
				t.Errorf("checkLoopback(%q) = %v, want ok=%v", tt.url, err, tt.ok)
			}
		})
	}
}

func TestParseSizes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []int
		ok   bool
	}{
		{name: "default", in: "100,500", want: []int{100, 500}, ok: true},
		{name: "spaces", in: " 10 , 20 ", want: []int{10, 20}, ok: true},
		{name: "zero", in: "0", ok: false},
		{name: "too big", in: "100000", ok: false},
		{name: "empty", in: ",", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseSizes(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("parseSizes(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseSizes(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}
