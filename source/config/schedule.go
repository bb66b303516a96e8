package config

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // timezone checks must not depend on the runner's zoneinfo

	"github.com/robfig/cron/v3"
	"github.com/teambition/rrule-go"
	"go.yaml.in/yaml/v3"
)

// maxRRuleLength is the longest rrule Prefect accepts.
const maxRRuleLength = 6500

var (
	// cronDescriptors are the @-forms Prefect's cron parser (croniter) knows.
	cronDescriptors = []string{"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}
	// hashedCronRE matches croniter's hashed (H) and random (R) values,
	// which Prefect rejects.
	hashedCronRE = regexp.MustCompile(`(?i)^[HR](\(|/|$)`)
	// nthWeekdayRE matches croniter's "weekday#n" in the day-of-week field.
	nthWeekdayRE = regexp.MustCompile(`^([0-7]|[A-Za-z]{3})#[1-5]$`)
	// sundaySevenRE matches a standalone 7 (Sunday in croniter).
	sundaySevenRE = regexp.MustCompile(`(^|[^0-9/])7($|[^0-9])`)
	// isoDurationRE matches ISO 8601 durations without years and months.
	isoDurationRE = regexp.MustCompile(`^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$`)
	// cronParser is the standard five-field parser with descriptors.
	cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
)

// schedules parses a schedules list; an empty list is valid and means "no
// schedules". The bool reports whether the list was read.
func (p *parser) schedules(n *yaml.Node, at string) ([]Schedule, bool) {
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
				p.errorf(resolve(item), "%s.slug: %q is already used by the schedule at line %d; slugs must be unique", ip, s.Slug, first)
				continue
			}
			slugs[s.Slug] = s.Line
		}
		out = append(out, s)
	}
	return out, true
}

// cronShorthand parses the acme-style `cron:` key into one schedule.
func (p *parser) cronShorthand(n *yaml.Node, at string) (Schedule, bool) {
	expr, ok := p.name(n, at)
	if !ok {
		return Schedule{}, false
	}
	if err := checkCron(expr); err != nil {
		p.errorf(resolve(n), "%s: %v", at, err)
		return Schedule{}, false
	}
	return Schedule{Cron: strings.TrimSpace(expr), Line: resolve(n).Line}, true
}

