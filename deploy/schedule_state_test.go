package deploy

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
)

// TestKeepScheduleStates checks which server-side schedule states a redeploy keeps: a schedule
// switched off on the server stays off unless the config decides, matched by timing and
// parameters, or by timing alone when exactly one schedule has it.
func TestKeepScheduleStates(t *testing.T) {
	t.Parallel()
	tz, yes := "Europe/Berlin", true
	slug := "nightly"
	cron := func(expr string, active bool, params map[string]any) prefect.DeploymentSchedule {
		return prefect.DeploymentSchedule{Schedule: prefect.Schedule{Cron: expr, Timezone: &tz}, Active: active, Parameters: params}
	}
	stored := func(s prefect.DeploymentSchedule) prefect.DeploymentSchedule {
		s.ID, s.Schedule.DayOr = "id-"+s.Schedule.Cron, &yes // what the server adds
		return s
	}
	withSlug := func(s prefect.DeploymentSchedule) prefect.DeploymentSchedule { s.Slug = &slug; return s }
	onServer := &prefect.Deployment{Schedules: []prefect.DeploymentSchedule{
		stored(cron("0 2 * * *", false, map[string]any{"rows": float64(7)})), // switched off in the UI
		stored(cron("0 3 * * *", true, nil)),
		stored(withSlug(cron("0 4 * * *", false, nil))),
		stored(cron("0 6 * * *", false, map[string]any{"rows": float64(1)})),
		stored(cron("0 6 * * *", false, map[string]any{"rows": float64(2)})),
	}}
	for _, tc := range []struct {
		name   string
		want   []prefect.DeploymentSchedule
		set    []bool
		active []bool
	}{
		{"unset keeps the UI switch", []prefect.DeploymentSchedule{cron("0 2 * * *", true, map[string]any{"rows": 7})}, nil, []bool{false}},
		{"set by the config wins", []prefect.DeploymentSchedule{cron("0 2 * * *", true, map[string]any{"rows": 7})}, []bool{true}, []bool{true}},
		{"parameters reset on the server, same timing", []prefect.DeploymentSchedule{cron("0 2 * * *", true, map[string]any{"rows": 8})}, nil, []bool{false}},
		{"two on the server with that timing: none is chosen", []prefect.DeploymentSchedule{cron("0 6 * * *", true, map[string]any{"rows": 3})}, nil, []bool{true}},
		{"new schedule keeps the config's state", []prefect.DeploymentSchedule{cron("0 5 * * *", true, nil)}, []bool{false}, []bool{true}},
		{"a slug must match too", []prefect.DeploymentSchedule{cron("0 4 * * *", true, nil), withSlug(cron("0 4 * * *", true, nil))}, nil, []bool{true, false}},
		{"off in the config, on in the UI", []prefect.DeploymentSchedule{cron("0 3 * * *", false, nil)}, nil, []bool{true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tg := Target{Spec: prefect.DeploymentSpec{Schedules: tc.want}, ScheduleActiveSet: tc.set}
			before := make([]bool, len(tc.want))
			for i, s := range tc.want {
				before[i] = s.Active
			}
			keepScheduleStates(&tg, onServer)
			var got []bool
			for _, s := range tg.Spec.Schedules {
				got = append(got, s.Active)
			}
			if diff := cmp.Diff(tc.active, got); diff != "" {
				t.Errorf("active states (-want +got):\n%s", diff)
			}
			for i, s := range tc.want {
				if s.Active != before[i] {
					t.Errorf("the caller's schedule %d was modified", i)
				}
			}
		})
	}
}
