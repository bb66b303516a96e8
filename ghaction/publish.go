package ghaction

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"github.com/prefect-flow-deploy/prefect-deploy-action/report"
	"github.com/sethvargo/go-githubactions"
)

// annotationBudget is how many annotations of one kind (error, warning, notice) GitHub shows per
// step; later ones are dropped silently, so Publish folds the rest into one.
const annotationBudget = 10

// outputDelimiter is the fixed heredoc delimiter go-githubactions v1.4.0 writes to GITHUB_OUTPUT;
// a value holding it could end the value early and forge other outputs.
const outputDelimiter = "_GitHubActionsFileCommandDelimeter_"

// Phases shows each phase of a run (checking input, planning, applying) as its own collapsible
// log group. The zero value is not usable; use NewPhases.
type Phases struct {
	a    *githubactions.Action
	open bool
}

// NewPhases returns Phases that write to a.
func NewPhases(a *githubactions.Action) *Phases { return &Phases{a: a} }

// Start ends the open group, if any, and opens one titled title; an empty title only ends the
// open group, so what follows (the final table, errors) stays visible in the log.
func (p *Phases) Start(title string) {
	if p.open {
		p.a.EndGroup()
		p.open = false
	}
	if title != "" {
		p.a.Group(title)
		p.open = true
	}
}

// End ends the open group, if any.
func (p *Phases) End() { p.Start("") }

// Publish shows a run's outcome the GitHub way. rep may be nil when the run failed before it
// had a report; runErr is the run's error, if any; configFile is the config file the run read
// ("" if none), named in the summary and used as the location of per-deployment failures that
// carry no file of their own.
//
// It writes these step outputs: deployments (the report's items as one compact JSON array),
// names (one deployment name per line, every item of the report), created, updated, unchanged
// and failed (counts of those actions; dry runs report would-create and would-update in plan and
// summary instead), plan (the text plan) and summary (one line of counts).
//
// It appends a Markdown job summary: a table with one row per deployment (linked to the Prefect
// UI), failures, the run's errors, warnings and the plan.
//
// Each line of runErr becomes an error annotation; a line of the form "file:line:col: message"
// (optionally after a "what failed: " prefix) is placed on that file and line, with the path
// made relative to GITHUB_WORKSPACE. Each failed deployment becomes an error annotation titled
// with its name; refusals and report warnings become warning annotations. Past GitHub's budget
// of 10 per kind and step, the rest are folded into one annotation pointing at the summary.
//
// A missing GITHUB_OUTPUT or GITHUB_STEP_SUMMARY is reported as a warning and skipped; failures
// to write either file are returned.
func Publish(a *githubactions.Action, rep *report.Report, runErr error, configFile string) error {
	p := publisher{a: a, workspace: a.Getenv("GITHUB_WORKSPACE")}
	p.cwd, _ = os.Getwd()

	runErrs := p.errorAnnotations(runErr)
	// Failed deployments first: with the budget spent on them, the summary still lists the rest.
	errs := append(p.itemAnnotations(rep, configFile, report.Failed), runErrs...)
	warns := p.itemAnnotations(rep, configFile, report.WouldBeRefused)
	if rep != nil {
		for _, w := range rep.Warnings {
			warns = append(warns, annotation{msg: w})
		}
	}
	foldedErrs := emit(errs, "errors", a.WithFieldsMap, (*githubactions.Action).Errorf)
	foldedWarns := emit(warns, "warnings", a.WithFieldsMap, (*githubactions.Action).Warningf)

	md, err := p.summary(rep, runErrs, configFile, foldedErrs || foldedWarns)
	if err != nil {
		return err
	}
	var out []error
	if a.Getenv("GITHUB_STEP_SUMMARY") == "" {
		a.Warningf("GITHUB_STEP_SUMMARY is not set: no job summary written")
	} else if err := fileCommand(func() { a.AddStepSummary(md) }); err != nil {
		out = append(out, fmt.Errorf("failed to write the job summary: %w", err))
	}
	if a.Getenv("GITHUB_OUTPUT") == "" {
		a.Warningf("GITHUB_OUTPUT is not set: no step outputs written")
	} else {
		outs, err := outputs(rep, runErr)
		if err != nil {
			return errors.Join(append(out, err)...)
		}
		for _, o := range outs {
			if slices.Contains(strings.Split(strings.ReplaceAll(o.value, "\r", ""), "\n"), outputDelimiter) {
				out = append(out, fmt.Errorf("failed to set output %q: the value contains the output delimiter", o.name))
				continue
			}
			if err := fileCommand(func() { a.SetOutput(o.name, o.value) }); err != nil {
				out = append(out, fmt.Errorf("failed to set output %q: %w", o.name, err))
				break
			}
		}
	}
	return errors.Join(out...)
}

