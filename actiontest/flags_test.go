package actiontest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/sethvargo/go-githubactions"

	"github.com/prefect-flow-deploy/prefect-deploy-action/cli"
	"github.com/prefect-flow-deploy/prefect-deploy-action/ghaction"
)

// actionCommands are the CLI commands the action's `command` input runs.
var actionCommands = []string{ghaction.CommandDeploy, ghaction.CommandPromote, ghaction.CommandRollback, ghaction.CommandPrune}

// actionOnlyInputs are the action inputs that have no CLI flag, and why.
var actionOnlyInputs = map[string]string{
	"command":                 "it is the CLI's subcommand",
	"env-vars":                "it becomes --env-var KEY=VALUE, one a line",
	"secret-env-vars":         "it becomes --env-var KEY=VALUE, one a line, values masked",
	"step-outputs":            "it becomes --step-output ID.KEY=VALUE, one a line",
	"prefect-api-url":         "connection settings reach the program through the environment (PREFECT_API_URL), never as flags",
	"prefect-api-key":         "connection settings reach the program through the environment (PREFECT_API_KEY), never as flags",
	"prefect-api-auth-string": "connection settings reach the program through the environment (PREFECT_API_AUTH_STRING), never as flags",
	"working-directory":       "it is where the action's step runs",
	"github-token":            "GitHub Deployments are recorded by the action only",
	"github-deployments":      "GitHub Deployments are recorded by the action only",
	"setup-go":                "it says how the action builds the program",
}

// cliOnlyFlags are the CLI flags the action does not offer as inputs, and why.
var cliOnlyFlags = map[string]string{
	"output": "the action always writes step outputs, a job summary and annotations instead",
}

// flagInput maps a flag to the input that sets it when their names differ.
var flagInput = map[string]string{
	"env-var":     "env-vars",
	"step-output": "step-outputs",
}

// sampleInput is a valid value for an input, so that Args passes its flag on.
var sampleInput = map[string]string{
	"dry-run": "true", "allow-downgrade": "true", "skip-missing": "true", "prune": "true", "skip-invalid": "true",
	"concurrency": "2", "flows": "etl", "commit": "HEAD", "env-vars": "A=1", "step-outputs": "build.image=x",
	"prefect-yaml-select": "all", "prefect-yaml-naming": "product", "source-env": "dev", "env": "prod",
	"config-format": "acme", "env-file": "acme_shop.dev.1.env",
	"branch-deleted": "true", "remote-branches": "origin", "to": "v1.0.0", "follow-head": "true",
}

// notPassedFor lists, per command, flags the command line accepts but the action leaves out for
// that command, and why.
var notPassedFor = map[string]map[string]string{
	ghaction.CommandRollback: {"commit": "rollback deploys the revision in the to input"},
}

var helpFlagRE = regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`)

// cliFlags returns the flags of `prefect-deploy command`, read from its -h output.
func cliFlags(t *testing.T, command string) []string {
	t.Helper()
	var stderr bytes.Buffer
	if code := cli.Run(context.Background(), []string{command, "-h"}, cli.Env{Stdout: io.Discard, Stderr: &stderr, Getenv: func(string) string { return "" }}); code != cli.ExitOK {
		t.Fatalf("prefect-deploy %s -h: exit %d\n%s", command, code, stderr.String())
	}
	var out []string
	for _, m := range helpFlagRE.FindAllStringSubmatch(stderr.String(), -1) {
		out = append(out, m[1])
	}
	if len(out) == 0 {
		t.Fatalf("prefect-deploy %s -h lists no flags:\n%s", command, stderr.String())
	}
	return out
}

// TestInputsAreTheCLIFlags keeps the action and the command line one product: every flag of
// the commands the action runs is an action input of the same name that reaches the program as
// that flag, and every input is a flag, except the documented lists above.
func TestInputsAreTheCLIFlags(t *testing.T) {
	t.Parallel()
	d := load(t, filepath.Join(root, "action.yml"))
	inputs := keys(get(d.node, "inputs"))
	flagsOf := map[string][]string{}
	allFlags := map[string]bool{}
	for _, cmd := range actionCommands {
		flagsOf[cmd] = cliFlags(t, cmd)
		for _, f := range flagsOf[cmd] {
			allFlags[f] = true
		}
	}

	var problems []string
	for _, cmd := range actionCommands {
		for _, f := range flagsOf[cmd] {
			if _, ok := cliOnlyFlags[f]; ok {
				continue
			}
			in := f
			if alias, ok := flagInput[f]; ok {
				in = alias
			}
			if !slices.Contains(inputs, in) {
				upper := "INPUT_" + strings.ToUpper(strings.ReplaceAll(in, "-", "_"))
				problems = append(problems, fmt.Sprintf("CLI flag --%s of `prefect-deploy %s` has no action input. Add to action.yml an input `%s:` with a description, "+
					"and `%s: ${{ inputs.%s }}` to the env of the step with id run; in ghaction/inputs.go (buildArgs) read it and pass it on as --%s "+
					"(and add it to commandOnly if only %s reads it); add a row to the README's Inputs table. "+
					"If the action must not offer it, add it to cliOnlyFlags in actiontest/flags_test.go with the reason.", f, cmd, in, upper, in, f, cmd))
			}
		}
	}
	for _, in := range inputs {
		if _, ok := actionOnlyInputs[in]; ok {
			continue
		}
		if !allFlags[in] {
			problems = append(problems, fmt.Sprintf("action input %s has no CLI flag of the same name in %s: add the flag --%s to the command line "+
				"(cli/), or, if it only makes sense in the action, add it to actionOnlyInputs in actiontest/flags_test.go with the reason.", in, strings.Join(actionCommands, " or "), in))
		}
	}
	for name := range actionOnlyInputs {
		if !slices.Contains(inputs, name) {
			problems = append(problems, fmt.Sprintf("actionOnlyInputs lists %s, which action.yml does not declare: remove it from actiontest/flags_test.go", name))
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
	if len(problems) > 0 {
		return
	}

	// Every input reaches the program as its flag.
	for _, cmd := range actionCommands {
		env := map[string]string{"INPUT_COMMAND": cmd}
		for _, in := range inputs {
			if _, ok := actionOnlyInputs[in]; ok && in != "env-vars" && in != "step-outputs" {
				continue
			}
			v, ok := sampleInput[in]
			if !ok {
				v = "sample"
			}
			env["INPUT_"+strings.ToUpper(strings.ReplaceAll(in, "-", "_"))] = v
		}
		a := githubactions.New(githubactions.WithWriter(io.Discard), githubactions.WithGetenv(func(k string) string { return env[k] }))
		args, _, err := ghaction.Args(a, ghaction.Defaults{})
		if err != nil {
			t.Fatalf("%s: every input set: %v", cmd, err)
		}
		for _, f := range flagsOf[cmd] {
			if _, ok := cliOnlyFlags[f]; ok {
				continue
			}
			if _, ok := notPassedFor[cmd][f]; ok {
				continue
			}
			if !slices.Contains(args, "--"+f) {
				in := f
				if alias, ok := flagInput[f]; ok {
					in = alias
				}
				t.Errorf("action input %s, set for command %s, does not reach the program as --%s (args %q): pass it on in ghaction/inputs.go (buildArgs), "+
					"or, if that command must not get it from the action, add it to notPassedFor in actiontest/flags_test.go with the reason", in, cmd, f, args)
			}
		}
	}
}
