package ghaction

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/sethvargo/go-githubactions"
)

// Input names as users write them in action.yml; GetInput reads INPUT_<UPPER_SNAKE>.
const (
	inCommand          = "command"
	inEnv              = "env"
	inSourceEnv        = "source-env"
	inProject          = "project"
	inBranch           = "branch"
	inCommit           = "commit"
	inPackageVersion   = "package-version"
	inReleaseVersion   = "release-version"
	inFlows            = "flows"
	inConfig           = "config"
	inConfigFormat     = "config-format"
	inSourceRoot       = "source-root"
	inImage            = "image"
	inEnvVars          = "env-vars"
	inSecretEnvVars    = "secret-env-vars"
	inEnvFile          = "env-file"
	inPrefectYAML      = "prefect-yaml"
	inStepOutputs      = "step-outputs"
	inSkipInvalid      = "skip-invalid"
	inDryRun           = "dry-run"
	inConcurrency      = "concurrency"
	inAllowDowngrade   = "allow-downgrade"
	inSkipMissing      = "skip-missing"
	inPrune            = "prune"
	inFollowHead       = "follow-head"
	inTo               = "to"
	inBranchDeleted    = "branch-deleted"
	inRemoteBranches   = "remote-branches"
	inWorkPool         = "work-pool"
	inExclude          = "exclude"
	inYAMLSelect       = "prefect-yaml-select"
	inYAMLNaming       = "prefect-yaml-naming"
	inAPIURL           = "prefect-api-url"
	inAPIKey           = "prefect-api-key"
	inAuthString       = "prefect-api-auth-string"
	inGitHubToken      = "github-token"
	inGitHubDeployment = "github-deployments"
)

// Commands the action can run.
const (
	CommandDeploy  = "deploy"
	CommandPromote = "promote"
	// CommandRollback re-deploys env from the repository at a release tag or commit (input to).
	CommandRollback = "rollback"
	// CommandPrune deletes stale deployments (see the CLI's prune).
	CommandPrune = "prune"
	// CommandPreview deploys a pull request's branch to env (pruning what the branch no longer
	// deploys) and keeps one PR comment with the plan and result; when the pull request is
	// closed it deletes that branch's deployments in env.
	CommandPreview = "preview"
)

// commands lists every command, in the order messages name them.
var commands = []string{CommandDeploy, CommandPromote, CommandRollback, CommandPrune, CommandPreview}

// deployLike are the commands that build deployments from the repository.
var deployLike = []string{CommandDeploy, CommandRollback, CommandPrune, CommandPreview}

// commandOnly names the inputs that only some commands read; giving one to another command
// earns a warning, not an error, so that defaults set in a shared workflow do not break it.
var commandOnly = map[string][]string{
	inCommit:         {CommandDeploy, CommandPrune, CommandPreview},
	inPackageVersion: deployLike,
	inSourceRoot:     deployLike,
	inImage:          deployLike,
	inSkipInvalid:    {CommandDeploy},
	inSourceEnv:      {CommandPromote},
	inReleaseVersion: {CommandPromote},
	inAllowDowngrade: {CommandPromote, CommandRollback},
	inSkipMissing:    {CommandPromote},
	inPrune:          {CommandDeploy, CommandRollback},
	inFollowHead:     {CommandDeploy, CommandPreview, CommandPrune, CommandRollback},
	inTo:             {CommandRollback},
	inBranchDeleted:  {CommandPrune},
	inRemoteBranches: {CommandPrune},
	inWorkPool:       deployLike,
	inExclude:        deployLike,
}

