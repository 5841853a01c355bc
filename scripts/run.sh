#!/usr/bin/env bash
# The README's first command: set up, build, and run the local demo with no cluster: a Safe
# (`vsecm-safe dev`), Sentinel registering a secret with a template and a format, the init
# container returning once it exists, the sidecar writing the rendered secret, a listing,
# probes and metrics, and a clean stop. `vsecm-safe plugins` first shows what the Safe loads.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
build_dir=${VSECM_BUILD_DIR:-build}
echo
echo "== $build_dir/bin/vsecm-safe plugins"
"$build_dir/bin/vsecm-safe" plugins
echo
bash scripts/demo.sh
