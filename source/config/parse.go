package config

import (
	"fmt"
	"math"
	"path"
	"slices"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/yamlfile"
)

// valueBudget caps how many YAML nodes are turned into Go values, so a file
// that nests aliases ("billion laughs") fails instead of eating memory.
const valueBudget = 100_000

// Keys accepted at each level of the file.
var (
	topKeys     = []string{"project", "source_root", "defaults", "environments", "flows", "prefect_yaml", "work_pools"}
	settingKeys = []string{
		"work_pool", "work_pool_name", "work_queue", "work_queue_name", "job_variables", "image", "env",
		"code_source", "parameters", "schedules", "cron", "schedules_active", "paused", "concurrency_limit",
		"description", "tags", "triggers", "enforce_parameter_schema",
	}
	flowKeys        = append([]string{"environments", "deployments"}, settingKeys...)
	variantKeys     = append([]string{"variant", "environments"}, settingKeys...)
	codeSourceKeys  = []string{"type", "repository", "directory", "use_image_workdir", "credentials", "access_token_env", "follow_head", "mainline"}
	concurrencyKeys = []string{"limit", "collision_strategy", "grace_period_seconds"}
	settingAliases  = map[string]string{"work_pool_name": "work_pool", "work_queue_name": "work_queue"}
)

// standardizeFlow gives the standard form of a flow key or variant name.
func standardizeFlow(s string) string { return naming.StandardizeFlow(s) }

// parser walks one file's nodes and collects every problem it finds.
type parser struct {
	file   string
	errs   Errors
	budget int
}

// pair is one key and its value in a mapping.
type pair struct {
	key, value *yamlfile.Node
}

// errorf records a problem at n.
func (p *parser) errorf(n *yamlfile.Node, format string, args ...any) {
	line, col := 1, 1
	if n != nil && n.Line > 0 {
		line, col = n.Line, max(n.Col, 1)
	}
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Column: col, Message: fmt.Sprintf(format, args...)})
}

// join appends key to a dotted path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// isNull reports whether n is absent or an explicit YAML null.
func isNull(n *yamlfile.Node) bool { return n.IsNull() }

// describe names the YAML type of n for error messages.
func describe(n *yamlfile.Node) string {
	if n == nil {
		return "nothing"
	}
	return n.Kind.String()
}

