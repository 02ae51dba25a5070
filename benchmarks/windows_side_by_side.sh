#!/usr/bin/env bash
# The Windows benchmark of docs/performance.md, under wine, in one session with the rounds
# interleaved: a malloc/free and a HeapAlloc/HeapFree pair (1 KiB, and the mixed-size load) raw,
# counted (alloc_hooks_malloc, ALLOC_HOOKS_TIMING=off) and counted and timed (=alloc); then the
# start-up cost of `memory_baseline.exe profile` on an empty program against the program alone
# (each start a whole `wine` process; the profiled one writes its profile and reports too).
# Cross-builds into build-windows-bench, with a dependency prefix of its own that has Google
# Benchmark (build-windows-bench-deps). Prints two Markdown tables.
# Usage: benchmarks/windows_side_by_side.sh [ROUNDS] [STARTS] [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3} starts=${2:-20} out=${3:-build-windows-bench/side-by-side}
scripts/ensure_dependencies.sh g++-mingw-w64-x86-64-posix wine dpkg-dev python3
scripts/windows/build_dependencies.sh build-windows-bench-deps --with-benchmark
echo "building the benchmark programs and the runner (cross build, build-windows-bench)" >&2
cmake -S . -B build-windows-bench -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/toolchains/mingw-w64-x86_64.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DMINGW_DEPENDENCIES_PREFIX="$PWD/build-windows-bench-deps" \
  -DMEMORY_BASELINE_BUILD_TESTS=OFF -DMEMORY_BASELINE_BUILD_BENCHMARKS=ON >/dev/null
cmake --build build-windows-bench -j"$(nproc)" \
  --target bench_malloc_raw bench_malloc_hooks bench_empty_program memory_baseline alloc_hooks_inject >/dev/null

export WINEPREFIX="$PWD/build-windows-bench/wine" WINEDEBUG=-all
mkdir -p "$WINEPREFIX"
wineserver -p
trap 'wineserver -k 2>/dev/null || true' EXIT
wineboot -i >/dev/null 2>&1 </dev/null  # wine's services started now, not by the first program

bin=build-windows-bench/bin
rm -rf "$out" && mkdir -p "$out"
flags=(--benchmark_min_time=0.2 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
       --benchmark_format=json)
for round in $(seq "$rounds"); do
  echo "pairs: round $round of $rounds" >&2
  wine "$bin/bench_malloc_raw.exe" "${flags[@]}" >"$out/raw.$round.json"
  for timing in off alloc; do
    ALLOC_HOOKS_TIMING=$timing wine "$bin/bench_malloc_hooks.exe" "${flags[@]}" >"$out/$timing.$round.json"
  done
done

# Start-up: each start timed on its own, alone and profiled alternating.
starts_file="$out/starts.txt"
: >"$starts_file"
for start in $(seq "$starts"); do
  [ $((start % 5)) -eq 1 ] && echo "start-up: start $start of $starts" >&2
  begin=$(date +%s%N)
  wine "$bin/bench_empty_program.exe"
  echo "alone $(( ($(date +%s%N) - begin) / 1000 ))" >>"$starts_file"
  begin=$(date +%s%N)
  wine "$bin/memory_baseline.exe" profile --out "$out/profile" -- "$bin/bench_empty_program.exe" >/dev/null 2>&1
  echo "profiled $(( ($(date +%s%N) - begin) / 1000 ))" >>"$starts_file"
done

python3 - "$out" <<'PY'
import collections, json, pathlib, statistics, sys
out = pathlib.Path(sys.argv[1])
values = collections.defaultdict(list)
for path in out.glob("*.json"):
    config = path.name.split(".")[0]
    for run in json.loads(path.read_text())["benchmarks"]:
        if run.get("aggregate_name") == "median":
            values[(config, run["run_name"].replace("/real_time", ""))].append(run["real_time"])
configs = [("raw", "raw"), ("off", "counted"), ("alloc", "counted + timed")]
names = sorted({name for (_, name) in values})
def span(v):
    v = sorted(v)
    return "–" if not v else f"{v[0]:.1f}" if len(v) == 1 else f"{v[0]:.1f}–{v[-1]:.1f}"
print("| ns per pair (min–max of the rounds' medians) | " + " | ".join(t for _, t in configs) +
      " | counted / raw | timed / raw |")
print("|---|" + "---:|" * (len(configs) + 2))
for name in names:
    cells = [span(values[(c, name)]) for c, _ in configs]
    mid = {c: statistics.median(values[(c, name)]) for c, _ in configs if values[(c, name)]}
    ratios = [f"{mid[c] / mid['raw']:.2f}×" if c in mid and "raw" in mid else "–" for c in ("off", "alloc")]
    print(f"| {name} | " + " | ".join(cells + ratios) + " |")
starts = collections.defaultdict(list)
for line in (out / "starts.txt").read_text().split("\n"):
    if line:
        kind, micros = line.split()
        starts[kind].append(int(micros) / 1000)
print()
print("| start and end of an empty program under wine, ms | median | min–max | starts |")
print("|---|---:|---:|---:|")
for kind, label in (("alone", "the program alone"), ("profiled", "under `memory_baseline.exe profile`")):
    v = sorted(starts[kind])
    print(f"| {label} | {statistics.median(v):.0f} | {v[0]:.0f}–{v[-1]:.0f} | {len(v)} |")
added = statistics.median(starts["profiled"]) - statistics.median(starts["alone"])
print(f"\nprofile adds {added:.0f} ms (difference of the medians)")
PY
