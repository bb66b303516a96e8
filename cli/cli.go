// Package cli is the command line of prefect-deploy: it parses flags, reads connection settings
// from the environment, runs deploy, promote or flows, and prints a plan and a table (or one JSON
// document). Exit codes: 0 success, 1 failure, 2 usage error.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/acme"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/config"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/envfile"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// Env is the process environment seen by a command.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Dir is the working directory ("" = the process's).
	Dir string
	// Phase, when set, is called as each phase of a command begins, with a short title, and
	// with "" when the phases are over and the outcome is printed.
	Phase func(title string)
}

// phaseLog is where a phase's details go: stdout when phases are shown (as collapsible groups),
// else nowhere.
func (env Env) phaseLog() io.Writer {
	if env.Phase == nil {
		return nil
	}
	return env.Stdout
}

// phase reports the start of a phase (or, with "", the end of the last one) to env.Phase.
func (env Env) phase(title string) {
	if env.Phase != nil {
		env.Phase(title)
	}
}

// usageError marks errors in the command line itself.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

const usageText = `prefect-deploy deploys Prefect flows from a repository and promotes them between environments.

Usage:
  prefect-deploy deploy  --env ENV [flags]      discover flows, plan, and upsert deployments
  prefect-deploy promote --source-env S --env T [flags]
                                                copy tested deployments into another environment
  prefect-deploy rollback --env ENV --to REF [flags]
                                                re-deploy ENV from the repository at a release tag or commit
  prefect-deploy prune   --env ENV [flags]      delete deployments the repository no longer deploys
  prefect-deploy prune   --branch-deleted --branch B | --remote-branches origin
                                                delete the deployments of gone branches
  prefect-deploy flows   [--source-root DIR]    list the flows discovery finds (no server needed)
  prefect-deploy adopt   [--name GLOB] [--file prefect.yaml] [--dry-run]
                                                write the prefect.yaml that reproduces the server's deployments
  prefect-deploy adopt   --from-files '**/*.deployment.py'
                                                the same from Prefect 2 deployment files
  prefect-deploy images  --env ENV --prefect-yaml GLOB [--output text|json|matrix]
                                                the images prefect.yaml entries run, and how to build them
  prefect-deploy github-action                  run as the GitHub Action (inputs from INPUT_* variables)
  prefect-deploy version

Connection settings come from the environment: PREFECT_API_URL, PREFECT_API_KEY (Prefect Cloud),
PREFECT_API_AUTH_STRING (self-hosted basic auth), PREFECT_CLIENT_CUSTOM_HEADERS,
PREFECT_API_SSL_CERT_FILE, PREFECT_API_TLS_INSECURE_SKIP_VERIFY, PREFECT_UI_URL.

Run "prefect-deploy COMMAND -h" for a command's flags.
`

// Version is the program version, set at build time.
var Version = "dev"

// Run runs the command line args (without the program name) and returns the exit code.
func Run(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, usageText)
		return ExitUsage
	}
	var (
		err error
		rep *report.Report
	)
	switch args[0] {
	case "deploy":
		rep, err = runDeploy(ctx, args[1:], env)
	case "promote":
		rep, err = runPromote(ctx, args[1:], env)
	case "prune":
		rep, err = runPrune(ctx, args[1:], env)
	case "rollback":
		rep, err = runRollback(ctx, args[1:], env)
	case "flows":
		err = runFlows(args[1:], env)
	case "adopt":
		err = runAdopt(ctx, args[1:], env)
	case "images":
		err = runImages(args[1:], env)
	case "github-action":
		err = runGitHubAction(ctx, env)
	case "version", "--version":
		fmt.Fprintln(env.Stdout, versionLine(debug.ReadBuildInfo()))
	case "help", "-h", "--help":
		fmt.Fprint(env.Stdout, usageText)
	default:
		err = usagef("unknown command %q (want deploy, promote, rollback, prune, flows, adopt, images, github-action or version)", args[0])
	}
	if wantsJSON(args[1:]) && !errors.Is(err, flag.ErrHelp) {
		switch args[0] {
		case "deploy", "promote", "prune", "rollback":
			writeJSON(env.Stdout, args[0], rep, err)
		case "flows":
			if err != nil { // a success printed its own document
				writeJSON(env.Stdout, args[0], nil, err)
			}
		}
	}
	return exitCode(err, env.Stderr)
}

