package deploy

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
)

// Tuning of the adaptive controller.
const (
	// adaptiveStart is the limit each phase of a run (flows, then deployments) starts at,
	// capped by the ceiling: the best fixed concurrency on a PostgreSQL-backed server, doubled
	// within two windows on a far server with room to spare, cut to one by a SQLite server's
	// first refusals.
	adaptiveStart = 4
	// minWindow is the fewest completions a measurement window counts; a window holds at least
	// two rounds of the current limit.
	minWindow = 8
	// growGain is how much faster a doubled limit must be for the doubling to stay (and go on).
	growGain = 1.2
	// stepGain is how much faster one step up or down must be to stay: measurements on a
	// loaded machine are noisy, and a controller that follows noise wanders off the best limit.
	stepGain = 1.10
	// probeEvery is how many steady windows pass between two probes.
	probeEvery = 4
	// slowRate and slowLatency: a steady window whose throughput falls under slowRate of the
	// base's while its latency rises over slowLatency of the base's tries a step down at once
	// (rising latency: the server may be thrashing); the step stays only if it pays.
	slowRate    = 0.8
	slowLatency = 1.5
	// forgetBusy is how many clean windows after a burst of busy answers the controller may try
	// the limit the server refused at again; each further burst in the run quadruples it.
	forgetBusy = 8
)

// adaptive decides how many requests the writer keeps in flight, between 1 and a ceiling.
//
// Each phase starts at adaptiveStart and doubles while throughput (requests in flight ÷ mean
// latency, times the share accepted) improves by growGain. Then, every few windows, it probes
// one step up or down (a quarter, at least one), alternately, and keeps the step only if it is
// faster by stepGain, then tries the next step the same way at once. A doubling that does not
// pay tries a step under the limit it started from; a window markedly slower with rising
// latency tries a step down at once.
// A burst of busy answers (503 or 429 on more than a quarter of a window's answers; a
// SQLite-backed server answers concurrent writes 503 "database is locked") drops the limit to
// one, then grows it again below the limit refused at, which is tried again only after ever
// longer clean spells; a Retry-After pauses new requests for its wait and halves the limit.
//
// It is a pure state machine: the caller passes the time of every event, so its decisions
// depend on nothing else and tests replay exact sequences. It is not safe for concurrent use.
type adaptive struct {
	ceiling int
	limit   int

	growing bool // doubling, until a doubling does not pay, or a refusal
	// base is the operating point the limit was adopted at; a step (limit != base.limit) is
	// being tried against it.
	base point
	// down says the next probe tries a step down.
	down     bool
	steady   int // clean windows at the current limit since it was adopted or last probed
	busyCap  int // a limit the server refused at; 0 when none is remembered
	sinceCap int // clean windows since busyCap was set
	bursts   int // bursts of refusals in the run

	changed    time.Time // when the limit last changed
	warm       int       // answers still to pass over after a change of limit
	winDone    int       // answers in the window
	winBusy    int       // of which refusals
	winLatency time.Duration
	pauseUntil time.Time
}

// point is a limit and the throughput (completions per second) and mean latency measured at it.
type point struct {
	limit   int
	rate    float64
	latency time.Duration
}

// newAdaptive returns a controller with the given ceiling (at least 1), starting at now.
func newAdaptive(ceiling int, now time.Time) *adaptive {
	a := &adaptive{ceiling: max(ceiling, 1)}
	a.limit = a.ceiling
	a.Phase(now)
	return a
}

// Limit is how many requests may be in flight now.
func (a *adaptive) Limit() int { return a.limit }

// PausedUntil is the time before which no request may start (a server's Retry-After).
func (a *adaptive) PausedUntil() time.Time { return a.pauseUntil }

// Phase starts a new kind of request at now (deployments after flows), with nothing in
// flight: their latency and throughput are not the last phase's, so measuring starts again,
// from the last limit but at most adaptiveStart. What the server refused is remembered.
func (a *adaptive) Phase(now time.Time) {
	a.limit = min(a.limit, adaptiveStart, a.ceiling)
	if a.busyCap != 0 && a.limit >= a.busyCap {
		a.limit = max(1, a.busyCap-1)
	}
	a.growing = a.limit < a.ceiling && (a.busyCap == 0 || a.limit < a.busyCap-1)
	a.base, a.steady, a.down = point{}, 0, false
	a.changed = now
	a.winDone, a.winBusy, a.winLatency, a.warm = 0, 0, 0, 0
}

