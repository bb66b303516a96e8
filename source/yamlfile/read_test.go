package yamlfile

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func read(t *testing.T, src string, schema Schema) *Node {
	t.Helper()
	doc, err := Read("f.yaml", []byte(src), schema)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return doc.Root
}

func TestMergeKeysPerSchema(t *testing.T) {
	t.Parallel()
	src := "base: &b {a: 1, b: 2}\nother: &o {a: 9, d: 5}\nm:\n  <<: [*b, *o]\n  b: 3\n  c: 4\n"
	tests := []struct {
		schema Schema
		keys   []string
		want   map[string]any
	}{
		// YAML12: own keys first, then merged keys not set, the earlier merge winning.
		{YAML12, []string{"b", "c", "a", "d"}, map[string]any{"a": int64(1), "b": int64(3), "c": int64(4), "d": int64(5)}},
		// PyYAML: merged keys first (the first listed wins), then own keys, which win.
		{PyYAML, []string{"a", "d", "b", "c"}, map[string]any{"a": int64(1), "b": int64(3), "c": int64(4), "d": int64(5)}},
	}
	for _, tc := range tests {
		m, _ := read(t, src, tc.schema).Get("m")
		if diff := cmp.Diff(tc.keys, m.Keys); diff != "" {
			t.Errorf("schema %d: key order (-want +got):\n%s", tc.schema, diff)
		}
		if diff := cmp.Diff(tc.want, m.Value()); diff != "" {
			t.Errorf("schema %d: values (-want +got):\n%s", tc.schema, diff)
		}
	}
}

func TestDuplicateKeysPerSchema(t *testing.T) {
	t.Parallel()
	src := "a: 1\nb: 2\na: 3\n"
	root := read(t, src, YAML12)
	if v, _ := root.Get("a"); v.Int != 1 {
		t.Errorf("YAML12: a = %d, want the first value 1", v.Int)
	}
	if len(root.Problems) != 1 || root.Problems[0].Kind != DuplicateKey || root.Problems[0].At.Line != 3 || root.Problems[0].First.Line != 1 {
		t.Errorf("YAML12: problems = %+v, want one duplicate key at line 3 repeating line 1", root.Problems)
	}
	root = read(t, src, PyYAML)
	if v, _ := root.Get("a"); v.Int != 3 {
		t.Errorf("PyYAML: a = %d, want the last value 3", v.Int)
	}
	if diff := cmp.Diff([]string{"a", "b"}, root.Keys); diff != "" || len(root.Problems) != 0 {
		t.Errorf("PyYAML: keys (-want +got):\n%s problems %+v", diff, root.Problems)
	}
}

func TestTypingPerSchema(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in           string
		yaml12, py   any
		kind12, kind Kind
	}{
		{"yes", "yes", true, Str, Bool},
		{"on", "on", true, Str, Bool},
		{"1:30", "1:30", int64(90), Str, Int},
		{"true", true, true, Bool, Bool},
		{"12", int64(12), int64(12), Int, Int},
		{"'12'", "12", "12", Str, Str},
		{"2021-01-01", "2021-01-01", "2021-01-01", Time, Time},
		{"~", nil, nil, Null, Null},
	}
	for _, tc := range tests {
		v12, _ := read(t, "v: "+tc.in+"\n", YAML12).Get("v")
		vpy, _ := read(t, "v: "+tc.in+"\n", PyYAML).Get("v")
		if v12.Kind != tc.kind12 || vpy.Kind != tc.kind {
			t.Errorf("%s: kinds %s and %s, want %s and %s", tc.in, v12.Kind, vpy.Kind, tc.kind12, tc.kind)
		}
		if diff := cmp.Diff(tc.py, vpy.Value()); diff != "" {
			t.Errorf("%s under PyYAML (-want +got):\n%s", tc.in, diff)
		}
		if tc.kind12 != Str && tc.kind12 != Time {
			if diff := cmp.Diff(tc.yaml12, v12.Value()); diff != "" {
				t.Errorf("%s under YAML12 (-want +got):\n%s", tc.in, diff)
			}
		} else if v12.Text != tc.yaml12 {
			t.Errorf("%s under YAML12: text %q, want %q", tc.in, v12.Text, tc.yaml12)
		}
	}
}

func TestAliasesAreShared(t *testing.T) {
	t.Parallel()
	root := read(t, "a: &x {k: [1, 2]}\nb: *x\n", YAML12)
	a, _ := root.Get("a")
	b, _ := root.Get("b")
	if a != b {
		t.Fatal("an alias is not the node of its anchor")
	}
	tree := Expand(root, 100, "too many", func(*Node, string) { t.Error("unexpected problem") })
	ea, _ := tree.Get("a")
	eb, _ := tree.Get("b")
	if ea == eb || ea.Vals[0] == eb.Vals[0] {
		t.Error("Expand shares the copies of an alias")
	}
}

func TestExpandStopsAnAliasBomb(t *testing.T) {
	t.Parallel()
	src := "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
	var got []string
	Expand(read(t, src, PyYAML), 500, "too many values", func(at *Node, msg string) { got = append(got, msg) })
	if diff := cmp.Diff([]string{"too many values"}, got); diff != "" {
		t.Errorf("reports (-want +got):\n%s", diff)
	}
}

func TestPyYAMLProblemsAreWorded(t *testing.T) {
	t.Parallel()
	var got []string
	Expand(read(t, "on: 1\nv: !!python/object:os.system x\nw: 2021-02-30\n", PyYAML), 100, "", func(at *Node, msg string) { got = append(got, msg) })
	want := []string{
		`the key "on" is read as a boolean by Prefect's YAML reader (YAML 1.1); quote it`,
		"the tag !!python/object:os.system is not supported (yaml.safe_load cannot read it)",
		`"2021-02-30" is not a valid YAML timestamp: day is out of range for month`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestSyntaxErrorPosition(t *testing.T) {
	t.Parallel()
	src := "a: 1\nb:\n  c: 2\n  d: [1, 2\n"
	_, err := Read("f.yaml", []byte(src), YAML12)
	if err == nil || err.Line == 0 || !strings.HasPrefix(err.Message, "invalid YAML: ") {
		t.Fatalf("Read = %v, want a positioned syntax error", err)
	}
	if err.Line < 4 {
		t.Errorf("syntax error at line %d, want the line of the unclosed list (4) or later", err.Line)
	}
}

func TestSecondDocument(t *testing.T) {
	t.Parallel()
	doc, err := Read("f.yaml", []byte("a: 1\n---\nb: 2\n"), YAML12)
	if err != nil || doc.Extra == nil || doc.Extra.Line != 2 {
		t.Fatalf("Read = %+v, %v; want the second document at its --- (line 2)", doc, err)
	}
}
