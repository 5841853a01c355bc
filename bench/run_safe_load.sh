#!/usr/bin/env bash
# The Safe vs nginx over mutual TLS, side by side in one run (a benchmark, not a test):
#   bench/run_safe_load.sh [build-dir]
# Starts a development Safe (`vsecm-safe dev`, ports picked by the system) holding a 100-byte
# secret for workload "bench", and nginx on a free loopback port with ssl_verify_client on,
# TLS 1.3 only, serving a 100-byte file, both with certificates from the same development CA.
# Then vsecm_safe_load (Boost.Beast, presenting the bench workload's SVID) runs against each:
#   keep-alive: CONNECTIONS connections of back-to-back GETs (req/s, p50, p99)
#   new connections: NEWCONN_LOOPS loops of connect + full handshake + one GET + close
# and the table shows Safe/nginx ratios. A third server, "Safe (no fsync)", is the same Safe on a
# copy of its directory run under eatmydata (fsync and fdatasync become no-ops): a diagnostic,
# not a configuration to deploy. It shows what the audit journal's fdatasync per event costs,
# since the Safe audits every read and syncs each line before answering.
# Everything runs on loopback, in a temporary directory removed at the end (KEEP=1 keeps it),
# and every server is stopped by its process id.
# Environment: DURATION (10 s), WARMUP (1 s), CONNECTIONS (64), NEWCONN_LOOPS (8),
# THREADS (client I/O threads, default one per core), ROUNDS (3; the table shows medians),
# NOSYNC (1; 0 skips the eatmydata diagnostic).
# Installs nginx-light (and eatmydata) with apt-get when missing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/build_dir.sh"
duration=${DURATION:-10}
warmup=${WARMUP:-1}
connections=${CONNECTIONS:-64}
loops=${NEWCONN_LOOPS:-8}
rounds=${ROUNDS:-3}
nosync=${NOSYNC:-1}
cores=$(nproc)
threads=${THREADS:-$cores}

cmake --build "$build" --target vsecm_safe vsecm_keygen vsecm-crypto-age vsecm-store-fs vsecm_safe_load

nginx_bin=$(command -v nginx || true)
[[ -z $nginx_bin && -x /usr/sbin/nginx ]] && nginx_bin=/usr/sbin/nginx
if [[ -z $nginx_bin ]]; then
  echo "run_safe_load: installing nginx (apt-get)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
  nginx_bin=/usr/sbin/nginx
fi
if [[ $nosync == 1 ]] && ! command -v eatmydata >/dev/null; then
  echo "run_safe_load: installing eatmydata (apt-get)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq eatmydata >/dev/null || nosync=0
fi

