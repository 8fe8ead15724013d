#!/usr/bin/env bash
# Command-line tests: reports on real data, exit statuses and messages for
# bad usage and bad input.  Usage: test_cli.sh SKEWTOP SOURCE_ROOT
set -u
skewtop=$1
root=$2
demo=$root/sample_data/lending_club.csv
realdata=$root/../shared/realdata
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "not ok - $1"; }

# check NAME COMMAND...: passes when COMMAND succeeds.
check() {
    local name=$1
    shift
    if "$@"; then pass "$name"; else fail "$name"; fi
}

# expect_error NAME STATUS PATTERN ARGS...: runs skewtop with ARGS and
# checks its exit status and that standard error matches PATTERN.
expect_error() {
    local name=$1 want=$2 pattern=$3
    shift 3
    "$skewtop" "$@" >"$work/out" 2>"$work/err" </dev/null
    local got=$?
    if [ "$got" -ne "$want" ]; then
        fail "$name: exit status $got, expected $want; stderr: $(cat "$work/err")"
    elif ! grep -q -- "$pattern" "$work/err"; then
        fail "$name: stderr lacks '$pattern': $(cat "$work/err")"
    else
        pass "$name"
    fi
}

# jq_true NAME FILE FILTER: passes when FILTER yields true on FILE.
jq_true() {
    if [ "$(jq -r "$3" "$2" 2>&1)" = "true" ]; then
        pass "$1"
    else
        fail "$1: $3 is $(jq -r "$3" "$2" 2>&1)"
    fi
}

echo "# help and version"
check "help exits 0" "$skewtop" --help >"$work/help"
check "help names --target" grep -q -- "--target COL" "$work/help"
check "version exits 0" "$skewtop" --version >"$work/version"
check "version names the program" grep -q "^skewtop " "$work/version"

echo "# the demo data, JSON report"
json=$work/demo.json
check "demo data trains in report mode" \
    "$skewtop" train "$demo" --target Class --report=json --output "$json"
for key in data threshold confusion metrics thresholds findings history training run; do
    jq_true "report has key $key" "$json" "has(\"$key\")"
done
for key in accuracy balanced_accuracy precision recall f1 mcc roc_auc average_precision log_loss brier; do
    jq_true "metrics has $key" "$json" ".metrics | has(\"$key\")"
done
for key in tp fp tn fn; do
    jq_true "confusion has $key" "$json" ".confusion.$key >= 0"
done
jq_true "positive label is bad" "$json" '.data.positive_label == "bad"'
jq_true "rows match the file" "$json" '.data.rows == 9857'
jq_true "history has every epoch" "$json" '(.history | length) == 30'
jq_true "recall at 0.5 is below 0.2" "$json" '.metrics.recall < 0.2'
jq_true "ROC AUC shows a useful ranking" "$json" '.metrics.roc_auc > 0.65'
jq_true "confusion sums to the validation rows" "$json" \
    '(.confusion | .tp + .fp + .tn + .fn) == .data.validation.rows'
jq_true "all-scores-one-side fires at 0.5" "$json" \
    '[.findings[].id] | index("all-scores-one-side") != null'
jq_true "threshold-not-optimal fires at 0.5" "$json" \
    '[.findings[].id] | index("threshold-not-optimal") != null'
jq_true "best F1 threshold is reported" "$json" '.thresholds.f1.threshold < 0.5'

echo "# the threshold fix"
fixed=$work/fixed.json
check "threshold near the prevalence" \
    "$skewtop" train "$demo" --target Class --threshold 0.05 --report=json --output "$fixed"
jq_true "recall above 0.5 at the prevalence" "$fixed" '.metrics.recall > 0.5'
jq_true "no all-scores-one-side after the fix" "$fixed" \
    '[.findings[].id] | index("all-scores-one-side") == null'

echo "# the weights fix"
weighted=$work/weighted.json
check "balanced class weights" \
    "$skewtop" train "$demo" --target Class --class-weight balanced --report=json --output "$weighted"
