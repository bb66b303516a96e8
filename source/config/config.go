package config

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/prefect-flow-deploy/prefect-deploy-action/source/vocab"
)

// DefaultFileName is the name of the config file looked up when none is given.
const DefaultFileName = "prefect-deploy.yaml"

// DefaultImageDirectory is the working directory inside the image used by a
// code_source of type image that sets no directory.
const DefaultImageDirectory = vocab.DefaultImageDirectory

// Code source types accepted in code_source.type.
const (
	// CodeSourceImage means the flow code is baked into the image.
	CodeSourceImage = vocab.CodeSourceImage
	// CodeSourceGit means the worker clones a git repository before the run.
	CodeSourceGit = vocab.CodeSourceGit
)

// Collision strategies accepted in concurrency_limit.collision_strategy.
const (
	// CollisionEnqueue queues runs that exceed the limit.
	CollisionEnqueue = vocab.CollisionEnqueue
	// CollisionCancelNew cancels runs that exceed the limit.
	CollisionCancelNew = vocab.CollisionCancelNew
)

// FormatAcme is the Format of a File read from acme-portal-sdk's
// static_flow_deploy_config.yaml (source/acme).
const FormatAcme = "acme"

// File is a parsed and validated config file.
type File struct {
	// Path is the path the file was loaded from, as given to Load or Parse.
	Path string `json:"path,omitempty"`
	// Project is the project name, or "" when the file sets none.
	Project string `json:"project,omitempty"`
	// SourceRoot is the directory scanned for flows as written (cleaned,
	// slash-separated), relative to the directory of Path; "" when unset.
	// See [File.SourceDir].
	SourceRoot string `json:"source_root,omitempty"`
	// Defaults apply to every flow in every environment.
	Defaults Settings `json:"defaults"`
	// Environments holds settings per environment name.
	Environments map[string]Settings `json:"environments,omitempty"`
	// Flows is keyed by the standard (underscore) flow name; Flow.Key keeps
	// the spelling used in the file.
	Flows map[string]*Flow `json:"flows,omitempty"`
	// PrefectYAML lists glob patterns of prefect.yaml files, as written.
	PrefectYAML []string `json:"prefect_yaml,omitempty"`
	// WorkPools are the work pools (and their queues) the file declares, in file order.
	WorkPools []WorkPool `json:"work_pools,omitempty"`
	// Format is "" for prefect-deploy.yaml, FormatAcme for acme-portal-sdk's file.
	Format string `json:"format,omitempty"`
	// Warnings are "file:line:col: message" lines about what the file says that has no effect.
	Warnings []string `json:"warnings,omitempty"`
}

// Flow is the configuration of one flow.
type Flow struct {
	// Key is the flow key as written in the file.
	Key string `json:"key"`
	// Line is the line of Key in the file.
	Line int `json:"-"`
	// Settings apply to every deployment of the flow.
	Settings Settings `json:"settings"`
	// Environments holds the flow's settings per environment name.
	Environments map[string]Settings `json:"environments,omitempty"`
	// Deployments lists the flow's variants; nil when the flow has a single,
	// plain deployment.
	Deployments []Variant `json:"deployments,omitempty"`
}

// Variant is one of several deployments of a flow. Its name becomes part of
// the deployment name.
type Variant struct {
	// Name is the variant name as written.
	Name string `json:"variant"`
	// Line is the line of the variant's entry in the file.
	Line int `json:"-"`
	// Settings apply to this variant in every environment.
	Settings Settings `json:"settings"`
	// Environments holds the variant's settings per environment name.
	Environments map[string]Settings `json:"environments,omitempty"`
}

