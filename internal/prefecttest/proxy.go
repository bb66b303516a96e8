package prefecttest

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Proxy sits in front of a live server: it counts requests, and a hook may answer a request
// itself (to inject a fault) instead of forwarding it.
type Proxy struct {
	// URL is the API base to give clients, e.g. http://127.0.0.1:PORT/api.
	URL string
	// Requests counts every request; Writes counts the ones that change state (anything but GET
	// and the read-only POSTs to .../filter and .../count).
	Requests, Writes atomic.Int64
}

// NewProxy starts a proxy in front of the API at target, closed when the test ends. hook, when
// not nil, sees every request first and returns true when it has answered it.
func NewProxy(t testing.TB, target string, hook func(w http.ResponseWriter, r *http.Request) bool) *Proxy {
	t.Helper()
	var h func(w http.ResponseWriter, r *http.Request, forward http.Handler) bool
	if hook != nil {
		h = func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool { return hook(w, r) }
	}
	return newProxy(t, target, h)
}

func newProxy(t testing.TB, target string, hook func(w http.ResponseWriter, r *http.Request, forward http.Handler) bool) *Proxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = ""
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorLog = log.New(io.Discard, "", 0) // a client that gave up is not news; it sees a 502 otherwise
	p := &Proxy{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.Requests.Add(1)
		if IsWrite(r) {
			p.Writes.Add(1)
		}
		if hook != nil && hook(w, r, rp) {
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL + "/api"
	return p
}

// IsWrite reports whether a request to the Prefect API changes state.
func IsWrite(r *http.Request) bool {
	if r.Method == http.MethodGet {
		return false
	}
	return !strings.HasSuffix(r.URL.Path, "/filter") && !strings.HasSuffix(r.URL.Path, "/count")
}

// Fault is what a fault-injecting proxy does with one request.
type Fault int

// The faults a FaultProxy injects.
const (
	// Forward passes the request to the server unharmed.
	Forward Fault = iota
	// Busy answers 503 with the body a busy (SQLite-locked) Prefect server sends; the server
	// never sees the request.
	Busy
	// RateLimited answers 429 with a Retry-After header; the server never sees the request.
	RateLimited
	// DropBefore closes the connection without an answer; the server never sees the request.
	DropBefore
	// DropAfter forwards the request, lets the server finish it, then closes the connection
	// without passing the answer on: the write happened, but the client cannot know.
	DropAfter
	// Stall waits a moment, then forwards the request.
	Stall
	// SlowAnswer forwards the request and holds the server's answer a moment before passing it
	// on: a client with a shorter timeout gives up after the write happened.
	SlowAnswer
	numFaults
)

var faultNames = [numFaults]string{"forward", "503", "429+Retry-After", "drop before", "drop after", "stall", "slow answer"}

func (f Fault) String() string {
	if f < 0 || f >= numFaults {
		return fmt.Sprintf("Fault(%d)", int(f))
	}
	return faultNames[f]
}

// Decider picks the fault for a request. seen is how many times the proxy saw the same request
// (method, path and body) before this one.
type Decider func(r *http.Request, body []byte, seen int) Fault

// FaultProxy is a Proxy that injects faults into what passes through it.
type FaultProxy struct {
	*Proxy
	injected [numFaults]atomic.Int64
	// written counts, per fault, the injected faults that hit a write request.
	written [numFaults]atomic.Int64
}

// Injected returns how many requests got fault f, and how many of those were writes.
func (p *FaultProxy) Injected(f Fault) (requests, writes int64) {
	return p.injected[f].Load(), p.written[f].Load()
}

// Summary lists the faults injected so far, e.g. "1000 requests (412 writes): 53 503, ...".
func (p *FaultProxy) Summary() string {
	var parts []string
	for f := Busy; f < numFaults; f++ {
		n, w := p.Injected(f)
		parts = append(parts, fmt.Sprintf("%d %s (%d on writes)", n, f, w))
	}
	return fmt.Sprintf("%d requests (%d writes); faults: %s", p.Requests.Load(), p.Writes.Load(), strings.Join(parts, ", "))
}

// FaultOptions tune how a FaultProxy injects faults.
type FaultOptions struct {
	// RetryAfter is the Retry-After header of RateLimited answers (default "1").
	RetryAfter string
	// StallFor is how long Stall and SlowAnswer wait (default 200 ms).
	StallFor time.Duration
}

// NewFaultProxy starts a proxy in front of the API at target that asks decide what to do with
// each request. It is closed when the test ends.
func NewFaultProxy(t testing.TB, target string, decide Decider, opts FaultOptions) *FaultProxy {
	t.Helper()
	if opts.RetryAfter == "" {
		opts.RetryAfter = "1"
	}
	if opts.StallFor == 0 {
		opts.StallFor = 200 * time.Millisecond
	}
	fp := &FaultProxy{}
	var mu sync.Mutex
	seen := map[string]int{}
	fp.Proxy = newProxy(t, target, func(w http.ResponseWriter, r *http.Request, forward http.Handler) bool {
		body, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return dropConn(w)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		key := r.Method + " " + r.URL.RequestURI() + "\n" + string(body)
		mu.Lock()
		n := seen[key]
		seen[key] = n + 1
		mu.Unlock()
		f := decide(r, body, n)
		if f <= Forward || f >= numFaults {
			return false
		}
		fp.injected[f].Add(1)
		if IsWrite(r) {
			fp.written[f].Add(1)
		}
		switch f {
		case Busy:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"exception_message":"Service Unavailable"}`)
		case RateLimited:
			w.Header().Set("Retry-After", opts.RetryAfter)
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"detail":"Too many requests"}`)
		case DropBefore:
			dropConn(w)
		case DropAfter:
			forward.ServeHTTP(httptest.NewRecorder(), r)
			dropConn(w)
		case Stall:
			select {
			case <-time.After(opts.StallFor):
			case <-r.Context().Done():
				return true
			}
			forward.ServeHTTP(w, r)
		case SlowAnswer:
			rec := httptest.NewRecorder()
			forward.ServeHTTP(rec, r)
			select {
			case <-time.After(opts.StallFor):
			case <-r.Context().Done():
				return true
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
		}
		return true
	})
	return fp
}

