package report

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/prefect-flow-deploy/prefect-deploy-action/naming"
	"github.com/prefect-flow-deploy/prefect-deploy-action/prefect"
)

// maxValue is the longest value a plan line shows before cutting it (at a word).
const maxValue = 100

// WritePlan writes, per deployment, what will change, in words: the code moving from one
// commit to another (`code: 76bd1a2 → 9f3c0e1`), the version, tags and labels as the keys
// added, removed or changed, pull steps summarised, env var names (never values); a new
// deployment shows its entrypoint, pool and queue, where its code comes from, its schedules and
// env var names, and for a promotion what differs from the source deployment.
func (r *Report) WritePlan(w io.Writer) {
	if r.ConfigCommit != "" {
		fmt.Fprintf(w, "  (the %s configuration was read at commit %s)\n", r.Env, r.ConfigCommit)
	}
	for _, p := range r.WorkPools {
		switch p.Action {
		case Created, WouldCreate:
			if p.Entrypoint != "" {
				fmt.Fprintf(w, "  + %s (new, %s)\n", p.Name, p.Entrypoint)
			} else {
				fmt.Fprintf(w, "  + %s (new)\n", p.Name)
			}
		default:
			writePlanItem(w, p)
		}
	}
	for _, d := range r.Deployments {
		writePlanItem(w, d)
	}
}

// writePlanItem writes one item of the plan.
func writePlanItem(w io.Writer, d Item) {
	{
		switch d.Action {
		case Unchanged:
			fmt.Fprintf(w, "  = %s (unchanged)\n", d.Name)
		case Created, WouldCreate:
			fmt.Fprintf(w, "  + %s (new)\n", d.Name)
			for _, l := range newLines(d) {
				fmt.Fprintf(w, "      %s\n", l)
			}
			writeOrigins(w, d.Origins)
		case Updated, WouldUpdate:
			if OnlyAdoption(d.Changes) {
				fmt.Fprintf(w, "  ~ %s (adopted: only the product's tags, labels and DEPLOYMENT_NAME are added)\n", d.Name)
			} else {
				fmt.Fprintf(w, "  ~ %s\n", d.Name)
			}
			for _, l := range ChangeLines(d.Changes, d.Commit) {
				fmt.Fprintf(w, "      %s\n", l)
			}
			writeOrigins(w, d.Origins)
		case Skipped:
			fmt.Fprintf(w, "  - %s (skipped: %s)\n", d.Name, d.Error)
		case Deleted, WouldDelete:
			fmt.Fprintf(w, "  - %s (delete: %s)\n", d.Name, d.Reason)
		case Failed, WouldBeRefused:
			fmt.Fprintf(w, "  ! %s: %s\n", d.Name, d.Error)
		}
		for _, n := range d.Notes {
			fmt.Fprintf(w, "      note: %s\n", n)
		}
	}
}

// productKeys are the tag and label keys every deploy writes.
var productKeys = []string{naming.TagProject, naming.TagBranch, naming.TagEnv, naming.TagCommit, naming.TagPackageVersion, "CODE"}

