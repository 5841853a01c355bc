#!/usr/bin/env bash
# Writes docs/PERFORMANCE.md from the outputs bench/run.sh kept (one file per benchmark):
#   write_performance_md.sh LOG_DIR OUT QUICK BEGAN LOAD_BEFORE ONLY
# Each section shows the benchmark's own table (its lines, unchanged), then its whole output.
set -euo pipefail
logs=$1 out=$2 quick=$3 began=$4 load_before=$5 only=$6
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$root" status --porcelain 2>/dev/null | grep -qv '^??' && echo " (with uncommitted changes)" || true)
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
disk=$(df --output=fstype /tmp | tail -1)

# table NAME: the lines of a benchmark's output that form its result table.
table() {
  local f=$logs/$1.txt
  case $1 in
    crypto) grep -E '\| +[0-9.]+x|^vsecm_age|^age CLI|openssl speed' "$f" || true ;;
    stores) sed -n '/^store  *writers/,/^$/p' "$f" ;;
    safe-load) sed -n '/^Safe vs nginx/,$p' "$f" | grep -v '^(safe-load took' ;;
    cold-start) sed -n '/^Cold start and memory/,/^measured in/p' "$f" ;;
  esac
}
section() {  # NAME TITLE WHAT-IT-COMPARES
  local f=$logs/$1.txt
  [[ -f $f ]] || return 0
  printf '## %s\n\n%s\n\n```text\n' "$2" "$3"
  table "$1"
  printf '```\n\n<details><summary>Full output</summary>\n\n```text\n'
  grep -vE '^\[[0-9]+/[0-9]+\] |^ninja: ' "$f"
  printf '```\n\n</details>\n\n'
}

tmp=$(mktemp "$out.XXXXXX")
chmod 0644 "$tmp"
{
  echo "# Performance"
  echo
  echo "Written by \`bench/run.sh$([[ $quick == 1 ]] && echo ' --quick')\` (benchmarks: $only) on $began,"
  echo "commit $commit$dirty: $(nproc) cores ($cpu), $(free -g | awk '/^Mem:/ {print $2}') GiB,"
  echo "/tmp on $disk, load average before the run $load_before. Rerun it to replace this file."
  echo
  if [[ $quick == 1 ]]; then
    echo "> **Quick run**: every size is shrunk to check the suite works. These are not the figures"
    echo "> to quote; run \`bench/run.sh\` without \`--quick\`."
    echo
  fi
  cat <<'EOF'
Every benchmark runs our code and its reference in the same run on the same machine and prints
the ratio, because a shared 2-core machine's absolute figures drift from one minute to the
next. The load generators share the cores with the server under test, so absolute rates are
lower than on a dedicated client; ratios are the figures to compare.

EOF
  section crypto "Crypto: in-process vs the stock age CLI and openssl speed" \
    "vsecm_age (the code of crypto-age) encrypting and decrypting 10,000 secrets of 100 bytes in one process, against the stock \`age\` CLI doing the same one process per secret (timed on a sample, scaled); 100 MiB through crypto-age (ChaCha20-Poly1305 STREAM) and crypto-aes (AES-256-GCM) against \`openssl speed\` for the same cipher and buffer size."
  section stores "Stores: durable upserts vs the disk's raw fsync rate" \
    "Each store plugin through the plugin ABI, every upsert durable before it returns, against a loop of write + fsync on the same directory: with 1 writer and with 8 concurrent writers (group commit shows in the 8-writer rows)."
  section safe-load "The Safe vs nginx over mutual TLS" \
    "A workload fetching its secret over mTLS (Boost.Beast load generator presenting a client certificate) from the Safe and from nginx with \`ssl_verify_client on\` serving a 100-byte file: keep-alive with 64 connections (requests/s, p50, p99) and new connections per second (full TLS 1.3 handshake + one GET). \"Safe (no fsync)\" is a diagnostic under eatmydata showing the cost of the audit journal's fdatasync."
  section cold-start "Cold start and memory" \
    "Time from spawn until the Safe answers readiness 200 (every secret decrypted and loaded into locked memory) and its resident memory, with 0, 10,000, 100,000 and 1,000,000 stored secrets of 100 bytes (store-fs, crypto-age)."
} >"$tmp"
mv "$tmp" "$out"
