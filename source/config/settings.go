package config

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/source/vocab"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/yamlfile"

	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
)

// settingsOnly parses a mapping that may hold settings and nothing else.
func (p *parser) settingsOnly(n *yamlfile.Node, path string) Settings {
	pairs, _ := p.mapping(n, path)
	s, rest := p.settings(pairs, path)
	for _, pr := range rest {
		p.unknownKey(pr.key, path, settingKeys)
	}
	return s
}

// settings parses the setting keys among pairs and returns the pairs it
// does not know for the caller to handle. A null value counts as absent.
func (p *parser) settings(pairs []pair, at string) (Settings, []pair) {
	var s Settings
	var rest []pair
	var cronKey, schedulesKey *yamlfile.Node
	canonical := map[string]*yamlfile.Node{}
	for _, pr := range pairs {
		key, v := pr.key.Text, pr.value
		if !slices.Contains(settingKeys, key) {
			rest = append(rest, pr)
			continue
		}
		canon := key
		if c, ok := settingAliases[key]; ok {
			canon = c
		}
		if first, dup := canonical[canon]; dup {
			p.errorf(pr.key, "%s: same setting as %q at line %d; keep one", join(at, key), first.Text, first.Line)
			continue
		}
		canonical[canon] = pr.key
		if isNull(v) {
			continue
		}
		kp := join(at, key)
		switch canon {
		case "work_pool":
			s.WorkPool = p.optName(v, kp)
		case "work_queue":
			s.WorkQueue = p.optName(v, kp)
		case "image":
			s.Image = p.optName(v, kp)
		case "description":
			s.Description = p.optText(v, kp)
		case "job_variables":
			s.JobVariables = p.anyMap(v, kp)
		case "parameters":
			s.Parameters = p.anyMap(v, kp)
		case "env":
			s.Env = p.envVars(v, kp)
		case "code_source":
			s.CodeSource = p.codeSource(v, kp)
		case "schedules":
			schedulesKey = pr.key
			s.Schedules, s.SchedulesSet = p.schedules(v, kp)
		case "cron":
			cronKey = pr.key
			if c, ok := p.cronShorthand(v, kp); ok {
				s.Schedules, s.SchedulesSet = []Schedule{c}, true
			}
		case "schedules_active":
			s.SchedulesActive = p.optBool(v, kp)
		case "paused":
			s.Paused = p.optBool(v, kp)
		case "enforce_parameter_schema":
			s.EnforceParameterSchema = p.optBool(v, kp)
		case "concurrency_limit":
			s.ConcurrencyLimit = p.concurrency(v, kp)
		case "tags":
			s.Tags = p.tags(v, kp)
		case "triggers":
			s.Triggers, s.TriggersSet = p.triggers(v, kp)
		}
	}
	if cronKey != nil && schedulesKey != nil {
		p.errorf(cronKey, "%s: cron and schedules (line %d) cannot both be set; move the cron into schedules", join(at, "cron"), schedulesKey.Line)
		s.Schedules, s.SchedulesSet = nil, false
	}
	return s, rest
}

// optName returns a pointer to the name n, or nil after reporting.
func (p *parser) optName(n *yamlfile.Node, path string) *string { return opt(p.name(n, path)) }

// optText returns a pointer to the text n, or nil after reporting.
func (p *parser) optText(n *yamlfile.Node, path string) *string { return opt(p.text(n, path)) }

// opt is a pointer to v when ok, else nil.
func opt[T any](v T, ok bool) *T {
	if !ok {
		return nil
	}
	return &v
}

// optBool returns a pointer to the boolean n, or nil after reporting.
func (p *parser) optBool(n *yamlfile.Node, path string) *bool { return opt(p.boolean(n, path)) }

// environments parses a mapping of environment name to settings.
func (p *parser) environments(n *yamlfile.Node, at string) map[string]Settings {
	pairs, ok := p.mapping(n, at)
	if !ok || len(pairs) == 0 {
		return nil
	}
	out := make(map[string]Settings, len(pairs))
	sanitized := map[string]*yamlfile.Node{}
	for _, pr := range pairs {
		name := pr.key.Text
		if strings.TrimSpace(name) == "" {
			p.errorf(pr.key, "%s: environment name is empty", at)
			continue
		}
		seg, err := naming.SanitizeSegment(name)
		if err != nil {
			p.errorf(pr.key, "%s: environment name %q has no ASCII letter or digit", at, name)
			continue
		}
		if first, dup := sanitized[seg]; dup {
			p.errorf(pr.key, "%s: environments %q and %q (line %d) are the same environment %q in deployment names; keep one", at, name, first.Text, first.Line, seg)
			continue
		}
		sanitized[seg] = pr.key
		out[name] = p.settingsOnly(pr.value, join(at, name))
	}
	return out
}

