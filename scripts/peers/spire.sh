#!/usr/bin/env bash
# Builds SPIRE's spire-server and spire-agent from the github.com/spiffe/spire module at a pinned
# version into the peer cache (see lib.sh), once per machine. The tests under tests/spire run them.
# cgo stays on: SPIRE's SQLite datastore (the one the tests use) is mattn/go-sqlite3, a cgo package.
#
#   scripts/peers/spire.sh               build (or find already built)
#   scripts/peers/spire.sh --print-path  print the folder holding spire-server and spire-agent
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SPIRE_VERSION=v1.13.3

if [[ ${1:-} == --print-path ]]; then
  echo "$(peer_dir spire "$SPIRE_VERSION")/bin"
  exit 0
fi

CGO_ENABLED=1 go_build_tools spire "$SPIRE_VERSION" "github.com/spiffe/spire@$SPIRE_VERSION" \
  github.com/spiffe/spire/cmd/spire-server github.com/spiffe/spire/cmd/spire-agent
