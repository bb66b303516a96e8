#!/usr/bin/env bash
# The demo behind `make demo` (run it through make, which installs .venv and builds bin/):
#
#   1. copies examples/ into a temporary git repository whose origin is a local bare repository
#      (standing in for GitHub; workers `git clone` it at the deployed commit);
#   2. starts a throwaway Prefect server and a process worker on demo-pool
#      (scripts/prefect-server.sh);
#   3. deploys the examples to dev with bin/prefect-deploy and prints the table;
#   4. runs the write-report.hourly deployment through the worker and prints its final state and
#      the log lines showing DEPLOYMENT_NAME and CODE_MARK;
#   5. deploys again: every deployment is unchanged and nothing is written;
#   6. promotes dev to prod as release 0.1.0 (same code and schedules, prod's env vars, schedules
#      switched on), then again: already converged, nothing written.
#
# It needs no input, leaves nothing behind, and exits non-zero when any step fails.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin="$root/bin/prefect-deploy"

if [ -t 1 ]; then
  say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
  say() { printf '\n== %s\n' "$*"; }
fi

if [ "${1:-}" != "--inside" ]; then
  [ -x "$bin" ] || { echo "demo.sh: $bin is missing; run \`make demo\` (it builds it)" >&2; exit 1; }
  command -v git >/dev/null || { echo "demo.sh: git is required" >&2; exit 1; }
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/prefect-deploy-demo.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  trap 'exit 130' INT TERM
  export GIT_AUTHOR_NAME=demo GIT_AUTHOR_EMAIL=demo@example.com GIT_COMMITTER_NAME=demo GIT_COMMITTER_EMAIL=demo@example.com
  git=(git -c init.defaultBranch=main -c commit.gpgsign=false)

  say "1. A flows repository: examples/ copied to a temporary git repo with a local 'origin'"
  cp -R "$root/examples" "$tmp/work"
  printf '[project]\nname = "examples"\nversion = "0.1.0"\n' > "$tmp/work/pyproject.toml"
  "${git[@]}" -C "$tmp/work" init -q
  "${git[@]}" -C "$tmp/work" add -A
  "${git[@]}" -C "$tmp/work" commit -q -m "initial"
  "${git[@]}" init -q --bare "$tmp/origin.git"
  "${git[@]}" -C "$tmp/work" remote add origin "file://$tmp/origin.git"
  "${git[@]}" -C "$tmp/work" push -q origin main
  echo "repository $tmp/work (origin file://$tmp/origin.git), commit $("${git[@]}" -C "$tmp/work" rev-parse --short HEAD)"
  "$bin" flows --source-root "$tmp/work/flows"

  say "2. A throwaway Prefect server with a process worker on demo-pool"
  # prefect-server.sh sets PREFECT_LOGGING_LEVEL=WARNING for the server and the worker; flow runs
  # must still send their INFO lines (DEPLOYMENT_NAME=..., CODE_MARK=...) to the server.
  export PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL=INFO
  "$root/scripts/prefect-server.sh" --ui --worker demo-pool -- "$0" --inside "$tmp/work"
  echo
  echo "demo: OK"
  exit 0
fi

# --inside WORKDIR: runs under scripts/prefect-server.sh, which exports PREFECT_API_URL.
work="$2"
cd "$work"
deploy=("$bin" deploy --env dev)

say "3. Deploy to dev (project from the config, branch and commit from git, version from pyproject.toml)"
echo "\$ prefect-deploy deploy --env dev"
out=$("${deploy[@]}")
echo "$out"
# The table's links lead into the server's UI: check the first one opens.
link=$(grep -Eo 'http://[^ ]+/deployments/deployment/[0-9a-f-]+' <<<"$out" | head -n 1)
python3 - "$link" <<'PY'
import sys, urllib.request
# As a browser asks: the UI serves its pages to HTML navigation.
req = urllib.request.Request(sys.argv[1], headers={"Accept": "text/html"})
with urllib.request.urlopen(req, timeout=30) as resp:
    body = resp.read(4096).decode("utf-8", "replace")
