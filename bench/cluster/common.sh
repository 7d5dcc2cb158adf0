# Sourced by the cluster benchmarks: parses "RUNS [ARG] [-- EXTRA HOST ARGUMENTS]" (the optional
# ARG into $bench_arg), points scripts/cluster.sh at the benchmark's own state directory, stops
# the cluster on exit whatever happens, and prints the median of the figures given to it.
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:-5}"; [ $# -gt 0 ] && shift
bench_arg=""
if [ $# -gt 0 ] && [ "$1" != "--" ]; then bench_arg="$1"; shift; fi
[ "${1:-}" = "--" ] && shift
extra_args=("$@")
state="$EVENTACTORS_CLUSTER_DIR"
trap '"$repo_root/scripts/cluster.sh" stop >/dev/null 2>&1 || true' EXIT

print_median() { # print_median <seconds>...
  python3 -c "import statistics,sys; v=[float(x) for x in sys.argv[1:]]; print(f'median of {len(v)}: {statistics.median(v):.1f} s (min {min(v):.1f}, max {max(v):.1f})')" "$@"
}
