#!/usr/bin/env bash
# The local demo: a whole VSecM round trip on this machine, no cluster, in a few seconds.
#
#   1. start `vsecm-safe dev` in a temporary directory (ports picked by the system)
#   2. start `vsecm-init-container` for a workload: it waits, saying why
#   3. register the workload's secret with `vsecm-sentinel`, with a template and a format
#   4. the init container returns; `vsecm-sidecar --once` writes the rendered secret to a file
#   5. list the secrets, check readiness, show some metrics, stop the Safe with SIGTERM
#
# Binaries come from ${VSECM_BUILD_DIR:-build}/bin (relative to the repository root). Any failed
# step stops the demo with a non-zero exit code; everything it started is stopped and its
# directory removed on the way out.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${VSECM_BUILD_DIR:-build}
case "$build_dir" in /*) ;; *) build_dir="$root/$build_dir" ;; esac
bin="$build_dir/bin"

workload=demo-app
value='{"username":"admin","password":"s3cr3t-demo"}'
template='{"DB_USER":"{{.username}}","DB_PASS":"{{.password}}"}'
expected=$'DB_PASS: s3cr3t-demo\nDB_USER: admin'

if [[ -t 1 ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
section() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
fail() { echo "demo: FAILED: $*" >&2; exit 1; }

for b in vsecm-safe vsecm-keygen vsecm-sentinel vsecm-sidecar vsecm-init-container; do
  [[ -x "$bin/$b" ]] || fail "$bin/$b is missing (build first: bash scripts/build.sh)"
done
command -v curl >/dev/null || fail "curl is not installed (bash scripts/setup.sh installs it)"

# Nothing from the caller's environment may point the demo at another Safe or identity.
while read -r name; do unset "$name"; done < <(env | sed -n 's/^\(\(VSECM\|SPIFFE\)_[A-Za-z0-9_]*\)=.*/\1/p')

demo_dir=$(mktemp -d "${TMPDIR:-/tmp}/vsecm-demo-XXXXXX")
safe_pid=""
init_pid=""
cleanup() {
  local rc=$?
  [[ -n "$init_pid" ]] && kill "$init_pid" 2>/dev/null || true
  if [[ -n "$safe_pid" ]] && kill -0 "$safe_pid" 2>/dev/null; then
    kill -TERM "$safe_pid" 2>/dev/null || true
    wait "$safe_pid" 2>/dev/null || true
  fi
  if [[ $rc -ne 0 && -f "$demo_dir/safe.log" ]]; then
    echo "--- last lines of the Safe's log:" >&2
    tail -n 20 "$demo_dir/safe.log" >&2 || true
  fi
  rm -rf "$demo_dir"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Waits up to $1 seconds for the command after it to succeed.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}