if resp.status != 200 or "<html" not in body.lower():
    sys.exit(f"demo: the UI link {sys.argv[1]} does not open the Prefect UI (HTTP {resp.status})")
print(f"UI link opens: {sys.argv[1]}")
PY

say "4. Run write-report.hourly through the worker"
python3 - "$PREFECT_API_URL" "examples--main--write-report.hourly--dev" <<'PY'
import json, sys, time, urllib.error, urllib.request

api, name = sys.argv[1].rstrip("/"), sys.argv[2]

def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(api + path, data=data, method=method,
                                 headers={"Content-Type": "application/json", "Accept": "application/json"})
    for attempt in range(6):  # a busy local server (SQLite) may answer 503 for a moment
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return json.load(resp)
        except urllib.error.HTTPError as e:
            if e.code in (429, 502, 503) and attempt < 5:
                time.sleep(1 + attempt)
                continue
            sys.exit(f"demo: {method} {path}: HTTP {e.code}: {e.read().decode(errors='replace')[:300]}")

deps = call("POST", "/deployments/filter", {"deployments": {"name": {"any_": [name]}}})
if len(deps) != 1:
    sys.exit(f"demo: expected one deployment named {name}, the server has {len(deps)}")
run = call("POST", f"/deployments/{deps[0]['id']}/create_flow_run", {})
print(f"flow run {run['name']} ({run['id']}) of deployment {name}")
deadline, state, last = time.time() + 120, None, None
while time.time() < deadline:
    state = call("GET", f"/flow_runs/{run['id']}")["state"] or {}
    if state.get("name") != last:
        last = state.get("name")
        print(f"  state: {last}")
    if state.get("type") in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
        break
    time.sleep(1)
else:
    sys.exit(f"demo: the flow run did not finish within 2 minutes (last state {last}); is the worker running?")

# Logs reach the server shortly after the final state.
lines = []
for _ in range(30):
    logs = call("POST", "/logs/filter", {"limit": 200, "sort": "TIMESTAMP_ASC",
                                         "logs": {"flow_run_id": {"any_": [run["id"]]}}})
    lines = [l["message"] for l in logs]
    if any(m.startswith("Finished in state") for m in lines):
        break
    time.sleep(0.5)
print(f"final state: {state.get('type')}" + (f" ({state['message']})" if state.get("message") else ""))
print("log lines:")
for m in lines:
    if m.startswith(("DEPLOYMENT_NAME=", "CODE_MARK=", "APP_ENV=")):
        print(f"  {m}")
if state.get("type") != "COMPLETED":
    print("\n".join("  | " + m for m in lines[-20:]), file=sys.stderr)
    sys.exit("demo: the flow run did not complete")
if not any(m == f"DEPLOYMENT_NAME={name}" for m in lines):
    sys.exit(f"demo: the run's logs do not show DEPLOYMENT_NAME={name}")
PY

say "5. Deploy the same commit again: nothing changes, nothing is written"
out=$("${deploy[@]}")
echo "$out"
summary=$(tail -n 1 <<<"$out")
if ! grep -Eq '^[0-9]+ deployments?: [0-9]+ unchanged$' <<<"$summary"; then
  echo "demo: the second deploy was not all unchanged: $summary" >&2
  exit 1
fi

say "6. Promote dev to prod as release 0.1.0: same code, prod's env vars, schedules on"
promote=("$bin" promote --source-env dev --env prod --branch main --release-version 0.1.0)
echo "\$ prefect-deploy promote --source-env dev --env prod --branch main --release-version 0.1.0"
out=$("${promote[@]}")
echo "$out"
if ! grep -Eq '^[0-9]+ deployments?: [0-9]+ created$' <<<"$(tail -n 1 <<<"$out")"; then
  echo "demo: the promotion did not create the prod deployments" >&2
  exit 1
fi
echo
echo "\$ prefect-deploy promote ... (again)"
out=$("${promote[@]}")
summary=$(tail -n 1 <<<"$out")
echo "$summary"
if ! grep -Eq '^[0-9]+ deployments?: [0-9]+ unchanged$' <<<"$summary"; then
  echo "demo: the second promotion was not all unchanged: $summary" >&2
  exit 1
fi