// wantsJSON reports whether a command line asks for --output json (in any of the spellings the
// flag package accepts), so that even a run refused while its flags are read answers with JSON.
func wantsJSON(args []string) bool {
	for i, a := range args {
		if a == "--" {
			break
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "output" {
			continue
		}
		if !hasVal && i+1 < len(args) {
			val = args[i+1]
		}
		return val == "json"
	}
	return false
}

// writeJSON prints the one JSON document of a --output json run: the report (or, when the run
// stopped before it had one, an empty report of the command) with an "error" member saying why
// the run failed, when it did.
func writeJSON(w io.Writer, command string, rep *report.Report, err error) {
	if rep == nil {
		rep = &report.Report{Command: command}
		rep.Finish()
	}
	if rep.Deployments == nil || rep.Counts == nil {
		rep.Finish()
	}
	if err != nil {
		msg := err.Error()
		if errors.Is(err, errFailedDeployments) {
			msg = fmt.Sprintf("%d of %s failed (see each one's error)", rep.Counts[report.Failed], report.Count(len(rep.Deployments), "deployment"))
		}
		rep.Error = msg
	}
	_ = rep.WriteJSON(w)
}

// failedDeployments is returned when the run finished but some deployments failed.
var errFailedDeployments = errors.New("some deployments failed (see the table above)")

func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return ExitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		for _, line := range strings.Split(ue.msg, "\n") {
			fmt.Fprintf(stderr, "error: %s\n", line)
		}
		return ExitUsage
	}
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintf(stderr, "error: %s\n", line)
	}
	return ExitFailure
}

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// runEnvVars is the flow-run env vars of the command line: the variables of each --env-file
// (dotenv, in order, later files winning), under every --env-var. File paths are relative to
// env.Dir; ${NAME} references in a file that it does not set itself are read from env.Getenv.
func runEnvVars(envFiles, envVars []string, env Env) (map[string]string, error) {
	out := map[string]string{}
	getenv := func(k string) (string, bool) {
		if env.Getenv == nil {
			return "", false
		}
		v := env.Getenv(k)
		return v, v != ""
	}
	for _, f := range envFiles {
		path := f
		if env.Dir != "" && !filepath.IsAbs(path) {
			path = filepath.Join(env.Dir, path)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, usagef("--env-file %s: %v", f, errors.Unwrap(err))
		}
		vars, err := envfile.Parse(f, data, getenv)
		if err != nil {
			return nil, err
		}
		maps.Copy(out, envfile.Map(vars))
	}
	kv, err := parseKV("env-var", envVars)
	if err != nil {
		return nil, err
	}
	maps.Copy(out, kv)
	return out, nil
}

// parseKV parses KEY=VALUE items (from a flag named name).
func parseKV(name string, items []string) (map[string]string, error) {
	out := map[string]string{}
	for _, it := range items {
		k, v, ok := strings.Cut(it, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, usagef("--%s %q: want KEY=VALUE", name, it)
		}
		if !validEnvName(k) {
			return nil, usagef("--%s %q: %q is not a valid environment variable name", name, it, k)
		}
		out[k] = v
	}
	return out, nil
}