var (
	envNameRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	stepOutRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*\.[A-Za-z0-9_.-]+$`)
	commitRE   = regexp.MustCompile(`^[0-9a-fA-F]{7,64}$`)
	flowNameRE = regexp.MustCompile(`^[^\s,]+(?:\s+[^\s,]+)*$`)
)

// input reads an action input by its action.yml name ("env-vars" reads INPUT_ENV_VARS).
func input(a *githubactions.Action, name string) string {
	return a.GetInput(strings.ReplaceAll(name, "-", "_"))
}

// Args turns the action's inputs into the CLI's argument list: the subcommand first, then its
// flags, e.g. ["deploy", "--env", "dev", "--project", "shop", ...]. Empty inputs fall back to d;
// an empty default leaves the flag out. Every input is validated and all problems are reported
// together, one per line, naming the input (and the line, for multi-line inputs); no message
// ever repeats a secret value.
//
// Connection settings never travel as flags: prefect-api-url, prefect-api-key and
// prefect-api-auth-string are exported to the process environment as PREFECT_API_URL,
// PREFECT_API_KEY and PREFECT_API_AUTH_STRING when given.
//
// secrets lists the values to hand to Mask before anything else is printed: the Prefect key and
// auth string, the GitHub token, and the values of secret-env-vars.
func Args(a *githubactions.Action, d Defaults) (args []string, secrets []string, err error) {
	return buildArgs(a, d, os.Setenv)
}

func buildArgs(a *githubactions.Action, d Defaults, setenv func(k, v string) error) ([]string, []string, error) {
	var errs []error
	bad := func(format string, v ...any) { errs = append(errs, fmt.Errorf(format, v...)) }

	cmd := input(a, inCommand)
	switch {
	case cmd == "":
		cmd = CommandDeploy
	case slices.Contains(commands, cmd):
	default:
		bad("input %s: want one of %s, got %q", inCommand, strings.Join(commands, ", "), cmd)
	}
	args := []string{cmd}
	flag := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	// applies reports whether the command reads input name, warning when a value is ignored.
	applies := func(name, value string) bool {
		want, only := commandOnly[name]
		if !only || slices.Contains(want, cmd) {
			return true
		}
		if value != "" && value != "false" && value != "False" && value != "FALSE" {
			noun := "command"
			if len(want) > 1 {
				noun = "commands"
			}
			a.Warningf("input %s is only used by %s %s; ignored for %s", name, noun, strings.Join(want, ", "), cmd)
		}
		return false
	}
	single := func(name string) string {
		v := input(a, name)
		if strings.ContainsAny(v, "\r\n") {
			bad("input %s: want a single line", name)
			return ""
		}
		return v
	}
	boolean := func(name string) bool {
		b, err := parseBool(input(a, name))
		if err != nil {
			bad("input %s: %w", name, err)
		}
		return b
	}

	env := single(inEnv)
	if input(a, inEnv) == "" {
		bad("input %s is required: name the target environment, e.g. dev", inEnv)
	}
	if cmd == CommandPromote {
		src := single(inSourceEnv)
		if src == "" {
			bad("input %s is required for command %s: name the environment to promote from", inSourceEnv, CommandPromote)
		} else if src == env {
			bad("input %s and input %s are both %q: promote needs two different environments", inSourceEnv, inEnv, env)
		}
		flag("source-env", src)
	} else {
		applies(inSourceEnv, input(a, inSourceEnv))
	}
	flag("env", env)
	flag("project", or(single(inProject), d.Project))
	flag("branch", or(single(inBranch), d.Branch))

	if v := single(inCommit); applies(inCommit, v) {
		if strings.HasPrefix(v, "-") || strings.ContainsAny(v, " \t") {
			bad("input %s: want a git revision (a commit SHA, a tag, HEAD), got %q", inCommit, v)
		}
		flag("commit", or(v, d.Commit))
	}
	if v := single(inPackageVersion); applies(inPackageVersion, v) {
		if cmd == CommandRollback {
			flag("package-version", v) // the version of the commit rolled back to, unless given
		} else {
			flag("package-version", or(v, d.PackageVersion))
		}
	}
	if v := single(inTo); applies(inTo, v) {
		if cmd == CommandRollback && v == "" {
			bad("input %s is required for command %s: name the release tag or commit to roll back to", inTo, CommandRollback)
		}
		if strings.HasPrefix(v, "-") || strings.ContainsAny(v, " \t") {
			bad("input %s: want a release tag or commit, got %q", inTo, v)
		}
		flag("to", v)
	}
	if v := single(inRemoteBranches); applies(inRemoteBranches, v) {
		if strings.HasPrefix(v, "-") || strings.ContainsAny(v, " \t") {
			bad("input %s: want the name of a git remote such as origin, got %q", inRemoteBranches, v)
		}
		flag("remote-branches", v)
	}
	if v := single(inReleaseVersion); applies(inReleaseVersion, v) {
		flag("release-version", or(v, d.ReleaseVersion))
	}
	if v := single(inSourceRoot); applies(inSourceRoot, v) {
		flag("source-root", v)
	}
	flag("config", single(inConfig))
	if v := single(inConfigFormat); v != "" && v != "auto" && v != "prefect-deploy" && v != "acme" {
		bad("input %s: want auto, prefect-deploy or acme, got %q", inConfigFormat, v)
	} else {
		flag("config-format", v)
	}
	if flows, err := parseFlows(input(a, inFlows)); err != nil {
		bad("input %s: %w", inFlows, err)
	} else {
		flag("flows", flows)
	}
	if v := single(inImage); applies(inImage, v) {
		flag("image", v)
	}

	var secrets []string
	seen := map[string]string{}
	for _, name := range []string{inEnvVars, inSecretEnvVars} {
		secret := name == inSecretEnvVars
		pairs, err := parsePairs(name, input(a, name), secret, seen)
		errs = append(errs, err...)
		for _, p := range pairs {
			args = append(args, "--env-var", p.key+"="+p.value)
			if secret {
				secrets = append(secrets, p.value)
			}
		}
	}
	for _, line := range lines(input(a, inEnvFile)) {
		flag("env-file", line.text)
	}
	if v := input(a, inPrefectYAML); applies(inPrefectYAML, v) {
		for _, line := range lines(v) {
			if _, err := path.Match(line.text, ""); err != nil {
				bad("input %s, line %d: bad glob %q: %w", inPrefectYAML, line.n, line.text, err)
				continue
			}
			flag("prefect-yaml", line.text)
		}
	}
	if v := single(inWorkPool); applies(inWorkPool, v) {
		flag("work-pool", v)
	}
	if v := input(a, inExclude); applies(inExclude, v) {
		for _, line := range lines(v) {
			if _, err := path.Match(line.text, ""); err != nil {
				bad("input %s, line %d: bad glob %q: %w", inExclude, line.n, line.text, err)
				continue
			}
			flag("exclude", line.text)
		}
	}
	if v := single(inYAMLSelect); applies(inYAMLSelect, v) {
		flag("prefect-yaml-select", v)
	}
	if v := single(inYAMLNaming); applies(inYAMLNaming, v) {
		if v != "" && v != "keep" && v != "product" {
			bad("input %s: want keep or product, got %q", inYAMLNaming, v)
		}
		flag("prefect-yaml-naming", v)
	}
	if v := input(a, inStepOutputs); applies(inStepOutputs, v) {
		for _, line := range lines(v) {
			key, _, ok := strings.Cut(line.text, "=")
			if !ok || !stepOutRE.MatchString(key) {
				bad("input %s, line %d: want STEP_ID.KEY=VALUE, got %q", inStepOutputs, line.n, line.text)
				continue
			}
			flag("step-output", line.text)
		}
	}
	if boolean(inDryRun) {
		args = append(args, "--dry-run")
	}
	if v := input(a, inConcurrency); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			bad("input %s: want a whole number of at least 1, got %q", inConcurrency, v)
		}
		flag("concurrency", v)
	}
	for _, name := range []string{inAllowDowngrade, inSkipMissing, inPrune, inBranchDeleted, inFollowHead, inSkipInvalid} {
		if v := input(a, name); applies(name, v) && boolean(name) {
			args = append(args, "--"+name)
		}
	}

	// Connection settings go to the environment, never to argv.
	if v := single(inAPIURL); v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("input %s: want an http(s) URL such as https://api.prefect.cloud/api/accounts/A/workspaces/W", inAPIURL)
		} else {
			if p, ok := u.User.Password(); ok && p != "" {
				secrets = append(secrets, p)
			}
			if err := setenv("PREFECT_API_URL", v); err != nil {
				bad("failed to set PREFECT_API_URL: %w", err)
			}
		}
	}
	for _, c := range []struct{ name, env string }{
		{inAPIKey, "PREFECT_API_KEY"},
		{inAuthString, "PREFECT_API_AUTH_STRING"},
	} {
		v := input(a, c.name)
		if v == "" {
			continue
		}
		secrets = append(secrets, v)
		if c.name == inAuthString {
			if _, pw, ok := strings.Cut(v, ":"); ok && pw != "" {
				secrets = append(secrets, pw)
			}
		}
		if strings.ContainsAny(v, "\r\n") {
			bad("input %s: want a single line", c.name)
			continue
		}
		if err := setenv(c.env, v); err != nil {
			bad("failed to set %s: %w", c.env, err)
		}
	}
	if tok := input(a, inGitHubToken); tok != "" {
		secrets = append(secrets, tok)
	}
	if _, _, err := GitHubDeployments(a); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, secrets, errors.Join(errs...)
	}
	return args, secrets, nil
}

// GitHubDeployments reads the github-token and github-deployments inputs and reports whether
// the run should be recorded with RecordDeployments, and with which token. github-deployments
// defaults to true when a token is given; setting it to true without a token is an error.
func GitHubDeployments(a *githubactions.Action) (token string, record bool, err error) {
	token = input(a, inGitHubToken)
	v := input(a, inGitHubDeployment)
	if v == "" {
		return token, token != "", nil
	}
	record, err = parseBool(v)
	if err != nil {
		return token, false, fmt.Errorf("input %s: %w", inGitHubDeployment, err)
	}
	if record && token == "" {
		return "", false, fmt.Errorf("input %s is true but input %s is empty: pass github-token: ${{ github.token }} and grant `deployments: write`", inGitHubDeployment, inGitHubToken)
	}
	return token, record, nil
}

// Mask tells the runner to replace each non-empty value, and each non-empty line of a
// multi-line value, with *** in the log from now on.
func Mask(a *githubactions.Action, secrets ...string) {
	done := map[string]bool{}
	mask := func(s string) {
		if s != "" && !done[s] {
			done[s] = true
			a.AddMask(s)
		}
	}
	for _, s := range secrets {
		if !strings.ContainsAny(s, "\r\n") {
			mask(s)
			continue
		}
		for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
			mask(strings.TrimRight(l, "\r"))
			mask(strings.TrimSpace(l))
		}
	}
}

// parseBool accepts the booleans of the YAML 1.2 core schema, as actions/toolkit's
// getBooleanInput does; "" is false.
func parseBool(v string) (bool, error) {
	switch v {
	case "", "false", "False", "FALSE":
		return false, nil
	case "true", "True", "TRUE":
		return true, nil
	}
	return false, fmt.Errorf("want true or false, got %q", v)
}

// parseFlows accepts "all", or flow names separated by commas or new lines, and returns the
// CLI's comma-separated form.
func parseFlows(v string) (string, error) {
	var names []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if !flowNameRE.MatchString(f) {
			return "", fmt.Errorf("bad flow name %q", f)
		}
		if !slices.Contains(names, f) {
			names = append(names, f)
		}
	}
	if slices.Contains(names, "all") && len(names) > 1 {
		return "", fmt.Errorf("want all or a list of flow names, not both (got %q)", strings.Join(names, ","))
	}
	return strings.Join(names, ","), nil
}

type line struct {
	n    int
	text string
}

// lines splits a multi-line input into trimmed lines numbered from 1, dropping blank lines and
// lines starting with #.
func lines(v string) []line {
	var out []line
	for i, l := range strings.Split(strings.ReplaceAll(v, "\r\n", "\n"), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		out = append(out, line{n: i + 1, text: l})
	}
	return out
}

type pair struct{ key, value string }

// parsePairs reads KEY=VALUE lines. Values are kept as written (no quote removal) except for
// surrounding spaces. For secret
// inputs, messages never quote the line. seen maps keys already set to where they were set.
func parsePairs(name, v string, secret bool, seen map[string]string) ([]pair, []error) {
	var out []pair
	var errs []error
	for _, l := range lines(v) {
		where := fmt.Sprintf("input %s, line %d", name, l.n)
		key, value, ok := strings.Cut(l.text, "=")
		key = strings.TrimSpace(key)
		if !ok || !envNameRE.MatchString(key) {
			got := fmt.Sprintf("%q", l.text)
			if secret {
				got = "a line of " + strconv.Itoa(len(l.text)) + " characters (not shown)"
				if ok {
					got = fmt.Sprintf("key %q", key)
				}
			}
			errs = append(errs, fmt.Errorf("%s: want KEY=VALUE with KEY made of letters, digits and _, got %s", where, got))
			continue
		}
		if prev, dup := seen[key]; dup {
			errs = append(errs, fmt.Errorf("%s: %s is already set at %s", where, key, prev))
			continue
		}
		seen[key] = where
		out = append(out, pair{key: key, value: strings.TrimSpace(value)})
	}
	return out, errs
}
