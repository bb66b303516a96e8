package prefect

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestDiffShowsWhereLongValuesDiffer(t *testing.T) {
	t.Parallel()
	step := func(sha string) []map[string]any {
		return []map[string]any{{"prefect.deployments.steps.git_clone": map[string]any{
			"repository": "https://github.com/some-organisation/a-repository-with-a-long-name.git", "commit_sha": sha}}}
	}
	have := &Deployment{PullSteps: step("1111111111111111111111111111111111111111"), Entrypoint: ptrTo("f.py:f")}
	want := &DeploymentSpec{PullSteps: step("2222222222222222222222222222222222222222"), Entrypoint: "f.py:f"}
	changes := Diff(want, have)
	if len(changes) != 1 || changes[0].Field != "pull_steps" {
		t.Fatalf("Diff = %+v; want one pull_steps change", changes)
	}
	c := changes[0]
	if !strings.Contains(c.From, "1111111") || !strings.Contains(c.To, "2222222") {
		t.Errorf("the plan hides the difference: from %q to %q", c.From, c.To)
	}
}

func TestDiffIgnoresWhatTheServerRewrites(t *testing.T) {
	t.Parallel()
	utc, berlin := "UTC", "Europe/Berlin"
	have := &Deployment{
		Entrypoint: ptrTo("f.py:f"), WorkPoolName: ptrTo("pool"), WorkQueueName: ptrTo("default"),
		Labels:          map[string]any{"prefect.flow.id": "x", "ENV": "dev"},
		Schedules:       []DeploymentSchedule{{Schedule: Schedule{RRule: "DTSTART:20260101T000000\nRRULE:FREQ=DAILY", Timezone: &utc}, Active: true}, {Schedule: Schedule{Interval: 60, AnchorDate: "2026-01-01T00:00:00+00:00", Timezone: &utc}, Active: true}, {Schedule: Schedule{Cron: "0 9 * * *", Timezone: &berlin, DayOr: ptrTo(true)}, Active: true}},
		ParameterSchema: map[string]any{"type": "object", "properties": map[string]any{}},
		Parameters:      map[string]any{"n": 3.0},
	}
	want := &DeploymentSpec{
		Entrypoint: "f.py:f", WorkPoolName: "pool", Labels: map[string]any{"ENV": "dev"},
		Schedules:  []DeploymentSchedule{{Schedule: Schedule{RRule: "FREQ=DAILY"}, Active: true}, {Schedule: Schedule{Interval: 60, AnchorDate: "2026-01-01T00:00:00Z"}, Active: true}, {Schedule: Schedule{Cron: "0 9 * * *", Timezone: &berlin}, Active: true}},
		Parameters: map[string]any{"n": 3},
	}
	if diff := cmp.Diff([]Change(nil), Diff(want, have)); diff != "" {
		t.Errorf("Diff reports server rewrites as changes (-want +got):\n%s", diff)
	}
}

func TestWindowKeepsRunes(t *testing.T) {
	t.Parallel()
	s := strings.Repeat("é", 200)
	for start := 0; start < 10; start++ {
		if w := window(s, start); !utf8.ValidString(w) {
			t.Fatalf("window(%d) cut a rune: %q", start, w)
		}
	}
}

// TestWindowCutsAtAWord checks a long value is cut after a comma, not inside a tag.
func TestWindowCutsAtAWord(t *testing.T) {
	t.Parallel()
	var tags []string
	for i := 0; i < 12; i++ {
		tags = append(tags, fmt.Sprintf(`"COMMIT_HASH=%040d"`, i))
	}
	s := "[" + strings.Join(tags, ",") + "]"
	w := window(s, 50)
	body := strings.TrimSuffix(strings.TrimPrefix(w, "…"), "…")
	if !strings.HasSuffix(body, ",") || !strings.HasPrefix(body, `"COMMIT_HASH=`) {
		t.Errorf("window cut inside a tag: %q", w)
	}
}

func ptrTo[T any](v T) *T { return &v }
