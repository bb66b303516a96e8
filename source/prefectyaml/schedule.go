package prefectyaml

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
)

var (
	reISODuration = regexp.MustCompile(`^([-+])?P(?:(\d+(?:[.,]\d+)?)Y)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$`)
	reClock       = regexp.MustCompile(`^([-+])?(?:(\d+)\s*(?:d|days?)(?:,\s*|\s+|$))?(?:(\d+):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$`)
)

// parseInterval reads an interval as pydantic's timedelta does: seconds, an
// ISO 8601 duration (a year is 365 days, a month 30), or
// "[N day[s], ][H]H:MM[:SS[.ffffff]]".
func parseInterval(n *node) (float64, error) {
	var secs float64
	switch n.kind {
	case intKind:
		secs = float64(n.i)
	case floatKind:
		if math.IsInf(n.f, 0) || math.IsNaN(n.f) {
			return 0, fmt.Errorf("must be a finite number of seconds")
		}
		secs = n.f
	case boolKind:
		if n.b {
			secs = 1
		}
	case strKind:
		s, ok := parseDuration(n.s)
		if !ok {
			return 0, fmt.Errorf("%s is not a duration Prefect reads; use seconds (3600), an ISO 8601 duration (PT1H) or HH:MM:SS", quoteShort(n.s))
		}
		secs = s
	default:
		return 0, fmt.Errorf("must be seconds or a duration, not %s", describe(n))
	}
	if secs <= 0 {
		return 0, fmt.Errorf("must be greater than zero")
	}
	return secs, nil
}

func parseDuration(s string) (float64, bool) {
	num := func(x string) float64 {
		f, _ := strconv.ParseFloat(strings.ReplaceAll(x, ",", "."), 64)
		return f
	}
	if m := reISODuration.FindStringSubmatch(s); m != nil && s != "P" && s != "-P" && s != "+P" && !strings.HasSuffix(s, "T") {
		total := num(m[2])*365*86400 + num(m[3])*30*86400 + num(m[4])*7*86400 + num(m[5])*86400 +
			num(m[6])*3600 + num(m[7])*60 + num(m[8])
		if m[1] == "-" {
			total = -total
		}
		return total, true
	}
	if m := reClock.FindStringSubmatch(s); m != nil && (m[2] != "" || m[3] != "") {
		total := num(m[2])*86400 + num(m[3])*3600 + num(m[4])*60 + num(m[5])
		if m[6] != "" {
			total += num("0." + m[6])
		}
		if m[3] != "" && (num(m[4]) > 59 || num(m[5]) > 59) {
			return 0, false
		}
		if m[1] == "-" {
			total = -total
		}
		return total, true
	}
	return 0, false
}

