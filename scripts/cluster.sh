#!/usr/bin/env bash
# A local cluster in one command: N nodes on loopback sharing one throwaway PostgreSQL
# (scripts/postgres.sh), each with its own HTTP port, cluster port and log. For trying the
# cluster and for the cluster benchmarks; not a production set-up (docs/operations.md, "A cluster").
#
#   scripts/cluster.sh start [N] [-- EXTRA HOST ARGUMENTS]  # N nodes (default 3); prints their URLs
#   scripts/cluster.sh add                                 # one more node joining the running cluster
#   scripts/cluster.sh stop                                # stops every node (SIGTERM) and the database
#   scripts/cluster.sh status                              # each node's /health
#
# State lives in $EVENTACTORS_CLUSTER_DIR (default /tmp/eventactors-cluster): nodes/<i>/{pid,url,port,log},
# the database in postgres/. The first two nodes are the seed nodes. The host is run from its
# Release build output (built first if missing), as `dotnet EventActors.Host.dll`.
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
state="${EVENTACTORS_CLUSTER_DIR:-/tmp/eventactors-cluster}"
host_dll="$repo_root/src/Host/bin/Release/net10.0/EventActors.Host.dll"

fail() { echo "scripts/cluster.sh: $*" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

node_count() { ls -d "$state"/nodes/* 2>/dev/null | wc -l; }

start_node() { # start_node <index> <seed list> [extra args...]
  local index="$1" seeds="$2"; shift 2
  local dir="$state/nodes/$index" http cluster
  mkdir -p "$dir"
  http="$(free_port)"
  cluster="$(cat "$dir/cluster-port" 2>/dev/null || free_port)"
  echo "$cluster" > "$dir/cluster-port"
  # Two malloc arenas, as docs/operations.md advises for every node on glibc: 50,000 idle streams
  # over three nodes took ~30 MiB less RSS (docs/benchmarks.md). The operator's own value wins.
  ( export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
    exec dotnet "$host_dll" --urls "http://127.0.0.1:$http" --data-dir "$dir/data" \
      --journal postgres --postgres "$(cat "$state/connection")" \
      --cluster-port "$cluster" --seed-nodes "$seeds" "$@" >"$dir/log" 2>&1 ) &
  echo $! > "$dir/pid"
  echo "http://127.0.0.1:$http" > "$dir/url"
}

wait_up() { # wait_up <index>: until the node says it is up in its cluster
  local dir="$state/nodes/$1" deadline=$((SECONDS + 120))
  until curl -fs "$(cat "$dir/url")/health" 2>/dev/null | grep -q '"cluster":"up"'; do
    kill -0 "$(cat "$dir/pid")" 2>/dev/null || fail "node $1 exited; its log: $dir/log"
    [ $SECONDS -lt $deadline ] || fail "node $1 was not up within 120 s; its log: $dir/log"
    sleep 0.2
  done
}

seeds() { echo "127.0.0.1:$(cat "$state/nodes/1/cluster-port"),127.0.0.1:$(cat "$state/nodes/2/cluster-port" 2>/dev/null || cat "$state/nodes/1/cluster-port")"; }

case "${1:-}" in
  start)
    shift
    count="${1:-3}"; [ $# -gt 0 ] && shift
    [ "${1:-}" = "--" ] && shift
    [[ "$count" =~ ^[1-9][0-9]?$ ]] || fail "the node count must be 1 to 99, not '$count'"
    [ ! -d "$state/nodes" ] || fail "a cluster is already running in $state: scripts/cluster.sh stop first"
    [ -f "$host_dll" ] || dotnet build "$repo_root/src/Host" -c Release -nologo -v quiet -clp:ErrorsOnly
    mkdir -p "$state/postgres"
    "$repo_root/scripts/postgres.sh" start "$state/postgres" | tail -n 1 > "$state/connection"
    printf '%s\n' "$@" > "$state/extra-args"
    for i in $(seq 1 "$count"); do mkdir -p "$state/nodes/$i"; echo "$(free_port)" > "$state/nodes/$i/cluster-port"; done
    started=$SECONDS
    for i in $(seq 1 "$count"); do start_node "$i" "$(seeds)" "$@"; done
    for i in $(seq 1 "$count"); do wait_up "$i"; done
    echo "all $count nodes up $((SECONDS - started)) s after launch"
    for i in $(seq 1 "$count"); do echo "node $i: $(cat "$state/nodes/$i/url")  (cluster port $(cat "$state/nodes/$i/cluster-port"), log $state/nodes/$i/log)"; done
    ;;
  add)
    [ -d "$state/nodes" ] || fail "no cluster is running in $state"
    i=$(( $(node_count) + 1 ))
    mapfile -t extra < <(grep -v '^$' "$state/extra-args" || true)
    start_node "$i" "$(seeds)" "${extra[@]}"
    wait_up "$i"
    echo "node $i: $(cat "$state/nodes/$i/url")  (cluster port $(cat "$state/nodes/$i/cluster-port"), log $state/nodes/$i/log)"
    ;;
  status)
    [ -d "$state/nodes" ] || fail "no cluster is running in $state"
    for dir in "$state"/nodes/*; do
      echo "node $(basename "$dir") $(cat "$dir/url"): $(curl -fs "$(cat "$dir/url")/health" 2>/dev/null || echo 'not answering')"
    done
    ;;
  stop)
    if [ -d "$state/nodes" ]; then
      for dir in "$state"/nodes/*; do kill -TERM "$(cat "$dir/pid")" 2>/dev/null || true; done
      for dir in "$state"/nodes/*; do
        for _ in $(seq 1 300); do kill -0 "$(cat "$dir/pid")" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$(cat "$dir/pid")" 2>/dev/null || true
      done
    fi
    [ ! -d "$state/postgres" ] || "$repo_root/scripts/postgres.sh" stop "$state/postgres" || true
    rm -rf "$state"
    echo "stopped"
    ;;
  *)
    fail "usage: $0 start [N] [-- HOST ARGS] | add | status | stop"
    ;;
esac