// Done records a request that started at start and succeeded (or failed for a reason other than
// load) at now.
func (a *adaptive) Done(start, now time.Time) { a.answer(start, now, false) }

// Busy records a request that started at start and that the server refused at now as busy,
// asking to wait retryAfter (0: no Retry-After). A Retry-After (a rate limit) pauses new
// requests and halves the limit at once; other refusals (SQLite's "database is locked") count
// against the window's throughput, and drop the limit to one once they are more than a quarter
// of its answers. Either way the limit is cut once per burst: answers to requests that started
// before the last cut say nothing about the new limit.
func (a *adaptive) Busy(start, now time.Time, retryAfter time.Duration) {
	if retryAfter > 0 {
		if now.Add(retryAfter).After(a.pauseUntil) {
			a.pauseUntil = now.Add(retryAfter)
		}
		if !start.Before(a.changed) {
			a.cut(now, max(1, a.limit/2))
		}
		return
	}
	a.answer(start, now, true)
}

// answer counts one answer into the current window and, when the window is full, decides.
func (a *adaptive) answer(start, now time.Time, refused bool) {
	if start.Before(a.changed) {
		// Started under the previous limit: while the server's queue fills or drains, its
		// answers say nothing about the new one; nor do the first limit answers after it.
		a.winDone, a.winBusy, a.winLatency, a.warm = 0, 0, 0, a.limit
		return
	}
	if a.warm > 0 && !refused { // a refusal is news whenever it comes
		a.warm--
		return
	}
	a.winDone++
	a.winLatency += now.Sub(start)
	if refused {
		if a.winBusy++; a.winBusy >= 2 && 4*a.winBusy > a.winDone {
			a.cut(now, 1)
			return
		}
	}
	if a.winDone < a.window() {
		return
	}
	// Throughput by Little's law: limit requests in flight, each answered after the mean
	// latency, times the share the server accepted. Unlike completions counted over a clock
	// window, it does not depend on where the window's edges fall between answers that arrive
	// together.
	lat := max(a.winLatency/time.Duration(a.winDone), time.Microsecond)
	accepted := float64(a.winDone-a.winBusy) / float64(a.winDone)
	got := point{limit: a.limit, rate: float64(a.limit) * accepted / lat.Seconds(), latency: lat}
	a.winDone, a.winBusy, a.winLatency = 0, 0, 0
	before := a.limit
	a.windowEnd(got)
	if a.limit != before {
		// Answers to requests started before now are passed over, and so are the next ones
		// while the server's queue fills or drains: the old limit's worth after a step up, the
		// new limit's after a step down.
		a.changed, a.warm = now, min(a.limit, before)
	}
}

// window is how many answers the current window counts: one round of the limit while doubling
// (at least 4), two rounds otherwise (at least minWindow).
func (a *adaptive) window() int {
	if a.growing {
		return max(4, a.limit)
	}
	return max(minWindow, 2*a.limit)
}

// cut sets the limit to to after a burst of refusals and remembers the limit refused at.
func (a *adaptive) cut(now time.Time, to int) {
	a.changed = now
	a.busyCap, a.sinceCap = a.limit, 0
	a.bursts++
	a.limit = to
	a.growing, a.steady, a.down = a.limit < a.busyCap-1, 0, false
	a.base = point{}
	a.winDone, a.winBusy, a.winLatency, a.warm = 0, 0, 0, a.limit
}

