#!/usr/bin/env bash
# Screen tests: run the real program in tmux, read the screen with
# capture-pane, type with send-keys.  Usage: test_screen.sh SKEWTOP SOURCE_ROOT
set -u
skewtop=$1
root=$2
demo=$root/sample_data/lending_club.csv
socket=skewtop-test-$$
work=$(mktemp -d)
tm() { tmux -L "$socket" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$work"' EXIT

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok - $1"; }
fail() {
    failed=$((failed + 1))
    echo "not ok - $1"
    echo "# screen was:"
    tm capture-pane -p -t test 2>/dev/null | sed 's/^/#   /'
}

screen() { tm capture-pane -p -t test; }

# wait_for PATTERN [SECONDS]: waits until the screen matches PATTERN.
wait_for() {
    local deadline=$((SECONDS + ${2:-20}))
    while [ $SECONDS -lt $deadline ]; do
        screen | grep -q -- "$1" && return 0
        sleep 0.1
    done
    return 1
}

# check_screen NAME PATTERN [SECONDS]
check_screen() {
    if wait_for "$2" "${3:-20}"; then pass "$1"; else fail "$1: '$2' not on screen"; fi
}

alternate_on() { tm display-message -p -t test '#{alternate_on}'; }

# start_shell LANG: a plain shell in a fresh 80x24 session.
start_shell() {
    tm kill-server 2>/dev/null
    # A server that is still shutting down refuses new sessions; retry.
    local tries
    for tries in $(seq 50); do
        tm new-session -d -s test -x 80 -y 24 -c "$work" \
            "env -i PATH=/usr/bin:/bin HOME=$work TERM=screen LANG=$1 NO_COLOR=${2:-} bash --norc --noprofile" \
            2>/dev/null && tm has-session -t test 2>/dev/null && break
        sleep 0.1
    done
    tm set-option -t test status off >/dev/null
    wait_for '\$' 10 || true
}

# run_skewtop ARGS: types the command and an exit-status echo.
run_skewtop() {
    tm send-keys -t test "clear; '$skewtop' $* ; echo EXIT=\$?" Enter
}

confusion_row() { screen | grep -m1 -E '^.bad +[0-9]+ +[0-9]+' | cut -c1-24 | tr -s ' '; }

echo "# overview at 80x24, threshold keys, resize, quit"
start_shell C.UTF-8
run_skewtop train "'$demo'" --target Class --epochs 40 --epoch-delay 50
check_screen "first epoch arrives" "epoch [1-9][0-9]*/40"
check_screen "loss panel is drawn" "loss"
check_screen "histogram panel is drawn" "P(positive) by true class"
check_screen "prior-only line is named" "prior"
check_screen "findings panel is drawn" "findings"
check_screen "training ends" "epoch 40/40 done" 60
if [ "$(alternate_on)" = 1 ]; then pass "screen uses the alternate screen"; else fail "alternate screen is off while running"; fi

before=$(confusion_row)
tm send-keys -t test Left Left Left Left Left Left Left Left Left Left
check_screen "threshold moved left by 0.10" "threshold 0.400"
tm send-keys -t test 0
check_screen "0 resets the threshold" "threshold 0.500"
tm send-keys -t test L L
check_screen "L moves by 0.001" "threshold 0.502"
tm send-keys -t test o
check_screen "o jumps to the best F1 threshold" "threshold 0\.0[0-9]* .*f1 best at"
after=$(confusion_row)
if [ -n "$before" ] && [ -n "$after" ] && [ "$before" != "$after" ]; then
    pass "confusion matrix changes with the threshold"
else
    fail "confusion matrix did not change: '$before' -> '$after'"
fi
tm send-keys -t test '?'
check_screen "? shows the keys" "keys (any key closes)"
tm send-keys -t test x
sleep 0.3
if screen | grep -q "keys (any key closes)"; then fail "help did not close"; else pass "any key closes the help"; fi

tm send-keys -t test Tab
check_screen "Tab shows the ROC and PR curves" "PR, AP"
tm send-keys -t test Tab
check_screen "Tab shows the calibration view" "reliability"
check_screen "calibration view states the ECE" "ECE 0\."
tm send-keys -t test Tab
check_screen "Tab shows the runs view" "runs, each at its own threshold"
tm send-keys -t test Tab
check_screen "Tab returns to the overview" "P(positive) by true class"
check_screen "metrics show bootstrap intervals" "metrics, 95 % CI"

tm resize-window -t test -x 60 -y 20
check_screen "small terminal gets a message" "terminal too small: 60x20"
tm resize-window -t test -x 80 -y 24
check_screen "overview returns at 80x24" "P(positive) by true class"
tm resize-window -t test -x 120 -y 40
check_screen "overview fills 120x40" "P(positive) by true class"
tm resize-window -t test -x 80 -y 24

tm send-keys -t test q
check_screen "q exits with status 0" "EXIT=0"
if [ "$(alternate_on)" = 0 ]; then pass "q leaves the alternate screen"; else fail "still in the alternate screen after q"; fi

echo "# remedies start new runs"
start_shell C.UTF-8
run_skewtop train "'$demo'" --target Class --epochs 20 --epoch-delay 20
check_screen "remedies: first run trains" "epoch [0-9]*/20"
tm send-keys -t test w
check_screen "w starts a weighted run" "run 2 started: weights balanced"
check_screen "title counts the runs" "run 2/2"
check_screen "weighted run states its weights" "loss, weights 0\.5[0-9]*:9\.5"
tm send-keys -t test f
check_screen "f starts a focal run" "run 3 started: weights balanced, focal"
tm send-keys -t test Tab Tab Tab
check_screen "runs view lists the baseline" "1 baseline"
check_screen "runs view lists the weighted run" "2 weights ba"
check_screen "runs view overlays the losses" "validation loss of each run"
tm send-keys -t test '['
check_screen "[ switches to the previous run" "run 2/3"
tm send-keys -t test Tab
check_screen "runs view returns to the overview" "P(positive) by true class"
tm send-keys -t test r
check_screen "r starts a resampled run" "run 4 started: weights balanced, resample over"
tm send-keys -t test '[' '[' c
check_screen "c recalibrates the weighted run" "weights balanced + prior_shift"
tm send-keys -t test Tab Tab
check_screen "calibration view compares before and after" "before: ECE"
tm send-keys -t test c
check_screen "c again fits Platt scaling" "+ platt"
tm send-keys -t test o e
check_screen "e exports the operating point" "exported the operating point"
if [ -s "$work/skewtop-operating-point.json" ] \
   && jq -e '.calibration.kind == "platt" and .criterion == "f1"' \
        "$work/skewtop-operating-point.json" >/dev/null; then
    pass "export holds the calibration and criterion"
else
    fail "export file missing or incomplete"
fi
tm send-keys -t test q
check_screen "q exits after remedies" "EXIT=0"

echo "# inspect"
awk 'BEGIN { srand(9); print "y,a,b"; for (i = 0; i < 3000; i++) {
    y = (rand() < 0.04); printf "%d,%.5f,%.5f\n", y, rand() * 0.6 + y * 0.4, rand() } }' \
    > "$work/preds.csv"
