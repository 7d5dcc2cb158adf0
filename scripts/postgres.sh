#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and benchmarks: a fresh cluster in a directory of your
# choosing, listening on a free loopback port only, trust authentication, superuser
# "eventactors". Nothing outside the directory is touched; delete it after `stop`.
#
#   scripts/postgres.sh start DIR   # prints the Npgsql connection string on its last line
#   scripts/postgres.sh stop DIR
#   scripts/postgres.sh resume DIR  # starts a stopped cluster again, on the same port
#
# Debian's postgresql package provides the binaries (scripts/test.sh installs it when missing).
# PostgreSQL refuses to run as root, so as root the server runs as the "postgres" user.
set -euo pipefail

fail() { echo "scripts/postgres.sh: $*" >&2; exit 1; }

find_bin_dir() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  done
  command -v pg_ctl >/dev/null 2>&1 && { dirname "$(command -v pg_ctl)"; return 0; }
  return 1
}

free_port() { # asks the kernel for a free loopback port
  python3 - <<'EOF' 2>/dev/null || echo $((20000 + RANDOM % 10000))
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
EOF
}

as_owner() { # runs a command as the user that owns the cluster
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

[ $# -eq 2 ] || fail "usage: $0 start|stop|resume DIR"
action="$1" dir="$2"
bin="$(find_bin_dir)" || fail "PostgreSQL is not installed (Debian: apt-get install postgresql)"

case "$action" in
  start)
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U eventactors --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; fail "initdb failed"; }
    free_port >"$dir/port"
    "$0" resume "$dir"
    ;;
  resume)
    [ -f "$dir/port" ] || fail "$dir holds no cluster made by '$0 start'"
    port="$(cat "$dir/port")"
    # Sockets only in the cluster's own directory, TCP only on loopback. The settings are
    # PostgreSQL's defaults apart from connections (the host tests run several nodes) and
    # logging; fsync stays on, so what the tests and benchmarks see is real durability.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c log_min_messages=warning" start >/dev/null \
      || { cat "$dir/server.log" >&2; fail "the server did not start"; }
    echo "Host=127.0.0.1;Port=$port;Username=eventactors;Database=postgres"
    ;;
  stop)
    [ -d "$dir/data" ] || exit 0
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *) fail "unknown action '$action' (start, stop or resume)" ;;
esac
