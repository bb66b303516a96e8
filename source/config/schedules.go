package config

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/source/vocab"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/yamlfile"
)

// scheduleKeys are the keys of a schedules entry.
var scheduleKeys = []string{"cron", "interval", "rrule", "timezone", "anchor_date", "day_or", "active", "parameters", "slug"}

// schedules parses a schedules list; an empty list is valid and means "no
// schedules". The bool reports whether the list was read.
func (p *parser) schedules(n *yamlfile.Node, at string) ([]Schedule, bool) {
	items, ok := p.list(n, at)
	if !ok {
		return nil, false
	}
	out := make([]Schedule, 0, len(items))
	slugs := map[string]int{}
	for i, item := range items {
		ip := fmt.Sprintf("%s[%d]", at, i)
		s, ok := p.schedule(item, ip)
		if !ok {
			continue
		}
		if s.Slug != "" {
			if first, dup := slugs[s.Slug]; dup {
				p.errorf(item, "%s.slug: %q is already used by the schedule at line %d; slugs must be unique", ip, s.Slug, first)
				continue
			}
			slugs[s.Slug] = s.Line
		}
		out = append(out, s)
	}
	return out, true
}

// cronShorthand parses the acme-style `cron:` key into one schedule.
func (p *parser) cronShorthand(n *yamlfile.Node, at string) (Schedule, bool) {
	expr, ok := p.name(n, at)
	if !ok {
		return Schedule{}, false
	}
	if err := vocab.CheckCron(expr); err != nil {
		p.errorf(n, "%s: %v", at, err)
		return Schedule{}, false
	}
	return Schedule{Cron: strings.TrimSpace(expr), Line: n.Line}, true
}

// schedule parses and checks one schedules entry.
func (p *parser) schedule(n *yamlfile.Node, at string) (Schedule, bool) {
	node := n
	s := Schedule{Line: node.Line}
	if node.Kind != yamlfile.Map {
		p.errorf(node, "%s: expected a mapping with cron, interval or rrule, got %s", at, describe(node))
		return s, false
	}
	valid := true
	keys := map[string]*yamlfile.Node{}
	for _, pr := range p.pairs(node, at) {
		key, kp, v := pr.key.Text, join(at, pr.key.Text), pr.value
		if !slices.Contains(scheduleKeys, key) {
			p.unknownKey(pr.key, at, scheduleKeys)
			valid = false
			continue
		}
		if isNull(v) {
			continue
		}
		keys[key] = pr.key
		ok := true
		switch key {
		case "cron":
			if s.Cron, ok = p.name(v, kp); ok {
				s.Cron = strings.TrimSpace(s.Cron)
				if err := vocab.CheckCron(s.Cron); err != nil {
					p.errorf(v, "%s: %v", kp, err)
					ok = false
				}
			}
		case "interval":
			s.Interval, ok = p.interval(v, kp)
		case "rrule":
			if s.RRule, ok = p.name(v, kp); ok {
				s.RRule = strings.TrimSpace(s.RRule)
				if err := vocab.CheckRRule(s.RRule); err != nil {
					p.errorf(v, "%s: %v", kp, err)
					ok = false
				}
			}
		case "timezone":
			var tz string
			if tz, ok = p.name(v, kp); ok {
				s.Timezone = &tz
				if err := vocab.CheckTimezone(tz); err != nil {
					p.errorf(v, "%s: %v", kp, err)
					ok = false
				}
			}
		case "anchor_date":
			var text string
			if text, ok = p.name(v, kp); ok {
				t, err := vocab.ParseAnchor(text, vocab.GoForms)
				if err != nil {
					p.errorf(v, "%s: %q is not an RFC 3339 time such as 2026-01-01T00:00:00Z", kp, text)
					ok = false
				} else {
					s.AnchorDate = &t
				}
			}
		case "day_or":
			s.DayOr = p.optBool(v, kp)
			ok = s.DayOr != nil
		case "active":
			s.Active = p.optBool(v, kp)
			ok = s.Active != nil
		case "parameters":
			s.Parameters = p.anyMap(v, kp)
			ok = s.Parameters != nil
		case "slug":
			s.Slug, ok = p.name(v, kp)
		}
		valid = valid && ok
	}
	var kinds []string
	for _, k := range vocab.ScheduleKinds {
		if keys[k] != nil {
			kinds = append(kinds, k)
		}
	}
	switch len(kinds) {
	case 0:
		if valid { // else an unknown key such as "crn" was already reported
			p.errorf(node, "%s: needs exactly one of cron, interval or rrule", at)
		}
		return s, false
	case 1:
	default:
		p.errorf(keys[kinds[1]], "%s: has both %s and %s; use exactly one of cron, interval or rrule", at, kinds[0], kinds[1])
		return s, false
	}
	if k := keys["anchor_date"]; k != nil && kinds[0] != "interval" {
		p.errorf(k, "%s.anchor_date: applies to interval schedules only", at)
		valid = false
	}
	if k := keys["day_or"]; k != nil && kinds[0] != "cron" {
		p.errorf(k, "%s.day_or: applies to cron schedules only", at)
		valid = false
	}
	return s, valid
}

// interval parses an interval: seconds as a number, a Go duration such as
// "1h30m" or an ISO 8601 duration such as "PT1H".
func (p *parser) interval(n *yamlfile.Node, at string) (float64, bool) {
	if !isScalar(n) {
		p.errorf(n, "%s: expected seconds or a duration such as \"1h30m\" or \"PT1H\", got %s", at, describe(n))
		return 0, false
	}
	secs, err := parseInterval(n.Text, n.Tag)
	if err != nil {
		p.errorf(n, "%s: %v", at, err)
		return 0, false
	}
	return secs, true
}

// parseInterval turns the scalar text with YAML tag into seconds: a number (or a string that
// is one) is seconds; anything else is a duration in the vocabulary's Go forms.
func parseInterval(text, tag string) (float64, error) {
	var secs float64
	switch f, numErr := strconv.ParseFloat(text, 64); {
	case tag == "!!int" || tag == "!!float" || numErr == nil:
		if numErr != nil {
			return 0, fmt.Errorf("%q is not a number of seconds", text)
		}
		secs = f
	default:
		s, err := vocab.DurationSeconds(text, vocab.GoForms)
		if err != nil {
			return 0, intervalMessage(text, err)
		}
		secs = s
	}
	if vocab.CheckInterval(secs) != nil {
		return 0, fmt.Errorf("must be more than 0 seconds, got %s", text)
	}
	return secs, nil
}

// intervalMessage words a refused duration.
func intervalMessage(text string, err error) error {
	var ie *vocab.IntervalError
	errors.As(err, &ie)
	up := strings.ToUpper(text)
	switch {
	case ie != nil && ie.Problem == vocab.CalendarUnits:
		return fmt.Errorf("%q uses years or months, which have no fixed length; use weeks, days, hours, minutes or seconds", up)
	case ie != nil && ie.Problem == vocab.NotAnISODuration:
		return fmt.Errorf("%q is not an ISO 8601 duration such as \"PT1H\" or \"P1DT12H\"", up)
	}
	return fmt.Errorf("%q is not seconds or a duration such as \"1h30m\" or \"PT1H\"", text)
}
