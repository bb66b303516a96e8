package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
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
	flowKeys          = append([]string{"environments", "deployments"}, settingKeys...)
	variantKeys       = append([]string{"variant", "environments"}, settingKeys...)
	codeSourceKeys    = []string{"type", "repository", "directory", "credentials", "access_token_env", "follow_head", "mainline"}
	concurrencyKeys   = []string{"limit", "collision_strategy", "grace_period_seconds"}
	scheduleKeys      = []string{"cron", "interval", "rrule", "timezone", "anchor_date", "day_or", "active", "parameters", "slug"}
	settingAliases    = map[string]string{"work_pool_name": "work_pool", "work_queue_name": "work_queue"}
	envNameRE         = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	yamlErrorLineRE   = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	blockReferenceRE  = regexp.MustCompile(`^\{\{\s*prefect\.blocks\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\s*\}\}$`)
	tokenPrefixes     = []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-"}
	triggerTypes      = []string{"event", "metric", "compound", "sequence"}
	collisionStrategy = []string{CollisionEnqueue, CollisionCancelNew}
)

// credentialsAdvice ends every error about a secret written into the file.
const credentialsAdvice = "never put credentials in the config file; reference a block or use access_token_env"

// standardizeFlow gives the standard form of a flow key or variant name.
func standardizeFlow(s string) string { return naming.StandardizeFlow(s) }

// parser walks one file's YAML nodes and collects every problem it finds.
type parser struct {
	file   string
	errs   Errors
	budget int
}

// pair is one key and its value in a mapping.
type pair struct {
	key, value *yaml.Node
}

// errorf records a problem at n.
func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	line, col := 1, 1
	if n != nil && n.Line > 0 {
		line, col = n.Line, max(n.Column, 1)
	}
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Column: col, Message: fmt.Sprintf(format, args...)})
}

// syntaxError records a YAML syntax error. The YAML library's messages
// carry no column and often the line where the enclosing block starts, so
// the line is found as the first line at which the file, cut after that
// line, fails with the same message; the column is that line's first
// non-blank character.
func (p *parser) syntaxError(data []byte, err error) {
	msg := yamlMessage(err)
	line, col := 1, 1
	end := 0
	for i, l := range bytes.SplitAfter(data, []byte("\n")) {
		end += len(l)
		if e := decodeAll(data[:end]); e != nil && yamlMessage(e) == msg {
			line = i + 1
			col = 1 + utf8.RuneCount(l) - utf8.RuneCount(bytes.TrimLeft(l, " "))
			break
		}
	}
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Column: col, Message: "invalid YAML: " + msg})
}

// yamlMessage strips the "yaml: line N: " prefix from a YAML error.
func yamlMessage(err error) string {
	msg := err.Error()
	if m := yamlErrorLineRE.FindStringSubmatch(msg); m != nil {
		return m[2]
	}
	return strings.TrimPrefix(msg, "yaml: ")
}

// decodeAll parses every document in data and returns the first error.
func decodeAll(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// join appends key to a dotted path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is absent or an explicit YAML null.
func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// describe names the YAML type of n for error messages.
func describe(n *yaml.Node) string {
	n = resolve(n)
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "null"
		case "!!bool":
			return "a boolean"
		case "!!int":
			return "an integer"
		case "!!float":
			return "a number"
		case "!!timestamp":
			return "a timestamp"
		default:
			return "a string"
		}
	}
	return "an unknown node"
}

