package adopt

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/deploy"
	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/prefectyaml"
)

// Stored is a deployment as the server holds it, with its flow's name and related automations.
type Stored struct {
	Deployment  prefect.Deployment
	FlowName    string
	Automations []prefect.Automation
}

// Check compares what a deploy would make from the written file (loaded, as deploy loads it,
// into got, one per entry in order) with what the server holds (stored, in the same order),
// and returns, per entry, what would change beyond the product's own bookkeeping (its tags and
// labels, DEPLOYMENT_NAME), as notes. A version that differs is advice, not a loss: each
// deploy sets it from the commit deployed.
func Check(got []prefectyaml.Deployment, stored []Stored) ([][]Note, error) {
	if len(got) != len(stored) {
		return nil, fmt.Errorf("the adopted file holds %d deployments, the server %d", len(got), len(stored))
	}
	out := make([][]Note, len(got))
	for i, d := range got {
		s := stored[i]
		if d.Name != s.Deployment.Name {
			return nil, fmt.Errorf("the adopted file's entry %d is %q, the server's deployment %q", i+1, d.Name, s.Deployment.Name)
		}
		out[i] = Compare(&d.Spec, d.Triggers, d.FlowName, s)
	}
	return out, nil
}

// Compare says, as notes, what deploying spec (with triggers, under flow flowName) would change
// in the stored deployment s beyond the product's own bookkeeping.
func Compare(spec *prefect.DeploymentSpec, triggers []map[string]any, flowName string, s Stored) []Note {
	var notes []Note
	if flowName != s.FlowName {
		notes = append(notes, Note{Lost: true, Msg: fmt.Sprintf("flow: the entrypoint %s defines flow %q, but the deployment belongs to flow %q: a deploy would make a second deployment under %q", spec.Entrypoint, flowName, s.FlowName, flowName)})
	}
	have := s.Deployment
	for _, c := range prefect.Diff(spec, &have) {
		switch c.Field {
		case "version":
			notes = append(notes, Note{Msg: fmt.Sprintf("version: the server has %q; a deploy sets it from the commit deployed (%q here)", c.From, c.To)})
		case "tags":
			if !slices.Equal(userTags(have.Tags), userTags(spec.Tags)) {
				notes = append(notes, lost(c))
			}
		case "labels", "paused":
			// Labels were noted by FromDeployment; a deploy keeps the paused state.
		case "job_variables.env":
			if !envEqual(have.JobVariables["env"], spec.JobVariables["env"]) {
				notes = append(notes, Note{Lost: true, Msg: fmt.Sprintf("env: the server has %s, the file gives %s", c.From, c.To)})
			}
		case "parameter_openapi_schema":
			notes = append(notes, Note{Lost: true, Msg: "parameter schema: the stored one differs from the one read from " + spec.Entrypoint + ", which a deploy writes"})
		case "description":
			if c.From == "" {
				notes = append(notes, Note{Lost: true, Msg: fmt.Sprintf("description: the server has none; the file's deployment takes the flow's docstring (%s)", c.To)})
				continue
			}
			notes = append(notes, lost(c))
		default:
			notes = append(notes, lost(c))
		}
	}
	if !sameTriggers(spec.Name, triggers, s) {
		notes = append(notes, Note{Lost: true, Msg: "triggers: the file's triggers differ from the automations the server holds for it"})
	}
	return notes
}

func lost(c prefect.Change) Note {
	return Note{Lost: true, Msg: fmt.Sprintf("%s: the server has %s, the file gives %s", c.Field, c.From, c.To)}
}

func userTags(tags []string) []string {
	var out []string
	for _, t := range tags {
		if !IsProductTag(t) {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

func envEqual(have, want any) bool {
	strip := func(v any) map[string]any {
		m, _ := v.(map[string]any)
		m = maps.Clone(m)
		delete(m, naming.EnvDeploymentName)
		if m == nil {
			m = map[string]any{}
		}
		return m
	}
	return fmt.Sprint(strip(have)) == fmt.Sprint(strip(want))
}

// sameTriggers reports whether the automations a deploy would make from d's triggers are the
// ones the server holds among those a deploy of d would replace.
func sameTriggers(name string, triggers []map[string]any, s Stored) bool {
	want := deploy.Automations(name, s.Deployment.ID, triggers)
	names := map[string]bool{}
	for _, w := range want {
		names[w.Name] = true
	}
	var owned []prefect.Automation
	for _, a := range s.Automations {
		if names[a.Name] || strings.HasPrefix(a.Name, name+"__automation_") {
			if _, why := triggerOf(a, s.Deployment.ID); why == "" {
				owned = append(owned, a)
			}
		}
	}
	if len(owned) != len(want) {
		return false
	}
	for _, w := range want {
		found := false
		for _, h := range owned {
			if h.Name == w.Name && prefect.SameAutomation(w, h) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}
