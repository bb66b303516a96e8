package discover

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTokenizeValid checks sources that must tokenise, by the first token
// and indentation of every logical line.
func TestTokenizeValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want []string // "<indent>:<first token>" per logical line
	}{
		{name: "empty", src: "", want: nil},
		{name: "only comments and blank lines", src: "# a\n\n   # b\n\\\n", want: nil},
		{name: "string prefixes", src: "x = rb'\\'' + BR\"a\" + Rb\"\"\"b\"\"\" + u'c' + U\"d\" + R'e' + b'f'\nend\n", want: []string{"0:x", "0:end"}},
		{name: "escaped backslash before closing quote", src: "x = \"\\\\\"\nend\n", want: []string{"0:x", "0:end"}},
		{name: "raw string keeps escaped quote inside", src: "x = r\"\\\"\" + r'\\\\'\nend\n", want: []string{"0:x", "0:end"}},
		{name: "triple quotes with lone quotes inside", src: "x = '''a ' '' b''' + \"\"\"\"q\" \"\"\"\nend\n", want: []string{"0:x", "0:end"}},
		{name: "f-string conversion and nested spec", src: "x = f'{a!r:>{width}}' + F\"{a=}\"\nend\n", want: []string{"0:x", "0:end"}},
		{name: "f-string nested same quotes", src: "x = f\"{d[\"k\"]} {f\"{d[\"j\"]}\"}\"\nend\n", want: []string{"0:x", "0:end"}},
		{name: "f-string quote as fill character", src: "x = f\"{a:'>10}\"\nend\n", want: []string{"0:x", "0:end"}},
		{name: "f-string doubled braces", src: "x = f'{{literal}} {a} }}{{'\nend\n", want: []string{"0:x", "0:end"}},
		{name: "f-string named escape", src: "x = f\"\\N{BULLET} {a}\"\nend\n", want: []string{"0:x", "0:end"}},
		{name: "f-string dict and lambda", src: "x = f\"{ {'a': 1}['a'] } {(lambda y: y)(1)} {a != b}\"\nend\n", want: []string{"0:x", "0:end"}},
		{name: "raw f-string with backslash brace", src: "x = rf\"\\{a}\" + fR'\\d{b}'\nend\n", want: []string{"0:x", "0:end"}},
		{name: "t-string", src: "x = t\"{a}\" + tr'{b}'\nend\n", want: []string{"0:x", "0:end"}},
		{name: "triple-quoted f-string with multi-line field", src: "x = f\"\"\"{\n  a +\n  b\n}\"\"\"\nend\n", want: []string{"0:x", "0:end"}},
		{name: "CRLF line endings", src: "a = 1\r\nb = (\r\n  2)\r\nif a:\r\n    end\r\n", want: []string{"0:a", "0:b", "0:if", "4:end"}},
		{name: "line continuation", src: "a = 1 + \\\n  2\nb\n", want: []string{"0:a", "0:b"}},
		{name: "string continued over lines", src: "a = 'x\\\ny'\nb\n", want: []string{"0:a", "0:b"}},
		{name: "brackets join lines", src: "a = [\n1,\n# comment ]\n2]\nb\n", want: []string{"0:a", "0:b"}},
		{name: "byte order mark", src: "\ufeffimport prefect\n", want: []string{"0:import"}},
		{name: "tabs indent to multiples of eight", src: "if a:\n\tb\n  \tc\n", want: []string{"0:if", "8:b", "8:c"}},
		{name: "numbers", src: "a = 1e-5 + 0x_FF + 1_000.5j + .5 + 1. + 0o17 + 0b1 + 1E+3\n...\n", want: []string{"0:a", "0:..."}},
		{name: "unicode identifiers", src: "déjà = 1\n流程 = 2\n", want: []string{"0:déjà", "0:流程"}},
		{name: "comment with quotes", src: "a = 1  # it's \"fine\n'''b'''\n", want: []string{"0:a", "0:'''b'''"}},
		{name: "no trailing newline", src: "a = 1", want: []string{"0:a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := []byte(tt.src)
			lines, err := tokenize(src)
			if err != nil {
				t.Fatalf("tokenize() error = %v", err)
			}
			var got []string
			for _, ln := range lines {
				tok := ln.toks[0]
				got = append(got, strconv.Itoa(ln.indent)+":"+string(src[tok.off:tok.end]))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("logical lines mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTokenizeErrors checks the warning a file that is not Python gets.
func TestTokenizeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want string
	}{
		{name: "unterminated string", src: "a = 1\nb = 'abc\nc = 2\n", want: "flows.py:2:5: not valid Python, so its flows were not discovered: unterminated string literal"},
		{name: "unterminated triple-quoted string", src: "a = \"\"\"abc\n\n", want: "flows.py:1:5: not valid Python, so its flows were not discovered: unterminated triple-quoted string literal"},
		{name: "unterminated f-string field", src: "a = f'''{b\n", want: "flows.py:1:5: not valid Python, so its flows were not discovered: f-string: expecting '}'"},
		{name: "unterminated string at end of file", src: "a = 'abc", want: "flows.py:1:5: not valid Python, so its flows were not discovered: unterminated string literal"},
		{name: "never closed", src: "a = (1,\n  [2,\n", want: "flows.py:2:3: not valid Python, so its flows were not discovered: '[' was never closed"},
		{name: "unmatched", src: "a = 1)\n", want: "flows.py:1:6: not valid Python, so its flows were not discovered: unmatched ')'"},
		{name: "mismatched", src: "a = {\n1]\n", want: "flows.py:2:2: not valid Python, so its flows were not discovered: closing parenthesis ']' does not match opening parenthesis '{' on line 1"},
		{name: "backslash not at end of line", src: "a = 1 \\ 2\n", want: "flows.py:1:7: not valid Python, so its flows were not discovered: unexpected character after line continuation character"},
		{name: "column counts characters", src: "é = 'ü\n", want: "flows.py:1:5: not valid Python, so its flows were not discovered: unterminated string literal"},
		{name: "invalid UTF-8", src: "a = 1\nb = 'x\xff'\n", want: "flows.py:2:7: not valid Python, so its flows were not discovered: invalid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			flows, warns := analyze("flows.py", []byte(tt.src))
			if len(flows) != 0 || len(warns) != 1 {
				t.Fatalf("analyze() = %d flows and warnings %v, want 0 flows and 1 warning", len(flows), warns)
			}
			if got := warns[0].String(); got != tt.want {
				t.Errorf("warning = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestAnalyzeLineEndings checks that CRLF files and a byte order mark do
// not shift lines or leak "\r" into descriptions.
func TestAnalyzeLineEndings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
	}{
		{name: "LF", src: "from prefect import flow\n\n\n@flow\ndef f():\n    \"\"\"Line one.\n\n    Line two.\n    \"\"\"\n"},
		{name: "CRLF", src: "from prefect import flow\r\n\r\n\r\n@flow\r\ndef f():\r\n    \"\"\"Line one.\r\n\r\n    Line two.\r\n    \"\"\"\r\n"},
		{name: "BOM", src: "\ufefffrom prefect import flow\n\n\n@flow\ndef f():\n    \"\"\"Line one.\n\n    Line two.\n    \"\"\"\n"},
	}
	want := Flow{
		Name: "f", Function: "f", File: "flows.py", Line: 5, DecoratorLine: 4,
		Entrypoint: "flows.py:f", Description: "Line one.\n\nLine two.", Params: []Param{},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := flowOf(t, tt.src)
			got.Schema = nil // checked by the schema tests
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("flow mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzAnalyze checks that no input makes the analyser panic and that every
// warning points into the file.
func FuzzAnalyze(f *testing.F) {
	inputs, _ := filepath.Glob(filepath.Join("testdata", "cases", "*.py"))
	for _, p := range inputs {
		if src, err := os.ReadFile(p); err == nil {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		flows, warns := analyze("f.py", src)
		lines := strings.Count(string(src), "\n") + 1
		for _, w := range warns {
			if w.Line < 1 || w.Line > lines || w.Column < 1 {
				t.Errorf("warning %v points outside the file (%d lines)", w, lines)
			}
		}
		for _, fl := range flows {
			if fl.DecoratorLine > fl.Line || fl.Name == "" && fl.Function == "" {
				t.Errorf("bad flow %+v", fl)
			}
			_ = fl.ParameterSchema()
		}
	})
}
