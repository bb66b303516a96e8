package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prefect-flow-deploy/prefect-deploy-action/deploy"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/discover"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/prefectyaml"
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

// TestWritePrefectYAML checks that the prefect.yaml the comparison with Prefect's CLI deploys
// lists one valid entry per generated flow, on the benchmark's pool and image: otherwise the two
// sides would not deploy the same work.
func TestWritePrefectYAML(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const n = 7
	if err := writeRepo(dir, "cmp", n); err != nil {
		t.Fatal(err)
	}
	if err := writePrefectYAML(dir, "cmp", n); err != nil {
		t.Fatal(err)
	}
	deps, err := prefectyaml.Load([]string{"prefect.yaml"}, prefectyaml.Options{Dir: dir, Select: "all"})
	if err != nil {
		t.Fatal(err)
	}
	var flows []string
	for _, d := range deps {
		flows = append(flows, d.FlowName)
		if d.Spec.WorkPoolName != benchPool || d.Spec.JobVariables["image"] != benchImage || d.Name != d.FlowName+"-bench" {
			t.Errorf("%s: flow %s, pool %q, image %v; want <flow>-bench on %q with %q", d.Name, d.FlowName, d.Spec.WorkPoolName, d.Spec.JobVariables["image"], benchPool, benchImage)
		}
		if len(d.Warnings) > 0 {
			t.Errorf("%s: warnings %v", d.Name, d.Warnings)
		}
	}
	res, err := discover.Discover(filepath.Join(dir, "flows"), discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, f := range res.Flows {
		found = append(found, strings.ReplaceAll(f.Name, "_", "-"))
	}
	if diff := cmp.Diff(found, flows); diff != "" {
		t.Errorf("prefect.yaml flows differ from the discovered flows (-discovered +prefect.yaml):\n%s", diff)
	}
}

// TestChangeOneFlow checks that the "one flow changed" redeploy changes exactly one deployment:
// the first flow's parameter schema, nothing else.
func TestChangeOneFlow(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := writeRepo(dir, "change", 5); err != nil {
		t.Fatal(err)
	}
	before, err := buildTargets(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := changeOneFlow(dir); err != nil {
		t.Fatal(err)
	}
	after, err := buildTargets(dir)
	if err != nil {
		t.Fatal(err)
	}
	var changed []string
	for i := range before {
		if diff := cmp.Diff(before[i].Spec, after[i].Spec); diff != "" {
			changed = append(changed, after[i].FlowName)
		}
	}
	if diff := cmp.Diff([]string{after[0].FlowName}, changed); diff != "" {
		t.Errorf("flows whose deployment changed (-want +got):\n%s", diff)
	}
}

func TestFloorOrder(t *testing.T) {
	cs := []int{4, 16, 8, 2, 1}
	for _, tt := range []struct {
		best int
		want []int
	}{
		{0, []int{4, 16, 8, 2, 1}},
		{1, []int{1, 4, 16, 8, 2}},
		{8, []int{8, 4, 16, 2, 1}},
		{3, []int{4, 16, 8, 2, 1}},
	} {
		if diff := cmp.Diff(tt.want, floorOrder(cs, tt.best)); diff != "" {
			t.Errorf("floorOrder(%v, %d) (-want +got):\n%s", cs, tt.best, diff)
		}
	}
}

func TestSummarizeTrace(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	events := []deploy.WriterEvent{
		{At: at(150), Latency: 50 * time.Millisecond, Phase: "flows", InFlight: 2, Limit: 4},
		{At: at(160), Latency: 60 * time.Millisecond, Phase: "flows", InFlight: 2, Limit: 4},
		{At: at(300), Latency: 100 * time.Millisecond, Phase: "deployments", InFlight: 4, Limit: 4, Busy: true},
		{At: at(400), Latency: 90 * time.Millisecond, Phase: "deployments", InFlight: 1, Limit: 1},
	}
	got := summarize(events, t0)
	want := traceSummary{
		answers: 4, refused: 1, before: 100 * time.Millisecond, writing: 300 * time.Millisecond,
		meanInFlight: 2.25, meanLatency: 200 * time.Millisecond / 3, refusedLatency: 100 * time.Millisecond,
		limits: "4×3 1×1", phases: "flows 2 (0 refused) in 0.06 s, deployments 2 (1 refused) in 0.20 s",
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(traceSummary{})); diff != "" {
		t.Errorf("summarize (-want +got):\n%s", diff)
	}
	if s := (traceSummary{}).String(); s != "no writes" {
		t.Errorf("an empty trace reads %q, want \"no writes\"", s)
	}
}

// TestWANSpreadsRequests checks that the wan proxy delays every request and sends them to its
// API replicas in turn, paths kept: otherwise "replicas" would measure one of them.
func TestWANSpreadsRequests(t *testing.T) {
	t.Parallel()
	var targets []*server
	for _, name := range []string{"a", "b", "c"} {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%s %s", name, r.URL.Path)
		}))
		t.Cleanup(ts.Close)
		targets = append(targets, &server{url: ts.URL + "/api", pids: []int{os.Getpid()}})
	}
	const latency = 20 * time.Millisecond
	wan, err := startWAN(targets, latency)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(wan.stop)
	var got []string
	for range 6 {
		start := time.Now()
		resp, err := http.Get(wan.url + "/flows/")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if took := time.Since(start); took < latency {
			t.Errorf("a request took %v through the proxy, want at least its latency %v", took, latency)
		}
		got = append(got, string(b))
	}
	want := []string{"a /api/flows/", "b /api/flows/", "c /api/flows/", "a /api/flows/", "b /api/flows/", "c /api/flows/"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answers through the wan proxy (-want +got):\n%s", diff)
	}
	if len(wan.pids) != 3 {
		t.Errorf("wan meters %d API processes, want the 3 replicas'", len(wan.pids))
	}
}

// TestProcCPU checks that the CPU meter reads this process's own CPU time, and that it grows
// while the process works.
func TestProcCPU(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	m := meterCPU(&server{pids: []int{os.Getpid()}})
	before := procCPU(os.Getpid())
	deadline := time.Now().Add(300 * time.Millisecond)
	x := 0
	for time.Now().Before(deadline) {
		x++
	}
	_ = x
	if after := procCPU(os.Getpid()); after <= before {
		t.Errorf("CPU time went from %v to %v while the process was busy for 300 ms", before, after)
	}
	if s := m.share(); s <= 0.2 {
		t.Errorf("share of one core over a busy 300 ms = %.2f, want more than 0.2", s)
	}
	if got := procCPU(-1); got != 0 {
		t.Errorf("procCPU(-1) = %v, want 0", got)
	}
}
