#!/usr/bin/env bash
# Runs the security proofs at their full length and writes docs/SECURITY.md from what they print:
#
#   scripts/security_report.sh [--fuzz-seconds N] [--crash-trials N] [--no-sanitizers]
#                              [--sanitizer-log FILE] [--out FILE]
#
#   fuzzing      scripts/fuzz_campaign.sh: every libFuzzer target (ASan+UBSan) for N seconds
#                (default 300): executions and crashes per target
#   sanitizers   scripts/test_sanitized.sh: the whole suite under ASan+UBSan+LSan (or, with
#                --sanitizer-log, the saved output of a run of it, e.g. CI's)
#   kill -9      tests/crash for every durable store with N trials each (default 200)
#   canary scan  tests/canary (canary_test): a full end-to-end session, then the data
#                directory, store files, logs, audit journal and forced core files searched
#                for every canary
#   connections  tests/safe: 1,000 concurrent mTLS workload connections, excess ones refused
#   bad input    tests/safe: the API's bad-input matrix, each refusal changing nothing
#
# The defaults take about an hour on 2 cores. FILE (default docs/SECURITY.md) is written only
# when every part passed; a failure prints the part's output and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=$root/docs/SECURITY.md
fuzz_seconds=300
crash_trials=200
sanitizers=1
sanitizer_log=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --fuzz-seconds) fuzz_seconds=$2; shift ;;
    --crash-trials) crash_trials=$2; shift ;;
    --no-sanitizers) sanitizers=0 ;;
    --sanitizer-log) sanitizer_log=$2; shift ;;
    --out) out=$2; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "security_report: unknown argument \"$1\" (see --help)" >&2; exit 2 ;;
  esac
  shift
done

bash scripts/setup.sh >/dev/null
bash scripts/build.sh
build=${VSECM_BUILD_DIR:-build}
bin=$build/tests/bin
# VSECM_REPORT_LOGS=DIR keeps every part's whole output there.
if [[ -n ${VSECM_REPORT_LOGS:-} ]]; then
  logs=$VSECM_REPORT_LOGS
  mkdir -p "$logs"
else
  logs=$(mktemp -d /tmp/vsecm-security.XXXXXX)
  trap 'rm -rf "$logs"' EXIT
fi
began=$(date -u +%Y-%m-%dT%H:%M:%SZ)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git status --porcelain 2>/dev/null | grep -qv '^??' && commit+=" (with uncommitted changes)"
echo "$commit" >"$logs/commit"

# part NAME COMMAND...: runs one proof, keeps its output, stops the report if it fails.
part() {
  local name=$1
  shift
  echo "==== $name: $*"
  local t=$SECONDS
  if ! "$@" >"$logs/$name.txt" 2>&1; then
    cat "$logs/$name.txt"
    echo "security_report: $name failed; $out is left as it was" >&2
    exit 1
  fi
  echo "($name: $((SECONDS - t)) s)"
  echo "$((SECONDS - t))" >"$logs/$name.seconds"
}

part canary "$bin/canary_test"
part connections "$bin/safe_connections_test"
# Every test of the Safe that sends hostile input prints its rows of the matrix.
part bad-input bash -c 'set -e; for t in "$@"; do "$t"; done' bad-input \
  "$bin/safe_e2e_test" "$bin/safe_hardening_e2e_test" "$bin/safe_k8s_e2e_test" \
  "$bin/safe_requests_test" "$bin/safe_flood_test"
part crash env VSECM_CRASH_TRIALS="$crash_trials" VSECM_CRASH_BUDGET_S=100000 "$bin/crash_test"
part fuzz bash scripts/fuzz_campaign.sh "$fuzz_seconds"
if [[ -n $sanitizer_log ]]; then
  grep -q '^test_sanitized: every test passed' "$sanitizer_log" ||
    { echo "security_report: $sanitizer_log is not a passing run of scripts/test_sanitized.sh" >&2; exit 1; }
  cp "$sanitizer_log" "$logs/sanitizers.txt"
elif [[ $sanitizers == 1 ]]; then
  part sanitizers bash scripts/test_sanitized.sh
fi

[[ -n $sanitizer_log ]] && sanitizers=1
bash scripts/write_security_md.sh "$logs" "$out" "$began" "$fuzz_seconds" "$crash_trials" "$sanitizers"
echo "wrote $out"
