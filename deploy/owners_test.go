package deploy

import (
	"fmt"
	"strings"
	"testing"

	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
)

func ownedStep(name string, ours, theirs []string) *Step {
	s := &Step{Target: Target{FlowName: "etl", Spec: prefect.DeploymentSpec{Name: name, Tags: ours}}}
	if theirs != nil {
		s.Existing = &prefect.Deployment{Name: name, Tags: theirs}
	}
	return s
}

func TestCheckOwners(t *testing.T) {
	ours := Meta{Project: "shop", Branch: "feat_x", Env: "dev", Commit: strings.Repeat("a", 40), PackageVersion: "1"}.Tags()
	tests := []struct {
		name  string
		steps []*Step
		want  []string // substrings of the error; nil: no error
	}{
		{"new deployment", []*Step{ownedStep("shop--feat-x--etl--dev", ours, nil)}, nil},
		{"same owner, other commit", []*Step{ownedStep("shop--feat-x--etl--dev", ours,
			[]string{"PROJECT_NAME=shop", "BRANCH_NAME=feat_x", "ENV=dev", "COMMIT_HASH=" + strings.Repeat("b", 40)})}, nil},
		{"no owner tags: adopted", []*Step{ownedStep("shop--feat-x--etl--dev", ours, []string{"team=data"})}, nil},
		{"other raw branch", []*Step{ownedStep("shop--feat-x--etl--dev", ours, []string{"PROJECT_NAME=shop", "BRANCH_NAME=feat/x", "ENV=dev"})},
			[]string{`deployment "etl/shop--feat-x--etl--dev" on the server belongs to branch "feat/x" (tag BRANCH_NAME=feat/x), not to this run's branch "feat_x"`, "pass --branch", "prefect deployment delete etl/shop--feat-x--etl--dev"}},
		{"other raw project", []*Step{ownedStep("shop--feat-x--etl--dev", ours, []string{"PROJECT_NAME=Shop_", "BRANCH_NAME=feat_x", "ENV=dev"})},
			[]string{`belongs to project "Shop_"`, "pass --project"}},
		{"conflicting tags", []*Step{ownedStep("shop--feat-x--etl--dev", ours, []string{"BRANCH_NAME=feat_x", "BRANCH_NAME=feat/x"})},
			[]string{`belongs to branch "feat_x" and "feat/x" (tag BRANCH_NAME=feat_x, BRANCH_NAME=feat/x)`}},
	}
	var many []*Step
	for i := range 5 {
		many = append(many, ownedStep(fmt.Sprintf("shop--feat-x--etl%d--dev", i), ours, []string{"BRANCH_NAME=feat/x"}))
	}
	tests = append(tests, struct {
		name  string
		steps []*Step
		want  []string
	}{"many: one line", many, []string{`5 deployments ("etl/shop--feat-x--etl0--dev", "etl/shop--feat-x--etl1--dev", "etl/shop--feat-x--etl2--dev" and 2 more) on the server belong to branch "feat/x"`}})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkOwners(tt.steps)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("checkOwners: %v, want no error", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("checkOwners: no error, want one saying %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not say %q", err, w)
				}
			}
			if n := strings.Count(err.Error(), "\n"); n != 0 {
				t.Errorf("error has %d extra lines, want one line per clash:\n%s", n, err)
			}
		})
	}
}

func TestTargetsRefuseAbbreviatedCommit(t *testing.T) {
	for _, c := range []string{"abcdef1", strings.Repeat("a", 39), strings.Repeat("g", 40)} {
		_, _, err := Targets(Options{Meta: Meta{Project: "p", Branch: "b", Env: "dev", Commit: c, PackageVersion: "1"}, NoDiscovery: true})
		if err == nil || !strings.Contains(err.Error(), "is not a full commit SHA") {
			t.Errorf("commit %q: err = %v, want a refusal naming the full SHA", c, err)
		}
	}
	for _, c := range []string{strings.Repeat("a", 40), strings.Repeat("A", 64)} {
		_, _, err := Targets(Options{Meta: Meta{Project: "p", Branch: "b", Env: "dev", Commit: c, PackageVersion: "1"}, NoDiscovery: true})
		if err != nil && strings.Contains(err.Error(), "commit") {
			t.Errorf("commit %q: %v, want it accepted", c, err)
		}
	}
}
