package report

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Meter shows how far the writes of a long run are: on a terminal one line rewritten in place
// ("written 120/500, 2 retrying"), elsewhere (CI logs) the same words as a new line every
// Interval, and a last line when the run ends. It is safe for concurrent use.
type Meter struct {
	w        io.Writer
	tty      bool
	total    int
	interval time.Duration
	now      func() time.Time

	mu                     sync.Mutex
	written, failed, retry int
	start, last            time.Time
	shown                  bool
}

// MeterInterval is how often a Meter writes a line when the output is not a terminal.
const MeterInterval = 10 * time.Second

// NewMeter returns a meter for total writes, showing on w; tty says w is a terminal.
func NewMeter(w io.Writer, tty bool, total int) *Meter {
	return newMeter(w, tty, total, MeterInterval, time.Now)
}

func newMeter(w io.Writer, tty bool, total int, interval time.Duration, now func() time.Time) *Meter {
	t := now()
	return &Meter{w: w, tty: tty, total: total, interval: interval, now: now, start: t, last: t}
}

// Done counts one deployment written (or failed).
func (m *Meter) Done(failed bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.written++
	if failed {
		m.failed++
	}
	m.show(false)
}

// Retrying changes the number of deployments waiting to be tried again by delta.
func (m *Meter) Retrying(delta int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.retry += delta
	m.show(false)
}

// Finish writes the last state and ends the terminal line.
func (m *Meter) Finish() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.show(true)
	if m.tty && m.shown {
		fmt.Fprintln(m.w)
	}
}

func (m *Meter) line() string {
	s := fmt.Sprintf("written %d/%d", m.written, m.total)
	if m.retry > 0 {
		s += fmt.Sprintf(", %d retrying", m.retry)
	}
	if m.failed > 0 {
		s += fmt.Sprintf(", %d failed", m.failed)
	}
	return s
}

// show writes the state: on a terminal at most ten times a second, else every interval and
// at the end.
func (m *Meter) show(final bool) {
	t := m.now()
	if m.tty {
		if !final && t.Sub(m.last) < 100*time.Millisecond && m.shown {
			return
		}
		fmt.Fprintf(m.w, "\r\x1b[K%s", m.line())
		m.last, m.shown = t, true
		return
	}
	if !final && t.Sub(m.last) < m.interval {
		return
	}
	fmt.Fprintf(m.w, "%s (%s)\n", m.line(), t.Sub(m.start).Round(time.Second))
	m.last, m.shown = t, true
}
