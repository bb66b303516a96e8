package prefectyaml

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Step names prefect.yaml files use for the steps Load knows.
const (
	stepShell       = "prefect.deployments.steps.run_shell_script"
	stepShellLong   = "prefect.deployments.steps.utility.run_shell_script"
	stepDockerBuild = "prefect_docker.deployments.steps.build_docker_image"
	stepDockerPush  = "prefect_docker.deployments.steps.push_docker_image"
)

// stepState is what is known about one build or push step.
type stepState struct {
	fqn string
	// done is true when the outputs are known: the step ran here or they
	// were supplied.
	done    bool
	outputs map[string]any
	// line is where the step is written.
	line int
	// unknown explains, for an output a step that is not run here cannot
	// have (a derived docker step's image_id, or its tag without tag:),
	// why it is unknown and how to supply it.
	unknown map[string]string
}

func (s *stepState) short() string { return s.fqn[strings.LastIndexByte(s.fqn, '.')+1:] }

func (s *stepState) docker() bool { return s.fqn == stepDockerBuild || s.fqn == stepDockerPush }

// stepResult is the outcome of running one file's build and push steps.
type stepResult struct {
	outputs  map[string]any
	steps    map[string]*stepState
	warnings []warning
	failed   bool
	// assumed are the images already named in an "assumed to be built" warning, so that a
	// push step of the image a build step made adds none.
	assumed map[string]bool
	// builds are the build_docker_image steps, in order.
	builds []ImageBuild
}

type warning struct {
	n   *node
	msg string
}

// runSteps runs (or takes the supplied outputs of) build then push steps,
// as prefect deploy's run_steps does, collecting outputs under each step id
// and flat.
func (l *fileLoader) runSteps(steps []*node) *stepResult {
	res := &stepResult{outputs: map[string]any{}, steps: map[string]*stepState{}}
	for k, v := range l.flatSupplied {
		res.outputs[k] = v
	}
	for _, step := range steps {
		if len(step.Keys) == 0 {
			continue
		}
		if len(step.Keys) > 1 {
			l.errs.at(step, "a step must have exactly one key (the step function), but this one has %s", strings.Join(step.Keys, ", "))
			res.failed = true
			continue
		}
		fqn, args := step.Keys[0], step.Vals[0]
		if args.IsNull() {
			args = &node{Kind: mapKind, Line: args.Line, Col: args.Col}
		}
		if args.Kind != mapKind {
			l.errs.at(args, "the arguments of step %s must be a mapping, not %s", fqn, args.Kind)
			res.failed = true
			continue
		}
		st := &stepState{fqn: fqn, line: step.Line}
		id := ""
		if v, ok := args.Get("id"); ok && !v.IsNull() {
			if v.Kind != strKind {
				l.errs.at(v, "a step id must be a string, not %s", describe(v))
				res.failed = true
				continue
			}
			id = v.Str
			res.steps[id] = st
		}
		var out map[string]any
		switch supplied := l.supplied[id]; {
		case id != "" && supplied != nil:
			out = supplied
		case (fqn == stepShell || fqn == stepShellLong) && l.opts.RunScripts:
			var ok bool
			out, ok = l.shellStep(args, res, id)
			if !ok {
				res.failed = true
				continue
			}
		case fqn == stepShell || fqn == stepShellLong:
			res.warnings = append(res.warnings, warning{step, fmt.Sprintf("run_shell_script step %s is not run (scripts are off); its outputs must be supplied", idOr(id))})
		case st.docker() && l.opts.Image != "":
			out = imageOutputs(l.opts.Image)
		case st.docker():
			out = l.dockerStep(st, step, args, res, id)
		default:
			if id == "" {
				l.errs.at(step, "step %s is not supported: only run_shell_script runs here, and docker build/push steps take the image from the command line; give the step an id and supply its outputs as \"<id>.<key>\" to skip it", fqn)
			} else {
				l.errs.at(step, "step %s (id %q) is not supported: only run_shell_script runs here; run it yourself and supply its outputs as %q", fqn, id, id+".<key>")
			}
			res.failed = true
			continue
		}
		if out == nil {
			continue
		}
		if fqn == stepDockerBuild {
			res.builds = append(res.builds, l.imageBuild(step, args, res, id, out))
		}
		st.done, st.outputs = true, out
		if id != "" {
			res.outputs[id] = out
		}
		for k, v := range out {
			res.outputs[k] = v
		}
	}
	return res
}

