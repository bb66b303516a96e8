package adopt

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/vocab"
)

// Named is a deployment that follows the naming contract (<project>--<branch>--<flow>--<env>,
// made by this product or by acme-portal-sdk), adopted as sections of prefect-deploy.yaml:
// flows.<flow>.environments.<env> (or a variant's), holding what the server holds.
type Named struct {
	// Name is the parsed deployment name.
	Name naming.Name
	// Project, Branch, Commit and PackageVersion are what its tags say (the name's segments
	// when it has no tags): the code version a deploy at that commit reproduces.
	Project, Branch, Commit, PackageVersion string
	// Settings are the section's keys in the config's vocabulary, in the order written.
	Settings []KV
	// Entry carries the notes, secrets and source, as for a prefect.yaml entry.
	Entry Entry
}

// KV is one key of a config section.
type KV struct {
	Key   string
	Value any
}

// NamedFrom reads deployment d of flow flowName as config sections, or reports ok=false when
// its name does not follow the naming contract.
func NamedFrom(d prefect.Deployment, flowName string, automations []prefect.Automation, opts Options) (n Named, ok bool) {
	name, err := naming.Parse(d.Name)
	if err != nil {
		return Named{}, false
	}
	e := FromDeployment(d, flowName, automations, opts)
	n = Named{Name: name, Project: name.Project, Branch: name.Branch}
	if v, ok := naming.TagValue(d.Tags, naming.TagProject); ok {
		n.Project = v
	}
	if v, ok := naming.TagValue(d.Tags, naming.TagBranch); ok {
		n.Branch = v
	}
	n.Commit, _ = naming.TagValue(d.Tags, naming.TagCommit)
	n.PackageVersion, _ = naming.TagValue(d.Tags, naming.TagPackageVersion)
	// The notes about Prefect 2 paths do not apply: the code source says where the code is.
	// The image note is the prefect.yaml's: here --image (the action's image input) replaces it.
	e.Notes = slices.DeleteFunc(e.Notes, func(n Note) bool {
		return strings.HasPrefix(n.Msg, "its path ") || strings.HasPrefix(n.Msg, "image ") || strings.HasPrefix(n.Msg, "pull step ")
	})
	set := func(k string, v any) { n.Settings = append(n.Settings, KV{k, v}) }
	if e.WorkPool != "" {
		set("work_pool", e.WorkPool)
	}
	if e.WorkQueue != "" {
		set("work_queue", e.WorkQueue)
	}
	jv := maps.Clone(e.JobVariables)
	if img, ok := jv["image"].(string); ok {
		set("image", img)
		delete(jv, "image")
	}
	if env, ok := jv["env"].(map[string]any); ok {
		env = maps.Clone(env)
		for _, k := range e.SecretEnv {
			delete(env, k) // the config has no placeholders: secrets come from --env-var or --env-file
		}
		if len(env) > 0 {
			set("env", env)
		}
		delete(jv, "env")
	}
	if len(jv) > 0 {
		set("job_variables", jv)
	}
	if cs, why := codeSourceOf(d); why != "" {
		e.note(true, why)
	} else {
		set("code_source", cs)
	}
	if len(e.Parameters) > 0 {
		set("parameters", e.Parameters)
	}
	if len(e.Schedules) > 0 {
		var ss []any
		for _, s := range e.Schedules {
			ss = append(ss, scheduleMap(s))
		}
		set("schedules", ss)
	}
	if e.ConcurrencyLimit != nil {
		if e.CollisionStrategy == "" {
			set("concurrency_limit", *e.ConcurrencyLimit)
		} else {
			cl := map[string]any{"limit": *e.ConcurrencyLimit, "collision_strategy": e.CollisionStrategy}
			if e.GracePeriodSeconds != nil {
				cl["grace_period_seconds"] = *e.GracePeriodSeconds
			}
			set("concurrency_limit", cl)
		}
	}
	if e.Description != nil {
		set("description", *e.Description)
	}
	if len(e.Tags) > 0 {
		set("tags", e.Tags)
	}
	if len(e.Triggers) > 0 {
		ts := make([]any, len(e.Triggers))
		for i, t := range e.Triggers {
			t = maps.Clone(t)
			if name, _ := t["name"].(string); strings.HasPrefix(name, vocab.TriggerPrefix(d.Name)) {
				delete(t, "name") // a deploy names them so again
			}
			ts[i] = t
		}
		set("triggers", ts)
	}
	if !e.EnforceParameterSchema {
		set("enforce_parameter_schema", false)
	}
	n.Entry = e
	return n, true
}

