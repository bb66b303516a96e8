package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// flowFile is one generated flow module: typed parameters with defaults, a docstring with an
// Args section and a task, so discovery builds a real parameter schema.
const flowFile = `"""Generated flow %[2]d of the prefect-deploy benchmark."""

from datetime import date
from typing import Literal, Optional

from prefect import flow, task


@task(retries=2)
def transform(rows: int, mode: str) -> int:
    return rows * (2 if mode == "full" else 1)


@flow(name="%[1]s-flow-%04[2]d", log_prints=True)
def %[1]s_flow_%04[2]d(
    day: Optional[date] = None,
    rows: int = 100,
    mode: Literal["full", "delta"] = "delta",
    sources: list[str] = ["orders", "customers"],
    dry_run: bool = False,
) -> int:
    """Load one batch of %[1]s data.

    Args:
        day: The day to load; today when empty.
        rows: How many rows to load.
        mode: "full" reloads everything.
        sources: Tables to read.
        dry_run: Read but do not write.
    """
    if dry_run:
        return 0
    return transform(rows, mode)
`

// configFile is the generated prefect-deploy.yaml: image code source (no git needed) and the
// benchmark's work pool.
const configFile = `project: %s
source_root: flows
defaults:
  work_pool: %s
  code_source:
    type: image
  tags: [bench]
`

// writeRepo writes a flows repository with n flows (one per file, flows named <prefix>-flow-NNNN)
// and a prefect-deploy.yaml whose project is prefix.
func writeRepo(dir, prefix string, n int) error {
	flows := filepath.Join(dir, "flows")
	if err := os.MkdirAll(flows, 0o755); err != nil {
		return err
	}
	for i := range n {
		src := fmt.Sprintf(flowFile, prefix, i)
		if err := os.WriteFile(filepath.Join(flows, fmt.Sprintf("flow_%04d.py", i)), []byte(src), 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, "prefect-deploy.yaml"), []byte(fmt.Sprintf(configFile, prefix, benchPool)), 0o644)
}

// moduleFile is a generated module that is not a flow: it imports prefect's task, mentions
// @flow in a docstring and a comment, and has classes and nested functions to tokenize.
const moduleFile = `"""Helpers for batch %[1]d.

Nothing here is a flow, although this docstring says @flow and the code below imports prefect.
"""

import json
import os
from dataclasses import dataclass, field

from prefect import task

# @flow would be wrong here: this module only holds tasks.
LIMIT = %[1]d


@dataclass
class Batch:
    name: str
    rows: list[dict] = field(default_factory=list)

    def size(self) -> int:
        return len(self.rows)

    def to_json(self) -> str:
        return json.dumps({"name": self.name, "rows": self.rows}, indent=2)


@task
def load_%[1]d(path: str = "data/%[1]d.json") -> Batch:
    """Load batch %[1]d from a JSON file."""
    with open(os.path.join(os.getcwd(), path)) as f:
        return Batch(name=f"batch-%[1]d", rows=json.load(f))


def summarize(batches: list[Batch]) -> dict[str, int]:
    def weight(b: Batch) -> int:
        return b.size() * (2 if b.name.endswith("x") else 1)

    return {b.name: weight(b) for b in batches if b.size() < LIMIT}
`

// discoveryFlows is how many flows writeDiscoveryTree puts in files files: every tenth file.
func discoveryFlows(files int) int { return (files + 9) / 10 }

// writeDiscoveryTree writes files Python files under dir, 100 per package directory; every
// tenth file holds a flow, the others are ordinary modules.
func writeDiscoveryTree(dir string, files int) error {
	for i := range files {
		pkg := filepath.Join(dir, fmt.Sprintf("pkg_%03d", i/100))
		if i%100 == 0 {
			if err := os.MkdirAll(pkg, 0o755); err != nil {
				return err
			}
		}
		src, name := fmt.Sprintf(moduleFile, i), fmt.Sprintf("mod_%05d.py", i)
		if i%10 == 0 {
			src, name = fmt.Sprintf(flowFile, "d", i), fmt.Sprintf("flow_%05d.py", i)
		}
		if err := os.WriteFile(filepath.Join(pkg, name), []byte(src), 0o644); err != nil {
			return err
		}
	}
	return nil
}
