#!/usr/bin/env bash
# The store benchmark: bench/run_stores.sh [build-dir] [benchmark options...]
# (bench/run.sh runs it with every other benchmark.)
# Options: --dir DIR (a temporary directory), --seconds S (3), --value-bytes N (100),
# --names K (1000), --threads 1,8, --stores fs,rocksdb,sqlcipher. Point --dir at the disk the
# Safe will use: the figures only mean something next to that disk's own fsync rate.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/build_dir.sh"
shift || true
cmake --build "$build" --target vsecm_store_bench
exec "$build/bin/vsecm_store_bench" "$@"
