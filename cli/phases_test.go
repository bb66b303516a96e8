package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/cli"
	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
)

// TestDeployPhases runs a real deploy with a phase hook, as the GitHub Action does, and checks
// what a reader of the log sees: one section per phase, each holding its own details (the
// deployments found, the plan, one line per write), and the final table after the last phase.
func TestDeployPhases(t *testing.T) {
	live := prefecttest.URL(t)
	ensurePool(t, live, "golden-pool")
	work := t.TempDir()
	if err := os.CopyFS(work, os.DirFS("testdata/cases/dry-run-plan/repo")); err != nil {
		t.Fatal(err)
	}
	project := fmt.Sprintf("phases-%d", time.Now().UnixNano())
	run := func() (phases []string, sections map[string]string) {
		var out bytes.Buffer
		current := "before"
		sections = map[string]string{}
		flush := func() { sections[current] += out.String(); out.Reset() }
		env := map[string]string{"PREFECT_API_URL": live, "PATH": os.Getenv("PATH")}
		code := cli.Run(context.Background(), strings.Fields("deploy --env dev --branch main --commit 0123456789abcdef0123456789abcdef01234567 --package-version 1.0.0 --image ghcr.io/acme/flows:abc --project "+project), cli.Env{
			Stdout: &out, Stderr: &out, Dir: work, Getenv: func(k string) string { return env[k] },
			Phase: func(title string) {
				flush()
				phases = append(phases, title)
				current = title
				if title == "" {
					current = "after"
				}
			},
		})
		flush()
		if code != cli.ExitOK {
			t.Fatalf("deploy exited %d:\n%v", code, sections)
		}
		return phases, sections
	}
	name := func(flow string) string { return project + "--main--" + flow + "--dev" }

	phases, sections := run()
	want := []string{"Discover flows and check the configuration", "Plan 3 deployments against the server", "Apply 3 changes (0 unchanged)", ""}
	if diff := cmp.Diff(want, phases); diff != "" {
		t.Fatalf("phases (-want +got):\n%s", diff)
	}
	contains(t, sections[want[0]], name("etl")+"  flows.py:etl  (flows.py:", name("load-data.hourly")+"  flows.py:load")
	contains(t, sections[want[1]], "+ "+name("etl")+" (new)\n      entrypoint: flows.py:etl", "+ "+name("load-data.nightly")+" (new)\n      entrypoint: flows.py:load")
	contains(t, sections[want[2]], "[1/3] created ", "[3/3] created ", name("load-data.hourly"))
	contains(t, sections["after"], "DEPLOYMENT", "3 deployments: 3 created")
	if strings.Contains(sections["after"], "Changes for") {
		t.Errorf("the plan is repeated after the phases:\n%s", sections["after"])
	}
	if s := sections["before"]; s != "" {
		t.Errorf("output before the first phase: %q", s)
	}

	phases, sections = run()
	want = []string{"Discover flows and check the configuration", "Plan 3 deployments against the server", "Apply 0 changes (3 unchanged)", ""}
	if diff := cmp.Diff(want, phases); diff != "" {
		t.Fatalf("second run's phases (-want +got):\n%s", diff)
	}
	contains(t, sections[want[1]], "= "+name("etl")+" (unchanged)")
	if regexp.MustCompile(`(created|updated) `).MatchString(sections[want[2]]) {
		t.Errorf("a redeploy of the same commit wrote something:\n%s", sections[want[2]])
	}
	contains(t, sections["after"], "3 deployments: 3 unchanged")
}

func contains(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in:\n%s", w, got)
		}
	}
}

// ensurePool creates a process work pool on the server unless it exists.
func ensurePool(t *testing.T, url, name string) {
	t.Helper()
	c, err := prefect.New(prefect.Config{APIURL: url})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.ReadWorkPool(ctx, name); prefect.IsNotFound(err) {
		if _, err := c.CreateWorkPool(ctx, prefect.WorkPool{Name: name, Type: "process"}); err != nil && !strings.Contains(err.Error(), "409") {
			t.Fatal(err)
		}
	} else if err != nil {
		t.Fatal(err)
	}
}
