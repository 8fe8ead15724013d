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

echo "# lessons"
check "demo lists the lessons" sh -c "'$skewtop' demo > '$work/lessons.txt'"
for lesson in threshold weights prior panel leakage few; do
    check "lesson $lesson is listed" grep -q "^  $lesson " "$work/lessons.txt"
done
check "the demo lesson in report mode" sh -c "'$skewtop' --report=json > '$work/lesson.json'"
jq_true "demo: all-scores-one-side at 0.5" "$work/lesson.json" \
    '[.findings[].id] | index("all-scores-one-side") != null'
jq_true "demo: threshold-not-optimal at 0.5" "$work/lesson.json" \
    '[.findings[].id] | index("threshold-not-optimal") != null'
check "the demo with the documented fix" sh -c \
    "'$skewtop' --threshold 0.06 --report=json > '$work/lesson_fixed.json'"
jq_true "fix: no all-scores-one-side" "$work/lesson_fixed.json" \
    '[.findings[].id] | index("all-scores-one-side") == null'
jq_true "fix: no threshold-not-optimal" "$work/lesson_fixed.json" \
    '[.findings[].id] | index("threshold-not-optimal") == null'
jq_true "fix: the lesson goal holds" "$work/lesson_fixed.json" \
    '.metrics.recall >= 0.5 and .metrics.precision >= 0.10'
check "the prior lesson" sh -c "'$skewtop' demo prior --report=json > '$work/prior.json'"
jq_true "prior lesson: learned-prior-only fires" "$work/prior.json" \
    '[.findings[].id] | index("learned-prior-only") != null'
check "the leakage lesson runs both splits" sh -c \
    "'$skewtop' demo leakage --report=json > '$work/leakage.json'"
jq_true "leakage lesson: two runs" "$work/leakage.json" '(.runs | length) == 2'
jq_true "leakage lesson: the random split warns" "$work/leakage.json" \
    '[.runs[0].findings[].id] | index("leakage-risk") != null'
check "the few lesson" sh -c "'$skewtop' demo few --report=json > '$work/few.json'"
jq_true "few lesson: too-few-positives fires" "$work/few.json" \
    '[.findings[].id] | index("too-few-positives") != null'
expect_error "unknown lesson" 2 "skewtop demo" demo nosuchlesson
expect_error "bad cost" 2 "'ten'" train "$demo" --target Class --cost ten
expect_error "bad calibration fraction" 2 "'1.5'" train "$demo" --target Class --calib-fraction 1.5
expect_error "bad resampling" 2 "'sideways'" train "$demo" --target Class --resample sideways
expect_error "export over the input" 2 "input file" train "$demo" --target Class \
    --report=json --export "$demo"

echo "# remedies and criteria in report mode"
check "balanced batches" "$skewtop" train "$demo" --target Class --balanced-batches \
    --report=json --output "$work/bb.json"
jq_true "balanced batches raise recall at 0.5" "$work/bb.json" '.metrics.recall > 0.4'
check "a 10:1 cost" "$skewtop" train "$demo" --target Class --cost 10:1 --report=json \
    --output "$work/cost.json"
jq_true "a higher false-negative cost lowers the cost threshold" "$work/cost.json" \
    ".thresholds.cost.threshold < $(jq .thresholds.cost.threshold "$work/demo.json")"
check "a recall floor" "$skewtop" train "$demo" --target Class --min-recall 0.8 --report=json \
    --output "$work/floor.json"
jq_true "the precision-at-recall threshold moves down" "$work/floor.json" \
    ".thresholds.precision_at_recall.threshold < $(jq .thresholds.precision_at_recall.threshold "$work/demo.json")"
check "export in report mode" "$skewtop" train "$demo" --target Class --threshold 0.06 \
    --report=json --output "$work/r.json" --export "$work/op.json"
jq_true "export: threshold and positive class" "$work/op.json" \
    '.threshold == 0.06 and .positive_label == "bad"'
jq_true "export: metrics with intervals" "$work/op.json" \
    '.intervals.recall.lo <= .metrics.recall and .metrics.recall <= .intervals.recall.hi'
jq_true "export: settings and seed" "$work/op.json" '.training.seed == 1'
check "no temporary file is left behind" sh -c "! ls '$work'/op.json.tmp.* 2>/dev/null"

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

echo "# sequence models on the generated monthly panel"
panel=$root/sample_data/panel.csv
check "LSTM on the panel, label 1 scored" "$skewtop" train "$panel" --target paid --positive 1 \
    --model lstm --hidden 10 --window 12 --optimizer rmsprop --batch 12 --time-col month \
    --group-col entity --report=json --output "$work/lstm.json"
