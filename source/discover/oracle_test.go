package discover

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/internal/prefecttest"
)

// The oracle: every flow of testdata/oracle/corpus is imported by a real
// Prefect (scripts/venv.sh's pinned .venv, every venv at the repository
// root named .venv-*, and the newest .venvs/prefect-3.* venv)
// and its parameter_schema is compared with the one Discover computes
// without importing anything.
const (
	oracleCorpus = "testdata/oracle/corpus"
	oracleScript = "testdata/oracle/prefect_schemas.py"
	// oracleMinEqual is the fraction of flows whose schema must equal
	// Prefect's; oracleMaxStricter and oracleMaxMissed are the schemas
	// that may be stricter than Prefect's and the flows Discover may miss.
	// They are ratchets: each change to discover raises or lowers them to
	// what it reaches, towards 99%, 0 and 0.
	oracleMinEqual    = 0.99
	oracleMaxStricter = 0
	oracleMaxMissed   = 0
)

// oracleNotDeployed are the corpus flows Prefect can load but Discover
// deliberately does not deploy, each with the warning it gives instead.
var oracleNotDeployed = map[string]string{
	"flows/methods.py:Pipelines.instance": `flow "instance" is an instance method of class "Pipelines"`,
}

// oracleRow is one line of prefect_schemas.py's output.
type oracleRow struct {
	Version    string         `json:"prefect_version"`
	Entrypoint string         `json:"entrypoint"`
	Schema     map[string]any `json:"schema"`
	Error      string         `json:"error"`
}

// oracleVenvs returns the bin directories of the Prefect venvs to compare
// with: the pinned one first (required), then any .venv-* beside it.
func oracleVenvs(t *testing.T) []string {
	t.Helper()
	bin, err := prefecttest.Bin()
	if err != nil {
		t.Fatalf("the oracle needs the pinned Prefect venv: %v", err)
	}
	bins := []string{bin}
	root := filepath.Dir(filepath.Dir(bin))
	extra, _ := filepath.Glob(filepath.Join(root, ".venv-*", "bin", "python"))
	if newest := newestVenv(root); newest != "" {
		extra = append(extra, newest)
	}
	for _, py := range extra {
		if bin := filepath.Dir(py); !slices.Contains(bins, bin) {
			bins = append(bins, bin)
		}
	}
	return bins
}

// newestVenv returns the python of the newest .venvs/prefect-3.X.Y venv
// below root, or "": the per-version venvs of the compatibility suite
// include older servers, whose client schemas are not the target.
func newestVenv(root string) string {
	pys, _ := filepath.Glob(filepath.Join(root, ".venvs", "prefect-3.*", "bin", "python"))
	best, bestV := "", []int(nil)
	for _, py := range pys {
		name := strings.TrimPrefix(filepath.Base(filepath.Dir(filepath.Dir(py))), "prefect-")
		var v []int
		for _, part := range strings.Split(name, ".") {
			var n int
			if _, err := fmt.Sscanf(part, "%d", &n); err != nil {
				v = nil
				break
			}
			v = append(v, n)
		}
		if v != nil && (bestV == nil || slices.Compare(v, bestV) > 0) {
			best, bestV = py, v
		}
	}
	return best
}

// prefectSchemas runs prefect_schemas.py with the venv's python on the
// corpus and returns Prefect's version and its schema by entrypoint.
func prefectSchemas(t *testing.T, bin string) (string, map[string]oracleRow) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	script, err := filepath.Abs(oracleScript)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "python"), script, oracleCorpus)
	cmd.Env = append(os.Environ(), "PREFECT_LOGGING_LEVEL=CRITICAL", "PYTHONDONTWRITEBYTECODE=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s failed: %v\n%s", cmd, err, stderr.String())
	}
	rows := map[string]oracleRow{}
	version := ""
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var r oracleRow
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("bad line from %s: %v: %s", script, err, sc.Text())
		}
		if r.Version != "" {
			version = r.Version
			continue
		}
		rows[r.Entrypoint] = r
	}
	return version, rows
}

