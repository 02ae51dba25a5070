#!/usr/bin/env bash
# An independent oracle for the process tree of `memory_baseline profile`: g++ -c runs cc1plus and
# as. heaptrack follows no child, but the driver's -wrapper runs each of them under heaptrack with
# the driver's own environment; the tree's `as` must then have exactly heaptrack's calls and peak
# (summed from its flame-graph files, as in heaptrack_oracle_test.sh). cc1plus is set against its
# own process profiled alone (--no-follow) with the arguments the tree recorded: following it
# must not change its figures. (heaptrack counts 2 calls and 64 KiB fewer for cc1plus: it misses
# allocations the libraries' constructors make before its own; docs/profile.md.) Address-space
# randomisation is off (setarch -R) so that cc1plus's pointer hashing repeats.
# Usage: tree_oracle_test.sh RUNNER WORK_DIR
set -uo pipefail
runner=$1 work_dir=$2
rm -rf "$work_dir" && mkdir -p "$work_dir" && cd "$work_dir" || exit 1
checks=0 failures=0

expect_equal() {  # NAME OURS THEIRS
  checks=$((checks + 1))
  if [ -n "$2" ] && [ "$2" -gt 0 ] && [ "$2" = "$3" ]; then
    echo "ok   $1: $2 (oracle $3)"
  else
    echo "FAIL $1: profile '$2', oracle '$3'"; failures=$((failures + 1))
  fi
}

sum_of() {  # FLAMEGRAPH_FILE: the sum of its last column
  awk '{ total += $NF } END { printf "%d\n", total }' "$1"
}

printf '#include <vector>\nint f() { return std::vector<int>(3).size(); }\n' > unit.cpp
if ! setarch -R "$runner" profile --out tree -- g++ -c unit.cpp -o unit.o > tree.log 2>&1; then
  echo "FAIL: profile of g++ failed"; cat tree.log; echo "0 passed, 1 failed"; exit 1
fi
# FIELD of the tree's process whose argv[0] ends with NAME; or its command, shell-quoted.
process_field() {  # NAME FIELD
  python3 - "$1" "$2" <<'PY'
import json, shlex, sys
name, field = sys.argv[1:]
for process in json.load(open("tree/profile.json"))["processes"]:
    if process["command"][0].split("/")[-1] == name:
        print(shlex.join(process["command"]) if field == "command" else process[field])
        break
PY
}

mkdir -p heaptrack && (cd heaptrack && setarch -R g++ -wrapper heaptrack -c ../unit.cpp -o unit.o > log 2>&1)
recording=$(ls heaptrack/heaptrack.as.*.zst 2>/dev/null | head -1)
if [ -z "$recording" ]; then
  echo "FAIL: g++ -wrapper heaptrack left no recording of as"; cat heaptrack/log; failures=$((failures + 1))
else
  heaptrack_print -f "$recording" --flamegraph-cost-type allocations -F as.calls > /dev/null
  heaptrack_print -f "$recording" --flamegraph-cost-type peak -F as.peak > /dev/null
  expect_equal "as: calls" "$(process_field as allocations)" "$(sum_of as.calls)"
  expect_equal "as: peak" "$(process_field as peak_live_bytes)" "$(sum_of as.peak)"
fi

command=$(process_field cc1plus command)
if [ -z "$command" ]; then
  echo "FAIL: no cc1plus in the tree"; failures=$((failures + 1))
else
  eval "setarch -R \"\$runner\" profile --no-follow --out alone -- $command" > alone.log 2>&1
  # Its output, the driver's temporary file named again (the same name: the same figures).
  eval "set -- $command"; while [ $# -gt 1 ] && [ "$1" != -o ]; do shift; done
  [ $# -gt 1 ] && rm -f "$2"
  read -r calls peak < <(python3 -c 'import json; d = json.load(open("alone/profile.json")); print(d["totals"]["allocations"], d["peak_live_bytes"])')
  expect_equal "cc1plus: calls" "$(process_field cc1plus allocations)" "$calls"
  expect_equal "cc1plus: peak" "$(process_field cc1plus peak_live_bytes)" "$peak"
fi
echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ] && [ "$checks" -gt 0 ]
