#!/usr/bin/env bash
# Builds and runs every test: the Release build under both backends (plus the consumer projects),
# then AddressSanitizer+UndefinedBehaviorSanitizer and ThreadSanitizer builds (system backend).
# Usage: ./run_tests.sh [release|asan|tsan]...   (default: all three stages)
set -euo pipefail
cd "$(dirname "$0")"
scripts/ensure_dependencies.sh chromium  # chromium: the report test opens report.html in it

jobs=$(nproc)
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(release asan tsan)

run_stage() {
  local name=$1 build_dir=$2 ctest_filter=$3
  shift 3
  echo "== test stage: $name"
  cmake -S . -B "$build_dir" -DMEMORY_BASELINE_BUILD_BENCHMARKS=OFF "$@" >/dev/null
  cmake --build "$build_dir" -j"$jobs" >/dev/null
  # shellcheck disable=SC2086
  (cd "$build_dir" && ctest -j"$jobs" --output-on-failure --timeout 600 $ctest_filter)
}

for stage in "${stages[@]}"; do
  case "$stage" in
    release) run_stage release build-tests "" -DCMAKE_BUILD_TYPE=Release ;;
    asan)
      ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        run_stage "asan+ubsan" build-asan "-LE consumer -R ^system\.|Environment" \
          -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEMORY_BASELINE_SANITIZE=address ;;
    tsan)
      TSAN_OPTIONS=halt_on_error=1 \
        run_stage tsan build-tsan "-LE consumer -R ^system\." \
          -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEMORY_BASELINE_SANITIZE=thread ;;
    *) echo "run_tests.sh: unknown stage '$stage' (release, asan, tsan)" >&2; exit 2 ;;
  esac
done
echo "== all test stages passed: ${stages[*]}"