jq_true "LSTM: model named" "$work/lstm.json" '.training.model == "lstm"'
jq_true "LSTM: every window predicted 1 at 0.5" "$work/lstm.json" \
    '.confusion.tn + .confusion.fn <= 2'
jq_true "LSTM: the ranking is real" "$work/lstm.json" '.metrics.roc_auc > 0.7'
jq_true "LSTM: positive-is-majority fires" "$work/lstm.json" \
    '[.findings[].id] | index("positive-is-majority") != null'
check "LSTM on the panel, default positive" "$skewtop" train "$panel" --target paid \
    --model gru --window 6 --time-col month --group-col entity --epochs 5 --report=json \
    --output "$work/gru.json"
jq_true "default positive is the minority 0" "$work/gru.json" '.data.positive_label == "0"'
jq_true "time split: no leakage finding" "$work/gru.json" \
    '[.findings[].id] | index("leakage-risk") == null'
check "random split of windows" "$skewtop" train "$panel" --target paid --window 6 \
    --group-col entity --split random --epochs 3 --report=json --output "$work/leak.json"
jq_true "random split: leakage-risk fires" "$work/leak.json" \
    '[.findings[].id] | index("leakage-risk") != null'
check "MLP on the demo data" "$skewtop" train "$demo" --target Class --model mlp --hidden 8 \
    --epochs 3 --report=json --output "$work/mlp.json"
jq_true "MLP: model named" "$work/mlp.json" '.training.model == "mlp" and .training.hidden == 8'
if [ -d "$realdata" ]; then
    check "LSTM on the ozone series" "$skewtop" train "$realdata/ozone_onehr.csv" --target class \
        --model lstm --window 7 --time-col Date --epochs 3 --report=json --output "$work/ozl.json"
    jq_true "ozone windows: 7 steps" "$work/ozl.json" '[.data.notices[] | test("windows of 7 steps")] | any'
fi

echo "# inspect: labels and scores from any framework"
# 2,000 rows, about 3 % positives; model a ranks well, model b barely.
awk 'BEGIN { srand(3); print "id,y,a,b";
    for (i = 1; i <= 2000; i++) {
        y = (rand() < 0.03); a = rand() * 0.5 + y * 0.45; b = rand() * 0.9 + y * 0.05;
        printf "%d,%d,%.6f,%.6f\n", i, y, a, b } }' > "$work/preds.csv"
awk -F, 'NR > 1 { print $2 "," $3 }' "$work/preds.csv" | sed '1i label,score' > "$work/two.csv"
check "inspect with explicit columns" "$skewtop" inspect "$work/preds.csv" --label y \
    --score a --report=json --output "$work/i1.json"
jq_true "inspect reads every row" "$work/i1.json" '.data.rows == 2000'
jq_true "inspect positive is the minority" "$work/i1.json" '.data.positive_label == "1"'
jq_true "inspect has no training key" "$work/i1.json" 'has("training") | not'
jq_true "inspect confusion sums to rows" "$work/i1.json" \
    '(.confusion | .tp + .fp + .tn + .fn) == 2000'
jq_true "inspect intervals bracket recall" "$work/i1.json" \
    '.intervals.recall.lo <= .metrics.recall and .metrics.recall <= .intervals.recall.hi'
check "inspect by column index" "$skewtop" inspect "$work/preds.csv" --label 2 --score 3 \
    --report=json --output "$work/i2.json"
check "index and name give the same metrics" \
    jq -e '.metrics == input.metrics' "$work/i1.json" "$work/i2.json"
check "inspect auto-detects two columns" "$skewtop" inspect "$work/two.csv" --report=json \
    --output "$work/auto.json"
jq_true "auto-detected report matches" "$work/auto.json" \
    ".metrics.roc_auc == $(jq .metrics.roc_auc "$work/i1.json")"
jq_true "auto-detection is noticed" "$work/auto.json" '[.data.notices[] | test("label")] | any'
check "inspect reads standard input" sh -c \
    "'$skewtop' inspect - --report=json < '$work/two.csv' > '$work/stdin.json'"
jq_true "standard input gives the same metrics" "$work/stdin.json" \
    ".metrics == $(jq -c .metrics "$work/auto.json")"
check "several score columns" "$skewtop" inspect "$work/preds.csv" --label y --score a,b \
    --report=json --output "$work/runs.json"
jq_true "one run per score column" "$work/runs.json" '[.runs[].name] == ["a", "b"]'
jq_true "the better model ranks better" "$work/runs.json" \
    '.runs[0].metrics.roc_auc > .runs[1].metrics.roc_auc'
check "several score columns in text" sh -c \
    "'$skewtop' inspect '$work/preds.csv' --label y --score a,b > '$work/runs.txt'"
