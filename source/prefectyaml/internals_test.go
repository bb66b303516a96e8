package prefectyaml

import (
	"bytes"
	"encoding/json"
	"math"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
)

func TestShlexSplit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string
		err  bool
	}{
		{name: "words", in: "git rev-parse --short HEAD", want: []string{"git", "rev-parse", "--short", "HEAD"}},
		{name: "single quotes keep everything", in: `echo 'a  b\n "c"'`, want: []string{"echo", `a  b\n "c"`}},
		{name: "double quotes escape only quote and backslash", in: `echo "a \"b\" \\ \$x \n"`, want: []string{"echo", `a "b" \ \$x \n`}},
		{name: "backslash outside quotes", in: `echo a\ b \x`, want: []string{"echo", "a b", "x"}},
		{name: "empty quoted argument", in: `printf '' ""`, want: []string{"printf", "", ""}},
		{name: "adjacent quotes join", in: `echo a'b'"c"d`, want: []string{"echo", "abcd"}},
		{name: "no comments or operators", in: "echo a#b | wc && x", want: []string{"echo", "a#b", "|", "wc", "&&", "x"}},
		{name: "blank", in: "   \t ", want: nil},
		{name: "unclosed quote", in: `echo "abc`, err: true},
		{name: "trailing backslash", in: `echo abc\`, err: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := shlexSplit(tc.in)
			if (err != nil) != tc.err {
				t.Fatalf("shlexSplit(%q) error = %v, want error %v", tc.in, err, tc.err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("shlexSplit(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestScalarTyping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want any
	}{
		{name: "yes is true", in: "yes", want: true},
		{name: "Off is false", in: "Off", want: false},
		{name: "y stays a string", in: "y", want: "y"},
		{name: "octal", in: "0755", want: int64(493)},
		{name: "09 is not octal", in: "09", want: "09"},
		{name: "sexagesimal int", in: "1:30", want: int64(90)},
		{name: "1:60 is text", in: "1:60", want: "1:60"},
		{name: "exponent needs a sign", in: "1e3", want: "1e3"},
		{name: "signed exponent", in: "1.5e+3", want: 1500.0},
		{name: "infinity becomes null", in: ".inf", want: nil},
		{name: "tilde", in: "~", want: nil},
		{name: "date", in: "2021-01-01", want: "2021-01-01"},
		{name: "naive datetime", in: "2021-01-01 10:20:30", want: "2021-01-01T10:20:30"},
		{name: "utc datetime", in: "2021-01-01T10:20:30Z", want: "2021-01-01T10:20:30Z"},
		{name: "offset datetime", in: "2021-01-01T10:20:30.5+03:00", want: "2021-01-01T10:20:30.500000+03:00"},
		{name: "quoted", in: `"yes"`, want: "yes"},
		{name: "explicit str tag", in: "!!str 0755", want: "0755"},
		{name: "explicit int tag", in: "!!int '12'", want: int64(12)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, errs := scalar(t, tc.in)
			if len(errs) > 0 {
				t.Fatalf("%s: %v", tc.in, errs)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

// scalar reads "v: <in>" and returns the value of v as Load sees it.
func scalar(t *testing.T, in string) (any, Errors) {
	t.Helper()
	e := &errs{file: "x.yaml"}
	root := parseFile([]byte("v: "+in+"\n"), e)
	if root == nil {
		return nil, e.list
	}
	d := &decoder{errs: e}
	n := d.convert(root)
	v, _ := n.Get("v")
	return v.Value(), e.list
}

func TestScalarErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"2021-02-30", "!!python/object:os.system x", "=", "!!bool maybe", "0x" + "1ffffffffffffffff"} {
		if _, errs := scalar(t, in); len(errs) == 0 {
			t.Errorf("%q: no error, want one (yaml.safe_load rejects it)", in)
		}
	}
}

func TestParseInterval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   *node
		want float64
		err  bool
	}{
		{name: "seconds", in: &node{Kind: intKind, Int: 3600}, want: 3600},
		{name: "fractional", in: &node{Kind: floatKind, Float: 90.5}, want: 90.5},
		{name: "iso", in: &node{Kind: strKind, Str: "PT1H30M"}, want: 5400},
		{name: "iso days and weeks", in: &node{Kind: strKind, Str: "P1W2D"}, want: 9 * 86400},
		{name: "clock", in: &node{Kind: strKind, Str: "01:30:00"}, want: 5400},
		{name: "hours and minutes", in: &node{Kind: strKind, Str: "10:00"}, want: 36000},
		{name: "days", in: &node{Kind: strKind, Str: "2 days, 00:00:01.5"}, want: 172801.5},
		{name: "numeric string", in: &node{Kind: strKind, Str: "3600"}, err: true},
		{name: "zero", in: &node{Kind: intKind}, err: true},
		{name: "negative", in: &node{Kind: strKind, Str: "-PT1H"}, err: true},
		{name: "words", in: &node{Kind: strKind, Str: "hourly"}, err: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseInterval(tc.in)
			if (err != nil) != tc.err {
				t.Fatalf("parseInterval error = %v, want error %v", err, tc.err)
			}
			if got != tc.want {
				t.Errorf("parseInterval = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseAnchor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{name: "naive is UTC", in: "2026-01-01T09:00:00", want: "2026-01-01T09:00:00Z"},
		{name: "date is midnight UTC", in: "2026-01-01", want: "2026-01-01T00:00:00Z"},
		{name: "offset kept", in: "2026-01-01 09:00:00.25-0300", want: "2026-01-01T09:00:00.25-03:00"},
		{name: "zero offset is Z", in: "2026-01-01T09:00+00:00", want: "2026-01-01T09:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseAnchor(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if s := formatTime(got); s != tc.want {
				t.Errorf("parseAnchor(%q) = %s, want %s", tc.in, s, tc.want)
			}
		})
	}
	if _, err := parseAnchor("next monday"); err == nil {
		t.Error(`parseAnchor("next monday") gave no error`)
	}
}

func TestGetPath(t *testing.T) {
	t.Parallel()
	values := map[string]any{
		"build-image": map[string]any{"image": "reg/x:1", "additional_tags": []any{"a", "b"}, "0": "zero"},
		"stdout":      "abc",
	}
	tests := []struct {
		name string
		want any
		ok   bool
	}{
		{name: "build-image.image", want: "reg/x:1", ok: true},
		{name: "build-image.additional_tags[1]", want: "b", ok: true},
		{name: "build-image.additional_tags[-1]", want: "b", ok: true},
		{name: "build-image.additional_tags[2]"},
		{name: "stdout[0]", want: "a", ok: true},
		{name: "build-image.0"}, // an integer key never indexes a mapping
		{name: "build-image.image.tag"},
		{name: "missing"},
	}
	for _, tc := range tests {
		got, ok := getPath(values, tc.name)
		if ok != tc.ok || !cmp.Equal(got, tc.want) {
			t.Errorf("getPath(%q) = %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func TestImageOutputs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		image string
		want  map[string]any
	}{
		{"ghcr.io/org/etl:abc123", map[string]any{"image": "ghcr.io/org/etl:abc123", "image_name": "ghcr.io/org/etl", "tag": "abc123"}},
		{"localhost:5000/etl", map[string]any{"image": "localhost:5000/etl", "image_name": "localhost:5000/etl"}},
		{"reg/etl@sha256:0f", map[string]any{"image": "reg/etl@sha256:0f", "image_name": "reg/etl"}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, imageOutputs(tc.image)); diff != "" {
			t.Errorf("imageOutputs(%q) (-want +got):\n%s", tc.image, diff)
		}
	}
}

func TestPyRepr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   any
		want string
	}{
		{true, "True"},
		{nil, "None"},
		{1.0, "1.0"},
		{1e16, "1e+16"},
		{0.0001, "0.0001"},
		{1.5e-5, "1.5e-05"},
		{[]any{"a", int64(1), "it's"}, `['a', 1, "it's"]`},
		{map[string]any{"k": "v"}, "{'k': 'v'}"},
	}
	for _, tc := range tests {
		if got := pyStr(tc.in); got != tc.want {
			t.Errorf("pyStr(%#v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestPythonParity runs the Python functions Load imitates (shlex.split,
// yaml.safe_load with pydantic's JSON dump, pydantic's timedelta,
// string.Template.safe_substitute, str.splitlines, repr(float)) from the
// project's .venv on the same inputs and compares the results.
func TestPythonParity(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("needs the project's .venv Python; skipped under -short")
	}
	bin, err := prefecttest.Bin()
	if err != nil {
		t.Fatalf("no .venv: %v", err)
	}
	inputs := map[string][]string{
		"shlex": {`git rev-parse --short HEAD`, `echo "a \"b\" \\ \$x \n"`, `echo a\ b \x`, `printf '' ""`,
			`a'b'"c"d`, `x "y z`, `x \`, `echo 'it''s' "q\'q"`, "tab\tsep", `"\\\""`},
		"yaml": {"yes", "No", "on", "y", "0755", "09", "0o17", "1:30", "1:60", "-1:30:00", "190:20:30.15", "1e3", "1.5e+3",
			"1_000", "+12_000", "0b101", "0x1F", ".inf", "-.Inf", ".NaN", "~", "null", "", "2021-01-01", "2021-1-1",
			"2021-01-01 10:20:30", "2021-01-01T10:20:30Z", "2021-1-1t1:02:03.1234567 -5", "2021-01-01T00:00:00.000001+00:00",
			"'quoted'", "3.4.3", "1.0", "0.", ".5", "-0", "00", "<<x", "TRUE", "tRUE", "12:30:45"},
		"duration": {"PT1H30M", "P1W2D", "01:30:00", "1:00:00", "10:00", "1 day", "2 days, 00:00:01.5", "1d", "3600",
			"P1Y", "P1M", "PT1.5S", "24:00:00", "hourly", "1:2:3", "P", "PT"},
		"template": {"$A ${A} $$ $B ${B} $ $1 ${A", "cost: $$5 for $A_x and ${A}_x"},
		"lines":    {"a\nb\r\nc\rd\x0be\x0cf\x1cg\u2028h\n", "\n\nx", "single"},
		"floats":   {"1.0", "1e16", "0.0001", "1.5e-05", "123456789012345678", "0.1", "-2.5e-300", "100.0"},
	}
	script := `
import json, sys, shlex, string, yaml
from datetime import timedelta
from typing import Any
from pydantic import TypeAdapter
inp = json.load(sys.stdin)
out = {}
def attempt(f):
    try:
        return f()
    except Exception:
        return {"error": True}
out["shlex"] = [attempt(lambda s=s: shlex.split(s)) for s in inp["shlex"]]
anyta = TypeAdapter(Any)
out["yaml"] = [attempt(lambda s=s: anyta.dump_python(yaml.safe_load("v: " + s + "\n")["v"], mode="json")) for s in inp["yaml"]]
td = TypeAdapter(timedelta)
out["duration"] = [attempt(lambda s=s: td.validate_python(s).total_seconds()) for s in inp["duration"]]
out["template"] = [string.Template(s).safe_substitute({"A": "aa"}) for s in inp["template"]]
out["lines"] = [s.splitlines() for s in inp["lines"]]
out["floats"] = [repr(float(s)) for s in inp["floats"]]
json.dump(out, sys.stdout)
`
	in, _ := json.Marshal(inputs)
	cmd := exec.Command(filepath.Join(bin, "python"), "-c", script)
	cmd.Stdin = bytes.NewReader(in)
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	var py map[string][]any
	if err := json.Unmarshal(raw, &py); err != nil {
		t.Fatal(err)
	}
	isErr := func(v any) bool { m, ok := v.(map[string]any); return ok && m["error"] == true }
	asJSON := func(v any) any {
		b, _ := json.Marshal(v)
		var out any
		_ = json.Unmarshal(b, &out)
		return out
	}
	for i, s := range inputs["shlex"] {
		got, err := shlexSplit(s)
		if isErr(py["shlex"][i]) != (err != nil) || (err == nil && !cmp.Equal(asJSON(got), py["shlex"][i], cmp.Comparer(func(a, b []any) bool { return len(a) == 0 && len(b) == 0 || cmp.Equal(a, b) }))) {
			t.Errorf("shlex %q: Go %q (err %v), Python %v", s, got, err, py["shlex"][i])
		}
	}
	for i, s := range inputs["yaml"] {
		got, errs := scalar(t, s)
		if isErr(py["yaml"][i]) != (len(errs) > 0) || (len(errs) == 0 && !cmp.Equal(asJSON(got), py["yaml"][i])) {
			t.Errorf("yaml %q: Go %#v (errors %v), Python %#v", s, got, errs, py["yaml"][i])
		}
	}
	for i, s := range inputs["duration"] {
		got, ok := parseDuration(s)
		want := py["duration"][i]
		if isErr(want) != !ok || (ok && math.Abs(got-want.(float64)) > 1e-9) {
			t.Errorf("duration %q: Go %v (ok %v), Python %v", s, got, ok, want)
		}
	}
	for i, s := range inputs["template"] {
		got := safeSubstitute(s, func(k string) (string, bool) {
			if k == "A" {
				return "aa", true
			}
			return "", false
		})
		if got != py["template"][i] {
			t.Errorf("safe_substitute %q: Go %q, Python %q", s, got, py["template"][i])
		}
	}
	for i, s := range inputs["lines"] {
		if got := pySplitLines(s); !cmp.Equal(asJSON(got), py["lines"][i]) {
			t.Errorf("splitlines %q: Go %q, Python %v", s, got, py["lines"][i])
		}
	}
	for i, s := range inputs["floats"] {
		var f float64
		_ = json.Unmarshal([]byte(s), &f)
		if got := pyFloatRepr(f); got != py["floats"][i] {
			t.Errorf("repr(%s): Go %s, Python %s", s, got, py["floats"][i])
		}
	}
}