// codeSourceOf reads the code source back from a deployment's pull steps and path: none and
// path "." is the image's own working directory (acme-portal-sdk, flow.deploy(image=...)); a
// set_working_directory step an image directory; a git_clone step the git code source.
func codeSourceOf(d prefect.Deployment) (map[string]any, string) {
	steps := d.PullSteps
	path := ""
	if d.Path != nil {
		path = *d.Path
	}
	if len(steps) == 0 {
		if path == "." || path == "" {
			return map[string]any{"type": vocab.CodeSourceImage, "use_image_workdir": true}, ""
		}
		return nil, fmt.Sprintf("its path %q with no pull steps: no code source runs there", path)
	}
	if len(steps) != 1 {
		return nil, fmt.Sprintf("its %d pull steps: a code source makes one (git_clone or set_working_directory); keep this deployment in a prefect.yaml (adopt --format prefect-yaml)", len(steps))
	}
	for k, v := range steps[0] {
		args, _ := v.(map[string]any)
		switch k {
		case vocab.StepSetWorkingDirectory:
			dir, _ := args["directory"].(string)
			if len(args) != 1 || dir == "" {
				break
			}
			return map[string]any{"type": vocab.CodeSourceImage, "directory": dir}, ""
		case vocab.StepGitClone:
			repo, _ := args["repository"].(string)
			cs := map[string]any{"type": vocab.CodeSourceGit, "repository": repo}
			for ak, av := range args {
				s, _ := av.(string)
				switch ak {
				case "repository", "commit_sha":
				case "branch":
					cs["follow_head"] = true
				case "credentials":
					cs["credentials"] = s
				case "access_token":
					if v, ok := strings.CutPrefix(strings.TrimSpace(s), "{{ $"); ok {
						cs["access_token_env"] = strings.TrimSuffix(strings.TrimSpace(v), "}}")
						cs["access_token_env"] = strings.TrimSpace(cs["access_token_env"].(string))
						continue
					}
					return nil, "its git_clone access_token holds the token itself: set code_source.access_token_env to the variable that holds it on the worker, or credentials to a block"
				default:
					return nil, fmt.Sprintf("its git_clone step's %s: a git code source has none", ak)
				}
			}
			return cs, ""
		}
	}
	return nil, fmt.Sprintf("its pull step %s: a code source makes git_clone or set_working_directory; keep this deployment in a prefect.yaml (adopt --format prefect-yaml)", report1(steps[0]))
}

func report1(step map[string]any) string {
	for k := range step {
		return k
	}
	return "(empty)"
}

func scheduleMap(s Schedule) map[string]any {
	m := map[string]any{}
	switch {
	case s.Cron != "":
		m["cron"] = s.Cron
		if s.DayOr != nil {
			m["day_or"] = *s.DayOr
		}
	case s.Interval != 0:
		m["interval"] = s.Interval
		if s.AnchorDate != "" {
			m["anchor_date"] = s.AnchorDate
		}
	case s.RRule != "":
		m["rrule"] = s.RRule
	}
	if s.Timezone != "" {
		m["timezone"] = s.Timezone
	}
	if s.Slug != "" {
		m["slug"] = s.Slug
	}
	if !s.Active {
		m["active"] = false
	}
	if len(s.Parameters) > 0 {
		m["parameters"] = s.Parameters
	}
	return m
}

// WriteConfig renders named deployments of one project as prefect-deploy.yaml: project, then
// flows.<flow>.environments.<env> (variants under deployments:), each section's notes as
// comments above it.
func WriteConfig(header []string, project string, named []Named) ([]byte, error) {
	root := mapping()
	root.HeadComment = strings.Join(header, "\n")
	addPair(root, "project", scalar(project))
	flows := mapping()
	type flowNodes struct {
		envs     *yaml.Node
		variants map[string]*yaml.Node
		order    []string
	}
	byFlow := map[string]*flowNodes{}
	var flowOrder []string
	for _, n := range named {
		flow := n.Name.Flow
		fn := byFlow[flow]
		if fn == nil {
			fn = &flowNodes{envs: mapping(), variants: map[string]*yaml.Node{}}
			byFlow[flow] = fn
			flowOrder = append(flowOrder, flow)
		}
		section := mapping()
		var comments []string
		comments = append(comments, "from "+n.Entry.Source)
		for _, note := range n.Entry.Notes {
			comments = append(comments, note.String())
		}
		for _, k := range n.Entry.SecretEnv {
			comments = append(comments, fmt.Sprintf("env %s looks like a secret: not written; pass it with --env-var %s=... (the action's secret-env-vars) or --env-file", k, k))
		}
		for _, kv := range n.Settings {
			node, err := valueNode(kv.Value)
			if err != nil {
				return nil, fmt.Errorf("failed to write %s of %s: %w", kv.Key, n.Name, err)
			}
			addPair(section, kv.Key, node)
		}
		envs := fn.envs
		if n.Name.Variant != "" {
			if fn.variants[n.Name.Variant] == nil {
				fn.variants[n.Name.Variant] = mapping()
				fn.order = append(fn.order, n.Name.Variant)
			}
			envs = fn.variants[n.Name.Variant]
		}
		key := scalar(n.Name.Env)
		key.HeadComment = strings.Join(comments, "\n")
		envs.Content = append(envs.Content, key, section)
	}
	for _, flow := range flowOrder {
		fn := byFlow[flow]
		body := mapping()
		if len(fn.envs.Content) > 0 {
			addPair(body, "environments", fn.envs)
		}
		if len(fn.order) > 0 {
			seq := &yaml.Node{Kind: yaml.SequenceNode}
			for _, v := range fn.order {
				item := mapping()
				addPair(item, "variant", scalar(v))
				addPair(item, "environments", fn.variants[v])
				seq.Content = append(seq.Content, item)
			}
			addPair(body, "deployments", seq)
		}
		addPair(flows, flow, body)
	}
	addPair(root, "flows", flows)
	return encode(root)
}
