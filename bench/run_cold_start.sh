#!/usr/bin/env bash
# Cold start and memory of the Safe with many stored secrets (a benchmark, not a test):
#   bench/run_cold_start.sh [build-dir]
# One `vsecm-safe dev` directory (store-fs + crypto-age, the defaults) grows step by step:
# 0 → 10,000 → 100,000 → 1,000,000 secrets of 100 bytes. At each step the Safe is started on it
# and vsecm_cold_start measures the time from spawn to listening and to readiness 200 (root
# key in place, every secret recovered into memory) and its VmRSS, then stops it with SIGTERM.
#
# Filling the store goes through the kernel (SafeKernel + registry().Upsert, the same plugins
# and root key as the Safe), not over HTTP, and under eatmydata: fsync becomes a no-op for the
# fill only, followed by one `sync`. At this disk's fsync rate a durable fill of 1,000,000
# records would take hours; it does not change what is measured, which is reading them back.
# If the 1,000,000 step would not fit in BUDGET seconds (estimated from the 100,000 step, removal
# of the files included), it runs 300,000 instead and says so. On the 2-core development VM the
# 1,000,000 step alone takes about 11 minutes (fill 150 s, start 200 s, removal 290 s): run it
# with BUDGET=1500.
# Environment: BUDGET (540 s for the whole run after the build), TOP (1000000), REPEAT (3 starts
# per size up to 100,000; medians), DROP_CACHES (0; 1 drops the page cache before each start, machine-wide),
# COLD_DIR (parent of the temporary directory, default /tmp), KEEP=1 keeps the directory.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/build_dir.sh"
budget=${BUDGET:-540}
top=${TOP:-1000000}
repeat=${REPEAT:-3}
drop=${DROP_CACHES:-0}
began=$SECONDS

cmake --build "$build" --target vsecm_safe vsecm-crypto-age vsecm-store-fs vsecm_cold_start
began=$SECONDS  # the budget covers the measurements, not the build
tool=$build/bin/vsecm_cold_start

fill=()
if ! command -v eatmydata >/dev/null; then
  echo "run_cold_start: installing eatmydata (apt-get)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq eatmydata >/dev/null || true
fi
if command -v eatmydata >/dev/null; then
  fill=(eatmydata)
else
  echo "run_cold_start: eatmydata is missing: the fill is durable record by record (slow)" >&2
fi

