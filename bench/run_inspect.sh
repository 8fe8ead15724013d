#!/bin/bash
# Builds skewtop and the inspect benchmark helpers in a meson build directory
# and runs bench/run_inspect.py: `skewtop inspect` on a generated label,score
# file side by side with pandas.read_csv + scikit-learn.
#
# Usage: bench/run_inspect.sh [BUILD_DIR] [ROWS] [BINNED_LIMIT]
#   BUILD_DIR     a configured meson build directory (default: build)
#   ROWS          rows of the generated file (default: 1e7)
#   BINNED_LIMIT  --exact-limit of the binned runs (default: 1e6)
# The generated files are kept in $SKEWTOP_BENCH_DATA (default:
# /tmp/skewtop-bench) and reused by later runs.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
shift || true
case $build in
/*) ;;
*) build=$root/$build ;;
esac

ninja -C "$build" skewtop libskewtop-core.a >/dev/null
flags=(-std=c11 -O2 -D_DEFAULT_SOURCE -I"$root/include")
cc "${flags[@]}" "$root/bench/make_inspect_data.c" $(pkg-config --cflags --libs gsl) -lm \
    -o "$build/make_inspect_data"
cc "${flags[@]}" "$root/bench/bench_inspect.c" "$build/libskewtop-core.a" \
    $(pkg-config --cflags --libs gsl) -lcsv -ljansson -lm -lpthread -o "$build/bench_inspect"

# Debian's interpreter, which has python3-pandas and python3-sklearn.
exec /usr/bin/python3 "$root/bench/run_inspect.py" "$build/skewtop" "$build/bench_inspect" \
    "$build/make_inspect_data" "${SKEWTOP_BENCH_DATA:-/tmp/skewtop-bench}" "$@"
