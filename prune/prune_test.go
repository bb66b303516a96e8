package prune

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
)

// ours is a deployment as the product makes it.
func ours(name, flowID, project, branch, env string) prefect.Deployment {
	tags := []string{"PROJECT_NAME=" + project, "BRANCH_NAME=" + branch, "ENV=" + env, "COMMIT_HASH=abc1234", "PACKAGE_VERSION=1.0.0", "team"}
	labels := map[string]any{"PROJECT_NAME": project, "BRANCH_NAME": branch, "ENV": env, "COMMIT_HASH": "abc1234", "PACKAGE_VERSION": "1.0.0", "prefect.flow.id": flowID}
	return prefect.Deployment{ID: "id-" + name, Name: name, FlowID: flowID, Tags: tags, Labels: labels}
}

func TestRecognise(t *testing.T) {
	t.Parallel()
	d := ours("p--main--etl--dev", "f1", "p", "main", "dev")
	if o, ok := Recognise(d); !ok || o != (Owner{"p", "main", "dev", "abc1234", "1.0.0"}) {
		t.Errorf("Recognise(product deployment) = %+v, %v", o, ok)
	}
	cases := map[string]func(d *prefect.Deployment){
		"no labels (prefect deploy with our tags)": func(d *prefect.Deployment) { d.Labels = nil },
		"label differs from tag":                   func(d *prefect.Deployment) { d.Labels["ENV"] = "prod" },
		"a tag missing": func(d *prefect.Deployment) {
			d.Tags = slices.DeleteFunc(d.Tags, func(s string) bool { return strings.HasPrefix(s, "COMMIT_HASH=") })
		},
		"a tag with two values": func(d *prefect.Deployment) { d.Tags = append(d.Tags, "BRANCH_NAME=other") },
		"an empty value":        func(d *prefect.Deployment) { d.Tags[4] = "PACKAGE_VERSION="; d.Labels["PACKAGE_VERSION"] = "" },
	}
	for name, mod := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d := ours("p--main--etl--dev", "f1", "p", "main", "dev")
			mod(&d)
			if o, ok := Recognise(d); ok {
				t.Errorf("Recognise = %+v, true; want not ours", o)
			}
		})
	}
}

// fakeAPI serves a fixed list of deployments and fails the test on any request it does not expect.
type fakeAPI struct {
	t       *testing.T
	deps    []prefect.Deployment
	flows   map[string]string
	mu      sync.Mutex
	deleted []string
	fail    map[string]bool
}

func (f *fakeAPI) FilterDeployments(_ context.Context, flt prefect.DeploymentFilter) ([]prefect.Deployment, error) {
	if len(flt.Names) > 0 || len(flt.FlowNames) > 0 || len(flt.TagsAll) == 0 {
		f.t.Errorf("unexpected filter %+v: prune must select by the project's tags", flt)
	}
	var out []prefect.Deployment
	for _, d := range f.deps {
		all := true
		for _, tag := range flt.TagsAll {
			all = all && slices.Contains(d.Tags, tag)
		}
		if all {
			out = append(out, d)
		}
	}
	return out, nil
}

func (f *fakeAPI) FlowsByID(_ context.Context, ids []string) ([]prefect.Flow, error) {
	var out []prefect.Flow
	for _, id := range ids {
		name, ok := f.flows[id]
		if !ok {
			f.t.Errorf("FlowsByID: unexpected id %q", id)
		}
		out = append(out, prefect.Flow{ID: id, Name: name})
	}
	return out, nil
}

func (f *fakeAPI) DeleteDeployment(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail[id] {
		return errors.New("boom")
	}
	f.deleted = append(f.deleted, id)
	return nil
}

func (f *fakeAPI) DeploymentURL(id string) string { return "ui/" + id }

func fixture(t *testing.T) *fakeAPI {
	lookalike := ours("p--main--gone--dev", "f2", "p", "main", "dev")
	lookalike.Labels = nil
	return &fakeAPI{t: t, flows: map[string]string{"f1": "etl", "f2": "gone"}, deps: []prefect.Deployment{
		ours("p--main--etl--dev", "f1", "p", "main", "dev"),
		ours("p--main--gone--dev", "f2", "p", "main", "dev"),
		ours("p--main--gone--prod", "f2", "p", "main", "prod"),
		ours("p--feature-x--gone--dev", "f2", "p", "feature/x", "dev"),
		ours("p--feature-y--etl--dev", "f1", "p", "feature_y", "dev"),
		ours("q--main--gone--dev", "f2", "q", "main", "dev"),
		lookalike,
	}}
}

func TestPlan(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		sel  Selector
		want []string
	}{
		{"no longer deployed", Selector{Project: "p", Branch: "main", Env: "dev", Keep: map[string]bool{Key("etl", "p--main--etl--dev"): true}},
			[]string{"p--main--gone--dev: no longer deployed: its flow or prefect.yaml entry is gone"}},
		{"a gone branch, in its sanitised spelling, every env", Selector{Project: "p", Branches: []string{"feature-x"}},
			[]string{"p--feature-x--gone--dev: branch feature/x is gone"}},
		{"branches missing from the remote", Selector{Project: "p", RemoteSet: true, RemoteBranches: []string{"main", "feature/y"}, Remote: "origin"},
			[]string{"p--feature-x--gone--dev: branch feature/x is not on origin"}},
		{"remote mode limited to prod", Selector{Project: "p", Env: "prod", RemoteSet: true, RemoteBranches: []string{"dev"}},
			[]string{"p--main--gone--prod: branch main is not on origin"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := fixture(t)
			cands, err := Plan(context.Background(), api, tc.sel)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cands {
				got = append(got, c.Deployment.Name+": "+c.Reason)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Plan (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlanRefusesUnclearSelectors(t *testing.T) {
	t.Parallel()
	for _, sel := range []Selector{
		{Project: "p", RemoteSet: true},                      // a remote without branches would delete everything
		{Project: "p"},                                       // no mode
		{Branches: []string{"x"}},                            // no project
		{Project: "p", Keep: map[string]bool{}, Branch: "m"}, // no env
		{Project: "p", Branches: []string{"x"}, RemoteSet: true, RemoteBranches: []string{"main"}},
	} {
		if _, err := Plan(context.Background(), &fakeAPI{t: t}, sel); err == nil {
			t.Errorf("Plan(%+v) = nil error, want a refusal", sel)
		}
	}
}

func TestApplyReportsEachDeletion(t *testing.T) {
	t.Parallel()
	api := fixture(t)
	api.fail = map[string]bool{"id-p--feature-y--etl--dev": true}
	cands, err := Plan(context.Background(), api, Selector{Project: "p", RemoteSet: true, RemoteBranches: []string{"main"}})
	if err != nil {
		t.Fatal(err)
	}
	items := Apply(context.Background(), api, cands, 2)
	var got []string
	for _, it := range items {
		got = append(got, fmt.Sprintf("%s %s %s", it.Name, it.Action, it.Error))
	}
	want := []string{
		"p--feature-x--gone--dev deleted ",
		`p--feature-y--etl--dev failed failed to delete deployment "p--feature-y--etl--dev": boom`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Apply (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"id-p--feature-x--gone--dev"}, api.deleted); diff != "" {
		t.Errorf("deleted (-want +got):\n%s", diff)
	}
	if items[0].Action != report.Deleted || items[0].URL != "" {
		t.Errorf("a deleted item links nowhere: %+v", items[0])
	}
}
