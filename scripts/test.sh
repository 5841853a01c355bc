#!/usr/bin/env bash
# The README's second command (and CI's): set up, build, and run every test with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
build_dir=${VSECM_BUILD_DIR:-build}
ctest --test-dir "$build_dir" --output-on-failure --timeout 300 -j "$(nproc)"