// flows parses the flows mapping, keyed by standard flow name.
func (p *parser) flows(n *yamlfile.Node, at string) map[string]*Flow {
	pairs, ok := p.mapping(n, at)
	if !ok || len(pairs) == 0 {
		return nil
	}
	out := make(map[string]*Flow, len(pairs))
	for _, pr := range pairs {
		key := pr.key.Text
		std := standardizeFlow(key)
		if std == "" {
			p.errorf(pr.key, "%s: flow key %q has no ASCII letter or digit", at, key)
			continue
		}
		if first, dup := out[std]; dup {
			p.errorf(pr.key, "%s: flow keys %q and %q (line %d) are the same flow %q; keep one", at, key, first.Key, first.Line, std)
			continue
		}
		out[std] = p.flow(pr, join(at, key))
	}
	return out
}

// acmeFlowKeys are keys of acme-portal-sdk's flow entries that this file
// does not use.
var acmeFlowKeys = []string{"name", "import_path"}

// flow parses one flow entry.
func (p *parser) flow(pr pair, at string) *Flow {
	fl := &Flow{Key: pr.key.Text, Line: pr.key.Line}
	pairs, _ := p.mapping(pr.value, at)
	var rest []pair
	fl.Settings, rest = p.settings(pairs, at)
	for _, r := range rest {
		switch key := r.key.Text; {
		case key == "environments":
			fl.Environments = p.environments(r.value, join(at, key))
		case key == "deployments":
			fl.Deployments = p.variants(r.value, join(at, key))
		case slices.Contains(acmeFlowKeys, key):
			p.errorf(r.key, "%s: unknown key; acme-portal-sdk's %q is not used here, flows are found by scanning the source", join(at, key), key)
		default:
			p.unknownKey(r.key, at, flowKeys)
		}
	}
	return fl
}

// variants parses a flow's deployments list.
func (p *parser) variants(n *yamlfile.Node, at string) []Variant {
	if isNull(n) {
		return nil
	}
	items, ok := p.list(n, at)
	if !ok {
		return nil
	}
	if len(items) == 0 {
		p.errorf(n, "%s: empty list; remove deployments for a single plain deployment", at)
		return nil
	}
	var out []Variant
	seen := map[string]Variant{}
	for i, item := range items {
		ip := fmt.Sprintf("%s[%d]", at, i)
		if item.Kind != yamlfile.Map {
			p.errorf(item, "%s: expected a mapping with a variant key, got %s", ip, describe(item))
			continue
		}
		v := Variant{Line: item.Line}
		pairs := p.pairs(item, ip)
		var nameKey *yamlfile.Node
		var rest []pair
		v.Settings, rest = p.settings(pairs, ip)
		for _, r := range rest {
			switch r.key.Text {
			case "variant":
				nameKey = r.key
				v.Name, _ = p.name(r.value, join(ip, "variant"))
			case "environments":
				v.Environments = p.environments(r.value, join(ip, "environments"))
			default:
				p.unknownKey(r.key, ip, variantKeys)
			}
		}
		if nameKey == nil {
			p.errorf(item, "%s: variant is required (it becomes part of the deployment name)", ip)
			continue
		}
		if v.Name == "" {
			continue
		}
		std := standardizeFlow(v.Name)
		if std == "" {
			p.errorf(nameKey, "%s.variant: %q has no ASCII letter or digit", ip, v.Name)
			continue
		}
		if first, dup := seen[std]; dup {
			if first.Name == v.Name {
				p.errorf(nameKey, "%s.variant: duplicate variant %q (first at line %d); variant names must be unique per flow", ip, v.Name, first.Line)
			} else {
				p.errorf(nameKey, "%s.variant: %q and %q (line %d) are the same variant %q; variant names must be unique per flow", ip, v.Name, first.Name, first.Line, std)
			}
			continue
		}
		out = append(out, v)
		seen[std] = v
	}
	return out
}

