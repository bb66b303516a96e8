#!/usr/bin/env bash
# Installs acme-portal-sdk (the peer `aps-prefect-deploy`, pinned in scripts/requirements-acme.txt)
# into a git-ignored venv on top of the main pinned Prefect, and prints the venv's bin directory:
#
#   scripts/acme-venv.sh      # -> .venvs/acme-portal-sdk/bin
#
# The venv holds only the SDK and acme-config's own dependencies; Prefect and everything it
# needs come from .venv (scripts/venv.sh), through a .pth file, so the SDK deploys with exactly
# the Prefect the tests' servers run and the install takes seconds. Idempotent: does nothing
# when the venv matches both requirements files (their SHA-256 is kept in the venv).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
base=$("$root/scripts/venv.sh")
venv="$root/.venvs/acme-portal-sdk"
req="$root/scripts/requirements-acme.txt"
want=$(cat "$req" "$root/scripts/requirements-prefect.txt" | sha256sum | cut -d' ' -f1)
stamp="$venv/.requirements.sha256"
if [ -x "$venv/bin/aps-prefect-deploy" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "$venv/bin"
  exit 0
fi
echo "acme-venv.sh: installing pinned acme-portal-sdk into $venv" >&2
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
"$base/python" -m venv "$venv"
site=$("$base/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
own=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$site" >"$own/_prefect_deploy_pinned_prefect.pth"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input --no-deps --no-compile -r "$req" >&2
"$venv/bin/python" -m pip check --disable-pip-version-check >&2
# pip check does not look at extras: import what aps-prefect-deploy needs from both venvs.
"$venv/bin/python" -c 'import prefect, acme_config, acme_portal_sdk.prefect.prefect_deploy' >&2
echo "$want" >"$stamp"
echo "$venv/bin"
