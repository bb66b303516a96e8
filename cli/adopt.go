package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/prefect-flow-deploy/prefect-deploy-action/adopt"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/prefectyaml"
)

// adoptFlags are the adopt command's flags.
type adoptFlags struct {
	names, flows, tags, secret, notSecret, files multiFlag
	file, env                                    string
	force, dryRun                                bool
}

const adoptUsage = `Usage: prefect-deploy adopt [flags]

Writes the prefect.yaml that reproduces the deployments a project already has, so that the first
"prefect-deploy deploy --prefect-yaml" keeps their names and settings. It reads them from the
Prefect server (made by prefect deploy, acme-portal-sdk or by hand: every deployment whose
entrypoint file is in this checkout, or those --name/--flow/--tag select), or, with
--from-files, from Prefect 2 *.deployment.py files (read, never run). Secrets in env vars are
written as {{ $NAME }} placeholders, never as values.

Flags:
`

func runAdopt(ctx context.Context, args []string, env Env) error {
	var f adoptFlags
	fs := flag.NewFlagSet("adopt", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprint(env.Stderr, adoptUsage)
		fs.PrintDefaults()
	}
	fs.Var(&f.names, "name", "adopt the deployments whose name matches this glob (repeatable; default: every deployment whose entrypoint is in this checkout)")
	fs.Var(&f.flows, "flow", "adopt the deployments of this flow (repeatable)")
	fs.Var(&f.tags, "tag", "adopt the deployments carrying this tag (repeatable: all of them)")
	fs.Var(&f.files, "from-files", "read Prefect 2 deployment files matching this glob (e.g. '**/*.deployment.py') instead of the server (repeatable)")
	fs.Var(&f.secret, "secret", "treat this env var as a secret: written as {{ $NAME }} (repeatable)")
	fs.Var(&f.notSecret, "not-secret", "write this env var's value even if its name looks like a secret's (repeatable)")
	fs.StringVar(&f.file, "file", "prefect.yaml", `file to write, relative to the checkout; "-" writes to stdout`)
	fs.StringVar(&f.env, "env", "", "environment the deployments belong to (for the deploy command adopt suggests)")
	fs.BoolVar(&f.force, "force", false, "overwrite the file if it exists")
	fs.BoolVar(&f.dryRun, "dry-run", false, "print the file to stdout and write nothing")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	for _, g := range f.names {
		if _, err := path.Match(g, ""); err != nil {
			return usagef("--name %q is not a valid glob: %v", g, err)
		}
	}
	dir := env.Dir
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		dir = wd
	}
	toStdout := f.file == "-" || f.dryRun
	target := f.file
	if !filepath.IsAbs(target) {
		target = filepath.Join(dir, target)
	}
	if !toStdout && !f.force {
		if _, err := os.Stat(target); err == nil {
			return fmt.Errorf("%s already exists: pass --force to overwrite it, --file to write another file, or --dry-run to see what adopt would write", shownPath(env, target))
		}
	}
	opts := adopt.Options{Secret: f.secret, NotSecret: f.notSecret}
	if len(f.files) > 0 {
		if len(f.names)+len(f.flows)+len(f.tags) > 0 {
			return usagef("--from-files reads files, not the server: --name, --flow and --tag select server deployments")
		}
		return errors.New("--from-files is not supported yet")
	}

	c, err := newClient(ctx, env)
	if err != nil {
		return err
	}
	stored, skipped, err := adoptableDeployments(ctx, c, f, dir)
	if err != nil {
		return err
	}
	if len(stored) == 0 {
		return errors.New(noneMessage(f, skipped))
	}
	entries := make([]adopt.Entry, 0, len(stored))
	byName := map[string]adopt.Stored{}
	for _, s := range stored {
		if prev, dup := byName[s.Deployment.Name]; dup {
			return fmt.Errorf("two selected deployments are both named %q (flows %q and %q): a prefect.yaml entry is found by its name; select one with --flow", s.Deployment.Name, prev.FlowName, s.FlowName)
		}
		byName[s.Deployment.Name] = s
		entries = append(entries, adopt.FromDeployment(s.Deployment, s.FlowName, s.Automations, opts))
	}
	header := []string{
		"Written by prefect-deploy adopt from the deployments on " + c.Config().APIURL + ".",
		"Deploy it with: " + deployHint(entries, f),
	}
	if err := checkAdopted(entries, byName, dir, header, env, serverVersion(ctx, env)); err != nil {
		return err
	}
	data, err := adopt.Write(header, entries)
	if err != nil {
		return err
	}
	return finishAdopt(data, entries, skipped, target, toStdout, f, env)
}