// windowEnd decides the next limit from one window's measurement.
func (a *adaptive) windowEnd(got point) {
	if a.busyCap != 0 {
		if a.sinceCap++; a.sinceCap >= forgetBusy<<(2*(a.bursts-1)) {
			a.busyCap = 0
		}
	}
	switch {
	case a.base.rate == 0: // first window at this limit: it becomes the base
		a.base = got
		if a.growing {
			a.step(true, true)
		}
		return
	case got.limit > a.base.limit && a.growing: // a doubling
		if got.rate >= a.base.rate*growGain {
			a.base = got
			a.step(true, true)
			return
		}
		// More in flight did not pay: maybe fewer does. Back to the base's limit, and one step
		// under it tried against the base at once.
		a.limit, a.growing, a.steady, a.down = a.base.limit, false, 0, false
		a.step(false, false)
		return
	case got.limit != a.base.limit: // a step up or down
		up := got.limit > a.base.limit
		a.steady = 0
		if got.rate >= a.base.rate*stepGain {
			// It paid: adopt it, and try one more step the same way at once.
			a.base = got
			a.step(up, false)
			return
		}
		a.limit = a.base.limit
		return
	}
	// Steady at the base's limit.
	a.steady++
	slow := got.rate < a.base.rate*slowRate && float64(got.latency) > slowLatency*float64(a.base.latency)
	// Keep the base current: the server's speed drifts as its tables grow and its machine's load
	// changes.
	a.base = got
	if slow && a.step(false, false) {
		// Markedly slower, answering later: try a step down at once.
		a.steady = 0
		return
	}
	if a.steady < probeEvery {
		return
	}
	a.steady = 0
	// Probes alternate between a step down and one up; when one way is closed, the other.
	if !a.step(!a.down, false) {
		a.step(a.down, false)
	}
	a.down = !a.down
}

// step moves the limit one step up (doubling while growing, else a quarter more, at least
// one) or down (a quarter less, at least one), never past 1, the ceiling or up to a limit the
// server recently refused at; it reports whether the limit moved. A doubling that cannot move
// ends the growing.
func (a *adaptive) step(up, double bool) bool {
	n := a.limit - max(1, a.limit/4)
	if up {
		n = a.limit + max(1, a.limit/4)
		if double {
			n = 2 * a.limit
		}
		n = min(n, a.ceiling)
		if a.busyCap != 0 && n >= a.busyCap {
			n = max(a.limit, a.busyCap-1)
		}
	}
	n = max(n, 1)
	if n == a.limit {
		if double {
			a.growing = false
		}
		return false
	}
	a.limit = n
	return true
}

// maxBusyTries bounds the attempts the writer makes at one request the server keeps refusing
// as busy (about 10 s of waiting in all, outside the gate); after that the refusal stands (Apply
// tries such writes once more, alone, at the end, with the client's own patience).
const maxBusyTries = 12

// gate admits requests under an adaptive controller's limit. It is safe for concurrent use.
type gate struct {
	mu       sync.Mutex
	ctl      *adaptive
	inFlight int
	wake     chan struct{} // closed, and replaced, whenever a slot may have opened
	now      func() time.Time
	sleep    func(ctx context.Context, d time.Duration) error
	retrying atomic.Int64 // requests waiting to be tried again after a busy answer
	refusals int          // busy answers seen
	// trace, when set, receives every answer the gate sees (ApplyOptions.Trace).
	trace func(WriterEvent)
	phase string // of the current run
}

// WriterEvent is one answer to a write, as the writer's gate saw it: for diagnosing how the
// adaptive concurrency behaved on a server (ApplyOptions.Trace).
type WriterEvent struct {
	// At is when the answer came, and Latency how long the request took.
	At      time.Time     `json:"at"`
	Latency time.Duration `json:"latency_ms"`
	// Phase is what the writer was writing: "flows", then "deployments".
	Phase string `json:"phase"`
	// Busy says the server refused the request for load (429, 503).
	Busy bool `json:"busy,omitempty"`
	// InFlight is how many requests were in flight, this one included; Limit the controller's
	// limit once it counted the answer.
	InFlight int `json:"in_flight"`
	Limit    int `json:"limit"`
}

