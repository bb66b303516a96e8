package cli

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/deploy"
	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/config"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/prefectyaml"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/vocab"
)

// prefectYAMLTargets loads the prefect.yaml files named by --prefect-yaml and the config's
// prefect_yaml, and adds the product's tags, labels, version and DEPLOYMENT_NAME to each entry.
//
// serverVersion decides, for files without prefect-version, what Prefect versions disagree on.
// With --skip-invalid a file with a problem is refused whole and returned in refused; every
// other file deploys. Without it any problem is the error (nothing deploys). A warning several
// entries share is one line with their number.
func prefectYAMLTargets(f *deployFlags, cfg *config.File, meta deploy.Meta, env Env, serverVersion string) (targets []deploy.Target, warnings []string, refused []prefectyaml.RefusedFile, err error) {
	deps, envVars, refused, err := loadPrefectYAMLFor(f, cfg, meta.Env, f.image, env, serverVersion)
	if err != nil {
		return nil, nil, nil, err
	}
	warnings = prefectyaml.CollapseWarnings(deps)
	for _, d := range deps {
		t, err := yamlTarget(d, f.prefectYAMLNaming, meta, envVars, env)
		if err != nil {
			return nil, nil, nil, err
		}
		targets = append(targets, t)
	}
	return targets, warnings, refused, nil
}

// prefectYAMLPatterns are the prefect.yaml globs of --prefect-yaml and the config's prefect_yaml.
func prefectYAMLPatterns(flags []string, cfg *config.File) []string {
	patterns := append([]string(nil), flags...)
	if cfg != nil {
		base := filepath.Dir(cfg.Path)
		for _, p := range cfg.PrefectYAML {
			if !filepath.IsAbs(p) {
				p = filepath.Join(base, p)
			}
			patterns = append(patterns, p)
		}
	}
	return patterns
}

// loadPrefectYAML checks the prefect.yaml flags and loads the entries selected for envName.
func loadPrefectYAML(f *deployFlags, cfg *config.File, envName, image string, env Env) ([]prefectyaml.Deployment, map[string]string, error) {
	deps, envVars, _, err := loadPrefectYAMLFor(f, cfg, envName, image, env, "")
	return deps, envVars, err
}

// loadPrefectYAMLFor is loadPrefectYAML for a server of Prefect serverVersion ("" unknown);
// with --skip-invalid the files with problems are returned in refused instead of failing.
func loadPrefectYAMLFor(f *deployFlags, cfg *config.File, envName, image string, env Env, serverVersion string) (deps []prefectyaml.Deployment, envVars map[string]string, refused []prefectyaml.RefusedFile, err error) {
	patterns := prefectYAMLPatterns(f.prefectYAML, cfg)
	outputs, err := parseStepOutputs(f.stepOutputs)
	if err != nil {
		return nil, nil, nil, err
	}
	switch f.prefectYAMLNaming {
	case "keep", "product":
	default:
		return nil, nil, nil, usagef(`--prefect-yaml-naming must be "keep" or "product", got %q`, f.prefectYAMLNaming)
	}
	envVars, err = runEnvVars(f.envFiles, f.envVars, env)
	if err != nil {
		return nil, nil, nil, err
	}
	deps, err = prefectyaml.Load(patterns, prefectyaml.Options{
		Env: envName, Select: f.prefectYAMLSelect, StepOutputs: outputs, Image: image, Getenv: env.Getenv, RunScripts: true, Dir: env.Dir,
		PrefectVersion: serverVersion,
	})
	if f.skipInvalid {
		deps, refused, err = prefectyaml.SplitRefused(deps, err)
		if err == nil && len(deps) == 0 && len(refused) > 0 {
			err = refusedError(refused, env)
		}
	}
	if err != nil {
		return nil, nil, nil, err
	}
	return deps, envVars, refused, nil
}

// parseStepOutputs reads --step-output STEP_ID.KEY=VALUE flags.
func parseStepOutputs(flags []string) (map[string]string, error) {
	outputs := map[string]string{}
	for _, so := range flags {
		k, v, ok := strings.Cut(so, "=")
		if !ok || !strings.Contains(k, ".") {
			return nil, usagef("--step-output %q: want STEP_ID.KEY=VALUE", so)
		}
		outputs[strings.TrimSpace(k)] = v
	}
	return outputs, nil
}

