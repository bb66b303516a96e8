#!/usr/bin/env bash
# Runs the compatibility suite (internal/compat) against each Prefect series listed in
# scripts/prefect-versions (or the series given as arguments), each a throwaway server from its
# own pinned venv. `make test` runs it before the full suite, which covers the main pinned
# version. The series run side by side (installing a venv is mostly waiting on downloads and
# disk, and the suite itself is short), each into a log of its own that is printed when it ends.
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
# The test binary is built once, before the servers start, so the series do not compile it
# side by side.
"${GO:-go}" test -race -count=1 -run '^$' ./internal/compat/ >/dev/null
logs=$(mktemp -d "${TMPDIR:-/tmp}/compat.XXXXXX")
trap 'rm -rf "$logs"' EXIT
pids=()
for v in "${versions[@]}"; do
  (
    start=$SECONDS
    if scripts/prefect-server.sh --prefect "$v" -- "${GO:-go}" test -race -shuffle=on -count=1 ./internal/compat/; then
      echo "compat.sh: Prefect $v passed the compatibility suite in $((SECONDS - start)) s"
    else
      echo "compat.sh: Prefect $v FAILED the compatibility suite after $((SECONDS - start)) s"
      exit 1
    fi
  ) >"$logs/$v.log" 2>&1 &
  pids+=($!)
done
failed=0
for i in "${!versions[@]}"; do
  wait "${pids[$i]}" || failed=1
  cat "$logs/${versions[$i]}.log" >&2
done
exit $failed
