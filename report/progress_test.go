package report

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeClock advances only when told.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestMeterInCILogs(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	var b bytes.Buffer
	m := newMeter(&b, false, 500, 10*time.Second, clock.now)
	for i := 0; i < 120; i++ {
		m.Done(false)
	}
	m.Retrying(2)
	clock.t = clock.t.Add(11 * time.Second)
	m.Done(false) // a line: 10 s have passed
	for i := 0; i < 378; i++ {
		m.Done(i == 0)
	}
	m.Retrying(-2)
	clock.t = clock.t.Add(3 * time.Second)
	m.Finish()
	want := "written 121/500, 2 retrying (11s)\nwritten 499/500, 1 failed (14s)\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("CI log lines (-want +got):\n%s", diff)
	}
}

func TestMeterOnATerminal(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	var b bytes.Buffer
	m := newMeter(&b, true, 3, 10*time.Second, clock.now)
	m.Done(false)
	m.Retrying(1)
	clock.t = clock.t.Add(time.Second)
	m.Done(false)
	m.Retrying(-1)
	m.Done(false)
	m.Finish()
	want := "\r\x1b[Kwritten 1/3" + "\r\x1b[Kwritten 2/3, 1 retrying" + "\r\x1b[Kwritten 3/3\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("terminal line (-want +got):\n%s", diff)
	}
}