var reAnchor = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[-+]\d{2}(?::?\d{2})?)?$`)

// parseAnchor reads an anchor_date as Prefect does (pendulum.parse): ISO
// 8601, and a date or time without an offset is UTC.
func parseAnchor(s string) (time.Time, error) {
	m := reAnchor.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return time.Time{}, fmt.Errorf("anchor_date %s is not an ISO 8601 date-time such as 2026-01-01T00:00:00", quoteShort(s))
	}
	atoi := func(x string) int { i, _ := strconv.Atoi(x); return i }
	nsec := 0
	if m[7] != "" {
		frac := (m[7] + "000000000")[:9]
		nsec = atoi(frac)
	}
	loc := time.UTC
	if tz := m[8]; tz != "" && tz != "Z" && tz != "z" {
		tz = strings.ReplaceAll(tz, ":", "")
		h, mm := atoi(tz[1:3]), 0
		if len(tz) == 5 {
			mm = atoi(tz[3:5])
		}
		off := h*3600 + mm*60
		if tz[0] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
	}
	year, month, day := atoi(m[1]), atoi(m[2]), atoi(m[3])
	hour, minute, second := atoi(m[4]), atoi(m[5]), atoi(m[6])
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59 {
		return time.Time{}, fmt.Errorf("anchor_date %s is out of range", quoteShort(s))
	}
	return time.Date(year, time.Month(month), day, hour, minute, second, nsec, loc), nil
}

// buildSchedule turns a templated schedule item into what prefect deploy
// sends (_schedule_config_to_deployment_schedule plus
// DeploymentScheduleCreate's defaults).
func buildSchedule(item *node, e *errs, warn func(*node, string, ...any)) (prefect.DeploymentSchedule, bool) {
	out := prefect.DeploymentSchedule{Active: true}
	str := func(key string) (string, *node, bool) {
		v, ok := item.get(key)
		if !ok || v.isNull() {
			return "", v, true
		}
		if v.kind != strKind {
			e.at(v, "schedule %s must be a string after templating, not %s", key, describe(v))
			return "", v, false
		}
		return v.s, v, true
	}
	ok := true
	tz, _, tzOK := str("timezone")
	ok = ok && tzOK
	var tzp *string
	if tzNode, has := item.get("timezone"); has && !tzNode.isNull() {
		tzp = &tz
	}
	cron, _, cronOK := str("cron")
	rrule, rruleNode, rruleOK := str("rrule")
	ok = ok && cronOK && rruleOK
	intervalNode, hasInterval := item.get("interval")
	switch {
	case cron != "":
		out.Schedule = prefect.Schedule{Cron: cron, Timezone: tzp}
		if v, has := item.get("day_or"); has && !v.isNull() {
			b, good := laxBool(v)
			if !good {
				e.at(v, "day_or must be true or false, not %s", describe(v))
				ok = false
			}
			out.Schedule.DayOr = &b
		}
	case hasInterval && !intervalNode.isNull() && pyTruthy(intervalNode):
		secs, err := parseInterval(intervalNode)
		if err != nil {
			e.at(intervalNode, "interval %s", err)
			return out, false
		}
		out.Schedule = prefect.Schedule{Interval: secs}
		anchor, anchorNode, anchorOK := str("anchor_date")
		ok = ok && anchorOK
		if anchor != "" {
			t, err := parseAnchor(anchor)
			if err != nil {
				e.at(anchorNode, "%s", err)
				ok = false
			} else {
				out.Schedule.AnchorDate = formatTime(t)
			}
		}
		utc := "UTC"
		if tzp == nil {
			tzp = &utc
		}
		out.Schedule.Timezone = tzp
	case rrule != "":
		var spec map[string]any
		if json.Unmarshal([]byte(rrule), &spec) == nil && spec != nil {
			r, _ := spec["rrule"].(string)
			if r == "" {
				e.at(rruleNode, "the JSON rrule form needs an \"rrule\" string")
				return out, false
			}
			for k := range spec {
				if k != "rrule" && k != "timezone" {
					e.at(rruleNode, "the JSON rrule form accepts only \"rrule\" and \"timezone\", not %q", k)
					ok = false
				}
			}
			out.Schedule = prefect.Schedule{RRule: r, Timezone: tzp}
			if tzp == nil {
				jtz := "UTC"
				if s, isStr := spec["timezone"].(string); isStr {
					jtz = s
				}
				out.Schedule.Timezone = &jtz
			}
		} else {
			if tzp == nil {
				utc := "UTC"
				tzp = &utc
			}
			out.Schedule = prefect.Schedule{RRule: rrule, Timezone: tzp}
		}
	default:
		e.at(item, "a schedule needs a non-empty cron, interval or rrule (prefect deploy fails with \"Unknown schedule type\")")
		return out, false
	}
	if v, has := item.get("active"); has && !v.isNull() {
		b, good := laxBool(v)
		if !good {
			e.at(v, "active must be true or false, not %s", describe(v))
			ok = false
		}
		out.Active = b
	}
	if v, has := item.get("parameters"); has && pyTruthy(v) {
		if v.kind != mapKind {
			e.at(v, "schedule parameters must be a mapping, not %s", v.kind)
			ok = false
		} else {
			out.Parameters = v.value().(map[string]any)
		}
	}
	slug, slugNode, slugOK := str("slug")
	ok = ok && slugOK
	if slug != "" {
		out.Slug = &slug
	}
	_ = slugNode
	if v, has := item.get("replaces"); has && pyTruthy(v) {
		warn(v, "replaces is ignored: the deployment's schedules are replaced as a whole")
	}
	return out, ok
}

// formatTime renders t as RFC 3339, with "Z" for UTC.
func formatTime(t time.Time) string {
	if _, off := t.Zone(); off == 0 {
		t = t.UTC()
	}
	return t.Format(time.RFC3339Nano)
}
