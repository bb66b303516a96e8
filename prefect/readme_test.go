package prefect

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// compatibilityTable is the README's feature × server table, made from Features.
func compatibilityTable() string {
	cols := []struct {
		head string
		s    ServerInfo
	}{
		{"2.19", mustParse("2.19.9")}, {"2.20", mustParse("2.20.27")}, {"3.0", mustParse("3.0.11")},
		{"3.4", mustParse("3.4.25")}, {"3.9 (newest)", mustParse("3.9.1")}, {"Cloud", ServerInfo{Cloud: true}},
	}
	var b strings.Builder
	b.WriteString("| feature | since |")
	for _, c := range cols {
		b.WriteString(" " + c.head + " |")
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(cols)) + "\n")
	b.WriteString("| deploy, unchanged redeploy, promote, schedules (cron, interval, rrule; active), parameters, pull steps, job variables, work pools and queues, paused | 2.17 |" + strings.Repeat(" yes |", len(cols)) + "\n")
	for _, f := range Features {
		fmt.Fprintf(&b, "| %s | %s |", f.Name, f.Since())
		for _, c := range cols {
			if c.s.Supports(f.Feature) {
				b.WriteString(" yes |")
			} else {
				b.WriteString(" " + f.Older + " |")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

func mustParse(v string) ServerInfo {
	s, err := ParseServerInfo(v)
	if err != nil {
		panic(err)
	}
	return s
}

// TestREADMECompatibilityTable keeps the README's table equal to Features, the one place the
// client decides what each server version gets.
func TestREADMECompatibilityTable(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want := compatibilityTable()
	if !strings.Contains(string(b), want) {
		t.Errorf("README.md lacks the compatibility table made from prefect.Features; put this in it:\n%s", want)
	}
}
