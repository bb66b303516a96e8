package discover

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// flowOf analyses src and returns its only flow.
func flowOf(t *testing.T, src string) Flow {
	t.Helper()
	flows, warns := analyze("flows.py", []byte(src))
	if len(flows) != 1 || len(warns) != 0 {
		t.Fatalf("analyze() = %d flows, warnings %v; want 1 flow and no warnings", len(flows), warns)
	}
	return flows[0]
}

// asJSON round-trips v through JSON so that numbers compare as float64.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestParameterSchemaReference checks the worked example that Prefect 3 and
// pydantic 2.13 produce (shared/reference/prefect-api.md §9.2), with *args
// and **kwargs as Prefect 3.9 writes them (an array and an object that
// default to empty, not required: before 3.9 no run could pass them).
func TestParameterSchemaReference(t *testing.T) {
	t.Parallel()
	f := flowOf(t, `import datetime
from typing import Literal, Optional
from prefect import flow

@flow
def f(name: str, count: int = 3, ratio: float = 0.5, flag: bool = False, tags: list[str] = [], opts: dict = {}, maybe: Optional[str] = None, mode: Literal["a","b"] = "a", when: datetime.date | None = None, untyped=1, *args, **kwargs):
    """Greet.

    Args:
        name: Who to greet.
    """
`)
	want := `{"title":"Parameters","type":"object",
 "properties":{
  "name":   {"description":"Who to greet.","position":0,"title":"name","type":"string"},
  "count":  {"default":3,"position":1,"title":"count","type":"integer"},
  "ratio":  {"default":0.5,"position":2,"title":"ratio","type":"number"},
  "flag":   {"default":false,"position":3,"title":"flag","type":"boolean"},
  "tags":   {"default":[],"items":{"type":"string"},"position":4,"title":"tags","type":"array"},
  "opts":   {"additionalProperties":true,"default":{},"position":5,"title":"opts","type":"object"},
  "maybe":  {"anyOf":[{"type":"string"},{"type":"null"}],"default":null,"position":6,"title":"maybe"},
  "mode":   {"default":"a","enum":["a","b"],"position":7,"title":"mode","type":"string"},
  "when":   {"anyOf":[{"format":"date","type":"string"},{"type":"null"}],"default":null,"position":8,"title":"when"},
  "untyped":{"default":1,"position":9,"title":"untyped"},
  "args":   {"default":[],"items":{},"position":10,"title":"args","type":"array"},
  "kwargs": {"additionalProperties":true,"default":{},"position":11,"title":"kwargs","type":"object"}},
 "required":["name"]}`
	var wantV any
	if err := json.Unmarshal([]byte(want), &wantV); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantV, asJSON(t, f.ParameterSchema())); diff != "" {
		t.Errorf("ParameterSchema() mismatch (-want +got):\n%s", diff)
	}
}

