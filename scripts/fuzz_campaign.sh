#!/usr/bin/env bash
# A fuzzing campaign over every libFuzzer target in tests/fuzz/targets.txt: each is built once
# with ASan + UBSan (the flags of tests/fuzz/fuzz_build.sh, as in CI's smoke runs), seeded, and
# run for SECONDS (default 300). A crash does not end a target's turn: libFuzzer is started
# again from the grown corpus until the time is used up (at most 5 crashes a target). A run
# killed by a signal libFuzzer cannot catch counts as a crash that left no input.
#
#   scripts/fuzz_campaign.sh [SECONDS] [OUT_DIR] [TARGET...]
#
# OUT_DIR defaults to build/fuzz-campaign; TARGET names limit the campaign to those targets
# (default: every target).
#
# Prints one line per target:
#   target=<name> seconds=<s> executions=<n> crashes=<n> corpus=<n>
# (executions: libFuzzer's stat::number_of_executed_units, summed over restarts). OUT_DIR keeps
# corpus/<target>/ (reused by the next campaign), crashes/<target>/ (crash, leak, timeout and
# oom inputs) and logs/<target>.log. Exits 1 when any target crashed, 2 on a usage or build
# error, 77 when clang++ cannot link libFuzzer.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-300}
out=${2:-$root/build/fuzz-campaign}
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [SECONDS] [OUT_DIR] [TARGET...]" >&2
  exit 2
fi
shift $(($# < 2 ? $# : 2))
max_crashes=5

source "$root/tests/fuzz/fuzz_build.sh"
if ! fuzz_find_cxx; then exit 77; fi
mapfile -t targets < <(fuzz_targets)
if [[ $# -gt 0 ]]; then
  for t in "$@"; do
    if ! printf '%s\n' "${targets[@]}" | grep -qx -- "$t"; then
      echo "fuzz_campaign: no target $t in $FUZZ_TABLE" >&2
      exit 2
    fi
  done
  targets=("$@")
fi
mkdir -p "$out"/{bin,corpus,crashes,logs}
out=$(cd "$out" && pwd)

for t in "${targets[@]}"; do
  echo "fuzz_campaign: building $t" >&2
  if ! fuzz_build "$t" "$out/bin/$t" >"$out/logs/$t.build.log" 2>&1; then
    cat "$out/logs/$t.build.log" >&2
    exit 2
  fi
done

any_crash=0
for t in "${targets[@]}"; do
  corpus=$out/corpus/$t
  crashes=$out/crashes/$t
  log=$out/logs/$t.log
  mkdir -p "$crashes"
  fuzz_seed "$t" "$out/bin/$t" "$corpus"
  : >"$log"
  executions=0 crash_count=0
  start=$(date +%s)
  while :; do
    left=$((seconds - ($(date +%s) - start)))
    ((left > 0)) || break
    run_log=$(mktemp "$out/logs/$t.run-XXXXXX")
    set +e
    (cd "$crashes" && env "${FUZZ_RUN_ENV[@]}" "$out/bin/$t" -max_total_time="$left" \
      "${FUZZ_RUN_FLAGS[@]}" -artifact_prefix="$crashes/" "$corpus" </dev/null >"$run_log" 2>&1)
    status=$?
    set -e
    cat "$run_log" >>"$log"
    n=$(awk '/^stat::number_of_executed_units:/ { print $2 }' "$run_log" | tail -n 1)
    crashed=0
    if grep -q 'Test unit written to' "$run_log"; then crashed=1; fi
    rm -f "$run_log"
    executions=$((executions + ${n:-0}))
    ((status == 0)) && break
    if ((!crashed)); then
      # Killed by a signal libFuzzer does not catch (SIGPIPE, SIGKILL): a crash with no input.
      echo "fuzz_campaign: $t died without leaving an input (exit $status); see $log" >&2
    fi
    crash_count=$((crash_count + 1))
    ((crash_count < max_crashes)) || break
  done
  elapsed=$(($(date +%s) - start))
  corpus_size=$(find "$corpus" -maxdepth 1 -type f | wc -l)
  if ((crash_count > 0)); then any_crash=1; fi
  echo "target=$t seconds=$elapsed executions=$executions crashes=$crash_count corpus=$corpus_size"
done

if ((any_crash)); then
  echo "fuzz_campaign: crash inputs are in $out/crashes (logs in $out/logs)" >&2
  exit 1
fi
echo "fuzz_campaign: no crashes; corpora in $out/corpus" >&2
