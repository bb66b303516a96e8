package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
)

// server is one kind of Prefect server the benchmark measures against.
type server struct {
	kind string // sqlite, postgres, wan
	what string // a description for the table
	url  string // API base URL the clients use
	pids []int  // the Prefect API processes (their CPU time is the server's work)
	db   string // the database URL, for PostgreSQL
	stop func()
}

// startSQLite starts a throwaway Prefect server on SQLite (the default).
func startSQLite() (*server, error) {
	s, err := prefecttest.StartServer(nil)
	if err != nil {
		return nil, err
	}
	return &server{kind: "sqlite", what: "local server, SQLite", url: s.URL, pids: []int{s.Pid()}, stop: s.Stop}, nil
}

// pgBin finds the directory of PostgreSQL's server programs (initdb, pg_ctl).
func pgBin() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real // /usr/local/bin/pg_ctl -> /usr/lib/postgresql/15/bin/pg_ctl, beside initdb
		}
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "pg_ctl")); err == nil {
			return dirs[i], nil
		}
	}
	return "", fmt.Errorf("PostgreSQL's pg_ctl is neither on PATH nor under /usr/lib/postgresql/*/bin; install PostgreSQL or pass -servers sqlite")
}

// startPostgres starts a throwaway PostgreSQL cluster under dir (as the unprivileged user
// nobody when run as root: PostgreSQL refuses to run as root), listening on loopback only, and
// a Prefect server using it.
func startPostgres(dir string) (*server, error) {
	bin, err := pgBin()
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "pgdata")
	if err := os.MkdirAll(data, 0o700); err != nil {
		return nil, err
	}
	as := func(name string, args ...string) *exec.Cmd { return exec.Command(filepath.Join(bin, name), args...) }
	if os.Geteuid() == 0 {
		u, err := user.Lookup("nobody")
		if err != nil {
			return nil, fmt.Errorf("running as root, PostgreSQL needs an unprivileged user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		for _, d := range []string{dir, data} {
			if err := os.Chown(d, uid, gid); err != nil {
				return nil, err
			}
		}
		as = func(name string, args ...string) *exec.Cmd {
			c := exec.Command(filepath.Join(bin, name), args...)
			c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
			c.Dir = dir
			return c
		}
	}
	run := func(c *exec.Cmd) error {
		out, err := c.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %v: %s", strings.Join(c.Args, " "), err, tail(string(out), 20))
		}
		return nil
	}
	if err := run(as("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")); err != nil {
		return nil, err
	}
	logFile := filepath.Join(dir, "postgres.log")
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c max_connections=200", port, dir)
	if err := run(as("pg_ctl", "-D", data, "-l", logFile, "-o", opts, "-w", "-t", "120", "start")); err != nil {
		return nil, err
	}
	stopPG := func() { _ = run(as("pg_ctl", "-D", data, "-m", "fast", "-w", "stop")) }
	if err := run(as("createdb", "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "postgres", "prefect")); err != nil {
		stopPG()
		return nil, err
	}
	db := fmt.Sprintf("postgresql+asyncpg://postgres@127.0.0.1:%d/prefect", port)
	s, err := prefecttest.StartServer(map[string]string{"PREFECT_API_DATABASE_CONNECTION_URL": db})
	if err != nil {
		stopPG()
		return nil, err
	}
	return &server{kind: "postgres", what: "local server, PostgreSQL", url: s.URL, pids: []int{s.Pid()}, db: db, stop: func() { s.Stop(); stopPG() }}, nil
}

// startReplicas starts k more Prefect API processes on pg's database, each `prefect server
// start --no-services`: API replicas, as a hosted Prefect runs them, with the background
// services elsewhere (pg's own server runs them).
func startReplicas(pg *server, k int) ([]*server, error) {
	var out []*server
	for i := range k {
		s, err := prefecttest.StartServer(map[string]string{"PREFECT_API_DATABASE_CONNECTION_URL": pg.db}, "--no-services")
		if err != nil {
			for _, r := range out {
				r.stop()
			}
			return nil, fmt.Errorf("API replica %d: %w", i+1, err)
		}
		out = append(out, &server{kind: "replica", url: s.URL, pids: []int{s.Pid()}, stop: s.Stop})
	}
	return out, nil
}

// startWAN starts a loopback proxy in front of targets (requests go to each in turn) that
// delays every request by latency before forwarding it: a far server (Prefect Cloud from a CI
// runner) with the targets' capacity.
func startWAN(targets []*server, latency time.Duration) (*server, error) {
	var proxies []*httputil.ReverseProxy
	var pids []int
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	for _, t := range targets {
		u, err := url.Parse(t.url)
		if err != nil {
			return nil, err
		}
		u.Path = ""
		rp := httputil.NewSingleHostReverseProxy(u)
		rp.Transport = tr
		rp.ErrorLog = log.New(io.Discard, "", 0) // requests of a stopped floor run end as "context canceled"
		proxies = append(proxies, rp)
		pids = append(pids, t.pids...)
	}
	var next atomic.Uint64
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{ReadHeaderTimeout: time.Minute, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
		proxies[(next.Add(1)-1)%uint64(len(proxies))].ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(l) }()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
	what := fmt.Sprintf("PostgreSQL server behind %v per request", latency)
	if len(targets) > 1 {
		what = fmt.Sprintf("%d PostgreSQL API replicas behind %v per request", len(targets), latency)
	}
	return &server{kind: "wan", what: what, url: "http://" + l.Addr().String() + "/api", pids: pids, stop: stop}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// clockTicks is Linux's USER_HZ, the unit of /proc/PID/stat's CPU times (100 on every
// architecture Go supports).
const clockTicks = 100

// procCPU is the CPU time (user and system, every thread) process pid has used, or 0 when it
// cannot be read (no /proc: not Linux).
func procCPU(pid int) time.Duration {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) is in parentheses and may hold spaces: count from after it.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state); utime and stime are fields 14 and 15
	if len(f) < 13 {
		return 0
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(ut+st) * time.Second / clockTicks
}

// cpuMeter measures the share of one core a server's API processes used over an interval
// (over 100 % with several replicas).
type cpuMeter struct {
	pids  []int
	cpu   time.Duration
	start time.Time
}

// meterCPU starts measuring srv's API processes.
func meterCPU(srv *server) cpuMeter {
	return cpuMeter{pids: srv.pids, cpu: sumCPU(srv.pids), start: time.Now()}
}

// share is the CPU time used since meterCPU over the wall time since, 0 when unknown.
func (m cpuMeter) share() float64 {
	if len(m.pids) == 0 {
		return 0
	}
	return ratio(sumCPU(m.pids)-m.cpu, time.Since(m.start))
}

func sumCPU(pids []int) time.Duration {
	var t time.Duration
	for _, p := range pids {
		t += procCPU(p)
	}
	return t
}