// TestOracle compares Discover's parameter schemas with Prefect's own for
// every flow of the corpus, and the flows found with the flows Prefect can
// load. It prints the equal/total figure for each Prefect version.
func TestOracle(t *testing.T) {
	if testing.Short() {
		t.Skip("oracle skipped: -short was given, so no Prefect venv is used")
	}
	t.Parallel()
	res, err := Discover(oracleCorpus, Options{})
	if err != nil {
		t.Fatal(err)
	}
	warned := map[string]bool{}
	for _, w := range res.Warnings {
		t.Logf("warning: %s", w)
		for ep, msg := range oracleNotDeployed {
			if strings.HasPrefix(ep, w.File+":") && strings.Contains(w.Message, msg) {
				warned[ep] = true
			}
		}
	}
	for ep, msg := range oracleNotDeployed {
		if !warned[ep] {
			t.Errorf("%s: no warning %q", ep, msg)
		}
	}
	ours := map[string]map[string]any{}
	warnedFlow := map[string]bool{}
	for _, f := range res.Flows {
		for _, w := range res.Warnings {
			if w.File == f.File && strings.Contains(w.Message, fmt.Sprintf("of flow %q:", f.Name)) {
				warnedFlow[f.Entrypoint] = true
			}
		}
		ours[f.Entrypoint] = normalJSON(t, f.ParameterSchema())
	}
	for _, bin := range oracleVenvs(t) {
		version, theirs := prefectSchemas(t, bin)
		t.Run("prefect-"+version, func(t *testing.T) {
			compareOracle(t, version, ours, theirs, warnedFlow)
		})
	}
}

func compareOracle(t *testing.T, version string, ours map[string]map[string]any, theirs map[string]oracleRow, warned map[string]bool) {
	var eps []string
	for ep := range theirs {
		eps = append(eps, ep)
	}
	for ep := range ours {
		if _, ok := theirs[ep]; !ok {
			eps = append(eps, ep)
		}
	}
	sort.Strings(eps)
	var equal, looser, total int
	var stricter, missed, extra []string
	for _, ep := range eps {
		row, known := theirs[ep]
		got, found := ours[ep]
		switch {
		case !known:
			extra = append(extra, ep)
			continue
		case row.Error != "":
			t.Errorf("%s: Prefect %s could not build its schema: %s", ep, version, row.Error)
			continue
		case !found && oracleNotDeployed[ep] != "":
			continue
		case !found:
			missed = append(missed, ep)
			total++
			continue
		}
		total++
		want := normalJSON(t, row.Schema)
		if oldVarArgs(version) {
			want = varArgsAsNewPrefect(want, ours[ep])
		}
		if reflect.DeepEqual(want, got) {
			equal++
			continue
		}
		diff := cmp.Diff(want, got)
		if why := stricterThan(got, want); why != "" {
			stricter = append(stricter, ep)
			t.Logf("%s: schema is stricter than Prefect %s's (%s) (-prefect +ours):\n%s", ep, version, why, diff)
			continue
		}
		looser++
		if !warned[ep] {
			t.Errorf("%s: schema differs from Prefect %s's and Discover gave no warning for it", ep, version)
		}
		t.Logf("%s: schema differs from Prefect %s's but accepts everything it accepts (-prefect +ours):\n%s", ep, version, diff)
	}
	ratio := float64(equal) / float64(max(total, 1))
	t.Logf("oracle vs Prefect %s: %d/%d equal (%.1f%%), %d looser, %d stricter, %d missed, %d extra",
		version, equal, total, 100*ratio, looser, len(stricter), len(missed), len(extra))
	fmt.Printf("oracle vs Prefect %s: %d/%d equal (%.1f%%), %d looser, %d stricter, %d missed, %d extra\n",
		version, equal, total, 100*ratio, looser, len(stricter), len(missed), len(extra))
	if total < 200 {
		t.Errorf("the corpus has %d flows Prefect can load; want at least 200", total)
	}
	if ratio < oracleMinEqual {
		t.Errorf("%.1f%% of the schemas equal Prefect %s's; want at least %.1f%%", 100*ratio, version, 100*oracleMinEqual)
	}
	for _, ep := range missed {
		t.Logf("%s: Prefect %s loads this flow; Discover did not find it", ep, version)
	}
	if len(stricter) > oracleMaxStricter {
		t.Errorf("%d schemas are stricter than Prefect %s's; want at most %d", len(stricter), version, oracleMaxStricter)
	}
	if len(missed) > oracleMaxMissed {
		t.Errorf("Discover missed %d flows Prefect %s loads; want at most %d", len(missed), version, oracleMaxMissed)
	}
	for _, ep := range extra {
		t.Errorf("%s: Discover found this flow; Prefect %s cannot load it", ep, version)
	}
}

// oldVarArgs reports whether Prefect version v writes *args and **kwargs
// the way Prefect did before 3.9: as required properties whose type is the
// element's annotation, so that no run could pass validation.
func oldVarArgs(v string) bool {
	var major, minor int
	if _, err := fmt.Sscanf(v, "%d.%d", &major, &minor); err != nil {
		return false
	}
	return major < 3 || (major == 3 && minor < 9)
}

