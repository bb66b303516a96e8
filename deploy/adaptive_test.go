package deploy

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
)

// server models how a Prefect server answers a request that arrives at now with inFlight
// requests (itself included) in flight: when, and whether it refuses it as busy.
type server func(now time.Time, inFlight int) (end time.Time, busy bool)

// wan is a server far away with room to spare: every answer takes 80 ms, however many are in
// flight (Prefect Cloud seen from a CI runner).
func wan(now time.Time, _ int) (time.Time, bool) { return now.Add(80 * time.Millisecond), false }

// workers is a server that works on k requests at a time, 20 ms each, and queues the others in
// arrival order (a PostgreSQL-backed server on a few cores): past k in flight, more only wait.
func workers(k int) server {
	free := make([]time.Time, k) // when each worker is next free
	return func(now time.Time, _ int) (time.Time, bool) {
		w := 0
		for i := range free {
			if free[i].Before(free[w]) {
				w = i
			}
		}
		begin := now
		if free[w].After(now) {
			begin = free[w]
		}
		free[w] = begin.Add(20 * time.Millisecond)
		return free[w], false
	}
}

// degrading is a server that gets slower the more requests it has in flight past two (a starved
// server whose connection pool and event loop thrash): 20 ms each up to two, then 10 ms more per
// extra request, for every request in flight.
func degrading(now time.Time, n int) (time.Time, bool) {
	lat := 20 * time.Millisecond
	if n > 2 {
		lat += 10 * time.Millisecond * time.Duration(n-2) * time.Duration(n) / 2
	}
	return now.Add(lat), false
}

// sqlite is a server that refuses, at once, any write that arrives while another is in flight
// (a SQLite-backed server's "database is locked").
func sqlite(now time.Time, n int) (time.Time, bool) {
	if n > 1 {
		return now.Add(2 * time.Millisecond), true
	}
	return now.Add(10 * time.Millisecond), false
}

// lockingSometimes is workers(k) refusing one request in every (a busy SQLite server at a
// concurrency that still pays: a few writes collide and are tried again).
func lockingSometimes(k, every int) server {
	srv, n := workers(k), 0
	return func(now time.Time, inFlight int) (time.Time, bool) {
		if n++; n%every == 0 {
			return now.Add(2 * time.Millisecond), true
		}
		return srv(now, inFlight)
	}
}

// controller is what simulate drives: the adaptive controller, or a fixed limit to compare
// it with (the bench's floor).
type controller interface {
	Limit() int
	PausedUntil() time.Time
	Done(start, now time.Time)
	Busy(start, now time.Time, retryAfter time.Duration)
}

// fixed is a controller that keeps its limit whatever happens.
type fixed int

func (f fixed) Limit() int                         { return int(f) }
func (fixed) PausedUntil() time.Time               { return time.Time{} }
func (fixed) Done(_, _ time.Time)                  {}
func (fixed) Busy(_, _ time.Time, _ time.Duration) {}

// busyMachine is a Prefect server on a loaded shared machine, as the bench meets it: k workers
// (the server process and its database on k cores), each request 20 ms of work that grows by
// 3 % with every other request in flight (connections, context switches: 16 in flight is
// slower than 4), times a seeded random factor between 0.5 and 1.5 and a machine load that
// alternates every 3 s between 1× and 2.5×, then far away: every answer travels rtt more.
func busyMachine(k int, rtt time.Duration, seed uint64) server {
	free := make([]time.Time, k)
	rng := rand.New(rand.NewPCG(seed, 1))
	epoch := time.Unix(1_700_000_000, 0)
	return func(now time.Time, inFlight int) (time.Time, bool) {
		w := 0
		for i := range free {
			if free[i].Before(free[w]) {
				w = i
			}
		}
		begin := now.Add(rtt / 2)
		if free[w].After(begin) {
			begin = free[w]
		}
		work := 20 * float64(time.Millisecond) * (1 + 0.03*float64(inFlight-1))
		if begin.Sub(epoch)/(3*time.Second)%2 == 1 {
			work *= 2.5
		}
		work *= 0.5 + rng.Float64()
		free[w] = begin.Add(time.Duration(work))
		return free[w].Add(rtt / 2), false
	}
}

