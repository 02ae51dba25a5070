#!/usr/bin/env bash
# What the call-site sampler costs (docs/performance.md), side by side in one session, rounds
# interleaved, medians printed:
#  1. a real index build (scenario_vector_index, build phase wall time) with the sampler off and at
#     its default interval;
#  2. a whole program (hnsw_build VECTORS 32: raw, under `memory_baseline profile` with the sampler
#     off, at the default, recording every stack by the unwind tables and by frame pointers; the
#     preload library alone recording every stack (the recording, as heaptrack's is measured); and
#     under heaptrack) — wall time of the command. The frame-pointer runs use hnsw_build_fp, the
#     same program built with frame pointers.
# Usage: benchmarks/sites_cost.sh [BUILD_DIR] [ROUNDS] [VECTORS]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build} rounds=${2:-5} vectors=${3:-20000}
bin=$build/bin work=$(mktemp -d)
mkdir -p "$work/p"
trap 'rm -rf "$work"' EXIT
engines=$("$bin/scenario_vector_index" --help | grep -o '{hnswlib[a-z,-]*}' | tr -d '{}' | tr ',' ' ')
seconds() {  # NAME COMMAND...: appends the command's wall time to $work/NAME
  local name=$1
  shift
  /usr/bin/time -f "%e" -o "$work/time" "$@" >/dev/null 2>&1 </dev/null
  cat "$work/time" >>"$work/$name"
}
for round in $(seq "$rounds"); do
  echo "round $round of $rounds" >&2
  for engine in $engines; do
    for sample in 0 524288; do
      ALLOC_HOOKS_SAMPLE_BYTES=$sample "$bin/scenario_vector_index" --engine "$engine" \
        --json "$work/index.json" >/dev/null 2>&1 </dev/null
      python3 -c 'import json,sys; print(next(c["iteration_ns"]["median"] for c in json.load(open(sys.argv[1]))["cases"] if c["name"] == "build") / 1e9)' \
        "$work/index.json" >>"$work/index-$engine-$sample"
    done
  done
  seconds raw "$bin/hnsw_build" "$vectors" 32
  seconds raw-fp "$bin/hnsw_build_fp" "$vectors" 32
  for sample in 0 524288; do
    seconds "profile-$sample" env ALLOC_HOOKS_SAMPLE_BYTES=$sample \
      "$bin/memory_baseline" profile --out "$work/p" -- "$bin/hnsw_build" "$vectors" 32
  done
  seconds profile-every-unwind env ALLOC_HOOKS_SAMPLE_BYTES=1 \
    "$bin/memory_baseline" profile --out "$work/p" -- "$bin/hnsw_build" "$vectors" 32
  seconds profile-every-fp env ALLOC_HOOKS_SAMPLE_BYTES=1 ALLOC_HOOKS_STACK_WALK=fp \
    "$bin/memory_baseline" profile --out "$work/p" -- "$bin/hnsw_build_fp" "$vectors" 32
  # The recording alone, as heaptrack's is measured (no symbolizing, no reports): the preload
  # library writing its figures and raw stacks.
  for walk in unwind fp; do
    program=$bin/hnsw_build$([ $walk = fp ] && echo _fp || true)
    seconds "record-every-$walk" env LD_PRELOAD="$build/lib/liballoc_hooks_preload.so" \
      ALLOC_HOOKS_PROFILE_OUT="$work/p/record" ALLOC_HOOKS_SAMPLE_BYTES=1 ALLOC_HOOKS_STACK_WALK=$walk \
      "$program" "$vectors" 32
  done
  seconds heaptrack heaptrack -o "$work/heaptrack" "$bin/hnsw_build" "$vectors" 32
  seconds heaptrack-fp heaptrack -o "$work/heaptrack" "$bin/hnsw_build_fp" "$vectors" 32
  rm -f "$work"/heaptrack.*
done
python3 - "$work" <<'PY'
import pathlib, statistics, sys
work = pathlib.Path(sys.argv[1])
median = {path.name: statistics.median(float(v) for v in path.read_text().split()) for path in work.iterdir()
          if path.is_file() and path.name not in ("time", "index.json")}
print("index build, build phase (s): sampler off / default interval / ratio")
for name in sorted(n for n in median if n.startswith("index-") and n.endswith("-0")):
    engine = name[len("index-"):-len("-0")]
    off, on = median[name], median[f"index-{engine}-524288"]
    print(f"  {engine}: {off:.3f} / {on:.3f} / {on / off:.3f}")
print("whole program (s, median):", {k: round(v, 2) for k, v in sorted(median.items()) if not k.startswith("index-")})
for walk, raw, heaptrack in (("unwind", "raw", "heaptrack"), ("fp", "raw-fp", "heaptrack-fp")):
    added_heaptrack = median[heaptrack] - median[raw]
    for what in ("profile", "record"):
        added_ours = median[f"{what}-every-{walk}"] - median[raw]
        print(f"  every stack ({walk}), {what}: +{added_ours:.2f} s; heaptrack +{added_heaptrack:.2f} s; "
              f"heaptrack / ours = {added_heaptrack / added_ours:.1f}x")
PY
