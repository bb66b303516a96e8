#!/usr/bin/env bash
# Run by `make server` inside scripts/prefect-server.sh: says how to use the server, then waits
# until Ctrl-C (the server script then stops the server and deletes its data).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cat <<MSG

Prefect server with UI: ${PREFECT_API_URL%/api}
In another shell, from your flows repository (a git checkout):

  export PREFECT_API_URL=$PREFECT_API_URL
  $root/bin/prefect-deploy deploy --env dev --dry-run
  $root/.venv/bin/prefect work-pool create local --type process   # once, if your config names pool local

Ctrl-C stops the server and deletes its data.
MSG
trap 'exit 0' INT TERM
while true; do sleep 3600 & wait $!; done