// adoptableDeployments lists the server's deployments that the flags select, with their flow
// names and automations; skipped are the selected ones whose entrypoint file is not in dir.
func adoptableDeployments(ctx context.Context, c *prefect.Client, f adoptFlags, dir string) (stored []adopt.Stored, skipped []string, err error) {
	deps, err := c.FilterDeployments(ctx, prefect.DeploymentFilter{FlowNames: f.flows, TagsAll: f.tags})
	if err != nil {
		return nil, nil, fmt.Errorf("failed to list the server's deployments: %w", err)
	}
	var ids []string
	for _, d := range deps {
		ids = append(ids, d.FlowID)
	}
	flows, err := c.FlowsByID(ctx, slices.Compact(slices.Sorted(slices.Values(ids))))
	if err != nil {
		return nil, nil, fmt.Errorf("failed to read the deployments' flows: %w", err)
	}
	flowName := map[string]string{}
	for _, fl := range flows {
		flowName[fl.ID] = fl.Name
	}
	for _, d := range deps {
		if len(f.names) > 0 && !slices.ContainsFunc(f.names, func(g string) bool { ok, _ := path.Match(g, d.Name); return ok }) {
			continue
		}
		full := flowName[d.FlowID] + "/" + d.Name
		file, _, _ := strings.Cut(deref(d.Entrypoint), ":")
		if file == "" || filepath.IsAbs(file) || strings.HasPrefix(path.Clean(file), "..") {
			skipped = append(skipped, full)
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(file))); err != nil {
			skipped = append(skipped, full)
			continue
		}
		stored = append(stored, adopt.Stored{Deployment: d, FlowName: flowName[d.FlowID]})
	}
	// The automations of each deployment, a few at a time.
	var wg sync.WaitGroup
	var mu sync.Mutex
	sem := make(chan struct{}, 8)
	for i := range stored {
		wg.Add(1)
		go func(s *adopt.Stored) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			autos, aerr := c.DeploymentAutomations(ctx, s.Deployment.ID)
			if aerr != nil && !prefect.IsNotFound(aerr) {
				mu.Lock()
				if err == nil {
					err = fmt.Errorf("failed to read the automations of deployment %q: %w", s.Deployment.Name, aerr)
				}
				mu.Unlock()
				return
			}
			s.Automations = autos
		}(&stored[i])
	}
	wg.Wait()
	return stored, skipped, err
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// noneMessage says why nothing was adopted.
func noneMessage(f adoptFlags, skipped []string) string {
	if len(skipped) > 0 {
		return fmt.Sprintf("none of the %d selected deployments has its entrypoint in this checkout (%s): run adopt in the repository the flows come from", len(skipped), listSome(skipped, 5))
	}
	if len(f.names)+len(f.flows)+len(f.tags) > 0 {
		return "no deployment on the server matches --name, --flow and --tag"
	}
	return "the server holds no deployments"
}

func listSome(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}

// deployHint is the deploy command that deploys the adopted entries: entries named
// <...>--<env> are selected by their environment's suffix; others need --prefect-yaml-select all.
func deployHint(entries []adopt.Entry, f adoptFlags) string {
	envName := f.env
	suffixed := true
	envs := map[string]bool{}
	for _, e := range entries {
		i := strings.LastIndex(e.Name, "--")
		if i < 0 {
			suffixed = false
			continue
		}
		envs[e.Name[i+2:]] = true
	}
	file := f.file
	if file == "-" || f.dryRun {
		file = "prefect.yaml"
	}
	if suffixed && (envName == "" || envs[envName]) {
		if envName == "" {
			envName = strings.Join(slices.Sorted(maps.Keys(envs)), "|")
		}
		return fmt.Sprintf("prefect-deploy deploy --env %s --prefect-yaml %s --dry-run", envName, file)
	}
	if envName == "" {
		envName = "ENV"
	}
	return fmt.Sprintf("prefect-deploy deploy --env %s --prefect-yaml %s --prefect-yaml-select all --dry-run", envName, file)
}

