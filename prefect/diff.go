package prefect

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Change is one field whose stored value differs from the desired one.
type Change struct {
	// Field is the API field name, e.g. "schedules" or "job_variables.env".
	Field string `json:"field"`
	// From and To are short renderings of the stored and desired values.
	From string `json:"from"`
	To   string `json:"to"`
	// Old and New are the stored and desired values themselves, for renderings that explain
	// the change in words (a plan names the env keys and tags added or removed); nil when only
	// the short renderings are known.
	Old, New any `json:"-"`
}

// Diff compares a desired deployment with the one the server holds and returns the fields that
// differ, in a stable order. It ignores what the server adds or rewrites on its own: ids and
// timestamps, system labels, the default queue, a DTSTART injected into an RRULE, the default
// parameter schema, timezone defaults, day_or defaults and number formatting.
func Diff(want *DeploymentSpec, have *Deployment) []Change {
	var out []Change
	add := func(field string, from, to any) {
		f, t := renderPair(from, to)
		out = append(out, Change{Field: field, From: f, To: t, Old: from, New: to})
	}
	if deref(have.Version) != want.Version {
		add("version", deref(have.Version), want.Version)
	}
	if deref(have.Description) != deref(want.Description) {
		add("description", deref(have.Description), deref(want.Description))
	}
	if deref(have.Entrypoint) != want.Entrypoint {
		add("entrypoint", deref(have.Entrypoint), want.Entrypoint)
	}
	if deref(have.Path) != deref(want.Path) {
		add("path", deref(have.Path), deref(want.Path))
	}
	if have.Paused != want.Paused {
		add("paused", have.Paused, want.Paused)
	}
	if have.EnforceParameterSchema != want.EnforceParameterSchema {
		add("enforce_parameter_schema", have.EnforceParameterSchema, want.EnforceParameterSchema)
	}
	if deref(have.WorkPoolName) != want.WorkPoolName {
		add("work_pool_name", deref(have.WorkPoolName), want.WorkPoolName)
	}
	wantQueue := want.WorkQueueName
	if wantQueue == "" && want.WorkPoolName != "" {
		wantQueue = "default"
	}
	if haveQueue := deref(have.WorkQueueName); want.WorkPoolName != "" && haveQueue != wantQueue {
		add("work_queue_name", haveQueue, wantQueue)
	}
	if !equalSet(have.Tags, want.Tags) {
		add("tags", sorted(have.Tags), sorted(want.Tags))
	}
	if hl, wl := userLabels(have.Labels), userLabels(want.Labels); !jsonEqual(hl, wl) {
		add("labels", hl, wl)
	}
	if !jsonEqual(orEmpty(have.Parameters), orEmpty(want.Parameters)) {
		add("parameters", have.Parameters, want.Parameters)
	}
	if !jsonEqual(schemaOrDefault(have.ParameterSchema), schemaOrDefault(want.ParameterSchema)) {
		add("parameter_openapi_schema", "…", "…")
	}
	diffJobVariables(have.JobVariables, want.JobVariables, add, func(field string, from, to, old, new any) {
		f, t := renderPair(from, to)
		out = append(out, Change{Field: field, From: f, To: t, Old: old, New: new})
	})
	if !jsonEqual(orEmptyList(have.PullSteps), orEmptyList(want.PullSteps)) {
		add("pull_steps", have.PullSteps, want.PullSteps)
	}
	if hc, wc := have.ConcurrencyLimit(), want.ConcurrencyLimit; !equalPtr(hc, wc) {
		add("concurrency_limit", hc, wc)
	}
	if !equalOptions(have.ConcurrencyOptions, want.ConcurrencyOptions) {
		add("concurrency_options", have.ConcurrencyOptions, want.ConcurrencyOptions)
	}
	if !equalSchedules(have.Schedules, want.Schedules) {
		f, t := renderPair(describeSchedules(have.Schedules), describeSchedules(want.Schedules))
		out = append(out, Change{Field: "schedules", From: f, To: t, Old: have.Schedules, New: want.Schedules})
	}
	return out
}

