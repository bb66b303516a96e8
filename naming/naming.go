// Package naming decides how Prefect deployments created by this action are
// named and tagged, and how those names and tags are read back.
//
// # Deployment names
//
// Every deployment is named
//
//	<project>--<branch>--<flow>[.<variant>]--<env>
//
// for example "acme-etl--feature-ABC-12--load-prices.hourly--dev". The four
// segments are separated by "--", which can never occur inside a segment, so
// a name splits back into its parts without guessing. Names are produced by
// [New] and [Name.WithVariant], printed by [Name.String] and read back by
// [Parse]; Parse accepts exactly the names String can print.
//
// # Project, branch and env segments
//
// [SanitizeSegment] turns any input into a segment:
//
//   - ASCII letters, ASCII digits, "-" and "." are kept; case is kept.
//   - Every other character becomes "-": the characters Prefect bans in names
//     (/ % & > <), whitespace, "_" (acme-portal-sdk already turned "_" into
//     "-" in project and branch names), other punctuation, control
//     characters and every non-ASCII character.
//   - Runs of "-" collapse to one "-", so "--" never occurs in a segment.
//   - Leading and trailing "-" and "." are trimmed.
//   - A result with no ASCII letter or digit left is an error.
//
// So "feature/ABC_12" becomes "feature-ABC-12", "dependabot/pip/requests-2.32"
// becomes "dependabot-pip-requests-2.32", "release/1.2" becomes "release-1.2"
// and "--lead" becomes "lead". "." is allowed because only the flow segment
// reserves it.
//
// # Flow names and variants
//
// [StandardizeFlow] gives a flow name's standard form, the name this action
// registers the flow under in Prefect:
//
//   - ASCII letters, ASCII digits and "_" are kept; case is kept.
//   - Every other character becomes "_": "-", ".", whitespace, other
//     punctuation and every non-ASCII character.
//   - Runs of "_" collapse to one "_"; leading and trailing "_" are trimmed.
//   - A result with no ASCII letter or digit left is an error in [New].
//
// So "my-flow", "my_flow", "my flow" and "my--flow" are the same flow,
// "my_flow". In a deployment name the flow appears in hyphen form
// ([HyphenFlow]: every "_" becomes "-", so "my_flow" is written "my-flow").
// Because a standard flow name has no "-", no doubled "_" and no "_" at
// either end, the hyphen form never contains "--" and converts back exactly.
//
// A flow can have several deployments in one environment, told apart by a
// variant written after a "." in the flow segment: "proj--main--etl.hourly--dev".
// "." is therefore never part of a standard flow name. Variants follow the
// flow rules ([StandardizeFlow], hyphen form in the name); an empty variant
// means none, so [Name.WithVariant]("") removes the variant.
//
// # Reading names back
//
// [Parse] splits on "--" into exactly four segments and accepts a name only
// when every segment is non-empty and already in the form above (the flow
// segment being "<hyphen-flow>" or "<hyphen-flow>.<hyphen-variant>"). A
// segment that sanitising would change is an error naming the segment and
// its sanitised form, so "proj--feature/x--etl--dev" is rejected rather than
// guessed at. Parse(n.String()) == n for every Name that [New] and
// [Name.WithVariant] return.
//
// # Why case is kept and why only ASCII
//
// Case is kept everywhere because Prefect names are case-sensitive and
// acme-portal-sdk kept case, so names of existing acme deployments whose
// parts were already valid come out unchanged. The consequence is that
// "Etl" and "etl" are different flows and different branches.
//
// Only ASCII letters and digits are kept because deployment names travel
// through URL paths, environment variables, shell scripts and GitHub
// annotations, and because the standard library offers no Unicode
// normalisation: "é" written as one code point or as "e" plus a combining
// accent would otherwise give two different names for what looks like the
// same branch. Distinct non-ASCII names can therefore sanitise to the same
// result ("café" and "cafè" both become "caf"); a name made only of
// non-ASCII characters is an error rather than an empty segment.
//
// Sanitising is idempotent: applying SanitizeSegment or StandardizeFlow to
// their own output changes nothing.
//
// # Tags
//
// Deployments carry "KEY=value" tags ([Tag]) with the keys [TagProject],
// [TagBranch], [TagEnv], [TagCommit] and [TagPackageVersion]. [ParseTag]
// splits on the first "=", so "PACKAGE_VERSION=1.0.0=rc" has the value
// "1.0.0=rc". [TagValue] matches keys exactly ("COMMIT" does not match
// "COMMIT_HASH=abc") and reports a key that appears with two different
// values as not found, because choosing one of them could promote the wrong
// commit; [TagValues] lists every value to explain such a conflict.
package naming