// dropConn closes the client's connection without an answer.
func dropConn(w http.ResponseWriter) bool {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("prefecttest: the proxy's connection cannot be hijacked")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
	return true
}

// Seeded returns a Decider that injects a fault into a fraction rate of requests, choosing among
// faults with the given weights. The choice for the n-th sighting of a request is a function of
// seed, the request and n alone, so a run is reproducible whatever order concurrent requests
// arrive in; and after maxInRow faults in a row the same request is let through, so every
// request succeeds within maxInRow+1 attempts (0: no such bound).
func Seeded(seed uint64, rate float64, weights map[Fault]float64, maxInRow int) Decider {
	var total float64
	for _, w := range weights {
		total += w
	}
	return func(r *http.Request, body []byte, seen int) Fault {
		if total == 0 || maxInRow > 0 && seen >= maxInRow {
			return Forward
		}
		h := fnv.New64a()
		fmt.Fprintf(h, "%d\n%s %s\n%d\n", seed, r.Method, r.URL.RequestURI(), seen)
		h.Write(body)
		x := mix(h.Sum64())
		u := float64(x>>11) / float64(1<<53) // uniform in [0, 1)
		if u >= rate {
			return Forward
		}
		pick := u / rate * total
		for f := Busy; f < numFaults; f++ {
			if pick < weights[f] {
				return f
			}
			pick -= weights[f]
		}
		return Forward
	}
}

// mix is splitmix64's finaliser: it spreads FNV's weakly mixed bits over the whole word.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// Only returns a Decider that gives fault f to the requests match accepts, the first times
// times each (0: always), and forwards every other request.
func Only(f Fault, times int, match func(r *http.Request) bool) Decider {
	return func(r *http.Request, body []byte, seen int) Fault {
		if match(r) && (times == 0 || seen < times) {
			return f
		}
		return Forward
	}
}

// CloudAccount and CloudWorkspace are the ids in a CloudProxy's URL.
const (
	CloudAccount   = "9d4bd5a8-0c73-4f1a-9a55-5d1c6b3e2f10"
	CloudWorkspace = "3f2e1d0c-b9a8-4765-8432-10fedcba9876"
)

// NewCloudProxy puts Prefect Cloud's shape in front of the live server at target: its URL is
// …/api/accounts/<CloudAccount>/workspaces/<CloudWorkspace>, every request must carry
// "Authorization: Bearer apiKey" (else 401, as Cloud answers), and paths outside the
// workspace are 404. Requests reach hook and the server with the workspace prefix removed
// (/api/deployments/…), so a hook can inject Cloud's faults, such as 429 with Retry-After.
func NewCloudProxy(t testing.TB, target, apiKey string, hook func(w http.ResponseWriter, r *http.Request) bool) *Proxy {
	t.Helper()
	prefix := "/api/accounts/" + CloudAccount + "/workspaces/" + CloudWorkspace
	p := NewProxy(t, target, func(w http.ResponseWriter, r *http.Request) bool {
		rest, ok := strings.CutPrefix(r.URL.Path, prefix)
		if !ok {
			http.Error(w, `{"detail":"Not Found"}`, http.StatusNotFound)
			return true
		}
		if r.Header.Get("Authorization") != "Bearer "+apiKey {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"detail":"Unauthorized"}`))
			return true
		}
		r.URL.Path = "/api" + rest
		r.URL.RawPath = ""
		return hook != nil && hook(w, r)
	})
	p.URL = strings.TrimSuffix(p.URL, "/api") + prefix
	return p
}