jq_true "balanced weights raise recall at 0.5" "$weighted" '.metrics.recall > 0.5'
jq_true "weights are n / (2 n_c)" "$weighted" \
    '(.training.class_weight.positive - (.data.train.rows / (2 * .data.train.positives)) | fabs) < 1e-9'

echo "# text report and no terminal"
check "no arguments without a terminal prints the text report" \
    sh -c "'$skewtop' > '$work/demo.txt' </dev/null"
check "text report names the positive class" grep -q "positive class 'bad'" "$work/demo.txt"
check "text report lists findings" grep -q "all-scores-one-side" "$work/demo.txt"
check "same seed, same report" sh -c \
    "'$skewtop' train '$demo' --target Class --report=json --seed 7 > '$work/a.json' &&
     '$skewtop' train '$demo' --target Class --report=json --seed 7 > '$work/b.json' &&
     cmp -s '$work/a.json' '$work/b.json'"

echo "# real data"
if [ -d "$realdata" ]; then
    check "ozone trains" "$skewtop" train "$realdata/ozone_onehr.csv" --target class \
        --epochs 3 --report=json --output "$work/ozone.json"
    jq_true "ozone Date column noticed" "$work/ozone.json" \
        '[.data.notices[] | test("Date")] | any'
    jq_true "ozone positive is 1.0" "$work/ozone.json" '.data.positive_label == "1.0"'
    check "mammography trains by column index" "$skewtop" train \
        "$realdata/mammography.csv" --target 7 --epochs 3 --report=json --output "$work/mammo.json"
    jq_true "mammography rows" "$work/mammo.json" '.data.rows == 11183'
    jq_true "mammography positive is 1" "$work/mammo.json" '.data.positive_label == "1"'
else
    echo "# skipped: the real data folder $realdata is absent"
fi

echo "# bad usage and bad input"
printf 'a,b,label\n1,2,x\n3,4,x\n5,6,x\n' > "$work/one_class.csv"
printf 'a,b,label\n1,2,x\n3,4\n5,6,y\n' > "$work/ragged.csv"
printf 'a,b,label\n1,2,"x\n3,4,y\n' > "$work/unterminated.csv"
: > "$work/empty.csv"
printf 'a,b,label\n' > "$work/header_only.csv"
expect_error "missing file" 2 "nope.csv" train "$work/nope.csv" --target label
expect_error "unknown target column" 2 "colour" train "$demo" --target colour
expect_error "single-class file" 2 "x" train "$work/one_class.csv" --target label
expect_error "ragged row" 2 "line 3" train "$work/ragged.csv" --target label
expect_error "unterminated quote" 2 "quote" train "$work/unterminated.csv" --target label
expect_error "empty file" 2 "empty" train "$work/empty.csv" --target label
expect_error "header without rows" 2 "no data rows\|header" train "$work/header_only.csv" --target label
expect_error "train without file" 2 "data file" train
expect_error "train without target" 2 "--target" train "$demo"
expect_error "unknown option" 2 "--frobnicate" train "$demo" --target Class --frobnicate
expect_error "unknown command" 2 "explode" explode
expect_error "negative learning rate" 2 "\-1" train "$demo" --target Class --lr -1
expect_error "zero epochs" 2 "'0'" train "$demo" --target Class --epochs 0
expect_error "val fraction above 1" 2 "'2'" train "$demo" --target Class --val-fraction 2
expect_error "bad class weight" 2 "'heavy'" train "$demo" --target Class --class-weight heavy
expect_error "bad report format" 2 "'xml'" train "$demo" --target Class --report=xml
expect_error "unknown positive label" 2 "maybe" train "$demo" --target Class --positive maybe
expect_error "output over the input" 2 "input file" train "$demo" --target Class \
    --report=json --output "$demo"
expect_error "model not available" 2 "logreg" train "$demo" --target Class --model transformer

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
