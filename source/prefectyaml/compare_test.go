package prefectyaml

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
)

func TestMain(m *testing.M) { os.Exit(prefecttest.Main(m)) }

// allowance is a deliberate difference between the deployment Load's Spec
// makes and the one `prefect deploy` makes from the same entry. Each is also
// listed in the package documentation.
type allowance struct {
	// field is the field as prefect.Diff names it, or "" when Diff does not
	// report the difference.
	field  string
	reason string
	// settle checks that Load's stored deployment differs from prefect
	// deploy's only in the allowed way and copies prefect deploy's value
	// over it. It reports whether it found the difference.
	settle func(t *testing.T, d *Deployment, py, gd *prefect.Deployment) bool
}

var allowedDifferences = []allowance{
	{
		field:  "",
		reason: "an interval schedule without anchor_date: prefect deploy sends the deploying machine's current time, Load leaves the anchor out and the server uses its current time",
		settle: func(t *testing.T, d *Deployment, py, gd *prefect.Deployment) bool {
			found := false
			for _, want := range d.Spec.Schedules {
				if want.Schedule.Interval == 0 || want.Schedule.AnchorDate != "" {
					continue
				}
				p, g := scheduleBySlug(py, want.Slug), scheduleBySlug(gd, want.Slug)
				if p == nil || g == nil {
					t.Errorf("schedule %q is missing", deref(want.Slug))
					continue
				}
				pt, err1 := time.Parse(time.RFC3339Nano, p.Schedule.AnchorDate)
				gt, err2 := time.Parse(time.RFC3339Nano, g.Schedule.AnchorDate)
				if err1 != nil || err2 != nil || pt.Sub(gt).Abs() > 10*time.Minute {
					t.Errorf("schedule %q: anchor dates %s and %s are not both the deploy time", deref(want.Slug), p.Schedule.AnchorDate, g.Schedule.AnchorDate)
					continue
				}
				g.Schedule.AnchorDate = p.Schedule.AnchorDate
				found = true
			}
			return found
		},
	},
	{
		field:  "tags",
		reason: "a list item that is a single {{ step.output }} placeholder (tags: [\"{{ meta.stdout }}\"]) is resolved; prefect deploy's first templating pass looks it up in the environment and drops it from the list (Load warns)",
		settle: func(t *testing.T, d *Deployment, py, gd *prefect.Deployment) bool {
			dropped := 0
			for _, w := range d.Warnings {
				if strings.Contains(w, "prefect deploy drops this list item") {
					dropped++
				}
			}
			if dropped == 0 {
				return false
			}
			// prefect deploy's tags must be Load's minus the dropped items.
			rest := gd.Tags
			for _, tag := range py.Tags {
				i := slices.Index(rest, tag)
				if i < 0 {
					t.Errorf("tag %q of prefect deploy is not among Load's %q", tag, gd.Tags)
					return false
				}
				rest = rest[i+1:]
			}
			if len(gd.Tags)-len(py.Tags) != dropped {
				t.Errorf("Load has %d tags more than prefect deploy, but warned about %d dropped items", len(gd.Tags)-len(py.Tags), dropped)
			}
			gd.Tags = py.Tags
			return true
		},
	},
	{
		field:  "description",
		reason: "a flow without a description (none in the entry, no docstring): prefect deploy creates the deployment with the text \"None\" (its DeploymentCreate turns the missing value into str(None)) and clears it when it redeploys; Load gives none, as the redeploy does",
		settle: func(t *testing.T, d *Deployment, py, gd *prefect.Deployment) bool {
			if d.Spec.Description != nil {
				return false
			}
			if deref(py.Description) != "None" || gd.Description != nil {
				t.Errorf("description: prefect deploy stored %q, Load %q; want \"None\" and none", deref(py.Description), deref(gd.Description))
				return false
			}
			gd.Description = py.Description
			return true
		},
	},
}

func scheduleBySlug(d *prefect.Deployment, slug *string) *prefect.DeploymentSchedule {
	for i := range d.Schedules {
		if deref(d.Schedules[i].Slug) == deref(slug) {
			return &d.Schedules[i]
		}
	}
	return nil
}

// fixturePipelines are the pipelines of testdata/monorepo.
var fixturePipelines = []string{"rj_cor__meteorologia", "rj_segovi__dump_db", "rj_smtr__gps_capture"}