func idOr(id string) string {
	if id == "" {
		return "(no id)"
	}
	return fmt.Sprintf("%q", id)
}

// imageOutputs are the outputs a docker build or push step would give for
// image: image, image_name and, when image has one, tag.
func imageOutputs(image string) map[string]any {
	out := map[string]any{"image": image, "image_name": image}
	name := image
	if i := strings.IndexByte(name, '@'); i >= 0 {
		name = name[:i]
		out["image_name"] = name
		return out
	}
	if i := strings.LastIndexByte(name, ':'); i > strings.LastIndexByte(name, '/') {
		out["image_name"], out["tag"] = name[:i], name[i+1:]
	}
	return out
}

// shellArgs are the keyword arguments of run_shell_script.
var shellArgs = map[string]bool{"script": true, "directory": true, "env": true, "stream_output": true, "expand_env_vars": true, "shell": true, "id": true, "requires": true}

// shellStep runs a run_shell_script step with Prefect's semantics: each line
// is split with shlex and executed without a shell unless shell is true;
// env is added to the environment; expand_env_vars substitutes $VAR and
// ${VAR}; the outputs are stdout and stderr, stripped.
func (l *fileLoader) shellStep(args *node, res *stepResult, id string) (map[string]any, bool) {
	args = args.Clone()
	t := &templater{errs: l.errs, lookup: l.lookup, outputs: res.outputs, steps: res.steps, what: "the inputs of step " + idOr(id),
		warn: func(n *node, f string, a ...any) {
			res.warnings = append(res.warnings, warning{n, fmt.Sprintf(f, a...)})
		}}
	before := len(l.errs.list)
	for i, k := range args.Keys {
		if k == "id" || k == "requires" {
			continue
		}
		if !shellArgs[k] {
			l.errs.at(args.Vals[i], "run_shell_script has no argument %q", k)
			continue
		}
		if refs := unresolved(args.Vals[i]); len(refs) > 0 {
			l.errs.at(args.Vals[i], "%s cannot be resolved in a step run here (it needs the Prefect server); pass the value through an environment variable instead", strings.Join(refs, ", "))
			continue
		}
		args.Vals[i], _ = t.apply(args.Vals[i], finalPass)
	}
	if len(l.errs.list) > before {
		return nil, false
	}
	scriptNode, _ := args.Get("script")
	if scriptNode == nil || scriptNode.Kind != strKind {
		l.errs.at(args, "run_shell_script needs a script string")
		return nil, false
	}
	env := os.Environ()
	extra := map[string]string{}
	if v, ok := args.Get("env"); ok && !v.IsNull() {
		if v.Kind != mapKind {
			l.errs.at(v, "run_shell_script env must be a mapping of strings, not %s", v.Kind)
			return nil, false
		}
		for i, k := range v.Keys {
			if v.Vals[i].Kind != strKind {
				l.errs.at(v.Vals[i], "run_shell_script env value %s must be a string (quote it), not %s", k, describe(v.Vals[i]))
				return nil, false
			}
			extra[k] = v.Vals[i].Str
			env = append(env, k+"="+v.Vals[i].Str)
		}
	}
	dir := l.dir
	if v, ok := args.Get("directory"); ok && !v.IsNull() {
		if v.Kind != strKind {
			l.errs.at(v, "run_shell_script directory must be a string")
			return nil, false
		}
		dir = v.Str
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(l.dir, dir)
		}
	}
	expand := false
	if v, ok := args.Get("expand_env_vars"); ok {
		expand = pyTruthy(v)
	}
	shell := false
	if v, ok := args.Get("shell"); ok {
		shell = pyTruthy(v)
	}
	var stdout, stderr bytes.Buffer
	for _, line := range pySplitLines(scriptNode.Str) {
		if expand {
			line = safeSubstitute(line, func(k string) (string, bool) {
				if v, ok := extra[k]; ok {
					return v, true
				}
				return l.lookup(k)
			})
		}
		var argv []string
		if shell {
			line = pyStrip(line)
			if line == "" {
				continue
			}
			argv = []string{"/bin/sh", "-c", line}
		} else {
			var err error
			argv, err = shlexSplit(line)
			if err != nil {
				l.errs.at(scriptNode, "run_shell_script %s: cannot split `%s` into arguments: %v", idOr(id), line, err)
				return nil, false
			}
			if len(argv) == 0 {
				continue
			}
		}
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir, cmd.Env = dir, env
		var errBuf bytes.Buffer
		cmd.Stdout = &stdout
		cmd.Stderr = &multiBuf{&stderr, &errBuf}
		if err := cmd.Run(); err != nil {
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				l.errs.at(scriptNode, "run_shell_script %s failed: `%s` exited with code %d: %s", idOr(id), line, exit.ExitCode(), pyStrip(text(stderr.Bytes())))
			} else {
				l.errs.at(scriptNode, "run_shell_script %s failed: `%s`: %v", idOr(id), line, err)
			}
			return nil, false
		}
	}
	return map[string]any{"stdout": pyStrip(text(stdout.Bytes())), "stderr": pyStrip(text(stderr.Bytes()))}, true
}

