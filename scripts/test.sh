#!/usr/bin/env bash
# Runs the whole test suite: builds the solution, runs every test project, prints one closing
# summary line ("Total: N passed, N failed, N skipped") and exits non-zero on any failure or
# when no test ran. Installs what the tests need when it is missing; in CI (CI=true) a missing
# prerequisite that cannot be installed is a failure, never a silent skip.
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo_root"

configuration="${CONFIGURATION:-Release}"
work_dir="$(mktemp -d -t eventactors-test.XXXXXX)"
postgres_dir="$(mktemp -d -t eventactors-postgres.XXXXXX)"
cleanup() {
  scripts/postgres.sh stop "$postgres_dir" || true
  rm -rf "$work_dir" "$postgres_dir"
}
trap cleanup EXIT

fail() { echo "scripts/test.sh: $*" >&2; exit 1; }

command -v dotnet >/dev/null 2>&1 || fail "the .NET SDK (dotnet) is not installed; see README.md"

# Debian packages the tests drive for real. Installed when missing; if that is impossible the
# run fails (in CI and out of it): a browser test that cannot run is not a passed one.
apt_updated=0
ensure_debian_package() { # ensure_debian_package <package> <command that must exist afterwards>
  local package="$1" probe="$2"
  [ -x "$probe" ] && return 0
  echo "== installing $package (needed by the tests)"
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    fail "$package is missing and cannot be installed here (needs root and apt-get): install it, e.g. 'sudo apt-get install $package'"
  fi
  if [ "$apt_updated" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq || fail "apt-get update failed"
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null || fail "apt-get install $package failed"
  [ -x "$probe" ] || fail "$package was installed but $probe is still missing"
}

ensure_debian_package chromium /usr/bin/chromium
# The partition test puts a node in a network namespace of its own (ip netns, ip link, ip route).
ensure_debian_package iproute2 /usr/sbin/ip
postgres_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
[ -n "$postgres_bin" ] || ensure_debian_package postgresql /usr/lib/postgresql/15/bin/pg_ctl

# A throwaway PostgreSQL for the PostgreSQL journal's tests and the host's tests against it:
# a fresh cluster in a temp directory on a free loopback port, stopped and deleted on exit.
echo "== starting a throwaway PostgreSQL"
EVENTACTORS_TEST_POSTGRES="$(scripts/postgres.sh start "$postgres_dir" | tail -n 1)" \
  || fail "could not start PostgreSQL (see scripts/postgres.sh)"
export EVENTACTORS_TEST_POSTGRES

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

echo "== build ($configuration)"
dotnet build EventActors.sln -c "$configuration" -nologo -v quiet -clp:ErrorsOnly

mapfile -t test_projects < <(find tests -name '*.Tests.csproj' | sort)
[ "${#test_projects[@]}" -gt 0 ] || fail "no test projects found under tests/"

passed=0 failed=0 skipped=0 status=0
run_tests() { # run_tests <project> <label> [dotnet test arguments]: runs one test project, adds its counts to the totals
  local project="$1" name="$2"; shift 2
  local log="$work_dir/$name.log"
  echo "== test $name"
  # A hung test is reported (with a dump of where it hung) instead of stalling CI.
  if ! dotnet test "$project" -c "$configuration" --no-build -nologo \
        --blame-hang-timeout 5m --results-directory "$work_dir/results" "$@" 2>&1 | tee "$log"; then
    status=1
  fi
  if grep -q "Test Run Aborted" "$log"; then
    echo "scripts/test.sh: the test host of $name crashed" >&2
    status=1
  fi
  local summary p f s
  summary="$(grep -E '(Passed|Failed)!  - Failed:' "$log" | tail -n 1 || true)"
  if [ -z "$summary" ]; then
    echo "scripts/test.sh: $name printed no result summary" >&2
    status=1
    return
  fi
  p="$(sed -E 's/.*Passed: *([0-9]+).*/\1/' <<<"$summary")"
  f="$(sed -E 's/.*Failed: *([0-9]+),.*/\1/' <<<"$summary")"
  s="$(sed -E 's/.*Skipped: *([0-9]+).*/\1/' <<<"$summary")"
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

not_cluster="FullyQualifiedName!~EventActors.Host.Tests.ClusterTests&FullyQualifiedName!~EventActors.Host.Tests.ClusterPartitionTests"
for project in "${test_projects[@]}"; do
  name="$(basename "$project" .csproj)"
  run_tests "$project" "$name"
  # The host's integration tests run against every journal: our SQLite above, then our
  # PostgreSQL, then Akka.Persistence.Sql (on SQLite): users see the same behaviour on each.
  # The cluster's tests run once, above: their nodes are always on PostgreSQL, whatever the variant.
  if [ "$name" = "EventActors.Host.Tests" ]; then
    EVENTACTORS_TEST_JOURNAL=postgres run_tests "$project" "$name.postgres" --filter "$not_cluster"
    EVENTACTORS_TEST_JOURNAL=akka-sql run_tests "$project" "$name.akka-sql" --filter "$not_cluster"
  fi
done

if [ "$passed" -eq 0 ]; then
  echo "scripts/test.sh: no test ran" >&2
  status=1
fi
[ "$failed" -eq 0 ] || status=1

echo
echo "Total: $passed passed, $failed failed, $skipped skipped"
exit "$status"
