#!/usr/bin/env bash
# Stops the MinimalSse that start-minimal.sh PORT started (SIGTERM: open streams end at once).
set -euo pipefail
# alive PID: running, not a zombie left unreaped by the reparenting init
alive() { local stat; stat=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $stat != Z* ]]; }
port=${1:?usage: stop-minimal.sh PORT}
pidfile=${TMPDIR:-/tmp}/eventactors-peers/minimal-$port.pid
[[ -f $pidfile ]] || { echo "stop-minimal.sh: nothing started on $port ($pidfile)" >&2; exit 1; }
pid=$(cat "$pidfile")
kill "$pid" 2>/dev/null || true
for _ in $(seq 100); do
  alive "$pid" || { rm -f "$pidfile"; exit 0; }
  sleep 0.1
done
echo "stop-minimal.sh: $pid still running after 10 s" >&2
exit 1
