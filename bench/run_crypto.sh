#!/usr/bin/env bash
# The crypto benchmark: bench/run_crypto.sh [build-dir] [benchmark options...]
# (bench/run.sh runs it with every other benchmark.)
# Options: --secrets N (10000), --cli-sample N (300), --big-mib N (100), --no-cli.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/build_dir.sh"
shift || true
cmake --build "$build" --target vsecm_crypto_bench
exec "$build/bin/vsecm_crypto_bench" "$@"
