#!/usr/bin/env bash
# Before/after: runs one load-generator scenario against two builds of the EventActors host,
# alternating A, B, A, B, … for ROUNDS rounds (compare.sh with one server: a fresh journal and a
# fresh process each run), keeps the JSON lines in OUT and prints the median of each figure per
# build. Build the other commit in a worktree first:
#
#   git worktree add /tmp/before <commit> && (cd /tmp/before && dotnet build src/Host -c Release)
#   bench/peers/ab.sh before=/tmp/before/src/Host/bin/Release/net10.0/EventActors.Host.dll \
#     after=src/Host/bin/Release/net10.0/EventActors.Host.dll 3 /tmp/ab.jsonl \
#     fanout --topics 1 --subscribers 1000 --rate max --duration 15
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
usage="usage: ab.sh NAME=HOST_DLL NAME=HOST_DLL ROUNDS OUT SCENARIO [generator options]"
a=${1:?$usage} b=${2:?$usage} rounds=${3:?$usage} out=${4:?$usage}
shift 4
[[ $a == *=* && $b == *=* ]] || { echo "$usage" >&2; exit 2; }

run() { # run NAME=DLL SCENARIO...
  local build=$1
  shift
  EVENTACTORS_NAME=${build%%=*} EVENTACTORS_HOST=${build#*=} SERVERS=eventactors "$here/compare.sh" "$@"
}

: >"$out"
for ((round = 1; round <= rounds; round++)); do
  echo "== round $round of $rounds" >&2
  run "$a" "$@" | tee -a "$out"
  run "$b" "$@" | tee -a "$out"
done
"$here/summarize.py" "$out"