// fileCommand runs a go-githubactions file command, turning its panic into an error.
func fileCommand(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = e
			} else {
				err = fmt.Errorf("%v", r)
			}
		}
	}()
	f()
	return nil
}

type output struct{ name, value string }

func outputs(rep *report.Report, runErr error) ([]output, error) {
	items := []report.Item{}
	summary := ""
	var names, plan strings.Builder
	counts := map[report.Action]int{}
	if rep != nil {
		if rep.Deployments != nil {
			items = rep.Deployments
		}
		for _, d := range rep.Deployments {
			names.WriteString(d.Name + "\n")
			counts[d.Action]++
		}
		rep.WritePlan(&plan)
		summary = rep.Summary()
	} else if runErr != nil {
		first, _, _ := strings.Cut(runErr.Error(), "\n")
		summary = "failed: " + first
	}
	var js bytes.Buffer
	enc := json.NewEncoder(&js)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(items); err != nil {
		return nil, fmt.Errorf("failed to encode the deployments output: %w", err)
	}
	return []output{
		{"deployments", strings.TrimSuffix(js.String(), "\n")},
		{"names", strings.TrimSuffix(names.String(), "\n")},
		{"created", strconv.Itoa(counts[report.Created])},
		{"updated", strconv.Itoa(counts[report.Updated])},
		{"unchanged", strconv.Itoa(counts[report.Unchanged])},
		{"failed", strconv.Itoa(counts[report.Failed])},
		{"plan", strings.TrimSuffix(plan.String(), "\n")},
		{"summary", summary},
	}, nil
}

// annotation is one ::error:: or ::warning:: line: properties (file, line, col, title) and text.
type annotation struct {
	props map[string]string
	msg   string
	// text is how the summary lists it.
	text string
}

// emit prints list within the budget and reports whether some were folded into the last one.
func emit(list []annotation, noun string, with func(map[string]string) *githubactions.Action, print func(*githubactions.Action, string, ...any)) bool {
	n := len(list)
	if n > annotationBudget {
		list = list[:annotationBudget-1]
	}
	for _, an := range list {
		print(with(an.props), "%s", an.msg)
	}
	if n > annotationBudget {
		rest := n - len(list)
		print(with(nil), "%d more %s not shown as annotations: see the job summary for all %d", rest, noun, n)
		return true
	}
	return false
}

var (
	// posRE matches "[what failed: ]file:line:col: message", where file has no spaces and ends
	// in an extension, so that "dial tcp 127.0.0.1:4200: ..." is not taken for a position.
	posRE    = regexp.MustCompile(`^(?:(.*?): )?([^\s:]*\.[A-Za-z][A-Za-z0-9]*):(\d+):(\d+): (.*)$`)
	sourceRE = regexp.MustCompile(`^(.+?):(\d+)$`)
)

type publisher struct {
	a         *githubactions.Action
	workspace string
	cwd       string
}

// errorAnnotations turns each line of err into one annotation; indented lines continue the
// line before them.
func (p publisher) errorAnnotations(err error) []annotation {
	if err == nil {
		return nil
	}
	var out []annotation
	for _, l := range strings.Split(strings.ReplaceAll(err.Error(), "\r\n", "\n"), "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if len(out) > 0 && (l[0] == ' ' || l[0] == '\t') {
			last := &out[len(out)-1]
			last.msg += "\n" + strings.TrimSpace(l)
			last.text += "\n" + l
			continue
		}
		an := annotation{msg: l, text: l}
		if m := posRE.FindStringSubmatch(l); m != nil {
			an.props = map[string]string{"file": p.rel(m[2]), "line": m[3], "col": m[4]}
			if m[1] != "" {
				an.props["title"] = m[1]
			}
			an.msg = m[5]
		}
		out = append(out, an)
	}
	return out
}

