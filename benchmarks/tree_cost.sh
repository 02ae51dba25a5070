#!/usr/bin/env bash
# What following the process tree costs per program started: a shell starts /bin/true N times
# (dash: a fork, then an exec), run raw, under `profile --no-follow` (the shell alone measured) and
# under `profile` (every child followed: each fork child restarts its figures and writes its
# report, each /bin/true loads the hooks and writes its own), rounds interleaved. Prints, per way,
# the median of the rounds' wall time per program started and every round's, and the ratios to
# raw. Wall time of the whole run: the runner's reading of the reports included.
# Usage: benchmarks/tree_cost.sh [RUNNER] [STARTS] [ROUNDS]
set -euo pipefail
runner=${1:-build/bin/memory_baseline} starts=${2:-200} rounds=${3:-5}
[ -x "$runner" ] || { echo "tree_cost.sh: $runner is not an executable" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
script="i=0; while [ \$i -lt $starts ]; do /bin/true; i=\$((i+1)); done"
declare -A times
for round in $(seq "$rounds"); do
  echo "round $round of $rounds" >&2
  for way in raw no-follow follow; do
    case $way in
      raw) command=(/bin/sh -c "$script") ;;
      no-follow) command=("$runner" profile --no-follow --out "$out/p" -- /bin/sh -c "$script") ;;
      follow) command=("$runner" profile --out "$out/p" -- /bin/sh -c "$script") ;;
    esac
    start=$(date +%s%N)
    "${command[@]}" > /dev/null 2>&1
    end=$(date +%s%N)
    times[$way]+="$(( (end - start) / starts / 1000 )) "
  done
done
python3 - "${times[raw]}" "${times[no-follow]}" "${times[follow]}" <<'PY'
import statistics, sys
ways = dict(zip(["raw", "no-follow", "follow"], ([int(t) for t in arg.split()] for arg in sys.argv[1:])))
raw = statistics.median(ways["raw"])
for way, rounds in ways.items():
    median = statistics.median(rounds)
    print(f"{way:10} {median:8.0f} us per program started (x{median / raw:.1f} raw); rounds: {sorted(rounds)}")
PY
