#!/usr/bin/env bash
# Starts Nchan (nginx with Debian's libnginx-mod-nchan) on 127.0.0.1:PORT with nchan.conf, in the
# prefix $TMPDIR/eventactors-peers/nchan-PORT (pid, logs, temp files), installing the packages
# when they are missing. Prints the master PID once the port answers.
# Stop: bench/peers/stop-nchan.sh PORT. NCHAN_WORKERS=N: N worker processes (default: one per core).
set -euo pipefail
# alive PID: running, not a zombie left unreaped by the reparenting init
alive() { local stat; stat=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $stat != Z* ]]; }
port=${1:?usage: start-nchan.sh PORT}
here=$(cd "$(dirname "$0")" && pwd)
prefix=${TMPDIR:-/tmp}/eventactors-peers/nchan-$port

if ! command -v nginx >/dev/null || [[ ! -f /usr/lib/nginx/modules/ngx_nchan_module.so ]]; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "start-nchan.sh: nginx or libnginx-mod-nchan is missing and installing needs root:" \
      "apt-get install -y nginx libnginx-mod-nchan" >&2
    exit 1
  fi
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx libnginx-mod-nchan >&2
fi

if [[ -f $prefix/nginx.pid ]] && alive "$(cat "$prefix/nginx.pid")"; then
  echo "start-nchan.sh: already running on $port (pid $(cat "$prefix/nginx.pid")); stop-nchan.sh $port first" >&2
  exit 1
fi
rm -rf "$prefix" && mkdir -p "$prefix/logs" "$prefix/temp"
# NCHAN_WORKERS: worker processes instead of one per core. Each may hold ~19,500 connections
# (the descriptor limit), so 100,000 subscribers need six; the listen socket's reuseport spreads
# the connections over them evenly.
sed -E -e "s/listen 127\.0\.0\.1:[0-9]+ /listen 127.0.0.1:$port /" \
  -e "s/^worker_processes auto;/worker_processes ${NCHAN_WORKERS:-auto};/" "$here/nchan.conf" >"$prefix/nchan.conf"
grep -q "listen 127.0.0.1:$port " "$prefix/nchan.conf" || { echo "start-nchan.sh: no listen line to set in nchan.conf" >&2; exit 1; }

nginx -p "$prefix/" -c "$prefix/nchan.conf" >&2 # daemonizes; the master writes nginx.pid
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$port/" && { cat "$prefix/nginx.pid"; exit 0; }
  sleep 0.1
done
echo "start-nchan.sh: nothing answers on $port after 10 s; see $prefix/logs/error.log" >&2
exit 1