// slowRefusals is sqlite answering its refusals only after 40 ms, four writes' time (a real
// SQLite server first waits for the lock: 100–500 ms for a refusal on the bench's loaded machine,
// against ~100 ms for a write).
func slowRefusals(now time.Time, n int) (time.Time, bool) {
	end, busy := sqlite(now, n)
	if busy {
		end = now.Add(40 * time.Millisecond)
	}
	return end, busy
}

// simResult is what a simulated run did.
type simResult struct {
	limits       []int // the limit after every answer
	busy         int   // answers refusing a request
	maxInFlight  int
	elapsed      time.Duration
	pausedStarts int // requests started before a Retry-After pause ended
}

// simulate runs total requests against srv in virtual time, as the writer's gate does: it
// starts requests while fewer than the limit are in flight, and a request refused as busy
// goes back in the queue. Everything is deterministic.
func simulate(t *testing.T, ctl controller, srv server, total int) simResult {
	t.Helper()
	type req struct {
		start, end time.Time
		busy       bool
	}
	start := time.Unix(1_700_000_000, 0)
	now := start
	var res simResult
	var inFlight []req
	queued, done := total, 0
	for done < total {
		for len(inFlight) < ctl.Limit() && queued > 0 && !now.Before(ctl.PausedUntil()) {
			end, busy := srv(now, len(inFlight)+1)
			inFlight = append(inFlight, req{start: now, end: end, busy: busy})
			queued--
			res.maxInFlight = max(res.maxInFlight, len(inFlight))
		}
		if len(inFlight) == 0 {
			if !now.Before(ctl.PausedUntil()) {
				t.Fatalf("nothing in flight, nothing paused, %d queued, limit %d: the run stalled", queued, ctl.Limit())
			}
			now = ctl.PausedUntil()
			continue
		}
		first := 0
		for i, r := range inFlight {
			if r.end.Before(inFlight[first].end) {
				first = i
			}
		}
		r := inFlight[first]
		inFlight = append(inFlight[:first], inFlight[first+1:]...)
		now = r.end
		if r.busy {
			if res.busy++; res.busy > 20*total {
				// A fixed concurrency a locking server refuses again and again: it never ends.
				res.elapsed = time.Duration(1 << 62)
				return res
			}
			queued++
			ctl.Busy(r.start, now, 0)
		} else {
			done++
			ctl.Done(r.start, now)
		}
		if a, ok := ctl.(*adaptive); ok && (a.Limit() < 1 || a.Limit() > a.ceiling) {
			t.Fatalf("limit %d outside 1..%d", a.Limit(), a.ceiling)
		}
		res.limits = append(res.limits, ctl.Limit())
	}
	res.elapsed = now.Sub(start)
	return res
}

// settled is the most common limit over the second half of a run.
func (r simResult) settled() int {
	counts := map[int]int{}
	best := 0
	for _, l := range r.limits[len(r.limits)/2:] {
		counts[l]++
		if counts[l] > counts[best] {
			best = l
		}
	}
	return best
}

func TestAdaptiveGrowsToTheCeilingWhileThroughputImproves(t *testing.T) {
	t.Parallel()
	for _, ceiling := range []int{1, 3, 16} {
		res := simulate(t, newAdaptive(ceiling, time.Unix(1_700_000_000, 0)), wan, 1000)
		if got := res.settled(); got != ceiling {
			t.Errorf("ceiling %d: settled at %d, want the ceiling (every extra request in flight pays on a far server)", ceiling, got)
		}
		if res.maxInFlight > ceiling {
			t.Errorf("ceiling %d: %d requests were in flight at once", ceiling, res.maxInFlight)
		}
		if res.busy != 0 {
			t.Errorf("ceiling %d: %d busy answers from a server that never refuses", ceiling, res.busy)
		}
	}
}

func TestAdaptiveSettlesAtTheServersCapacity(t *testing.T) {
	t.Parallel()
	for _, k := range []int{2, 4, 6} {
		res := simulate(t, newAdaptive(16, time.Unix(1_700_000_000, 0)), workers(k), 2000)
		// Past k each extra request only waits longer: the controller must stop near k, not at 16.
		if got := res.settled(); got < k || got > k+2 {
			t.Errorf("server working on %d at a time: settled at %d, want %d to %d", k, got, k, k+2)
		}
		// Running at k from the start would take total × 20 ms / k.
		best := 2000 * 20 * time.Millisecond / time.Duration(k)
		if q := float64(res.elapsed) / float64(best); q > 1.2 {
			t.Errorf("server working on %d at a time: %v, %.2f× the best fixed concurrency (want ≤ 1.2×)", k, res.elapsed, q)
		}
	}
}