// schedule parses and checks one schedules entry.
func (p *parser) schedule(n *yaml.Node, at string) (Schedule, bool) {
	node := resolve(n)
	s := Schedule{Line: node.Line}
	if node.Kind != yaml.MappingNode {
		p.errorf(node, "%s: expected a mapping with cron, interval or rrule, got %s", at, describe(node))
		return s, false
	}
	valid := true
	keys := map[string]*yaml.Node{}
	for _, pr := range p.pairs(node, at) {
		key, kp, v := pr.key.Value, join(at, pr.key.Value), resolve(pr.value)
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
				if err := checkCron(s.Cron); err != nil {
					p.errorf(v, "%s: %v", kp, err)
					ok = false
				}
			}
		case "interval":
			s.Interval, ok = p.interval(v, kp)
		case "rrule":
			if s.RRule, ok = p.name(v, kp); ok {
				s.RRule = strings.TrimSpace(s.RRule)
				if err := checkRRule(s.RRule); err != nil {
					p.errorf(v, "%s: %v", kp, err)
					ok = false
				}
			}
		case "timezone":
			if s.Timezone, ok = p.name(v, kp); ok {
				if err := checkTimezone(s.Timezone); err != nil {
					p.errorf(v, "%s: %v", kp, err)
					ok = false
				}
			}
		case "anchor_date":
			var text string
			if text, ok = p.name(v, kp); ok {
				t, err := time.Parse(time.RFC3339, text)
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
	for _, k := range []string{"cron", "interval", "rrule"} {
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
func (p *parser) interval(n *yaml.Node, at string) (float64, bool) {
	if n.Kind != yaml.ScalarNode {
		p.errorf(n, "%s: expected seconds or a duration such as \"1h30m\" or \"PT1H\", got %s", at, describe(n))
		return 0, false
	}
	secs, err := parseInterval(n.Value, n.ShortTag())
	if err != nil {
		p.errorf(n, "%s: %v", at, err)
		return 0, false
	}
	return secs, true
}

// parseInterval turns the scalar text with YAML tag into seconds.
func parseInterval(text, tag string) (float64, error) {
	var secs float64
	switch f, numErr := strconv.ParseFloat(text, 64); {
	case tag == "!!int" || tag == "!!float" || numErr == nil:
		if numErr != nil {
			return 0, fmt.Errorf("%q is not a number of seconds", text)
		}
		secs = f
	case strings.HasPrefix(strings.ToUpper(text), "P"):
		s, err := parseISODuration(strings.ToUpper(text))
		if err != nil {
			return 0, err
		}
		secs = s
	default:
		d, err := time.ParseDuration(text)
		if err != nil {
			return 0, fmt.Errorf("%q is not seconds or a duration such as \"1h30m\" or \"PT1H\"", text)
		}
		secs = d.Seconds()
	}
	if math.IsNaN(secs) || math.IsInf(secs, 0) || secs <= 0 {
		return 0, fmt.Errorf("must be more than 0 seconds, got %s", text)
	}
	return secs, nil
}

// parseISODuration parses an ISO 8601 duration with weeks, days, hours,
// minutes and seconds. Years and months have no fixed length and are refused.
func parseISODuration(s string) (float64, error) {
	m := isoDurationRE.FindStringSubmatch(s)
	if m == nil || s == "P" || strings.HasSuffix(s, "T") {
		if strings.ContainsAny(strings.SplitN(s, "T", 2)[0], "YM") {
			return 0, fmt.Errorf("%q uses years or months, which have no fixed length; use weeks, days, hours, minutes or seconds", s)
		}
		return 0, fmt.Errorf("%q is not an ISO 8601 duration such as \"PT1H\" or \"P1DT12H\"", s)
	}
	var total float64
	for i, unit := range []float64{7 * 86400, 86400, 3600, 60, 1} {
		if m[i+1] == "" {
			continue
		}
		v, err := strconv.ParseFloat(m[i+1], 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not an ISO 8601 duration", s)
		}
		total += v * unit
	}
	return total, nil
}

// checkCron reports whether Prefect accepts expr as a cron schedule. It
// uses robfig/cron's standard parser, after rewriting the croniter
// extensions Prefect also accepts ("L" as day of month, "weekday#n" and 7
// for Sunday as day of week), and rejects hashed (H) and random (R) values
// and forms Prefect does not know (@every, TZ= prefixes, seconds fields).
func checkCron(expr string) error {
	expr = strings.TrimSpace(expr)
	if strings.HasPrefix(expr, "TZ=") || strings.HasPrefix(expr, "CRON_TZ=") {
		return fmt.Errorf("invalid cron expression %q: put the time zone in timezone:, not in the expression", expr)
	}
	if strings.HasPrefix(expr, "@") {
		d := strings.ToLower(strings.Fields(expr)[0])
		if d == "@every" {
			return fmt.Errorf("invalid cron expression %q: @every is not a Prefect cron; use an interval schedule", expr)
		}
		if !slices.Contains(cronDescriptors, d) || len(strings.Fields(expr)) != 1 {
			return fmt.Errorf("invalid cron expression %q: unknown descriptor; use one of %s", expr, strings.Join(cronDescriptors, ", "))
		}
		return nil
	}
	fields := strings.Fields(expr)
	if len(fields) != 5 {
		return fmt.Errorf("invalid cron expression %q: want 5 fields (minute hour day-of-month month day-of-week), got %d", expr, len(fields))
	}
	for _, f := range fields {
		for part := range strings.SplitSeq(f, ",") {
			if hashedCronRE.MatchString(part) {
				return fmt.Errorf("invalid cron expression %q: hashed (H) and random (R) values are not accepted by Prefect", expr)
			}
		}
	}
	if fields[2] == "L" || fields[2] == "l" {
		fields[2] = "28"
	}
	dow := strings.Split(fields[4], ",")
	for i, part := range dow {
		if m := nthWeekdayRE.FindStringSubmatch(part); m != nil {
			part = m[1]
		}
		dow[i] = sundaySevenRE.ReplaceAllString(part, "${1}6$2")
	}
	fields[4] = strings.Join(dow, ",")
	if _, err := cronParser.Parse(strings.Join(fields, " ")); err != nil {
		return fmt.Errorf("invalid cron expression %q: %s", expr, cronFieldProblem(fields, strings.Fields(expr)))
	}
	return nil
}

// cronFields names the five fields of a cron expression and what each accepts.
var cronFields = []struct{ name, accepts string }{
	{"minute", "0-59"},
	{"hour", "0-23"},
	{"day-of-month", "1-31 or L"},
	{"month", "1-12 or JAN-DEC"},
	{"day-of-week", "0-7 or SUN-SAT (5#2: the second Friday)"},
}

// cronFieldProblem names the first field of a rejected expression that the parser refuses on
// its own, in words rather than the parser's (written is the expression as the user wrote it).
func cronFieldProblem(fields, written []string) string {
	for i := range fields {
		probe := []string{"*", "*", "*", "*", "*"}
		probe[i] = fields[i]
		if _, err := cronParser.Parse(strings.Join(probe, " ")); err != nil {
			return fmt.Sprintf("the %s field %q is not valid: use %s, *, a list a,b, a range a-b or a step */n", cronFields[i].name, written[i], cronFields[i].accepts)
		}
	}
	return "the fields do not form a valid schedule"
}

// checkRRule reports whether s parses as an RFC 5545 recurrence rule, either
// a bare rule ("FREQ=WEEKLY;BYDAY=MO") or lines with DTSTART, RRULE, RDATE
// and EXDATE.
func checkRRule(s string) error {
	if len(s) > maxRRuleLength {
		return fmt.Errorf("rrule is %d characters long; Prefect accepts at most %d", len(s), maxRRuleLength)
	}
	text := strings.TrimSpace(s)
	var err error
	if !strings.Contains(text, "\n") && !strings.Contains(text, ":") {
		_, err = rrule.StrToRRule(text)
	} else {
		lines := strings.Split(text, "\n")
		for i := range lines {
			lines[i] = strings.TrimSpace(lines[i])
		}
		hasRule := false
		for _, l := range lines {
			if strings.HasPrefix(strings.ToUpper(l), "RRULE:") {
				hasRule = true
			}
		}
		if !hasRule {
			err = errors.New("no RRULE line")
		} else {
			_, err = rrule.StrSliceToRRuleSet(lines)
		}
	}
	if err != nil {
		return fmt.Errorf("invalid rrule %q: %v", s, err)
	}
	return nil
}

// checkTimezone reports whether tz is an IANA time zone name.
func checkTimezone(tz string) error {
	if tz == "Local" {
		return errors.New(`"Local" is not a time zone name; use an IANA name such as "Europe/Berlin"`)
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return fmt.Errorf("unknown time zone %q; use an IANA name such as \"Europe/Berlin\" or \"UTC\"", tz)
	}
	return nil
}
