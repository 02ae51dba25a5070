#!/usr/bin/env bash
# Builds and runs the consumer project one way: `subdirectory` or `package` (install, then
# find_package). Usage: run_consumer_test.sh MODE ALLOC_HOOKS_SOURCE_DIR WORK_DIR
set -euo pipefail
mode=$1 source_dir=$2 work_dir=$3
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work_dir" && mkdir -p "$work_dir"
case "$mode" in
  subdirectory)
    cmake -S "$here/via_add_subdirectory" -B "$work_dir/build" -DALLOC_HOOKS_SOURCE_DIR="$source_dir" >/dev/null
    ;;
  package)
    cmake -S "$source_dir" -B "$work_dir/alloc_hooks-build" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$work_dir/alloc_hooks-build" -j2 >/dev/null
    cmake --install "$work_dir/alloc_hooks-build" --prefix "$work_dir/prefix" >/dev/null
    cmake -S "$here/via_find_package" -B "$work_dir/build" -DCMAKE_PREFIX_PATH="$work_dir/prefix" >/dev/null
    ;;
  *) echo "usage: run_consumer_test.sh subdirectory|package ALLOC_HOOKS_SOURCE_DIR WORK_DIR" >&2; exit 2 ;;
esac
cmake --build "$work_dir/build" -j2 >/dev/null
"$work_dir/build/consumer"
ALLOC_HOOKS_BACKEND=mimalloc "$work_dir/build/consumer"
"$work_dir/build/components"
