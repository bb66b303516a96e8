package prefecttest

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
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
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = ""
	rp := httputil.NewSingleHostReverseProxy(u)
	p := &Proxy{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.Requests.Add(1)
		if IsWrite(r) {
			p.Writes.Add(1)
		}
		if hook != nil && hook(w, r) {
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