work=$(mktemp -d /tmp/vsecm-safe-load.XXXXXX)
chmod 0711 "$work"  # nginx workers run as nobody and must reach the static file
safe_pid="" nosync_pid="" nginx_pid=""
cleanup() {
  local pid
  for pid in $safe_pid $nosync_pid $nginx_pid; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  if [[ ${KEEP:-0} == 1 ]]; then echo "run_safe_load: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "run_safe_load: $*" >&2; exit 1; }
json_field() { sed -n "s/.*\"$2\": *\"\([^\"]*\)\".*/\1/p" "$1"; }
http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" || true; }

# ---- the Safe
bin=$build/bin
# start_safe DIR [WRAPPER...]: starts `vsecm-safe dev` on DIR (ports picked by the system),
# waits until it is ready; sets started_pid and started_api.
start_safe() {
  local dir=$1 readiness
  shift
  rm -f "$dir/endpoints.json"
  VSECM_SAFE_TLS_PORT=0 VSECM_PROBE_LIVENESS_PORT=0 VSECM_PROBE_READINESS_PORT=0 \
    VSECM_SAFE_METRICS_PORT=0 "$@" "$bin/vsecm-safe" dev --dir "$dir" >>"$dir.log" 2>&1 &
  started_pid=$!
  for _ in $(seq 600); do [[ -f $dir/endpoints.json ]] && break; sleep 0.1; done
  [[ -f $dir/endpoints.json ]] || die "the Safe did not start; see $dir.log"
  started_api=$(json_field "$dir/endpoints.json" api)
  readiness=$(json_field "$dir/endpoints.json" readiness)
  for _ in $(seq 600); do [[ $(http_code "$readiness") == 200 ]] && return; sleep 0.1; done
  die "the Safe did not become ready; see $dir.log"
}
safe=$work/safe
start_safe "$safe"
safe_pid=$started_pid api=$started_api
sentinel=$safe/svid/sentinel
value=$(head -c 100 /dev/zero | tr '\0' 'v')
code=$(http_code --cacert "$sentinel/svid_bundle.pem" --cert "$sentinel/svid.pem" \
  --key "$sentinel/svid_key.pem" -H 'Content-Type: application/json' \
  --data "{\"workloads\":[\"bench\"],\"value\":\"$value\"}" "$api/sentinel/v1/secrets")
[[ $code == 200 ]] || die "upserting the bench secret answered $code"
client=$work/client
"$bin/vsecm-keygen" svid --ca-dir "$safe/ca" --out "$client" \
  --spiffe-id spiffe://vsecm.com/workload/bench/ns/default/sa/bench/n/load >/dev/null
tls=(--cacert "$client/svid_bundle.pem" --cert "$client/svid.pem" --key "$client/svid_key.pem")
[[ $(http_code "${tls[@]}" "$api/workload/v1/secrets") == 200 ]] || die "the bench workload cannot read"
safe_port=${api##*:}
if [[ $nosync == 1 ]]; then
  # The same secret, CA and key, in a directory of its own (the store locks its directory).
  cp -a "$safe" "$work/nosync"
  start_safe "$work/nosync" eatmydata
  nosync_pid=$started_pid nosync_port=${started_api##*:}
  [[ $(http_code "${tls[@]}" "$started_api/workload/v1/secrets") == 200 ]] ||
    die "the bench workload cannot read from the no-fsync Safe"
fi

# ---- nginx: same CA, same key type (P-256) as the Safe's SVID, TLS 1.3, client certificates
ngx=$work/nginx
mkdir -p "$ngx/www" "$ngx/tmp"
chmod 0755 "$ngx" "$ngx/www"
head -c 100 /dev/zero | tr '\0' 'v' >"$ngx/www/secret"
chmod 0644 "$ngx/www/secret"
"$bin/vsecm-keygen" svid --ca-dir "$safe/ca" --out "$ngx/tls" --dns localhost --ip 127.0.0.1 \
  --spiffe-id spiffe://vsecm.com/workload/nginx-bench/ns/default/sa/nginx-bench/n/load >/dev/null
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in $(seq 20); do
  nginx_port=$((20000 + RANDOM % 40000))
  port_in_use "$nginx_port" && continue
  cat >"$ngx/nginx.conf" <<EOF
# worker_processes = cores; keepalive_requests is raised from nginx's default 1000 so that
# keep-alive runs measure requests, not reconnect handshakes (64 connections x 1000 requests
# would run out within a few seconds at nginx's rate).
daemon off;
master_process on;
worker_processes $cores;
pid $ngx/nginx.pid;
error_log $ngx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  client_body_temp_path $ngx/tmp/body;
  proxy_temp_path $ngx/tmp/proxy;
  fastcgi_temp_path $ngx/tmp/fastcgi;
  uwsgi_temp_path $ngx/tmp/uwsgi;
  scgi_temp_path $ngx/tmp/scgi;
  server {
    listen 127.0.0.1:$nginx_port ssl;
    ssl_protocols TLSv1.3;
    ssl_certificate $ngx/tls/svid.pem;
    ssl_certificate_key $ngx/tls/svid_key.pem;
    ssl_client_certificate $safe/ca/ca.pem;
    ssl_verify_client on;
    ssl_verify_depth 2;
    root $ngx/www;
    location = /secret { default_type application/octet-stream; }
  }
}
EOF
  "$nginx_bin" -p "$ngx" -c "$ngx/nginx.conf" -e "$ngx/error.log" &
  nginx_pid=$!
  for _ in $(seq 50); do [[ $(http_code "${tls[@]}" "https://127.0.0.1:$nginx_port/secret") == 200 ]] && break; sleep 0.1; done
  [[ $(http_code "${tls[@]}" "https://127.0.0.1:$nginx_port/secret") == 200 ]] && break
  kill "$nginx_pid" 2>/dev/null; wait "$nginx_pid" 2>/dev/null || true; nginx_pid=""
done
[[ -n $nginx_pid ]] || die "nginx did not start; see $ngx/error.log"
# Without a certificate nginx completes the handshake and answers 400; the Safe refuses the
# handshake itself. Either way nothing is served.
[[ $(http_code "https://127.0.0.1:$nginx_port/secret" --cacert "$client/svid_bundle.pem") != 200 ]] ||
  die "nginx served a client without a certificate"

# ---- runs
hz=$(getconf CLK_TCK)
# CPU ticks (user + system) of a process and its direct children (nginx's workers).
cpu_ticks() {
  local total=0 pid stat
  for pid in "$1" $(pgrep -P "$1" || true); do
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    stat=${stat##*) }
    set -- $stat
    total=$((total + ${12} + ${13}))
  done
  echo "$total"
}
results=$work/results.txt
run_one() {  # label pid port path mode concurrency
  local before after out line
  before=$(cpu_ticks "$2")
  out=$("$bin/vsecm_safe_load" --label "$1" --port "$3" --path "$4" --mode "$5" \
    --connections "$6" --threads "$threads" --duration "$duration" --warmup "$warmup" \
    --svid-dir "$client") || { echo "$out"; die "$1 $5 run failed"; }
  after=$(cpu_ticks "$2")
  echo "$out" | sed '/^RESULT/d'
  line=$(echo "$out" | grep '^RESULT')
  # Server CPU in cores: its CPU time over the run's wall time (warm-up included).
  local cpu
  cpu=$(awk -v t=$((after - before)) -v hz="$hz" -v s="$(awk -v d="$duration" -v w="$warmup" 'BEGIN{print d+w}')" \
    'BEGIN{printf "%.2f", t / hz / s}')
  local per_cpu
  per_cpu=$(echo "$line" | sed -n 's/.* rate=\([^ ]*\).*/\1/p' |
    awk -v c="$cpu" '{ if (c > 0) printf "%.0f", $1 / c; else print 0 }')
  echo "$line server_cpu=$cpu per_cpu=$per_cpu" >>"$results"
}

nosync_note="(not run: NOSYNC=0 or eatmydata missing)"
[[ $nosync == 1 ]] && nosync_note="$started_api/workload/v1/secrets (pid $nosync_pid)"
cat <<NOTE
Machine: $cores cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)
NOTE: the load generator ($threads client threads) shares these $cores cores with the server under
test (and with anything else running on the machine), so every figure is lower than with a
dedicated client, and handshake figures include the client's own signing and verification.
"server CPU" is the server's CPU time over the run's wall time; "per server CPU-second" divides
the rate by it, which is steadier than the rate when the cores are contended.
All servers get the same client, certificates (P-256 from one development CA), TLS 1.3, X25519.
What is served differs: the Safe checks the SPIFFE ID, answers JSON {data,created,updated}
(193 bytes) around the 100-byte secret, and appends an audit line per read, fdatasync'ed before
the answer; nginx (worker_processes $cores, access_log off, keepalive_requests 1000000) sends a
100-byte file. A client without a certificate: the Safe refuses the handshake, nginx answers 400.
  Safe:            $api/workload/v1/secrets (pid $safe_pid)
  Safe (no fsync): $nosync_note
  nginx $("$nginx_bin" -v 2>&1 | cut -d/ -f2):     https://127.0.0.1:$nginx_port/secret (pid $nginx_pid)

NOTE
servers=(safe nginx)
[[ $nosync == 1 ]] && servers+=(nosync)
for round in $(seq "$rounds"); do
  [[ $rounds -gt 1 ]] && echo "---- round $round of $rounds"
  # Alternate the order so a drift in background load does not always favour one server.
  order=("${servers[@]}")
  (( round % 2 == 0 )) && order=($(printf '%s\n' "${servers[@]}" | tac))
  for mode in keepalive newconn; do
    concurrency=$connections
    [[ $mode == newconn ]] && concurrency=$loops
    for server in "${order[@]}"; do
      case $server in
        safe) run_one safe "$safe_pid" "$safe_port" /workload/v1/secrets "$mode" "$concurrency" ;;
        nosync) run_one nosync "$nosync_pid" "$nosync_port" /workload/v1/secrets "$mode" "$concurrency" ;;
        nginx) run_one nginx "$nginx_pid" "$nginx_port" /secret "$mode" "$concurrency" ;;
      esac
    done
  done