import (
	"errors"
	"fmt"
	"strings"
)

// Tag keys written on every deployment, and the environment variable that
// carries the deployment name into flow runs.
const (
	// TagProject is the tag key holding the project segment.
	TagProject = "PROJECT_NAME"
	// TagBranch is the tag key holding the branch segment.
	TagBranch = "BRANCH_NAME"
	// TagEnv is the tag key holding the env segment.
	TagEnv = "ENV"
	// TagCommit is the tag key holding the commit hash that was deployed.
	TagCommit = "COMMIT_HASH"
	// TagPackageVersion is the tag key holding the deployed package version.
	TagPackageVersion = "PACKAGE_VERSION"
	// EnvDeploymentName is the job environment variable holding the full
	// deployment name.
	EnvDeploymentName = "DEPLOYMENT_NAME"
)

// Separator joins the four segments of a deployment name.
const Separator = "--"

// VariantSeparator separates a flow from its variant in the flow segment.
const VariantSeparator = "."

// bannedChars are the characters Prefect rejects in names
// (prefect/types/names.py, pattern ^[^/%&><]*$).
const bannedChars = "/%&><"

// ErrEmpty is wrapped by every error about a part that has no ASCII letter
// or digit left after sanitising.
var ErrEmpty = errors.New("no ASCII letter or digit left after sanitising")

// Name is a parsed deployment name. Flow is in the standard underscore form.
// Variant is empty or in the standard underscore form too.
//
// Names made by [New], [Name.WithVariant] and [Parse] are always valid; a
// Name built by hand can be checked with [Name.Validate].
type Name struct {
	Project, Branch, Flow, Variant, Env string
}

func isASCIIAlnum(r rune) bool {
	return ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')
}

// StandardizeFlow returns the standard form of a flow or variant name:
// anything but ASCII letters, digits and "_" becomes "_", runs of "_"
// collapse and "_" is trimmed from both ends. "my-flow" and "My Flow" become
// "my_flow" and "My_Flow". The result is "" when s has no ASCII letter or
// digit. StandardizeFlow is idempotent.
func StandardizeFlow(s string) string {
	return squeeze(s, '_', func(r rune) bool { return isASCIIAlnum(r) }, "_")
}

// HyphenFlow returns the form a standard flow or variant name takes inside a
// deployment name: every "_" becomes "-", so "my_flow" becomes "my-flow".
// Call it on the output of [StandardizeFlow].
func HyphenFlow(s string) string {
	return strings.ReplaceAll(s, "_", "-")
}

// SanitizeSegment returns s as a project, branch or env segment: ASCII
// letters, digits, "-" and "." are kept, everything else becomes "-", runs
// of "-" collapse and "-" and "." are trimmed from both ends. It fails with
// an error wrapping [ErrEmpty] when nothing is left. SanitizeSegment is
// idempotent.
func SanitizeSegment(s string) (string, error) {
	out := squeeze(s, '-', func(r rune) bool { return isASCIIAlnum(r) || r == '.' }, "-.")
	if out == "" {
		return "", fmt.Errorf("failed to sanitise %q: %w", s, ErrEmpty)
	}
	return out, nil
}

// squeeze replaces every rune for which keep is false by sep, collapses runs
// of sep and trims the characters in cutset from both ends.
func squeeze(s string, sep rune, keep func(rune) bool, cutset string) string {
	var b strings.Builder
	b.Grow(len(s))
	prevSep := false
	for _, r := range s {
		if !keep(r) {
			r = sep
		}
		if r == sep {
			if prevSep {
				continue
			}
			prevSep = true
		} else {
			prevSep = false
		}
		b.WriteRune(r)
	}
	return strings.Trim(b.String(), cutset)
}

