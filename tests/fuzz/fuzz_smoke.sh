#!/usr/bin/env bash
# Builds one libFuzzer target of tests/fuzz/targets.txt with ASan and UBSan and runs it briefly
# from its seeds: a smoke test for CI, not a fuzzing campaign (scripts/fuzz_campaign.sh is).
#
#   fuzz_smoke.sh <target> <seconds>
#
# Exits 77 (the ctest skip code) when clang++ or its libFuzzer runtime is unavailable.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 <target> <seconds>" >&2
  exit 2
fi
target=$1
seconds=$2

source "$(dirname "${BASH_SOURCE[0]}")/fuzz_build.sh"
if ! fuzz_find_cxx; then
  echo "fuzz_smoke: skipping" >&2
  exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/vsecm-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "fuzz_smoke: building $target with $FUZZ_CXX"
fuzz_build "$target" "$work/fuzzer"
fuzz_seed "$target" "$work/fuzzer" "$work/corpus"
echo "fuzz_smoke: $(ls "$work/corpus" | wc -l) seeds; running for ${seconds}s"
cd "$work"
env "${FUZZ_RUN_ENV[@]}" ./fuzzer -max_total_time="$seconds" "${FUZZ_RUN_FLAGS[@]}" corpus \
  </dev/null
