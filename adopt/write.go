package adopt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Write renders entries as a prefect.yaml file: header lines as comments on top, then
// "deployments:" with one entry each, its notes as comments above it. The output is stable:
// keys in Prefect's documented order, maps sorted.
func Write(header []string, entries []Entry) ([]byte, error) {
	deps := &yaml.Node{Kind: yaml.SequenceNode}
	for _, e := range entries {
		n, err := e.node()
		if err != nil {
			return nil, fmt.Errorf("failed to write deployment %q: %w", e.Name, err)
		}
		deps.Content = append(deps.Content, n)
	}
	root := mapping()
	addPair(root, "deployments", deps)
	root.HeadComment = strings.Join(header, "\n")
	return encode(root)
}

// encode renders root as a YAML document indented by two spaces, as both written formats are.
func encode(root *yaml.Node) ([]byte, error) {
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// fields adds key/value pairs to a mapping node in order; the first value that cannot be
// written stops it, and err says which key.
type fields struct {
	m   *yaml.Node
	err error
}

func (f *fields) set(k string, v any) {
	if f.err != nil {
		return
	}
	n, err := valueNode(v)
	if err != nil {
		f.err = fmt.Errorf("%s: %w", k, err)
		return
	}
	addPair(f.m, k, n)
}

func (e Entry) node() (*yaml.Node, error) {
	m := mapping()
	var comments []string
	if e.Source != "" {
		comments = append(comments, "from "+e.Source)
	}
	for _, n := range e.Notes {
		comments = append(comments, n.String())
	}
	for _, k := range e.SecretEnv {
		comments = append(comments, fmt.Sprintf("env %s looks like a secret: its value is not written; set %s in the deploying job's environment (a CI secret)", k, k))
	}
	m.HeadComment = strings.Join(comments, "\n")
	f := &fields{m: m}
	must := f.set
	must("name", e.Name)
	if e.Description != nil {
		must("description", *e.Description)
	}
	if e.Version != "" {
		must("version", e.Version)
	}
	must("entrypoint", e.Entrypoint)
	if len(e.Tags) > 0 {
		must("tags", e.Tags)
	}
	if len(e.Parameters) > 0 {
		must("parameters", e.Parameters)
	}
	if e.WorkPool != "" || e.WorkQueue != "" || len(e.JobVariables) > 0 {
		wp := mapping()
		if e.WorkPool != "" {
			addPair(wp, "name", scalar(e.WorkPool))
		}
		if e.WorkQueue != "" {
			addPair(wp, "work_queue_name", scalar(e.WorkQueue))
		}
		if len(e.JobVariables) > 0 {
			jv, jerr := valueNode(e.JobVariables)
			if jerr != nil {
				return nil, fmt.Errorf("job_variables: %w", jerr)
			}
			addPair(wp, "job_variables", jv)
		}
		addPair(m, "work_pool", wp)
	}
	if len(e.Schedules) > 0 {
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, s := range e.Schedules {
			sn, serr := s.node()
			if serr != nil {
				return nil, fmt.Errorf("schedules: %w", serr)
			}
			seq.Content = append(seq.Content, sn)
		}
		addPair(m, "schedules", seq)
	}
	if e.ConcurrencyLimit != nil {
		if e.CollisionStrategy == "" {
			must("concurrency_limit", *e.ConcurrencyLimit)
		} else {
			cl := map[string]any{"limit": *e.ConcurrencyLimit, "collision_strategy": e.CollisionStrategy}
			if e.GracePeriodSeconds != nil {
				cl["grace_period_seconds"] = *e.GracePeriodSeconds
			}
			must("concurrency_limit", cl)
		}
	}
	if !e.EnforceParameterSchema {
		must("enforce_parameter_schema", false)
	}
	if e.PullSet {
		steps := make([]any, len(e.PullSteps))
		for i, s := range e.PullSteps {
			steps[i] = map[string]any(s)
		}
		must("pull", steps)
	}
	if len(e.Triggers) > 0 {
		ts := make([]any, len(e.Triggers))
		for i, t := range e.Triggers {
			ts[i] = t
		}
		must("triggers", ts)
	}
	return m, f.err
}

func (s Schedule) node() (*yaml.Node, error) {
	m := mapping()
	f := &fields{m: m}
	must := f.set
	switch {
	case s.Cron != "":
		must("cron", s.Cron)
		if s.DayOr != nil {
			must("day_or", *s.DayOr)
		}
	case s.Interval != 0:
		must("interval", s.Interval)
		if s.AnchorDate != "" {
			must("anchor_date", s.AnchorDate)
		}
	case s.RRule != "":
		must("rrule", s.RRule)
	}
	if s.Timezone != "" {
		must("timezone", s.Timezone)
	}
	if s.Slug != "" {
		must("slug", s.Slug)
	}
	if !s.Active {
		must("active", false)
	}
	if len(s.Parameters) > 0 {
		must("parameters", s.Parameters)
	}
	return m, f.err
}

func mapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }

func addPair(m *yaml.Node, k string, v *yaml.Node) {
	m.Content = append(m.Content, scalar(k), v)
}

// scalar is a string node, quoted whenever YAML 1.1 (which prefect.yaml is read as) would
// read the plain text as something else: yes, on, 0755, 1:30, a date.
func scalar(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if needsQuotes(s) {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

func needsQuotes(s string) bool {
	if s == "" || strings.ContainsAny(s, "{}") {
		return true
	}
	switch strings.ToLower(s) {
	case "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~":
		return true
	}
	first := s[0]
	return (first >= '0' && first <= '9') || first == '-' || first == '+' || first == '.'
}

// valueNode renders a JSON-like value: maps with sorted keys, numbers as Prefect would read
// them back (an integral float as an integer).
func valueNode(v any) (*yaml.Node, error) {
	switch x := v.(type) {
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	case string:
		return scalar(x), nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(x)}, nil
	case int:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(x)}, nil
	case int64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(x, 10)}, nil
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: x.String()}, nil
		}
		f, err := x.Float64()
		if err != nil {
			return nil, err
		}
		return valueNode(f)
	case float64:
		if x == float64(int64(x)) && x < 1e15 && x > -1e15 {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(int64(x), 10)}, nil
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: strconv.FormatFloat(x, 'g', -1, 64)}, nil
	case []string:
		seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, s := range x {
			seq.Content = append(seq.Content, scalar(s))
		}
		return seq, nil
	case []any:
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, item := range x {
			n, err := valueNode(item)
			if err != nil {
				return nil, err
			}
			seq.Content = append(seq.Content, n)
		}
		if len(x) == 0 {
			seq.Style = yaml.FlowStyle
		}
		return seq, nil
	case []map[string]any:
		items := make([]any, len(x))
		for i := range x {
			items[i] = x[i]
		}
		return valueNode(items)
	case map[string]any:
		m := mapping()
		if len(x) == 0 {
			m.Style = yaml.FlowStyle
		}
		for _, k := range slices.Sorted(maps.Keys(x)) {
			n, err := valueNode(x[k])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			addPair(m, k, n)
		}
		return m, nil
	}
	return nil, fmt.Errorf("cannot write a %T", v)
}
