#!/usr/bin/env bash
# Times the CI job a team pays for, on the same generated flows and the same throwaway Prefect
# server, two ways:
#
#   prefect:        PrefectHQ/actions-prefect-deploy's approach: a fresh venv, `pip install
#                   prefect` and the flows' requirements, then `prefect --no-prompt deploy --all`;
#   prefect-deploy: this action's: fetch the binary, check its SHA-256, deploy.
#
# each with a cold package cache (an empty pip cache: a runner's first job) and a warm one (the
# cache a previous job left, as actions/cache restores it; the venv is new in every job).
#
#   scripts/ci-job.sh [-n FLOWS]      # default 20 flows; needs network access to PyPI
#
# It starts its own server (scripts/prefect-server.sh) unless PREFECT_API_URL is set.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=20
while [ $# -gt 0 ]; do
  case "$1" in
    -n) n="$2"; shift 2 ;;
    *) echo "usage: $0 [-n FLOWS]" >&2; exit 2 ;;
  esac
done
if [ -z "${PREFECT_API_URL:-}" ]; then
  exec "$root/scripts/prefect-server.sh" -- "$0" -n "$n"
fi
bin="$root/bin/prefect-deploy"
[ -x "$bin" ] || (cd "$root" && make -s build)
python=${PYTHON:-python3}
prefect_version=$(sed -n 's/^prefect==\([0-9.]*\).*/\1/p' "$root/scripts/requirements-prefect.txt")
work=$(mktemp -d "${TMPDIR:-/tmp}/ci-job.XXXXXX")
trap 'rm -rf "$work"' EXIT
cache="$work/pip-cache" # one cache for the whole run: empty for the cold job, filled after it
pool=ci-job-pool
"$root/.venv/bin/prefect" --no-prompt work-pool create "$pool" --type process >/dev/null 2>&1 || true

# repo DIR PREFIX writes N flows, their requirements, a prefect.yaml and a prefect-deploy.yaml.
repo() {
  local dir=$1 prefix=$2 i
  mkdir -p "$dir/flows"
  for i in $(seq -f %04g 0 $((n - 1))); do
    cat >"$dir/flows/flow_$i.py" <<EOF
from prefect import flow


@flow(name="$prefix-flow-$i")
def ${prefix//-/_}_flow_$i(rows: int = 100, mode: str = "delta") -> int:
    """Load one batch."""
    return rows
EOF
  done
  echo "prefect==$prefect_version" >"$dir/requirements.txt"
  {
    echo "name: $prefix"
    echo "pull:"
    echo "  - prefect.deployments.steps.set_working_directory:"
    echo "      directory: /opt/flows"
    echo "deployments:"
    for i in $(seq -f %04g 0 $((n - 1))); do
      echo "  - name: $prefix-$i"
      echo "    entrypoint: flows/flow_$i.py:${prefix//-/_}_flow_$i"
      echo "    work_pool: {name: $pool, job_variables: {image: example.com/flows:1}}"
    done
  } >"$dir/prefect.yaml"
  printf 'project: %s\nsource_root: flows\ndefaults:\n  work_pool: %s\n  code_source:\n    type: image\n' "$prefix" "$pool" >"$dir/prefect-deploy.yaml"
}

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# prefect_job CACHE-LABEL: fresh venv, pip install, prefect deploy --all.
prefect_job() {
  local dir="$work/prefect-$1" t0 t1 t2
  repo "$dir" "cij-p$1-$RANDOM"
  t0=$(now)
  "$python" -m venv "$dir/.venv"
  PIP_CACHE_DIR="$cache" "$dir/.venv/bin/pip" install --quiet --disable-pip-version-check --no-input \
    "prefect==$prefect_version" -r "$dir/requirements.txt" >"$dir/pip.log" 2>&1 ||
    { tail -n 20 "$dir/pip.log" >&2; exit 1; }
  t1=$(now)
  (cd "$dir" && PREFECT_HOME="$dir/.prefect-home" "$dir/.venv/bin/prefect" --no-prompt deploy --all >"$dir/deploy.log" 2>&1) ||
    { tail -n 20 "$dir/deploy.log" >&2; exit 1; }
  t2=$(now)
  echo "prefect deploy --all|$1|$(secs "$t0" "$t1")|$(secs "$t1" "$t2")|$(secs "$t0" "$t2")"
}

# ours_job CACHE-LABEL: fetch the binary (a copy stands in for the release download), check its
# SHA-256 against the published sum, deploy.
ours_job() {
  local dir="$work/ours-$1" t0 t1 t2 sum
  repo "$dir" "cij-o$1-$RANDOM"
  sum=$(sha256sum "$bin" | cut -d' ' -f1) # what checksums.txt publishes for a release
  t0=$(now)
  mkdir -p "$dir/tool"
  cp "$bin" "$dir/tool/prefect-deploy"
  echo "$sum  $dir/tool/prefect-deploy" | sha256sum --check --quiet
  t1=$(now)
  (cd "$dir" && "$dir/tool/prefect-deploy" deploy --env ci --branch main --commit 0123456789abcdef0123456789abcdef01234567 \
    --package-version 1.0.0 --image example.com/flows:1 >"$dir/deploy.log" 2>&1) || { tail -n 20 "$dir/deploy.log" >&2; exit 1; }
  t2=$(now)
  echo "prefect-deploy (verified binary)|$1|$(secs "$t0" "$t1")|$(secs "$t1" "$t2")|$(secs "$t0" "$t2")"
}

echo "ci-job.sh: $n flows, Prefect $prefect_version, server $PREFECT_API_URL, load $(cut -d' ' -f1 /proc/loadavg)" >&2
rows=()
rows+=("$(prefect_job cold)")
rows+=("$(ours_job cold)")
rows+=("$(prefect_job warm)")
rows+=("$(ours_job warm)")
echo
echo "The CI job on $n flows (same server; setup = venv + pip install, or fetch + SHA-256 check):"
echo
echo "| approach | package cache | setup | deploy | whole job |"
echo "|:--|:--|--:|--:|--:|"
for r in "${rows[@]}"; do
  IFS='|' read -r a c s d t <<<"$r"
  echo "| $a | $c | $s s | $d s | $t s |"
done
total() { IFS='|' read -r _ _ _ _ t <<<"$1"; echo "$t"; }
echo
awk -v pc="$(total "${rows[0]}")" -v oc="$(total "${rows[1]}")" -v pw="$(total "${rows[2]}")" -v ow="$(total "${rows[3]}")" \
  'BEGIN { printf "Whole job, prefect deploy --all / prefect-deploy: %.0f× with a cold cache, %.0f× with a warm one.\n", pc / oc, pw / ow }'