// diffJobVariables reports job variables per top-level key, so a plan says "job_variables.env"
// rather than the whole map.
// addRaw records a change whose short renderings (from, to) are not the values (old, new).
func diffJobVariables(have, want map[string]any, add func(string, any, any), addRaw func(field string, from, to, old, new any)) {
	keys := map[string]bool{}
	for k := range have {
		keys[k] = true
	}
	for k := range want {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		hv, hok := have[k]
		wv, wok := want[k]
		if hok && !wok && hv == nil {
			continue
		}
		if !jsonEqual(hv, wv) {
			if k == "env" {
				from, to := envKeys(hv), envKeys(wv)
				if from == to {
					to = fmt.Sprint(to) + " (values changed)"
				}
				addRaw("job_variables.env", from, to, hv, wv)
				continue
			}
			add("job_variables."+k, hv, wv)
		}
	}
}

// envKeys renders env vars as their names only: values may be secrets and never reach a plan.
func envKeys(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		if ms, ok := v.(map[string]string); ok {
			m = map[string]any{}
			for k, x := range ms {
				m[k] = x
			}
		} else {
			return v
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return "{" + strings.Join(keys, ", ") + "}"
}

func equalSchedules(have, want []DeploymentSchedule) bool {
	if len(have) != len(want) {
		return false
	}
	key := func(s DeploymentSchedule) string { return deref(s.Slug) + "\x00" + s.Schedule.Cron + s.Schedule.RRule }
	h := slices.Clone(have)
	w := slices.Clone(want)
	slices.SortStableFunc(h, func(a, b DeploymentSchedule) int { return strings.Compare(key(a), key(b)) })
	slices.SortStableFunc(w, func(a, b DeploymentSchedule) int { return strings.Compare(key(a), key(b)) })
	for i := range h {
		if !equalSchedule(h[i], w[i]) {
			return false
		}
	}
	return true
}

func equalSchedule(h, w DeploymentSchedule) bool {
	return h.Active == w.Active && SameSchedule(h, w)
}

// SameSchedule reports whether have, as the server stores it, is the schedule want describes:
// same timing, timezone, slug and parameters, whether or not both are active.
func SameSchedule(have, want DeploymentSchedule) bool {
	return jsonEqual(orEmpty(have.Parameters), orEmpty(want.Parameters)) && SameTiming(have, want)
}

// SameTiming reports whether have, as the server stores it, fires when want does: same cron,
// interval or rrule, timezone and slug; parameters and active state aside.
func SameTiming(have, want DeploymentSchedule) bool {
	h, w := have, want
	if deref(h.Slug) != deref(w.Slug) {
		return false
	}
	hs, ws := h.Schedule, w.Schedule
	switch {
	case ws.Cron != "":
		return hs.Cron == ws.Cron && boolOr(hs.DayOr, true) == boolOr(ws.DayOr, true) && deref(hs.Timezone) == deref(ws.Timezone)
	case ws.Interval != 0:
		return hs.Interval == ws.Interval && sameTZ(hs.Timezone, ws.Timezone) && (ws.AnchorDate == "" || sameTime(hs.AnchorDate, ws.AnchorDate))
	case ws.RRule != "":
		hr := hs.RRule
		if !strings.Contains(ws.RRule, "DTSTART") {
			hr = stripDTSTART(hr)
		}
		return hr == ws.RRule && sameTZ(hs.Timezone, ws.Timezone)
	}
	return reflect.DeepEqual(hs, ws)
}

// stripDTSTART removes the DTSTART line the server injects into an RRULE that had none.
func stripDTSTART(r string) string {
	lines := strings.Split(r, "\n")
	kept := lines[:0]
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "DTSTART") {
			continue
		}
		kept = append(kept, strings.TrimPrefix(l, "RRULE:"))
	}
	return strings.Join(kept, "\n")
}

func sameTZ(have, want *string) bool {
	w := deref(want)
	if w == "" {
		w = "UTC"
	}
	h := deref(have)
	if h == "" {
		h = "UTC"
	}
	return h == w
}

func sameTime(a, b string) bool {
	ta, err1 := time.Parse(time.RFC3339Nano, a)
	tb, err2 := time.Parse(time.RFC3339Nano, b)
	if err1 != nil || err2 != nil {
		return a == b
	}
	return ta.Equal(tb)
}

// DescribeSchedules renders schedules in one line for people, e.g.
// "cron 0 2 * * * Europe/Berlin; every 3600s (inactive)"; "none" when there are none.
func DescribeSchedules(s []DeploymentSchedule) string { return describeSchedules(s) }

