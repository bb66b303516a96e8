package config

import (
	"maps"
	"slices"

	"github.com/prefect-flow-deploy/prefect-deploy-action/source/vocab"
)

// Resolve returns the settings of one deployment: flow (in any spelling; it
// is standardised), variant ("" for the plain deployment) and env ("" for
// none). Levels are applied in this order, later winning:
//
//	defaults < environments[env] < flows[flow] < flows[flow].environments[env]
//	         < variant < variant.environments[env]
//
// Pointer fields take the last non-nil value; job_variables merge
// recursively (maps merge, other values replace); env merges key by key;
// parameters merge shallowly (top-level keys replace); schedules and
// triggers are taken from the last level that sets them, even to an empty
// list; tags are appended in order without duplicates. A flow, variant or
// env missing from the file adds nothing. The result shares no memory with
// the File.
func (f *File) Resolve(flow, variant, env string) Settings {
	var out Settings
	if f == nil {
		return out
	}
	levels := []Settings{f.Defaults}
	if env != "" {
		levels = append(levels, f.Environments[env])
	}
	if fl := f.flow(flow); fl != nil {
		levels = append(levels, fl.Settings)
		if env != "" {
			levels = append(levels, fl.Environments[env])
		}
		if v := fl.variant(variant); v != nil {
			levels = append(levels, v.Settings)
			if env != "" {
				levels = append(levels, v.Environments[env])
			}
		}
	}
	for _, l := range levels {
		out.merge(l)
	}
	return out
}

// ResolveEnvironment merges only the environment-specific levels for one deployment:
// environments[env] < flows[flow].environments[env] < the variant's environments[env]. Promote
// uses it: a promoted deployment keeps the source's tested settings and takes from the config
// only what the target environment sets.
func (f *File) ResolveEnvironment(flow, variant, env string) Settings {
	var out Settings
	if f == nil || env == "" {
		return out
	}
	out.merge(f.Environments[env])
	if fl := f.flow(flow); fl != nil {
		out.merge(fl.Environments[env])
		if v := fl.variant(variant); v != nil {
			out.merge(v.Environments[env])
		}
	}
	return out
}

// variant returns the variant whose standard name equals that of name, or
// nil.
func (fl *Flow) variant(name string) *Variant {
	if name == "" {
		return nil
	}
	std := standardizeFlow(name)
	for i := range fl.Deployments {
		if standardizeFlow(fl.Deployments[i].Name) == std {
			return &fl.Deployments[i]
		}
	}
	return nil
}

// merge applies the level src on top of s.
func (s *Settings) merge(src Settings) {
	mergePtr(&s.WorkPool, src.WorkPool)
	mergePtr(&s.WorkQueue, src.WorkQueue)
	mergePtr(&s.Image, src.Image)
	mergePtr(&s.Description, src.Description)
	mergePtr(&s.SchedulesActive, src.SchedulesActive)
	mergePtr(&s.Paused, src.Paused)
	mergePtr(&s.EnforceParameterSchema, src.EnforceParameterSchema)
	if src.JobVariables != nil {
		s.JobVariables = DeepMerge(s.JobVariables, src.JobVariables)
	}
	if src.Env != nil {
		if s.Env == nil {
			s.Env = map[string]string{}
		}
		maps.Copy(s.Env, src.Env)
	}
	if src.Parameters != nil {
		if s.Parameters == nil {
			s.Parameters = map[string]any{}
		}
		for k, v := range src.Parameters {
			s.Parameters[k] = vocab.DeepCopy(v)
		}
	}
	if src.CodeSource != nil {
		cs := *src.CodeSource
		s.CodeSource = &cs
	}
	if src.ConcurrencyLimit != nil {
		cl := src.ConcurrencyLimit.Clone()
		s.ConcurrencyLimit = &cl
	}
	if src.SchedulesSet {
		s.Schedules = make([]Schedule, len(src.Schedules))
		for i, sc := range src.Schedules {
			s.Schedules[i] = sc.Clone()
		}
		s.SchedulesSet = true
	}
	if src.TriggersSet {
		s.Triggers = make([]map[string]any, len(src.Triggers))
		for i, t := range src.Triggers {
			s.Triggers[i], _ = vocab.DeepCopy(t).(map[string]any)
		}
		s.TriggersSet = true
	}
	for _, t := range src.Tags {
		if !slices.Contains(s.Tags, t) {
			s.Tags = append(s.Tags, t)
		}
	}
}

// mergePtr sets *dst to a copy of *src when src is not nil.
func mergePtr[T any](dst **T, src *T) {
	if src != nil {
		v := *src
		*dst = &v
	}
}

// DeepMerge returns dst with src merged in, the way job_variables merge
// across levels: nested maps merge recursively, every other value from src
// replaces the one in dst. dst may be modified; src is copied.
func DeepMerge(dst, src map[string]any) map[string]any { return vocab.DeepMerge(dst, src) }
