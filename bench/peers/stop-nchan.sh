#!/usr/bin/env bash
# Stops the Nchan that start-nchan.sh PORT started: graceful quit (open streams are closed), then
# a fast stop if it is still there after 10 s.
set -euo pipefail
# alive PID: running, not a zombie left unreaped by the reparenting init
alive() { local stat; stat=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $stat != Z* ]]; }
port=${1:?usage: stop-nchan.sh PORT}
prefix=${TMPDIR:-/tmp}/eventactors-peers/nchan-$port
[[ -f $prefix/nginx.pid ]] || { echo "stop-nchan.sh: nothing started on $port ($prefix/nginx.pid)" >&2; exit 1; }
pid=$(cat "$prefix/nginx.pid")
nginx -p "$prefix/" -c "$prefix/nchan.conf" -s quit 2>/dev/null || true
for _ in $(seq 100); do
  alive "$pid" || exit 0
  sleep 0.1
done
nginx -p "$prefix/" -c "$prefix/nchan.conf" -s stop
