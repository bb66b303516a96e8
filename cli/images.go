package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/prefect-flow-deploy/prefect-deploy-action/source/config"
	"github.com/prefect-flow-deploy/prefect-deploy-action/source/prefectyaml"
)

// imagesFlags are the images command's flags: the prefect.yaml selection deploy uses.
type imagesFlags struct {
	env, configPath, selectEntries, output string
	prefectYAML, stepOutputs               multiFlag
}

// runImages lists every image the selected prefect.yaml entries of an environment reference,
// with how to build it; no server is needed.
func runImages(args []string, env Env) error {
	f, err := parseImagesFlags(args, env)
	if err != nil {
		return err
	}
	refs, n, warnings, err := loadImages(f, env)
	if err != nil {
		return err
	}
	return printImages(f, refs, n, warnings, env)
}

// parseImagesFlags reads the images command line.
func parseImagesFlags(args []string, env Env) (*imagesFlags, error) {
	var f imagesFlags
	fs := flag.NewFlagSet("images", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.StringVar(&f.env, "env", "", "target environment: entries named <name>--ENV (required unless --prefect-yaml-select says otherwise)")
	fs.StringVar(&f.configPath, "config", "", "config file (default: "+config.DefaultFileName+" when present); its prefect_yaml globs are read too")
	fs.Var(&f.prefectYAML, "prefect-yaml", "prefect.yaml files, as a glob (repeatable)")
	fs.Var(&f.stepOutputs, "step-output", "STEP_ID.KEY=VALUE output of a build/push step, as for deploy (repeatable)")
	fs.StringVar(&f.selectEntries, "prefect-yaml-select", "suffix", `which entries: "suffix" (names ending in --ENV), "all", or a glob on entry names`)
	fs.StringVar(&f.output, "output", "text", `text, json, or matrix (a GitHub Actions matrix for fromJSON, on one line)`)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil, err
		}
		return nil, usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected argument %q", fs.Arg(0))
	}
	if f.output != "text" && f.output != "json" && f.output != "matrix" {
		return nil, usagef("--output must be text, json or matrix, got %q", f.output)
	}
	return &f, nil
}

// loadImages loads the selected entries and lists the images they run; n is the number of
// deployments.
func loadImages(f *imagesFlags, env Env) (refs []prefectyaml.ImageRef, n int, warnings []string, err error) {
	cfg, err := loadConfig(f.configPath, env)
	if err != nil {
		return nil, 0, nil, err
	}
	patterns := prefectYAMLPatterns(f.prefectYAML, cfg)
	if len(patterns) == 0 {
		return nil, 0, nil, usagef("images needs --prefect-yaml (or prefect_yaml: in the config)")
	}
	outputs, err := parseStepOutputs(f.stepOutputs)
	if err != nil {
		return nil, 0, nil, err
	}
	deps, err := prefectyaml.Load(patterns, prefectyaml.Options{
		Env: f.env, Select: f.selectEntries, StepOutputs: outputs, Getenv: env.Getenv, RunScripts: true, Dir: env.Dir,
	})
	if err != nil {
		return nil, 0, nil, err
	}
	refs, warnings = prefectyaml.Images(deps)
	return refs, len(deps), warnings, nil
}

// printImages prints the images as text, JSON or a GitHub Actions matrix.
func printImages(f *imagesFlags, refs []prefectyaml.ImageRef, n int, warnings []string, env Env) error {
	switch f.output {
	case "json":
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Env      string                 `json:"env"`
			Images   []prefectyaml.ImageRef `json:"images"`
			Warnings []string               `json:"warnings"`
		}{f.env, refs, append([]string{}, warnings...)})
	case "matrix":
		matrix, mw := prefectyaml.Matrix(refs)
		for _, w := range append(warnings, mw...) {
			fmt.Fprintf(env.Stderr, "warning: %s\n", w)
		}
		return json.NewEncoder(env.Stdout).Encode(matrix)
	}
	for _, w := range warnings {
		fmt.Fprintf(env.Stderr, "warning: %s\n", w)
	}
	fmt.Fprintf(env.Stdout, "%d images for %d deployments\n", len(refs), n)
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IMAGE\tCONTEXT\tDOCKERFILE\tPLATFORM\tDEPLOYMENTS")
	for _, r := range refs {
		ctx, file, platform := "-", "(not built by these files)", "-"
		if b := r.Build; b != nil {
			ctx, file, platform = b.Context, b.DockerfilePath, b.Platform
			if file == "" {
				file = "auto (written by prefect-docker)"
			}
			if platform == "" {
				platform = "-"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Image, ctx, file, platform, strings.Join(r.Deployments, ", "))
	}
	return tw.Flush()
}
