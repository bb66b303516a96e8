package actiontest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// root is the repository root, seen from this package's directory.
const root = ".."

// doc is a parsed YAML file with positions.
type doc struct {
	path string
	node *yaml.Node
}

func load(t testing.TB, path string) doc {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("failed to read %q: %v", path, err)
	}
	var n yaml.Node
	if err := yaml.Unmarshal(b, &n); err != nil {
		t.Fatalf("failed to parse %q: %v", path, err)
	}
	if n.Kind != yaml.DocumentNode || len(n.Content) != 1 || n.Content[0].Kind != yaml.MappingNode {
		t.Fatalf("%s: want a YAML mapping at the top", path)
	}
	return doc{path: path, node: n.Content[0]}
}

// at formats a position in the file for a failure message.
func (d doc) at(n *yaml.Node) string { return fmt.Sprintf("%s:%d:%d", d.path, n.Line, n.Column) }

// get returns the value of key in mapping m, or nil.
func get(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// keys returns the keys of mapping m in file order.
func keys(m *yaml.Node) []string {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	var out []string
	for i := 0; i+1 < len(m.Content); i += 2 {
		out = append(out, m.Content[i].Value)
	}
	return out
}

// step is one step of a composite action or of a workflow job.
type step struct {
	where string // "job build, step 2 (id run)"
	node  *yaml.Node
}

// steps returns the steps of action.yml (runs.steps) or of every job of a workflow.
func (d doc) steps() []step {
	var out []step
	add := func(prefix string, seq *yaml.Node) {
		if seq == nil {
			return
		}
		for i, s := range seq.Content {
			where := fmt.Sprintf("%sstep %d", prefix, i+1)
			if id := get(s, "id"); id != nil {
				where += " (id " + id.Value + ")"
			} else if name := get(s, "name"); name != nil {
				where += " (" + name.Value + ")"
			}
			out = append(out, step{where: where, node: s})
		}
	}
	add("", get(get(d.node, "runs"), "steps"))
	jobs := get(d.node, "jobs")
	for _, name := range keys(jobs) {
		add("job "+name+", ", get(get(jobs, name), "steps"))
	}
	return out
}

// uses returns every `uses:` value node of the file: steps, and jobs calling reusable workflows.
func (d doc) uses() []*yaml.Node {
	var out []*yaml.Node
	for _, s := range d.steps() {
		if u := get(s.node, "uses"); u != nil {
			out = append(out, u)
		}
	}
	jobs := get(d.node, "jobs")
	for _, name := range keys(jobs) {
		if u := get(get(jobs, name), "uses"); u != nil {
			out = append(out, u)
		}
	}
	return out
}

// workflowFiles lists the workflow files the project ships or runs.
func workflowFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, dir := range []string{".github/workflows", "examples/workflows", "actiontest/testdata/workflows"} {
		for _, ext := range []string{"*.yml", "*.yaml"} {
			m, err := filepath.Glob(filepath.Join(root, dir, ext))
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, m...)
		}
	}
	slices.Sort(files)
	return files
}

// inDir reports whether path is in the repository directory dir.
func inDir(path, dir string) bool {
	return filepath.ToSlash(filepath.Dir(path)) == filepath.ToSlash(filepath.Join(root, dir))
}

// envName is the variable the program reads an input from: INPUT_ and the name in upper snake case.
func envName(input string) string {
	return "INPUT_" + strings.ToUpper(strings.NewReplacer("-", "_", " ", "_").Replace(input))
}
