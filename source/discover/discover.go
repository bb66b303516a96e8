// Package discover decides which Prefect flows a repository contains, and
// the parameter schema Prefect would store for each, by reading its Python
// source without running Python.
//
// # Flows
//
// A flow is a function decorated with Prefect's flow decorator, in any of
// the forms Prefect accepts: @flow, @flow(), @flow(...), @prefect.flow,
// @prefect.flow(...), and aliases bound by imports such as "from prefect
// import flow as f" or "import prefect as pf". A name counts as Prefect's
// flow only when the file binds it by an import from prefect (or
// prefect.flows) before the decorator, so text in strings, comments and
// docstrings, @task, and a flow decorator imported from another library are
// never flows.
//
// The function is deployed when importing the file defines it: at
// indentation 0, or inside module-level if/elif/else, try/except/else/
// finally and with blocks (their conditions are not evaluated; every branch
// counts). A flow that is a @staticmethod or @classmethod of a module-level
// class gets the entrypoint "file.py:Class.method", which Prefect loads.
// Flows made by a call are found too, under the name they are assigned to:
// "x = flow(fn)" and "x = flow(name=...)(fn)" for a module-level def fn,
// and "x = some_flow.with_options(name="...")" when it renames a flow of
// the file (a with_options that keeps the name is the same flow).
//
// Discovery is static and conservative. Names are bound in file order:
// module-level imports, defs, classes and plain assignments ("f = ...")
// bind or rebind a name from that line on. Indented imports (inside try,
// if, def or class bodies) count only when they import from prefect, so
// "try: from prefect import flow" works and a function-local import of
// another flow cannot hide the module's. A star import binds "flow" only
// when it imports from prefect or prefect.flows; other star imports are not
// followed.
//
// Discover reports, as a [Warning] and without failing:
//   - a flow decorator on a function that importing the file does not
//     define at module level (a nested function, a function under
//     "if __name__ == '__main__'" or "if TYPE_CHECKING"), or on an instance
//     method (a deployment has no instance to call it on); none is deployed;
//   - @flow or @prefect.flow whose first name the file never binds (usually
//     a missing import); the function is not treated as a flow;
//   - a name= or description= that is not a string literal (the function
//     name or the docstring is used instead) and options passed with **;
//   - a flow decorator on a class;
//   - a flow name with no ASCII letter or digit (its Name is "");
//   - a file that is not valid Python as far as tokens go (unterminated
//     string, unbalanced brackets, invalid UTF-8); other files continue;
//   - a parameter whose schema could not be computed exactly (below).
//
// Flow names are standardised with naming.StandardizeFlow, so "my-flow" and
// "my_flow" share a Name; [Result.Duplicates] lists such collisions.
// Descriptions follow Prefect: a literal description= wins over the
// docstring, which is cleaned like inspect.cleandoc (a \N{...} escape in it
// is kept verbatim).
//
// # Parameter schemas
//
// [Flow.ParameterSchema] is the parameter_openapi_schema that Prefect 3.9's
// `prefect deploy` computes by importing the flow (pydantic 2's JSON schema
// of the signature), computed statically, with every Python file below the
// root in view:
//   - annotations: builtins and typing/typing_extensions/collections.abc
//     generics (Optional, Union, X | Y, list, dict, set, tuple, Literal,
//     Annotated, Any ...), datetime, date, time, timedelta, UUID, Path,
//     Decimal, ipaddress types, pydantic's SecretStr, SecretBytes, HttpUrl,
//     AnyUrl and constrained types (conint, constr, confloat, conlist,
//     PositiveInt, StrictStr ...), string forward references (resolved
//     where Prefect's pydantic resolves them), type aliases, TypeVars and
//     PEP 695 type parameters;
//   - classes of the repository: Enum (IntEnum, str mixins, auto()),
//     pydantic BaseModel (inheritance, Field defaults, descriptions,
//     constraints, default_factory, model_config extra), dataclasses,
//     TypedDict (total=, Required/NotRequired) and NamedTuple become
//     "definitions" referenced with "$ref" as pydantic writes them; a class
//     without such a base is an arbitrary type ({}), as in Prefect;
//   - Annotated metadata: pydantic Field (constraints, examples,
//     json_schema_extra; its title and description give way to the
//     parameter's, as Prefect does) and annotated-types Gt, Ge, Lt, Le,
//     MultipleOf, MinLen, MaxLen, Len and Interval;
//   - defaults, evaluated as an import would: literals, module constants,
//     arithmetic and string operations, names imported from other modules
//     of the repository (absolute and relative imports, namespace
//     packages), enum members (aliases too) and their .value and .name,
//     class attributes (which may use the class's other attributes),
//     date(...), datetime(...), time(...), timedelta(...), Path(...),
//     pydantic Field(default=..., description=..., json_schema_extra=...)
//     and instances of the repository's models and dataclasses;
//   - *args and **kwargs as Prefect 3.9 writes them: an array and an object
//     defaulting to empty, never required (before 3.9 Prefect made them
//     required values of the element type, so no run could pass);
//   - descriptions from the docstring as Prefect reads them: griffe's
//     Google-style parser, the last Args/Arguments/Params/Parameters
//     section, whitespace and continuation lines as griffe keeps them
//     (NumPy and Sphinx docstrings give none, as in Prefect).
//
// What cannot be computed this way is never made stricter than Prefect's
// schema: an annotation that cannot be resolved becomes "any value" and a
// default that cannot be evaluated is left out (the function's own default
// still applies at run time), each with a warning at the parameter naming
// the reason. These are, with their reasons:
//   - types and defaults defined outside the repository (installed
//     libraries such as Prefect blocks, pandas, or pydantic types not
//     listed above): their schema lives in code Discover does not read;
//   - defaults computed at import time by calls (datetime.now(),
//     os.environ.get(...), functions of the repository), f-strings,
//     comprehensions, conditional expressions: their value depends on
//     running code;
//   - generic classes, pydantic v1 models, models with aliases,
//     discriminators or validators that change the schema, metaclasses,
//     sets of more than one element as defaults (Python's set order depends
//     on hashing), and two different classes with the same name in one
//     schema (pydantic then qualifies names with their module).
//
// The oracle test (oracle_test.go) imports every flow of a corpus of more
// than 200 signatures with the real Prefect and compares its schemas with
// Discover's.
package discover