// envVars parses an env mapping; values are scalars kept as written.
func (p *parser) envVars(n *yamlfile.Node, at string) map[string]string {
	pairs, ok := p.mapping(n, at)
	if !ok {
		return nil
	}
	out := make(map[string]string, len(pairs))
	for _, pr := range pairs {
		key, kp := pr.key.Text, join(at, pr.key.Text)
		if !vocab.IsEnvName(key) {
			p.errorf(pr.key, "%s: %q is not a valid environment variable name (letters, digits and _, not starting with a digit)", at, key)
			continue
		}
		v := pr.value
		switch {
		case isNull(v):
			p.errorf(v, "%s: has no value; write \"\" for an empty value", kp)
		case !isScalar(v):
			p.errorf(v, "%s: expected a string, number or boolean, got %s", kp, describe(v))
		default:
			out[key] = v.Text
		}
	}
	return out
}

// codeSource parses and checks a code_source mapping.
func (p *parser) codeSource(n *yamlfile.Node, at string) *CodeSource {
	pairs, ok := p.mapping(n, at)
	if !ok {
		return nil
	}
	var cs CodeSource
	keys := map[string]*yamlfile.Node{}
	valid := true
	for _, pr := range pairs {
		key, kp := pr.key.Text, join(at, pr.key.Text)
		if !slices.Contains(codeSourceKeys, key) {
			p.unknownKey(pr.key, at, codeSourceKeys)
			continue
		}
		keys[key] = pr.key
		if isNull(pr.value) {
			continue
		}
		if key == "follow_head" || key == "use_image_workdir" {
			if b, ok := p.boolean(pr.value, kp); !ok {
				valid = false
			} else if key == "follow_head" {
				cs.FollowHead = b
			} else {
				cs.ImageWorkdir = b
			}
			continue
		}
		s, ok := p.name(pr.value, kp)
		if !ok {
			valid = false
			continue
		}
		v := pr.value
		switch key {
		case "type":
			if s != CodeSourceImage && s != CodeSourceGit {
				p.errorf(v, "%s: unknown type %q; use %q or %q", kp, s, CodeSourceImage, CodeSourceGit)
				valid = false
				continue
			}
			cs.Type = s
		case "repository":
			if err := vocab.CheckRepository(s); err != nil {
				p.errorf(v, "%s: %v", kp, err)
				valid = false
				continue
			}
			cs.Repository = s
		case "directory":
			cs.Directory = s
		case "mainline":
			cs.Mainline = s
		case "credentials":
			if !vocab.IsBlockReference(s) {
				if strings.Contains(s, "{{") {
					p.errorf(v, "%s: must be a block reference such as \"{{ prefect.blocks.github-credentials.my-creds }}\"", kp)
				} else {
					p.errorf(v, "%s: %s", kp, vocab.CredentialsAdvice)
				}
				valid = false
				continue
			}
			cs.Credentials = s
		case "access_token_env":
			if vocab.LooksLikeToken(s) {
				p.errorf(v, "%s: this looks like a token, not a variable name; %s", kp, vocab.CredentialsAdvice)
				valid = false
				continue
			}
			if !vocab.IsEnvName(s) {
				p.errorf(v, "%s: %q is not a valid environment variable name", kp, s)
				valid = false
				continue
			}
			cs.AccessTokenEnv = s
		}
	}
	if cs.Type == "" {
		if valid {
			p.errorf(n, "%s: type is required (%q or %q)", at, CodeSourceImage, CodeSourceGit)
		}
		return nil
	}
	switch cs.Type {
	case CodeSourceGit:
		for _, key := range []string{"directory", "use_image_workdir"} {
			if k := keys[key]; k != nil {
				p.errorf(k, "%s.%s: applies to type image only", at, key)
				valid = false
			}
		}
	case CodeSourceImage:
		for _, key := range []string{"repository", "credentials", "access_token_env", "follow_head", "mainline"} {
			if k := keys[key]; k != nil {
				p.errorf(k, "%s.%s: applies to type git only", at, key)
				valid = false
			}
		}
		if k := keys["use_image_workdir"]; k != nil && cs.ImageWorkdir && cs.Directory != "" {
			p.errorf(k, "%s.use_image_workdir: the image's own working directory and directory %q cannot both be used; keep one", at, cs.Directory)
			valid = false
		}
		if cs.Directory == "" && !cs.ImageWorkdir {
			cs.Directory = DefaultImageDirectory
		}
	}
	if !valid {
		return nil
	}
	return &cs
}

