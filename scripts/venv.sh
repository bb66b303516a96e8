#!/usr/bin/env bash
# Installs the pinned Prefect (scripts/requirements-prefect.txt) into the git-ignored .venv.
# Idempotent: does nothing when .venv already matches the requirements file.
# Prints the venv's bin directory on success.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/.venv"
req="$root/scripts/requirements-prefect.txt"
want=$(sha256sum "$req" | cut -d' ' -f1)
stamp="$venv/.requirements.sha256"
if [ -x "$venv/bin/prefect" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "$venv/bin"
  exit 0
fi
py=${PYTHON:-python3}
command -v "$py" >/dev/null || { echo "venv.sh: $py not found; install Python 3.10+" >&2; exit 1; }
echo "venv.sh: installing pinned prefect into $venv (about a minute)" >&2
rm -rf "$venv"
"$py" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$req" >&2
"$venv/bin/prefect" version >/dev/null
echo "$want" > "$stamp"
echo "$venv/bin"
