// Package prefecttest gives integration tests a live Prefect server.
//
// URL returns the shared server of the test run: the one named by PREFECT_TEST_API_URL (started
// by scripts/prefect-server.sh, as `make test` does), or else one this package starts for the
// test binary from the project's .venv (installed by scripts/venv.sh). Start gives a test its own
// server with extra settings, such as basic auth or CSRF protection.
//
// Integration tests always run, except under `go test -short`, where they are skipped with a
// message saying so.
package prefecttest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// EnvURL names the variable holding the shared server's API URL.
const EnvURL = "PREFECT_TEST_API_URL"

// EnvWorkPool names the variable holding a process work pool with a running worker, when the
// test run has one (scripts/prefect-server.sh --worker POOL).
const EnvWorkPool = "PREFECT_TEST_WORK_POOL"

var (
	sharedOnce sync.Once
	shared     *Server
	sharedErr  error

	startedMu sync.Mutex
	started   []*Server
)

// Server is a running Prefect server.
type Server struct {
	// URL is the API base, e.g. http://127.0.0.1:PORT/api.
	URL string
	// Home is the server's PREFECT_HOME.
	Home string
	cmd  *exec.Cmd
	logs string
}

// Main runs the tests of a package and stops any server this package started. Use it from
// TestMain: `func TestMain(m *testing.M) { os.Exit(prefecttest.Main(m)) }`.
func Main(m interface{ Run() int }) int {
	code := m.Run()
	startedMu.Lock()
	defer startedMu.Unlock()
	for _, s := range started {
		s.Stop()
	}
	return code
}

// URL returns the API URL of the shared live server, skipping the test under -short.
func URL(t testing.TB) string {
	t.Helper()
	skipShort(t)
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	sharedOnce.Do(func() {
		shared, sharedErr = start(nil)
		if shared != nil {
			track(shared)
		}
	})
	if sharedErr != nil {
		t.Fatalf("no live Prefect server: %v", sharedErr)
	}
	return shared.URL
}

// Start starts a dedicated server with extra environment (e.g. PREFECT_SERVER_API_AUTH_STRING)
// and stops it when the test ends.
func Start(t testing.TB, env map[string]string) *Server {
	t.Helper()
	skipShort(t)
	s, err := start(env)
	if err != nil {
		t.Fatalf("failed to start a Prefect server: %v", err)
	}
	track(s)
	t.Cleanup(s.Stop)
	return s
}

// StartServer starts a dedicated server with extra environment (for instance
// PREFECT_API_DATABASE_CONNECTION_URL for a PostgreSQL database) for a program that is not a
// test, such as the benchmark, and extra arguments of `prefect server start` (for instance
// --no-services); the caller stops it.
func StartServer(env map[string]string, args ...string) (*Server, error) {
	return start(env, args...)
}

func skipShort(t testing.TB) {
	if testing.Short() {
		t.Skip("integration test skipped: -short was given, so no live Prefect server is used (run `make test` for the full suite)")
	}
}

func track(s *Server) {
	startedMu.Lock()
	started = append(started, s)
	startedMu.Unlock()
}

// Bin returns the directory of the project's .venv binaries (prefect, python).
func Bin() (string, error) {
	if b := os.Getenv("PREFECT_TEST_BIN"); b != "" {
		return b, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			bin := filepath.Join(dir, ".venv", "bin")
			if _, err := os.Stat(filepath.Join(bin, "prefect")); err != nil {
				return "", fmt.Errorf("%s has no prefect; run scripts/venv.sh (or `make test`) first", bin)
			}
			return bin, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

func start(extra map[string]string, args ...string) (*Server, error) {
	bin, err := Bin()
	if err != nil {
		return nil, err
	}
	home, err := os.MkdirTemp("", "prefecttest-home-")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d/api", port), Home: home, logs: filepath.Join(home, "server.log")}
	logf, err := os.Create(s.logs)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(filepath.Join(bin, "prefect"), append([]string{"server", "start", "--host", "127.0.0.1", "--port", fmt.Sprint(port)}, args...)...)
	cmd.Env = append(cleanEnv(), "PREFECT_HOME="+home, "PREFECT_SERVER_ANALYTICS_ENABLED=false", "PREFECT_UI_ENABLED=false",
		"PREFECT_LOGGING_LEVEL=WARNING", "PREFECT_SERVER_SERVICES_SCHEDULER_MAX_RUNS=5",
		"PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS=10")
	for k, v := range extra {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s.cmd = cmd
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(120 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return nil, fmt.Errorf("prefect server exited early; log:\n%s", tail(s.logs))
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/health", nil)
		resp, err := http.DefaultClient.Do(req)
		cancel()
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		time.Sleep(300 * time.Millisecond)
	}
	s.Stop()
	return nil, fmt.Errorf("prefect server did not become healthy in 120 s; log:\n%s", tail(s.logs))
}

// Pid is the process ID of the server's `prefect server start` (the API process), or 0.
func (s *Server) Pid() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Stop ends the server and removes its home.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() {
			for i := 0; i < 50; i++ {
				if syscall.Kill(s.cmd.Process.Pid, 0) != nil {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			close(done)
		}()
		<-done
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		s.cmd = nil
	}
	_ = os.RemoveAll(s.Home)
}

// cleanEnv is the test's environment without settings that would point a server elsewhere.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PREFECT_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	return strings.Join(lines, "\n")
}

// Worker is a running `prefect worker` polling a process work pool.
type Worker struct {
	// Pool is the work pool name.
	Pool string
	cmd  *exec.Cmd
	log  string
}

// StartWorker creates the process work pool pool on the server at apiURL (if missing) and
// starts a worker polling it, stopped when the test ends. Flow runs execute with the .venv's
// Python.
func StartWorker(t testing.TB, apiURL, pool string) *Worker {
	t.Helper()
	skipShort(t)
	bin, err := Bin()
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	env := append(cleanEnv(), "PREFECT_API_URL="+apiURL, "PREFECT_HOME="+home, "PREFECT_LOGGING_LEVEL=INFO")
	create := exec.Command(filepath.Join(bin, "prefect"), "--no-prompt", "work-pool", "create", pool, "--type", "process", "--overwrite")
	create.Env = env
	if out, err := create.CombinedOutput(); err != nil {
		t.Fatalf("failed to create work pool %q: %v\n%s", pool, err, out)
	}
	w := &Worker{Pool: pool, log: filepath.Join(home, "worker.log")}
	logf, err := os.Create(w.log)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(bin, "prefect"), "worker", "start", "--pool", pool, "--type", "process", "--prefetch-seconds", "5")
	cmd.Env = append(env, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = childAttr()
	cmd.Dir = home
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.cmd = cmd
	t.Cleanup(func() {
		logf.Close()
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		if t.Failed() {
			t.Logf("worker log (last lines):\n%s", tail(w.log))
		}
	})
	return w
}

// Log returns the last lines of the worker's log.
func (w *Worker) Log() string { return tail(w.log) }
