#!/usr/bin/env bash
# The hot path of two bench_hooks builds, A/B: one thread's 1 KiB new/delete pair, counting only
# (off) and counting + timing (alloc), system backend, rounds interleaved old/new on one core.
# Prints, per build and mode, the median of the rounds' medians and every round's median, sorted:
# read the ranks side by side (a difference under ~0.5 ns is noise here).
# Usage: benchmarks/hot_path_ab.sh OLD_BENCH_HOOKS NEW_BENCH_HOOKS [ROUNDS] [OUT_DIR]
# (benchmarks/side_by_side.sh OLD_COMMIT builds OLD_COMMIT's at build-bench/old-tree/build-bench/bin.)
set -euo pipefail
old=$1 new=$2 rounds=${3:-8} out=${4:-build-bench/hot-path-ab}
for program in "$old" "$new"; do
  [ -x "$program" ] || { echo "hot_path_ab.sh: $program is not an executable" >&2; exit 2; }
done
cpu=$(($(nproc) - 1))
rm -rf "$out" && mkdir -p "$out"
flags=(--benchmark_filter='new_delete_pair/1024/real_time/threads:1$' --benchmark_min_time=0.2
  --benchmark_repetitions=5 --benchmark_report_aggregates_only=true --benchmark_format=json)
for round in $(seq "$rounds"); do
  echo "round $round of $rounds" >&2
  for timing in off alloc; do
    for build in old new; do
      program=$old
      [ "$build" = new ] && program=$new
      ALLOC_HOOKS_BACKEND=system ALLOC_HOOKS_TIMING=$timing taskset -c "$cpu" "$program" "${flags[@]}" \
        >"$out/$build-$timing.$round.json"
    done
  done
done
python3 - "$out" <<'PY'
import glob, json, statistics, sys
medians = {}
for path in glob.glob(sys.argv[1] + "/*.json"):
    key = path.rsplit("/", 1)[1].split(".")[0]
    for row in json.load(open(path))["benchmarks"]:
        if row.get("aggregate_name") == "median":
            medians.setdefault(key, []).append(row["real_time"])
for key in sorted(medians, key=lambda k: (k.split("-")[1], k)):
    values = sorted(medians[key])
    print(f"{key:10} median {statistics.median(values):6.1f} ns   rounds: " + " ".join(f"{v:.1f}" for v in values))
PY
