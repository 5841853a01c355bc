#!/usr/bin/env bash
# Builds the real programs the tests run against (Helm, SPIRE, kube-apiserver, etcd) from their
# Go modules at pinned versions, once per machine: each into its own folder of the peer cache,
# keyed by name and version, with a stamp written last. A second call finds the stamp and builds
# nothing. Sourced by the scripts beside it; never downloads a prebuilt binary.
#
#   VSECM_PEER_CACHE   the cache (default /var/cache/vsecm-peers)
#
# The Go toolchain: /usr/local/go when installed (Go 1.26 here), else the go on PATH (Debian
# bookworm's golang-go is Go 1.19, too old for these modules).

VSECM_PEER_CACHE=${VSECM_PEER_CACHE:-/var/cache/vsecm-peers}

peer_go() {
  if [[ -x /usr/local/go/bin/go ]]; then
    echo /usr/local/go/bin/go
  else
    command -v go
  fi
}

# The folder of one peer build: $VSECM_PEER_CACHE/NAME-VERSION (its programs are in bin/).
peer_dir() { echo "$VSECM_PEER_CACHE/$1-$2"; }

# peer_built NAME VERSION: true when that build is complete.
peer_built() { [[ -f $(peer_dir "$1" "$2")/.built ]]; }

# go_build_tools NAME VERSION MODULE@VERSION PACKAGE... [-- REPLACE_LINE...]
#   Makes a throwaway module that requires MODULE at VERSION as a tool dependency (go get -tool,
#   the way the Go module proxy's listing says these programs are taken), adds any `replace`
#   lines given after --, and installs each PACKAGE into $(peer_dir NAME VERSION)/bin.
#   Prints how long it took. Idempotent. PEER_LDFLAGS, when set, is passed to go install as
#   -ldflags (e.g. -X lines that stamp the version a program reports).
go_build_tools() {
  local name=$1 version=$2 module=$3
  shift 3
  local packages=() replaces=()
  while [[ $# -gt 0 && $1 != -- ]]; do packages+=("$1"); shift; done
  [[ ${1:-} == -- ]] && shift
  replaces=("$@")
  local dir
  dir=$(peer_dir "$name" "$version")
  if peer_built "$name" "$version"; then
    echo "peers: $name $version already built in $dir"
    return 0
  fi
  local go
  go=$(peer_go)
  if [[ -z $go ]]; then
    echo "peers: no Go toolchain to build $name $version (expected /usr/local/go/bin/go)" >&2
    return 1
  fi
  local started=$SECONDS
  echo "peers: building $name $version (${packages[*]}) with $("$go" version | cut -d' ' -f3)"
  rm -rf "$dir"
  mkdir -p "$dir/src" "$dir/bin"
  # Each step checked explicitly: set -e would be ignored here when the caller calls this
  # function in a condition (if, ||), and a failed build must never get the stamp.
  (
    cd "$dir/src" || exit 1
    export GOFLAGS=-buildvcs=false GOTOOLCHAIN=local CGO_ENABLED=${CGO_ENABLED:-1}
    "$go" mod init "vsecm.local/peers/$name" >/dev/null 2>&1 || exit 1
    for r in "${replaces[@]}"; do "$go" mod edit -replace "$r" || exit 1; done
    for p in "${packages[@]}"; do "$go" get -tool "$p@${module#*@}" || exit 1; done
    GOBIN=$dir/bin "$go" install ${PEER_LDFLAGS:+-ldflags="$PEER_LDFLAGS"} "${packages[@]}"
  ) || {
    echo "peers: building $name $version failed after $((SECONDS - started)) s" >&2
    return 1
  }
  touch "$dir/.built"
  echo "peers: built $name $version in $((SECONDS - started)) s"
}
