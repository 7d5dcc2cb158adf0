#!/usr/bin/env bash
# Before/after: runs one load-generator scenario against two builds of the EventActors host,
# alternating A, B, A, B, … for ROUNDS rounds (a fresh journal and a fresh process each run), keeps
# the JSON lines in OUT and prints the median of each figure per build. Build the other commit
# in a worktree first:
#
#   git worktree add /tmp/before <commit> && (cd /tmp/before && dotnet build src/Host -c Release)
#   bench/peers/ab.sh before=/tmp/before/src/Host/bin/Release/net10.0/EventActors.Host.dll \
#     after=src/Host/bin/Release/net10.0/EventActors.Host.dll 3 /tmp/ab.jsonl \
#     fanout --topics 1 --subscribers 1000 --rate max --duration 15
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
usage="usage: ab.sh NAME=HOST_DLL NAME=HOST_DLL ROUNDS OUT SCENARIO [generator options]"
a=${1:?$usage} b=${2:?$usage} rounds=${3:?$usage} out=${4:?$usage}
shift 4
[[ $a == *=* && $b == *=* ]] || { echo "$usage" >&2; exit 2; }
port=5180
data=$(mktemp -d -t eventactors-ab.XXXXXX)
trap 'rm -rf "$data"' EXIT

dotnet build "$root/bench/EventActors.Bench/EventActors.Bench.csproj" -c Release -nologo -v q -clp:ErrorsOnly >&2
bench() { dotnet "$root/bench/EventActors.Bench/bin/Release/net10.0/EventActors.Bench.dll" "$@"; }
wait_port() { for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.1; done; return 1; }

run() { # run NAME=DLL SCENARIO...
  local name=${1%%=*} dll=${1#*=} dir pid
  shift
  [[ -f $dll ]] || { echo "ab.sh: no host at $dll" >&2; exit 1; }
  dir=$(mktemp -d -p "$data")
  dotnet "$dll" --urls "http://127.0.0.1:$port" --data-dir "$dir" --Logging:LogLevel:Default=Warning >"$dir/host.log" 2>&1 &
  pid=$!
  wait_port "$port" || { cat "$dir/host.log" >&2; exit 1; }
  echo "$name $(bench "$@" --sub-url "http://127.0.0.1:$port/topics/{topic}/stream" \
    --pub-url "http://127.0.0.1:$port/topics/{topic}/events" --server-pid "$pid" --json | tail -n 1)"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

: >"$out"
for ((round = 1; round <= rounds; round++)); do
  echo "== round $round of $rounds" >&2
  run "$a" "$@" | tee -a "$out"
  run "$b" "$@" | tee -a "$out"
done
"$root/bench/peers/summarize.py" "$out"