func TestAdaptiveFindsALowerConcurrencyWhenMorePerformsWorse(t *testing.T) {
	t.Parallel()
	res := simulate(t, newAdaptive(16, time.Unix(1_700_000_000, 0)), degrading, 2000)
	if got := res.settled(); got > 3 {
		t.Errorf("settled at %d on a server that is fastest at 2 in flight, want at most 3", got)
	}
	best := 2000 * 20 * time.Millisecond / 2
	if q := float64(res.elapsed) / float64(best); q > 1.2 {
		t.Errorf("%v, %.2f× the time at a fixed 2 (want ≤ 1.2×)", res.elapsed, q)
	}
}

func TestAdaptiveBacksOffALockingServer(t *testing.T) {
	t.Parallel()
	const total = 1000
	res := simulate(t, newAdaptive(16, time.Unix(1_700_000_000, 0)), sqlite, total)
	if got := res.settled(); got != 1 {
		t.Errorf("settled at %d on a server that refuses concurrent writes, want 1", got)
	}
	// The controller probes again now and then (the server's condition may change); each
	// probe costs one refusal.
	if res.busy > total/20 {
		t.Errorf("%d of %d requests refused as busy, want at most 5%%", res.busy, total)
	}
}

func TestAdaptiveKeepsAConcurrencyThatPaysDespiteAFewRefusals(t *testing.T) {
	t.Parallel()
	res := simulate(t, newAdaptive(16, time.Unix(1_700_000_000, 0)), lockingSometimes(4, 12), 2000)
	if got := res.settled(); got < 3 {
		t.Errorf("settled at %d on a server working on 4 at a time that refuses 1 request in 12, want at least 3", got)
	}
	best := 2000 * 20 * time.Millisecond / 4
	if q := float64(res.elapsed) / float64(best); q > 1.2 {
		t.Errorf("%v, %.2f× the time at a fixed 4 (want ≤ 1.2×)", res.elapsed, q)
	}
}

func TestAdaptiveDropsToOneOncePerBurst(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1_700_000_000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	a := newAdaptive(16, t0)
	a.limit, a.growing = 8, false
	// One refusal among accepted answers is the cost of the limit, not a reason to cut.
	a.Done(at(0), at(10))
	a.Busy(at(0), at(11), 0)
	a.Done(at(0), at(12))
	a.Done(at(0), at(13))
	if a.Limit() != 8 {
		t.Errorf("after one refusal in four answers: limit %d, want 8 still", a.Limit())
	}
	// A second one makes refusals more than a quarter of the answers: a burst, down to one.
	a.Busy(at(0), at(14), 0)
	if a.Limit() != 1 {
		t.Errorf("after two refusals in five answers: limit %d, want 1", a.Limit())
	}
	// Refusals of requests started before the cut answer the load already shed.
	for i := range 4 {
		a.Busy(at(1), at(20+i), 0)
	}
	if a.Limit() != 1 {
		t.Errorf("after refusals of requests started before the cut: limit %d, want 1 still", a.Limit())
	}
	// A clean window at one: it grows again, below the limit refused at.
	now := 30
	clean := func() {
		for range a.warm + a.window() {
			a.Done(at(now), at(now+10))
			now += 10
		}
	}
	clean()
	if a.Limit() != 2 {
		t.Fatalf("after a clean window at one: limit %d, want 2 (doubling again below the 8 refused)", a.Limit())
	}
	// A second burst at two: down to one, and two stays refused for four times longer.
	now += 10
	a.Busy(at(now), at(now+5), 0)
	a.Busy(at(now), at(now+6), 0)
	now += 10
	if a.Limit() != 1 {
		t.Fatalf("after a burst at two: limit %d, want 1", a.Limit())
	}
	for w := range forgetBusy << 2 {
		clean()
		if a.Limit() != 1 && w < forgetBusy<<2-2 {
			t.Fatalf("after %d clean windows since the second burst: limit %d, want 1 (two refused recently)", w+1, a.Limit())
		}
	}
}

func TestAdaptiveHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1_700_000_000, 0)
	a := newAdaptive(16, t0)
	a.Busy(t0, t0.Add(time.Second), 5*time.Second)
	if a.Limit() != 2 {
		t.Errorf("after a rate limit: limit %d, want 2 (4 halved at once)", a.Limit())
	}
	if want := t0.Add(6 * time.Second); !a.PausedUntil().Equal(want) {
		t.Errorf("paused until %v, want %v (the answer's time plus its Retry-After)", a.PausedUntil(), want)
	}
	// A shorter Retry-After later does not shorten the pause.
	a.Busy(t0, t0.Add(2*time.Second), time.Second)
	if want := t0.Add(6 * time.Second); !a.PausedUntil().Equal(want) {
		t.Errorf("paused until %v, want %v still", a.PausedUntil(), want)
	}
	a.Busy(t0.Add(3*time.Second), t0.Add(4*time.Second), 10*time.Second)
	if want := t0.Add(14 * time.Second); !a.PausedUntil().Equal(want) {
		t.Errorf("paused until %v, want %v (the later, longer pause)", a.PausedUntil(), want)
	}
}

func TestAdaptiveTriesLessWhenTheServerSlowsDown(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		// after is the latency at six in flight once the server slowed down at eight.
		after time.Duration
		want  int
	}{
		{"thrashing: six is faster, it stays and five is tried", 40 * time.Millisecond, 5},
		{"just slower: six is no faster, back to eight", 70 * time.Millisecond, 8},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			t0 := time.Unix(1_700_000_000, 0)
			a := newAdaptive(8, t0)
			now := t0
			// window feeds one measurement window (and the answers passed over before it): every
			// request in flight answers after lat.
			window := func(lat time.Duration) {
				l := a.limit
				n := a.warm + a.window()
				for i := range n {
					// l requests per lat: completion i at (i/l+1)·lat.
					end := now.Add(time.Duration(i/l+1) * lat)
					a.Done(end.Add(-lat), end)
				}
				now = now.Add(time.Duration((n+l-1)/l) * lat)
			}
			for range 3 {
				window(20 * time.Millisecond)
			}
			if a.Limit() != 8 {
				t.Fatalf("limit %d after fast windows, want the ceiling 8", a.Limit())
			}
			// The server now takes three times as long per answer: throughput falls, latency rises.
			window(60 * time.Millisecond)
			if a.Limit() != 6 {
				t.Fatalf("limit %d after the server slowed down, want 6 (a step down tried)", a.Limit())
			}
			window(tt.after)
			if a.Limit() != tt.want {
				t.Errorf("limit %d after the window at six, want %d", a.Limit(), tt.want)
			}
		})
	}
}

// floorOf is what the bench calls the floor: the best time over fixed concurrency 1, 2, 4, 8
// and 16 on fresh copies of a server, and the concurrency it was reached at.
func floorOf(t *testing.T, newServer func() server, total int) (time.Duration, int) {
	t.Helper()
	var best time.Duration
	bestC := 0
	for _, c := range []int{1, 2, 4, 8, 16} {
		if d := simulate(t, fixed(c), newServer(), total).elapsed; bestC == 0 || d < best {
			best, bestC = d, c
		}
	}
	return best, bestC
}

