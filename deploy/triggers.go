package deploy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/vocab"
)

// triggerActionKeys are the keys of a deployment trigger that belong to the automation's
// run-deployment action or to the automation itself, not to its trigger.
var triggerActionKeys = map[string]bool{"name": true, "description": true, "enabled": true, "parameters": true, "job_variables": true}

// Automations turns deployment triggers, in the form Prefect's prefect.yaml uses, into the
// automations Prefect's own deploy would create for the deployment: named
// "<deployment>__automation_<i>" unless named, running the deployment with the trigger's
// parameters. deploymentID may be empty when planning.
func Automations(deploymentName, deploymentID string, triggers []map[string]any) []prefect.Automation {
	out := make([]prefect.Automation, 0, len(triggers))
	for i, t := range triggers {
		a := prefect.Automation{Name: vocab.TriggerName(deploymentName, i), Enabled: true}
		if v, ok := t["name"].(string); ok && v != "" {
			a.Name = v
		}
		if v, ok := t["description"].(string); ok {
			a.Description = v
		}
		if v, ok := t["enabled"].(bool); ok {
			a.Enabled = v
		}
		trig := map[string]any{}
		for k, v := range t {
			if !triggerActionKeys[k] {
				trig[k] = v
			}
		}
		if _, ok := trig["type"]; !ok {
			trig["type"] = "event"
		}
		if trig["type"] == "event" {
			setDefault(trig, "posture", "Reactive")
			setDefault(trig, "threshold", 1)
			setDefault(trig, "within", 0)
		}
		action := map[string]any{"type": "run-deployment", "source": "selected", "deployment_id": deploymentID}
		if p, ok := t["parameters"]; ok && p != nil {
			action["parameters"] = p
		}
		if jv, ok := t["job_variables"]; ok && jv != nil {
			action["job_variables"] = jv
		}
		a.Trigger = trig
		a.Actions = []map[string]any{action}
		out = append(out, a)
	}
	return out
}

func setDefault(m map[string]any, k string, v any) {
	if _, ok := m[k]; !ok {
		m[k] = v
	}
}

// planTriggers reads, a few at a time, the automations of existing deployments whose config
// manages triggers and marks a change when they differ.
func planTriggers(ctx context.Context, api API, steps []*Step) error {
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	sem := make(chan struct{}, 8)
	for _, s := range steps {
		if !s.Target.TriggersSet || s.Existing == nil {
			continue
		}
		wg.Add(1)
		go func(s *Step) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			have, err := api.DeploymentAutomations(ctx, s.Existing.ID)
			if err != nil && !prefect.IsNotFound(err) {
				mu.Lock()
				if firstErr == nil {
					firstErr = fmt.Errorf("failed to read the triggers of deployment %q: %w", s.Target.Spec.Name, err)
				}
				mu.Unlock()
				return
			}
			want := Automations(s.Target.Spec.Name, s.Existing.ID, s.Target.Triggers)
			owned := ownedAutomations(s.Target.Spec.Name, have, want)
			if !sameAutomations(owned, want) {
				s.Changes = append(s.Changes, prefect.Change{Field: "triggers", From: fmt.Sprintf("%d automations", len(owned)), To: fmt.Sprintf("%d automations", len(want))})
			}
		}(s)
	}
	wg.Wait()
	return firstErr
}

// ownedAutomations picks, from the automations related to a deployment, the ones this tool
// manages: named after the deployment, or named as a configured trigger.
func ownedAutomations(deploymentName string, have, want []prefect.Automation) []prefect.Automation {
	names := map[string]bool{}
	for _, w := range want {
		names[w.Name] = true
	}
	var out []prefect.Automation
	for _, a := range have {
		if names[a.Name] || strings.HasPrefix(a.Name, vocab.TriggerPrefix(deploymentName)) {
			out = append(out, a)
		}
	}
	return out
}

func sameAutomations(have, want []prefect.Automation) bool {
	if len(have) != len(want) {
		return false
	}
	byName := map[string]prefect.Automation{}
	for _, h := range have {
		byName[h.Name] = h
	}
	for _, w := range want {
		h, ok := byName[w.Name]
		if !ok || !prefect.SameAutomation(w, h) {
			return false
		}
	}
	return true
}

// replaceTriggers deletes the automations a deployment owns and creates the configured ones,
// as Prefect's own deploy does. Each create is safe to retry (the client reads what the server
// holds before repeating one whose answer was lost). Then the deployment's automations are read
// back and, should two runs have replaced the same triggers at once, each extra copy of a
// configured automation is deleted, keeping the oldest: every run keeps the same one, so
// concurrent deploys converge on exactly one automation per trigger.
func replaceTriggers(ctx context.Context, api API, deploymentID string, t Target) error {
	if err := api.DeleteOwnedAutomations(ctx, deploymentID); err != nil && !prefect.IsNotFound(err) {
		return fmt.Errorf("failed to replace the triggers of %q: %w", t.Spec.Name, err)
	}
	want := Automations(t.Spec.Name, deploymentID, t.Triggers)
	for _, a := range want {
		if _, err := api.CreateDeploymentAutomation(ctx, deploymentID, a); err != nil {
			return fmt.Errorf("failed to create trigger %q of %q: %w", a.Name, t.Spec.Name, err)
		}
	}
	if len(want) == 0 {
		return nil
	}
	have, err := api.DeploymentAutomations(ctx, deploymentID)
	if err != nil {
		return fmt.Errorf("failed to read back the triggers of %q: %w", t.Spec.Name, err)
	}
	for _, extra := range extraCopies(t.Spec.Name, have, want) {
		if err := api.DeleteAutomation(ctx, extra.ID); err != nil {
			return fmt.Errorf("failed to delete a second copy of trigger %q of %q: %w", extra.Name, t.Spec.Name, err)
		}
	}
	return nil
}

// extraCopies returns, among the automations of a deployment that this tool manages, every one
// that shares its name with an older one: for each name the oldest (then the smallest id) stays.
func extraCopies(deploymentName string, have, want []prefect.Automation) []prefect.Automation {
	owned := ownedAutomations(deploymentName, have, want)
	slices.SortFunc(owned, func(a, b prefect.Automation) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	seen := map[string]bool{}
	var extra []prefect.Automation
	for _, a := range owned {
		if seen[a.Name] {
			extra = append(extra, a)
			continue
		}
		seen[a.Name] = true
	}
	return extra
}
