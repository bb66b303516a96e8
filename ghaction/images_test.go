package ghaction

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prefect-flow-deploy/prefect-deploy-action/source/prefectyaml"
)

func TestImagesArgs(t *testing.T) {
	t.Parallel()
	a, _ := newAction(map[string]string{"INPUT_ENV": "prod", "INPUT_PREFECT_YAML": "pipelines/*/prefect.yaml\n# comment\nextra/prefect.yaml",
		"INPUT_STEP_OUTPUTS": "get-commit-hash.stdout=abc1234", "INPUT_CONFIG": "deploy.yaml", "INPUT_IMAGE": "ignored"})
	got, err := ImagesArgs(a)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"images", "--env", "prod", "--prefect-yaml", "pipelines/*/prefect.yaml", "--prefect-yaml", "extra/prefect.yaml",
		"--step-output", "get-commit-hash.stdout=abc1234", "--config", "deploy.yaml"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	a, _ = newAction(map[string]string{"INPUT_STEP_OUTPUTS": "nodot"})
	_, err = ImagesArgs(a)
	for _, msg := range []string{"input env is required", "input prefect-yaml is required for command images", `input step-outputs, line 1: want STEP_ID.KEY=VALUE, got "nodot"`} {
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("error %v lacks %q", err, msg)
		}
	}
}

// TestPublishImages checks the outputs a workflow's build matrix reads and the job summary.
func TestPublishImages(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, summary := filepath.Join(dir, "output"), filepath.Join(dir, "summary")
	for _, f := range []string{out, summary} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a, log := newAction(map[string]string{"GITHUB_OUTPUT": out, "GITHUB_STEP_SUMMARY": summary})
	build := &prefectyaml.ImageBuild{Source: "pipelines/geo/prefect.yaml:8", Image: "reg/geo:abc", ImageName: "reg/geo", Tag: "abc",
		AdditionalTags: []string{}, Context: ".", Dockerfile: "pipelines/geo/Dockerfile", DockerfilePath: "pipelines/geo/Dockerfile",
		Platform: "linux/arm64", Tags: []string{"reg/geo:abc"}}
	refs := []prefectyaml.ImageRef{
		{Image: "reg/geo:abc", Build: build, Deployments: []string{"geo--a--prod", "geo--b--prod"}},
		{Image: "python:3.12", Deployments: []string{"plain--prod"}},
	}
	matrix := map[string][]prefectyaml.MatrixJob{"include": {{Name: "geo", Image: "reg/geo:abc", Context: ".", File: "pipelines/geo/Dockerfile", Tags: "reg/geo:abc", Platforms: "linux/arm64"}}}
	if err := PublishImages(a, refs, matrix, []string{"pipelines/x/prefect.yaml:3: a warning"}); err != nil {
		t.Fatal(err)
	}
	o, _ := os.ReadFile(out)
	s, _ := os.ReadFile(summary)
	golden(t, "images.golden", "--- log\n"+log.String()+"--- outputs\n"+string(o)+"--- summary\n"+string(s))
}