// itemAnnotations annotates the items with action act, on the file and line they came from.
func (p publisher) itemAnnotations(rep *report.Report, configFile string, act report.Action) []annotation {
	if rep == nil {
		return nil
	}
	var out []annotation
	for _, d := range rep.Deployments {
		if d.Action != act {
			continue
		}
		props := map[string]string{"title": d.Name}
		if m := sourceRE.FindStringSubmatch(d.Source); m != nil && !strings.Contains(m[1], "://") {
			props["file"], props["line"] = p.rel(m[1]), m[2]
		} else if configFile != "" {
			props["file"] = p.rel(configFile)
		}
		msg := d.Error
		if msg == "" {
			msg = string(d.Action)
		}
		if act == report.WouldBeRefused {
			msg = "refused: " + msg
		}
		out = append(out, annotation{props: props, msg: msg})
	}
	return out
}

// rel makes a path from the run's working directory relative to the repository root, which is
// what annotations need; paths outside the workspace are kept as they are.
func (p publisher) rel(file string) string {
	if p.workspace == "" {
		return filepath.ToSlash(file)
	}
	abs := file
	if !filepath.IsAbs(abs) {
		if p.cwd == "" {
			return filepath.ToSlash(file)
		}
		abs = filepath.Join(p.cwd, file)
	}
	r, err := filepath.Rel(p.workspace, abs)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(file)
	}
	return filepath.ToSlash(r)
}

var actionIcons = map[report.Action]string{
	report.Created:        "✅",
	report.Updated:        "🔄",
	report.Unchanged:      "➖",
	report.WouldCreate:    "🆕",
	report.WouldUpdate:    "✏️",
	report.Skipped:        "⏭️",
	report.Failed:         "❌",
	report.WouldBeRefused: "⛔",
	report.Deleted:        "🗑️",
	report.WouldDelete:    "🗑️",
}

type summaryRow struct{ Deployment, Flow, Env, Version, Commit, Action string }

type summaryData struct {
	Title, Counts, Config string
	Rows                  []summaryRow
	Failures              []string
	Errors                []string
	Warnings              []string
	Folded                bool
	Plan                  string
}

var summaryTmpl = template.Must(template.New("summary").Parse(`### {{.Title}}

{{.Counts}}
{{- if .Config}}

Config: {{.Config}}
{{- end}}
{{- if .Rows}}

| Deployment | Flow | Env | Version | Commit | Action |
| --- | --- | --- | --- | --- | --- |
{{- range .Rows}}
| {{.Deployment}} | {{.Flow}} | {{.Env}} | {{.Version}} | {{.Commit}} | {{.Action}} |
{{- end}}
{{- end}}
{{- if .Failures}}

#### Failures
{{range .Failures}}
- {{.}}
{{- end}}
{{- end}}
{{- if .Errors}}

#### Errors
{{range .Errors}}
- {{.}}
{{- end}}
{{- end}}
{{- if .Folded}}

GitHub shows at most 10 annotations of a kind per step; the lists here are complete.
{{- end}}
{{- if .Warnings}}

#### Warnings
{{range .Warnings}}
- {{.}}
{{- end}}
{{- end}}
{{- if .Plan}}

<details><summary>Plan</summary>

{{.Plan}}

</details>
{{- end}}
`))

func (p publisher) summary(rep *report.Report, runErrs []annotation, configFile string, folded bool) (string, error) {
	d := summaryData{Folded: folded}
	if configFile != "" {
		d.Config = code(p.rel(configFile))
	}
	for _, an := range runErrs {
		d.Errors = append(d.Errors, codeBlockOrText(an.text))
	}
	if rep == nil {
		d.Title = "prefect-deploy failed"
		d.Counts = "The run stopped before it could report on any deployment."
	} else {
		d.Title = p.title(rep)
		d.Counts = text(rep.Summary())
		for _, it := range rep.Deployments {
			d.Rows = append(d.Rows, p.row(it))
			if it.Action == report.Failed || it.Action == report.WouldBeRefused {
				d.Failures = append(d.Failures, fmt.Sprintf("%s (%s): %s", code(it.Name), it.Action, text(it.Error)))
			}
		}
		for _, w := range rep.Warnings {
			d.Warnings = append(d.Warnings, text(w))
		}
		var plan strings.Builder
		rep.WritePlan(&plan)
		if plan.Len() > 0 {
			d.Plan = fence(strings.TrimSuffix(plan.String(), "\n"), "text")
		}
	}
	var b strings.Builder
	if err := summaryTmpl.Execute(&b, d); err != nil {
		return "", fmt.Errorf("failed to render the job summary: %w", err)
	}
	return b.String(), nil
}