// parseFile parses the whole file.
func (p *parser) parseFile(data []byte) *File {
	p.budget = valueBudget
	f := &File{Path: p.file}
	doc, err := yamlfile.Read(p.file, data, yamlfile.YAML12)
	if err != nil {
		p.errs = append(p.errs, err)
		return f
	}
	switch {
	case doc.Extra != nil:
		p.errorf(doc.Extra, "only one YAML document is allowed in the config file")
	case doc.ExtraErr != nil:
		p.errs = append(p.errs, doc.ExtraErr)
	}
	if isNull(doc.Root) {
		return f
	}
	root := doc.Root
	if root.Kind != yamlfile.Map {
		p.errorf(root, "expected a mapping at the top level, got %s", describe(root))
		return f
	}
	for _, pr := range p.pairs(root, "") {
		key, v := pr.key.Text, pr.value
		if strings.HasPrefix(key, "x-") {
			continue // extension keys hold YAML anchors and are ignored
		}
		if isNull(v) {
			if !slices.Contains(topKeys, key) {
				p.unknownKey(pr.key, "", topKeys)
			}
			continue
		}
		switch key {
		case "project":
			if s, ok := p.name(v, key); ok {
				if _, err := naming.SanitizeSegment(s); err != nil {
					p.errorf(v, "project: %q has no ASCII letter or digit", s)
				} else {
					f.Project = s
				}
			}
		case "source_root":
			if s, ok := p.name(v, key); ok {
				if path.IsAbs(s) || strings.HasPrefix(s, `\`) || (len(s) > 1 && s[1] == ':') {
					p.errorf(v, "source_root: %q must be relative to the config file's directory", s)
				} else {
					f.SourceRoot = path.Clean(strings.ReplaceAll(s, `\`, "/"))
				}
			}
		case "defaults":
			f.Defaults = p.settingsOnly(v, key)
		case "environments":
			f.Environments = p.environments(v, key)
		case "flows":
			f.Flows = p.flows(v, key)
		case "prefect_yaml":
			f.PrefectYAML = p.globs(v, key)
		case "work_pools":
			f.WorkPools = p.workPools(v, key)
		default:
			hint := ""
			if v.Kind == yamlfile.Map && suggest(key, topKeys) == "" {
				hint = "; flow settings go under flows: (acme-portal-sdk's file lists flows at the top level)"
			}
			p.unknownKeyHint(pr.key, "", topKeys, hint)
		}
	}
	return f
}

// pairs returns the key/value pairs of mapping n as the reader combined them ("<<" merge
// keys expanded: explicit keys win over merged ones, earlier merges over later ones),
// reporting the duplicate and non-scalar keys and the bad merges the reader found.
func (p *parser) pairs(n *yamlfile.Node, path string) []pair {
	p.mapProblems(n, path, map[*yamlfile.Node]bool{})
	out := make([]pair, len(n.Keys))
	for i := range n.Keys {
		out[i] = pair{n.KeyNode(i), n.Vals[i]}
	}
	return out
}

// mapProblems reports the problems of mapping n and of the mappings merged into it.
func (p *parser) mapProblems(n *yamlfile.Node, path string, seen map[*yamlfile.Node]bool) {
	if seen[n] {
		return
	}
	seen[n] = true
	for _, pb := range n.Problems {
		switch pb.Kind {
		case yamlfile.BadKey:
			p.errorf(pb.At, "%s: keys must be strings, got %s", orRoot(path), describe(pb.At))
		case yamlfile.DuplicateKey:
			p.errorf(pb.At, "%s: duplicate key (first at line %d)", join(path, pb.At.Text), pb.First.Line)
		case yamlfile.BadMergeItem:
			p.errorf(pb.At, "%s: a << merge needs mappings, got %s", orRoot(path), describe(pb.At))
		case yamlfile.BadMerge:
			p.errorf(pb.At, "%s: a << merge needs a mapping or a list of mappings, got %s", orRoot(path), describe(pb.At))
		}
	}
	for _, m := range n.Merged {
		p.mapProblems(m, path, seen)
	}
}

// orRoot names the top level in messages.
func orRoot(path string) string {
	if path == "" {
		return "top level"
	}
	return path
}

// unknownKey reports key k, which is not one of allowed.
func (p *parser) unknownKey(k *yamlfile.Node, path string, allowed []string) {
	p.unknownKeyHint(k, path, allowed, "")
}

// unknownKeyHint reports key k with a "did you mean" suggestion or hint.
func (p *parser) unknownKeyHint(k *yamlfile.Node, path string, allowed []string, hint string) {
	if s := suggest(k.Text, allowed); s != "" {
		hint = fmt.Sprintf("; did you mean %q?", s)
	}
	p.errorf(k, "%s: unknown key%s", join(path, k.Text), hint)
}

// mapping returns the pairs of n, or reports that n is not a mapping. A
// null n is an empty mapping.
func (p *parser) mapping(n *yamlfile.Node, path string) ([]pair, bool) {
	if isNull(n) {
		return nil, true
	}
	if n.Kind != yamlfile.Map {
		p.errorf(n, "%s: expected a mapping, got %s", path, describe(n))
		return nil, false
	}
	return p.pairs(n, path), true
}

// list returns the items of sequence n, or reports that n is not a list.
func (p *parser) list(n *yamlfile.Node, path string) ([]*yamlfile.Node, bool) {
	if n.Kind != yamlfile.Seq {
		p.errorf(n, "%s: expected a list, got %s", path, describe(n))
		return nil, false
	}
	return n.Items, true
}

// isScalar reports whether n is a scalar (null included).
func isScalar(n *yamlfile.Node) bool { return n.Kind != yamlfile.Seq && n.Kind != yamlfile.Map }

// text returns the scalar n as written; any scalar but null is accepted.
func (p *parser) text(n *yamlfile.Node, path string) (string, bool) {
	if !isScalar(n) || n.Kind == yamlfile.Null {
		p.errorf(n, "%s: expected a string, got %s", path, describe(n))
		return "", false
	}
	return n.Text, true
}

// name is text that must not be empty or blank.
func (p *parser) name(n *yamlfile.Node, path string) (string, bool) {
	s, ok := p.text(n, path)
	if ok && strings.TrimSpace(s) == "" {
		p.errorf(n, "%s: must not be empty", path)
		return "", false
	}
	return s, ok
}

// boolean returns the YAML boolean n.
func (p *parser) boolean(n *yamlfile.Node, path string) (bool, bool) {
	if n.Kind != yamlfile.Bool || n.Tag != "!!bool" {
		p.errorf(n, "%s: expected true or false, got %s", path, describe(n))
		return false, false
	}
	return n.Bool, true
}

// integer returns the YAML integer n.
func (p *parser) integer(n *yamlfile.Node, path string) (int, bool) {
	if n.Kind != yamlfile.Int || n.Tag != "!!int" || n.Overflow {
		p.errorf(n, "%s: expected an integer, got %s", path, describe(n))
		return 0, false
	}
	return int(n.Int), true
}

// value converts n into plain Go values: map[string]any, []any, string,
// int, float64, bool or nil. Timestamps stay strings as written.
func (p *parser) value(n *yamlfile.Node, path string) any {
	if p.budget--; p.budget == 0 {
		p.errorf(n, "%s: too many values (nested aliases?)", path)
	}
	if p.budget <= 0 {
		return nil
	}
	switch n.Kind {
	case yamlfile.Map:
		m := map[string]any{}
		for _, pr := range p.pairs(n, path) {
			m[pr.key.Text] = p.value(pr.value, join(path, pr.key.Text))
		}
		return m
	case yamlfile.Seq:
		l := make([]any, len(n.Items))
		for i, item := range n.Items {
			l[i] = p.value(item, fmt.Sprintf("%s[%d]", path, i))
		}
		return l
	case yamlfile.Null:
		return nil
	case yamlfile.Bool:
		return n.Bool
	case yamlfile.Int:
		if n.Overflow {
			return n.Float
		}
		return int(n.Int)
	case yamlfile.Float:
		if math.IsInf(n.Float, 0) || math.IsNaN(n.Float) {
			p.errorf(n, "%s: %s cannot be sent to Prefect (JSON has no infinity or NaN)", path, n.Text)
			return nil
		}
		return n.Float
	}
	return n.Text
}

// anyMap converts mapping n into a map of plain Go values.
func (p *parser) anyMap(n *yamlfile.Node, path string) map[string]any {
	if n.Kind != yamlfile.Map {
		p.errorf(n, "%s: expected a mapping, got %s", path, describe(n))
		return nil
	}
	m, _ := p.value(n, path).(map[string]any)
	return m
}

// TopKeys returns the keys the top level of prefect-deploy.yaml accepts.
func TopKeys() []string { return slices.Clone(topKeys) }

// SettingKeys returns every settings key a level (defaults, an environment, a flow, a
// variant) accepts, aliases included.
func SettingKeys() []string { return slices.Clone(settingKeys) }
