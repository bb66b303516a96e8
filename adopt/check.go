package adopt

import (
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/deploy"
	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/prefectyaml"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/vocab"
)

// Stored is a deployment as the server holds it, with its flow's name and related automations.
type Stored struct {
	Deployment  prefect.Deployment
	FlowName    string
	Automations []prefect.Automation
	// Moved is the entrypoint the server holds when Deployment's was rewritten to the
	// repository-relative one (see [Entrypoint]).
	Moved string
}

// MovedNote says how an entrypoint was rewritten, or nothing.
func (s Stored) MovedNote() []Note {
	if s.Moved == "" {
		return nil
	}
	return []Note{{Msg: fmt.Sprintf("entrypoint: the server holds %q relative to its Prefect 2 path %q; the file's is relative to the repository root", s.Moved, deref(s.Deployment.Path))}}
}

// Entrypoint finds the file a deployment's entrypoint names in the checkout dir: as written
// (relative to the repository root, as Prefect 3 keeps it), or, for a Prefect 2 deployment
// whose entrypoint was relative to its path, below that path — an absolute directory in the
// checkout, a relative one, or the one directory of the checkout ending in it (a storage
// block's subfolder). It returns the repository-relative entrypoint and whether it was found.
func Entrypoint(dir string, d prefect.Deployment) (string, bool) {
	ep := deref(d.Entrypoint)
	file, fn, ok := strings.Cut(ep, ":")
	if !ok || file == "" || filepath.IsAbs(file) {
		return ep, false
	}
	exists := func(rel string) bool {
		if rel == "" || strings.HasPrefix(path.Clean(rel), "..") || path.IsAbs(rel) {
			return false
		}
		_, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel)))
		return err == nil
	}
	if exists(file) {
		return ep, true
	}
	p := strings.TrimSuffix(filepath.ToSlash(deref(d.Path)), "/")
	if p == "" || p == "." {
		return ep, false
	}
	if filepath.IsAbs(p) {
		if rel, err := filepath.Rel(dir, filepath.FromSlash(p)); err == nil && exists(path.Join(filepath.ToSlash(rel), file)) {
			return path.Join(filepath.ToSlash(rel), file) + ":" + fn, true
		}
		return ep, false
	}
	if exists(path.Join(p, file)) {
		return path.Join(p, file) + ":" + fn, true
	}
	var found []string
	_ = filepath.WalkDir(dir, func(fp string, de os.DirEntry, err error) error {
		if err != nil || len(found) > 1 {
			return nil
		}
		if de.IsDir() && (de.Name() == ".git" || de.Name() == ".venv" || de.Name() == "node_modules") {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(dir, fp)
		rel = filepath.ToSlash(rel)
		if de.IsDir() && strings.HasSuffix("/"+rel, "/"+p) && exists(path.Join(rel, file)) {
			found = append(found, path.Join(rel, file))
		}
		return nil
	})
	if len(found) == 1 {
		return found[0] + ":" + fn, true
	}
	return ep, false
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
	// Prefect 2's dotted infra_overrides keys were nested on purpose (FromDeployment).
	have.JobVariables = nested(have.JobVariables)
	for _, c := range prefect.Diff(spec, &have) {
		switch c.Field {
		case "version":
			notes = append(notes, Note{Msg: fmt.Sprintf("version: the server has %q; a deploy sets it from the commit deployed (%q here)", c.From, c.To)})
		case "tags":
			if !slices.Equal(userTags(have.Tags), userTags(spec.Tags)) {
				notes = append(notes, lost(c))
			}
		case "labels", "paused", "path":
			// Labels and a Prefect 2 path were noted by FromDeployment; a deploy keeps the
			// paused state.
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
		if names[a.Name] || strings.HasPrefix(a.Name, vocab.TriggerPrefix(name)) {
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
