#!/usr/bin/env bash
# Runs compare.sh ROUNDS times, rotating which server goes first (so no server always meets a
# machine fresh or warm), keeps every JSON line in OUT, and prints the median of each figure per
# server. Medians of side-by-side runs are what docs/benchmarks.md quotes: this machine is noisy.
#
#   bench/peers/rounds.sh 3 /tmp/ticker-max.jsonl fanout --topics 1 --subscribers 1000 --rate max --duration 15
#   bench/peers/summarize.py /tmp/ticker-max.jsonl      (the table again, from the kept lines)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rounds=${1:?usage: rounds.sh ROUNDS OUT SCENARIO [generator options]}
out=${2:?usage: rounds.sh ROUNDS OUT SCENARIO [generator options]}
shift 2
order=(eventactors minimal nchan)
: >"$out"
for ((round = 0; round < rounds; round++)); do
  rotated=("${order[@]:round % 3}" "${order[@]:0:round % 3}")
  echo "== round $((round + 1)) of $rounds: ${rotated[*]}" >&2
  SERVERS="${rotated[*]}" "$here/compare.sh" "$@" | tee -a "$out"
done
"$here/summarize.py" "$out"
