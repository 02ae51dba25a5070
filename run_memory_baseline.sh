#!/usr/bin/env bash
# Linux twin of run_memory_baseline.bat: builds memory-baseline (Release), runs every scenario and
# the index size sweep under every installed allocator with the runner, which writes
# memory_baseline_results.json, report.html and report.md and decides compliance. Arguments go to
# `memory_baseline run` (e.g. --limit-mb 512, --verify).
set -euo pipefail
cd "$(dirname "$0")"
scripts/ensure_dependencies.sh

build_dir=${BUILD_DIR:-build}
echo "======================================================"
echo " Memory baseline: heap allocations of the vector index"
echo " Targets: < 1 GiB memory, < 5 ms per allocation (the defaults of --limit-mb, --alloc-budget-us)"
echo " Gated on: system and mimalloc (jemalloc, tcmalloc: findings; --gate-allocators to choose)"
echo "======================================================"
echo "Configuring and building (Release) in $build_dir ..."
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build_dir" -j"$(nproc)" --target memory_baseline alloc_hooks_preload scenario_vector \
  scenario_concepts scenario_fragmentation scenario_concurrent scenario_vector_index >/dev/null
echo "Running the scenarios and the index size sweep ..."
exec "$build_dir/bin/memory_baseline" run --sweep --out results --results memory_baseline_results.json "$@"
