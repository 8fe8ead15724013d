#!/bin/bash
# Measures how fast skewtop's screen reacts to a key while an LSTM trains.
#
# Usage: bench/run_responsiveness.sh [BUILD_DIR] [PRESSES] [DATA]
#   BUILD_DIR  a configured meson build directory (default: build)
#   PRESSES    threshold key presses to time during training (default: 50)
#   DATA       panel CSV to train on (default: the full-scale panel that
#              make-panel --full writes, 169,200 rows, made in a temporary
#              directory)
#
# Starts `skewtop train DATA --target paid --model lstm --window 12
# --time-col month --group-col entity --epochs 200` in a private tmux server
# at 80x24, waits for the first epoch, then runs key_latency.py: it presses
# Right (or Left near the end of the range) and polls capture-pane every
# 2 ms until the "threshold 0.xxx" text changes.  Prints the median, the
# 90th percentile and the slowest latencies while training runs and again
# with training paused.  The target is a key-to-redraw time under 50 ms.
#
# The figures include tmux's own latency: send-keys has to reach tmux and be
# written to skewtop's terminal, tmux has to read and parse the redraw, and
# the 2 ms polling adds up to one interval plus one capture-pane round trip.
# The paused phase measures that floor on the same screen.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
presses=${2:-50}
data=${3:-}
case $build in
/*) ;;
*) build=$root/$build ;;
esac

# Seconds to wait for the first epoch of the full panel to reach the screen.
startup_timeout=180
target_ms=50

ninja -C "$build" skewtop make-panel >/dev/null

work=$(mktemp -d)
socket=skewtop-bench-$$
tm() { tmux -L "$socket" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null || true; rm -rf "$work"' EXIT

if [ -z "$data" ]; then
    data=$work/panel_full.csv
    "$build/make-panel" --full --output "$data"
fi

command="'$build/skewtop' train '$data' --target paid --model lstm --window 12"
command+=" --time-col month --group-col entity --epochs 200"
tm new-session -d -s bench -x 80 -y 24 -c "$work" \
    "env TERM=screen-256color LANG=C.UTF-8 $command"
tm set-option -t bench status off >/dev/null

deadline=$((SECONDS + startup_timeout))
until tm capture-pane -p -t bench 2>/dev/null | grep -q 'epoch [1-9][0-9]*/200'; do
    if [ $SECONDS -ge $deadline ]; then
        echo "run_responsiveness.sh: no finished epoch on the screen after" \
            "${startup_timeout} s; the screen was:" >&2
        tm capture-pane -p -t bench >&2 || true
        exit 1
    fi
    sleep 0.5
done

cpu=$(lscpu | sed -n 's/^Model name: *//p')
echo "$cpu, $(nproc) CPUs; tmux $(tmux -V | cut -d' ' -f2); 80x24;" \
    "$(wc -l <"$data") lines of $(basename "$data")"
echo "command: skewtop train $(basename "$data") --target paid --model lstm --window 12" \
    "--time-col month --group-col entity --epochs 200"
/usr/bin/python3 "$root/bench/key_latency.py" "$socket" bench "$presses" "$target_ms"
