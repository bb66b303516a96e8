package discover

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFindCalls(t *testing.T) {
	src := `from prefect.deployments import Deployment
from prefect.server.schemas.schedules import CronSchedule as Cron
from flows.load import load_nrk
import prefect.deployments

ROWS = 10
# Deployment.build_from_flow(flow=commented_out)
text = "Deployment.build_from_flow(flow=in_a_string)"

def deploy():
    d = Deployment.build_from_flow(
        flow=load_nrk,
        name="Default",
        parameters={"rows": ROWS, "tags": ["a", "b"]},
        schedule=Cron(cron="0 3 * * *", timezone="Europe/Oslo"),
        schedules=[Cron(cron="0 4 * * *")],
        storage=storage,
    )
    d.apply()

prefect.deployments.Deployment.build_from_flow(load_nrk, "second").apply()
other.build_from_flow(flow=load_nrk)
`
	calls, err := FindCalls("x.deployment.py", []byte(src), []string{"prefect.deployments.Deployment.build_from_flow"})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 {
		t.Fatalf("found %d calls, want 2: %+v", len(calls), calls)
	}
	c := calls[0]
	if c.Line != 11 || c.Col != 9 {
		t.Errorf("first call at %d:%d, want 11:9", c.Line, c.Col)
	}
	kw := map[string]Value{}
	for _, k := range c.Kwargs {
		kw[k.Name] = k.Value
	}
	if f := kw["flow"]; f.Name != "load_nrk" || f.Qualified != "flows.load.load_nrk" || f.Line != 12 {
		t.Errorf("flow = %+v", f)
	}
	if n := kw["name"]; !n.IsLiteral || n.Literal != "Default" {
		t.Errorf("name = %+v", n)
	}
	if diff := cmp.Diff(map[string]any{"rows": int64(10), "tags": []any{"a", "b"}}, kw["parameters"].Literal); diff != "" {
		t.Errorf("parameters (-want +got):\n%s", diff)
	}
	if s := kw["schedule"].Call; s == nil || s.Func != "prefect.server.schemas.schedules.CronSchedule" || len(s.Kwargs) != 2 || s.Kwargs[1].Value.Literal != "Europe/Oslo" {
		t.Errorf("schedule = %+v", kw["schedule"])
	}
	if items := kw["schedules"].Items; len(items) != 1 || items[0].Call == nil || items[0].Call.Kwargs[0].Value.Literal != "0 4 * * *" {
		t.Errorf("schedules = %+v", kw["schedules"])
	}
	if st := kw["storage"]; st.IsLiteral || st.Name != "storage" || st.Qualified != "" || st.Text != "storage" {
		t.Errorf("storage = %+v", st)
	}
	if second := calls[1]; len(second.Args) != 2 || second.Args[1].Literal != "second" {
		t.Errorf("second call = %+v", second)
	}
	_, err = FindCalls("bad.py", []byte("def f(:\n"), []string{"x"})
	if err == nil || !strings.HasPrefix(err.Error(), "bad.py:1:") {
		t.Errorf("invalid Python: err = %v, want one at bad.py:1:", err)
	}
}

// TestDiscoverCalls finds calls across a repository, evaluating a constant imported from
// another file and a timedelta.
func TestDiscoverCalls(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"constants.py": "KEYWORDS = ['prices', 'fx']\nHOURS = 2\n",
		"flows/etl.py": "from prefect import flow\n\n@flow\ndef etl(keywords: list = []):\n    pass\n",
		"flows/etl.deployment.py": `from datetime import timedelta
from prefect.deployments import Deployment
from prefect.server.schemas.schedules import IntervalSchedule
from constants import KEYWORDS, HOURS
from flows.etl import etl

Deployment.build_from_flow(flow=etl, name="hourly", parameters={"keywords": KEYWORDS},
    schedule=IntervalSchedule(interval=timedelta(hours=HOURS, minutes=30)))
`,
	}
	for name, text := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Discover(root, Options{Calls: []string{"prefect.deployments.Deployment.build_from_flow"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Calls) != 1 || res.Calls[0].File != "flows/etl.deployment.py" || res.Calls[0].Line != 7 {
		t.Fatalf("calls = %+v", res.Calls)
	}
	kw := map[string]Value{}
	for _, k := range res.Calls[0].Kwargs {
		kw[k.Name] = k.Value
	}
	if diff := cmp.Diff(map[string]any{"keywords": []any{"prices", "fx"}}, kw["parameters"].Literal); diff != "" {
		t.Errorf("parameters (-want +got):\n%s", diff)
	}
	s := kw["schedule"].Call
	if s == nil || s.Func != "prefect.server.schemas.schedules.IntervalSchedule" || s.Kwargs[0].Value.Literal != float64(9000) {
		t.Errorf("schedule = %+v", kw["schedule"].Call)
	}
	if f := kw["flow"]; f.Qualified != "flows.etl.etl" {
		t.Errorf("flow = %+v", f)
	}
}