func describeSchedules(s []DeploymentSchedule) string {
	var parts []string
	for _, x := range s {
		var d string
		switch {
		case x.Schedule.Cron != "":
			d = "cron " + x.Schedule.Cron
		case x.Schedule.Interval != 0:
			d = fmt.Sprintf("every %gs", x.Schedule.Interval)
		case x.Schedule.RRule != "":
			d = "rrule " + stripDTSTART(x.Schedule.RRule)
		}
		if tz := deref(x.Schedule.Timezone); tz != "" {
			d += " " + tz
		}
		if !x.Active {
			d += " (inactive)"
		}
		if slug := deref(x.Slug); slug != "" {
			d = slug + ": " + d
		}
		parts = append(parts, d)
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}

func equalOptions(have, want *ConcurrencyOptions) bool {
	if want == nil {
		return have == nil || have.CollisionStrategy == "" || (have.CollisionStrategy == "ENQUEUE" && have.GracePeriodSeconds == nil)
	}
	if have == nil {
		return want.CollisionStrategy == "ENQUEUE" && want.GracePeriodSeconds == nil
	}
	return have.CollisionStrategy == want.CollisionStrategy && equalPtr(have.GracePeriodSeconds, want.GracePeriodSeconds)
}

// userLabels drops the labels the server adds itself (prefect.*).
func userLabels(l map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range l {
		if !strings.HasPrefix(k, "prefect.") {
			out[k] = v
		}
	}
	return out
}

func schemaOrDefault(s map[string]any) any {
	if len(s) == 0 {
		return map[string]any{"type": "object", "properties": map[string]any{}}
	}
	return s
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func orEmptyList(l []map[string]any) []map[string]any {
	if l == nil {
		return []map[string]any{}
	}
	return l
}

// jsonEqual compares two values as JSON documents, so 3 and 3.0, or a typed struct and the map
// the server sent back, compare equal.
func jsonEqual(a, b any) bool {
	return reflect.DeepEqual(Canonical(a), Canonical(b))
}

// Canonical returns v as a JSON round trip would: maps of any, float64 numbers, []any lists.
func Canonical(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return v
	}
	return out
}

func equalSet(a, b []string) bool { return slices.Equal(sorted(a), sorted(b)) }

func sorted(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return slices.Compact(c)
}

func equalPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

// NewChange is the change of field from one value to another, rendered as Diff renders its
// changes (long values cut around where they differ).
func NewChange(field string, from, to any) Change {
	f, t := renderPair(from, to)
	return Change{Field: field, From: f, To: t}
}

// renderPair renders both sides of a change; when the values are too long to show whole, both
// are cut around the first place they differ, so the plan shows the difference.
func renderPair(from, to any) (string, string) {
	f, t := renderFull(from), renderFull(to)
	if len(f) <= maxRender && len(t) <= maxRender {
		return f, t
	}
	i := 0
	for i < len(f) && i < len(t) && f[i] == t[i] {
		i++
	}
	start := max(0, i-40)
	return window(f, start), window(t, start)
}

const maxRender = 120

func window(s string, start int) string {
	if start > len(s) {
		start = len(s)
	}
	for start > 0 && start < len(s) && !utf8.RuneStart(s[start]) {
		start--
	}
	end := min(len(s), start+maxRender)
	for end < len(s) && !utf8.RuneStart(s[end]) {
		end--
	}
	// Cut at a word (after a space, comma or semicolon), never inside a token, when one is near.
	if start > 0 {
		for i := start; i < len(s) && i < start+30; i++ {
			if isCut(s[i]) {
				start = i + 1
				break
			}
		}
	}
	if end < len(s) {
		for i := end - 1; i > start && i > end-30; i-- {
			if isCut(s[i]) {
				end = i + 1
				break
			}
		}
	}
	out := s[start:end]
	if start > 0 {
		out = "…" + out
	}
	if end < len(s) {
		out += "…"
	}
	return out
}

func isCut(b byte) bool { return b == ' ' || b == ',' || b == ';' }

// renderFull gives the single-line form of a value.
func renderFull(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return "none"
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return "none"
		}
		return renderFull(rv.Elem().Interface())
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(b)
	if s == "null" {
		return "none"
	}
	return s
}