check "text report lists the runs" grep -q "^runs at threshold" "$work/runs.txt"

awk -F, 'NR == 1 { print "label,score"; next } { print ($1 == 1 ? 1 : -1) "," $2 }' \
    "$work/two.csv" > "$work/pm.csv"
check "-1/1 labels" "$skewtop" inspect "$work/pm.csv" --report=json --output "$work/pm.json"
jq_true "-1/1 labels keep the metrics" "$work/pm.json" \
    ".metrics.roc_auc == $(jq .metrics.roc_auc "$work/auto.json")"
awk -F, 'NR == 1 { print; next } { print ($1 == 1 ? "churn" : "stay") "," $2 }' \
    "$work/two.csv" > "$work/strings.csv"
check "string labels" "$skewtop" inspect "$work/strings.csv" --report=json --output "$work/s.json"
jq_true "string labels: minority is positive" "$work/s.json" '.data.positive_label == "churn"'

# Scores for class 0 instead of 1: flipping with --score-of gives the same report.
awk -F, 'NR == 1 { print; next } { printf "%s,%.6f\n", $1, 1 - $2 }' "$work/two.csv" > "$work/of0.csv"
check "--score-of flips probabilities" "$skewtop" inspect "$work/of0.csv" --score-of 0 \
    --report=json --output "$work/of0.json"
jq_true "flipped scores match the original" "$work/of0.json" \
    "(.metrics.roc_auc - $(jq .metrics.roc_auc "$work/auto.json") | fabs) < 1e-12"
jq_true "flipping is noticed" "$work/of0.json" '[.data.notices[] | test("1 - ")] | any'
awk -F, 'NR == 1 { print; next } { printf "%s,%.6f\n", $1, 10 * ($2 - 0.5) }' "$work/two.csv" \
    > "$work/margin.csv"
check "margins" "$skewtop" inspect "$work/margin.csv" --report=json --output "$work/margin.json"
jq_true "margins start at threshold 0" "$work/margin.json" '.threshold == 0'
jq_true "margins have no log loss" "$work/margin.json" '.metrics.log_loss == null'
jq_true "margins keep the ranking" "$work/margin.json" \
    "(.metrics.roc_auc - $(jq .metrics.roc_auc "$work/auto.json") | fabs) < 1e-12"
awk -F, 'NR == 1 { print; next } { print ($1 == 1 ? "a" : (NR % 2 ? "b" : "c")) "," $2 }' \
    "$work/two.csv" > "$work/three.csv"
check "one-vs-rest with --positive" "$skewtop" inspect "$work/three.csv" --positive a \
    --label label --score score \
    --report=json --output "$work/ovr.json"
jq_true "one-vs-rest negative label" "$work/ovr.json" '.data.negative_label == "not a"'
check "--positive detects the label column" "$skewtop" inspect "$work/three.csv" --positive a \
    --report=json --output "$work/ovr_auto.json"
jq_true "detected one-vs-rest matches named columns" "$work/ovr_auto.json" \
    ".metrics == $(jq -c .metrics "$work/ovr.json")"
jq_true "detection by --positive is noticed" "$work/ovr_auto.json" \
    '[.data.notices[] | test("contains the --positive class")] | any'

echo "# inspect: a million rows through standard input"
awk 'BEGIN { srand(5); print "y,p"; for (i = 0; i < 1000000; i++) {
    y = (rand() < 0.033); printf "%d,%.5f\n", y, rand() * 0.7 + y * 0.3 } }' > "$work/big.csv"
want_pos=$(awk -F, 'NR > 1 && $1 == 1 { n++ } END { print n }' "$work/big.csv")
check "a million rows stream in" sh -c "'$skewtop' inspect - --report=json < '$work/big.csv' > '$work/big.json'"
jq_true "a million rows counted" "$work/big.json" '.data.rows == 1000000'
jq_true "a million rows: positives counted" "$work/big.json" ".data.validation.positives == $want_pos"
jq_true "a million rows: AUC plausible" "$work/big.json" '.metrics.roc_auc > 0.82 and .metrics.roc_auc < 0.86'

echo "# inspect: binned mode past the exact limit"
head -100001 "$work/big.csv" > "$work/mid.csv"
check "exact report of 10^5 rows" "$skewtop" inspect "$work/mid.csv" --resamples 0 \
    --report=json --output "$work/exact.json"
check "binned report of 10^5 rows" "$skewtop" inspect "$work/mid.csv" --exact-limit 1000 \
    --resamples 0 --report=json --output "$work/binned.json"
jq_true "binned report says it is binned" "$work/binned.json" '.metrics.binned == true'
jq_true "binned report states its AUC error bound" "$work/binned.json" \
    '.metrics.roc_auc_max_error > 0'