start_shell C.UTF-8
run_skewtop inspect "'$work/preds.csv'" --label y --score a,b
check_screen "inspect shows the histograms" "P(positive) by true class"
check_screen "inspect title names the run" "inspect .*run 1/2: a"
if screen | grep -q "─ loss"; then fail "inspect shows a loss panel"; else pass "inspect has no loss panel"; fi
tm send-keys -t test ']'
check_screen "] switches to the second score column" "run 2/2: b"
tm send-keys -t test w
check_screen "remedy keys explain themselves in inspect" "remedies need a training run"
tm send-keys -t test p
check_screen "p swaps the classes of a file's run" "inspect .*run 3/3: b, '0' positive"
tm send-keys -t test p
check_screen "p again returns to the run it swapped" "run 2/3: b$"
tm send-keys -t test p
check_screen "a third p shows the same swap again" "run 3: '0' is the positive class"
check_screen "the swap is not made twice" "run 3/3: b, '0' positive"
tm send-keys -t test c
check_screen "c fits Platt scaling to a file's run" "run 4/4: b, '0' positive + platt"
tm send-keys -t test q
check_screen "inspect exits with status 0" "EXIT=0"

echo "# inspect: histogram bars of smooth scores are even"
# bar_spread: the tallest minus the shortest bar, in eighths of a row, over
# the first 40 columns of the upper half of the histogram panel.  At 120x40,
# bars regrouped from 512 finer bins into columns of 4 or 5 differ by a
# fifth, about 12 eighths.  Evenly spaced scores give every column the same
# count, give or take one score, so honest bars differ by at most 1.
bar_spread() {
    local LC_ALL=C.UTF-8 lines i start=-1 end=-1
    mapfile -t lines < <(screen)
    for i in "${!lines[@]}"; do
        if [ "$start" -lt 0 ]; then
            case ${lines[$i]} in *"by true class"*) start=$((i + 1)) ;; esac
        elif [[ ${lines[$i]} == *"'1' n="* ]]; then
            end=$i
            break
        fi
    done
    [ "$start" -ge 0 ] && [ "$end" -gt "$start" ] || { echo 999; return; }
    local col row cell height min=99999 max=0
    for col in $(seq 1 40); do
        height=0
        for ((row = start; row < end; row++)); do
            cell=${lines[$row]:$col:1}
            case $cell in
            █) height=$((height + 8)) ;; ▇) height=$((height + 7)) ;;
            ▆) height=$((height + 6)) ;; ▅) height=$((height + 5)) ;;
            ▄) height=$((height + 4)) ;; ▃) height=$((height + 3)) ;;
            ▂) height=$((height + 2)) ;; ▁) height=$((height + 1)) ;;
            esac
        done
        [ "$height" -lt "$min" ] && min=$height
        [ "$height" -gt "$max" ] && max=$height
    done
    echo $((max - min))
}
awk 'BEGIN { print "y,s"; for (i = 0; i < 120000; i++)
    printf "%d,%.9f\n", (i % 3 == 0), (i + 0.5) / 120000 }' > "$work/uniform.csv"
