#!/usr/bin/env bash
# The hooks under other tools that intercept allocation, with both backends: heaptrack (which
# starts itself up inside the first malloc, holding its lock) and valgrind. Each run must end by
# itself, within the timeout (a deadlock fails here instead of hanging CI), exit 0, and print
# the demo's exact figures (no MISMATCH line). Usage: under_other_tools_test.sh DEMO WORK_DIR
set -uo pipefail
demo=$1 work_dir=$2
rm -rf "$work_dir" && mkdir -p "$work_dir"
checks=0 failures=0

expect_exact_demo() {  # NAME STATUS LOG
  local name=$1 status=$2 log=$3
  checks=$((checks + 1))
  if [ "$status" -ne 0 ]; then
    echo "FAIL $name: exit status $status (124: timed out, a deadlock)"; failures=$((failures + 1))
  elif [ "$(grep -c '^vector<float>' "$log")" -ne 5 ] || grep -q MISMATCH "$log"; then
    echo "FAIL $name: the demo's figures are not exact:"; cat "$log"; failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}

for backend in system mimalloc; do
  log="$work_dir/heaptrack-$backend.log"
  ALLOC_HOOKS_BACKEND=$backend timeout 120 heaptrack -o "$work_dir/heaptrack-$backend" "$demo" \
    >"$log" 2>&1 </dev/null
  expect_exact_demo "heaptrack, $backend backend" $? "$log"
  # heaptrack recorded the run (its output is written only when its start-up found its settings).
  checks=$((checks + 1))
  if ! [ -s "$work_dir/heaptrack-$backend.zst" ] || ! grep -q "heaptrack stats:" "$log"; then
    echo "FAIL heaptrack, $backend backend: heaptrack wrote no recording"; failures=$((failures + 1))
  fi

  # valgrind replaces operator new in the executable too unless told to leave the program's own.
  log="$work_dir/valgrind-$backend.log"
  ALLOC_HOOKS_BACKEND=$backend timeout 300 valgrind -q --error-exitcode=9 \
    --suppressions="$(dirname "$0")/valgrind.supp" \
    --soname-synonyms=somalloc=nouserintercepts "$demo" >"$log" 2>&1 </dev/null
  expect_exact_demo "valgrind, $backend backend" $? "$log"
done
echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