import (
	"cmp"
	"fmt"
	"slices"
)

// Flow is one Prefect flow found in the source.
type Flow struct {
	// Name is the standardised flow name: the literal name= if given, else
	// the function name, passed through naming.StandardizeFlow.
	Name string `json:"name"`
	// DeclaredName is the literal name= of the decorator, or "".
	DeclaredName string `json:"declared_name,omitempty"`
	// Function is the name of the decorated function, "Class.method" for a
	// flow that is a static or class method.
	Function string `json:"function"`
	// File is the path of the file relative to the root, with forward
	// slashes.
	File string `json:"file"`
	// Line is the 1-based line of the def keyword (of the assignment, for
	// a flow made by a call such as "x = flow(fn)").
	Line int `json:"line"`
	// DecoratorLine is the 1-based line of the flow decorator's "@" (of the
	// assignment, for a flow made by a call).
	DecoratorLine int `json:"decorator_line"`
	// Entrypoint is "<File>:<Function>", as Prefect deployments expect
	// ("<File>:<Class>.<method>" for a method).
	Entrypoint string `json:"entrypoint"`
	// Description is the literal description= if given, else the docstring
	// cleaned like Python's inspect.cleandoc.
	Description string `json:"description,omitempty"`
	// Async reports an async def.
	Async bool `json:"async,omitempty"`
	// Params are the function's parameters in declaration order.
	Params []Param `json:"params"`
	// Schema is the parameter schema Discover computed with the whole
	// repository in view; [Flow.ParameterSchema] returns it. It is nil for
	// a Flow built by hand.
	Schema map[string]any `json:"-"`
}

