#!/usr/bin/env bash
# Lints the action and every workflow of the repository; exits non-zero on any finding.
#
#   actionlint  .github/workflows/*.yml, actiontest/testdata/workflows/*.yml, and
#               examples/workflows/*.yml laid out as a user's .github/workflows (so local
#               reusable-workflow calls resolve), with shellcheck on every run: script
#   ShellCheck  the run: scripts of action.yml (actionlint cannot read action metadata), via
#               the actiontest package's TestActionScriptsPassShellcheck
#   zizmor      action.yml and all those workflows, offline, default ("regular") persona
#
# Accepted zizmor findings are ignored inline, next to the line they concern, with the reason:
#   dangerous-triggers on examples/workflows/deploy.yml and the test copy of it: workflow_run is
#     the point (deploy only what container.yml tested); the job runs only for successful pushes
#     to main of this repository and never executes the checked-out code (discovery is static).
#   self-repository on `uses: ./`: zizmor suggests GitHub's newer `$/` syntax, which the pinned
#     actionlint and act reject; `./` means the same.
#
# Tools come from scripts/install-tools.sh (installed on first use into .tools/).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bin=$(scripts/install-tools.sh actionlint zizmor shellcheck)
export PATH="$bin:$PATH"
status=0

echo "act-lint.sh: actionlint"
shopt -s nullglob
own=(.github/workflows/*.yml .github/workflows/*.yaml actiontest/testdata/workflows/*.yml)
[ ${#own[@]} -eq 0 ] || actionlint -shellcheck "$bin/shellcheck" "${own[@]}" || status=1
user=$(mktemp -d)
trap 'rm -rf "$user"' EXIT
mkdir -p "$user/.github/workflows"
cp examples/workflows/*.yml "$user/.github/workflows/"
(cd "$user" && actionlint -shellcheck "$bin/shellcheck" .github/workflows/*.yml) || status=1

echo "act-lint.sh: shellcheck on action.yml, scripts/*.sh and .ci/run"
go test -count=1 -run '^Test(Action|Project)ScriptsPassShellcheck$' ./actiontest -shellcheck "$bin/shellcheck" >/dev/null || {
  go test -count=1 -run '^Test(Action|Project)ScriptsPassShellcheck$' ./actiontest -shellcheck "$bin/shellcheck" || true
  status=1
}

echo "act-lint.sh: zizmor"
zizmor --offline --no-progress --quiet action.yml "${own[@]}" examples/workflows/*.yml || status=1

[ $status -eq 0 ] && echo "act-lint.sh: no findings"
exit $status
