package prefectyaml

import (
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// ImageBuild is a prefect-docker build_docker_image step of a deployment's file: the image CI
// must build and push for the deployment, since Load does not run docker steps.
type ImageBuild struct {
	// File and Line locate the step; Source is "file:line".
	File   string `json:"-"`
	Line   int    `json:"-"`
	Source string `json:"source"`
	// StepID is the step's id ("" without one).
	StepID string `json:"step_id,omitempty"`
	// Image is "image_name:tag" as the deployments receive it ("" when it is unknown: a tag
	// left to prefect-docker); ImageName and Tag are its parts; AdditionalTags are also pushed.
	Image          string   `json:"image"`
	ImageName      string   `json:"image_name"`
	Tag            string   `json:"tag"`
	AdditionalTags []string `json:"additional_tags"`
	// Context is the build context, as prefect-docker takes it: the step's path argument, else
	// the working directory prefect deploy runs in ("."). Dockerfile is the step's dockerfile,
	// relative to the context ("Dockerfile" by default; "auto" means prefect-docker writes one).
	Context    string `json:"context"`
	Dockerfile string `json:"dockerfile"`
	// Platform is the step's platform ("" = the builder's).
	Platform string `json:"platform,omitempty"`
	// BuildArgs are the step's buildargs.
	BuildArgs map[string]string `json:"build_args,omitempty"`
	// DockerfilePath is the Dockerfile's path from the working directory (docker build -f,
	// docker/build-push-action's file), "" for dockerfile: auto; Tags is every tag pushed.
	DockerfilePath string   `json:"dockerfile_path"`
	Tags           []string `json:"tags"`
}

func (b ImageBuild) dockerfilePath() string {
	if b.Dockerfile == "auto" {
		return ""
	}
	if filepath.IsAbs(b.Dockerfile) {
		return b.Dockerfile
	}
	return filepath.ToSlash(filepath.Join(b.Context, b.Dockerfile))
}

// tags are every tag the build pushes: Image, then the additional tags on the same name.
func (b ImageBuild) tags() []string {
	var out []string
	if b.Image != "" {
		out = append(out, b.Image)
	}
	for _, t := range b.AdditionalTags {
		if ref := b.ImageName + ":" + t; !slices.Contains(out, ref) {
			out = append(out, ref)
		}
	}
	return out
}

// imageBuild records a build_docker_image step with its templated arguments; out are the
// outputs the deployments see (supplied, from [Options.Image], or derived from the step).
func (l *fileLoader) imageBuild(step, args *node, res *stepResult, id string, out map[string]any) ImageBuild {
	b := ImageBuild{File: l.file, Line: step.Line, Source: fmt.Sprintf("%s:%d", l.file, step.Line), StepID: id,
		Context: ".", Dockerfile: "Dockerfile", AdditionalTags: []string{}}
	str := func(v any) string {
		if v == nil {
			return ""
		}
		return pyStr(v)
	}
	b.ImageName, b.Tag = str(out["image_name"]), str(out["tag"])
	b.Image = str(out["image"])
	if tags, ok := out["additional_tags"].([]any); ok {
		for _, t := range tags {
			b.AdditionalTags = append(b.AdditionalTags, pyStr(t))
		}
	}
	// The other arguments, templated with the outputs so far; one that cannot be resolved
	// here is left as written.
	arg := func(key string) any {
		raw, ok := args.Get(key)
		if !ok || raw.IsNull() {
			return nil
		}
		scratch := &errs{file: l.file}
		t := &templater{errs: scratch, lookup: l.lookup, outputs: res.outputs, steps: res.steps, warn: func(*node, string, ...any) {}}
		v, _ := t.apply(raw.Clone(), finalPass)
		if len(scratch.list) > 0 {
			return raw.Value()
		}
		return v.Value()
	}
	if v := arg("path"); v != nil {
		b.Context = filepath.ToSlash(str(v))
	}
	if v := arg("dockerfile"); v != nil {
		b.Dockerfile = str(v)
	}
	if v := arg("platform"); v != nil {
		b.Platform = str(v)
	}
	if m, ok := arg("buildargs").(map[string]any); ok {
		b.BuildArgs = map[string]string{}
		for k, v := range m {
			b.BuildArgs[k] = str(v)
		}
	}
	b.DockerfilePath, b.Tags = b.dockerfilePath(), b.tags()
	return b
}

// ImageRef is one image that selected deployments run (their job_variables.image).
type ImageRef struct {
	Image string `json:"image"`
	// Build is the build_docker_image step that makes it, or nil when no step of the files
	// does (an image built elsewhere, or a public one).
	Build *ImageBuild `json:"build"`
	// Deployments are the names of the deployments that run it.
	Deployments []string `json:"deployments"`
}

// Images groups deployments by the image they run, each with the build step that makes it,
// in order of first use. Deployments without an image job variable run the work pool's
// image and are left out. A warning notes an image two steps build differently.
func Images(deps []Deployment) (refs []ImageRef, warnings []string) {
	refs = []ImageRef{}
	index := map[string]int{}
	for _, d := range deps {
		ref, _ := d.Spec.JobVariables["image"].(string)
		if ref == "" {
			continue
		}
		var build *ImageBuild
		for i := range d.Builds {
			if slices.Contains(d.Builds[i].Tags, ref) {
				b := d.Builds[i]
				build = &b
				break
			}
		}
		i, seen := index[ref]
		switch {
		case !seen:
			i = len(refs)
			index[ref] = i
			refs = append(refs, ImageRef{Image: ref, Build: build, Deployments: []string{}})
		case build != nil:
			if prev := refs[i].Build; prev == nil || prev.Context != build.Context || prev.Dockerfile != build.Dockerfile || prev.Platform != build.Platform {
				where := "no build step"
				if prev != nil {
					where = prev.Source
				}
				warnings = append(warnings, fmt.Sprintf("%s: image %s is also built from %s, differently; the first is listed", build.Source, ref, where))
			}
		}
		refs[i].Deployments = append(refs[i].Deployments, d.Name)
	}
	return refs, warnings
}

// MatrixJob is one job of a GitHub Actions matrix that builds an image, its keys named as
// docker/build-push-action's inputs (context, file, tags, platforms, build-args; lists one a
// line).
type MatrixJob struct {
	Name      string `json:"name"`
	Image     string `json:"image"`
	Context   string `json:"context"`
	File      string `json:"file"`
	Tags      string `json:"tags"`
	Platforms string `json:"platforms"`
	BuildArgs string `json:"build-args"`
}

// Matrix is the GitHub Actions matrix ({"include": [...]}, for fromJSON) of the images a
// build step of the files makes, one job per image, named after the directory of the step's
// prefect.yaml (the pipeline). An image built with dockerfile: auto is left out with a
// warning: prefect-docker writes that Dockerfile at build time.
func Matrix(refs []ImageRef) (matrix map[string][]MatrixJob, warnings []string) {
	include := []MatrixJob{}
	for _, r := range refs {
		b := r.Build
		switch {
		case b == nil:
			continue
		case b.DockerfilePath == "":
			warnings = append(warnings, fmt.Sprintf("%s: image %s uses dockerfile: auto (prefect-docker writes the Dockerfile when it builds); it is left out of the matrix", b.Source, r.Image))
			continue
		}
		var args []string
		for _, k := range slices.Sorted(maps.Keys(b.BuildArgs)) {
			args = append(args, k+"="+b.BuildArgs[k])
		}
		name := path.Base(path.Dir(filepath.ToSlash(b.File)))
		if name == "." || name == "/" {
			name = b.Source
		}
		include = append(include, MatrixJob{
			Name: name, Image: r.Image, Context: b.Context, File: b.DockerfilePath,
			Tags: strings.Join(b.Tags, "\n"), Platforms: b.Platform, BuildArgs: strings.Join(args, "\n"),
		})
	}
	return map[string][]MatrixJob{"include": include}, warnings
}
