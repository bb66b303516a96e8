package vocab

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Forms says how a format writes durations and times: which written forms it reads.
type Forms uint8

const (
	// GoForms reads "1h30m" (Go's time.ParseDuration) and ISO 8601 durations in any case,
	// unsigned, with "." decimals and without years or months (no fixed length):
	// prefect-deploy.yaml's forms.
	GoForms Forms = iota
	// PydanticForms reads what pydantic's timedelta reads: ISO 8601 durations as written, signed,
	// with "." or "," decimals, a year counted as 365 days and a month as 30; and
	// "[N day[s], ][H]H:MM[:SS[.ffffff]]": prefect.yaml's forms, as prefect deploy reads them.
	PydanticForms
)

// IntervalProblem says why a duration was refused; the front-end words it.
type IntervalProblem uint8

const (
	// NotADuration: the text is none of the forms read.
	NotADuration IntervalProblem = iota + 1
	// NotAnISODuration: it starts like an ISO 8601 duration ("P...") but is not one.
	NotAnISODuration
	// CalendarUnits: an ISO duration with years or months, refused under GoDurations.
	CalendarUnits
	// NotPositive: zero or less (or not a finite number).
	NotPositive
)

// IntervalError is a refused interval.
type IntervalError struct{ Problem IntervalProblem }

func (e *IntervalError) Error() string {
	return [...]string{"", "not a duration", "not an ISO 8601 duration", "years or months have no fixed length", "not more than 0 seconds"}[e.Problem]
}

var (
	// isoDurationRE is ISO 8601's duration grammar: sign, years, months, weeks, days, then
	// T with hours, minutes and seconds; "." or "," before decimals.
	isoDurationRE = regexp.MustCompile(`^([-+])?P(?:(\d+(?:[.,]\d+)?)Y)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$`)
	// clockRE is pydantic's "[-][N day[s], ][H]H:MM[:SS[.ffffff]]".
	clockRE = regexp.MustCompile(`^([-+])?(?:(\d+)\s*(?:d|days?)(?:,\s*|\s+|$))?(?:(\d+):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$`)
)

// isoDuration is an ISO 8601 duration as written.
type isoDuration struct {
	negative, signed, comma, calendar bool
	seconds                           float64
}

// parseISODuration reads s with ISO 8601's duration grammar; ok is false for anything else,
// including "P" alone and a "T" with nothing after it.
func parseISODuration(s string) (d isoDuration, ok bool) {
	m := isoDurationRE.FindStringSubmatch(s)
	if m == nil || strings.TrimLeft(s, "+-") == "P" || strings.HasSuffix(s, "T") {
		return d, false
	}
	num := func(x string) float64 {
		f, _ := strconv.ParseFloat(strings.ReplaceAll(x, ",", "."), 64)
		return f
	}
	d.signed, d.negative = m[1] != "", m[1] == "-"
	d.comma = strings.Contains(s, ",")
	d.calendar = m[2] != "" || m[3] != ""
	d.seconds = num(m[2])*365*86400 + num(m[3])*30*86400 + num(m[4])*7*86400 + num(m[5])*86400 +
		num(m[6])*3600 + num(m[7])*60 + num(m[8])
	if d.negative {
		d.seconds = -d.seconds
	}
	return d, true
}

// DurationSeconds reads a written duration in the forms given and returns its seconds. Numbers
// of seconds are the front-end's to read (each format types them its own way); check the
// result with [CheckInterval].
func DurationSeconds(s string, forms Forms) (float64, error) {
	if forms == PydanticForms {
		if d, ok := parseISODuration(s); ok {
			return d.seconds, nil
		}
		if secs, ok := clockSeconds(s); ok {
			return secs, nil
		}
		return 0, &IntervalError{NotADuration}
	}
	up := strings.ToUpper(s)
	if strings.HasPrefix(up, "P") {
		d, ok := parseISODuration(up)
		switch {
		case (!ok || d.comma) && strings.ContainsAny(strings.SplitN(up, "T", 2)[0], "YM"), ok && d.calendar:
			return 0, &IntervalError{CalendarUnits}
		case !ok || d.comma:
			return 0, &IntervalError{NotAnISODuration}
		}
		return d.seconds, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, &IntervalError{NotADuration}
	}
	return d.Seconds(), nil
}

// clockSeconds reads pydantic's "[N day[s], ][H]H:MM[:SS[.ffffff]]".
func clockSeconds(s string) (float64, bool) {
	num := func(x string) float64 {
		f, _ := strconv.ParseFloat(x, 64)
		return f
	}
	m := clockRE.FindStringSubmatch(s)
	if m == nil || (m[2] == "" && m[3] == "") {
		return 0, false
	}
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

// CheckInterval refuses an interval that is not a finite number of seconds above 0, as
// Prefect does.
func CheckInterval(secs float64) error {
	if math.IsNaN(secs) || math.IsInf(secs, 0) || secs <= 0 {
		return &IntervalError{NotPositive}
	}
	return nil
}
