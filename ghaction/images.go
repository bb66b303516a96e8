package ghaction

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/sethvargo/go-githubactions"

	"github.com/prefect-flow-deploy/prefect-deploy-action/source/prefectyaml"
)

// CommandImages lists the images the selected prefect.yaml entries run, for a build matrix.
const CommandImages = "images"

// ImagesArgs turns the action's inputs into the images command line: env, prefect-yaml (one
// glob a line; required), step-outputs and config. Other inputs do not apply and are ignored.
func ImagesArgs(a *githubactions.Action) ([]string, error) {
	var errs []error
	args := []string{CommandImages}
	env := strings.TrimSpace(input(a, inEnv))
	switch {
	case env == "":
		errs = append(errs, fmt.Errorf("input %s is required: name the environment whose entries are built", inEnv))
	case strings.ContainsAny(env, "\r\n"):
		errs = append(errs, fmt.Errorf("input %s: want a single line", inEnv))
	default:
		args = append(args, "--env", env)
	}
	globs := lines(input(a, inPrefectYAML))
	if len(globs) == 0 {
		errs = append(errs, fmt.Errorf("input %s is required for command %s: the prefect.yaml globs", inPrefectYAML, CommandImages))
	}
	for _, l := range globs {
		if _, err := path.Match(l.text, ""); err != nil {
			errs = append(errs, fmt.Errorf("input %s, line %d: bad glob %q: %w", inPrefectYAML, l.n, l.text, err))
			continue
		}
		args = append(args, "--prefect-yaml", l.text)
	}
	for _, l := range lines(input(a, inStepOutputs)) {
		key, _, ok := strings.Cut(l.text, "=")
		if !ok || !stepOutRE.MatchString(key) {
			errs = append(errs, fmt.Errorf("input %s, line %d: want STEP_ID.KEY=VALUE, got %q", inStepOutputs, l.n, l.text))
			continue
		}
		args = append(args, "--step-output", l.text)
	}
	if c := strings.TrimSpace(input(a, inConfig)); c != "" {
		args = append(args, "--config", c)
	}
	return args, errors.Join(errs...)
}

// PublishImages sets the outputs images (the JSON list) and matrix (the build matrix, for
// fromJSON) and appends a job summary with one row per image.
func PublishImages(a *githubactions.Action, refs []prefectyaml.ImageRef, matrix map[string][]prefectyaml.MatrixJob, warnings []string) error {
	for _, w := range warnings {
		a.Warningf("%s", w)
	}
	encode := func(v any) (string, error) {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		err := enc.Encode(v)
		return strings.TrimSuffix(b.String(), "\n"), err
	}
	imagesJSON, err := encode(refs)
	if err != nil {
		return fmt.Errorf("failed to encode the images output: %w", err)
	}
	matrixJSON, err := encode(matrix)
	if err != nil {
		return fmt.Errorf("failed to encode the matrix output: %w", err)
	}
	var out []error
	if a.Getenv("GITHUB_OUTPUT") == "" {
		a.Warningf("GITHUB_OUTPUT is not set: no step outputs written")
	} else {
		for _, o := range []output{{"images", imagesJSON}, {"matrix", matrixJSON}} {
			if err := fileCommand(func() { a.SetOutput(o.name, o.value) }); err != nil {
				out = append(out, fmt.Errorf("failed to set output %q: %w", o.name, err))
			}
		}
	}
	var md strings.Builder
	fmt.Fprintf(&md, "### Images to build\n\n%d images, %d in the build matrix\n", len(refs), len(matrix["include"]))
	if len(refs) > 0 {
		md.WriteString("\n| Image | Context | Dockerfile | Platform | Deployments |\n| --- | --- | --- | --- | --- |\n")
		for _, r := range refs {
			ctx, file, platform := "—", "not built here", "—"
			if b := r.Build; b != nil {
				ctx, file, platform = code(b.Context), code(b.DockerfilePath), or(text(b.Platform), "—")
				if b.DockerfilePath == "" {
					file = "auto"
				}
			}
			fmt.Fprintf(&md, "| %s | %s | %s | %s | %d |\n", cell(code(r.Image)), cell(ctx), cell(file), cell(platform), len(r.Deployments))
		}
	}
	if a.Getenv("GITHUB_STEP_SUMMARY") == "" {
		a.Warningf("GITHUB_STEP_SUMMARY is not set: no job summary written")
	} else if err := fileCommand(func() { a.AddStepSummary(md.String()) }); err != nil {
		out = append(out, fmt.Errorf("failed to write the job summary: %w", err))
	}
	return errors.Join(out...)
}