// varArgsAsNewPrefect rewrites, in Prefect's schema want, the properties
// that ours writes as *args/**kwargs in Prefect 3.9's form (an array or an
// object defaulting to empty, not required) into that form, so that the old
// versions are compared on everything else. The element type is taken from
// Prefect's own property.
func varArgsAsNewPrefect(want, ours map[string]any) map[string]any {
	props, _ := want["properties"].(map[string]any)
	ourProps, _ := ours["properties"].(map[string]any)
	required, _ := want["required"].([]any)
	for name, p := range props {
		op, _ := ourProps[name].(map[string]any)
		prop, _ := p.(map[string]any)
		if op == nil || prop == nil {
			continue
		}
		var container map[string]any
		switch op["default"].(type) {
		case []any:
			if op["type"] != "array" {
				continue
			}
			container = map[string]any{"type": "array", "default": []any{}, "items": elementOf(prop)}
		case map[string]any:
			if op["type"] != "object" {
				continue
			}
			var values any = true
			if e := elementOf(prop); len(e) > 0 {
				values = e
			}
			container = map[string]any{"type": "object", "default": map[string]any{}, "additionalProperties": values}
		default:
			continue
		}
		if _, has := prop["default"]; has || !slices.Contains(required, any(name)) {
			continue // not a variadic parameter in the old form
		}
		for _, k := range []string{"title", "position", "description"} {
			if v, ok := prop[k]; ok {
				container[k] = v
			}
		}
		props[name] = container
		required = slices.DeleteFunc(required, func(r any) bool { return r == name })
	}
	if len(required) == 0 {
		delete(want, "required")
	} else {
		want["required"] = required
	}
	return want
}

// elementOf returns an old-form variadic property's type, without the keys
// that describe the parameter rather than its values.
func elementOf(prop map[string]any) map[string]any {
	e := map[string]any{}
	for k, v := range prop {
		if !annotationKeys[k] {
			e[k] = v
		}
	}
	return e
}

// annotationKeys are the keys of a property that never refuse a value.
var annotationKeys = map[string]bool{"title": true, "description": true, "position": true, "default": true, "examples": true}

// stricterThan returns why schema ours may refuse a run that Prefect's
// schema theirs accepts, or "" when it cannot: every property ours
// constrains is constrained identically by theirs (after $ref expansion),
// and ours requires nothing theirs does not.
func stricterThan(ours, theirs map[string]any) string {
	theirRequired, _ := theirs["required"].([]any)
	ourRequired, _ := ours["required"].([]any)
	for _, r := range ourRequired {
		if !slices.Contains(theirRequired, r) {
			return fmt.Sprintf("requires %v", r)
		}
	}
	ourProps, _ := ours["properties"].(map[string]any)
	theirProps, _ := theirs["properties"].(map[string]any)
	for name, p := range ourProps {
		oc := constraints(p.(map[string]any), ours, 0)
		if len(oc) == 0 {
			continue
		}
		tp, ok := theirProps[name].(map[string]any)
		if !ok {
			return fmt.Sprintf("constrains %s, which Prefect does not list", name)
		}
		if !reflect.DeepEqual(oc, constraints(tp, theirs, 0)) {
			return fmt.Sprintf("constrains %s differently", name)
		}
	}
	return ""
}

// constraints returns a schema without its annotation keys and with every
// $ref replaced by the definition it points to in root.
func constraints(s map[string]any, root map[string]any, depth int) map[string]any {
	out := map[string]any{}
	for k, v := range s {
		if annotationKeys[k] && depth == 0 {
			continue
		}
		if k == "$ref" {
			name := strings.TrimPrefix(v.(string), "#/definitions/")
			defs, _ := root["definitions"].(map[string]any)
			if d, ok := defs[name].(map[string]any); ok && depth < 20 {
				out["$ref:"+name] = constraints(d, root, depth+1)
				continue
			}
		}
		out[k] = expandRefs(v, root, depth+1)
	}
	return out
}

func expandRefs(v any, root map[string]any, depth int) any {
	switch x := v.(type) {
	case map[string]any:
		return constraints(x, root, depth)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = expandRefs(e, root, depth)
		}
		return out
	}
	return v
}

// normalJSON round-trips v through JSON so both sides compare alike, and
// drops an empty "required" or "definitions".
func normalJSON(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"required", "definitions"} {
		if x, ok := out[k]; ok && reflect.ValueOf(x).Len() == 0 {
			delete(out, k)
		}
	}
	return out
}
