#!/usr/bin/env bash
# Measures the hooks of this tree against those of an earlier commit, in one session, interleaved:
# each allocator raw (glibc, mimalloc, and jemalloc and tcmalloc where installed), the floor (raw
# with only the timing), heaptrack on the raw program, and the hooks per backend counting only
# (off) and timing allocations (alloc): both trees' for system and mimalloc, this tree's for
# jemalloc and tcmalloc (the earlier one may not have them); and this tree's system backend with
# the call-site sampler off (sample0) and recording every stack (sample1). The earlier tree is
# built in a git worktree with this tree's benchmark source, so both run the same loops.
# Prints the table of docs/performance.md (min–max of the rounds' medians).
# Usage: benchmarks/side_by_side.sh OLD_COMMIT [ROUNDS] [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
old_commit=$1 rounds=${2:-3} out=${3:-build-bench/side-by-side}
scripts/ensure_dependencies.sh python3 heaptrack
old_tree=build-bench/old-tree
[ -d "$old_tree" ] || git worktree add --detach "$old_tree" "$old_commit" >/dev/null
git -C "$old_tree" checkout -q --detach "$old_commit"
cp benchmarks/alloc_hooks_benchmark.cpp benchmarks/mixed_load.hpp "$old_tree/benchmarks/"
build() {  # TREE TARGET...: the raw programs come from this tree only
  local tree=$1
  shift
  cmake -S "$tree" -B "$tree/build-bench" -DCMAKE_BUILD_TYPE=Release -DMEMORY_BASELINE_BUILD_TESTS=OFF >/dev/null
  cmake --build "$tree/build-bench" -j"$(nproc)" --target "$@" >/dev/null
}
extra_backends=()
for backend in jemalloc tcmalloc; do
  ldconfig -p | grep -q "lib${backend/tcmalloc/tcmalloc_minimal}.so" && extra_backends+=("$backend")
done
raw_targets=(bench_raw_system bench_raw_mimalloc)
for backend in "${extra_backends[@]}"; do raw_targets+=("bench_raw_$backend"); done
build . "${raw_targets[@]}" bench_hooks
build "$old_tree" bench_hooks
# jemalloc's static TLS room, as the build defines it (alloc_hooks/src/backends/backends.hpp.in).
jemalloc_tunable=$(grep -o 'glibc\.rtld\.optional_static_tls=[0-9]*' build-bench/alloc_hooks/include/alloc_hooks/backends.hpp)
rm -rf "$out" && mkdir -p "$out"
filter='--benchmark_filter=(new_delete_pair|new_delete_pair_floor)/1024/real_time/threads:(1|4)$|mixed_sizes'
flags=(--benchmark_min_time=0.2 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true --benchmark_format=json)
new=build-bench/bin old=$old_tree/build-bench/bin
for round in $(seq "$rounds"); do
  echo "round $round of $rounds" >&2
  for target in "${raw_targets[@]}"; do
    "$new/$target" "$filter" "${flags[@]}" >"$out/raw-${target#bench_raw_}.$round.json"
  done
  for backend in "${extra_backends[@]}"; do
    for timing in off alloc; do
      environment=(ALLOC_HOOKS_BACKEND=$backend ALLOC_HOOKS_TIMING=$timing)
      [ "$backend" = jemalloc ] && environment+=("GLIBC_TUNABLES=$jemalloc_tunable")
      env "${environment[@]}" "$new/bench_hooks" "$filter" "${flags[@]}" \
        >"$out/new-$backend-$timing.$round.json"
    done
  done
  # This tree's call-site sampler off, and recording every allocation's stack (the default, one
  # stack per 512 KiB on average, is in new-*).
  for sample in 0 1; do
    ALLOC_HOOKS_SAMPLE_BYTES=$sample ALLOC_HOOKS_TIMING=alloc "$new/bench_hooks" "$filter" "${flags[@]}" \
      >"$out/new-system-alloc-sample$sample.$round.json"
  done
  for backend in system mimalloc; do
    for timing in off alloc; do
      for tree in old new; do
        program=$([ $tree = old ] && echo "$old" || echo "$new")/bench_hooks
        ALLOC_HOOKS_BACKEND=$backend ALLOC_HOOKS_TIMING=$timing "$program" "$filter" "${flags[@]}" \
          >"$out/$tree-$backend-$timing.$round.json"
      done
    done
  done
  heaptrack -o "$out/heaptrack.$round" "$new/bench_raw_system" "$filter" "${flags[@]}" \
    --benchmark_out="$out/heaptrack-system.$round.json" --benchmark_out_format=json >/dev/null 2>&1
  rm -f "$out/heaptrack.$round".*
done
python3 - "$out" <<'PY'
import collections, glob, json, pathlib, sys
out = pathlib.Path(sys.argv[1])
values = collections.defaultdict(list)
for path in out.glob("*.json"):
    config = path.name.rsplit(".", 2)[0]
    for run in json.loads(path.read_text())["benchmarks"]:
        if run.get("aggregate_name") == "median":
            values[(config, run["run_name"].replace("/real_time", ""))].append(run["real_time"])
extra = [b for b in ("jemalloc", "tcmalloc") if any(c == f"raw-{b}" for (c, _) in values)]
configs = ["raw-system", "raw-mimalloc"] + [f"raw-{b}" for b in extra] + ["heaptrack-system"] + [
    f"{tree}-{backend}-{timing}" for backend in ("system", "mimalloc") for timing in ("off", "alloc")
    for tree in ("old", "new")] + [f"new-{b}-{timing}" for b in extra for timing in ("off", "alloc")] + [
    "new-system-alloc-sample0", "new-system-alloc-sample1"]
names = sorted({name for (_, name) in values})
print("| benchmark | " + " | ".join(configs) + " |")
print("|---|" + "---:|" * len(configs))
for name in names:
    cells = []
    for config in configs:
        v = sorted(values.get((config, name), []))
        cells.append("–" if not v else f"{v[0]:.1f}" if len(v) == 1 else f"{v[0]:.1f}–{v[-1]:.1f}")
    print(f"| {name} | " + " | ".join(cells) + " |")
PY
