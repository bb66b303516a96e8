package actiontest

import (
	"bufio"
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prefect-flow-deploy/prefect-deploy-action/ghaction"
	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/prefectyaml"
	"github.com/sethvargo/go-githubactions"
	"go.yaml.in/yaml/v3"
)

// actionOnly names the inputs that steer the composite's steps and never reach the program.
// Each must be used by the step that reads it (want) and must not be mapped to an INPUT_ variable.
var actionOnly = map[string]struct{ step, key string }{
	"setup-go":          {step: "Set up Go to build prefect-deploy", key: "if"},
	"working-directory": {step: "run", key: "working-directory"},
}

// findStep returns the step of action.yml whose id or name is idOrName.
func findStep(t testing.TB, d doc, idOrName string) *yaml.Node {
	t.Helper()
	for _, s := range d.steps() {
		if id := get(s.node, "id"); id != nil && id.Value == idOrName {
			return s.node
		}
		if n := get(s.node, "name"); n != nil && n.Value == idOrName {
			return s.node
		}
	}
	t.Fatalf("%s: no step with id or name %q", d.path, idOrName)
	return nil
}

// TestEveryInputReachesTheProgram guards the composite-action trap: the runner sets no INPUT_*
// variables for composite actions, so an input missing from the run step's env is silently
// empty on GitHub (act sets them, which would hide the bug).
func TestEveryInputReachesTheProgram(t *testing.T) {
	t.Parallel()
	d := load(t, filepath.Join(root, "action.yml"))
	inputs := get(d.node, "inputs")
	env := get(findStep(t, d, "run"), "env")
	if inputs == nil || env == nil {
		t.Fatalf("%s: want inputs and a run step with env", d.path)
	}
	mapped := map[string]string{}
	for _, k := range keys(env) {
		if strings.HasPrefix(k, "INPUT_") {
			mapped[k] = get(env, k).Value
		}
	}
	for _, name := range keys(inputs) {
		if use, ok := actionOnly[name]; ok {
			if _, bad := mapped[envName(name)]; bad {
				t.Errorf("%s: input %s steers the action's steps; it must not be passed to the program as %s", d.path, name, envName(name))
			}
			v := get(findStep(t, d, use.step), use.key)
			if v == nil || !strings.Contains(v.Value, "inputs."+name) {
				t.Errorf("%s: input %s is declared but step %q does not use it in %s", d.path, name, use.step, use.key)
			}
			continue
		}
		want := "${{ inputs." + name + " }}"
		got, ok := mapped[envName(name)]
		switch {
		case !ok:
			t.Errorf("%s: input %s is not mapped in the run step's env; add `%s: %s`", d.path, name, envName(name), want)
		case got != want:
			t.Errorf("%s: %s = %q, want %q", d.path, envName(name), got, want)
		}
		delete(mapped, envName(name))
	}
	for k := range mapped {
		t.Errorf("%s: run step env sets %s, but action.yml declares no input for it", d.path, k)
	}
}

// programInputs returns the input names package ghaction reads: its string constants named
// in<Something> (e.g. inSourceEnv = "source-env").
func programInputs(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(root, "ghaction", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok {
				return true
			}
			for i, id := range vs.Names {
				if len(id.Name) < 3 || !strings.HasPrefix(id.Name, "in") || id.Name[2] < 'A' || id.Name[2] > 'Z' || i >= len(vs.Values) {
					continue
				}
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					names = append(names, s)
				}
			}
			return true
		})
	}
	if len(names) == 0 {
		t.Fatal("found no input-name constants (in<Name> = \"...\") in package ghaction")
	}
	slices.Sort(names)
	return names
}

// TestActionDeclaresWhatTheProgramReads compares action.yml's inputs with the names package
// ghaction reads: an input the program reads but action.yml lacks cannot be passed at all, and
// one action.yml declares but the program ignores does nothing.
func TestActionDeclaresWhatTheProgramReads(t *testing.T) {
	t.Parallel()
	d := load(t, filepath.Join(root, "action.yml"))
	var declared []string
	for _, name := range keys(get(d.node, "inputs")) {
		if _, ok := actionOnly[name]; !ok {
			declared = append(declared, name)
		}
	}
	slices.Sort(declared)
	if diff := cmp.Diff(programInputs(t), declared); diff != "" {
		t.Errorf("inputs of action.yml (+) differ from the inputs package ghaction reads (-):\n%s", diff)
	}
}

