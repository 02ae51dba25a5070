#!/usr/bin/env bash
# Builds, into PREFIX, what the mingw-w64 cross build needs that Debian ships only for Linux:
# GoogleTest from /usr/src/googletest and mimalloc from Debian's source package (the same version
# as the Linux build's libmimalloc-dev), both static; and the header-only spdlog, fmt,
# nlohmann-json and CLI11 copied from Debian's headers, with the small CMake package files in
# cmake/header_only/, and hnswlib's headers (libhnswlib-dev; the index scenario's find_path finds
# them in the prefix). Never points the cross compiler at /usr/include. With --with-benchmark,
# Google Benchmark too, from Debian's source package of the Linux build's libbenchmark-dev (for
# benchmarks/windows_side_by_side.sh; CI builds no benchmark).
# Usage: scripts/windows/build_dependencies.sh PREFIX [--with-benchmark]
#        (skips the work if PREFIX is complete)
set -euo pipefail
usage="usage: $0 PREFIX [--with-benchmark]"
[ $# -eq 1 ] || [ $# -eq 2 ] || { echo "$usage" >&2; exit 2; }
with_benchmark=false
if [ $# -eq 2 ]; then
  [ "$2" = --with-benchmark ] || { echo "$usage" >&2; exit 2; }
  with_benchmark=true
fi
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
prefix=$(mkdir -p "$1" && cd "$1" && pwd)
work="$prefix/work"
toolchain="$source_dir/cmake/toolchains/mingw-w64-x86_64.cmake"
mimalloc_version=$(dpkg-query -W -f='${source:Version}' libmimalloc-dev)
inputs_hash=$(cat "$0" "$toolchain" "$source_dir"/cmake/header_only/* | sha1sum | cut -c1-12)
stamp="gtest $(dpkg-query -W -f='${Version}' googletest) mimalloc $mimalloc_version hnswlib $(dpkg-query -W -f='${Version}' libhnswlib-dev) inputs $inputs_hash"
if $with_benchmark; then
  benchmark_version=$(dpkg-query -W -f='${source:Version}' libbenchmark-dev)
  stamp="$stamp benchmark $benchmark_version"
fi
if [ "$(cat "$prefix/complete" 2>/dev/null)" = "$stamp" ]; then exit 0; fi
rm -rf "$prefix" && mkdir -p "$work"
jobs=$(nproc)

echo "windows dependencies: header-only libraries"
mkdir -p "$prefix/include"
for headers in spdlog fmt nlohmann CLI hnswlib; do cp -r "/usr/include/$headers" "$prefix/include/"; done
mkdir -p "$prefix/lib/cmake"
cp "$source_dir/cmake/header_only/header_only_target.cmake" "$prefix/lib/cmake/"
for package in spdlog nlohmann_json CLI11; do
  mkdir -p "$prefix/lib/cmake/$package"
  cp "$source_dir/cmake/header_only/${package}Config.cmake" "$prefix/lib/cmake/$package/"
done

cross_build() {  # cross_build NAME SOURCE_DIR CMAKE_OPTIONS...
  local name=$1 source=$2
  shift 2
  echo "windows dependencies: $name"
  cmake -S "$source" -B "$work/$name-build" -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" "$@" >"$work/$name.log" 2>&1 &&
    cmake --build "$work/$name-build" -j"$jobs" >>"$work/$name.log" 2>&1 &&
    cmake --install "$work/$name-build" >>"$work/$name.log" 2>&1 ||
    { tail -30 "$work/$name.log" >&2; echo "building $name for Windows failed (log: $work/$name.log)" >&2; exit 1; }
}

cross_build googletest /usr/src/googletest -DBUILD_GMOCK=OFF

# A Debian source package, unpacked in $work: it needs a deb-src entry for the mirror the machine
# already uses.
fetch_source() {  # fetch_source PACKAGE VERSION
  local package=$1 version=$2
  if ! (cd "$work" && apt-get source -qq "$package=$version" >"$work/apt-source.log" 2>&1); then
    deb_src=/etc/apt/sources.list.d/memory-baseline-deb-src.sources
    if [ "$(id -u)" -ne 0 ]; then
      echo "$package's Debian source package is not reachable: add a deb-src entry for your mirror" \
           "(as root: sed 's/^Types: deb\$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources" \
           "> $deb_src && apt-get update), then run this again" >&2
      exit 2
    fi
    echo "windows dependencies: adding $deb_src for $package's source package"
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$deb_src"
    apt-get update -qq
    (cd "$work" && apt-get source -qq "$package=$version" >"$work/apt-source.log" 2>&1) ||
      { cat "$work/apt-source.log" >&2; echo "apt-get source $package=$version failed" >&2; exit 1; }
  fi
}

fetch_source mimalloc "$mimalloc_version"
mimalloc_source=$(find "$work" -maxdepth 1 -type d -name 'mimalloc-*' | head -1)
# Thread exit through a pthread key instead of a fiber-storage callback on mingw: mingw's
# thread_local data (emulated TLS) is freed before fiber-storage callbacks run, and mimalloc's
# callback touching it re-created and leaked it; measured under wine: the working set grew
# 1,282,048 bytes over 4,000 threads unpatched, 86,016 patched (flat in the thread count).
sed -i 's/^#if !defined(_WIN32) && !defined(__wasi__)$/#if (!defined(_WIN32) || defined(__MINGW32__)) \&\& !defined(__wasi__)/' \
  "$mimalloc_source/include/mimalloc-internal.h"
sed -i -E '/^ {0,2}#(el)?if defined\(_WIN32\) && !defined\(MI_SHARED_LIB\)$/ s/$/ \&\& !defined(MI_USE_PTHREADS)/' \
  "$mimalloc_source/src/init.c"
if [ "$(grep -c '__MINGW32__' "$mimalloc_source/include/mimalloc-internal.h")" -ne 1 ] ||
   [ "$(grep -c '!defined(MI_SHARED_LIB) && !defined(MI_USE_PTHREADS)' "$mimalloc_source/src/init.c")" -ne 5 ]; then
  echo "mimalloc $mimalloc_version: the mingw thread-exit patch no longer applies; review it" >&2
  exit 1
fi
# Static library only, and no redirection DLL: the hooks call mi_malloc and friends directly, and
# a statically linked mimalloc does not replace malloc on Windows.
cross_build mimalloc "$mimalloc_source" \
  -DMI_BUILD_SHARED=OFF -DMI_BUILD_OBJECT=OFF -DMI_BUILD_TESTS=OFF -DMI_WIN_REDIRECT=OFF \
  -DMI_INSTALL_TOPLEVEL=ON

# Without git, the version comes from GIT_VERSION, as debian/rules gives it.
if $with_benchmark; then
  fetch_source benchmark "$benchmark_version"
  cross_build benchmark "$(find "$work" -maxdepth 1 -type d -name 'benchmark-*' | head -1)" \
    -DGIT_VERSION="${benchmark_version%%-*}" -DBENCHMARK_ENABLE_TESTING=OFF \
    -DBENCHMARK_ENABLE_GTEST_TESTS=OFF -DBENCHMARK_ENABLE_WERROR=OFF
fi

rm -rf "$work"
echo "$stamp" >"$prefix/complete"
