#!/usr/bin/env bash
# Builds Helm, the real program the chart tests (tests/deploy/, ctest -L helm) run, from its Go
# module at a pinned version: helm.sh/helm/v4/cmd/helm at HELM_VERSION, never a downloaded binary.
# Built once per machine into $VSECM_PEER_CACHE/helm-VERSION/bin/helm (see lib.sh); a second run
# finds it built and builds nothing. scripts/setup.sh runs it.
#
#   bash scripts/peers/helm.sh                 build (or find built) and print helm's build info
#   bash scripts/peers/helm.sh --print-path    print where the binary is (built or not) and exit
#   bash scripts/peers/helm.sh --version       print the pinned version and exit
set -euo pipefail

HELM_VERSION=v4.3.2
HELM_MODULE=helm.sh/helm/v4

source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

helm_bin="$(peer_dir helm "$HELM_VERSION")/bin/helm"

case ${1:-} in
  --print-path) echo "$helm_bin"; exit 0 ;;
  --version) echo "$HELM_VERSION"; exit 0 ;;
  "") ;;
  *) echo "usage: $0 [--print-path|--version]" >&2; exit 2 ;;
esac

go_build_tools helm "$HELM_VERSION" "$HELM_MODULE@$HELM_VERSION" "$HELM_MODULE/cmd/helm"

# The binary must be the pinned module version (Go records it; `helm version` says only v4.3
# without Helm's release ldflags).
if ! "$(peer_go)" version -m "$helm_bin" | grep -qP "^\tmod\t${HELM_MODULE//./\\.}\t${HELM_VERSION//./\\.}\t"; then
  echo "peers: $helm_bin is not $HELM_MODULE $HELM_VERSION:" >&2
  "$(peer_go)" version -m "$helm_bin" | head -3 >&2
  exit 1
fi
echo "peers: helm $("$helm_bin" version --template '{{ .Version }} ({{ .GoVersion }})') from $HELM_MODULE $HELM_VERSION at $helm_bin"
