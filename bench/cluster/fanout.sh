#!/usr/bin/env bash
# Cross-node fan-out against one node: deliveries/s of the load generator's fanout scenario
# (bench/EventActors.Bench, `fanout`), alternating per round:
#   one  - a cluster of one: the publisher and all SUBSCRIBERS streams on that node;
#   three - three nodes: the publisher on node 1, the streams spread over nodes 2 and 3
#           (subscriber k on node 2 + k mod 2), wherever the topics' owners are.
# Prints the generator's JSON line per run and each side's median deliveries/s.
#
#   bench/cluster/fanout.sh ROUNDS [TOPICS] [-- EXTRA GENERATOR OPTIONS]   (SUBSCRIBERS=1000 by default)
set -euo pipefail
export EVENTACTORS_CLUSTER_DIR="${EVENTACTORS_CLUSTER_DIR:-/tmp/eventactors-fanout}"
source "$(dirname "$0")/common.sh"
topics="${bench_arg:-1}"
subscribers="${SUBSCRIBERS:-1000}"
bench_dll="$repo_root/bench/EventActors.Bench/bin/Release/net10.0/EventActors.Bench.dll"
[ -f "$bench_dll" ] || dotnet build "$repo_root/bench/EventActors.Bench" -c Release -nologo -v quiet -clp:ErrorsOnly
out="$(mktemp)"

measure() { # measure <label> <node count> <sub-url templates>
  local label="$1" count="$2" subs="$3"
  "$repo_root/scripts/cluster.sh" start "$count" >/dev/null
  local pub pids
  pub="$(cat "$state/nodes/1/url")/topics/{topic}/events"
  pids="$(cat "$state"/nodes/*/pid | paste -sd, -)"
  subs="${subs//@1/$(cat "$state/nodes/1/url")}"
  [ "$count" -lt 2 ] || subs="${subs//@2/$(cat "$state/nodes/2/url")}"
  [ "$count" -lt 3 ] || subs="${subs//@3/$(cat "$state/nodes/3/url")}"
  dotnet "$bench_dll" fanout --sub-url "$subs" --pub-url "$pub" --topics "$topics" --subscribers "$subscribers" \
    --rate max --duration 15 --warmup 5 --server-pid "$pids" --json "${extra_args[@]}" | tail -n 1 | sed "s/^{/{\"side\":\"$label\",/" | tee -a "$out"
  "$repo_root/scripts/cluster.sh" stop >/dev/null
}

for round in $(seq 1 "$runs"); do
  echo "== round $round of $runs" >&2
  measure one 1 "@1/topics/{topic}/stream"
  measure three 3 "@2/topics/{topic}/stream,@3/topics/{topic}/stream"
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
def key(row):
    for name in ("deliveriesPerSecond", "deliveries_per_second", "deliveries/s"):
        if name in row: return row[name]
    raise SystemExit("no deliveries/s field in: " + ", ".join(row))
one = statistics.median(key(r) for r in rows if r["side"] == "one")
three = statistics.median(key(r) for r in rows if r["side"] == "three")
print(f"one node: {one:,.0f} deliveries/s; three nodes (publisher on 1, streams on 2 and 3): {three:,.0f} deliveries/s; ratio {three / one:.2f}x (medians of {len(rows) // 2})")
PY