// MarshalJSON writes the latency in milliseconds.
func (e WriterEvent) MarshalJSON() ([]byte, error) {
	type plain WriterEvent
	return json.Marshal(struct {
		plain
		Latency float64 `json:"latency_ms"`
	}{plain(e), float64(e.Latency.Microseconds()) / 1000})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (e *WriterEvent) UnmarshalJSON(b []byte) error {
	type plain WriterEvent
	var v struct {
		plain
		Latency float64 `json:"latency_ms"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*e = WriterEvent(v.plain)
	e.Latency = time.Duration(v.Latency * float64(time.Millisecond))
	return nil
}

// newGate returns a gate with at most ceiling requests in flight.
func newGate(ceiling int) *gate {
	return &gate{ctl: newAdaptive(ceiling, time.Now()), wake: make(chan struct{}), now: time.Now, sleep: prefect.Sleep}
}

// acquire waits for a free slot (and the end of any Retry-After pause) and returns the time
// the request starts.
func (g *gate) acquire(ctx context.Context) (time.Time, error) {
	for {
		g.mu.Lock()
		now := g.now()
		wait := g.ctl.PausedUntil().Sub(now)
		if wait <= 0 && g.inFlight < g.ctl.Limit() {
			g.inFlight++
			g.mu.Unlock()
			return now, nil
		}
		wake := g.wake
		g.mu.Unlock()
		var timer *time.Timer
		var fired <-chan time.Time
		if wait > 0 {
			timer = time.NewTimer(wait)
			fired = timer.C
		}
		select {
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			return time.Time{}, ctx.Err()
		case <-wake:
		case <-fired:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// release ends a request that started at start with err and tells the controller.
func (g *gate) release(start time.Time, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	inFlight := g.inFlight
	g.inFlight--
	now := g.now()
	busy := prefect.IsBusy(err)
	if busy {
		g.refusals++
		g.ctl.Busy(start, now, prefect.RetryAfter(err))
	} else {
		g.ctl.Done(start, now)
	}
	if g.trace != nil {
		g.trace(WriterEvent{At: now, Phase: g.phase, Latency: now.Sub(start), Busy: busy, InFlight: inFlight, Limit: g.ctl.Limit()})
	}
	close(g.wake)
	g.wake = make(chan struct{})
}

// stats returns the busy answers seen so far and the current limit.
func (g *gate) stats() (refusals, limit int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.refusals, g.ctl.Limit()
}

// run calls do(ctx, i) for every i below n, as many at once as the controller allows, then
// finished(i, err) with the last error of i (finished runs concurrently: it must be safe for
// that). do runs with a context that asks the Prefect client to hand
// busy answers back at once instead of sleeping on them: a refused call goes back through the
// gate (after a short wait outside it when refused repeatedly) up to maxBusyTries times, so
// the controller sees the load and no slot sits idle through a client's backoff.
func (g *gate) run(ctx context.Context, phase string, n int, do func(ctx context.Context, i int) error, finished func(i int, err error)) {
	wctx := prefect.WithoutBusyRetries(ctx)
	g.mu.Lock()
	g.phase = phase
	g.ctl.Phase(g.now())
	g.mu.Unlock()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(g.ctl.ceiling, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				finished(i, g.try(ctx, wctx, func(ctx context.Context) error { return do(ctx, i) }))
			}
		})
	}
	wg.Wait()
}

// try makes up to maxBusyTries attempts at do through the gate.
func (g *gate) try(ctx, wctx context.Context, do func(ctx context.Context) error) error {
	var err error
	refused := false
	defer func() {
		if refused {
			g.retrying.Add(-1)
		}
	}()
	for attempt := range maxBusyTries {
		if attempt > 1 {
			// Refused again: give the server a moment, outside the gate (25 ms, doubling, ≤ 2 s).
			if serr := g.sleep(ctx, min(25*time.Millisecond<<(attempt-2), 2*time.Second)); serr != nil {
				return err
			}
		}
		start, aerr := g.acquire(ctx)
		if aerr != nil {
			if err == nil {
				err = aerr
			}
			return err
		}
		err = do(wctx)
		g.release(start, err)
		if !prefect.IsBusy(err) || ctx.Err() != nil {
			return err
		}
		if !refused {
			refused = true
			g.retrying.Add(1)
		}
	}
	return err
}

// plural is noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}
