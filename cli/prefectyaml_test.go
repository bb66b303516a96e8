package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/cli"
	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
)

// TestPrefectYAMLSkipInvalidLive deploys the fixture monorepo of the skip-invalid golden case
// for real: with --skip-invalid the two valid files deploy (one pipeline with keys Prefect 3.4
// ignores, one flow with three entries that become variants under product naming, both with
// docker steps and per-environment secretName), the broken file is listed with its errors,
// nothing of it reaches the server, and the run exits 1. Then staging, whose weather entry
// has a schedule: list that Prefect 3.4 ignores.
func TestPrefectYAMLSkipInvalidLive(t *testing.T) {
	live := prefecttest.URL(t)
	ensurePool(t, live, "golden-pool")
	work := t.TempDir()
	if err := os.CopyFS(work, os.DirFS("testdata/cases/prefect-yaml-skip-invalid/repo")); err != nil {
		t.Fatal(err)
	}
	project := fmt.Sprintf("skipinv-%d", time.Now().UnixNano())
	env := map[string]string{"PREFECT_API_URL": live, "PATH": os.Getenv("PATH")}
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), strings.Fields("deploy --env prod --branch main --commit 0123456789abcdef0123456789abcdef01234567 --package-version 2.0.0 --prefect-yaml pipelines/*/prefect.yaml --prefect-yaml-naming product --skip-invalid --output json --project "+project), cli.Env{
		Stdout: &out, Stderr: &errb, Dir: work, Getenv: func(k string) string { return env[k] },
	})
	if code != 1 {
		t.Fatalf("exit %d, want 1 (a file was refused)\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	var rep struct {
		Deployments []struct{ Name, Action string }
		Refused     []struct {
			File   string
			Errors []string
		} `json:"refused_files"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s", err, out.String())
	}
	var names []string
	for _, d := range rep.Deployments {
		if d.Action != "created" && d.Action != "updated" && d.Action != "unchanged" {
			t.Errorf("%s: action %s", d.Name, d.Action)
		}
		names = append(names, d.Name)
	}
	p := project + "--main--"
	want := []string{p + "rj-alpha-weather--prod", p + "rj-beta-geo.fallback--prod", p + "rj-beta-geo.geoapify--prod", p + "rj-beta-geo.nominatim--prod"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("deployed (-want +got):\n%s", diff)
	}
	if len(rep.Refused) != 1 || rep.Refused[0].File != "pipelines/rj_gamma__broken/prefect.yaml" || len(rep.Refused[0].Errors) != 2 {
		t.Errorf("refused_files = %+v, want the broken file with its 2 errors", rep.Refused)
	}
	for _, line := range []string{
		"error: 1 prefect.yaml file refused (--skip-invalid): nothing from it was deployed",
		`error: pipelines/rj_gamma__broken/prefect.yaml:11:24: concurrency_limit must be an integer`,
	} {
		if !strings.Contains(errb.String(), line) {
			t.Errorf("stderr lacks %q:\n%s", line, errb.String())
		}
	}

	c, err := prefect.New(prefect.Config{APIURL: live})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	weather, err := c.ReadDeploymentByName(ctx, "rj-alpha--weather", p+"rj-alpha-weather--prod")
	if err != nil {
		t.Fatal(err)
	}
	if got := weather.JobVariables["secretName"]; got != "jobs-secrets" {
		t.Errorf("weather secretName = %v, want the prod entry's jobs-secrets", got)
	}
	if got := weather.JobVariables["image"]; got != "ghcr.io/acme/pipelines/deployments:rj_alpha__weather-1a2b3c4" {
		t.Errorf("weather image = %v", got)
	}
	if len(weather.Schedules) != 1 || weather.Schedules[0].Schedule.Cron != "0 6 * * *" || weather.Schedules[0].Parameters["days"] != float64(1) {
		t.Errorf("weather schedules = %+v, want the one cron schedule without its ignored keys", weather.Schedules)
	}
	var providers []string
	for _, v := range []string{"fallback", "geoapify", "nominatim"} {
		d, err := c.ReadDeploymentByName(ctx, "rj-beta--geo", p+"rj-beta-geo."+v+"--prod")
		if err != nil {
			t.Fatal(err)
		}
		providers = append(providers, fmt.Sprint(d.Parameters["provider"]))
	}
	if !slices.Equal(providers, []string{"fallback", "geoapify", "nominatim"}) {
		t.Errorf("variants' provider parameters = %v", providers)
	}
	if _, err := c.ReadFlowByName(ctx, "rj-gamma--broken"); !prefect.IsNotFound(err) {
		t.Errorf("the refused file's flow reached the server (err %v)", err)
	}

	// staging: the weather entry's schedule: list has no effect (Prefect 3.4 ignores it), with
	// a warning at its line; the staging secret is used.
	out.Reset()
	errb.Reset()
	code = cli.Run(context.Background(), strings.Fields("deploy --env staging --branch main --commit 0123456789abcdef0123456789abcdef01234567 --package-version 2.0.0 --prefect-yaml pipelines/rj_alpha__weather/prefect.yaml --prefect-yaml-naming product --project "+project), cli.Env{
		Stdout: &out, Stderr: &errb, Dir: work, Getenv: func(k string) string { return env[k] },
	})
	if code != 0 {
		t.Fatalf("staging: exit %d\n%s%s", code, out.String(), errb.String())
	}
	if want := "warning: pipelines/rj_alpha__weather/prefect.yaml:39:7: schedule: given as a list has no effect"; !strings.Contains(errb.String(), want) {
		t.Errorf("staging: stderr lacks %q:\n%s", want, errb.String())
	}
	staging, err := c.ReadDeploymentByName(ctx, "rj-alpha--weather", p+"rj-alpha-weather--staging")
	if err != nil {
		t.Fatal(err)
	}
	if len(staging.Schedules) != 0 || staging.JobVariables["secretName"] != "jobs-secrets-staging" {
		t.Errorf("staging: schedules %+v, secretName %v; want none and jobs-secrets-staging", staging.Schedules, staging.JobVariables["secretName"])
	}
}