// parseFile parses the whole file.
func (p *parser) parseFile(data []byte) *File {
	p.budget = valueBudget
	f := &File{Path: p.file}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if !errors.Is(err, io.EOF) {
			p.syntaxError(data, err)
		}
		return f
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		p.errorf(&next, "only one YAML document is allowed in the config file")
	case !errors.Is(err, io.EOF):
		p.syntaxError(data, err)
	}
	if len(doc.Content) == 0 || isNull(doc.Content[0]) {
		return f
	}
	root := resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		p.errorf(root, "expected a mapping at the top level, got %s", describe(root))
		return f
	}
	for _, pr := range p.pairs(root, "") {
		key, v := pr.key.Value, pr.value
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
					p.errorf(resolve(v), "project: %q has no ASCII letter or digit", s)
				} else {
					f.Project = s
				}
			}
		case "source_root":
			if s, ok := p.name(v, key); ok {
				if path.IsAbs(s) || strings.HasPrefix(s, `\`) || (len(s) > 1 && s[1] == ':') {
					p.errorf(resolve(v), "source_root: %q must be relative to the config file's directory", s)
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
			if resolve(v).Kind == yaml.MappingNode && suggest(key, topKeys) == "" {
				hint = "; flow settings go under flows: (acme-portal-sdk's file lists flows at the top level)"
			}
			p.unknownKeyHint(pr.key, "", topKeys, hint)
		}
	}
	return f
}

// pairs returns the key/value pairs of mapping n with "<<" merge keys
// expanded (explicit keys win over merged ones, earlier merges over later
// ones), reporting duplicate and non-scalar keys.
func (p *parser) pairs(n *yaml.Node, path string) []pair {
	var out, merged []pair
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.errorf(k, "%s: keys must be strings, got %s", orRoot(path), describe(k))
			continue
		}
		if k.ShortTag() == "!!merge" {
			merged = append(merged, p.mergePairs(v, path)...)
			continue
		}
		if first, dup := seen[k.Value]; dup {
			p.errorf(k, "%s: duplicate key (first at line %d)", join(path, k.Value), first.Line)
			continue
		}
		seen[k.Value] = k
		out = append(out, pair{k, v})
	}
	for _, m := range merged {
		if _, dup := seen[m.key.Value]; dup {
			continue
		}
		seen[m.key.Value] = m.key
		out = append(out, m)
	}
	return out
}

// mergePairs returns the pairs a "<<" merge key brings in.
func (p *parser) mergePairs(v *yaml.Node, path string) []pair {
	v = resolve(v)
	switch v.Kind {
	case yaml.MappingNode:
		return p.pairs(v, path)
	case yaml.SequenceNode:
		var out []pair
		for _, item := range v.Content {
			if item = resolve(item); item.Kind != yaml.MappingNode {
				p.errorf(item, "%s: a << merge needs mappings, got %s", orRoot(path), describe(item))
				continue
			}
			out = append(out, p.pairs(item, path)...)
		}
		return out
	}
	p.errorf(v, "%s: a << merge needs a mapping or a list of mappings, got %s", orRoot(path), describe(v))
	return nil
}

// orRoot names the top level in messages.
func orRoot(path string) string {
	if path == "" {
		return "top level"
	}
	return path
}

// unknownKey reports key k, which is not one of allowed.
func (p *parser) unknownKey(k *yaml.Node, path string, allowed []string) {
	p.unknownKeyHint(k, path, allowed, "")
}

// unknownKeyHint reports key k with a "did you mean" suggestion or hint.
func (p *parser) unknownKeyHint(k *yaml.Node, path string, allowed []string, hint string) {
	if s := suggest(k.Value, allowed); s != "" {
		hint = fmt.Sprintf("; did you mean %q?", s)
	}
	p.errorf(k, "%s: unknown key%s", join(path, k.Value), hint)
}

// mapping returns the pairs of n, or reports that n is not a mapping. A
// null n is an empty mapping.
func (p *parser) mapping(n *yaml.Node, path string) ([]pair, bool) {
	if isNull(n) {
		return nil, true
	}
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s: expected a mapping, got %s", path, describe(n))
		return nil, false
	}
	return p.pairs(n, path), true
}

// list returns the items of sequence n, or reports that n is not a list.
func (p *parser) list(n *yaml.Node, path string) ([]*yaml.Node, bool) {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "%s: expected a list, got %s", path, describe(n))
		return nil, false
	}
	return n.Content, true
}

// text returns the scalar n as written; any scalar but null is accepted.
func (p *parser) text(n *yaml.Node, path string) (string, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		p.errorf(n, "%s: expected a string, got %s", path, describe(n))
		return "", false
	}
	return n.Value, true
}

// name is text that must not be empty or blank.
func (p *parser) name(n *yaml.Node, path string) (string, bool) {
	s, ok := p.text(n, path)
	if ok && strings.TrimSpace(s) == "" {
		p.errorf(resolve(n), "%s: must not be empty", path)
		return "", false
	}
	return s, ok
}

// boolean returns the YAML boolean n.
func (p *parser) boolean(n *yaml.Node, path string) (bool, bool) {
	n = resolve(n)
	var b bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
		p.errorf(n, "%s: expected true or false, got %s", path, describe(n))
		return false, false
	}
	return b, true
}

// integer returns the YAML integer n.
func (p *parser) integer(n *yaml.Node, path string) (int, bool) {
	n = resolve(n)
	var i int
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil {
		p.errorf(n, "%s: expected an integer, got %s", path, describe(n))
		return 0, false
	}
	return i, true
}

// value converts n into plain Go values: map[string]any, []any, string,
// int, float64, bool or nil. Timestamps stay strings as written.
func (p *parser) value(n *yaml.Node, path string) any {
	n = resolve(n)
	if p.budget--; p.budget == 0 {
		p.errorf(n, "%s: too many values (nested aliases?)", path)
	}
	if p.budget <= 0 {
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		for _, pr := range p.pairs(n, path) {
			m[pr.key.Value] = p.value(pr.value, join(path, pr.key.Value))
		}
		return m
	case yaml.SequenceNode:
		l := make([]any, len(n.Content))
		for i, item := range n.Content {
			l[i] = p.value(item, fmt.Sprintf("%s[%d]", path, i))
		}
		return l
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil
		case "!!bool":
			var b bool
			if n.Decode(&b) == nil {
				return b
			}
		case "!!int":
			var i int
			if n.Decode(&i) == nil {
				return i
			}
			var f float64
			if n.Decode(&f) == nil {
				return f
			}
		case "!!float":
			var f float64
			if n.Decode(&f) == nil {
				if math.IsInf(f, 0) || math.IsNaN(f) {
					p.errorf(n, "%s: %s cannot be sent to Prefect (JSON has no infinity or NaN)", path, n.Value)
					return nil
				}
				return f
			}
		}
		return n.Value
	}
	return nil
}

// anyMap converts mapping n into a map of plain Go values.
func (p *parser) anyMap(n *yaml.Node, path string) map[string]any {
	if resolve(n).Kind != yaml.MappingNode {
		p.errorf(resolve(n), "%s: expected a mapping, got %s", path, describe(n))
		return nil
	}
	m, _ := p.value(n, path).(map[string]any)
	return m
}

// SettingKeys returns every settings key a level (defaults, an environment, a flow, a
// variant) accepts, aliases included.
func SettingKeys() []string { return slices.Clone(settingKeys) }
