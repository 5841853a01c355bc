#!/usr/bin/env bash
# Builds a libFuzzer target with ASan and UBSan and runs it briefly: a smoke test for CI, not a
# fuzzing campaign.
#
#   fuzz_smoke.sh <target.cpp> <seconds> [source.cpp ...]
#
# Include paths cover sdk/, kernel/ and the plugins' include/ directories; the binary links
# OpenSSL's libcrypto. Seeds for the age target are written into a fresh corpus. Exits 77 (the
# ctest skip code) when clang++ or its libFuzzer runtime is unavailable.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 <target.cpp> <seconds> [source.cpp ...]" >&2
  exit 2
fi
target=$1
seconds=$2
shift 2

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cxx=${CXX_FUZZ:-}
if [[ -z $cxx ]]; then
  for c in clang++ clang++-14 clang++-15 clang++-16; do
    if command -v "$c" >/dev/null 2>&1; then cxx=$c; break; fi
  done
fi
if [[ -z $cxx ]]; then
  echo "fuzz_smoke: clang++ not found; skipping" >&2
  exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/vsecm-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT

# A trivial target first: tells a missing libFuzzer runtime apart from a broken build.
printf '%s\n' '#include <cstddef>' '#include <cstdint>' \
  'extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }' >"$work/probe.cpp"
if ! "$cxx" -fsanitize=fuzzer "$work/probe.cpp" -o "$work/probe" >/dev/null 2>&1; then
  echo "fuzz_smoke: $cxx cannot link libFuzzer (install libclang-rt-dev); skipping" >&2
  exit 77
fi

includes=(-I"$root/sdk/include" -I"$root/kernel/include")
for d in "$root"/plugins/*/include; do includes+=(-I"$d"); done

echo "fuzz_smoke: building $(basename "$target") with $cxx"
"$cxx" -std=c++20 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
  -fno-sanitize-recover=undefined "${includes[@]}" "$target" "$@" -lcrypto -o "$work/fuzzer"

mkdir -p "$work/corpus"
printf 'age-encryption.org/v1\n-> X25519 SVrzdFfkPxf0LPHOUGB1gNb9E5Vr8EUDa9kxRnzRqEk\nZq5k1HNhZ8AL0qbgAmNc6l9hmJKNwxPrMNZbEr+bBZk\n--- GkUnNqtUuCUZmAafKKcyCA7mF7EWVHeRDRmqVJKVyLc\n0123456789abcdef0123456789abcdef' >"$work/corpus/x25519"
printf 'age-encryption.org/v1\n-> scrypt rF0/NwblUHHTpgQgRpe5CQ 2\ngUjEymFKMVXQEKdMMHL24oYexjE3TIC0O0zGSqJ2aUY\n--- IOXiQYStkoT1mvZW2tFOqZdhRVvj58egABx/sWfZQbc\n' >"$work/corpus/scrypt"
printf -- '-----BEGIN AGE ENCRYPTED FILE-----\nYWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBURWlGMHlwcXIrYnB2Y3FY\nyPC8DpksHoMx+2Y=\n-----END AGE ENCRYPTED FILE-----\n' >"$work/corpus/armor"
printf 'AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX' >"$work/corpus/identity"
printf 'age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj' >"$work/corpus/recipient"

echo "fuzz_smoke: running for ${seconds}s"
cd "$work"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ./fuzzer -max_total_time="$seconds" -max_len=200000 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 corpus