// TestParameterSchemaProperties checks one parameter's property per case;
// the expectations match what Prefect 3.8 produces for the same signature,
// except that defaults Discover cannot evaluate are left out with a
// warning (Prefect evaluates them on import).
func TestParameterSchemaProperties(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		param string // a parameter of "def f(<param>)"
		want  string // its property, as JSON
		warn  string // part of the expected warning, if any
	}{
		{name: "no annotation, no default", param: "x", want: `{"position":0,"title":"x"}`},
		{name: "List of int", param: "x: List[int]", want: `{"items":{"type":"integer"},"position":0,"title":"x","type":"array"}`},
		{name: "bare list", param: "x: list = [1, (2, 3)]", want: `{"default":[1,[2,3]],"items":{},"position":0,"title":"x","type":"array"}`},
		{name: "Dict of int", param: "x: Dict[str, int]", want: `{"additionalProperties":{"type":"integer"},"position":0,"title":"x","type":"object"}`},
		{name: "dict of Any", param: "x: dict[str, Any]", want: `{"additionalProperties":true,"position":0,"title":"x","type":"object"}`},
		{name: "Union", param: "x: Union[int, str]", want: `{"anyOf":[{"type":"integer"},{"type":"string"}],"position":0,"title":"x"}`},
		{name: "Optional Union flattens", param: "x: Optional[Union[int, str]] = None", want: `{"anyOf":[{"type":"integer"},{"type":"string"},{"type":"null"}],"default":null,"position":0,"title":"x"}`},
		{name: "pipe union", param: "x: int | str | None = None", want: `{"anyOf":[{"type":"integer"},{"type":"string"},{"type":"null"}],"default":null,"position":0,"title":"x"}`},
		{name: "Optional List", param: "x: Optional[List[str]] = None", want: `{"anyOf":[{"items":{"type":"string"},"type":"array"},{"type":"null"}],"default":null,"position":0,"title":"x"}`},
		{name: "fixed tuple", param: "x: Tuple[int, str]", want: `{"maxItems":2,"minItems":2,"prefixItems":[{"type":"integer"},{"type":"string"}],"position":0,"title":"x","type":"array"}`},
		{name: "variadic tuple", param: "x: tuple[int, ...]", want: `{"items":{"type":"integer"},"position":0,"title":"x","type":"array"}`},
		{name: "set", param: "x: Set[int]", want: `{"items":{"type":"integer"},"position":0,"title":"x","type":"array","uniqueItems":true}`},
		{name: "Annotated", param: `x: Annotated[int, "meta"]`, want: `{"position":0,"title":"x","type":"integer"}`},
		{name: "single Literal", param: `x: Literal["only"]`, want: `{"const":"only","position":0,"title":"x","type":"string"}`},
		{name: "int Literal", param: "x: Literal[1, 2]", want: `{"enum":[1,2],"position":0,"title":"x","type":"integer"}`},
		{name: "UUID", param: "x: uuid.UUID", want: `{"format":"uuid","position":0,"title":"x","type":"string"}`},
		{name: "timedelta", param: "x: timedelta", want: `{"format":"duration","position":0,"title":"x","type":"string"}`},
		{name: "Path", param: "x: Path", want: `{"format":"path","position":0,"title":"x","type":"string"}`},
		{name: "datetime", param: "x: datetime.datetime", want: `{"format":"date-time","position":0,"title":"x","type":"string"}`},
		{name: "time", param: "x: datetime.time", want: `{"format":"time","position":0,"title":"x","type":"string"}`},
		{name: "forward reference", param: `x: "int"`, want: `{"position":0,"title":"x","type":"integer"}`},
		{name: "bytes default", param: `x: bytes = b"x"`, want: `{"default":"x","format":"binary","position":0,"title":"x","type":"string"}`},
		{name: "negative float", param: "x: float = -1e3", want: `{"default":-1000,"position":0,"title":"x","type":"number"}`},
		{name: "hex int", param: "x: int = 0x10", want: `{"default":16,"position":0,"title":"x","type":"integer"}`},
		{name: "underscores", param: "x: int = 1_000", want: `{"default":1000,"position":0,"title":"x","type":"integer"}`},
		{name: "big int", param: "x: int = 123456789012345678901234567890", want: `{"default":123456789012345678901234567890,"position":0,"title":"x","type":"integer"}`},
		{name: "Any", param: "x: Any = None", want: `{"default":null,"position":0,"title":"x"}`},
		{name: "undefined class", param: "x: MyModel", want: `{"position":0,"title":"x"}`, warn: `its annotation "MyModel" could not be read without importing (MyModel is not defined or imported in a way Discover follows), so the deployment accepts any value for it`},
		{name: "nested dict default", param: `x: dict = {"a": {"b": [True, None]}}`, want: `{"additionalProperties":true,"default":{"a":{"b":[true,null]}},"position":0,"title":"x","type":"object"}`},
		{name: "tuple default", param: `x: tuple = (1, "2")`, want: `{"default":[1,"2"],"items":{},"position":0,"title":"x","type":"array"}`},
		{name: "arithmetic default", param: "x: int = 60 * 60", want: `{"default":3600,"position":0,"title":"x","type":"integer"}`},
		{name: "call default is left out", param: "x: int = int(3)", want: `{"position":0,"title":"x","type":"integer"}`, warn: `its default "int(3)" could not be evaluated without importing`},
		{name: "undefined default is left out", param: "x: str = DEFAULT", want: `{"position":0,"title":"x","type":"string"}`, warn: `its default "DEFAULT" could not be evaluated`},
		{name: "f-string default is left out", param: `x: str = f"{A}"`, want: `{"position":0,"title":"x","type":"string"}`, warn: `its default "f\"{A}\"" could not be evaluated`},
		{name: "int keyed dict default is left out", param: `x: dict = {1: 2}`, want: `{"additionalProperties":true,"position":0,"title":"x","type":"object"}`, warn: `could not be serialised as pydantic would`},
		{name: "complex default is left out", param: "x = 1j", want: `{"position":0,"title":"x"}`, warn: `its default "1j" could not be evaluated`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			flows, warns := analyze("flows.py", []byte(propertiesImports+"@flow\ndef f("+tt.param+"):\n    pass\n"))
			if len(flows) != 1 {
				t.Fatalf("analyze() = %d flows; want 1", len(flows))
			}
			f := flows[0]
			switch {
			case tt.warn == "" && len(warns) > 0:
				t.Errorf("unexpected warnings %v", warns)
			case tt.warn != "" && (len(warns) != 1 || !strings.Contains(warns[0].Message, tt.warn)):
				t.Errorf("warnings = %v, want one containing %q", warns, tt.warn)
			case tt.warn != "" && warns[0].Line != 8:
				t.Errorf("warning %v is not at the parameter's line 8", warns[0])
			}
			var want any
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			got := asJSON(t, f.ParameterSchema()).(map[string]any)["properties"].(map[string]any)["x"]
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("property mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// propertiesImports are the imports TestParameterSchemaProperties's flows
// have.
const propertiesImports = `import datetime, uuid
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Dict, List, Literal, Optional, Set, Tuple, Union
from prefect import flow

`

func TestParameterSchemaRequired(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		params string
		want   any // the "required" value, nil when absent
	}{
		{name: "no parameters", params: "", want: nil},
		{name: "all defaulted", params: "a=1, *, b=2", want: nil},
		{name: "keyword-only without default", params: "a=1, *, b", want: []any{"b"}},
		{name: "star args are optional", params: "a, *args, **kwargs", want: []any{"a"}},
		{name: "positional-only", params: "a, /, b=1", want: []any{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := flowOf(t, "from prefect import flow\n\n@flow\ndef f("+tt.params+"):\n    pass\n")
			got := asJSON(t, f.ParameterSchema()).(map[string]any)["required"]
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("required mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParameterSchemaSkipsSelf(t *testing.T) {
	t.Parallel()
	f := Flow{Params: []Param{{Name: "self", Kind: KindPositional}, {Name: "x", Kind: KindPositional}}}
	want := map[string]any{
		"title": "Parameters", "type": "object",
		"properties": map[string]any{"x": map[string]any{"title": "x", "position": 1.0}},
		"required":   []any{"x"},
	}
	if diff := cmp.Diff(asJSON(t, want), asJSON(t, f.ParameterSchema())); diff != "" {
		t.Errorf("ParameterSchema() mismatch (-want +got):\n%s", diff)
	}
}

// TestParameterSchemaGolden writes the schemas of testdata/cases/params.py
// to a golden file.
func TestParameterSchemaGolden(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(filepath.Join("testdata", "cases", "params.py"))
	if err != nil {
		t.Fatal(err)
	}
	flows, _ := analyze("params.py", src)
	got := map[string]any{}
	for _, f := range flows {
		got[f.Entrypoint] = f.ParameterSchema()
	}
	golden(t, filepath.Join("testdata", "cases", "params.schema.golden.json"), got)
}
