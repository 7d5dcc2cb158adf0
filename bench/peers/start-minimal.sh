#!/usr/bin/env bash
# Builds bench/MinimalSse in Release and starts it on 127.0.0.1:PORT; its log goes to
# $TMPDIR/eventactors-peers/minimal-PORT.log. Prints its PID once the port answers.
# Extra arguments go to the server (e.g. --subscriber-buffer 4096).
# Stop: bench/peers/stop-minimal.sh PORT
set -euo pipefail
# alive PID: running, not a zombie left unreaped by the reparenting init
alive() { local stat; stat=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $stat != Z* ]]; }
port=${1:?usage: start-minimal.sh PORT [server arguments]}
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
state=${TMPDIR:-/tmp}/eventactors-peers
mkdir -p "$state"

dotnet build "$root/bench/MinimalSse/EventActors.MinimalSse.csproj" -c Release -nologo -v q >&2
nohup dotnet "$root/bench/MinimalSse/bin/Release/net10.0/EventActors.MinimalSse.dll" \
  --urls "http://127.0.0.1:$port" "$@" >"$state/minimal-$port.log" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$state/minimal-$port.pid"
for _ in $(seq 100); do
  alive "$pid" || { cat "$state/minimal-$port.log" >&2; exit 1; }
  curl -s -o /dev/null "http://127.0.0.1:$port/" && { echo "$pid"; exit 0; }
  sleep 0.1
done
echo "start-minimal.sh: nothing answers on $port after 10 s; see $state/minimal-$port.log" >&2
exit 1
