#!/usr/bin/env bash
# Installs exactly what building and testing VSecM needs, from Debian bookworm's packages.
# Idempotent: packages already present are left alone, and apt-get runs only when one is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config  # toolchain
  libboost-dev libboost-filesystem-dev          # Boost.DLL (and the filesystem it links)
  libssl-dev openssl                            # OpenSSL 3: TLS, crypto primitives
  libfmt-dev nlohmann-json3-dev libyaml-cpp-dev # formatting, JSON, YAML configuration
  librocksdb-dev                                # store-rocksdb
  libsqlcipher-dev                              # store-sqlcipher
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc  # SPIFFE Workload API
  curl                                          # end-to-end tests: a stock mTLS client
  yamllint python3-yaml                         # Helm chart checks
  libgtest-dev libgmock-dev                     # GoogleTest
  age                                           # the stock age CLI, for interoperability tests
  clang libclang-rt-14-dev                      # libFuzzer targets
  gdb                                           # gcore: the canary scan of a forced core file
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing packages: ${missing[*]}; run this script as root (it uses apt-get)" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all ${#packages[@]} packages present"
fi

# Real peers: the programs the tests run against, built from their Go modules at pinned
# versions, once per machine (scripts/peers/; one line per peer). The Docker images' build stage
# copies this script alone and needs none of them: without scripts/peers/ they are not built.
peers=$(dirname "${BASH_SOURCE[0]}")/peers
if [[ -d $peers ]]; then
  bash "$peers/helm.sh"
  bash "$peers/kube.sh"
  bash "$peers/spire.sh"
else
  echo "setup: no $peers here (a Docker build stage): real peers not built"
fi
