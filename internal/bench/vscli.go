package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
)

// cliRow is one side-by-side timing of Prefect's own CLI and prefect-deploy on the same flows.
type cliRow struct {
	n           int
	prefectCLI  time.Duration // prefect --no-prompt deploy --all
	ours, redo  time.Duration // prefect-deploy first deploy and unchanged redeploy
	prefectRedo time.Duration // prefect --no-prompt deploy --all again, nothing changed
}

// prefectYAMLEntry is one deployments: entry of the generated prefect.yaml: what a team keeping
// its flows in prefect.yaml writes for one flow.
const prefectYAMLEntry = `  - name: %[1]s-flow-%04[2]d-bench
    entrypoint: flows/flow_%04[2]d.py:%[1]s_flow_%04[2]d
    tags: [bench]
    work_pool:
      name: %[3]s
      job_variables:
        image: %[4]s
`

// writePrefectYAML writes a prefect.yaml with one deployment per flow of a writeRepo repository.
func writePrefectYAML(dir, prefix string, n int) error {
	var b strings.Builder
	b.WriteString("name: bench\npull:\n  - prefect.deployments.steps.set_working_directory:\n      directory: /opt/flows\ndeployments:\n")
	for i := range n {
		fmt.Fprintf(&b, prefectYAMLEntry, prefix, i, benchPool, benchImage)
	}
	return os.WriteFile(filepath.Join(dir, "prefect.yaml"), []byte(b.String()), 0o644)
}

// measureVsPrefectCLI deploys n fresh flows with Prefect's own CLI (`prefect deploy --all` from
// the pinned .venv: it imports every flow and sends one deployment at a time) and n other fresh
// flows with prefect-deploy, in two rounds with the order swapped (a server stays busy for a
// while after many writes, which would favour whichever goes first); the best of each counts.
// After the first round each deploys its flows again, unchanged.
func (b *bench) measureVsPrefectCLI(ctx context.Context, tmp string, n int) (cliRow, error) {
	r := cliRow{n: n}
	bin, err := prefecttest.Bin()
	if err != nil {
		return r, err
	}
	c, err := b.newClient()
	if err != nil {
		return r, err
	}
	prefectDeploy := func(dir string) (time.Duration, error) {
		cmd := exec.CommandContext(ctx, filepath.Join(bin, "prefect"), "--no-prompt", "deploy", "--all")
		cmd.Dir = dir
		// The server itself (not a profiling proxy); a fresh PREFECT_HOME so no profile interferes.
		cmd.Env = append(os.Environ(), "PREFECT_API_URL="+os.Getenv(prefect.EnvAPIURL), "PREFECT_HOME="+filepath.Join(tmp, "cli-home"),
			"PREFECT_LOGGING_LEVEL=WARNING")
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		err := cmd.Run()
		took := time.Since(start)
		if err != nil {
			return took, fmt.Errorf("prefect deploy --all: %w\n%s", err, tail(out.String(), 30))
		}
		return took, nil
	}
	cliRound := func(tag string) (dir string, took time.Duration, err error) {
		dir = filepath.Join(tmp, "cli-"+tag)
		if err := writeRepo(dir, "cli"+tag, n); err != nil {
			return dir, 0, err
		}
		if err := writePrefectYAML(dir, "cli"+tag, n); err != nil {
			return dir, 0, err
		}
		if took, err = prefectDeploy(dir); err != nil {
			return dir, took, err
		}
		// A sample of what the CLI created, to be sure it did the job it is timed for.
		for i := 0; i < n; i += max(1, n/5) {
			if _, err := c.ReadDeploymentByName(ctx, fmt.Sprintf("cli%s-flow-%04d", tag, i), fmt.Sprintf("cli%s-flow-%04d-bench", tag, i)); err != nil {
				return dir, took, fmt.Errorf("after prefect deploy --all: %w", err)
			}
		}
		return dir, took, nil
	}
	args := b.deployArgs()
	oursRound := func(tag string) (dir string, took time.Duration, err error) {
		dir = filepath.Join(tmp, "ours-"+tag)
		if err := writeRepo(dir, "ours"+tag, n); err != nil {
			return dir, 0, err
		}
		start := time.Now()
		rep, err := b.deployOnce(ctx, dir, args)
		took = time.Since(start)
		if err == nil && rep.Counts[report.Created] != n {
			err = fmt.Errorf("prefect-deploy created %d deployments, want %d", rep.Counts[report.Created], n)
		}
		return dir, took, err
	}
	best := func(cur *time.Duration, d time.Duration) {
		if *cur == 0 || d < *cur {
			*cur = d
		}
	}
	for round := range 2 {
		tag := fmt.Sprintf("%d%s%c", n, b.run, 'a'+round)
		fmt.Fprintf(b.stderr, "bench: N=%d round %d: prefect deploy --all and prefect-deploy ...\n", n, round+1)
		var cliDir, oursDir string
		var cliTook, oursTook time.Duration
		if round == 0 {
			if cliDir, cliTook, err = cliRound(tag); err == nil {
				oursDir, oursTook, err = oursRound(tag)
			}
		} else {
			if oursDir, oursTook, err = oursRound(tag); err == nil {
				cliDir, cliTook, err = cliRound(tag)
			}
		}
		if err != nil {
			return r, err
		}
		best(&r.prefectCLI, cliTook)
		best(&r.ours, oursTook)
		if round == 0 {
			if r.prefectRedo, err = prefectDeploy(cliDir); err != nil {
				return r, err
			}
			start := time.Now()
			if _, err := b.deployOnce(ctx, oursDir, args); err != nil {
				return r, err
			}
			r.redo = time.Since(start)
		}
	}
	return r, nil
}

func writeCLIResults(w io.Writer, rows []cliRow, concurrency int) {
	fmt.Fprintf(w, "\nPrefect's own CLI on the same server: `prefect --no-prompt deploy --all` over a prefect.yaml listing every flow\n"+
		"(imports each flow, one deployment at a time) vs prefect-deploy (static discovery, concurrency %d); fresh flows each,\n"+
		"best of 2 rounds in swapped order; then each deploys its own flows again, unchanged:\n\n", concurrency)
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.Debug)
	fmt.Fprintln(tw, "| N\t prefect deploy --all\t prefect-deploy\t speed-up\t again, unchanged: prefect deploy --all\t prefect-deploy\t speed-up\t")
	fmt.Fprintln(tw, "|--:\t--:\t--:\t--:\t--:\t--:\t--:\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "| %d\t %s\t %s\t %.1f×\t %s\t %s\t %.1f×\t\n", r.n, secs(r.prefectCLI), secs(r.ours), ratio(r.prefectCLI, r.ours),
			secs(r.prefectRedo), secs(r.redo), ratio(r.prefectRedo, r.redo))
	}
	tw.Flush()
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