// concurrency parses concurrency_limit: an integer or a mapping.
func (p *parser) concurrency(n *yamlfile.Node, at string) *ConcurrencyLimit {
	v := n
	if isScalar(v) {
		limit, ok := p.integer(v, at)
		if !ok {
			return nil
		}
		if limit < 1 {
			p.errorf(v, "%s: must be at least 1, got %d", at, limit)
			return nil
		}
		return &ConcurrencyLimit{Limit: limit}
	}
	pairs, ok := p.mapping(v, at)
	if !ok {
		return nil
	}
	var cl ConcurrencyLimit
	valid, hasLimit := true, false
	var graceKey *yamlfile.Node
	for _, pr := range pairs {
		key, kp := pr.key.Text, join(at, pr.key.Text)
		val := pr.value
		switch key {
		case "limit":
			hasLimit = true
			limit, ok := p.integer(val, kp)
			switch {
			case !ok:
				valid = false
			case limit < 1:
				p.errorf(val, "%s: must be at least 1, got %d", kp, limit)
				valid = false
			default:
				cl.Limit = limit
			}
		case "collision_strategy":
			s, ok := p.name(val, kp)
			switch {
			case !ok:
				valid = false
			case !vocab.IsCollisionStrategy(s):
				hint := ""
				if up := strings.ToUpper(strings.ReplaceAll(s, "-", "_")); vocab.IsCollisionStrategy(up) {
					hint = fmt.Sprintf("; did you mean %q?", up)
				}
				p.errorf(val, "%s: must be %s or %s, got %q%s", kp, CollisionEnqueue, CollisionCancelNew, s, hint)
				valid = false
			default:
				cl.CollisionStrategy = s
			}
		case "grace_period_seconds":
			graceKey = pr.key
			g, ok := p.integer(val, kp)
			switch {
			case !ok:
				valid = false
			case !vocab.GoodGracePeriod(g):
				p.errorf(val, "%s: must be between %d and %d, got %d", kp, vocab.MinGracePeriod, vocab.MaxGracePeriod, g)
				valid = false
			default:
				cl.GracePeriodSeconds = &g
			}
		default:
			p.unknownKey(pr.key, at, concurrencyKeys)
		}
	}
	if !hasLimit {
		p.errorf(v, "%s: limit is required", at)
		return nil
	}
	if graceKey != nil && cl.CollisionStrategy == "" && valid {
		p.errorf(graceKey, "%s.grace_period_seconds: needs collision_strategy", at)
		valid = false
	}
	if !valid {
		return nil
	}
	return &cl
}

// tags parses a list of tags.
func (p *parser) tags(n *yamlfile.Node, at string) []string {
	items, ok := p.list(n, at)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(items))
	for i, item := range items {
		if s, ok := p.name(item, fmt.Sprintf("%s[%d]", at, i)); ok {
			out = append(out, s)
		}
	}
	return out
}

// triggers parses a list of raw trigger mappings.
func (p *parser) triggers(n *yamlfile.Node, at string) ([]map[string]any, bool) {
	items, ok := p.list(n, at)
	if !ok {
		return nil, false
	}
	out := make([]map[string]any, 0, len(items))
	for i, item := range items {
		ip := fmt.Sprintf("%s[%d]", at, i)
		m := p.anyMap(item, ip)
		if m == nil {
			continue
		}
		if t, has := m["type"]; has {
			if s, _ := t.(string); !vocab.IsTriggerType(s) {
				hint := ""
				if sug := suggest(fmt.Sprint(t), vocab.TriggerTypes); sug != "" {
					hint = fmt.Sprintf("; did you mean %q?", sug)
				}
				p.errorf(typeNode(item), "%s.type: must be one of %s, got %q%s", ip, strings.Join(vocab.TriggerTypes, ", "), fmt.Sprint(t), hint)
				continue
			}
		}
		out = append(out, m)
	}
	return out, true
}

// typeNode returns the value node of key "type" in mapping n, or n.
func typeNode(n *yamlfile.Node) *yamlfile.Node {
	if v, ok := n.Get("type"); ok {
		return v
	}
	return n
}

// globs parses prefect_yaml: a list of glob patterns.
func (p *parser) globs(n *yamlfile.Node, at string) []string {
	items, ok := p.list(n, at)
	if !ok {
		return nil
	}
	var out []string
	for i, item := range items {
		ip := fmt.Sprintf("%s[%d]", at, i)
		s, ok := p.name(item, ip)
		if !ok {
			continue
		}
		if _, err := path.Match(s, ""); err != nil {
			p.errorf(item, "%s: invalid glob pattern %q", ip, s)
			continue
		}
		out = append(out, s)
	}
	return out
}