// refusedError lists every refused file's problems, one "file:line:col: message" per line.
func refusedError(refused []prefectyaml.RefusedFile, env Env) error {
	lines := []string{fmt.Sprintf("%d prefect.yaml %s refused (--skip-invalid): nothing from %s was deployed", len(refused), plural(len(refused), "file", "files"), plural(len(refused), "it", "them"))}
	for _, r := range refused {
		for _, e := range r.Errors {
			c := *e
			c.File = relTo(env.Dir, c.File)
			lines = append(lines, c.Error())
		}
	}
	return errors.New(strings.Join(lines, "\n"))
}

// refusedFiles is the report's list of refused files.
func refusedFiles(refused []prefectyaml.RefusedFile, env Env) []report.RefusedFile {
	var out []report.RefusedFile
	for _, r := range refused {
		rf := report.RefusedFile{File: relTo(env.Dir, r.File)}
		for _, e := range r.Errors {
			c := *e
			c.File = rf.File
			rf.Errors = append(rf.Errors, c.Error())
		}
		out = append(out, rf)
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// yamlTarget is the deployment a deploy makes from one prefect.yaml entry for meta.
func yamlTarget(d prefectyaml.Deployment, namingMode string, meta deploy.Meta, envVars map[string]string, env Env) (deploy.Target, error) {
	t := deploy.Target{
		FlowName: d.FlowName, Spec: d.Spec, Triggers: d.Triggers, TriggersSet: true,
		// An entry that says paused: true is enforced; otherwise a redeploy keeps the server's state.
		PausedSet: d.Spec.Paused,
		Source:    relTo(env.Dir, d.File) + ":" + strconv.Itoa(d.Line),
		Commit:    meta.Commit, PackageVersion: meta.PackageVersion,
	}
	// Likewise a schedule marked active: false is enforced; an active one that was switched
	// off on the server stays off.
	for _, s := range d.Spec.Schedules {
		t.ScheduleActiveSet = append(t.ScheduleActiveSet, !s.Active)
	}
	if namingMode == "product" {
		n, err := naming.New(meta.Project, meta.Branch, d.FlowName, meta.Env)
		if err == nil {
			// Several entries of one flow become its variants: <flow>.<variant>.
			n, err = n.WithVariant(d.Variant)
		}
		if err != nil {
			return deploy.Target{}, fmt.Errorf("%s:%d: failed to name deployment %q: %w", relTo(env.Dir, d.File), d.Line, d.Name, err)
		}
		t.Name = n
		t.Spec.Name = n.String()
		triggers := make([]map[string]any, len(t.Triggers))
		for i, tr := range t.Triggers {
			triggers[i] = tr
			if name, ok := tr["name"].(string); ok && strings.HasPrefix(name, vocab.TriggerPrefix(d.Name)) {
				c := maps.Clone(tr)
				c["name"] = n.String() + strings.TrimPrefix(name, d.Name)
				triggers[i] = c
			}
		}
		t.Triggers = triggers
	}
	if t.Spec.Version == "" {
		t.Spec.Version = meta.Version()
	}
	t.Spec.Tags = appendMissing(t.Spec.Tags, meta.Tags()...)
	labels := maps.Clone(t.Spec.Labels)
	if labels == nil {
		labels = map[string]any{}
	}
	maps.Copy(labels, meta.Labels())
	t.Spec.Labels = labels
	jv := maps.Clone(t.Spec.JobVariables)
	if jv == nil {
		jv = map[string]any{}
	}
	jv["env"] = deploy.RunEnv(t.Spec.Name, jv["env"], envVars)
	t.Spec.JobVariables = jv
	return t, nil
}

func relTo(dir, p string) string {
	if dir == "" {
		return p
	}
	if r, err := filepath.Rel(dir, p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}

func appendMissing(s []string, add ...string) []string {
	out := append([]string(nil), s...)
	for _, a := range add {
		found := false
		for _, x := range out {
			if x == a {
				found = true
				break
			}
		}
		if !found {
			out = append(out, a)
		}
	}
	return out
}
