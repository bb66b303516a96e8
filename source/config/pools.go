package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/source/yamlfile"
)

// WorkPool is a work pool declared under work_pools: created when the server lacks it; on an
// existing pool only the fields the file sets are made to match (a nil pointer or nil map is a
// field the file leaves alone).
type WorkPool struct {
	// Name is the pool name (the key under work_pools).
	Name string `json:"name"`
	// Line is the line of the key in the file.
	Line int `json:"-"`
	// Type is the worker type, e.g. process, docker, kubernetes. Required: a pool is created
	// with it, and an existing pool of another type is an error (a type cannot change).
	Type string `json:"type"`
	// Description, ConcurrencyLimit and Paused are the pool's settings.
	Description      *string `json:"description,omitempty"`
	ConcurrencyLimit *int    `json:"concurrency_limit,omitempty"`
	Paused           *bool   `json:"paused,omitempty"`
	// BaseJobTemplate is the pool's base job template (from base_job_template or
	// base_job_template_file); nil when the file sets neither.
	BaseJobTemplate map[string]any `json:"base_job_template,omitempty"`
	// Queues are the pool's queues, in file order.
	Queues []WorkQueue `json:"queues,omitempty"`
}

// WorkQueue is a queue of a declared work pool.
type WorkQueue struct {
	// Name is the queue name (the key under queues).
	Name string `json:"name"`
	// Line is the line of the key in the file.
	Line int `json:"-"`
	// Description, ConcurrencyLimit, Priority (1 is highest) and Paused are the queue's settings.
	Description      *string `json:"description,omitempty"`
	ConcurrencyLimit *int    `json:"concurrency_limit,omitempty"`
	Priority         *int    `json:"priority,omitempty"`
	Paused           *bool   `json:"paused,omitempty"`
}

var (
	poolKeys  = []string{"type", "description", "concurrency_limit", "paused", "base_job_template", "base_job_template_file", "queues"}
	queueKeys = []string{"description", "concurrency_limit", "priority", "paused"}
)

// checkPoolName reports what Prefect would refuse in a work pool or queue name.
func (p *parser) checkPoolName(k *yamlfile.Node, at, what string) bool {
	name := k.Text
	switch {
	case strings.TrimSpace(name) == "":
		p.errorf(k, "%s: %s name is empty", at, what)
	case strings.ContainsAny(name, "/%&><"):
		p.errorf(k, "%s: %s name %q contains one of / %% & > <, which Prefect does not allow", at, what, name)
	case what == "work pool" && strings.HasPrefix(strings.ToLower(name), "prefect"):
		p.errorf(k, "%s: work pool name %q starts with \"prefect\", which Prefect reserves", at, name)
	default:
		return true
	}
	return false
}

// workPools parses the work_pools mapping (pool name → pool).
func (p *parser) workPools(n *yamlfile.Node, at string) []WorkPool {
	pairs, ok := p.mapping(n, at)
	if !ok {
		return nil
	}
	var out []WorkPool
	for _, pr := range pairs {
		if !p.checkPoolName(pr.key, at, "work pool") {
			continue
		}
		out = append(out, p.workPool(pr, join(at, pr.key.Text)))
	}
	return out
}

func (p *parser) workPool(pr pair, at string) WorkPool {
	wp := WorkPool{Name: pr.key.Text, Line: pr.key.Line}
	pairs, ok := p.mapping(pr.value, at)
	if !ok {
		return wp
	}
	var templateKey *yamlfile.Node
	for _, kv := range pairs {
		key, v, path := kv.key.Text, kv.value, join(at, kv.key.Text)
		switch key {
		case "type":
			if s, ok := p.name(v, path); ok {
				wp.Type = s
			}
		case "description":
			wp.Description = p.optText(v, path)
		case "concurrency_limit":
			wp.ConcurrencyLimit = p.nonNegative(v, path)
		case "paused":
			wp.Paused = p.optBool(v, path)
		case "base_job_template", "base_job_template_file":
			if templateKey != nil {
				p.errorf(kv.key, "%s: set base_job_template or base_job_template_file, not both (the other is at line %d)", at, templateKey.Line)
				continue
			}
			templateKey = kv.key
			var tmpl map[string]any
			if key == "base_job_template" {
				tmpl = p.anyMap(v, path)
			} else {
				tmpl = p.templateFile(v, path)
			}
			if tmpl != nil && len(tmpl) > 0 {
				for _, need := range []string{"job_configuration", "variables"} {
					if _, ok := tmpl[need]; !ok {
						p.errorf(v, "%s: a base job template needs both job_configuration and variables (%s is missing); copy one with `prefect work-pool get-default-base-job-template --type %s`", path, need, orType(wp.Type))
					}
				}
			}
			wp.BaseJobTemplate = tmpl
		case "queues":
			wp.Queues = p.workQueues(v, path)
		default:
			p.unknownKey(kv.key, at, poolKeys)
		}
	}
	if wp.Type == "" {
		p.errorf(pr.key, "%s: type is required (process, docker, kubernetes, ecs, cloud-run, ...)", at)
	}
	return wp
}

func orType(t string) string {
	if t == "" {
		return "process"
	}
	return t
}

// templateFile reads a base job template from a JSON (or YAML) file relative to the config.
func (p *parser) templateFile(v *yamlfile.Node, path string) map[string]any {
	name, ok := p.name(v, path)
	if !ok {
		return nil
	}
	file := name
	if !filepath.IsAbs(file) {
		file = filepath.Join(filepath.Dir(p.file), filepath.FromSlash(name))
	}
	data, err := os.ReadFile(file)
	if err != nil {
		p.errorf(v, "%s: failed to read %q: %v", path, name, err)
		return nil
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err == nil {
		return out
	}
	doc, rerr := yamlfile.Read(name, data, yamlfile.YAML12)
	if rerr != nil || doc.Root == nil {
		p.errorf(v, "%s: %q is neither JSON nor YAML", path, name)
		return nil
	}
	return p.anyMap(doc.Root, path)
}

func (p *parser) workQueues(n *yamlfile.Node, at string) []WorkQueue {
	pairs, ok := p.mapping(n, at)
	if !ok {
		return nil
	}
	var out []WorkQueue
	for _, pr := range pairs {
		if !p.checkPoolName(pr.key, at, "work queue") {
			continue
		}
		q := WorkQueue{Name: pr.key.Text, Line: pr.key.Line}
		qpath := join(at, pr.key.Text)
		kvs, _ := p.mapping(pr.value, qpath)
		for _, kv := range kvs {
			key, v, path := kv.key.Text, kv.value, join(qpath, kv.key.Text)
			switch key {
			case "description":
				q.Description = p.optText(v, path)
			case "concurrency_limit":
				q.ConcurrencyLimit = p.nonNegative(v, path)
			case "priority":
				if i, ok := p.integer(v, path); ok {
					if i < 1 {
						p.errorf(v, "%s: must be at least 1 (1 is the highest priority), got %d", path, i)
					} else {
						q.Priority = &i
					}
				}
			case "paused":
				q.Paused = p.optBool(v, path)
			default:
				p.unknownKey(kv.key, qpath, queueKeys)
			}
		}
		out = append(out, q)
	}
	return out
}

// nonNegative returns a pointer to the integer n when it is 0 or more, else reports.
func (p *parser) nonNegative(n *yamlfile.Node, path string) *int {
	i, ok := p.integer(n, path)
	if !ok {
		return nil
	}
	if i < 0 {
		p.errorf(n, "%s: must be 0 or more, got %d", path, i)
		return nil
	}
	return &i
}
