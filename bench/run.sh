#!/usr/bin/env bash
# Every benchmark, each beside its reference in the same run, and docs/PERFORMANCE.md from
# what they printed (a benchmark suite, not a test):
#
#   bench/run.sh [--quick] [--out FILE] [--only NAME[,NAME...]]
#
#   crypto     bench/run_crypto.sh     10,000 secrets in-process vs the stock `age` CLI;
#                                      100 MiB through crypto-age and crypto-aes vs `openssl speed`
#   stores     bench/run_stores.sh     durable upserts/s of each store vs raw fsync of the same disk
#   safe-load  bench/run_safe_load.sh  the Safe vs nginx (ssl_verify_client on): keep-alive
#                                      requests/s, p50, p99 with 64 connections; new mTLS
#                                      connections per second
#   cold-start bench/run_cold_start.sh time to ready and RSS with 10,000, 100,000 and
#                                      1,000,000 stored secrets of 100 bytes
#
# --quick shrinks every size (1,000 secrets, 10 MiB, one 3 s round, up to 100,000 stored
# secrets) to check that the suite works in a few minutes; its figures are not the ones to
# publish, and the file it writes says so. --out (default docs/PERFORMANCE.md) is written only
# when every selected benchmark succeeded. The full run takes about 25 minutes on 2 cores.
# Build directory: $VSECM_BENCH_BUILD_DIR (default build-bench, Release, no tests).
set -euo pipefail
out=""
quick=0
only=crypto,stores,safe-load,cold-start
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) quick=1 ;;
    --out) out=$2; shift ;;
    --only) only=$2; shift ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown argument \"$1\" (see --help)" >&2; exit 2 ;;
  esac
  shift
done
for name in ${only//,/ }; do
  case $name in crypto|stores|safe-load|cold-start) ;;
    *) echo "bench/run.sh: unknown benchmark \"$name\" (crypto, stores, safe-load, cold-start)" >&2; exit 2 ;;
  esac
done

source "$(dirname "${BASH_SOURCE[0]}")/build_dir.sh" ""
cmake --build "$build" --target vsecm_bench

logs=$(mktemp -d /tmp/vsecm-bench.XXXXXX)
trap 'rm -rf "$logs"' EXIT
began=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# run NAME COMMAND...: shows the output as it comes and keeps it for the report.
run() {
  local name=$1
  shift
  echo "==== $name: $*"
  local t=$SECONDS
  "$@" 2>&1 | tee "$logs/$name.txt"
  echo "($name took $((SECONDS - t)) s)" | tee -a "$logs/$name.txt"
}
selected() { [[ ,$only, == *,$1,* ]]; }

if [[ $quick == 1 ]]; then
  selected crypto && run crypto bash "$root/bench/run_crypto.sh" "$build" --secrets 1000 --cli-sample 50 --big-mib 10
  selected stores && run stores bash "$root/bench/run_stores.sh" "$build" --seconds 1
  selected safe-load && DURATION=3 ROUNDS=1 run safe-load bash "$root/bench/run_safe_load.sh" "$build"
  selected cold-start && TOP=100000 REPEAT=1 run cold-start bash "$root/bench/run_cold_start.sh" "$build"
else
  selected crypto && run crypto bash "$root/bench/run_crypto.sh" "$build"
  selected stores && run stores bash "$root/bench/run_stores.sh" "$build"
  selected safe-load && run safe-load bash "$root/bench/run_safe_load.sh" "$build"
  selected cold-start && BUDGET=${BUDGET:-2400} run cold-start bash "$root/bench/run_cold_start.sh" "$build"
fi

out=${out:-$root/docs/PERFORMANCE.md}
bash "$root/bench/write_performance_md.sh" "$logs" "$out" "$quick" "$began" "$load_before" "$only"
echo "wrote $out"