// TestOutputsMatchWhatTheProgramWrites runs ghaction.Publish (and PublishImages) and checks action.yml exposes
// exactly the outputs it writes, each taken from the run step.
func TestOutputsMatchWhatTheProgramWrites(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	outFile := filepath.Join(dir, "output")
	env := map[string]string{"GITHUB_OUTPUT": outFile, "GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"), "GITHUB_WORKSPACE": dir}
	for _, f := range []string{outFile, env["GITHUB_STEP_SUMMARY"]} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var log bytes.Buffer
	a := githubactions.New(githubactions.WithWriter(&log), githubactions.WithGetenv(func(k string) string { return env[k] }))
	rep := &report.Report{Deployments: []report.Item{{Name: "p--main--f--dev", Flow: "f", Env: "dev", Action: report.Created}}}
	if err := ghaction.Publish(a, rep, nil, ""); err != nil {
		t.Fatalf("Publish: %v\n%s", err, log.String())
	}
	// command: images writes its own outputs.
	if err := ghaction.PublishImages(a, []prefectyaml.ImageRef{}, map[string][]prefectyaml.MatrixJob{"include": {}}, nil); err != nil {
		t.Fatalf("PublishImages: %v\n%s", err, log.String())
	}
	b, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	var written []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if name, _, ok := strings.Cut(sc.Text(), "<<"); ok && !strings.ContainsAny(name, " =") {
			written = append(written, name)
		}
	}
	slices.Sort(written)

	d := load(t, filepath.Join(root, "action.yml"))
	outputs := get(d.node, "outputs")
	declared := keys(outputs)
	slices.Sort(declared)
	if diff := cmp.Diff(written, declared); diff != "" {
		t.Errorf("outputs of action.yml (+) differ from the outputs the program writes (-):\n%s", diff)
	}
	for _, name := range keys(outputs) {
		want := "${{ steps.run.outputs." + name + " }}"
		if v := get(get(outputs, name), "value"); v == nil || v.Value != want {
			t.Errorf("%s: output %s: value must be %q", d.path, name, want)
		}
		if get(get(outputs, name), "description") == nil {
			t.Errorf("%s: output %s has no description", d.path, name)
		}
	}
	for _, name := range keys(get(d.node, "inputs")) {
		if desc := get(get(get(d.node, "inputs"), name), "description"); desc == nil || desc.Value == "" {
			t.Errorf("%s: input %s has no description", d.path, name)
		}
	}
}

// TestNoExpressionInRun fails on `${{` inside any run: script. The runner substitutes
// expressions into the script text before the shell parses it, so an input or event field
// holding `"; curl ... #` would run as code; values must reach scripts through env: instead.
func TestNoExpressionInRun(t *testing.T) {
	t.Parallel()
	files := append([]string{filepath.Join(root, "action.yml")}, workflowFiles(t)...)
	for _, path := range files {
		t.Run(filepath.ToSlash(path), func(t *testing.T) {
			t.Parallel()
			d := load(t, path)
			for _, s := range d.steps() {
				if run := get(s.node, "run"); run != nil && strings.Contains(run.Value, "${{") {
					t.Errorf("%s: %s: run: contains ${{ … }}; pass the value through env: and read \"$VAR\"", d.at(run), s.where)
				}
			}
		})
	}
}

var (
	pinnedRE  = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[^@]+)?@[0-9a-f]{40}$`)
	dockerRE  = regexp.MustCompile(`^docker://[^@]+@sha256:[0-9a-f]{64}$`)
	versionRE = regexp.MustCompile(`^#\s*v\d+(\.\d+){0,2}\b`)
)

// TestUsesPinnedToCommits requires every remote `uses:` to name a full 40-hex commit SHA with
// a `# vX.Y.Z` comment: tags and branches can be moved to new code after review (the
// reviewdog/action-setup tag hijack), and a user who pins this action by SHA would otherwise
// still run whatever setup-go's tag points at today.
func TestUsesPinnedToCommits(t *testing.T) {
	t.Parallel()
	files := append([]string{filepath.Join(root, "action.yml")}, workflowFiles(t)...)
	for _, path := range files {
		t.Run(filepath.ToSlash(path), func(t *testing.T) {
			t.Parallel()
			d := load(t, path)
			for _, u := range d.uses() {
				switch {
				case strings.HasPrefix(u.Value, "./"):
				case strings.HasPrefix(u.Value, "docker://"):
					if !dockerRE.MatchString(u.Value) {
						t.Errorf("%s: %q: pin images by digest (docker://IMAGE@sha256:…)", d.at(u), u.Value)
					}
				case !pinnedRE.MatchString(u.Value):
					t.Errorf("%s: %q: pin to a full 40-hex commit SHA, e.g. owner/repo@<sha> # v1.2.3", d.at(u), u.Value)
				case !versionRE.MatchString(u.LineComment):
					t.Errorf("%s: %q: add a `# vX.Y.Z` comment naming the release the SHA belongs to (got %q)", d.at(u), u.Value, u.LineComment)
				}
			}
		})
	}
}

// TestWorkflowHygiene checks the workflows users copy and the project's own: a permissions
// block (else the token gets the repository's default, often write-all), a timeout on every
// job, and no git credentials left on disk by checkout.
func TestWorkflowHygiene(t *testing.T) {
	t.Parallel()
	for _, path := range workflowFiles(t) {
		if !inDir(path, ".github/workflows") && !inDir(path, "examples/workflows") {
			continue
		}
		t.Run(filepath.ToSlash(path), func(t *testing.T) {
			t.Parallel()
			d := load(t, path)
			perms := get(d.node, "permissions")
			if perms == nil {
				t.Errorf("%s: no top-level permissions: block; start from `permissions: {contents: read}`", d.path)
			} else if perms.Kind == yaml.ScalarNode && perms.Value != "{}" {
				t.Errorf("%s: permissions: %s; list the scopes the jobs need", d.at(perms), perms.Value)
			}
			jobs := get(d.node, "jobs")
			for _, name := range keys(jobs) {
				job := get(jobs, name)
				if get(job, "uses") == nil && get(job, "timeout-minutes") == nil {
					t.Errorf("%s: job %s has no timeout-minutes (the default is 6 hours)", d.at(job), name)
				}
			}
			for _, s := range d.steps() {
				u := get(s.node, "uses")
				if u == nil || !strings.HasPrefix(u.Value, "actions/checkout@") {
					continue
				}
				if pc := get(get(s.node, "with"), "persist-credentials"); pc == nil || pc.Value != "false" {
					t.Errorf("%s: %s: set `persist-credentials: false` so later steps (and uploaded artifacts) cannot read the token", d.at(u), s.where)
				}
			}
		})
	}
}
