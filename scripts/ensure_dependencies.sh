#!/usr/bin/env bash
# Makes sure the Debian packages the build needs are installed: installs the missing ones when run
# as root, otherwise prints the exact apt-get line and exits 2. Sourced or run by the top-level
# scripts; extra package names may be passed as arguments.
set -euo pipefail

packages=(cmake g++ make libmimalloc-dev libgtest-dev libspdlog-dev nlohmann-json3-dev libcli11-dev
          libbenchmark-dev libjs-chart.js python3 python3-jsonschema libhnswlib-dev libjemalloc-dev
          libgoogle-perftools-dev libfaiss-dev libblas-dev liblapack-dev libdw-dev libunwind8 "$@")
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages; install them with:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 2
fi
echo "installing missing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
