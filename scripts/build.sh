#!/usr/bin/env bash
# Configures and builds everything into build/ (or $VSECM_BUILD_DIR) with Ninja, warnings as
# errors. Re-running only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${VSECM_BUILD_DIR:-build}
if [[ ! -f $build_dir/build.ninja ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVSECM_WERROR=ON
fi
cmake --build "$build_dir" -j "$(nproc)"
