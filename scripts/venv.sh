#!/usr/bin/env bash
# Installs a pinned Prefect into a git-ignored venv and prints the venv's bin directory:
#
#   scripts/venv.sh           # the main version: scripts/requirements-prefect.txt -> .venv
#   scripts/venv.sh 2.20      # another: scripts/requirements-prefect-2.20.txt -> .venvs/prefect-2.20
#
# Idempotent: does nothing when the venv already matches its requirements file (the venv keeps
# the file's SHA-256, so editing the pins reinstalls it).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
series=${1:-}
if [ -z "$series" ]; then
  venv="$root/.venv"
  req="$root/scripts/requirements-prefect.txt"
else
  venv="$root/.venvs/prefect-$series"
  req="$root/scripts/requirements-prefect-$series.txt"
  if [ ! -f "$req" ]; then
    have=""
    for f in "$root"/scripts/requirements-prefect-*.txt; do
      [ -e "$f" ] || continue
      f=${f##*/requirements-prefect-}
      have="$have ${f%.txt}"
    done
    echo "venv.sh: no pinned Prefect $series (scripts/requirements-prefect-$series.txt); pinned:${have:- none}" >&2
    exit 2
  fi
fi
want=$(sha256sum "$req" | cut -d' ' -f1)
stamp="$venv/.requirements.sha256"
if [ -x "$venv/bin/prefect" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "$venv/bin"
  exit 0
fi
py=${PYTHON:-python3}
command -v "$py" >/dev/null || { echo "venv.sh: $py not found; install Python 3.10+" >&2; exit 1; }
echo "venv.sh: installing pinned prefect${series:+ $series} into $venv (about a minute)" >&2
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
"$py" -m venv "$venv"
# The requirements files are complete freezes: no resolving (--no-deps), and no byte-compiling
# of every module up front (--no-compile; Python compiles what it imports): 40 % faster.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input --no-deps --no-compile -r "$req" >&2
"$venv/bin/python" -m pip check --disable-pip-version-check >&2
"$venv/bin/prefect" version >/dev/null
echo "$want" > "$stamp"
echo "$venv/bin"
