#!/usr/bin/env bash
# Builds the Kubernetes peers the kube tests run against, from their Go modules at pinned versions
# (never a downloaded binary), into the peer cache (scripts/peers/lib.sh):
#
#   kube-apiserver, kubectl   k8s.io/kubernetes v1.37.2; its staging modules (k8s.io/api,
#                             k8s.io/client-go, ...) are taken at v0.37.2 through `replace` lines
#                             read from k8s.io/kubernetes@v1.37.2's own go.mod
#   etcd                      go.etcd.io/etcd/server/v3 v3.7.3 (that module's root package is
#                             etcd's main; installed as `server`, linked as `etcd`)
#
#   scripts/peers/kube.sh               build both (idempotent; a second call builds nothing)
#   scripts/peers/kube.sh --print-path  print the folder holding kube-apiserver, kubectl and etcd
#                                       (exit 1 when not built)
#
# A cold build (empty Go build and module caches) took 19 min 44 s on 2 shared cores (630 s of
# CPU, at most 2.9 GB of RAM), and left 3.1 GB in the Go build cache, 0.75 GB in the module cache
# and 0.3 GB of programs; with the caches warm from other builds, 7 min; a rebuild, 33 s.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

KUBE_VERSION=v1.37.2
KUBE_STAGING_VERSION=v0.37.2
ETCD_VERSION=v3.7.3

# All three programs are linked into one folder, so one path serves the tests.
kube_bin() { echo "$(peer_dir kube "$KUBE_VERSION")/all-bin"; }

if [[ ${1:-} == --print-path ]]; then
  if peer_built kubernetes "$KUBE_VERSION" && peer_built etcd "$ETCD_VERSION" &&
    [[ -x $(kube_bin)/etcd ]]; then
    kube_bin
    exit 0
  fi
  exit 1
fi

go=$(peer_go)

# The replace lines: every `k8s.io/X => ./staging/src/k8s.io/X` of kubernetes' go.mod, pointed at
# the published k8s.io/X at the staging version.
mod=$(cd /tmp && GOFLAGS=-mod=mod "$go" mod download -json "k8s.io/kubernetes@$KUBE_VERSION" |
  sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
mapfile -t replaces < <(sed -n 's#^[[:space:]]*\(k8s\.io/[^ ]*\) => \./staging/src/.*#\1#p' "$mod" |
  while read -r m; do echo "$m=$m@$KUBE_STAGING_VERSION"; done)
if ((${#replaces[@]} == 0)); then
  echo "kube: found no staging replace lines in $mod" >&2
  exit 1
fi

# Built outside Kubernetes' own build scripts, the programs would say v0.0.0-master, which
# kubectl, Helm (.Capabilities.KubeVersion) and the API server's /version then report: stamp the
# version as `make` does.
kv=k8s.io/component-base/version
minor=${KUBE_VERSION#v1.}
minor=${minor%%.*}
PEER_LDFLAGS="-X $kv.gitVersion=$KUBE_VERSION -X $kv.gitMajor=1 -X $kv.gitMinor=$minor -X $kv.gitTreeState=clean" \
  go_build_tools kubernetes "$KUBE_VERSION" "k8s.io/kubernetes@$KUBE_VERSION" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl -- "${replaces[@]}"
go_build_tools etcd "$ETCD_VERSION" "go.etcd.io/etcd/server/v3@$ETCD_VERSION" go.etcd.io/etcd/server/v3

out=$(kube_bin)
mkdir -p "$out"
ln -sf "$(peer_dir kubernetes "$KUBE_VERSION")/bin/kube-apiserver" "$out/kube-apiserver"
ln -sf "$(peer_dir kubernetes "$KUBE_VERSION")/bin/kubectl" "$out/kubectl"
ln -sf "$(peer_dir etcd "$ETCD_VERSION")/bin/server" "$out/etcd"
echo "kube: kube-apiserver, kubectl and etcd in $out"