endpoint() { sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p" "$demo_dir/safe/endpoints.json"; }

section "1. Start the Safe (vsecm-safe dev in $demo_dir/safe)"
mkdir -p "$demo_dir/safe" "$demo_dir/workload"
VSECM_SAFE_TLS_PORT=0 VSECM_PROBE_LIVENESS_PORT=0 VSECM_PROBE_READINESS_PORT=0 \
  VSECM_SAFE_METRICS_PORT=0 "$bin/vsecm-safe" dev --dir "$demo_dir/safe" >"$demo_dir/safe.log" 2>&1 &
safe_pid=$!
wait_for 30 test -s "$demo_dir/safe/endpoints.json" || fail "the Safe did not start listening"
api=$(endpoint api)/
readiness=$(endpoint readiness)
metrics=$(endpoint metrics)
ready() { [[ $(curl -s -o /dev/null -w '%{http_code}' "$readiness") == 200 ]]; }
wait_for 30 ready || fail "the Safe did not become ready"
echo "Safe API $api (mutual TLS), readiness $readiness, metrics $metrics"
sentinel=("$bin/vsecm-sentinel" --safe-url "$api" --svid-dir "$demo_dir/safe/svid/sentinel")

section "2. Give the workload '$workload' an identity (SVID from the dev CA)"
spiffe_id="spiffe://vsecm.com/workload/$workload/ns/default/sa/$workload/n/demo-pod"
"$bin/vsecm-keygen" svid --ca-dir "$demo_dir/safe/ca" --spiffe-id "$spiffe_id" \
  --out "$demo_dir/svid/$workload" >/dev/null
[[ -s "$demo_dir/svid/$workload/svid.pem" ]] || fail "no SVID was issued"
echo "$spiffe_id -> $demo_dir/svid/$workload/"
workload_flags=(--safe-url "$api" --svid-dir "$demo_dir/svid/$workload")

section "3. The init container waits: the Safe has no secret for '$workload' yet"
VSECM_INIT_CONTAINER_POLL_INTERVAL=200 "$bin/vsecm-init-container" "${workload_flags[@]}" \
  --timeout 30000 >"$demo_dir/init.log" 2>&1 &
init_pid=$!
waiting() { grep -q "waiting because" "$demo_dir/init.log"; }
wait_for 20 waiting || fail "the init container did not report why it waits"
kill -0 "$init_pid" 2>/dev/null || fail "the init container exited before the secret existed"
grep "waiting because" "$demo_dir/init.log" | sed 's/^/  init: /'

section "4. Register the secret with Sentinel (template + YAML format)"
echo "vsecm-sentinel -w $workload -s '$value' \\"
echo "    -t '$template' -f yaml"
"${sentinel[@]}" -w "$workload" -s "$value" -t "$template" -f yaml

section "5. The init container returns now that the secret exists"
init_rc=0
wait "$init_pid" || init_rc=$?
init_pid=""
[[ $init_rc -eq 0 ]] || fail "the init container exited with $init_rc"
grep "has a secret" "$demo_dir/init.log" | sed 's/^/  init: /'
echo "vsecm-init-container exited 0"

section "6. The sidecar writes the rendered secret for the workload"
secrets_file="$demo_dir/workload/secrets.json"
VSECM_SIDECAR_SECRETS_PATH="$secrets_file" VSECM_SIDECAR_POLL_INTERVAL=200 \
  timeout 30 "$bin/vsecm-sidecar" --once "${workload_flags[@]}" 2>"$demo_dir/sidecar.log" \
  || fail "the sidecar failed: $(tail -n 3 "$demo_dir/sidecar.log")"
grep "wrote the secret" "$demo_dir/sidecar.log" | sed 's/^/  sidecar: /'
echo "$secrets_file (mode $(stat -c %a "$secrets_file")):"
sed 's/^/  | /' "$secrets_file"
[[ "$(cat "$secrets_file")" == "$expected" ]] || fail "the file does not hold the rendered secret"
[[ "$(stat -c %a "$secrets_file")" == 600 ]] || fail "the secrets file is not mode 0600"

section "7. List the secrets with Sentinel (names and dates, never values)"
list=$("${sentinel[@]}" -l)
echo "$list"
grep -q "$workload" <<<"$list" || fail "Sentinel's list does not show $workload"

section "8. Probes and metrics"
code=$(curl -s -o /dev/null -w '%{http_code}' "$readiness")
echo "readiness: HTTP $code"
[[ $code == 200 ]] || fail "the Safe is not ready"
metrics_text=$(curl -sf "$metrics") || fail "cannot read $metrics"
grep -v '^#' <<<"$metrics_text" | grep -E 'request|secret' | head -n 6 || true
[[ -n "$metrics_text" ]] || fail "the metrics are empty"

section "9. Stop the Safe (SIGTERM)"
kill -TERM "$safe_pid"
safe_rc=0
wait "$safe_pid" || safe_rc=$?
safe_pid=""
[[ $safe_rc -eq 0 ]] || fail "the Safe exited with $safe_rc on SIGTERM"
echo "the Safe stopped cleanly (exit 0)"

section "Done: every step passed"
cat <<'NEXT'
Where to look next:
  README.md                       what VSecM-in-C++ is, and how it maps to VSecM
  vsecm-safe dev --dir DIR        keep a local Safe running (Ctrl-C stops it)
  vsecm-sentinel --help           register, list, encrypt and delete secrets
  vsecm-sidecar --help            the sidecar's settings (VSECM_SIDECAR_*)
  vsecm-init-container --help     the init container's settings
  deploy/helm/vsecm/              install on Kubernetes with Helm
NEXT