func (p publisher) title(rep *report.Report) string {
	var t string
	switch {
	case rep.Command == CommandPromote && rep.SourceEnv != "":
		t = fmt.Sprintf("Prefect promote %s → %s", code(rep.SourceEnv), code(rep.Env))
	case rep.Command == CommandPrune && rep.Env != "":
		t = fmt.Sprintf("Prefect prune in %s", code(rep.Env))
	case rep.Command == CommandRollback:
		t = fmt.Sprintf("Prefect rollback of %s", code(rep.Env))
	case rep.Env != "":
		t = fmt.Sprintf("Prefect %s to %s", text(or(rep.Command, CommandDeploy)), code(rep.Env))
	default:
		t = "Prefect " + text(or(rep.Command, CommandDeploy))
	}
	if rep.DryRun {
		t += " (dry run)"
	}
	return t
}

func (p publisher) row(it report.Item) summaryRow {
	r := summaryRow{
		Deployment: cell(code(it.Name)),
		Flow:       text(it.Flow),
		Env:        text(it.Env),
		Action:     strings.TrimSpace(actionIcons[it.Action] + " " + text(string(it.Action))),
	}
	if u := safeURL(it.URL); u != "" {
		r.Deployment = "[" + r.Deployment + "](" + u + ")"
	}
	if it.Version != "" {
		r.Version = cell(code(it.Version))
	}
	if it.Commit != "" {
		short := it.Commit
		if len(short) > 7 {
			short = short[:7]
		}
		r.Commit = cell(code(short))
		server := or(p.a.Getenv("GITHUB_SERVER_URL"), "https://github.com")
		if repo := p.a.Getenv("GITHUB_REPOSITORY"); repo != "" && commitRE.MatchString(it.Commit) {
			if u := safeURL(strings.TrimRight(server, "/") + "/" + repo + "/commit/" + it.Commit); u != "" {
				r.Commit = "[" + r.Commit + "](" + u + ")"
			}
		}
	}
	return r
}

var (
	textEscaper = strings.NewReplacer(
		`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
		"<", `\<`, ">", `\>`, "|", `\|`, "#", `\#`, "~", `\~`,
		"\r\n", " ", "\n", " ", "\r", " ",
	)
	urlEscaper = strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "|", "%7C", "<", "%3C", ">", "%3E")
)

// text escapes s for Markdown inline text (safe inside table cells too).
func text(s string) string { return textEscaper.Replace(s) }

// code wraps s in a code span, using a backtick run longer than any inside s.
func code(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	if s == "" {
		return ""
	}
	ticks := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return ticks + s + ticks
}

// cell makes a code span safe inside a table cell: GFM splits cells on any unescaped |, even
// inside code spans, and turns \| back into | there. (text already escapes |.)
func cell(codeSpan string) string { return strings.ReplaceAll(codeSpan, "|", `\|`) }

// fence puts s in a fenced code block longer than any backtick run inside it.
func fence(s, lang string) string {
	f := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	return f + lang + "\n" + s + "\n" + f
}

// codeBlockOrText renders one error for a list item: a code span for one line, a fenced block
// indented into the item for several.
func codeBlockOrText(s string) string {
	if !strings.Contains(s, "\n") {
		return code(s)
	}
	return strings.ReplaceAll(fence(s, "text"), "\n", "\n  ")
}

func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

// safeURL returns u escaped for a Markdown link target, or "" unless it is http(s).
func safeURL(u string) string {
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return ""
	}
	return urlEscaper.Replace(u)
}
