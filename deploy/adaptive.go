package deploy

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
)

// Tuning of the adaptive controller.
const (
	// adaptiveStart is the limit a run starts at (capped by the ceiling): the fastest fixed
	// concurrency on a PostgreSQL-backed server, halved at once by a SQLite server's first
	// "database is locked".
	adaptiveStart = 4
	// minWindow is the fewest completions a measurement window counts; a window holds at least
	// one round of the current limit while growing, two after.
	minWindow = 6
	// growGain is how much faster a doubled limit must be for the doubling to stay.
	growGain = 1.10
	// probeGain is how much faster one more request in flight must be for the step to stay.
	probeGain = 1.05
	// keepDown is how much of the throughput one request fewer in flight must keep to stay.
	keepDown = 0.98
	// probeEvery is how many steady windows pass between two probes one step up.
	probeEvery = 3
	// slowdown is how much slower than when its limit was adopted the server may answer, with no
	// more throughput, before the controller takes one request off.
	slowdown = 1.5
	// forgetBusy is how many clean windows after a busy answer the controller may probe the
	// limit the server refused again.
	forgetBusy = 8
)

// adaptive decides how many requests the writer keeps in flight, between 1 and a ceiling. It
// grows the limit while throughput improves (doubling at first, then one step at a time, every
// few windows), halves it when the server refuses a request as busy (429, or 503 such as SQLite's
// "database is locked"), pauses new requests for a Retry-After, and takes one request off when
// the server answers markedly slower with no gain in throughput (rising latency).
//
// It is a pure state machine: the caller passes the time of every event, so its decisions
// depend on nothing else and tests replay exact sequences. It is not safe for concurrent use.
type adaptive struct {
	ceiling int
	limit   int

	growing bool // doubling phase, until a doubling does not pay or a refusal
	// base is the operating point the limit was adopted at; trial the one being tried (a
	// doubling or a one-step probe) against it.
	base    point
	probing bool
	// probeDown says the next probe tries one request fewer.
	probeDown bool
	steady    int // clean windows at the current limit since it was adopted or last probed
	busyCap   int // a limit the server refused at; 0 when none is remembered
	sinceCap  int // clean windows since busyCap was set

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
	ceiling = max(ceiling, 1)
	return &adaptive{ceiling: ceiling, limit: min(adaptiveStart, ceiling), growing: true, changed: now}
}

// Limit is how many requests may be in flight now.
func (a *adaptive) Limit() int { return a.limit }

// PausedUntil is the time before which no request may start (a server's Retry-After).
func (a *adaptive) PausedUntil() time.Time { return a.pauseUntil }

// Done records a request that started at start and succeeded (or failed for a reason other than
// load) at now.
func (a *adaptive) Done(start, now time.Time) { a.answer(start, now, false) }

// Busy records a request that started at start and that the server refused at now as busy,
// asking to wait retryAfter (0: no Retry-After). A Retry-After (a rate limit) pauses new
// requests and halves the limit at once; other refusals (SQLite's "database is locked") count
// against the window's throughput, and halve the limit once they are more than a quarter of
// its answers. Either way the limit is cut once per burst: answers to requests that started
// before the last cut say nothing about the new limit.
func (a *adaptive) Busy(start, now time.Time, retryAfter time.Duration) {
	if retryAfter > 0 {
		if now.Add(retryAfter).After(a.pauseUntil) {
			a.pauseUntil = now.Add(retryAfter)
		}
		if !start.Before(a.changed) {
			a.cut(now)
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
			a.cut(now)
			return
		}
	}
	rounds := 2
	if a.growing {
		rounds = 1
	}
	if a.winDone < max(minWindow, rounds*a.limit) {
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
		a.changed, a.warm = now, a.limit
	}
}

// cut halves the limit and remembers the one the server refused.
func (a *adaptive) cut(now time.Time) {
	a.changed = now
	a.busyCap, a.sinceCap = a.limit, 0
	a.limit = max(1, a.limit/2)
	a.growing, a.probing, a.steady = false, false, 0
	a.base = point{limit: a.limit}
	a.winDone, a.winBusy, a.winLatency, a.warm = 0, 0, 0, a.limit
}

// windowEnd decides the next limit from one window's measurement.
func (a *adaptive) windowEnd(got point) {
	if a.busyCap != 0 {
		if a.sinceCap++; a.sinceCap >= forgetBusy {
			a.busyCap = 0
		}
	}
	switch {
	case a.base.rate == 0: // first window at this limit: it becomes the base
		a.base = got
	case a.probing && got.limit < a.base.limit:
		// One request fewer: kept unless throughput drops (the same work with less load is
		// better for the server, and a server that slows down under concurrency is faster).
		if got.rate >= a.base.rate*keepDown {
			a.base = got
		} else {
			a.limit = a.base.limit
		}
		a.probing, a.steady = false, 0
	case a.growing || a.probing:
		gain := probeGain
		if a.growing {
			gain = growGain
		}
		if got.rate >= a.base.rate*gain {
			a.base = got
		} else {
			a.limit, a.growing = a.base.limit, false // the step did not pay: back to what did
		}
		a.probing, a.steady = false, 0
	default:
		a.steady++
		if got.rate <= a.base.rate && float64(got.latency) > slowdown*float64(a.base.latency) && a.limit > 1 {
			// The server answers markedly slower for no more throughput: one request off.
			a.limit--
			a.base, a.steady = point{limit: a.limit}, 0
			return
		}
		// Keep the base current: the server's speed drifts as its tables grow.
		a.base.rate, a.base.latency = got.rate, got.latency
	}
	if a.limit != a.base.limit {
		return
	}
	switch next := a.next(); {
	case a.growing && next != a.limit:
		a.limit = next
	case a.steady < probeEvery:
	case a.probeDown && a.limit > 1:
		// Probes alternate between one more and one fewer request in flight.
		a.limit, a.probing, a.steady, a.probeDown = a.limit-1, true, 0, false
	case next != a.limit:
		a.limit, a.probing, a.steady, a.probeDown = next, true, 0, true
	default:
		a.probeDown = true
	}
}

// next is the limit a successful window at the current one may try: double while growing, one
// more when probing, never above the ceiling nor up to a limit the server recently refused at.
func (a *adaptive) next() int {
	n := a.limit + 1
	if a.growing {
		n = 2 * a.limit
	}
	n = min(n, a.ceiling)
	if a.busyCap != 0 && n >= a.busyCap {
		n = max(a.limit, a.busyCap-1)
	}
	if a.growing && n == a.limit {
		a.growing = false
	}
	return n
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
	g.inFlight--
	if prefect.IsBusy(err) {
		g.refusals++
		g.ctl.Busy(start, g.now(), prefect.RetryAfter(err))
	} else {
		g.ctl.Done(start, g.now())
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
func (g *gate) run(ctx context.Context, n int, do func(ctx context.Context, i int) error, finished func(i int, err error)) {
	wctx := prefect.WithoutBusyRetries(ctx)
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
