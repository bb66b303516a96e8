#!/usr/bin/env bash
# Runs a throwaway local Prefect server (SQLite in a temporary PREFECT_HOME, loopback only)
# around a command, then stops it and removes its home:
#
#   scripts/prefect-server.sh [--prefect SERIES] [--ui] [--worker POOL] -- COMMAND [ARGS...]
#
# While COMMAND runs, PREFECT_API_URL and PREFECT_TEST_API_URL point at the server, and
# PREFECT_TEST_BIN at the venv it runs from.
# With --prefect SERIES (e.g. 2.20, 3.4; see scripts/prefect-versions), the server is that
# pinned Prefect, from its own venv (scripts/venv.sh SERIES); else the main pinned version.
# With --worker POOL, a process work pool POOL is created and a `prefect worker` polls it.
# With --ui, the server also serves the Prefect UI (off by default: tests need only the API).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pool=""
ui=false
series=""
usage="usage: $0 [--prefect SERIES] [--ui] [--worker POOL] -- COMMAND [ARGS...]"
while [ $# -gt 0 ]; do
  case "$1" in
    --worker) pool="$2"; shift 2 ;;
    --prefect) series="$2"; shift 2 ;;
    --ui) ui=true; shift ;;
    --) shift; break ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
[ $# -gt 0 ] || { echo "$usage" >&2; exit 2; }

bin=$("$root/scripts/venv.sh" ${series:+"$series"})
home=$(mktemp -d "${TMPDIR:-/tmp}/prefect-home.XXXXXX")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
url="http://127.0.0.1:$port/api"
export PREFECT_HOME="$home"
export PREFECT_SERVER_ANALYTICS_ENABLED=false PREFECT_UI_ENABLED=$ui PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT=false
export PREFECT_LOGGING_LEVEL=WARNING
# The scheduler keeps 5 future runs per schedule (Prefect's default, 100, makes a throwaway
# SQLite server spend its 2 cores inserting runs nobody will wait for) and looks every 10 s
# (not 60) for deployments its fast pass over just-updated ones missed under load.
export PREFECT_SERVER_SERVICES_SCHEDULER_MAX_RUNS=5 PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS=10
# Prefect 2 names the same settings PREFECT_API_SERVICES_*.
case "$series" in 2.*) export PREFECT_API_SERVICES_SCHEDULER_MAX_RUNS=5 PREFECT_API_SERVICES_SCHEDULER_LOOP_SECONDS=10 ;; esac

pids=()
# shellcheck disable=SC2329 # called by the trap below
cleanup() {
  for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$p" 2>/dev/null || true
  done
  rm -rf "$home"
}
trap cleanup EXIT INT TERM

setsid "$bin/prefect" server start --host 127.0.0.1 --port "$port" >"$home/server.log" 2>&1 &
pids+=($!); disown
ok=""
for _ in $(seq 1 240); do
  if python3 - "$url/health" <<'PY' 2>/dev/null; then ok=1; break; fi
import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=2).read()
PY
  kill -0 "${pids[0]}" 2>/dev/null || break
  sleep 0.5
done
if [ -z "$ok" ]; then
  echo "prefect-server.sh: the server did not become healthy; its log:" >&2
  tail -n 40 "$home/server.log" >&2
  exit 1
fi
echo "prefect-server.sh: Prefect $("$bin/prefect" version 2>/dev/null | awk '/^Version/{print $2}') at $url" >&2

export PREFECT_API_URL="$url" PREFECT_TEST_API_URL="$url" PREFECT_TEST_BIN="$bin"
if [ -n "$pool" ]; then
  "$bin/prefect" --no-prompt work-pool create "$pool" --type process >/dev/null
  # Flow runs log at INFO so their lines reach the server (the server itself stays quiet).
  PREFECT_LOGGING_LEVEL=INFO setsid "$bin/prefect" worker start --pool "$pool" --type process >"$home/worker.log" 2>&1 &
  pids+=($!); disown # reaped quietly: no "Killed" line when a slow one is stopped hard
  export PREFECT_TEST_WORK_POOL="$pool"
fi
set +e
"$@"
rc=$?
set -e
if [ $rc -ne 0 ] && [ -n "${CI:-}" ]; then
  echo "--- last server log lines ---" >&2; tail -n 20 "$home/server.log" >&2
  [ -f "$home/worker.log" ] && { echo "--- last worker log lines ---" >&2; tail -n 20 "$home/worker.log" >&2; }
fi
exit $rc