work=$(mktemp -d "${COLD_DIR:-/tmp}/vsecm-cold-start.XXXXXX")
cleanup() {
  if [[ ${KEEP:-0} == 1 ]]; then
    echo "run_cold_start: kept $work"
  else
    local t=$SECONDS
    rm -rf "$work"
    echo "removed the store in $((SECONDS - t)) s; total $((SECONDS - began)) s"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
dir=$work/safe
mkdir -p "$dir"
results=$work/results.txt

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "-"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
used_kib() { df --output=used -k "$work" | tail -1 | tr -d ' '; }

# measure SIZE TIMES: starts the Safe TIMES times on the directory, appends the RESULT lines.
measure() {
  local i line
  for i in $(seq "$2"); do
    if [[ $drop == 1 ]]; then sync; echo 3 >/proc/sys/vm/drop_caches; fi
    line=$("$tool" measure --dir "$dir" --settle 2 --timeout 900 | grep '^RESULT')
    echo "  start $i: ${line#RESULT measure }"
    [[ $(echo "$line" | field secrets) == "$1" ]] || { echo "run_cold_start: expected $1 secrets" >&2; exit 1; }
    echo "size=$1 $line" >>"$results"
  done
}

# grow FROM TO: adds records FROM..TO-1; prints and remembers the fill rate.
fill_rate=0
grow() {
  local before after line
  before=$(used_kib)
  if ! line=$("${fill[@]}" "$tool" populate --dir "$dir" --first "$1" --count $(($2 - $1)) \
      2>>"$work/populate.log" | grep '^RESULT'); then
    tail -5 "$work/populate.log" >&2
    echo "run_cold_start: filling the store failed" >&2
    exit 1
  fi
  sync
  after=$(used_kib)
  fill_rate=$(echo "$line" | field rate)
  echo "filled $1..$(($2 - 1)): $(echo "$line" | field seconds) s ($fill_rate records/s); disk +$(((after - before) / 1024)) MiB"
}

cat <<EOF
Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load average $(cut -d' ' -f1-3 /proc/loadavg); store on $(df --output=fstype "$work" | tail -1) ($work)
Safe: vsecm-safe dev (store-fs, crypto-age), 100-byte secrets, one record per secret.
Page cache: $([[ $drop == 1 ]] && echo "dropped before each start (cold)" || echo "warm: the files were just written (DROP_CACHES=1 drops it)")

EOF
echo "== 0 secrets"
measure 0 "$repeat"
echo "== 10,000 secrets"
grow 0 10000
measure 10000 "$repeat"
echo "== 100,000 secrets"
grow 10000 100000
measure 100000 "$repeat"

# Estimate the top step from the 100,000 step: fill rate, recovery rate, and removing the files
# at the end (measured on this machine's ext4: about 3,400 files/s for a directory of 1,000,000).
remove_rate=${REMOVE_RATE:-3000}
recovery_ms=$(grep '^size=100000 ' "$results" | field recovery_ms | median)
estimate() {  # records to add, total records → seconds
  awk -v add="$1" -v total="$2" -v fr="$fill_rate" -v rms="$recovery_ms" -v rm="$remove_rate" \
    'BEGIN { printf "%d", 1.3 * (add / fr + total * rms / 100000 / 1000 + total / rm) + 10 }'
}
left=$((budget - (SECONDS - began)))
chosen=""
for size in "$top" 300000; do
  (( size <= 100000 || size > top )) && continue
  need=$(estimate $((size - 100000)) "$size")
  if (( need <= left )); then chosen=$size; break; fi
  echo "(the $size step would need about ${need} s; ${left} s of the ${budget} s budget are left)"
done
if (( top <= 100000 )); then
  :  # TOP says to stop at 100,000
elif [[ -n $chosen ]]; then
  [[ $chosen != "$top" ]] && echo "NOTE: measuring $chosen secrets instead of $top: $top does not fit the time budget."
  echo "== $chosen secrets"
  grow 100000 "$chosen"
  measure "$chosen" 1
else
  echo "NOTE: no step above 100,000 fits the time budget; raise BUDGET to measure it."
fi

# ---- table
echo
echo "Cold start and memory (medians of the starts at each size; ms from spawn)"
printf '%10s %10s %10s %12s %10s %10s %10s %14s\n' secrets starts listen_ms ready_ms recovery_ms rss_mib hwm_mib "KiB/secret"
base_rss=$(grep '^size=0 ' "$results" | field rss_settled_mib | median)
for size in $(cut -d' ' -f1 "$results" | cut -d= -f2 | uniq); do
  rows=$(grep "^size=$size " "$results")
  n=$(echo "$rows" | wc -l)
  rss=$(echo "$rows" | field rss_settled_mib | median)
  per=$(awk -v r="$rss" -v b="$base_rss" -v n="$size" 'BEGIN { if (n > 0) printf "%.2f", (r - b) * 1024 / n; else print "-" }')
  printf '%10s %10s %10s %12s %10s %10s %10s %14s\n' "$size" "$n" \
    "$(echo "$rows" | field listen_ms | median)" "$(echo "$rows" | field ready_ms | median)" \
    "$(echo "$rows" | field recovery_ms | median)" "$rss" "$(echo "$rows" | field hwm_mib | median)" "$per"
done
echo "rss_mib: VmRSS 2 s after readiness; hwm_mib: VmHWM (peak); KiB/secret: (RSS - RSS with 0 secrets) / secrets."
grep -h "mlock" "$dir/cold-start.log" | head -1 || true
echo "measured in $((SECONDS - began)) s"
