package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"slices"
	"sync"
	"text/tabwriter"
	"time"
)

// profiler is a loopback reverse proxy in front of the Prefect API that times every request
// by phase (floor, first deploy, redeploy) and endpoint, and counts the answers by status.
type profiler struct {
	URL string // API base URL of the proxy, e.g. http://127.0.0.1:PORT/api

	srv *http.Server

	mu     sync.Mutex
	phase  string
	phases []string
	stats  map[string]*endpointStats // key: phase + "\x00" + endpoint
}

// endpointStats are the requests of one phase to one endpoint.
type endpointStats struct {
	endpoint string
	status   map[int]int
	took     []time.Duration
}

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// startProfiler starts the proxy in front of apiURL.
func startProfiler(apiURL string) (*profiler, error) {
	u, err := url.Parse(apiURL)
	if err != nil {
		return nil, err
	}
	target := *u
	target.Path = ""
	rp := httputil.NewSingleHostReverseProxy(&target)
	// Close idle connections before the server's keep-alive timeout (uvicorn: 5 s) does.
	rp.Transport = &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 2 * time.Second}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &profiler{URL: "http://" + l.Addr().String() + u.Path, stats: map[string]*endpointStats{}}
	p.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		rp.ServeHTTP(rec, r)
		p.record(r.Method+" "+uuidRE.ReplaceAllString(r.URL.Path, "{id}"), rec.status, time.Since(start))
	})}
	go func() { _ = p.srv.Serve(l) }()
	return p, nil
}

// Phase names the requests that follow.
func (p *profiler) Phase(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.phase = name
	if !slices.Contains(p.phases, name) {
		p.phases = append(p.phases, name)
	}
}

func (p *profiler) record(endpoint string, status int, took time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := p.phase + "\x00" + endpoint
	s := p.stats[key]
	if s == nil {
		s = &endpointStats{endpoint: endpoint, status: map[int]int{}}
		p.stats[key] = s
	}
	s.status[status]++
	s.took = append(s.took, took)
}

// Close stops the proxy.
func (p *profiler) Close() { _ = p.srv.Close() }

// Write prints, per phase, each endpoint's request count, answers by status, median and
// 95th-percentile latency and summed time, slowest endpoint first.
func (p *profiler) Write(w io.Writer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(w, "\nRequests by phase and endpoint (through the profiling proxy):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PHASE\tENDPOINT\tREQUESTS\tSTATUS\tP50\tP95\tSUM")
	for _, phase := range p.phases {
		var list []*endpointStats
		for key, s := range p.stats {
			if len(key) > len(phase) && key[:len(phase)+1] == phase+"\x00" {
				list = append(list, s)
			}
		}
		slices.SortFunc(list, func(a, b *endpointStats) int { return int(sum(b.took) - sum(a.took)) })
		for _, s := range list {
			d := slices.Clone(s.took)
			slices.Sort(d)
			var codes []int
			for c := range s.status {
				codes = append(codes, c)
			}
			slices.Sort(codes)
			status := ""
			for i, c := range codes {
				if i > 0 {
					status += " "
				}
				status += fmt.Sprintf("%d×%d", c, s.status[c])
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", phase, s.endpoint, len(d), status,
				ms(d[len(d)/2]), ms(d[min(len(d)-1, len(d)*95/100)]), secs(sum(d)))
		}
	}
	tw.Flush()
}

func sum(ds []time.Duration) time.Duration {
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t
}

func ms(d time.Duration) string { return fmt.Sprintf("%d ms", d.Milliseconds()) }

// statusRecorder remembers the status code written.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}
