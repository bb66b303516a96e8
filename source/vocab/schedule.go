package vocab

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // timezone checks must not depend on the runner's zoneinfo

	"github.com/robfig/cron/v3"
	"github.com/teambition/rrule-go"

	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
)

// ScheduleKinds are the keys that say what kind of schedule one is; a schedule has exactly one.
var ScheduleKinds = []string{"cron", "interval", "rrule"}

// IsScheduleKind reports whether key is one of [ScheduleKinds].
func IsScheduleKind(key string) bool { return slices.Contains(ScheduleKinds, key) }

// Schedule is one deployment schedule as every format describes it. Exactly one of Cron,
// Interval and RRule is set.
type Schedule struct {
	// Cron is a five-field cron expression or an @-descriptor.
	Cron string `json:"cron,omitempty"`
	// Interval is in seconds; 0 means unset.
	Interval float64 `json:"interval,omitempty"`
	// RRule is an RFC 5545 recurrence rule.
	RRule string `json:"rrule,omitempty"`
	// Timezone is an IANA time zone name, or nil for Prefect's default.
	Timezone *string `json:"timezone,omitempty"`
	// AnchorDate is the start of an interval schedule.
	AnchorDate *time.Time `json:"anchor_date,omitempty"`
	// DayOr is Prefect's day_or for cron schedules.
	DayOr *bool `json:"day_or,omitempty"`
	// Active false creates the schedule inactive.
	Active *bool `json:"active,omitempty"`
	// Parameters override the deployment parameters for runs of this schedule.
	Parameters map[string]any `json:"parameters,omitempty"`
	// Slug names the schedule uniquely within its deployment.
	Slug string `json:"slug,omitempty"`
	// Line is the line of the schedule in the file.
	Line int `json:"-"`
}

// Deployment is the schedule as Prefect's API takes it: active when s and allActive say so
// (an unset Active is active), parameters {} when unset, the anchor date as [FormatAnchor]
// writes it.
func (s Schedule) Deployment(allActive bool) prefect.DeploymentSchedule {
	ps := prefect.DeploymentSchedule{Active: allActive && (s.Active == nil || *s.Active), Parameters: s.Parameters}
	if ps.Parameters == nil {
		ps.Parameters = map[string]any{}
	}
	if s.Slug != "" {
		slug := s.Slug
		ps.Slug = &slug
	}
	tz := clonePtr(s.Timezone)
	switch {
	case s.Cron != "":
		ps.Schedule = prefect.Schedule{Cron: s.Cron, DayOr: s.DayOr, Timezone: tz}
	case s.Interval != 0:
		ps.Schedule = prefect.Schedule{Interval: s.Interval, Timezone: tz}
		if s.AnchorDate != nil {
			ps.Schedule.AnchorDate = FormatAnchor(*s.AnchorDate)
		}
	case s.RRule != "":
		ps.Schedule = prefect.Schedule{RRule: s.RRule, Timezone: tz}
	}
	return ps
}

// Clone returns a copy of s sharing no memory with it.
func (s Schedule) Clone() Schedule {
	s.Timezone = clonePtr(s.Timezone)
	s.AnchorDate = clonePtr(s.AnchorDate)
	s.DayOr = clonePtr(s.DayOr)
	s.Active = clonePtr(s.Active)
	if s.Parameters != nil {
		s.Parameters, _ = DeepCopy(s.Parameters).(map[string]any)
	}
	return s
}

// clonePtr returns a pointer to a copy of *p, or nil.
func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// MaxRRuleLength is the longest rrule Prefect accepts.
const MaxRRuleLength = 6500

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
	// cronParser is the standard five-field parser with descriptors.
	cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
)

// CheckCron reports whether Prefect accepts expr as a cron schedule. It
// uses robfig/cron's standard parser, after rewriting the croniter
// extensions Prefect also accepts ("L" as day of month, "weekday#n" and 7
// for Sunday as day of week), and rejects hashed (H) and random (R) values
// and forms Prefect does not know (@every, TZ= prefixes, seconds fields).
func CheckCron(expr string) error {
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

// CheckRRule reports whether s parses as an RFC 5545 recurrence rule, either
// a bare rule ("FREQ=WEEKLY;BYDAY=MO") or lines with DTSTART, RRULE, RDATE
// and EXDATE.
func CheckRRule(s string) error {
	if len(s) > MaxRRuleLength {
		return fmt.Errorf("rrule is %d characters long; Prefect accepts at most %d", len(s), MaxRRuleLength)
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

// CheckTimezone reports whether tz is an IANA time zone name.
func CheckTimezone(tz string) error {
	if tz == "Local" {
		return errors.New(`"Local" is not a time zone name; use an IANA name such as "Europe/Berlin"`)
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return fmt.Errorf("unknown time zone %q; use an IANA name such as \"Europe/Berlin\" or \"UTC\"", tz)
	}
	return nil
}
