package vocab

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// AnchorError is a refused anchor_date; OutOfRange is a date-time of the right shape with a
// field out of range (month 13, say). The front-end words it.
type AnchorError struct{ OutOfRange bool }

func (e *AnchorError) Error() string {
	if e.OutOfRange {
		return "anchor date out of range"
	}
	return "not an anchor date"
}

// anchorRE is pendulum.parse's ISO 8601 date-time.
var anchorRE = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[-+]\d{2}(?::?\d{2})?)?$`)

// ParseAnchor reads an interval schedule's anchor date written in forms: under GoForms an RFC
// 3339 time; under PydanticForms as Prefect does (pendulum.parse): ISO 8601, and a date or time
// without an offset is UTC.
func ParseAnchor(s string, forms Forms) (time.Time, error) {
	if forms == GoForms {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return t, &AnchorError{}
		}
		return t, nil
	}
	m := anchorRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return time.Time{}, &AnchorError{}
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
		return time.Time{}, &AnchorError{OutOfRange: true}
	}
	return time.Date(year, time.Month(month), day, hour, minute, second, nsec, loc), nil
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// FormatAnchor writes an anchor date as RFC 3339 with its fraction and offset, "Z" for UTC:
// what prefect deploy sends.
func FormatAnchor(t time.Time) string {
	if _, off := t.Zone(); off == 0 {
		t = t.UTC()
	}
	return t.Format(time.RFC3339Nano)
}
