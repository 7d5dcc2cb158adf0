#!/usr/bin/env bash
# kill -9 of a topic's owner -> the first publish to that topic acknowledged through a surviving
# node: the time a re-homed topic is away. Each run starts a fresh 3-node cluster
# (scripts/cluster.sh), finds a topic owned by node 3 (publishing through node 1), kills node 3
# with SIGKILL, and publishes to that topic through node 1 in a loop (each attempt gives up after
# 1 s, the resolution of the figure; a 503 or a time-out is tried again) until one is
# acknowledged (201). Prints one line per
# run and the median.
#
#   bench/cluster/failover.sh RUNS [-- EXTRA HOST ARGUMENTS]   e.g. -- --config bench/cluster/fast-failover.conf
set -euo pipefail
export EVENTACTORS_CLUSTER_DIR="${EVENTACTORS_CLUSTER_DIR:-/tmp/eventactors-failover}"
source "$(dirname "$0")/common.sh"
[ -z "$bench_arg" ] || { echo "usage: $0 RUNS [-- EXTRA HOST ARGUMENTS]" >&2; exit 2; }

times=()
for run in $(seq 1 "$runs"); do
  "$repo_root/scripts/cluster.sh" start 3 -- "${extra_args[@]}" >/dev/null
  node1="$(cat "$state/nodes/1/url")"
  victim="$(curl -fs "$(cat "$state/nodes/3/url")/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["node"])')"
  topic=""
  for i in $(seq 1 500); do
    candidate="failover.r$run.t$i"
    curl -fs -o /dev/null -XPOST "$node1/topics/$candidate/events" -d first
    owner="$(curl -fs "$node1/topics/$candidate" | python3 -c 'import json,sys; print(json.load(sys.stdin)["owner"])')"
    if [ "$owner" = "$victim" ]; then topic="$candidate"; break; fi
  done
  [ -n "$topic" ] || { echo "no topic owned by node 3 in 500 tries" >&2; exit 1; }

  kill -KILL "$(cat "$state/nodes/3/pid")"
  killed=$(date +%s.%N)
  attempts=0
  until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 -XPOST "$node1/topics/$topic/events" -d after)" = "201" ]; do
    attempts=$((attempts + 1))
    sleep 0.05
  done
  acknowledged=$(date +%s.%N)
  seconds=$(python3 -c "print(f'{$acknowledged - $killed:.1f}')")
  times+=("$seconds")
  # When the survivors saw node 3 unreachable, downed and removed, from their logs (Akka's own
  # lines; the decision and the removal are logged by whichever survivor leads).
  milestones="$(python3 - "$state/nodes/1/log" "$state/nodes/2/log" "$killed" <<'PY'
import re, sys, datetime
log, killed = open(sys.argv[1]).read() + open(sys.argv[2]).read(), float(sys.argv[3])
def first(pattern):
    stamps = re.findall(r"\[(\d\d/\d\d/\d{4} \d\d:\d\d:\d\d\.\d+)Z\][^\n]*" + pattern, log)
    if not stamps: return "?"
    at = min(datetime.datetime.strptime(stamp, "%m/%d/%Y %H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc).timestamp() for stamp in stamps)
    return f"{at - killed:.1f}"
unreachable, downed, removed = first("UNREACHABLE"), first("SBR took decision"), first("Leader is removing")
print("unreachable " + unreachable + " s, downed " + downed + " s, removed " + removed + " s")
PY
)"
  echo "run $run: first acknowledged publish on the re-homed topic $seconds s after kill -9 ($attempts failed attempts; $milestones)"
  grep -E "UNREACHABLE|SBR took|Leader is removing|Downing" "$state/nodes/1/log" | cut -c1-220 > "${FAILOVER_LOG:-/dev/null}" || true
  "$repo_root/scripts/cluster.sh" stop >/dev/null
done
print_median "${times[@]}"
