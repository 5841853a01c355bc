#!/usr/bin/env bash
# The README's second command (and CI's): set up, build, and run every test with ctest; then
# the whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer + LeakSanitizer
# (scripts/test_sanitized.sh, a second build). VSECM_SANITIZERS=0 skips that second pass.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
build_dir=${VSECM_BUILD_DIR:-build}
ctest --test-dir "$build_dir" --output-on-failure --timeout 300 -j "$(nproc)"
if [[ ${VSECM_SANITIZERS:-1} != 0 ]]; then
  bash scripts/test_sanitized.sh
fi
