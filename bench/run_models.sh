#!/bin/bash
# Times one training epoch of skewtop's LSTM and MLP next to PyTorch's on the
# same architecture, batch size and thread count, and prints the ratios.
#
# Usage: bench/run_models.sh [BUILD_DIR] [ROWS]
#   BUILD_DIR  a configured meson build directory (default: build); a
#              release build (-Dbuildtype=release) gives the figures to quote
#   ROWS       sequences of 12 steps x 8 features (default: 170000)
#
# Builds bench_models.c against BUILD_DIR/libskewtop-core.a with the CBLAS
# that the build chose (OpenBLAS or gslcblas, from BUILD_DIR/config.h).
# Then, for the LSTM and the MLP at batches 12 and 128, it runs one after
# another: skewtop (float64), PyTorch float32 (its usual type) and PyTorch
# float64 (like for like).  Both tools may use THREADS threads: PyTorch through
# torch.set_num_threads, skewtop's OpenBLAS through OPENBLAS_NUM_THREADS
# (skewtop's own training loop is single-threaded).  The targets compare
# with PyTorch float32.  Prints MISSED: lines and exits 1 when a target is
# not met.  Needs Debian's python3-torch for /usr/bin/python3.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
rows=${2:-170000}
case $build in
/*) ;;
*) build=$root/$build ;;
esac

threads=2
batches="12 128"
# skewtop seconds / PyTorch float32 seconds, at most, per batch size.
declare -A target=([12]=0.2 [128]=0.5)

if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    echo "run_models.sh: /usr/bin/python3 cannot import torch;" \
        "install it with: apt-get install -y python3-torch" >&2
    exit 1
fi

ninja -C "$build" libskewtop-core.a >/dev/null
if grep -q '#define SKEWTOP_BLAS "openblas"' "$build/config.h"; then
    blas=openblas
    blas_libs="-lgsl $(pkg-config --libs openblas)"
else
    blas=gslcblas
    blas_libs=$(pkg-config --libs gsl)
fi
binary=$build/bench_models
# shellcheck disable=SC2046,SC2086  # the flags are separate words
cc -std=c11 -O2 -D_DEFAULT_SOURCE -I"$root/include" $(pkg-config --cflags gsl) \
    "$root/bench/bench_models.c" "$build/libskewtop-core.a" \
    $blas_libs -lcsv -ljansson -lpthread -lm -o "$binary"

export OPENBLAS_NUM_THREADS=$threads

# Prints the value of `key` in the "key value" output of a benchmark run.
value() {
    awk -v key="$2" '$1 == key { print $2 }' <<<"$1"
}

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'
}

torch_version=$(/usr/bin/python3 -c 'import torch; print(torch.__version__)')
cpu=$(lscpu | sed -n 's/^Model name: *//p')
echo "$cpu, $(nproc) CPUs; $threads threads each; skewtop float64 with $blas;" \
    "PyTorch $torch_version; $rows sequences of 12 x 8; one epoch, RMSprop"
printf '%-5s %5s %10s %10s %10s %8s %8s %7s\n' model batch "skewtop s" "torch32 s" \
    "torch64 s" "vs 32" "vs 64" target

missed=()
for model in lstm mlp; do
    for batch in $batches; do
        ours=$("$binary" "$model" "$batch" "$rows")
        theirs32=$(/usr/bin/python3 "$root/bench/bench_models.py" "$model" "$batch" \
            float32 "$rows" "$threads")
        theirs64=$(/usr/bin/python3 "$root/bench/bench_models.py" "$model" "$batch" \
            float64 "$rows" "$threads")
        s=$(value "$ours" seconds_per_epoch)
        t32=$(value "$theirs32" seconds_per_epoch)
        t64=$(value "$theirs64" seconds_per_epoch)
        r32=$(ratio "$s" "$t32")
        r64=$(ratio "$s" "$t64")
        printf '%-5s %5s %10.3f %10.3f %10.3f %7sx %7sx %6sx\n' "$model" "$batch" \
            "$s" "$t32" "$t64" "$r32" "$r64" "${target[$batch]}"
        if awk -v r="$r32" -v t="${target[$batch]}" 'BEGIN { exit !(r > t) }'; then
            missed+=("$model batch $batch: ${r32}x PyTorch float32, target <= ${target[$batch]}x")
        fi
    done
done

for line in "${missed[@]}"; do
    echo "MISSED: $line"
done
[ ${#missed[@]} -eq 0 ]
