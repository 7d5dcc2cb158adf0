#!/usr/bin/env bash
# A node joining under way: how long from its launch until it holds its share of the shards.
# Each run starts a fresh 3-node cluster (scripts/cluster.sh), starts TOPICS topics through node 1
# (each a publish: shards are allocated as their first topic starts), then launches a fourth
# node (scripts/cluster.sh add) and polls node 1's GET /cluster until the fourth holds at least
# a quarter of the shards allocated (rounded down). Prints one line per run and the median.
#
#   bench/cluster/join.sh RUNS [TOPICS] [-- EXTRA HOST ARGUMENTS]
set -euo pipefail
export EVENTACTORS_CLUSTER_DIR="${EVENTACTORS_CLUSTER_DIR:-/tmp/eventactors-join}"
source "$(dirname "$0")/common.sh"
topics="${bench_arg:-200}"

times=()
for run in $(seq 1 "$runs"); do
  "$repo_root/scripts/cluster.sh" start 3 -- "${extra_args[@]}" >/dev/null
  node1="$(cat "$state/nodes/1/url")"
  seq 1 "$topics" | xargs -P 8 -I{} curl -fs -o /dev/null -XPOST "$node1/topics/join.r$run.t{}/events" -d x
  launched=$(date +%s.%N)
  "$repo_root/scripts/cluster.sh" add >/dev/null
  fourth="$(curl -fs "$(cat "$state/nodes/4/url")/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["node"])')"
  while true; do
    line="$(curl -fs "$node1/cluster" | python3 -c '
import json, sys
c = json.load(sys.stdin); fourth = sys.argv[1]
total = sum(m["shards"] or 0 for m in c["members"])
mine = next((m["shards"] or 0 for m in c["members"] if m["address"] == fourth), 0)
print(f"{mine} {total}")' "$fourth")"
    read -r mine total <<<"$line"
    [ "$mine" -ge $((total / 4)) ] && [ "$total" -gt 0 ] && break
    sleep 0.2
  done
  held=$(date +%s.%N)
  seconds=$(python3 -c "print(f'{$held - $launched:.1f}')")
  times+=("$seconds")
  echo "run $run: the fourth node held $mine of $total shards $seconds s after its launch"
  "$repo_root/scripts/cluster.sh" stop >/dev/null
done
print_median "${times[@]}"
