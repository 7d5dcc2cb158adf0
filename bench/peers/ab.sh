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
#
# The same build with different settings: NAME=DLL,ARG,ARG... passes the ARGs to that side's host,
# e.g. authorization off against on (the generator's --signing-key then applies to both sides:
# a node with authorization off ignores the tokens):
#
#   bench/peers/ab.sh off=$DLL on=$DLL,--EventActors:Auth:SigningKey=$KEY 3 /tmp/auth.jsonl \
#     fanout --topics 1 --subscribers 1000 --rate max --duration 15 --signing-key $KEY
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
usage="usage: ab.sh NAME=HOST_DLL NAME=HOST_DLL ROUNDS OUT SCENARIO [generator options]"
a=${1:?$usage} b=${2:?$usage} rounds=${3:?$usage} out=${4:?$usage}
shift 4
[[ $a == *=* && $b == *=* ]] || { echo "$usage" >&2; exit 2; }

run() { # run NAME=DLL[,ARG...] SCENARIO...
  local build=$1 spec dll args=""
  shift
  spec=${build#*=}
  dll=${spec%%,*}
  [[ $spec == *,* ]] && args=${spec#*,} && args=${args//,/ }
  EVENTACTORS_NAME=${build%%=*} EVENTACTORS_HOST=$dll EVENTACTORS_ARGS=$args SERVERS=eventactors "$here/compare.sh" "$@"
}

: >"$out"
for ((round = 1; round <= rounds; round++)); do
  echo "== round $round of $rounds" >&2
  run "$a" "$@" | tee -a "$out"
  run "$b" "$@" | tee -a "$out"
done
"$here/summarize.py" "$out"