start_shell C.UTF-8
tm resize-window -t test -x 120 -y 40
run_skewtop inspect "'$work/uniform.csv'"
check_screen "inspect draws the uniform scores" "'1' n="
spread=$(bar_spread)
if [ "$spread" -le 2 ]; then
    pass "histogram bars of uniform scores are even (spread $spread eighths)"
else
    fail "histogram bars of uniform scores differ by $spread eighths"
fi
check_screen "inspect notes how the file was read" "1 note (? lists them): Column 'y' was read as the label"
tm send-keys -t test '?'
check_screen "help of a file's run lists the notes" "How the file was read:"
if screen | grep -q "w f b r"; then
    fail "help of a file's run lists the training keys"
else
    pass "help of a file's run leaves out the training keys"
fi
tm send-keys -t test x
tm send-keys -t test q
check_screen "inspect of uniform scores exits" "EXIT=0"

echo "# inspect: recalibrating margins"
awk 'BEGIN { srand(11); print "y,margin"; for (i = 0; i < 4000; i++) {
    y = (rand() < 0.1); printf "%d,%.4f\n", y, 3 * (rand() - 0.5) + 2.5 * y - 1 } }' \
    > "$work/margins.csv"
start_shell C.UTF-8
run_skewtop inspect "'$work/margins.csv'"
check_screen "margins start at threshold 0" "threshold 0.000"
tm send-keys -t test c
check_screen "c fits Platt scaling to margins" "run 2/2: margin + platt"
check_screen "the probabilities start at threshold 0.5" "threshold 0.500"
tm send-keys -t test c
check_screen "c again fits isotonic regression" "run 3/3: margin + isotonic"
tm send-keys -t test c
check_screen "c a third time returns to the margins" "run 1/3: margin"
check_screen "the margins keep their threshold" "threshold 0.000"
tm send-keys -t test c
check_screen "c shows the Platt run again" "run 2: margin + platt"
check_screen "no map is fitted twice" "run 2/3: margin + platt"
tm send-keys -t test q
check_screen "inspect of margins exits" "EXIT=0"