// TestAdaptiveWithinTheFloorOnEveryServer runs the controller (ceiling 16, the default) and
// every fixed concurrency of the bench's floor on each kind of server modelled here, small runs
// and large, and wants the controller within 1.2× of the best fixed one on each.
func TestAdaptiveWithinTheFloorOnEveryServer(t *testing.T) {
	t.Parallel()
	servers := []struct {
		name string
		new  func() server
		// long says the server is only tried on long runs: on a server three times slower at
		// four in flight than at two, the one doubling tried costs more than 20 % of a short run.
		long bool
	}{
		{"far server with room to spare", func() server { return wan }, false},
		{"two workers", func() server { return workers(2) }, false},
		{"four workers", func() server { return workers(4) }, false},
		{"six workers", func() server { return workers(6) }, false},
		{"degrading past two in flight", func() server { return degrading }, true},
		{"SQLite: refuses concurrent writes", func() server { return sqlite }, false},
		{"SQLite: refuses concurrent writes after 40 ms", func() server { return slowRefusals }, false},
		{"four workers refusing one request in 12", func() server { return lockingSometimes(4, 12) }, false},
		{"busy shared machine, local server", func() server { return busyMachine(2, 0, 7) }, false},
		{"busy shared machine, server 80 ms away", func() server { return busyMachine(2, 80*time.Millisecond, 7) }, false},
		{"busy shared machine, server 80 ms away, four cores", func() server { return busyMachine(4, 80*time.Millisecond, 7) }, false},
	}
	for _, srv := range servers {
		for _, total := range []int{200, 2000} {
			if srv.long && total < 2000 {
				continue
			}
			t.Run(fmt.Sprintf("%s, %d writes", srv.name, total), func(t *testing.T) {
				t.Parallel()
				floor, c := floorOf(t, srv.new, total)
				res := simulate(t, newAdaptive(16, time.Unix(1_700_000_000, 0)), srv.new(), total)
				q := float64(res.elapsed) / float64(floor)
				t.Logf("%s: %v vs the floor %v (c=%d): %.2f×; settled at %d, %d refused", t.Name()[len("TestAdaptiveWithinTheFloorOnEveryServer/"):], res.elapsed, floor, c, q, res.settled(), res.busy)
				if q > 1.2 {
					t.Errorf("%v, %.2f× the floor %v (fixed concurrency %d); want at most 1.2×", res.elapsed, q, floor, c)
				}
			})
		}
	}
}

// busyAfter is an API whose writes are refused as busy (503) whenever more than one is in
// flight, like a SQLite-backed server, and which records the most in flight at once.
type lockingAPI struct {
	API
	mu          sync.Mutex
	inFlight    int
	maxInFlight int
	refused     int
	written     map[string]int
}

func (a *lockingAPI) enter() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.inFlight++
	a.maxInFlight = max(a.maxInFlight, a.inFlight)
	if a.inFlight > 1 {
		a.refused++
		return &prefect.APIError{Op: "write", Method: http.MethodPost, StatusCode: http.StatusServiceUnavailable, Detail: "database is locked"}
	}
	return nil
}

func (a *lockingAPI) leave() { a.mu.Lock(); a.inFlight--; a.mu.Unlock() }

func (a *lockingAPI) EnsureFlow(_ context.Context, name string) (*prefect.Flow, error) {
	defer a.leave()
	if err := a.enter(); err != nil {
		return nil, err
	}
	return &prefect.Flow{ID: "id-" + name, Name: name}, nil
}

func (a *lockingAPI) UpsertDeployment(_ context.Context, spec *prefect.DeploymentSpec) (*prefect.Deployment, bool, error) {
	defer a.leave()
	if err := a.enter(); err != nil {
		return nil, false, err
	}
	time.Sleep(time.Millisecond) // long enough for others to collide
	a.mu.Lock()
	a.written[spec.Name]++
	a.mu.Unlock()
	return &prefect.Deployment{ID: "dep-" + spec.Name, Name: spec.Name, FlowID: spec.FlowID}, true, nil
}

func (a *lockingAPI) DeploymentURL(id string) string { return "http://ui/deployments/deployment/" + id }

// TestApplyAdaptsToALockingServer checks that Apply, against a server that refuses concurrent
// writes, writes every deployment exactly once and without failure: the writer sheds
// concurrency and tries the refused writes again itself.
func TestApplyAdaptsToALockingServer(t *testing.T) {
	t.Parallel()
	api := &lockingAPI{written: map[string]int{}}
	const n = 60
	items := Apply(t.Context(), api, newSteps(n), ApplyOptions{Concurrency: 16})
	for _, it := range items {
		if it.Action != "created" || api.written[it.Name] != 1 {
			t.Errorf("%s: %s (%s), written %d times; want created once", it.Name, it.Action, it.Error, api.written[it.Name])
		}
	}
	if api.refused > n {
		t.Errorf("%d writes refused for %d deployments: the writer did not back off", api.refused, n)
	}
}