done

# ---- table (medians over rounds)
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "-"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
stat_of() { grep "label=$1 mode=$2 " "$results" | field "$3" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b > 0) printf "%.2f", a / b; else print "-" }'; }
echo
echo "Safe vs nginx, mutual TLS 1.3 on loopback, $cores shared cores; medians of $rounds round(s) of ${duration} s"
printf '%-30s %10s %10s %11s %16s %12s\n' "" "Safe" "nginx" "Safe/nginx" "Safe (no fsync)" "no-fsync/nginx"
for mode in keepalive newconn; do
  if [[ $mode == keepalive ]]; then
    title="keep-alive GET, $connections connections"; unit="req/s"
  else
    title="new connections, $loops loops"; unit="handshakes/s"
  fi
  echo "$title"
  for metric in rate p50_ms p99_ms server_cpu per_cpu errors; do
    s=$(stat_of safe $mode $metric)
    n=$(stat_of nginx $mode $metric)
    x=$(stat_of nosync $mode $metric)
    case $metric in
      rate) name="  $unit" ;;
      p50_ms) name="  p50 latency (ms)" ;;
      p99_ms) name="  p99 latency (ms)" ;;
      server_cpu) name="  server CPU (cores busy)" ;;
      per_cpu) name="  per server CPU-second" ;;
      errors) name="  errors" ;;
    esac
    printf '%-30s %10s %10s %11s %16s %12s\n' "$name" "$s" "$n" "$(ratio "$s" "$n")" "$x" "$(ratio "$x" "$n")"
  done
done
