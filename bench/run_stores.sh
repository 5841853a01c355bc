#!/usr/bin/env bash
# Builds and runs the store benchmark: bench/store_bench.sh [build-dir] [benchmark options...]
# Options: --dir DIR (a temporary directory), --seconds S (3), --value-bytes N (100),
# --names K (1000), --threads 1,8, --stores fs,rocksdb,sqlcipher. Point --dir at the disk the
# Safe will use: the figures only mean something next to that disk's own fsync rate.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build-bench}
shift || true
if [[ ! -f $build/build.ninja && ! -f $build/Makefile ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVSECM_BUILD_TESTS=OFF
fi
if ! cmake --build "$build" --target vsecm_store_bench 2>/dev/null; then
  # bench/CMakeLists.txt does not include store_bench.cmake: build the plugins, compile directly.
  for plugin in vsecm-store-fs vsecm-store-rocksdb vsecm-store-sqlcipher; do
    cmake --build "$build" --target "$plugin" || echo "store_bench: $plugin not built" >&2
  done
  mkdir -p "$build/bin"
  "${CXX:-c++}" -std=c++20 -O2 -I"$root/sdk/include" \
    -DVSECM_BENCH_PLUGIN_DIR="\"$build/lib/vsecm/plugins\"" \
    "$root/bench/store_bench.cpp" -o "$build/bin/vsecm_store_bench" -ldl -pthread
fi
exec "$build/bin/vsecm_store_bench" "$@"
