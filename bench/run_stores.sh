#!/usr/bin/env bash
# The store benchmark: bench/run_stores.sh [build-dir] [benchmark options...]
# (bench/run.sh runs it with every other benchmark.)
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
cmake --build "$build" --target vsecm_store_bench
exec "$build/bin/vsecm_store_bench" "$@"