jq_true "binned ROC AUC lies within the stated bound" "$work/binned.json" \
    "(.metrics.roc_auc - $(jq .metrics.roc_auc "$work/exact.json") | fabs) <= .metrics.roc_auc_max_error"
jq_true "binned average precision lies within the stated bound" "$work/binned.json" \
    "(.metrics.average_precision - $(jq .metrics.average_precision "$work/exact.json") | fabs) <= .metrics.average_precision_max_error"
jq_true "binned counts every row" "$work/binned.json" '.data.rows == 100000'
jq_true "--resamples 0 turns intervals off" "$work/exact.json" '.intervals == null'
check "--exact keeps every score" "$skewtop" inspect "$work/mid.csv" --exact-limit 1000 --exact \
    --resamples 0 --report=json --output "$work/forced.json"
jq_true "--exact reports no binning error" "$work/forced.json" '.metrics | has("roc_auc_max_error") | not'
jq_true "--exact report says it is not binned" "$work/forced.json" '.metrics.binned == false'

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
expect_error "negative --exact-limit" 2 "whole number of at least 1, got '-5'" \
    inspect "$demo" --exact-limit -5
expect_error "val fraction above 1" 2 "'2'" train "$demo" --target Class --val-fraction 2
expect_error "bad class weight" 2 "'heavy'" train "$demo" --target Class --class-weight heavy
expect_error "bad report format" 2 "'xml'" train "$demo" --target Class --report=xml
expect_error "unknown positive label" 2 "maybe" train "$demo" --target Class --positive maybe
expect_error "output over the input" 2 "input file" train "$demo" --target Class \
    --report=json --output "$demo"
expect_error "model not available" 2 "logreg" train "$demo" --target Class --model transformer
expect_error "inspect: no such column" 2 "nope" inspect "$work/preds.csv" --label y --score nope
printf 'y,p\n1,0.2\n1,0.7\n1,0.4\n' > "$work/i_one.csv"
expect_error "inspect: one class" 2 "one class" inspect "$work/i_one.csv"
printf 'y,p\na,0.2\nb,0.7\nc,0.4\na,0.5\n' > "$work/i_three.csv"
expect_error "inspect: three classes" 2 "--positive" inspect "$work/i_three.csv" --label y --score p
expect_error "inspect: three text labels point to --positive" 2 \
    "Column 'y' of the prediction file .* looks like a label with more than two classes\..*--positive LABEL" \
    inspect "$work/i_three.csv"
expect_error "inspect: a directory" 2 "'$work' is a directory, not a CSV file\. Give the path of a CSV file\.$" \
    inspect "$work"
expect_error "train: a directory" 2 "'$work' is a directory, not a CSV file\. Give the path of a CSV file\.$" \
    train "$work" --target x
printf 'y,p\n1,0.2\n0,high\n0,0.4\n' > "$work/i_text.csv"
expect_error "inspect: text score" 2 "high" inspect "$work/i_text.csv"
expect_error "inspect: swapped columns look like scores" 2 \
    "Column 'score' looks like scores rather than labels" \
    inspect "$work/two.csv" --label score --score label --report=text
expect_error "inspect: swapped columns name the label" 2 \
    "(1 row) and [0-9]* more\. Column 'label' contains two values, 0 and 1, so it looks like the label: give --label label --score score\.$" \
    inspect "$work/two.csv" --label score --score label --report=text
expect_error "inspect: --positive in neither column" 2 \
    "Neither column.*--positive class 'z' was taken into account" \
    inspect "$work/three.csv" --positive z
printf 'y,p\n1,0.2\n0,NaN\n0,0.4\n1,0.9\n' > "$work/i_nan.csv"
expect_error "inspect: NaN score" 2 "line 3" inspect "$work/i_nan.csv"
expect_error "inspect: empty file" 2 "empty" inspect "$work/empty.csv"
printf 'y,p\n' > "$work/i_header.csv"
expect_error "inspect: header without rows" 2 "no data rows\|header" inspect "$work/i_header.csv"
expect_error "inspect: training option" 2 "--epochs" inspect "$work/two.csv" --epochs 3
expect_error "train: inspect option" 2 "--score" train "$demo" --target Class --score p
expect_error "inspect: no file" 2 "inspect takes one file" inspect
expect_error "lstm without windows" 2 "--time-col" train "$demo" --target Class --model lstm
expect_error "unknown time column" 2 "when" train "$panel" --target paid --time-col when
expect_error "bad window" 2 "'0'" train "$panel" --target paid --time-col month --window 0
expect_error "stratified windows" 2 "stratified" train "$panel" --target paid --time-col month \
    --split stratified

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
