package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// prefectYAMLEntry is one deployments: entry of the generated prefect.yaml: what a team keeping
// its flows in prefect.yaml writes for one flow.
const prefectYAMLEntry = `  - name: %[1]s-flow-%04[2]d-bench
    entrypoint: flows/flow_%04[2]d.py:%[1]s_flow_%04[2]d
    tags: [bench]
    work_pool:
      name: %[3]s
      job_variables:
        image: %[4]s
`

// writePrefectYAML writes a prefect.yaml with one deployment per flow of a writeRepo repository.
func writePrefectYAML(dir, prefix string, n int) error {
	var b strings.Builder
	b.WriteString("name: bench\npull:\n  - prefect.deployments.steps.set_working_directory:\n      directory: /opt/flows\ndeployments:\n")
	for i := range n {
		fmt.Fprintf(&b, prefectYAMLEntry, prefix, i, benchPool, benchImage)
	}
	return os.WriteFile(filepath.Join(dir, "prefect.yaml"), []byte(b.String()), 0o644)
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
