package vocab

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
)

func TestDurationSecondsPerForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		forms   Forms
		want    float64
		problem IntervalProblem
	}{
		{"1h30m", GoForms, 5400, 0},
		{"PT1H", GoForms, 3600, 0},
		{"pt1h", GoForms, 3600, 0},
		{"P1W2D", GoForms, 9 * 86400, 0},
		{"PT1.5H", GoForms, 5400, 0},
		{"P1Y", GoForms, 0, CalendarUnits},
		{"P1M", GoForms, 0, CalendarUnits},
		{"P1,5D", GoForms, 0, NotAnISODuration},
		{"P", GoForms, 0, NotAnISODuration},
		{"P1DT", GoForms, 0, NotAnISODuration},
		{"-PT1H", GoForms, 0, NotADuration},
		{"01:30:00", GoForms, 0, NotADuration},
		{"PT1H", PydanticForms, 3600, 0},
		{"P1Y", PydanticForms, 365 * 86400, 0},
		{"P1M", PydanticForms, 30 * 86400, 0},
		{"P1,5D", PydanticForms, 1.5 * 86400, 0},
		{"-PT1H", PydanticForms, -3600, 0},
		{"1:30:00", PydanticForms, 5400, 0},
		{"2 days, 01:00:00", PydanticForms, 2*86400 + 3600, 0},
		{"1:61", PydanticForms, 0, NotADuration},
		{"1h", PydanticForms, 0, NotADuration},
		{"pt1h", PydanticForms, 0, NotADuration},
	}
	for _, tc := range tests {
		got, err := DurationSeconds(tc.in, tc.forms)
		var ie *IntervalError
		switch {
		case tc.problem == 0 && err != nil:
			t.Errorf("DurationSeconds(%q, %d) error %v", tc.in, tc.forms, err)
		case tc.problem != 0 && (!errors.As(err, &ie) || ie.Problem != tc.problem):
			t.Errorf("DurationSeconds(%q, %d) error %v, want problem %d", tc.in, tc.forms, err, tc.problem)
		case got != tc.want:
			t.Errorf("DurationSeconds(%q, %d) = %v, want %v", tc.in, tc.forms, got, tc.want)
		}
	}
	for _, secs := range []float64{0, -1} {
		if CheckInterval(secs) == nil {
			t.Errorf("CheckInterval(%v) accepted it", secs)
		}
	}
	if CheckInterval(0.5) != nil {
		t.Error("CheckInterval(0.5) refused it")
	}
}

func TestParseAnchorPerForms(t *testing.T) {
	t.Parallel()
	if _, err := ParseAnchor("2026-01-01T00:00:00", GoForms); err == nil {
		t.Error("GoForms accepted a date-time without an offset")
	}
	got, err := ParseAnchor("2026-01-01T00:00:00", PydanticForms)
	if err != nil || !got.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("PydanticForms: %v, %v; want midnight UTC", got, err)
	}
	var ae *AnchorError
	if _, err := ParseAnchor("2026-13-01", PydanticForms); !errors.As(err, &ae) || !ae.OutOfRange {
		t.Errorf("month 13: %v, want out of range", err)
	}
	if s := FormatAnchor(time.Date(2026, 1, 1, 9, 0, 0, 0, time.FixedZone("", 7200))); s != "2026-01-01T09:00:00+02:00" {
		t.Errorf("FormatAnchor = %s", s)
	}
}

func TestCheckCron(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"0 9 * * 1-5", "@daily", "0 9 L * *", "0 9 * * 5#2", "0 9 * * 7"} {
		if err := CheckCron(ok); err != nil {
			t.Errorf("CheckCron(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"H 9 * * *", "@every 1h", "TZ=UTC 0 9 * * *", "0 0 9 * * *", "61 * * * *"} {
		if err := CheckCron(bad); err == nil {
			t.Errorf("CheckCron(%q) accepted it", bad)
		}
	}
}

func TestScheduleDeployment(t *testing.T) {
	t.Parallel()
	off, anchor, tz := false, time.Date(2026, 1, 1, 6, 0, 0, 0, time.FixedZone("", 3600)), "Europe/Berlin"
	got := []prefect.DeploymentSchedule{
		Schedule{Cron: "0 9 * * *", Timezone: &tz, Slug: "morning"}.Deployment(true),
		Schedule{Interval: 60, AnchorDate: &anchor, Active: &off}.Deployment(true),
		Schedule{RRule: "FREQ=DAILY"}.Deployment(false),
	}
	slug := "morning"
	want := []prefect.DeploymentSchedule{
		{Schedule: prefect.Schedule{Cron: "0 9 * * *", Timezone: &tz}, Active: true, Parameters: map[string]any{}, Slug: &slug},
		{Schedule: prefect.Schedule{Interval: 60, AnchorDate: "2026-01-01T06:00:00+01:00"}, Active: false, Parameters: map[string]any{}},
		{Schedule: prefect.Schedule{RRule: "FREQ=DAILY"}, Active: false, Parameters: map[string]any{}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Deployment (-want +got):\n%s", diff)
	}
}

func TestConcurrencyAPI(t *testing.T) {
	t.Parallel()
	grace := 120
	n, opts := Concurrency{Limit: 2, CollisionStrategy: CollisionCancelNew, GracePeriodSeconds: &grace}.API()
	if *n != 2 || opts == nil || opts.CollisionStrategy != "CANCEL_NEW" || *opts.GracePeriodSeconds != 120 {
		t.Errorf("API = %d, %+v", *n, opts)
	}
	if _, opts := (Concurrency{Limit: 1}).API(); opts != nil {
		t.Errorf("a limit without a strategy has options %+v", opts)
	}
	if GoodGracePeriod(59) || !GoodGracePeriod(60) || !GoodGracePeriod(86400) || GoodGracePeriod(86401) {
		t.Error("GoodGracePeriod's bounds are not Prefect's 60..86400")
	}
}

func TestCodeSourcePullSteps(t *testing.T) {
	t.Parallel()
	git := CodeSource{Type: CodeSourceGit, Repository: "https://github.com/o/r.git", AccessTokenEnv: "TOKEN", FollowHead: true}
	want := []map[string]any{{StepGitClone: map[string]any{"repository": "https://github.com/o/r.git", "branch": "feature", "access_token": "{{ $TOKEN }}"}}}
	if diff := cmp.Diff(want, git.PullStepsAt("feature", "abc")); diff != "" {
		t.Errorf("git at a feature branch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]map[string]any{SetWorkingDirectory(DefaultImageDirectory)}, CodeSource{Type: CodeSourceImage}.PullSteps("abc")); diff != "" {
		t.Errorf("image (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"https://user:tok@github.com/o/r.git", "ftp://github.com/o/r.git", "git:pass@github.com:o/r.git"} {
		if CheckRepository(bad) == nil {
			t.Errorf("CheckRepository(%q) accepted it", bad)
		}
	}
}
