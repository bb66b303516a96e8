package discover

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeBig writes a Python file of at least size bytes: head, then a data table.
func writeBig(t *testing.T, path, head string, size int) {
	t.Helper()
	var b strings.Builder
	b.WriteString(head)
	b.WriteString("DATA = [\n")
	for b.Len() < size {
		b.WriteString(`    ("abcdefghij", 1234567890, 3.14159, "xyz"),` + "\n")
	}
	b.WriteString("]\n")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestOversizedFiles(t *testing.T) {
	root := t.TempDir()
	writeBig(t, filepath.Join(root, "table.py"), "# generated\n", MaxModuleSize+1)
	writeBig(t, filepath.Join(root, "huge_flows.py"), "import os\n\nfrom prefect import flow\n", MaxModuleSize+1)
	writeBig(t, filepath.Join(root, "ok.py"), "from prefect import flow\n\n\n@flow\ndef etl():\n    pass\n\n\n", MaxModuleSize-1<<10)
	res, err := Discover(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Flows) != 1 || res.Flows[0].Name != "etl" {
		t.Errorf("flows = %+v, want etl from ok.py (just under the limit)", res.Flows)
	}
	if len(res.Warnings) != 1 {
		t.Fatalf("warnings = %v, want one, for huge_flows.py (table.py never mentions flow: skipped)", res.Warnings)
	}
	w := res.Warnings[0]
	if w.File != "huge_flows.py" || w.Line != 3 || w.Column != 21 || !w.Invalid || !strings.Contains(w.Message, "MiB a flow module may be") {
		t.Errorf("warning = %+v, want huge_flows.py:3:21, invalid, naming the limit", w)
	}
}

func TestFirstMentionAcrossReads(t *testing.T) {
	long := strings.Repeat("x", 64<<10-2) + "flow" // "flow" straddles the 64 KiB buffer
	for _, tc := range []struct {
		text      string
		line, col int
		found     bool
	}{
		{"a\nb\n  flow\n", 3, 3, true},
		{"a\n" + long + "\n", 2, 64<<10 - 1, true},
		{strings.Repeat("y", 200<<10) + "flow", 1, 200<<10 + 1, true},
		{"no such word\n", 0, 0, false},
	} {
		line, col, found, err := firstMention(strings.NewReader(tc.text), []byte("flow"))
		if err != nil || line != tc.line || col != tc.col || found != tc.found {
			t.Errorf("firstMention(%d bytes) = %d, %d, %v, %v; want %d, %d, %v", len(tc.text), line, col, found, err, tc.line, tc.col, tc.found)
		}
	}
}
