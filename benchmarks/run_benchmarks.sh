#!/usr/bin/env bash
# Runs the alloc_hooks benchmarks in every configuration (raw glibc, raw mimalloc, hooked with each
# backend, timing mode and live-bytes mode) and prints the Markdown table of docs/performance.md.
# Usage: benchmarks/run_benchmarks.sh [OUT_DIR]   (needs python3 for the table)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure_dependencies.sh python3
out=${1:-build-bench/results}
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DMEMORY_BASELINE_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target bench_raw_system bench_raw_mimalloc bench_hooks >/dev/null
mkdir -p "$out"
bin=build-bench/bin  # every program of a build lands in its bin/ (CMakeLists.txt)
flags=(--benchmark_filter=-million --benchmark_min_time=0.1 --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
       --benchmark_format=json)

run() {  # NAME PROGRAM [ENV=VALUE...]
  local name=$1 program=$2
  shift 2
  echo "running $name" >&2
  env "$@" "$bin/$program" "${flags[@]}" --benchmark_out="$out/$name.json" >/dev/null
}

run raw-system bench_raw_system
run raw-mimalloc bench_raw_mimalloc
for backend in system mimalloc; do
  for timing in off alloc all; do
    run "hooks-$backend-$timing" bench_hooks ALLOC_HOOKS_BACKEND=$backend ALLOC_HOOKS_TIMING=$timing
    run "hooks-$backend-$timing-batched" bench_hooks ALLOC_HOOKS_BACKEND=$backend ALLOC_HOOKS_TIMING=$timing \
      ALLOC_HOOKS_LIVE_BATCH_BYTES=65536
  done
done
python3 benchmarks/performance_table.py "$out"
