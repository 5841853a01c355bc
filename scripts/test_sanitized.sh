#!/usr/bin/env bash
# The whole test suite again, built with AddressSanitizer + UndefinedBehaviorSanitizer (and
# LeakSanitizer, which ASan includes): scripts/test.sh runs this after the Release suite.
#
# Build: ${VSECM_SANITIZE_BUILD_DIR:-build-asan}, -O1 with line tables, assertions on. Warnings
# are not errors here: under the sanitizers GCC 12 reports false maybe-uninitialized warnings in
# libstdc++'s <regex>; the Release build keeps -Werror.
# Every process the tests start (the Safe, Sentinel, the sidecar...) inherits the options below
# and writes any report to sanitizer-logs/ in the build directory, so an error in a child process
# fails this run even when the test that started it passed. The libFuzzer smoke tests (label
# fuzz) are left out: they already build their own ASan+UBSan binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${VSECM_SANITIZE_BUILD_DIR:-build-asan}
if [[ ! -f $build_dir/build.ninja ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1" \
    -DVSECM_SANITIZE=ON -DVSECM_WERROR=OFF
fi
cmake --build "$build_dir" -j "$(nproc)"

logs=$(cd "$build_dir" && pwd)/sanitizer-logs
rm -rf "$logs"
mkdir -p "$logs"
# fast_unwind_on_malloc=0: OpenSSL and other system libraries have no frame pointers, and a
# leak's stack must reach our own frames to be judged. There is no suppression list: every leak
# found so far was ours and is fixed.
export ASAN_OPTIONS="detect_leaks=1:fast_unwind_on_malloc=0:malloc_context_size=30:log_path=$logs/asan:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan"

status=0
ctest --test-dir "$build_dir" --output-on-failure --timeout 600 -j "$(nproc)" -LE fuzz || status=$?

reports=$(find "$logs" -type f | sort)
if [[ -n $reports ]]; then
  echo "test_sanitized: sanitizer reports from $(echo "$reports" | wc -l) process(es):" >&2
  for f in $reports; do
    echo "---- $f" >&2
    cat "$f" >&2
  done
  status=1
fi
if [[ $status == 0 ]]; then
  echo "test_sanitized: every test passed under ASan+UBSan+LSan with no sanitizer report"
fi
exit "$status"