func validEnvName(k string) bool {
	for i, r := range k {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return k != ""
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// loadConfig loads the --config file, or prefect-deploy.yaml when present.
func loadConfig(pathFlag string, env Env) (*config.File, error) {
	return loadConfigAs(pathFlag, "auto", env)
}

// loadConfigAs is loadConfig in format (--config-format: auto, prefect-deploy or acme). Without
// --config, prefect-deploy.yaml is read when present, else acme-portal-sdk's
// .acme_portal_sdk/static_flow_deploy_config.yaml (as acme's file), else there is none.
func loadConfigAs(pathFlag, format string, env Env) (*config.File, error) {
	if !slices.Contains(configFormats, format) {
		return nil, usagef("--config-format must be one of %s, got %q", strings.Join(configFormats, ", "), format)
	}
	in := func(p string) string {
		if env.Dir != "" && !strings.HasPrefix(p, "/") {
			return env.Dir + "/" + p
		}
		return p
	}
	if pathFlag != "" {
		return loadFormat(in(pathFlag), format)
	}
	for _, p := range []string{config.DefaultFileName, acme.FileName} {
		if _, err := os.Stat(in(p)); err == nil {
			return loadFormat(in(p), format)
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("failed to read config %q: %w", in(p), err)
		}
	}
	return nil, nil
}

// configFormats are the values of --config-format.
var configFormats = []string{"auto", "prefect-deploy", config.FormatAcme}

// loadFormat reads the config file at path in format: with auto, acme-portal-sdk's when
// acme.Detect says so, else prefect-deploy.yaml's.
func loadFormat(path, format string) (*config.File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read config %q: %w", path, err)
	}
	if format == config.FormatAcme || format == "auto" && acme.Detect(path, data) {
		return acme.Parse(path, data)
	}
	return config.Parse(path, data)
}

// newClient builds a Prefect client from the environment and checks the server answers.
func newClient(ctx context.Context, env Env) (*prefect.Client, error) {
	cfg, err := prefect.ConfigFromEnv(env.Getenv)
	if err != nil {
		return nil, err
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = prefect.DefaultUserAgent(Version)
	}
	c, err := prefect.New(cfg)
	if err != nil {
		return nil, err
	}
	healthy, err := preflight(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if healthy {
		return c, nil
	}
	if err := c.Health(ctx); err != nil {
		return nil, fmt.Errorf("cannot reach the Prefect API at %s: %w", cfg.APIURL, err)
	}
	return c, nil
}

// showPlan returns the ApplyOptions.OnPlan that prints the plan before the writes start (text
// output without phases; with phases the plan has its own group), and reports through shown
// whether it printed one.
func showPlan(env Env, format string, dryRun bool, shown *bool) func(*report.Report) {
	if format != "text" || dryRun || env.Phase != nil {
		return nil
	}
	return func(plan *report.Report) {
		for _, d := range plan.Deployments {
			if d.Action != report.Unchanged {
				fmt.Fprintf(env.Stdout, "Changes for %s:\n", describeTarget(plan))
				plan.WritePlan(env.Stdout)
				fmt.Fprintln(env.Stdout)
				*shown = true
				return
			}
		}
	}
}

// progressOut is where progress goes: stderr for text output of a run that writes.
func progressOut(env Env, format string, dryRun bool) io.Writer {
	if format != "text" || dryRun {
		return nil
	}
	return env.Stderr
}

// isTerminal reports whether w is a terminal (a live progress line is shown there).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// output prints a report in the chosen format; planShown says the plan was printed already,
// before the writes.
func output(rep *report.Report, format string, env Env, planShown bool) {
	if format == "json" {
		return // Run prints the one JSON document, with the run's error if any
	}
	for _, w := range rep.Warnings {
		fmt.Fprintf(env.Stderr, "warning: %s\n", w)
	}
	if rep.DryRun {
		fmt.Fprintf(env.Stdout, "Plan for %s (dry run, nothing written):\n", describeTarget(rep))
		rep.WritePlan(env.Stdout)
		fmt.Fprintln(env.Stdout, rep.Summary())
		return
	}
	var changed bool
	for _, d := range append(slices.Clip(rep.WorkPools), rep.Deployments...) {
		if len(d.Changes) > 0 || d.Action == report.Created || d.Action == report.Deleted {
			changed = true
		}
	}
	if changed && env.Phase == nil && !planShown { // with phases, the plan was shown in its own group
		fmt.Fprintf(env.Stdout, "Changes for %s:\n", describeTarget(rep))
		rep.WritePlan(env.Stdout)
		fmt.Fprintln(env.Stdout)
	}
	rep.WriteTable(env.Stdout)
}

func describeTarget(rep *report.Report) string {
	if rep.SourceEnv != "" {
		return fmt.Sprintf("promotion %s -> %s", rep.SourceEnv, rep.Env)
	}
	if rep.Command == "rollback" {
		return "rollback of environment " + rep.Env
	}
	if rep.Command == "prune" && rep.Env == "" {
		return "pruning, every environment"
	}
	if rep.Command == "prune" {
		return "pruning, environment " + rep.Env
	}
	return "environment " + rep.Env
}
