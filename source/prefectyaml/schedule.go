package prefectyaml

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/vocab"
)

// parseInterval reads an interval as pydantic's timedelta does: seconds (a boolean is 0 or
// 1), or a duration in the vocabulary's pydantic forms (ISO 8601 with a year of 365 days and
// a month of 30, or "[N day[s], ][H]H:MM[:SS[.ffffff]]").
func parseInterval(n *node) (float64, error) {
	var secs float64
	switch n.Kind {
	case intKind:
		secs = float64(n.Int)
	case floatKind:
		if math.IsInf(n.Float, 0) || math.IsNaN(n.Float) {
			return 0, fmt.Errorf("must be a finite number of seconds")
		}
		secs = n.Float
	case boolKind:
		if n.Bool {
			secs = 1
		}
	case strKind:
		s, ok := parseDuration(n.Str)
		if !ok {
			return 0, fmt.Errorf("%s is not a duration Prefect reads; use seconds (3600), an ISO 8601 duration (PT1H) or HH:MM:SS", quoteShort(n.Str))
		}
		secs = s
	default:
		return 0, fmt.Errorf("must be seconds or a duration, not %s", describe(n))
	}
	if vocab.CheckInterval(secs) != nil {
		return 0, fmt.Errorf("must be greater than zero")
	}
	return secs, nil
}

// parseDuration reads a written duration in the vocabulary's pydantic forms.
func parseDuration(s string) (float64, bool) {
	secs, err := vocab.DurationSeconds(s, vocab.PydanticForms)
	return secs, err == nil
}

// parseAnchor reads an anchor_date as Prefect does (pendulum.parse): ISO
// 8601, and a date or time without an offset is UTC.
func parseAnchor(s string) (time.Time, error) {
	t, err := vocab.ParseAnchor(s, vocab.PydanticForms)
	var ae *vocab.AnchorError
	switch {
	case errors.As(err, &ae) && ae.OutOfRange:
		return t, fmt.Errorf("anchor_date %s is out of range", quoteShort(s))
	case err != nil:
		return t, fmt.Errorf("anchor_date %s is not an ISO 8601 date-time such as 2026-01-01T00:00:00", quoteShort(s))
	}
	return t, nil
}

// formatTime renders t as prefect deploy sends an anchor date.
func formatTime(t time.Time) string { return vocab.FormatAnchor(t) }

// buildSchedule maps a templated schedule item onto the vocabulary's schedule, with prefect
// deploy's defaults (_schedule_config_to_deployment_schedule plus DeploymentScheduleCreate's):
// active unless it says otherwise, and an interval or rrule schedule without a time zone in
// UTC.
func buildSchedule(item *node, e *errs, warn func(*node, string, ...any)) (prefect.DeploymentSchedule, bool) {
	var out vocab.Schedule
	str := func(key string) (string, *node, bool) {
		v, ok := item.Get(key)
		if !ok || v.IsNull() {
			return "", v, true
		}
		if v.Kind != strKind {
			e.at(v, "schedule %s must be a string after templating, not %s", key, describe(v))
			return "", v, false
		}
		return v.Str, v, true
	}
	ok := true
	tz, _, tzOK := str("timezone")
	ok = ok && tzOK
	if tzNode, has := item.Get("timezone"); has && !tzNode.IsNull() {
		out.Timezone = &tz
	}
	utc := func() {
		if out.Timezone == nil {
			out.Timezone = ptr("UTC")
		}
	}
	cron, _, cronOK := str("cron")
	rrule, rruleNode, rruleOK := str("rrule")
	ok = ok && cronOK && rruleOK
	intervalNode, hasInterval := item.Get("interval")
	switch {
	case cron != "":
		out.Cron = cron
		if v, has := item.Get("day_or"); has && !v.IsNull() {
			b, good := laxBool(v)
			if !good {
				e.at(v, "day_or must be true or false, not %s", describe(v))
				ok = false
			}
			out.DayOr = &b
		}
	case hasInterval && !intervalNode.IsNull() && pyTruthy(intervalNode):
		secs, err := parseInterval(intervalNode)
		if err != nil {
			e.at(intervalNode, "interval %s", err)
			return prefect.DeploymentSchedule{}, false
		}
		out.Interval = secs
		anchor, anchorNode, anchorOK := str("anchor_date")
		ok = ok && anchorOK
		if anchor != "" {
			t, err := parseAnchor(anchor)
			if err != nil {
				e.at(anchorNode, "%s", err)
				ok = false
			} else {
				out.AnchorDate = &t
			}
		}
		utc()
	case rrule != "":
		out.RRule = rrule
		var spec map[string]any
		if json.Unmarshal([]byte(rrule), &spec) == nil && spec != nil {
			r, _ := spec["rrule"].(string)
			if r == "" {
				e.at(rruleNode, "the JSON rrule form needs an \"rrule\" string")
				return prefect.DeploymentSchedule{}, false
			}
			for k := range spec {
				if k != "rrule" && k != "timezone" {
					e.at(rruleNode, "the JSON rrule form accepts only \"rrule\" and \"timezone\", not %q", k)
					ok = false
				}
			}
			out.RRule = r
			if s, isStr := spec["timezone"].(string); isStr && out.Timezone == nil {
				out.Timezone = &s
			}
		}
		utc()
	default:
		e.at(item, "a schedule needs a non-empty cron, interval or rrule (prefect deploy fails with \"Unknown schedule type\")")
		return prefect.DeploymentSchedule{}, false
	}
	if v, has := item.Get("active"); has && !v.IsNull() {
		b, good := laxBool(v)
		if !good {
			e.at(v, "active must be true or false, not %s", describe(v))
			ok = false
		}
		out.Active = &b
	}
	if v, has := item.Get("parameters"); has && pyTruthy(v) {
		if v.Kind != mapKind {
			e.at(v, "schedule parameters must be a mapping, not %s", v.Kind)
			ok = false
		} else {
			out.Parameters = v.Value().(map[string]any)
		}
	}
	slug, _, slugOK := str("slug")
	ok = ok && slugOK
	out.Slug = slug
	if v, has := item.Get("replaces"); has && pyTruthy(v) {
		warn(v, "replaces is ignored: the deployment's schedules are replaced as a whole")
	}
	return out.Deployment(true), ok
}

func ptr[T any](v T) *T { return &v }
