#!/usr/bin/env bash
# An independent oracle for `memory_baseline profile`: each program runs once under heaptrack and
# once under profile, and both must report the same number of calls to allocation functions and
# the same peak heap bytes, exactly. heaptrack's figures are summed from its flame-graph files
# (cost type "allocations", and "peak": the bytes each stack held at the global peak, which add
# up to the peak exactly); heaptrack_print's summary rounds them. profile records every
# allocation's stack (ALLOC_HOOKS_SAMPLE_BYTES=1): its sites must then add up to the same peak
# (its peak.folded), and its samples to the same number of calls.
# Usage: heaptrack_oracle_test.sh RUNNER WORK_DIR PROGRAM [ARGS...] [-- PROGRAM [ARGS...]]...
set -uo pipefail
runner=$1 work_dir=$2
shift 2
rm -rf "$work_dir" && mkdir -p "$work_dir"
checks=0 failures=0

sum_of() {  # FLAMEGRAPH_FILE: the sum of its last column
  awk '{ total += $NF } END { printf "%d\n", total }' "$1"
}

check() {  # NAME PROGRAM [ARGS...]
  local name=$1
  shift
  local recording="$work_dir/$name.heaptrack"
  if ! timeout 300 heaptrack -o "$recording" "$@" >"$work_dir/$name.heaptrack.log" 2>&1 </dev/null; then
    echo "FAIL $name: the program failed under heaptrack"; cat "$work_dir/$name.heaptrack.log"
    failures=$((failures + 1)); checks=$((checks + 1)); return
  fi
  heaptrack_print -f "$recording.zst" --flamegraph-cost-type allocations -F "$work_dir/$name.calls" >/dev/null
  heaptrack_print -f "$recording.zst" --flamegraph-cost-type peak -F "$work_dir/$name.peak" >/dev/null
  local heaptrack_calls heaptrack_peak
  heaptrack_calls=$(sum_of "$work_dir/$name.calls")
  heaptrack_peak=$(sum_of "$work_dir/$name.peak")

  if ! ALLOC_HOOKS_SAMPLE_BYTES=1 timeout 300 "$runner" profile --out "$work_dir/$name" -- "$@" \
      >"$work_dir/$name.profile.log" 2>&1 </dev/null; then
    echo "FAIL $name: profile failed"; cat "$work_dir/$name.profile.log"
    failures=$((failures + 1)); checks=$((checks + 1)); return
  fi
  local -A ours theirs
  ours[calls]=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"]["allocations"])' "$work_dir/$name/profile.json")
  ours[peak]=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["peak_live_bytes"])' "$work_dir/$name/profile.json")
  ours[sites-peak]=$(sum_of "$work_dir/$name/peak.folded")
  ours[sampled-calls]=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sites"]["samples"])' "$work_dir/$name/profile.json")
  theirs[calls]=$heaptrack_calls theirs[sampled-calls]=$heaptrack_calls
  theirs[peak]=$heaptrack_peak theirs[sites-peak]=$heaptrack_peak

  for figure in calls peak sites-peak sampled-calls; do
    checks=$((checks + 1))
    if [ "${theirs[$figure]}" -gt 0 ] && [ "${theirs[$figure]}" = "${ours[$figure]}" ]; then
      echo "ok   $name: $figure ${ours[$figure]} (heaptrack ${theirs[$figure]})"
    else
      echo "FAIL $name: $figure: profile ${ours[$figure]}, heaptrack ${theirs[$figure]}"
      failures=$((failures + 1))
    fi
  done
}

index=0
command=()
for word in "$@" --; do
  if [ "$word" = -- ]; then
    [ ${#command[@]} -gt 0 ] && check "$(basename "${command[0]}")-$index" "${command[@]}"
    index=$((index + 1)); command=()
  else
    command+=("$word")
  fi
done
echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ] && [ "$checks" -gt 0 ]
