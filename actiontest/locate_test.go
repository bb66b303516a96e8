package actiontest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// locateResult is what the locate step left behind.
type locateResult struct {
	Outputs  map[string]string // step outputs, without "started" and "ready"
	Log      string            // stdout and stderr
	Requests []string          // paths the release server was asked for
	Binary   []byte            // content of the file at outputs["path"], if any
}

// release is a fake GitHub release download server over TLS.
type release struct {
	srv    *httptest.Server
	caFile string
	mu     sync.Mutex
	paths  []string
	assets map[string][]byte // URL path -> body
}

func newRelease(t testing.TB) *release {
	t.Helper()
	r := &release{assets: map[string][]byte{}}
	r.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.paths = append(r.paths, req.URL.Path)
		body, ok := r.assets[req.URL.Path]
		r.mu.Unlock()
		if !ok {
			http.NotFound(w, req)
			return
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(r.srv.Close)
	r.caFile = filepath.Join(t.TempDir(), "ca.pem")
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.srv.Certificate().Raw})
	if err := os.WriteFile(r.caFile, ca, 0o644); err != nil {
		t.Fatal(err)
	}
	return r
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// runLocate runs the locate step's script of action.yml the way the runner does (bash
// --noprofile --norc -eo pipefail FILE) with the step's env filled in from env.
// inTemp holds files to place under RUNNER_TEMP first, as earlier steps of the job may have.
func runLocate(t testing.TB, rel *release, actionFiles map[string]string, inTemp map[string][]byte, env map[string]string) locateResult {
	t.Helper()
	d := load(t, filepath.Join(root, "action.yml"))
	script := get(findStep(t, d, "locate"), "run").Value
	dir := t.TempDir()
	actionPath := filepath.Join(dir, "action")
	temp := filepath.Join(dir, "temp")
	for _, p := range []string{actionPath, temp} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, body := range inTemp {
		p := filepath.Join(temp, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, body, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, body := range actionFiles {
		if err := os.WriteFile(filepath.Join(actionPath, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	scriptFile := filepath.Join(dir, "locate.sh")
	outFile := filepath.Join(dir, "output")
	if err := os.WriteFile(scriptFile, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(outFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{
		"PATH":              os.Getenv("PATH"),
		"HOME":              dir,
		"GITHUB_OUTPUT":     outFile,
		"RUNNER_TEMP":       temp,
		"RUNNER_OS":         "Linux",
		"RUNNER_ARCH":       "X64",
		"ACTION_PATH":       actionPath,
		"ACTION_REPOSITORY": "acme/prefect-deploy-action",
		"SERVER_URL":        rel.srv.URL,
		"CURL_CA_BUNDLE":    rel.caFile,
	}
	for k, v := range env {
		vars[k] = v
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", scriptFile)
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Run(); err != nil {
		t.Fatalf("the locate step failed (it must fall back to building instead): %v\n%s", err, log.String())
	}
	b, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	res := locateResult{Outputs: map[string]string{}, Log: log.String()}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		k, v, _ := strings.Cut(line, "=")
		if k == "started" || k == "ready" {
			if v == "" {
				t.Errorf("output %s is empty", k)
			}
			continue
		}
		res.Outputs[k] = strings.Replace(v, temp, "$RUNNER_TEMP", 1)
	}
	if p := res.Outputs["path"]; res.Outputs["prebuilt"] == "true" {
		path := strings.Replace(p, "$RUNNER_TEMP", temp, 1)
		st, err := os.Stat(path)
		if err != nil {
			t.Fatalf("prebuilt path: %v", err)
		}
		if st.Mode()&0o111 == 0 {
			t.Errorf("%s is not executable (mode %v)", p, st.Mode())
		}
		res.Binary, _ = os.ReadFile(path)
	}
	rel.mu.Lock()
	res.Requests, rel.paths = rel.paths, nil
	rel.mu.Unlock()
	return res
}

// TestLocatePrebuiltBinary covers the fast path of action.yml: a release commit's
// checksums.txt and release-tag.txt select a release asset, which is used only when its SHA-256
// matches; every other case falls back to building from source without failing the step.
func TestLocatePrebuiltBinary(t *testing.T) {
	t.Parallel()
	good := []byte("#!/bin/sh\necho prefect-deploy\n")
	evil := []byte("#!/bin/sh\necho pwned\n")
	const dl = "/acme/prefect-deploy-action/releases/download/v1.2.3/"
	sums := func(lines ...string) string { return strings.Join(lines, "\n") + "\n" }
	release := map[string]string{
		"release-tag.txt": "v1.2.3\n",
		"checksums.txt": sums(
			"# written by the release workflow",
			sha256Hex(good)+"  prefect-deploy-linux-amd64",
			sha256Hex(good)+" *prefect-deploy-darwin-arm64",
			sha256Hex(good)+"  prefect-deploy-windows-amd64.exe",
			sha256Hex(good)+"  prefect-deploy-linux-arm64",
		),
	}
	build := func(ext string) map[string]string {
		return map[string]string{"prebuilt": "false", "path": "$RUNNER_TEMP/prefect-deploy-build/prefect-deploy" + ext}
	}
	prebuilt := func(ext string) map[string]string {
		return map[string]string{"prebuilt": "true", "path": "$RUNNER_TEMP/prefect-deploy-v1.2.3/prefect-deploy" + ext}
	}
	tests := []struct {
		name         string
		files        map[string]string
		assets       map[string][]byte
		inTemp       map[string][]byte
		env          map[string]string
		want         map[string]string
		wantRequests []string
		wantLog      string
	}{
		{
			name:         "verified linux binary is used",
			files:        release,
			assets:       map[string][]byte{dl + "prefect-deploy-linux-amd64": good},
			want:         prebuilt(""),
			wantRequests: []string{dl + "prefect-deploy-linux-amd64"},
			wantLog:      "SHA-256 " + sha256Hex(good) + " verified",
		},
		{
			name:         "macOS arm64 reads a binary-mode checksum line",
			files:        release,
			assets:       map[string][]byte{dl + "prefect-deploy-darwin-arm64": good},
			env:          map[string]string{"RUNNER_OS": "macOS", "RUNNER_ARCH": "ARM64"},
			want:         prebuilt(""),
			wantRequests: []string{dl + "prefect-deploy-darwin-arm64"},
		},
		{
			name:         "windows asset has .exe",
			files:        release,
			assets:       map[string][]byte{dl + "prefect-deploy-windows-amd64.exe": good},
			env:          map[string]string{"RUNNER_OS": "Windows"},
			want:         prebuilt(".exe"),
			wantRequests: []string{dl + "prefect-deploy-windows-amd64.exe"},
		},
		{
			name:         "binary verified by an earlier step is reused without a download",
			files:        release,
			inTemp:       map[string][]byte{"prefect-deploy-v1.2.3/prefect-deploy": good},
			want:         prebuilt(""),
			wantRequests: nil,
			wantLog:      "reusing",
		},
		{
			name:         "a file planted where the binary goes is replaced by the verified asset",
			files:        release,
			assets:       map[string][]byte{dl + "prefect-deploy-linux-amd64": good},
			inTemp:       map[string][]byte{"prefect-deploy-v1.2.3/prefect-deploy": evil},
			want:         prebuilt(""),
			wantRequests: []string{dl + "prefect-deploy-linux-amd64"},
			wantLog:      "verified against checksums.txt",
		},
		{
			name:         "tampered release asset is rejected with a warning",
			files:        release,
			assets:       map[string][]byte{dl + "prefect-deploy-linux-amd64": evil},
			want:         build(""),
			wantRequests: []string{dl + "prefect-deploy-linux-amd64"},
			wantLog:      "::warning title=prefect-deploy binary rejected::prefect-deploy-linux-amd64 from release v1.2.3 has SHA-256 " + sha256Hex(evil),
		},
		{
			name:         "missing asset falls back",
			files:        release,
			want:         build(""),
			wantRequests: []string{dl + "prefect-deploy-linux-amd64"},
			wantLog:      "could not download",
		},
		{
			name:    "no entry for this runner",
			files:   release,
			env:     map[string]string{"RUNNER_OS": "macOS", "RUNNER_ARCH": "X64"},
			want:    build(""),
			wantLog: "checksums.txt has no entry for prefect-deploy-darwin-amd64",
		},
		{
			name:    "unknown runner architecture",
			files:   release,
			env:     map[string]string{"RUNNER_ARCH": "ARM"},
			want:    build(""),
			wantLog: "no prebuilt binary for runner Linux/ARM",
		},
		{
			name:    "not a release commit",
			files:   map[string]string{"checksums.txt": "# empty outside release commits\n"},
			want:    build(""),
			wantLog: "not a release commit",
		},
		{
			name:    "local action has no repository to download from",
			files:   release,
			env:     map[string]string{"ACTION_REPOSITORY": ""},
			want:    build(""),
			wantLog: "the action repository is unknown",
		},
		{
			name:    "a tag that is not a tag name is not used in a URL",
			files:   map[string]string{"release-tag.txt": "../../evil/x\n", "checksums.txt": release["checksums.txt"]},
			want:    build(""),
			wantLog: "release-tag.txt does not hold a tag name",
		},
		{
			name:    "a malformed checksum is no entry",
			files:   map[string]string{"release-tag.txt": "v1.2.3", "checksums.txt": "abc123  prefect-deploy-linux-amd64\n"},
			want:    build(""),
			wantLog: "checksums.txt has no entry",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rel := newRelease(t)
			rel.assets = tc.assets
			got := runLocate(t, rel, tc.files, tc.inTemp, tc.env)
			if diff := cmp.Diff(tc.want, got.Outputs); diff != "" {
				t.Errorf("outputs (-want +got):\n%s\nlog:\n%s", diff, got.Log)
			}
			if diff := cmp.Diff(tc.wantRequests, got.Requests); diff != "" {
				t.Errorf("requests to the release server (-want +got):\n%s", diff)
			}
			if !strings.Contains(got.Log, tc.wantLog) {
				t.Errorf("log lacks %q:\n%s", tc.wantLog, got.Log)
			}
			if tc.want["prebuilt"] == "true" && !bytes.Equal(got.Binary, good) {
				t.Errorf("the binary at %s is not the verified release asset", got.Outputs["path"])
			}
		})
	}
}

// BenchmarkLocatePrebuilt measures the fast path of action.yml: download an 11 MB binary (the
// size of a stripped release build) over HTTPS from a local server and verify its SHA-256.
// Compare with building from source (README: 0.3 s with a warm Go build cache, about a minute
// cold on 2 cores).
func BenchmarkLocatePrebuilt(b *testing.B) {
	bin := bytes.Repeat([]byte("prefect-deploy!\n"), 11<<20/16)
	rel := newRelease(b)
	rel.assets = map[string][]byte{"/acme/prefect-deploy-action/releases/download/v1.2.3/prefect-deploy-linux-amd64": bin}
	files := map[string]string{"release-tag.txt": "v1.2.3\n", "checksums.txt": sha256Hex(bin) + "  prefect-deploy-linux-amd64\n"}
	for b.Loop() {
		if got := runLocate(b, rel, files, nil, nil); got.Outputs["prebuilt"] != "true" {
			b.Fatalf("prebuilt = %q\n%s", got.Outputs["prebuilt"], got.Log)
		}
	}
}