// OnlyAdoption reports whether changes do nothing but add the product's bookkeeping to a
// deployment it did not make (one made by prefect deploy, by hand, or adopted): its tags and
// labels, which the deployment had none of, and DEPLOYMENT_NAME; every other field, and every
// tag, label and env var the deployment had, stays as it is.
func OnlyAdoption(changes []prefect.Change) bool {
	if len(changes) == 0 {
		return false
	}
	for _, c := range changes {
		if c.Old == nil && c.New == nil {
			return false
		}
		switch c.Field {
		case "tags":
			was, now := asStrings(c.Old), asStrings(c.New)
			for _, t := range was {
				if k, _, _ := strings.Cut(t, "="); slices.Contains(productKeys, k) || !slices.Contains(now, t) {
					return false
				}
			}
			for _, t := range now {
				if k, _, _ := strings.Cut(t, "="); !slices.Contains(was, t) && !slices.Contains(productKeys, k) {
					return false
				}
			}
		case "labels":
			if !onlyAdded(toMap(c.Old), toMap(c.New), productKeys) {
				return false
			}
		case "job_variables.env":
			if !onlyAdded(toMap(c.Old), toMap(c.New), []string{naming.EnvDeploymentName}) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// onlyAdded reports whether now is was plus some of the keys, none of which was had.
func onlyAdded(was, now map[string]any, keys []string) bool {
	for k, v := range was {
		if slices.Contains(keys, k) || !equal(v, now[k]) {
			return false
		}
	}
	for k := range now {
		if _, ok := was[k]; !ok && !slices.Contains(keys, k) {
			return false
		}
	}
	return true
}

// newLines describes a deployment about to be created.
func newLines(d Item) []string {
	var out []string
	if d.Entrypoint != "" {
		line := "entrypoint: " + d.Entrypoint
		file, _, _ := strings.Cut(d.Entrypoint, ":")
		if src, _, _ := strings.Cut(d.Source, ":"); d.Source != "" && !strings.HasSuffix(src, file) {
			line += " (from " + d.Source + ")"
		}
		out = append(out, line)
	}
	if d.Version != "" {
		line := "version: " + d.Version
		if d.PackageVersion != "" {
			line += ", package version " + d.PackageVersion
		}
		out = append(out, line)
	}
	s := d.Spec
	if s == nil {
		return out
	}
	if s.WorkPoolName != "" {
		q := s.WorkQueueName
		if q == "" {
			q = "default"
		}
		out = append(out, fmt.Sprintf("pool: %s, queue: %s", s.WorkPoolName, q))
	}
	code := DescribePullSteps(s.PullSteps)
	if img, ok := s.JobVariables["image"].(string); ok && img != "" {
		if code == "" {
			code = "the image's own working directory" // no pull step: the worker runs in its WORKDIR
		}
		code = "image " + img + ", " + code
	}
	if code != "" {
		out = append(out, "code: "+code)
	}
	if len(s.Schedules) > 0 {
		out = append(out, "schedules: "+cut(prefect.DescribeSchedules(s.Schedules)))
	}
	if keys := envKeys(s.JobVariables["env"]); len(keys) > 0 {
		out = append(out, "env: "+strings.Join(keys, ", "))
	}
	if s.Paused {
		out = append(out, "paused")
	}
	if len(d.FromSource) > 0 {
		out = append(out, "differs from "+orWord(d.Source, "the source")+":")
		for _, l := range ChangeLines(d.FromSource, d.Commit) {
			out = append(out, "  "+l)
		}
	}
	return out
}

func orWord(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// ChangeLines renders changes in words, one line each. commit is the commit deployed: when
// the stored deployment is at another commit, one `code: old → new` line replaces the tag,
// label and pull-step edits that only say that.
func ChangeLines(changes []prefect.Change, commit string) []string {
	old := oldCommit(changes, commit)
	var out []string
	switch {
	case old != "" && strings.HasPrefix(commit, old):
		// acme-portal-sdk's short COMMIT_HASH of the same commit.
		out = append(out, fmt.Sprintf("code: same commit %s (COMMIT_HASH written in full)", short(commit)))
	case old != "":
		out = append(out, fmt.Sprintf("code: %s → %s", short(old), short(commit)))
	}
	var tagLine, labelLine string
	for _, c := range changes {
		if old != "" && c.Field != "version" && onlyCommit(c, old, commit) {
			continue
		}
		var line string
		switch {
		case c.Old == nil && c.New == nil:
			// Only the short renderings are known (a change made outside prefect.Diff).
			line = fmt.Sprintf("%s: %s → %s", fieldName(c.Field), cut(c.From), cut(c.To))
		case c.Field == "tags":
			line = "tags: " + describeTags(c, old, commit)
			tagLine = line
		case c.Field == "labels":
			line = "labels: " + describeLabels(c, old, commit)
			labelLine = line
		case c.Field == "job_variables.env":
			line = "env: " + describeEnv(c.Old, c.New)
		case c.Field == "pull_steps":
			line = fmt.Sprintf("pull steps: %s → %s", orNone(DescribePullSteps(asSteps(c.Old))), orNone(DescribePullSteps(asSteps(c.New))))
		case c.Field == "parameters":
			line = "parameters: " + describeMap(c.Old, c.New, true)
		case c.Field == "parameter_openapi_schema":
			line = "parameter schema: changed"
		default:
			from, to := c.From, c.To
			if c.Old != nil || c.New != nil {
				from, to = renderValue(c.Old), renderValue(c.New)
			}
			line = fmt.Sprintf("%s: %s → %s", fieldName(c.Field), cut(from), cut(to))
		}
		out = append(out, line)
	}
	// The product's labels repeat its tags: say it once.
	if tagLine != "" && strings.TrimPrefix(tagLine, "tags: ") == strings.TrimPrefix(labelLine, "labels: ") {
		i := slices.Index(out, labelLine)
		out = slices.Delete(out, i, i+1)
		j := slices.Index(out, tagLine)
		out[j] = "tags, labels: " + strings.TrimPrefix(tagLine, "tags: ")
	}
	return out
}

// fieldName names an API field for people.
func fieldName(f string) string {
	switch f {
	case "work_pool_name":
		return "work pool"
	case "work_queue_name":
		return "work queue"
	case "concurrency_limit":
		return "concurrency limit"
	case "enforce_parameter_schema":
		return "enforce parameter schema"
	}
	return strings.ReplaceAll(strings.TrimPrefix(f, "job_variables."), "_", " ")
}

// oldCommit returns the commit the stored deployment is at, read from its COMMIT_HASH tag or
// label, when it differs from commit; "" otherwise.
func oldCommit(changes []prefect.Change, commit string) string {
	if commit == "" {
		return ""
	}
	for _, c := range changes {
		switch c.Field {
		case "tags":
			for _, t := range asStrings(c.Old) {
				if v, ok := strings.CutPrefix(t, "COMMIT_HASH="); ok && v != commit {
					return v
				}
			}
		case "labels":
			if m, ok := c.Old.(map[string]any); ok {
				if v, ok := m["COMMIT_HASH"].(string); ok && v != "" && v != commit {
					return v
				}
			}
		}
	}
	return ""
}

// onlyCommit reports whether c says nothing but that the commit moved from old to commit.
func onlyCommit(c prefect.Change, old, commit string) bool {
	if c.Old == nil && c.New == nil {
		return false
	}
	a, err1 := json.Marshal(prefect.Canonical(c.Old))
	b, err2 := json.Marshal(prefect.Canonical(c.New))
	if err1 != nil || err2 != nil {
		return false
	}
	moved := strings.ReplaceAll(string(a), old, commit)
	moved = strings.ReplaceAll(moved, short(old), short(commit))
	return moved == string(b)
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

// describeTags lists tags added and removed; KEY=VALUE tags whose value changed read
// "KEY a → b". A COMMIT_HASH move already said by the code line is left out.
func describeTags(c prefect.Change, old, commit string) string {
	was, now := asStrings(c.Old), asStrings(c.New)
	if was == nil && now == nil {
		return fmt.Sprintf("%s → %s", cut(c.From), cut(c.To))
	}
	kv := func(l []string) map[string]any {
		m := map[string]any{}
		for _, t := range l {
			k, v, ok := strings.Cut(t, "=")
			if !ok {
				k, v = t, "\x00"
			}
			m[k] = v
		}
		return m
	}
	a, b := kv(was), kv(now)
	if old != "" {
		if a["COMMIT_HASH"] == old && b["COMMIT_HASH"] == commit {
			delete(a, "COMMIT_HASH")
			delete(b, "COMMIT_HASH")
		}
	}
	return describeMap(a, b, true)
}

func describeLabels(c prefect.Change, old, commit string) string {
	a, _ := c.Old.(map[string]any)
	b, _ := c.New.(map[string]any)
	if a == nil && b == nil {
		return fmt.Sprintf("%s → %s", cut(c.From), cut(c.To))
	}
	a, b = clone(a), clone(b)
	if old != "" && a["COMMIT_HASH"] == old && b["COMMIT_HASH"] == commit {
		delete(a, "COMMIT_HASH")
		delete(b, "COMMIT_HASH")
	}
	return describeMap(a, b, true)
}

func clone(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// describeEnv names the env vars added, removed and changed; values are never shown.
func describeEnv(was, now any) string {
	return describeMap(toMap(was), toMap(now), false)
}

// describeMap lists a map's keys added (+K), removed (-K) and changed (K a → b, or ~K when
// values are not to be shown).
func describeMap(was, now any, values bool) string {
	a, b := toMap(was), toMap(now)
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	var parts []string
	for _, k := range names {
		av, aok := a[k]
		bv, bok := b[k]
		switch {
		case aok && !bok:
			parts = append(parts, "-"+k)
		case !aok && bok:
			if values && bv != "\x00" {
				parts = append(parts, fmt.Sprintf("+%s=%s", k, cut(render(bv))))
			} else {
				parts = append(parts, "+"+k)
			}
		case !equal(av, bv):
			if values && av != "\x00" && bv != "\x00" {
				parts = append(parts, fmt.Sprintf("%s %s → %s", k, cut(render(av)), cut(render(bv))))
			} else {
				parts = append(parts, "~"+k+" (value changed)")
			}
		}
	}
	if len(parts) == 0 {
		return "reordered"
	}
	return strings.Join(parts, ", ")
}

func equal(a, b any) bool {
	x, _ := json.Marshal(prefect.Canonical(a))
	y, _ := json.Marshal(prefect.Canonical(b))
	return string(x) == string(y)
}

func toMap(v any) map[string]any {
	switch m := prefect.Canonical(v).(type) {
	case map[string]any:
		return m
	}
	return map[string]any{}
}

func asStrings(v any) []string {
	switch l := v.(type) {
	case []string:
		return l
	case []any:
		out := make([]string, 0, len(l))
		for _, x := range l {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}
	return nil
}

func asSteps(v any) []map[string]any {
	var out []map[string]any
	if l, ok := prefect.Canonical(v).([]any); ok {
		for _, x := range l {
			if m, ok := x.(map[string]any); ok {
				out = append(out, m)
			}
		}
	}
	return out
}

// envKeys returns the sorted names of an env mapping.
func envKeys(v any) []string {
	m := toMap(v)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// DescribePullSteps summarises pull steps in words: "git clone URL at 9f3c0e1",
// "working directory /opt/prefect", or the step's short name for others; "" when there are none.
func DescribePullSteps(steps []map[string]any) string {
	var parts []string
	for _, step := range steps {
		for name, args := range step {
			a, _ := prefect.Canonical(args).(map[string]any)
			short := name[strings.LastIndex(name, ".")+1:]
			switch short {
			case "git_clone":
				s := "git clone " + fmt.Sprint(a["repository"])
				switch {
				case a["commit_sha"] != nil:
					s += " at " + shortRef(fmt.Sprint(a["commit_sha"]))
				case a["branch"] != nil:
					s += " at branch " + fmt.Sprint(a["branch"])
				}
				if a["credentials"] != nil || a["access_token"] != nil {
					s += " (with credentials)"
				}
				parts = append(parts, s)
			case "set_working_directory":
				parts = append(parts, "working directory "+fmt.Sprint(a["directory"]))
			default:
				parts = append(parts, strings.ReplaceAll(short, "_", " "))
			}
		}
	}
	return strings.Join(parts, ", then ")
}

// shortRef shortens a full commit SHA; other refs are kept.
func shortRef(s string) string {
	if len(s) == 40 || len(s) == 64 {
		return s[:7]
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// renderValue gives a stored or desired field's one-line form: schedules described, nil and
// nil pointers as "none".
func renderValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "none"
	case string:
		if x == "" {
			return "none"
		}
		return x
	case []prefect.DeploymentSchedule:
		return prefect.DescribeSchedules(x)
	case *int:
		if x == nil {
			return "none"
		}
		return fmt.Sprint(*x)
	case *prefect.ConcurrencyOptions:
		if x == nil {
			return "none"
		}
	}
	s := render(v)
	if s == "null" {
		return "none"
	}
	return s
}

// render gives a value's one-line form: strings as they are, others as JSON.
func render(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// cut shortens s to about maxValue characters, at the end of a word (a space, comma or
// semicolon), never inside a token, and marks the cut with "…".
func cut(s string) string {
	return cutAt(s, maxValue)
}

func cutAt(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	end := -1
	for i := n; i > 0; i-- {
		if r[i] == ' ' || r[i] == ',' || r[i] == ';' {
			end = i
			break
		}
	}
	if end <= 0 {
		// One long token: keep it whole up to its end rather than cut inside it.
		for i := n; i < len(r); i++ {
			if r[i] == ' ' || r[i] == ',' || r[i] == ';' {
				end = i
				break
			}
		}
		if end < 0 {
			return s
		}
	}
	return strings.TrimRight(string(r[:end]), " ,;") + " …"
}
