#!/usr/bin/env bash
# A real Kubernetes control plane for the kube tests: etcd and kube-apiserver (built by
# scripts/peers/kube.sh) on 127.0.0.1, ports picked free, everything in one folder.
#
#   kube_cluster.sh up DIR     start etcd and kube-apiserver, wait until /readyz answers, write
#                              DIR/admin.kubeconfig (client certificate CN=admin, O=system:masters)
#                              and DIR/cluster.env; when the peers are not built, write DIR/skip
#                              (the tests then skip, saying why) and exit 0
#   kube_cluster.sh down DIR   stop both (SIGTERM, then SIGKILL) by the pids recorded in DIR
#
# The API server: RBAC (and Node) authorization, a client CA for the admin certificate, a
# service-account issuer and key pair (so the TokenRequest API issues tokens), a serving
# certificate for 127.0.0.1 signed by the test CA. No controller-manager or scheduler runs: the
# tests use Secrets, ServiceAccounts, RBAC and TokenRequest, which the API server serves alone.
# Each process runs under `timeout` so none outlives a run that never calls `down`.
set -euo pipefail
cmd=${1:?up|down}
dir=${2:?DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
lifetime=${VSECM_KUBE_LIFETIME:-2h}

stop_pid() {
  local f=$1
  [[ -f $f ]] || return 0
  local pid
  pid=$(cat "$f")
  # Each process is the leader of its own process group (setsid): `timeout` and the program.
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

if [[ $cmd == down ]]; then
  stop_pid "$dir/apiserver.pid"
  stop_pid "$dir/etcd.pid"
  exit 0
fi
[[ $cmd == up ]] || { echo "usage: $0 up|down DIR" >&2; exit 2; }

rm -rf "$dir"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if ! bin=$(bash "$root/scripts/peers/kube.sh" --print-path); then
  echo "kube-apiserver, kubectl and etcd are not built: run scripts/peers/kube.sh" | tee "$dir/skip"
  exit 0
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
etcd_port=$(free_port)
peer_port=$(free_port)
api_port=$(free_port)

# Certificates: a CA that signs the serving certificate and the admin client certificate, and
# the service-account signing key pair.
pki=$dir/pki
mkdir -p "$pki"
(
  cd "$pki"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -keyout ca.key -out ca.crt -subj /CN=vsecm-test-kube-ca 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key \
    -out server.csr -subj /CN=kube-apiserver 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' >server.ext
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
    -extfile server.ext -out server.crt 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout admin.key \
    -out admin.csr -subj "/O=system:masters/CN=admin" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >admin.ext
  openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
    -extfile admin.ext -out admin.crt 2>/dev/null
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key 2>/dev/null
  openssl pkey -in sa.key -pubout -out sa.pub
  chmod 600 ./*.key
)

setsid timeout -s KILL "$lifetime" "$bin/etcd" --name default --data-dir "$dir/etcd-data" \
  --listen-client-urls "http://127.0.0.1:$etcd_port" \
  --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "default=http://127.0.0.1:$peer_port" \
  --listen-metrics-urls "" --log-level warn \
  </dev/null >"$dir/etcd.log" 2>&1 &
echo $! >"$dir/etcd.pid"

setsid timeout -s KILL "$lifetime" "$bin/kube-apiserver" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
  --etcd-servers "http://127.0.0.1:$etcd_port" \
  --cert-dir "$dir/apiserver-certs" \
  --tls-cert-file "$pki/server.crt" --tls-private-key-file "$pki/server.key" \
  --client-ca-file "$pki/ca.crt" \
  --authorization-mode Node,RBAC \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$pki/sa.pub" \
  --service-account-signing-key-file "$pki/sa.key" \
  --service-cluster-ip-range 10.96.0.0/24 --endpoint-reconciler-type none \
  --allow-privileged=true --profiling=false --v=1 \
  </dev/null >"$dir/apiserver.log" 2>&1 &
echo $! >"$dir/apiserver.pid"

cat >"$dir/admin.kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority: $pki/ca.crt
users:
- name: admin
  user:
    client-certificate: $pki/admin.crt
    client-key: $pki/admin.key
contexts:
- name: test
  context: {cluster: test, user: admin}
current-context: test
KC

# Ready: /readyz answers ok to the admin (etcd connected, RBAC bootstrap policy written).
deadline=$((SECONDS + ${VSECM_KUBE_START_TIMEOUT:-300}))
started=$SECONDS
until curl -fsS --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" \
  "https://127.0.0.1:$api_port/readyz" >/dev/null 2>&1; do
  if ((SECONDS > deadline)) || ! kill -0 "$(cat "$dir/apiserver.pid")" 2>/dev/null; then
    echo "kube-apiserver did not become ready; last lines of its log:" >&2
    tail -n 30 "$dir/apiserver.log" >&2
    tail -n 10 "$dir/etcd.log" >&2
    bash "$0" down "$dir"
    exit 1
  fi
  sleep 0.5
done

cat >"$dir/cluster.env" <<ENV
VSECM_KUBE_BIN=$bin
VSECM_KUBE_SERVER=https://127.0.0.1:$api_port
VSECM_KUBE_CA=$pki/ca.crt
VSECM_KUBE_ADMIN_KUBECONFIG=$dir/admin.kubeconfig
ENV
echo "kube: API server ready at https://127.0.0.1:$api_port after $((SECONDS - started)) s ($dir)"
