package discover

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkDiscover10k measures Discover on 10,000 small Python files in
// 100 packages, one in ten of which defines a flow.
func BenchmarkDiscover10k(b *testing.B) {
	root := b.TempDir()
	const files, perDir = 10_000, 100
	for i := range files {
		dir := filepath.Join(root, fmt.Sprintf("pkg%03d", i/perDir))
		if i%perDir == 0 {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				b.Fatal(err)
			}
		}
		var src string
		if i%10 == 0 {
			src = fmt.Sprintf(benchFlow, i, i)
		} else {
			src = fmt.Sprintf(benchModule, i, i)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("mod%05d.py", i)), []byte(src), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		r, err := Discover(root, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(r.Flows) != files/10 {
			b.Fatalf("found %d flows, want %d", len(r.Flows), files/10)
		}
	}
}

const benchModule = `"""Helpers number %d."""
import os
from typing import Optional


def helper_%d(path: str, retries: int = 3) -> Optional[str]:
    """Read a file, retrying."""
    for _ in range(retries):
        if os.path.exists(path):
            with open(path) as f:
                return f.read()  # the text
    return None
`

const benchFlow = `"""Flow number %d."""
from datetime import date
from typing import Literal

from prefect import flow, task


@task(retries=2)
def extract(day: date) -> list[dict]:
    return [{"day": str(day)}]


@flow(name="load-%d", log_prints=True)
def load(day: date, mode: Literal["full", "delta"] = "delta", limit: int = 100) -> None:
    """Load one day.

    Args:
        day: The day to load.
        mode: Full or delta load.
    """
    rows = extract(day)
    print(f"{len(rows)} rows in {mode!r} mode")
`