type multiBuf struct{ a, b *bytes.Buffer }

func (m *multiBuf) Write(p []byte) (int, error) {
	m.a.Write(p)
	return m.b.Write(p)
}

// text decodes process output as UTF-8, replacing invalid bytes.
func text(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

var reTemplateVar = regexp.MustCompile(`(?i)\$(?:(\$)|([_a-z][_a-z0-9]*)|\{([_a-z][_a-z0-9]*)\}|())`)

// safeSubstitute is Python's string.Template(s).safe_substitute(env).
func safeSubstitute(s string, lookup func(string) (string, bool)) string {
	return reTemplateVar.ReplaceAllStringFunc(s, func(m string) string {
		sub := reTemplateVar.FindStringSubmatch(m)
		switch {
		case sub[1] != "":
			return "$"
		case sub[2] != "":
			if v, ok := lookup(sub[2]); ok {
				return v
			}
		case sub[3] != "":
			if v, ok := lookup(sub[3]); ok {
				return v
			}
		}
		return m
	})
}

// shlexSplit is Python's shlex.split(s) (POSIX mode, no comments).
func shlexSplit(s string) ([]string, error) {
	var out []string
	var tok strings.Builder
	const (
		space  = 0
		word   = 'a'
		single = '\''
		double = '"'
		escape = '\\'
	)
	state, escapedState := space, space
	quoted := false
	for _, r := range s {
		switch state {
		case space:
			switch {
			case r == ' ' || r == '\t' || r == '\r' || r == '\n':
			case r == '\\':
				escapedState, state = word, escape
			case r == '\'' || r == '"':
				quoted, state = true, int(r)
			default:
				tok.WriteRune(r)
				state = word
			}
		case word:
			switch {
			case r == ' ' || r == '\t' || r == '\r' || r == '\n':
				out = append(out, tok.String())
				tok.Reset()
				quoted, state = false, space
			case r == '\'' || r == '"':
				quoted, state = true, int(r)
			case r == '\\':
				escapedState, state = word, escape
			default:
				tok.WriteRune(r)
			}
		case single:
			if r == '\'' {
				state = word
			} else {
				tok.WriteRune(r)
			}
		case double:
			switch r {
			case '"':
				state = word
			case '\\':
				escapedState, state = double, escape
			default:
				tok.WriteRune(r)
			}
		case escape:
			if escapedState == double && r != '"' && r != '\\' {
				tok.WriteRune('\\')
			}
			tok.WriteRune(r)
			state = escapedState
		}
	}
	switch state {
	case single, double:
		return nil, fmt.Errorf("no closing quotation")
	case escape:
		return nil, fmt.Errorf("no escaped character")
	case word:
		if tok.Len() > 0 || quoted {
			out = append(out, tok.String())
		}
	}
	return out, nil
}