// New builds the name of the deployment of flow from the given project and
// branch in env. It sanitises project, branch and env with
// [SanitizeSegment] and standardises flow with [StandardizeFlow]; the error
// names the part and the input when a part has nothing left.
func New(project, branch, flow, env string) (Name, error) {
	n := Name{Flow: StandardizeFlow(flow)}
	var errs []error
	sanitise := func(part, in string, out *string) {
		s, err := SanitizeSegment(in)
		if err != nil {
			errs = append(errs, fmt.Errorf("failed to sanitise %s %q: %w", part, in, ErrEmpty))
			return
		}
		*out = s
	}
	sanitise("project", project, &n.Project)
	sanitise("branch", branch, &n.Branch)
	if n.Flow == "" {
		errs = append(errs, fmt.Errorf("failed to standardise flow %q: %w", flow, ErrEmpty))
	}
	sanitise("env", env, &n.Env)
	if len(errs) > 0 {
		return Name{}, joinErrors(errs)
	}
	return n, nil
}

// joinedError is several errors printed on one line, separated by "; ".
type joinedError []error

func (e joinedError) Error() string {
	msgs := make([]string, len(e))
	for i, err := range e {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

func (e joinedError) Unwrap() []error { return e }

// joinErrors returns nil for no errors, the error itself for one, and a
// one-line joinedError otherwise.
func joinErrors(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return joinedError(errs)
}

// WithVariant returns a copy of n with variant v, standardised like a flow
// name (see [StandardizeFlow]). An empty v returns n without a variant; a
// non-empty v with no ASCII letter or digit is an error.
func (n Name) WithVariant(v string) (Name, error) {
	if v == "" {
		n.Variant = ""
		return n, nil
	}
	s := StandardizeFlow(v)
	if s == "" {
		return Name{}, fmt.Errorf("failed to standardise variant %q: %w", v, ErrEmpty)
	}
	n.Variant = s
	return n, nil
}

// FlowSegment returns the flow segment of the name: the hyphen form of the
// flow, followed by "." and the hyphen form of the variant when there is one.
func (n Name) FlowSegment() string {
	if n.Variant == "" {
		return HyphenFlow(n.Flow)
	}
	return HyphenFlow(n.Flow) + VariantSeparator + HyphenFlow(n.Variant)
}

// String returns the deployment name
// "<project>--<branch>--<hyphen-flow>[.<hyphen-variant>]--<env>".
// It does not sanitise: for a Name built by hand, call [Name.Validate] first.
func (n Name) String() string {
	return n.Project + Separator + n.Branch + Separator + n.FlowSegment() + Separator + n.Env
}

// Validate reports whether every field of n is already in the form [New]
// and [Name.WithVariant] produce, so that [Name.String] gives a name that
// [Parse] reads back to n. The error names the first field that is not.
func (n Name) Validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(checkSegment("project", n.Project))
	add(checkSegment("branch", n.Branch))
	add(checkFlow("flow", n.Flow))
	if n.Variant != "" {
		add(checkFlow("variant", n.Variant))
	}
	add(checkSegment("env", n.Env))
	if len(errs) > 0 {
		return fmt.Errorf("invalid deployment name parts: %w", joinErrors(errs))
	}
	return nil
}

// checkSegment reports whether seg is a sanitised project, branch or env
// segment.
func checkSegment(part, seg string) error {
	if seg == "" {
		return fmt.Errorf("%s is empty", part)
	}
	s, err := SanitizeSegment(seg)
	if err != nil {
		return fmt.Errorf("%s %q: %w", part, seg, ErrEmpty)
	}
	if s != seg {
		return fmt.Errorf("%s %q is not sanitised (it would be %q)", part, seg, s)
	}
	return nil
}

// checkFlow reports whether s is a standard flow or variant name.
func checkFlow(part, s string) error {
	if s == "" {
		return fmt.Errorf("%s is empty", part)
	}
	std := StandardizeFlow(s)
	if std == "" {
		return fmt.Errorf("%s %q: %w", part, s, ErrEmpty)
	}
	if std != s {
		return fmt.Errorf("%s %q is not standard (it would be %q)", part, s, std)
	}
	return nil
}

// Parse reads a deployment name printed by [Name.String]. The name must have
// exactly four non-empty segments separated by "--", each already in the
// form [New] produces, and the flow segment may carry one ".<variant>". The
// error names the offending segment and, when there is one, its sanitised
// form.
func Parse(s string) (Name, error) {
	segs := strings.Split(s, Separator)
	if len(segs) != 4 {
		return Name{}, fmt.Errorf("failed to parse deployment name %q: want 4 segments <project>--<branch>--<flow>--<env>, got %d", s, len(segs))
	}
	flow, variant, hasVariant := strings.Cut(segs[2], VariantSeparator)
	n := Name{
		Project: segs[0],
		Branch:  segs[1],
		Flow:    strings.ReplaceAll(flow, "-", "_"),
		Variant: strings.ReplaceAll(variant, "-", "_"),
		Env:     segs[3],
	}
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(checkSegment("project", n.Project))
	add(checkSegment("branch", n.Branch))
	add(checkFlowSegment("flow", flow))
	if hasVariant {
		add(checkFlowSegment("variant", variant))
	}
	add(checkSegment("env", n.Env))
	if len(errs) > 0 {
		return Name{}, fmt.Errorf("failed to parse deployment name %q: %w", s, joinErrors(errs))
	}
	return n, nil
}

// checkFlowSegment reports whether h is the hyphen form of a standard flow
// or variant name.
func checkFlowSegment(part, h string) error {
	if h == "" {
		return fmt.Errorf("%s is empty", part)
	}
	want := HyphenFlow(StandardizeFlow(h))
	if want == "" {
		return fmt.Errorf("%s %q: %w", part, h, ErrEmpty)
	}
	if want != h {
		return fmt.Errorf("%s %q is not in deployment-name form (it would be %q)", part, h, want)
	}
	return nil
}

// ValidateName reports whether s can be sent to Prefect as a deployment
// name: it must be non-empty and contain none of / % & > <. It does not
// require the <project>--<branch>--<flow>--<env> shape; use [Parse] for that.
func ValidateName(s string) error { return validatePrefectName("deployment", s) }

// ValidateFlowName reports whether s can be a Prefect flow name: Prefect's
// own client refuses, when the module is imported, a @flow whose name is
// empty or holds any of / % & > < (prefect/flows.py,
// _raise_on_name_with_banned_characters), so no worker could run it.
func ValidateFlowName(s string) error { return validatePrefectName("flow", s) }

func validatePrefectName(kind, s string) error {
	if s == "" {
		return fmt.Errorf("%s name is empty", kind)
	}
	if i := strings.IndexAny(s, bannedChars); i >= 0 {
		return fmt.Errorf("%s name %q contains %q, which Prefect does not allow in names (banned: / %% & > <)", kind, s, s[i:i+1])
	}
	return nil
}

// Tag returns the deployment tag "KEY=value".
func Tag(key, value string) string {
	return key + "=" + value
}

// ParseTag splits tag at its first "=" into key and value, so
// "PACKAGE_VERSION=1.0.0=rc" gives "PACKAGE_VERSION" and "1.0.0=rc". ok is
// false when tag has no "=" or the key is empty; the value may be empty.
func ParseTag(tag string) (key, value string, ok bool) {
	key, value, found := strings.Cut(tag, "=")
	if !found || key == "" {
		return "", "", false
	}
	return key, value, true
}

// TagValues returns the distinct values of the tags whose key is exactly
// key, in the order they first appear.
func TagValues(tags []string, key string) []string {
	var vals []string
	for _, t := range tags {
		k, v, ok := ParseTag(t)
		if !ok || k != key {
			continue
		}
		dup := false
		for _, seen := range vals {
			if seen == v {
				dup = true
				break
			}
		}
		if !dup {
			vals = append(vals, v)
		}
	}
	return vals
}

// TagValue returns the value of the tag whose key is exactly key
// ("COMMIT" does not match "COMMIT_HASH=abc"). The same tag repeated is
// fine, but ok is false both when the key is absent and when it appears
// with different values, since picking one could deploy the wrong commit;
// [TagValues] tells the two cases apart.
func TagValue(tags []string, key string) (string, bool) {
	vals := TagValues(tags, key)
	if len(vals) != 1 {
		return "", false
	}
	return vals[0], true
}
