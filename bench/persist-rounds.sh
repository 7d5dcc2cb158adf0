#!/usr/bin/env bash
# The topics-on-Akka.Persistence comparison (docs/benchmarks.md): the previous build's direct
# journal, the topics on our plugin and on Akka.Persistence.Sql, 3 rounds with the order rotated,
# batches of 100 and single events; one labelled JSON line per run in OUT.
#
#   git worktree add /tmp/before cf0e523 && (cd /tmp/before && dotnet build bench/EventActors.Bench -c Release)
#   dotnet build bench/EventActors.Bench -c Release
#   bench/persist-rounds.sh sqlite /tmp/persist-sqlite.jsonl
#   PG=$(scripts/postgres.sh start /tmp/pgbench | tail -1) bench/persist-rounds.sh postgres /tmp/persist-pg.jsonl
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
usage="usage: persist-rounds.sh sqlite|postgres OUT   (postgres: PG=<connection string>)"
db=${1:?$usage} out=${2:?$usage}
new=$root/bench/EventActors.Bench/bin/Release/net10.0/EventActors.Bench.dll
old=${BEFORE_BENCH:-/tmp/before/bench/EventActors.Bench/bin/Release/net10.0/EventActors.Bench.dll}
[[ -f $new && -f $old ]] || { echo "persist-rounds.sh: build both benches first (see the top of this file)" >&2; exit 1; }
[[ $db == sqlite || -n ${PG:-} ]] || { echo "$usage" >&2; exit 2; }

run() { # run LABEL DLL ARGS...: one run, its last line (the JSON) labelled with the load average
  local label=$1 line
  shift
  line=$(dotnet "$@" 2>/dev/null | tail -n 1)
  echo "{\"variant\":\"$label\",\"load\":$(cut -d' ' -f1 /proc/loadavg),\"result\":$line}" | tee -a "$out"
}

: >"$out"
variants=(before ours akka-sql)
for round in 1 2 3; do
  for shape in "--batch 100 --appenders 256" "--batch 1 --appenders 1000"; do
    load="--topics 1000 --size 100 --seconds 10 --json $shape"
    for i in 0 1 2; do # rotated: no variant always goes first
      case "$db:${variants[$(((i + round) % 3))]}" in
        sqlite:before) run before "$old" journal $load ;;
        sqlite:ours) run ours "$new" persist --journal sqlite $load ;;
        sqlite:akka-sql) run akka-sql "$new" persist --journal akka-sql --akka-sql-provider SQLite.MS $load ;;
        postgres:before) run before "$old" journal --journal postgres --postgres "$PG" $load ;;
        postgres:ours) run ours "$new" persist --journal postgres --postgres "$PG" $load ;;
        postgres:akka-sql) run akka-sql-tuned "$new" persist --journal akka-sql --akka-sql-provider PostgreSQL15 --akka-sql-tuned --postgres "$PG" $load ;;
      esac
    done
  done
done
