#!/usr/bin/env bash
# The crypto benchmark: bench/run_crypto.sh [build-dir] [benchmark options...]
# (bench/run.sh runs it with every other benchmark.)
# Options: --secrets N (10000), --cli-sample N (300), --big-mib N (100), --no-cli.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build-bench}
shift || true
if [[ ! -f $build/build.ninja && ! -f $build/Makefile ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVSECM_BUILD_TESTS=OFF
fi
cmake --build "$build" --target vsecm_crypto_bench
exec "$build/bin/vsecm_crypto_bench" "$@"
