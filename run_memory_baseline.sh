#!/usr/bin/env bash
# Builds memory-baseline (Release) and runs the baseline under each allocator backend. Until the
# scenarios land, the baseline is alloc_hooks_demo: the seed's single-vector workload, exact.
set -euo pipefail
cd "$(dirname "$0")"
scripts/ensure_dependencies.sh

build_dir=${BUILD_DIR:-build}
echo "== memory-baseline: targets < 1 GB live, < 5 ms per allocation"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build_dir" -j"$(nproc)" --target alloc_hooks_demo
status=0
for backend in system mimalloc; do
  echo "== backend: $backend"
  ALLOC_HOOKS_BACKEND=$backend "$build_dir/tools/alloc_hooks_demo" || status=1
done
[ $status -eq 0 ] && echo "== every figure matched its expectation" || echo "== some figures did not match (see above)"
exit $status