// TestMatchesPrefectDeploy deploys every fixture pipeline's staging entry
// twice to a live server, once from Load's Spec through the Go client and
// once with Prefect's own `prefect deploy` run the way the monorepo's deploy
// script runs it (from the repository root, with --prefect-file and
// --name), and compares the two deployments field by field.
func TestMatchesPrefectDeploy(t *testing.T) {
	apiURL := prefecttest.URL(t)
	bin, err := prefecttest.Bin()
	if err != nil {
		t.Fatalf("no prefect CLI: %v", err)
	}
	client, err := prefect.New(prefect.Config{APIURL: apiURL, RetryBaseDelay: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, pool := range []string{"default-pool", "datario-pool"} {
		ensureProcessPool(t, client, pool)
	}

	// Deployment names are made unique per run, so the CLI always creates
	// (rather than updates) and reruns on a shared server compare fresh
	// deployments. The CLI deploys "<run>-py-…"; the Go client "<run>-go-…".
	run := fmt.Sprintf("t%d", time.Now().UnixNano()%1e9)
	repo := fixtureRepo(t, func(path string, data []byte) []byte {
		if filepath.Base(path) != "prefect.yaml" {
			return data
		}
		return []byte(strings.ReplaceAll(string(data), "- name: rj-", "- name: "+run+"-py-rj-"))
	})
	stub, err := filepath.Abs("testdata/pystub")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"BASE_IMAGE":    "ghcr.io/prefeitura-rio/prefect_rj_iplanrio",
		"DEPLOY_TAG":    "staging",
		"DEPLOY_BRANCH": "staging/weather",
	}
	cliEnv := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"PREFECT_HOME=" + t.TempDir(),
		"PREFECT_API_URL=" + apiURL,
		"PREFECT_LOGGING_LEVEL=WARNING",
		"PYTHONPATH=" + stub,
	}
	for k, v := range env {
		cliEnv = append(cliEnv, k+"="+v)
	}
	// prefect deploy resolves block references in an entry's pull steps
	// (while storing them unresolved), so the block must exist.
	secret := exec.Command(filepath.Join(bin, "python"), "-c",
		`from prefect.blocks.system import Secret; Secret(value="not-a-real-token").save("rio-bot-token", overwrite=True)`)
	secret.Env = cliEnv
	if out, err := secret.CombinedOutput(); err != nil {
		t.Fatalf("creating the secret block: %v\n%s", err, out)
	}

	used := make([]bool, len(allowedDifferences))
	defer func() {
		for i, a := range allowedDifferences {
			if !used[i] && !t.Failed() {
				t.Errorf("the allowed difference %q did not occur: keep the fixture exercising it or drop it", a.reason)
			}
		}
	}()
	for _, pipeline := range fixturePipelines {
		t.Run(pipeline, func(t *testing.T) {
			file := "pipelines/" + pipeline + "/prefect.yaml"
			opts := Options{
				Dir:        repo,
				Env:        "staging",
				RunScripts: true,
				Getenv:     func(k string) string { return env[k] },
				// No image: the docker steps' outputs are derived from their
				// arguments, and must match what prefect-docker's steps return.
			}
			deps, err := Load([]string{file}, opts)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if len(deps) != 1 {
				t.Fatalf("Load selected %d staging entries, want 1", len(deps))
			}
			d := deps[0]

			// (a) Load's Spec through the Go client.
			flow, err := client.EnsureFlow(ctx, d.FlowName)
			if err != nil {
				t.Fatal(err)
			}
			spec := d.Spec
			spec.FlowID = flow.ID
			spec.Name = strings.Replace(d.Name, "-py-", "-go-", 1)
			goDep, _, err := client.UpsertDeployment(ctx, &spec)
			if err != nil {
				t.Fatalf("UpsertDeployment: %v", err)
			}
			goDep, err = client.ReadDeployment(ctx, goDep.ID)
			if err != nil {
				t.Fatal(err)
			}

			// (b) Prefect's own CLI on the same file, as the deploy script runs it.
			cmd := exec.Command(filepath.Join(bin, "prefect"), "--no-prompt", "deploy", "--name", d.Name, "--prefect-file", file)
			cmd.Dir, cmd.Env = repo, cliEnv
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("prefect deploy: %v\n%s", err, out)
			}
			// Reading it by Load's FlowName also checks the flow name.
			pyDep, err := client.ReadDeploymentByName(ctx, d.FlowName, d.Name)
			if err != nil {
				t.Fatalf("the deployment prefect deploy made is not at %s/%s: %v", d.FlowName, d.Name, err)
			}

			if goDep.FlowID != pyDep.FlowID {
				t.Errorf("flow: Load's %q is not the flow prefect deploy used", d.FlowName)
			}
			// The Spec against what prefect deploy stored, as a plan would see it.
			for _, c := range prefect.Diff(&d.Spec, pyDep) {
				if !slices.ContainsFunc(allowedDifferences, func(a allowance) bool { return a.field == c.Field }) {
					t.Errorf("Diff(Spec, prefect deploy's deployment): %s: prefect deploy stored %s, Load wants %s", c.Field, c.From, c.To)
				}
			}
			for i, a := range allowedDifferences {
				if a.settle(t, &d, pyDep, goDep) {
					used[i] = true
				}
			}
			// Both deployments as the server stores them.
			if diff := cmp.Diff(comparable(pyDep), comparable(goDep), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("stored deployment (-prefect deploy +Load):\n%s", diff)
			}
			compareTriggers(t, ctx, client, pyDep.ID, d.Triggers)

			// prefect deploy's redeploy (an update, as every CI run after
			// the first makes) stores no description for a flow without
			// one: what Load gives from the start.
			if d.Spec.Description == nil {
				if out, err := cmd2(cmd).CombinedOutput(); err != nil {
					t.Fatalf("prefect deploy (again): %v\n%s", err, out)
				}
				again, err := client.ReadDeploymentByName(ctx, d.FlowName, d.Name)
				if err != nil {
					t.Fatal(err)
				}
				if again.Description != nil {
					t.Errorf("prefect deploy's redeploy stored the description %q, want none", *again.Description)
				}
			}
		})
	}
}

