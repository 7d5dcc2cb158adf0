#!/usr/bin/env bash
# Runs one load-generator scenario against the three servers, one after another on the same
# machine: EventActors (SQLite journal, every event persisted), the minimal ASP.NET Core SSE
# server (no actors, no persistence) and Nchan (in memory). Each server runs alone while it is
# measured, then stops. Prints each run's JSON summary line, prefixed with the server's name.
#
#   bench/peers/compare.sh fanout --topics 1 --subscribers 1000 --rate max --duration 15
#   bench/peers/compare.sh fanout --topics 1 --subscribers 1000 --rate 1000 --duration 15
#   SERVERS="nchan eventactors" bench/peers/compare.sh ...   (which servers, in this order)
#   EVENTACTORS_HOST=/tmp/before/src/Host/bin/Release/net10.0/EventActors.Host.dll EVENTACTORS_NAME=before \
#     SERVERS=eventactors bench/peers/compare.sh ...           (another build of ours: ab.sh does this)
#   EVENTACTORS_ARGS="--EventActors:Auth:SigningKey=KEY" ...   (more arguments for our host)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
scenario=${1:?usage: compare.sh SCENARIO [generator options]}
shift
ours=5180 minimal=5190 nchan=5191
servers=${SERVERS:-eventactors minimal nchan}
host=${EVENTACTORS_HOST:-$root/src/Host/bin/Release/net10.0/EventActors.Host.dll}
host_name=${EVENTACTORS_NAME:-eventactors}
[[ -f $host ]] || [[ -z ${EVENTACTORS_HOST:-} ]] || { echo "compare.sh: no host at $host" >&2; exit 1; }
data=$(mktemp -d -t eventactors-compare.XXXXXX)
trap 'rm -rf "$data"' EXIT

dotnet build "$root/EventActors.sln" -c Release -nologo -v q -clp:ErrorsOnly >&2
bench() { dotnet "$root/bench/EventActors.Bench/bin/Release/net10.0/EventActors.Bench.dll" "$@"; }
urls() { echo --sub-url "http://127.0.0.1:$1/topics/{topic}/stream" --pub-url "http://127.0.0.1:$1/topics/{topic}/events"; }
wait_port() { for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.1; done; return 1; }

# EventActors (a fresh journal for every run)
run_eventactors() {
  local dir pid
  dir=$(mktemp -d -p "$data")
  dotnet "$host" --urls "http://127.0.0.1:$ours" --data-dir "$dir" \
    --Logging:LogLevel:Default=Warning ${EVENTACTORS_ARGS:-} >"$dir/host.log" 2>&1 &
  pid=$!
  wait_port "$ours" || { cat "$dir/host.log" >&2; exit 1; }
  echo "$host_name $(bench "$scenario" $(urls "$ours") --server-pid "$pid" --json "$@" | tail -n 1)"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

# Minimal ASP.NET Core SSE server
run_minimal() {
  local pid
  pid=$("$root/bench/peers/start-minimal.sh" "$minimal")
  echo "minimal $(bench "$scenario" $(urls "$minimal") --server-pid "$pid" --json "$@" | tail -n 1)"
  "$root/bench/peers/stop-minimal.sh" "$minimal" >/dev/null
}

# Nchan: nginx runs a master and worker processes (one per core); the connections and the work
# are the workers', so the generator samples the master and its children, summed
run_nchan() {
  local pid workers
  pid=$("$root/bench/peers/start-nchan.sh" "$nchan")
  workers=$(pgrep -P "$pid" | paste -sd, - || true)
  if [[ -z $workers ]]; then
    echo "compare.sh: the nginx master $pid has no worker processes" >&2
    "$root/bench/peers/stop-nchan.sh" "$nchan" >/dev/null
    exit 1
  fi
  echo "nchan $(bench "$scenario" $(urls "$nchan") --server-pid "$pid,$workers" --json "$@" | tail -n 1)"
  "$root/bench/peers/stop-nchan.sh" "$nchan" >/dev/null
}

for server in $servers; do
  case $server in
    eventactors|minimal|nchan) "run_$server" "$@" ;;
    *) echo "compare.sh: unknown server '$server' in SERVERS (eventactors, minimal, nchan)" >&2; exit 2 ;;
  esac
done
