#!/usr/bin/env bash
# Runs the compatibility suite (internal/compat) against each Prefect series listed in
# scripts/prefect-versions (or the series given as arguments), each a throwaway server from its
# own pinned venv. `make test` runs it after the full suite, which already covers the main
# pinned version.
#
#   scripts/compat.sh [SERIES...]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
if [ $# -eq 0 ]; then
  mapfile -t versions < <(grep -v '^#' scripts/prefect-versions | grep -v '^[[:space:]]*$')
else
  versions=("$@")
fi
for v in "${versions[@]}"; do
  start=$SECONDS
  scripts/prefect-server.sh --prefect "$v" -- "${GO:-go}" test -race -shuffle=on -count=1 ./internal/compat/
  echo "compat.sh: Prefect $v passed the compatibility suite in $((SECONDS - start)) s" >&2
done