// comparable drops what differs between any two deployments: identity,
// timestamps, name and status.
func comparable(d *prefect.Deployment) prefect.Deployment {
	c := *d
	c.ID, c.Name, c.Status = "", "", ""
	c.Created, c.Updated = time.Time{}, time.Time{}
	c.Schedules = nil
	for _, s := range d.Schedules {
		s.ID = ""
		c.Schedules = append(c.Schedules, s)
	}
	// The server's schedule order follows creation time, not the file.
	slices.SortFunc(c.Schedules, func(a, b prefect.DeploymentSchedule) int {
		return strings.Compare(fmt.Sprint(deref(a.Slug), a.Schedule), fmt.Sprint(deref(b.Slug), b.Schedule))
	})
	return c
}

// compareTriggers checks the automations prefect deploy created against
// Load's Triggers.
func compareTriggers(t *testing.T, ctx context.Context, client *prefect.Client, deploymentID string, want []map[string]any) {
	t.Helper()
	autos, err := client.DeploymentAutomations(ctx, deploymentID)
	if err != nil {
		t.Fatal(err)
	}
	if len(autos) != len(want) {
		t.Fatalf("prefect deploy made %d automations, Load has %d triggers", len(autos), len(want))
	}
	byName := map[string]prefect.Automation{}
	for _, a := range autos {
		byName[a.Name] = a
	}
	for _, tr := range want {
		a, ok := byName[tr["name"].(string)]
		if !ok {
			t.Errorf("no automation named %q", tr["name"])
			continue
		}
		if enabled, _ := tr["enabled"].(bool); a.Enabled != enabled {
			t.Errorf("automation %s: enabled %v, Load %v", a.Name, a.Enabled, enabled)
		}
		for _, k := range []string{"match", "expect"} {
			if diff := cmp.Diff(tr[k], a.Trigger[k]); diff != "" {
				t.Errorf("automation %s: trigger %s (-Load +prefect deploy):\n%s", a.Name, k, diff)
			}
		}
		if len(a.Actions) != 1 {
			t.Errorf("automation %s: %d actions, want 1", a.Name, len(a.Actions))
			continue
		}
		if diff := cmp.Diff(tr["parameters"], a.Actions[0]["parameters"]); diff != "" {
			t.Errorf("automation %s: run-deployment parameters (-Load +prefect deploy):\n%s", a.Name, diff)
		}
	}
}

func ensureProcessPool(t *testing.T, c *prefect.Client, name string) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.ReadWorkPool(ctx, name); err == nil {
		return
	} else if !prefect.IsNotFound(err) {
		t.Fatalf("ReadWorkPool: %v", err)
	}
	if _, err := c.CreateWorkPool(ctx, prefect.WorkPool{Name: name, Type: "process"}); err != nil && !strings.Contains(err.Error(), "409") {
		t.Fatalf("CreateWorkPool: %v", err)
	}
}

// cmd2 is a fresh copy of an exec.Cmd that has run, to run it again.
func cmd2(c *exec.Cmd) *exec.Cmd {
	n := exec.Command(c.Path, c.Args[1:]...)
	n.Dir, n.Env = c.Dir, c.Env
	return n
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
