# Shared by tests/fuzz/fuzz_smoke.sh and scripts/fuzz_campaign.sh (source it; it defines
# functions and settings only): how a libFuzzer target is built, seeded and run, so the short CI
# runs and the long campaigns use the same flags and the same target table (targets.txt).
#
#   fuzz_find_cxx                      sets FUZZ_CXX; returns 1 when no clang++ links libFuzzer
#   fuzz_targets                       prints every target name in the table, in table order
#   fuzz_build <target> <binary>       builds the target with ASan + UBSan
#   fuzz_seed <target> <binary> <dir>  fills a corpus directory with the target's seeds
#   FUZZ_RUN_FLAGS, FUZZ_RUN_ENV       the libFuzzer flags and sanitizer options of every run
#                                      (run targets with stdin from /dev/null: a kubeconfig
#                                      input may name /dev/stdin)

FUZZ_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FUZZ_TABLE=$FUZZ_ROOT/tests/fuzz/targets.txt
FUZZ_SEEDS=$FUZZ_ROOT/tests/fuzz/seeds
FUZZ_CXXFLAGS=(-std=c++20 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
               -fno-sanitize-recover=undefined)
FUZZ_RUN_FLAGS=(-max_len=200000 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
FUZZ_RUN_ENV=(ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1)

fuzz_find_cxx() {
  FUZZ_CXX=${CXX_FUZZ:-}
  if [[ -z $FUZZ_CXX ]]; then
    local c
    for c in clang++ clang++-14 clang++-15 clang++-16; do
      if command -v "$c" >/dev/null 2>&1; then FUZZ_CXX=$c; break; fi
    done
  fi
  if [[ -z $FUZZ_CXX ]]; then
    echo "fuzz: clang++ not found" >&2
    return 1
  fi
  # A trivial target first: tells a missing libFuzzer runtime apart from a broken build.
  local probe
  probe=$(mktemp -d "${TMPDIR:-/tmp}/vsecm-fuzz-probe-XXXXXX")
  printf '%s\n' '#include <cstddef>' '#include <cstdint>' \
    'extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }' \
    >"$probe/probe.cpp"
  if ! "$FUZZ_CXX" -fsanitize=fuzzer "$probe/probe.cpp" -o "$probe/probe" >/dev/null 2>&1; then
    rm -rf "$probe"
    echo "fuzz: $FUZZ_CXX cannot link libFuzzer (install libclang-rt-dev)" >&2
    return 1
  fi
  rm -rf "$probe"
}

fuzz_targets() {
  awk '$1 !~ /^#/ && NF >= 3 && !seen[$1]++ { print $1 }' "$FUZZ_TABLE"
}

# The table's rows for one target as "kind value" lines.
fuzz_rows() {
  awk -v t="$1" '$1 == t && NF >= 3 { print $2, $3 }' "$FUZZ_TABLE"
}

fuzz_build() {
  local target=$1 binary=$2
  local main=$FUZZ_ROOT/tests/fuzz/$target.cpp
  if [[ ! -f $main ]] || [[ -z $(fuzz_rows "$target") ]]; then
    echo "fuzz: no target $target in $FUZZ_TABLE (or no $main)" >&2
    return 2
  fi
  local args=(-I"$FUZZ_ROOT/sdk/include" -I"$FUZZ_ROOT/kernel/include")
  local d
  for d in "$FUZZ_ROOT"/plugins/*/include "$FUZZ_ROOT"/libs/*/include; do args+=(-I"$d"); done
  local sources=() libs=() kind value
  while read -r kind value; do
    case $kind in
      src) sources+=("$FUZZ_ROOT/$value") ;;
      include) args+=(-I"$FUZZ_ROOT/$value") ;;
      define) args+=(-D"$value") ;;
      lib) libs+=(-l"$value") ;;
      *) echo "fuzz: $FUZZ_TABLE: unknown kind '$kind' for $target" >&2; return 2 ;;
    esac
  done < <(fuzz_rows "$target")
  # One compiler per source, FUZZ_JOBS (default: the number of cores) at a time, then one link.
  local objdir=$binary.objects jobs=${FUZZ_JOBS:-$(nproc)} objects=() pids=() src obj i=0 failed=0
  rm -rf "$objdir" && mkdir -p "$objdir"
  for src in "$main" "${sources[@]}"; do
    obj=$objdir/$((i++))-$(basename "$src" .cpp).o
    objects+=("$obj")
    "$FUZZ_CXX" "${FUZZ_CXXFLAGS[@]}" "${args[@]}" -c "$src" -o "$obj" &
    pids+=($!)
    if ((${#pids[@]} >= jobs)); then
      wait "${pids[0]}" || failed=1
      pids=("${pids[@]:1}")
    fi
  done
  for i in "${pids[@]}"; do wait "$i" || failed=1; done
  if ((failed)); then
    echo "fuzz: compiling $target failed" >&2
    return 1
  fi
  "$FUZZ_CXX" "${FUZZ_CXXFLAGS[@]}" "${objects[@]}" "${libs[@]}" -lcrypto -o "$binary"
  rm -rf "$objdir"
}

# Seeds: the shipped files, then what the target itself writes (a target that makes none just
# runs zero inputs here).
fuzz_seed() {
  local target=$1 binary=$2 corpus=$3
  mkdir -p "$corpus"
  if [[ -d $FUZZ_SEEDS/$target ]]; then cp -- "$FUZZ_SEEDS/$target"/* "$corpus"/; fi
  env "${FUZZ_RUN_ENV[@]}" VSECM_FUZZ_SEED_DIR="$corpus" "$binary" -runs=0 \
    </dev/null >/dev/null 2>&1 || {
    echo "fuzz: $target failed to write its seeds" >&2
    return 1
  }
}
