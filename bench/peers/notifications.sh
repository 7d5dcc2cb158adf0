#!/usr/bin/env bash
# The notification pattern at a scale one process cannot hold: one topic per subscriber
# (users.42.notifications), 100,000 of them, 1,000 publishes/s spread over the topics, delivery
# latency measured. A process here may hold at most ~19,500 sockets (the hard descriptor limit,
# 20,000, cannot be raised), so every side is several processes:
#   - EventActors: a cluster of PARTS nodes on one PostgreSQL (scripts/cluster.sh), every event
#     persisted; generator part i subscribes and publishes through node i, and the topic's shard
#     is wherever Sharding put it (most deliveries cross nodes);
#     Its topics exist before the run (a user's notification topic has history): each gets one
#     event first (the topics scenario), so the run measures publishes to existing topics, not
#     their creation (PRECREATE=0 skips that);
#   - Nchan: nginx with PARTS worker processes (NCHAN_WORKERS), in memory;
#   - the load: PARTS generator processes (fanout), each its own topics, subscribers and share of
#     the rate, publishing over the same window (--start-file) once all have connected; their
#     latency histograms are merged (latency-merge) into the run's percentiles.
# Servers run one after the other, each alone while measured. Prints one line per server:
# the merged latency, then each part's JSON.
#
#   bench/peers/notifications.sh                     # 100,000 x 1, 1,000/s, 6 parts, 10 s warm-up + 30 s
#   SUBSCRIBERS=20000 PARTS=2 bench/peers/notifications.sh
#   SERVERS="nchan eventactors" RATE=2000 DURATION=60 bench/peers/notifications.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
subscribers=${SUBSCRIBERS:-100000} parts=${PARTS:-6} rate=${RATE:-1000}
warmup=${WARMUP:-10} duration=${DURATION:-30} servers=${SERVERS:-eventactors nchan} precreate=${PRECREATE:-1}
nchan_port=5191
work=$(mktemp -d -t eventactors-notifications.XXXXXX)
chmod 755 "$work" # PostgreSQL runs as its own user and must reach its data directory under it
cluster_dir=$work/cluster
cleanup() {
  EVENTACTORS_CLUSTER_DIR=$cluster_dir "$root/scripts/cluster.sh" stop >/dev/null 2>&1 || true
  "$root/bench/peers/stop-nchan.sh" "$nchan_port" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

dotnet build "$root/EventActors.sln" -c Release -nologo -v q -clp:ErrorsOnly >&2
bench() { dotnet "$root/bench/EventActors.Bench/bin/Release/net10.0/EventActors.Bench.dll" "$@"; }

# run_parts NAME SERVER_PIDS URL_OF_PART: starts the parts, lets them publish once all have
# connected, waits for them, merges their histograms.
run_parts() {
  local name=$1 server_pids=$2 url_of_part=$3 dir=$work/$1 i pids=() files=() base
  mkdir -p "$dir"
  for ((i = 0; i < parts; i++)); do
    base=$($url_of_part "$i")
    local share; share=$(share_of "$i")
    local sample=(); ((i == 0)) && sample=(--server-pid "$server_pids") # one part samples the server
    bench fanout --sub-url "$base/topics/{topic}/stream" --pub-url "$base/topics/{topic}/events" \
      --topic-prefix "bench.p$i.t." --topics "$share" --subscribers "$share" \
      --rate "$(python3 -c "print($rate / $parts)")" --warmup "$warmup" --duration "$duration" --settle 5 \
      --connect-concurrency $((200 / parts + 1)) --first-source-address "$i" \
      --start-file "$dir/start" --histogram-out "$dir/part$i.hist" "${sample[@]}" --json \
      >"$dir/part$i.json" 2>"$dir/part$i.log" &
    pids+=($!)
    files+=("$dir/part$i.hist")
  done

  # Publishing starts once every part has connected its subscribers (or gave up).
  local deadline=$((SECONDS + 600))
  until [[ $(grep -l "publishing starts once" "$dir"/part*.log 2>/dev/null | wc -l) -eq $parts ]]; do
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { cat "$dir"/part*.log >&2; echo "notifications.sh: a part exited early" >&2; exit 1; }; done
    ((SECONDS < deadline)) || { echo "notifications.sh: parts not connected within 600 s" >&2; exit 1; }
    sleep 1
  done
  grep -h "connected in" "$dir"/part*.log | sed "s/^/$name /" >&2
  touch "$dir/start"
  for pid in "${pids[@]}"; do wait "$pid" || { cat "$dir"/part*.log >&2; exit 1; }; done
  echo "$name merged $(bench latency-merge --files "$(IFS=,; echo "${files[*]}")" --json | tail -n 1)"
  for ((i = 0; i < parts; i++)); do echo "$name part$i $(tail -n 1 "$dir/part$i.json")"; done
}

node_url() { cat "$cluster_dir/nodes/$(($1 + 1))/url"; }
share_of() { echo $(( (subscribers * ($1 + 1)) / parts - (subscribers * $1) / parts )); }

# One event to each of the run's topics, through the node part i will use (topics bench.p<i>.t.<k>).
precreate_topics() {
  local i pids=()
  for ((i = 0; i < parts; i++)); do
    bench topics --pub-url "$(node_url "$i")/topics/{topic}/events" --topics "$(share_of "$i")" --prefix "bench.p$i.t" \
      --concurrency 16 --settle-seconds 0 >"$work/precreate$i.log" 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || { cat "$work"/precreate*.log >&2; exit 1; }; done
  grep -h "round 1" "$work"/precreate*.log | sed "s/^/eventactors precreate: /" >&2
}
nchan_url() { echo "http://127.0.0.1:$nchan_port"; }

run_eventactors() {
  EVENTACTORS_CLUSTER_DIR=$cluster_dir "$root/scripts/cluster.sh" start "$parts" -- --Logging:LogLevel:Default=Warning >&2
  local pids
  pids=$(cat "$cluster_dir"/nodes/*/pid | paste -sd, -)
  ((precreate)) && precreate_topics
  run_parts eventactors "$pids" node_url
  EVENTACTORS_CLUSTER_DIR=$cluster_dir "$root/scripts/cluster.sh" stop >&2
}

run_nchan() {
  local master workers
  master=$(NCHAN_WORKERS=$parts "$root/bench/peers/start-nchan.sh" "$nchan_port")
  workers=$(pgrep -P "$master" | paste -sd, -)
  run_parts nchan "$master,$workers" nchan_url
  "$root/bench/peers/stop-nchan.sh" "$nchan_port" >/dev/null
}

for server in $servers; do
  case $server in
    eventactors|nchan) "run_$server" ;;
    *) echo "notifications.sh: unknown server '$server' in SERVERS (eventactors, nchan)" >&2; exit 2 ;;
  esac
done