echo "# the demo lesson, completed with keys"
start_shell C.UTF-8
run_skewtop --epoch-delay 10
check_screen "the demo states its goal" "Catch half of the bad loans"
check_screen "the demo finishes training" "epoch 30/30 done"
tm send-keys -t test NPage NPage NPage NPage Left Left Left Left
check_screen "the goal is reached" "lesson threshold complete"
check_screen "the lesson explains why" "The threshold, not the model"
tm send-keys -t test x
check_screen "the findings panel says the goal was reached" "Goal reached"
tm send-keys -t test q
check_screen "q exits the lesson" "EXIT=0"

echo "# inspect from a pipe: keys come from the terminal"
start_shell C.UTF-8
tm send-keys -t test "clear; cat '$work/preds.csv' | '$skewtop' inspect - --label y --score a; echo EXIT=\$?" Enter
check_screen "piped inspect shows the screen" "inspect  standard input"
tm send-keys -t test Right
check_screen "piped inspect takes keys" "threshold 0.510"
tm send-keys -t test q
check_screen "piped inspect exits with status 0" "EXIT=0"

echo "# inspect: progress while reading, and q stops it"
mkfifo "$work/slow.fifo"
start_shell C.UTF-8
run_skewtop inspect "'$work/slow.fifo'" --label y --score a
# The writer sends half of the rows, then waits, so reading is still going on.
( head -1001 "$work/preds.csv"; sleep 30; tail -n +1002 "$work/preds.csv" ) > "$work/slow.fifo" &
writer=$!
check_screen "progress shows the rows read" "MB read, 1000 rows"
check_screen "progress says how to stop" "q stops reading"
tm send-keys -t test q
check_screen "q stops reading with status 0" "EXIT=0"
if [ "$(alternate_on)" = 0 ]; then pass "stopping leaves the alternate screen"; else fail "alternate screen still on"; fi
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null

echo "# pause and resume"
start_shell C.UTF-8
run_skewtop train "'$demo'" --target Class --epochs 200 --epoch-delay 100
check_screen "training starts" "training"
tm send-keys -t test Space
check_screen "space pauses" "paused"
# An epoch already under way when space was pressed still finishes.
sleep 0.5
paused_at=$(screen | grep -o 'epoch [0-9]*/200' | head -1)
sleep 1
if [ "$(screen | grep -o 'epoch [0-9]*/200' | head -1)" = "$paused_at" ]; then
    pass "no epoch runs while paused"
else
    fail "epochs ran while paused"
fi
tm send-keys -t test Space
check_screen "space resumes" "training"
tm send-keys -t test q
check_screen "q exits after a pause" "EXIT=0"

echo "# signals restore the terminal"
for sig in INT TERM HUP; do
    start_shell C.UTF-8
    run_skewtop train "'$demo'" --target Class --epochs 500 --epoch-delay 100
    check_screen "SIG$sig: screen is up" "P(positive) by true class"
    if [ "$sig" = INT ]; then
        tm send-keys -t test C-c
    else
        pkill -"$sig" -f "$skewtop train $demo" || true
    fi
    want=$((128 + $(kill -l "$sig")))
    if [ "$sig" = INT ]; then
        # bash ends the whole command line when its job dies of SIGINT, so
        # the status is read from $? at the next prompt.
        wait_for '\$ $' 10
        tm send-keys -t test "echo EXIT=\$?" Enter
    fi
    check_screen "SIG$sig: exit status $want" "EXIT=$want"
    if [ "$(alternate_on)" = 0 ]; then pass "SIG$sig leaves the alternate screen"; else fail "SIG$sig left the alternate screen on"; fi
    tm send-keys -t test "stty -a | grep -o ' icanon\| echo ' | tr -d ' ' | tr '\n' +" Enter
    check_screen "SIG$sig: terminal is back in canonical mode with echo" "icanon+echo+"
done

echo "# ASCII fallback and NO_COLOR"
start_shell C 1
run_skewtop train "'$demo'" --target Class --epochs 5
check_screen "ASCII locale draws the overview" "P(positive) by true class"
check_screen "ASCII key hints" "left/right"
tm send-keys -t test q
check_screen "ASCII run exits with status 0" "EXIT=0"

echo "# errors are readable after the screen"
start_shell C.UTF-8
run_skewtop train "'$work/none.csv'" --target Class
check_screen "missing file message in the shell" "skewtop: .*none.csv"
check_screen "missing file exit status 2" "EXIT=2"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