// checkAdopted loads the file adopt is about to write the way deploy loads it and compares
// every entry with the server's deployment; whatever a deploy would change beyond the
// product's bookkeeping becomes a note on the entry. A file that does not load is adopt's
// own failure and says so.
func checkAdopted(entries []adopt.Entry, stored map[string]adopt.Stored, dir string, header []string, env Env, serverVersion string) error {
	data, err := adopt.Write(header, entries)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".prefect-deploy-adopt-*.yaml")
	if err != nil {
		return fmt.Errorf("failed to check the adopted file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	secrets := map[string]string{}
	for _, e := range entries {
		for k, v := range e.Values {
			secrets[k] = v
		}
	}
	getenv := func(k string) string {
		if v, ok := secrets[k]; ok {
			return v
		}
		if env.Getenv != nil {
			return env.Getenv(k)
		}
		return ""
	}
	got, err := prefectyaml.Load([]string{tmp.Name()}, prefectyaml.Options{
		Dir: dir, Select: "all", Getenv: getenv, PrefectVersion: serverVersion,
	})
	if err != nil {
		return fmt.Errorf("the prefect.yaml adopt wrote does not load (a bug in adopt; please report it):\n%s", strings.ReplaceAll(err.Error(), tmp.Name(), "prefect.yaml"))
	}
	notes := adopt.Check(got, stored)
	for i := range entries {
		entries[i].Notes = append(entries[i].Notes, notes[entries[i].Name]...)
	}
	return nil
}

// shownPath is p relative to the working directory, when it is inside it.
func shownPath(env Env, p string) string {
	dir := env.Dir
	if dir == "" {
		dir, _ = os.Getwd()
	}
	if rel, err := filepath.Rel(dir, p); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return p
}

// finishAdopt writes the file (or prints it) and says what was adopted and what a user must do.
func finishAdopt(data []byte, entries []adopt.Entry, skipped []string, target string, toStdout bool, f adoptFlags, env Env) error {
	where := shownPath(env, target)
	if toStdout {
		if _, err := env.Stdout.Write(data); err != nil {
			return err
		}
		where = "stdout"
		if f.dryRun {
			where += " (dry run: nothing written)"
		}
	} else if err := os.WriteFile(target, data, 0o644); err != nil {
		return fmt.Errorf("failed to write %s: %w", where, err)
	}
	w := env.Stderr
	fmt.Fprintf(w, "adopted %s into %s:\n", plural(len(entries), "1 deployment", fmt.Sprintf("%d deployments", len(entries))), where)
	lost := 0
	for _, e := range entries {
		fmt.Fprintf(w, "  %s/%s  %s\n", e.FlowName, e.Name, e.Entrypoint)
	}
	for _, e := range entries {
		for _, k := range e.SecretEnv {
			fmt.Fprintf(w, "note: %s: env %s looks like a secret: written as {{ $%s }}; set %s in the deploying job's environment (a CI secret)\n", e.Name, k, k, k)
		}
		for _, n := range e.Notes {
			kind := "note"
			if n.Lost {
				kind = "warning"
				lost++
			}
			fmt.Fprintf(w, "%s: %s: %s\n", kind, e.Name, n)
		}
	}
	if len(skipped) > 0 {
		fmt.Fprintf(w, "not adopted: %s whose entrypoint is not in this checkout: %s\n", plural(len(skipped), "1 deployment", fmt.Sprintf("%d deployments", len(skipped))), listSome(skipped, 5))
	}
	fmt.Fprintf(w, "next: %s\n", deployHint(entries, f))
	if lost == 0 {
		fmt.Fprintln(w, "  its plan keeps every setting; it adds only the product's tags, labels and DEPLOYMENT_NAME (and the version of the commit deployed)")
	} else {
		fmt.Fprintf(w, "  %s above: a deploy would change %s; edit the file or the server first\n", plural(lost, "1 warning", fmt.Sprintf("%d warnings", lost)), plural(lost, "it", "them"))
	}
	return nil
}
