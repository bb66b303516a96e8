package deploy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
)

// gitCloneVersionedArgs are the git_clone arguments Prefect 2's pull step does not have.
var gitCloneVersionedArgs = []string{"commit_sha", "directories", "clone_directory_name"}

// features lists the version-dependent features a target uses.
func features(t Target) []prefect.Feature {
	var out []prefect.Feature
	s := t.Spec
	if s.ConcurrencyLimit != nil {
		out = append(out, prefect.FeatureConcurrencyLimit)
	}
	if s.ConcurrencyOptions != nil {
		if s.ConcurrencyOptions.CollisionStrategy != "" {
			out = append(out, prefect.FeatureCollisionStrategy)
		}
		if s.ConcurrencyOptions.GracePeriodSeconds != nil {
			out = append(out, prefect.FeatureGracePeriod)
		}
	}
	if t.TriggersSet && len(t.Triggers) > 0 {
		out = append(out, prefect.FeatureTriggers)
	}
	if usesVersionedGitClone(s.PullSteps) {
		out = append(out, prefect.FeatureGitCloneCommit)
	}
	if len(s.Labels) > 0 {
		out = append(out, prefect.FeatureLabels)
	}
	for _, sc := range s.Schedules {
		if len(sc.Parameters) > 0 {
			out = append(out, prefect.FeatureScheduleParameters)
			break
		}
	}
	for _, sc := range s.Schedules {
		if sc.Slug != nil && *sc.Slug != "" {
			out = append(out, prefect.FeatureScheduleSlug)
			break
		}
	}
	return out
}

func usesVersionedGitClone(steps []map[string]any) bool {
	for _, step := range steps {
		for name, args := range step {
			if !strings.HasSuffix(name, "git_clone") {
				continue
			}
			m, _ := args.(map[string]any)
			for _, k := range gitCloneVersionedArgs {
				if _, ok := m[k]; ok {
					return true
				}
			}
		}
	}
	return false
}

// CheckServer decides, before anything is written, whether every target can be deployed to
// server. A feature the server lacks and a flow run would miss (triggers, a concurrency limit,
// schedule parameters …) is refused: the error lists each such feature once, with the
// deployments using it, the server's version and the way out. A feature whose loss changes
// nothing a run relies on (labels, schedule slugs) is left out of the returned targets, with one
// warning per feature. The targets passed in are not modified.
func CheckServer(server prefect.ServerInfo, targets []Target) ([]Target, []string, error) {
	if err := server.Check(); err != nil {
		return nil, nil, err
	}
	users := map[prefect.Feature][]string{}
	for _, t := range targets {
		for _, f := range features(t) {
			if !server.Supports(f) {
				users[f] = append(users[f], t.Spec.Name)
			}
		}
	}
	var problems, warnings []string
	if server.Unknown {
		warnings = append(warnings, fmt.Sprintf("could not read the server's Prefect version (%s); writing as to a current Prefect 3 server", server.Reason))
	} else if server.Major() > 3 {
		warnings = append(warnings, fmt.Sprintf("%s is newer than any version prefect-deploy was tested with (2.19 to 3.x); writing as to Prefect 3", server))
	}
	for _, fi := range prefect.Features {
		names := users[fi.Feature]
		if len(names) == 0 {
			continue
		}
		if fi.Dropped {
			warnings = append(warnings, fmt.Sprintf("%s: %s has none (they need Prefect %s or newer); %s written without them",
				fi.Name, server, fi.Since(), countDeployments(len(names))))
			continue
		}
		problems = append(problems, fmt.Sprintf("%s (used by %s) needs Prefect %s or newer, and the server runs %s: %s",
			fi.Name, describeUsers(names), fi.Since(), server, fi.Remedy))
	}
	if len(problems) > 0 {
		return nil, warnings, fmt.Errorf("nothing was written: the server cannot take these deployments as configured\n%s", strings.Join(problems, "\n"))
	}
	out := slices.Clone(targets)
	for i := range out {
		t := &out[i]
		if !server.Supports(prefect.FeatureLabels) {
			t.Spec.Labels = nil
		}
		if !server.Supports(prefect.FeatureScheduleSlug) && len(t.Spec.Schedules) > 0 {
			t.Spec.Schedules = slices.Clone(t.Spec.Schedules)
			for j := range t.Spec.Schedules {
				t.Spec.Schedules[j].Slug = nil
			}
		}
		if !server.Supports(prefect.FeatureTriggers) {
			t.TriggersSet = false // none are configured (else refused above): nothing to manage
		}
	}
	return out, warnings, nil
}

func countDeployments(n int) string {
	if n == 1 {
		return "1 deployment is"
	}
	return fmt.Sprintf("%d deployments are", n)
}
