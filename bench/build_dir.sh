# Sourced by the bench scripts: sets root (the repository) and build (the first argument, else
# $VSECM_BENCH_BUILD_DIR, else build-bench), configured as Release without tests if it is new.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-${VSECM_BENCH_BUILD_DIR:-$root/build-bench}}
if [[ ! -f $build/build.ninja ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVSECM_BUILD_TESTS=OFF
fi
