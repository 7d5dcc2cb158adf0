#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and benchmarks: a fresh cluster in a directory of your
# choosing, listening on a free loopback port only (and one more address if asked), trust authentication, superuser
# "eventactors". Nothing outside the directory is touched; delete it after `stop`.
#
#   scripts/postgres.sh start DIR [ADDRESS]  # prints the Npgsql connection string on its last line;
#                                           # ADDRESS: one more address to listen on, besides loopback
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

[ $# -eq 2 ] || { [ $# -eq 3 ] && [ "$1" = start ]; } || fail "usage: $0 start DIR [ADDRESS] | stop DIR | resume DIR"
action="$1" dir="$2" also_listen="${3:-}"
bin="$(find_bin_dir)" || fail "PostgreSQL is not installed (Debian: apt-get install postgresql)"

case "$action" in
  start)
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U eventactors --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; fail "initdb failed"; }
    free_port >"$dir/port"
    if [ -n "$also_listen" ]; then
      # A test whose node lives in a network namespace of its own reaches the server on the
      # address of its link (tests/Host.Tests/IsolatedNetwork.cs): listen there too, and trust
      # the clients of the networks the server is directly connected to.
      echo "$also_listen" >"$dir/listen"
      echo "host all all samenet trust" >>"$dir/data/pg_hba.conf"
    fi
    "$0" resume "$dir"
    ;;
  resume)
    [ -f "$dir/port" ] || fail "$dir holds no cluster made by '$0 start'"
    port="$(cat "$dir/port")"
    listen="127.0.0.1"
    [ -f "$dir/listen" ] && listen="$listen,$(cat "$dir/listen")"
    # Sockets only in the cluster's own directory, TCP only on loopback. The settings are
    # PostgreSQL's defaults apart from connections (the host tests run several nodes) and
    # logging; fsync stays on, so what the tests and benchmarks see is real durability.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=$listen -c max_connections=300 -c log_min_messages=warning" start >/dev/null \
      || { cat "$dir/server.log" >&2; fail "the server did not start"; }
    echo "Host=127.0.0.1;Port=$port;Username=eventactors;Database=postgres"
    ;;
  stop)
    [ -d "$dir/data" ] || exit 0
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *) fail "unknown action '$action' (start, stop or resume)" ;;
esac