// Settings is one level of deployment settings. A nil pointer, nil map or
// unset flag means the level does not set that value. See [File.Resolve]
// for how levels combine.
type Settings struct {
	// WorkPool is the Prefect work pool name (work_pool or work_pool_name).
	WorkPool *string `json:"work_pool,omitempty"`
	// WorkQueue is the work queue name (work_queue or work_queue_name).
	WorkQueue *string `json:"work_queue,omitempty"`
	// Image is the container image the flow runs in.
	Image *string `json:"image,omitempty"`
	// Description is the deployment description; "" is a valid value.
	Description *string `json:"description,omitempty"`
	// JobVariables are deep-merged across levels.
	JobVariables map[string]any `json:"job_variables,omitempty"`
	// Env holds environment variables for the flow run, merged across levels.
	Env map[string]string `json:"env,omitempty"`
	// Parameters are merged shallowly across levels.
	Parameters map[string]any `json:"parameters,omitempty"`
	// CodeSource says how the worker gets the code.
	CodeSource *CodeSource `json:"code_source,omitempty"`
	// Schedules is meaningful only when SchedulesSet is true; an empty list
	// with SchedulesSet means "no schedules".
	Schedules []Schedule `json:"schedules,omitempty"`
	// SchedulesSet reports whether the level sets schedules (or cron).
	SchedulesSet bool `json:"schedules_set,omitempty"`
	// SchedulesActive false means every schedule is created inactive,
	// whatever its own Active says. Resolve does not apply it to Schedules.
	SchedulesActive *bool `json:"schedules_active,omitempty"`
	// Paused creates the deployment paused.
	Paused *bool `json:"paused,omitempty"`
	// EnforceParameterSchema makes Prefect validate run parameters.
	EnforceParameterSchema *bool `json:"enforce_parameter_schema,omitempty"`
	// ConcurrencyLimit limits concurrent runs of the deployment.
	ConcurrencyLimit *ConcurrencyLimit `json:"concurrency_limit,omitempty"`
	// Tags are appended across levels without duplicates.
	Tags []string `json:"tags,omitempty"`
	// Triggers are raw Prefect deployment trigger objects, meaningful only
	// when TriggersSet is true.
	Triggers []map[string]any `json:"triggers,omitempty"`
	// TriggersSet reports whether the level sets triggers.
	TriggersSet bool `json:"triggers_set,omitempty"`
}

// CodeSource says how the worker gets the flow code (the vocabulary's).
type CodeSource = vocab.CodeSource

// DefaultMainline is the branch that stays pinned under follow_head when
// code_source.mainline is not set.
const DefaultMainline = vocab.DefaultMainline

// Schedule is one Prefect deployment schedule (the vocabulary's). Exactly one of Cron,
// Interval and RRule is set.
type Schedule = vocab.Schedule

// ConcurrencyLimit limits concurrent runs of a deployment (the vocabulary's).
type ConcurrencyLimit = vocab.Concurrency

// Load reads and parses the config file at path. A missing file is an
// error wrapping fs.ErrNotExist; the caller decides whether that is fine.
// Problems inside the file are returned together as [Errors].
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read config %q: %w", path, err)
	}
	return Parse(path, data)
}

// Parse parses and validates the config file contents data; path is used in
// error positions and in [File.SourceDir]. On any problem it returns nil and
// an [Errors] holding every problem found.
func Parse(path string, data []byte) (*File, error) {
	p := &parser{file: path}
	f := p.parseFile(data)
	if len(p.errs) > 0 {
		p.errs = p.errs.Sorted()
		return nil, p.errs
	}
	return f, nil
}

// SourceDir returns the directory scanned for flows: SourceRoot joined to
// the directory of Path, or "" when SourceRoot is unset.
func (f *File) SourceDir() string {
	if f == nil || f.SourceRoot == "" {
		return ""
	}
	return filepath.Join(filepath.Dir(f.Path), filepath.FromSlash(f.SourceRoot))
}

// FlowKeys returns the standard names of the flows configured in the file,
// sorted. The caller checks that each names a discovered flow.
func (f *File) FlowKeys() []string {
	if f == nil {
		return nil
	}
	keys := make([]string, 0, len(f.Flows))
	for k := range f.Flows {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// EnvironmentNames returns every environment name the file mentions, at
// any level, sorted. A caller can use it to warn when the target
// environment has no settings anywhere in the file.
func (f *File) EnvironmentNames() []string {
	if f == nil {
		return nil
	}
	var names []string
	add := func(m map[string]Settings) {
		for k := range m {
			if !slices.Contains(names, k) {
				names = append(names, k)
			}
		}
	}
	add(f.Environments)
	for _, fl := range f.Flows {
		add(fl.Environments)
		for _, v := range fl.Deployments {
			add(v.Environments)
		}
	}
	slices.Sort(names)
	return names
}

// Variants returns the variant names of flow (in any spelling) in file
// order, or [""] (the plain deployment) when the flow has no deployments
// list or is not in the file.
func (f *File) Variants(flow string) []string {
	fl := f.flow(flow)
	if fl == nil || len(fl.Deployments) == 0 {
		return []string{""}
	}
	names := make([]string, len(fl.Deployments))
	for i, v := range fl.Deployments {
		names[i] = v.Name
	}
	return names
}

// flow returns the flow whose standard name equals that of name, or nil.
func (f *File) flow(name string) *Flow {
	if f == nil {
		return nil
	}
	return f.Flows[standardizeFlow(name)]
}