// Param is one parameter of a flow function.
type Param struct {
	// Name is the parameter name without * or **.
	Name string `json:"name"`
	// Annotation is the annotation's source text with whitespace
	// normalised, or "".
	Annotation string `json:"annotation,omitempty"`
	// Default is the default value's source text with whitespace
	// normalised, or "".
	Default string `json:"default,omitempty"`
	// Kind is "positional", "vararg" (*args), "kwonly" or "varkw"
	// (**kwargs).
	Kind string `json:"kind"`
	// HasDefault reports whether the parameter has a default value.
	HasDefault bool `json:"has_default,omitempty"`
	// Description is the parameter's entry in the docstring's Google-style
	// "Args:" section, or "".
	Description string `json:"description,omitempty"`
	// Documented reports that the docstring has an entry for the
	// parameter, even an empty one (Prefect then writes "description": "").
	Documented bool `json:"-"`
}

// Parameter kinds, the values of [Param.Kind].
const (
	KindPositional  = "positional"
	KindVarArg      = "vararg"
	KindKeywordOnly = "kwonly"
	KindVarKeyword  = "varkw"
)

// Warning is a problem found in a user's file that does not stop discovery.
type Warning struct {
	// File is the path relative to the root, with forward slashes.
	File string `json:"file"`
	// Line and Column are 1-based; Column counts characters. Both are 0
	// when the warning concerns the whole file.
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
	// Invalid is true when the file is not valid Python, so any flows in it were missed.
	Invalid bool `json:"invalid,omitempty"`
}

// String returns "file:line:col: message", or "file: message" when the
// warning has no position.
func (w Warning) String() string {
	if w.Line == 0 {
		return fmt.Sprintf("%s: %s", w.File, w.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s", w.File, w.Line, w.Column, w.Message)
}

// Result is what [Discover] found: flows sorted by File then Line, and
// warnings sorted by File, Line and Column.
type Result struct {
	Flows    []Flow    `json:"flows"`
	Warnings []Warning `json:"warnings"`
	// Calls are the calls of [Options.Calls], by file then position.
	Calls []Call `json:"-"`
}

// Options tunes [Discover].
type Options struct {
	// Exclude lists extra paths to skip, on top of the default skip list.
	// A pattern without "/" is matched (path.Match syntax) against every
	// directory and file name, so "tests" skips every tests directory and
	// "*_test.py" every such file; a pattern with "/" is matched against
	// the slash-separated path relative to the root and each of its parent
	// directories, so "legacy/*" skips everything below legacy. A leading
	// "./" or "/" and a trailing "/" are ignored.
	Exclude []string
	// Calls are qualified names of functions ("prefect.deployments.Deployment.build_from_flow")
	// whose calls Discover also reports in [Result.Calls], with their arguments evaluated as
	// parameter defaults are (constants of any file of the repository, timedelta(...), ...).
	Calls []string
}

// Duplicates returns the groups of two or more flows that share a Name,
// ordered by Name; each group is sorted by File then Line. Such flows would
// map to the same deployment.
func (r *Result) Duplicates() [][]Flow {
	byName := map[string][]Flow{}
	for _, f := range r.Flows {
		byName[f.Name] = append(byName[f.Name], f)
	}
	var groups [][]Flow
	for _, g := range byName {
		if len(g) > 1 {
			slices.SortFunc(g, compareFlows)
			groups = append(groups, g)
		}
	}
	slices.SortFunc(groups, func(a, b []Flow) int { return cmp.Compare(a[0].Name, b[0].Name) })
	return groups
}

func compareFlows(a, b Flow) int {
	return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
}

func compareWarnings(a, b Warning) int {
	return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Column, b.Column), cmp.Compare(a.Message, b.Message))
}
