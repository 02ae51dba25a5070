#!/usr/bin/env bash
# Builds memory-baseline (Release) and runs the four scenarios under each allocator backend, each
# writing its result document to results/, then prints a summary table. Exit 1 if any budget was
# breached or any expectation missed.
set -euo pipefail
cd "$(dirname "$0")"
scripts/ensure_dependencies.sh

build_dir=${BUILD_DIR:-build}
results_dir=${RESULTS_DIR:-results}
scenarios=(vector concepts fragmentation concurrent)
allocators=(system mimalloc)

echo "== memory-baseline: targets < 1 GB per process, < 5 ms per allocation"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build_dir" -j"$(nproc)" --target "${scenarios[@]/#/scenario_}"
mkdir -p "$results_dir"

declare -A verdict
status=0
for allocator in "${allocators[@]}"; do
  for scenario in "${scenarios[@]}"; do
    echo
    set +e
    "$build_dir/scenarios/scenario_$scenario" --allocator "$allocator" --json "$results_dir/$scenario-$allocator.json"
    code=$?
    set -e
    case $code in
      0) verdict[$scenario,$allocator]="held" ;;
      1) verdict[$scenario,$allocator]="BREACHED"; status=1 ;;
      *) verdict[$scenario,$allocator]="ERROR ($code)"; status=1 ;;
    esac
  done
done

echo
echo "== summary (results in $results_dir/)"
printf '%-15s' "scenario"; printf '%-12s' "${allocators[@]}"; echo
for scenario in "${scenarios[@]}"; do
  printf '%-15s' "$scenario"
  for allocator in "${allocators[@]}"; do printf '%-12s' "${verdict[$scenario,$allocator]}"; done
  echo
done
[ $status -eq 0 ] && echo "== every budget held" || echo "== some budgets were breached (see above)"
exit $status
