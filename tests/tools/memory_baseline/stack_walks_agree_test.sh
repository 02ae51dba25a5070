#!/usr/bin/env bash
# The frame-pointer walk against the unwind tables on a real program built with frame pointers:
# `memory_baseline profile` records every allocation's stack (ALLOC_HOOKS_SAMPLE_BYTES=1) once with
# each walker, and both must name the same top sites at the peak with the same bytes.
# Usage: stack_walks_agree_test.sh RUNNER WORK_DIR PROGRAM [ARGS...]
set -uo pipefail
runner=$1 work_dir=$2
shift 2
rm -rf "$work_dir" && mkdir -p "$work_dir"
for walk in unwind fp; do
  if ! ALLOC_HOOKS_SAMPLE_BYTES=1 ALLOC_HOOKS_STACK_WALK=$walk timeout 300 \
      "$runner" profile --out "$work_dir/$walk" -- "$@" >"$work_dir/$walk.log" 2>&1 </dev/null; then
    echo "FAIL: profile with ALLOC_HOOKS_STACK_WALK=$walk failed"; cat "$work_dir/$walk.log"; exit 1
  fi
done
python3 - "$work_dir" <<'PY'
import json, sys
top = {}
for walk in ("unwind", "fp"):
    sites = json.load(open(f"{sys.argv[1]}/{walk}/profile.json"))["sites"]
    top[walk] = [(site["where"], site["peak_bytes"]) for site in sites["top"]]
    print(f"{walk}: {sites['stack_walker']}: {top[walk][:3]}")
if not top["unwind"] or top["unwind"] != top["fp"]:
    print("FAIL: the walkers name other top sites")
    sys.exit(1)
print("1 passed, 0 failed")
PY
