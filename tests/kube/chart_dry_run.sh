#!/usr/bin/env bash
# The chart's rendered manifests, checked by the real API server: for every scenario in
# tests/deploy/scenarios that is expected to render (not fail-*), `helm template` with that values
# file, then `kubectl apply --dry-run=server`: each object passes the API server's schema
# validation, defaulting and admission without being stored. The chart's CRDs
# (deploy/helm/vsecm/crds: ClusterSPIFFEID and the other spire.spiffe.io kinds) are installed
# first, for real, and so are the namespaces the manifests name (a dry run cannot create an
# object in a namespace that does not exist). Then the default scenario is applied for real and
# its RBAC asked of the API server's authorizer (see the end).
#
# ServiceMonitor (monitoring.coreos.com/v1) belongs to the Prometheus Operator, which the chart
# does not ship: a stand-in CRD that only declares the kind (any fields accepted) is installed,
# so those objects are checked for their metadata and namespace only.
#
#   chart_dry_run.sh CLUSTER_DIR     exit 77 (skip) without the cluster or a helm binary
set -euo pipefail
cluster=${1:?CLUSTER_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
chart=$root/deploy/helm/vsecm

if [[ -f $cluster/skip || ! -f $cluster/cluster.env ]]; then
  echo "skip: no cluster ($(cat "$cluster/skip" 2>/dev/null || echo "kube.cluster_up did not run"))"
  exit 77
fi
# shellcheck disable=SC1091
source "$cluster/cluster.env"
kubectl() { "$VSECM_KUBE_BIN/kubectl" --kubeconfig "$VSECM_KUBE_ADMIN_KUBECONFIG" --request-timeout=60s "$@"; }

# Helm: $VSECM_HELM, else the one scripts/peers/helm.sh built, else any in the peer cache, else PATH.
helm=${VSECM_HELM:-}
if [[ -z $helm && -f $root/scripts/peers/helm.sh ]]; then
  helm=$(bash "$root/scripts/peers/helm.sh" --print-path 2>/dev/null || true)
  [[ -d $helm ]] && helm=$helm/helm
fi
if [[ -z $helm ]]; then
  for h in "${VSECM_PEER_CACHE:-/var/cache/vsecm-peers}"/helm-*/bin/helm; do [[ -x $h ]] && helm=$h; done
fi
[[ -z $helm ]] && helm=$(command -v helm || true)
if [[ -z $helm || ! -x $helm ]]; then
  echo "skip: no helm binary (build it with scripts/peers/helm.sh, or set VSECM_HELM)"
  exit 77
fi
echo "helm: $helm ($("$helm" version --short 2>/dev/null))"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

kubectl apply --server-side --field-manager=vsecm-test -f "$chart/crds/" >/dev/null
cat >"$work/servicemonitor-crd.yaml" <<'CRD'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: servicemonitors.monitoring.coreos.com
spec:
  group: monitoring.coreos.com
  names: {kind: ServiceMonitor, listKind: ServiceMonitorList, plural: servicemonitors, singular: servicemonitor}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
CRD
kubectl apply --server-side --field-manager=vsecm-test -f "$work/servicemonitor-crd.yaml" >/dev/null
kubectl wait --for condition=established --timeout=120s \
  crd/clusterspiffeids.spire.spiffe.io crd/servicemonitors.monitoring.coreos.com >/dev/null

passed=0
failed=0
# The check itself: an object with an unknown field and a wrongly typed one must be refused
# (kubectl validates strictly by default; the API server does the validating).
cat >"$work/broken.yaml" <<'BAD'
apiVersion: v1
kind: ConfigMap
metadata: {name: broken, namespace: default}
data: {a: b}
dataa: {c: d}
BAD
if kubectl apply --dry-run=server --server-side --field-manager=vsecm-test -f "$work/broken.yaml" \
  >"$work/broken.out" 2>&1; then
  echo "FAIL the dry run accepted a ConfigMap with an unknown field: $(cat "$work/broken.out")"
  failed=$((failed + 1))
else
  echo "ok   a ConfigMap with an unknown field is refused: $(grep -o 'field not declared in schema\|unknown field[^,]*' "$work/broken.out" | head -1)"
fi
for scenario in "$root"/tests/deploy/scenarios/*.yaml; do
  name=$(basename "$scenario" .yaml)
  [[ $name == fail-* ]] && continue
  out=$work/$name.yaml
  if ! "$helm" template vsecm "$chart" --namespace vsecm-system --kube-version v1.37.2 \
    -f "$scenario" >"$out" 2>"$work/$name.err"; then
    echo "FAIL $name: helm template: $(cat "$work/$name.err")"
    failed=$((failed + 1))
    continue
  fi
  # The namespaces it names, created for real.
  for ns in vsecm-system $(python3 - "$out" <<'PY'
import sys, yaml
names = set()
for d in yaml.safe_load_all(open(sys.argv[1])):
    if not isinstance(d, dict):
        continue
    meta = d.get("metadata") or {}
    if d.get("kind") == "Namespace":
        names.add(meta.get("name"))
    elif meta.get("namespace"):
        names.add(meta["namespace"])
print(" ".join(sorted(n for n in names if n)))
PY
  ); do
    kubectl create namespace "$ns" --dry-run=client -o yaml |
      kubectl apply --server-side --field-manager=vsecm-test -f - >/dev/null
  done
  objects=$(grep -c '^kind:' "$out" || true)
  if kubectl apply --dry-run=server --server-side --field-manager=vsecm-test -f "$out" \
    >"$work/$name.apply" 2>&1; then
    echo "ok   $name: $objects objects accepted by kube-apiserver $("$VSECM_KUBE_BIN/kube-apiserver" --version | cut -d' ' -f2) (dry run)"
    passed=$((passed + 1))
  else
    echo "FAIL $name:"
    grep -v ' (server dry run)$' "$work/$name.apply" || cat "$work/$name.apply"
    failed=$((failed + 1))
  fi
done

# The default scenario applied for real (stored, not a dry run) into a namespace of its own, the
# way `helm install` would leave it: every object is then read back, and the chart's RBAC is asked
# through the API server's own authorizer (`kubectl auth can-i --as` the Safe's ServiceAccount):
# the Safe may get and update its root-key Secret and nothing else in its namespace's Secrets;
# Sentinel's ServiceAccount may not read Secrets at all. (No kubelet here: nothing runs a pod.)
release_ns=vsecm-chart-apply
kubectl create namespace "$release_ns" --dry-run=client -o yaml |
  kubectl apply --server-side --field-manager=vsecm-test -f - >/dev/null
"$helm" template vsecm "$chart" --namespace "$release_ns" --kube-version v1.37.2 \
  -f "$root/tests/deploy/scenarios/defaults.yaml" >"$work/applied.yaml"
if kubectl apply --server-side --field-manager=helm -f "$work/applied.yaml" >"$work/applied.out" 2>&1; then
  stored=$(grep -c ' serverside-applied$' "$work/applied.out" || true)
  echo "ok   defaults applied for real into $release_ns: $stored objects stored"
  passed=$((passed + 1))
else
  echo "FAIL defaults, applied for real:"; cat "$work/applied.out"
  failed=$((failed + 1))
fi
for object in statefulset/vsecm-safe deployment/vsecm-sentinel serviceaccount/vsecm-safe \
  role/vsecm-safe-root-key rolebinding/vsecm-safe-root-key secret/vsecm-root-key; do
  if kubectl get -n "$release_ns" "$object" -o name >/dev/null 2>"$work/get.err"; then
    echo "ok   $object is stored"
  else
    echo "FAIL $object was not stored: $(cat "$work/get.err")"
    failed=$((failed + 1))
  fi
done
# can_i EXPECTED SERVICEACCOUNT VERB RESOURCE
can_i() {
  local got
  got=$(kubectl auth can-i --as "system:serviceaccount:$release_ns:$2" -n "$release_ns" "$3" "$4" 2>&1 || true)
  if [[ $got == "$1" ]]; then
    echo "ok   $2 may $3 $4: $got"
  else
    echo "FAIL $2 may $3 $4: expected $1, the API server said $got"
    failed=$((failed + 1))
  fi
}
can_i yes vsecm-safe get secret/vsecm-root-key
can_i yes vsecm-safe update secret/vsecm-root-key
can_i no vsecm-safe delete secret/vsecm-root-key
can_i no vsecm-safe get secret/some-other-secret
can_i no vsecm-safe list secrets
can_i no vsecm-safe create secrets
can_i no vsecm-sentinel get secret/vsecm-root-key
can_i no vsecm-sentinel list secrets
kubectl delete namespace "$release_ns" --wait=false >/dev/null 2>&1 || true

echo "$passed passed, $failed failed"
((failed == 0 && passed > 0))
