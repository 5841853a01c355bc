#!/usr/bin/env bash
# The README's first command: set up, build, and run the main job — for now, list the plugins
# the Safe can load (`vsecm-safe plugins`), with their kinds, versions, ABI and SHA-256 pins.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
build_dir=${VSECM_BUILD_DIR:-build}
echo
echo "== $build_dir/bin/vsecm-safe plugins"
"$build_dir/bin/vsecm-safe" plugins
