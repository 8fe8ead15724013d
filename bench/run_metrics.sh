#!/bin/bash
# Builds bench_metrics against a meson build of skewtop and runs the metrics
# benchmark (bench/run_metrics.py) side by side with scikit-learn.
#
# Usage: bench/run_metrics.sh [BUILD_DIR] [N ...]
#   BUILD_DIR  a configured meson build directory (default: build)
#   N          score counts (default: 1e6 1e7)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
shift || true
case $build in
/*) ;;
*) build=$root/$build ;;
esac

ninja -C "$build" libskewtop-core.a >/dev/null
binary=$build/bench_metrics
cc -std=c11 -O2 -D_DEFAULT_SOURCE -I"$root/include" \
    "$root/bench/bench_metrics.c" "$build/libskewtop-core.a" \
    $(pkg-config --cflags --libs gsl) -lm -o "$binary"

# Debian's interpreter, which has python3-sklearn.
exec /usr/bin/python3 "$root/bench/run_metrics.py" "$binary" "$@"
