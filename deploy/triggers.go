package deploy

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
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
		a := prefect.Automation{Name: fmt.Sprintf("%s__automation_%d", deploymentName, i+1), Enabled: true}
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
		if names[a.Name] || strings.HasPrefix(a.Name, deploymentName+"__automation_") {
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
		if !ok || h.Enabled != w.Enabled || h.Description != w.Description {
			return false
		}
		if !subset(canon(w.Trigger), canon(h.Trigger)) || len(h.Actions) != len(w.Actions) {
			return false
		}
		for i := range w.Actions {
			if !subset(canon(w.Actions[i]), canon(h.Actions[i])) {
				return false
			}
		}
	}
	return true
}

// subset reports whether every key of want is in have with an equal value (the server adds
// defaults such as an id or match_related).
func subset(want, have any) bool {
	wm, ok := want.(map[string]any)
	if !ok {
		return reflect.DeepEqual(want, have)
	}
	hm, ok := have.(map[string]any)
	if !ok {
		return false
	}
	for k, wv := range wm {
		if !subset(wv, hm[k]) {
			return false
		}
	}
	return true
}

func canon(v any) any {
	return prefect.Canonical(v)
}

// replaceTriggers deletes the automations a deployment owns and creates the configured ones,
// as Prefect's own deploy does.
func replaceTriggers(ctx context.Context, api API, deploymentID string, t Target) error {
	if err := api.DeleteOwnedAutomations(ctx, deploymentID); err != nil && !prefect.IsNotFound(err) {
		return fmt.Errorf("failed to replace the triggers of %q: %w", t.Spec.Name, err)
	}
	for _, a := range Automations(t.Spec.Name, deploymentID, t.Triggers) {
		if _, err := api.CreateDeploymentAutomation(ctx, deploymentID, a); err != nil {
			return fmt.Errorf("failed to create trigger %q of %q: %w", a.Name, t.Spec.Name, err)
		}
	}
	return nil
}
