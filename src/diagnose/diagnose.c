/*
 * diagnose.c - the rules behind each finding.
 *
 * Each rule is a function that reads the input, and when it fires, fills
 * one sk_finding.  Rules run in the table order; sk_diagnose() then sorts
 * the findings by severity, keeping the table order within a severity.
 * Every cut-off is a named constant with the reason for its value.
 */
#include "skewtop/diagnose.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* One class is "(almost) never predicted" when the predicted-positive rate
 * is under this share of the prevalence (or the predicted-negative rate
 * under this share of the negative share). */
#define ONE_SIDE_SHARE 0.1

/* The ranking is useful when ROC AUC reaches this: 0.5 is chance, and
 * 0.6 is clearly above it on a few hundred minority rows. */
#define USEFUL_AUC 0.6
/* ROC AUC is "below chance" when it is under INVERTED_AUC and more than
 * INVERTED_AUC_Z standard errors under 0.5, the standard error being that
 * of a ranking with no skill, sqrt((P + N + 1) / (12 P N)).  Three standard
 * errors keep a model that learned nothing from firing it by chance on
 * small data; 0.45 keeps a barely inverted ranking on huge data from
 * passing for a swapped export. */
#define INVERTED_AUC 0.45
#define INVERTED_AUC_Z 3.0

/* F1 at the threshold is "far below its best" when it trails the best by
 * this share of the best, and by at least THRESHOLD_F1_GAP_MIN in absolute
 * terms so that tiny F1 values do not trigger it on noise. */
#define THRESHOLD_F1_GAP_SHARE 0.25
#define THRESHOLD_F1_GAP_MIN 0.05

/* A training loss within this relative margin of the prior-only loss
 * means the model has learned (almost) nothing beyond the base rate. */
#define PRIOR_LOSS_MARGIN 0.02
/* Scores whose standard deviation is under this carry no ranking worth
 * showing: every row gets (nearly) the same probability. */
#define PRIOR_SCORE_SPREAD 0.005

/* Mean predicted probability is "far" from the prevalence when their
 * ratio leaves [1/CALIBRATION_RATIO, CALIBRATION_RATIO] and they differ by
 * more than CALIBRATION_GAP_MIN (absolute, to ignore tiny prevalences). */
#define CALIBRATION_RATIO 2.0
#define CALIBRATION_GAP_MIN 0.02

/* Validation loss "rising for several epochs": this many consecutive
 * increases while the training loss fell over the same epochs. */
#define OVERFIT_EPOCHS 3

/* Under this many positives in validation, rates such as recall move by
 * several points when one row changes class. */
#define FEW_POSITIVES 30

/* Class weights "match their purpose" when the effective prevalence they
 * imply is at least this many times the true one (balanced gives 0.5). */
#define WEIGHTS_MIN_LIFT 1.25
/* Weighted scores "match" an unweighted run's when they differ by less
 * than this on average, row by row: a hundredth of a probability moves
 * no threshold decision worth noting. */
#define WEIGHTS_SAME_SCORES 0.01

/* z for a two-sided 95 % interval. */
#define Z95 1.959963984540054

typedef bool (*rule_fn)(const sk_diagnose_input *in, sk_finding *f);

static void score_stats(const double *scores, size_t n, double *mean, double *sd)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += scores[i];
    *mean = n > 0 ? sum / (double)n : NAN;

    double squares = 0.0;
    for (size_t i = 0; i < n; i++)
        squares += (scores[i] - *mean) * (scores[i] - *mean);
    *sd = n > 1 ? sqrt(squares / (double)(n - 1)) : NAN;
}

/* Reads the cached statistics of the scores, or computes them. */
static void input_score_stats(const sk_diagnose_input *in, double *mean, double *sd)
{
    if (in->have_score_stats) {
        *mean = in->score_mean;
        *sd = in->score_sd;
    } else {
        score_stats(in->scores, in->n, mean, sd);
    }
}

static double input_roc_auc(const sk_diagnose_input *in)
{
    return in->have_roc_auc ? in->roc_auc : sk_sweep_roc_auc(in->sweep);
}

static sk_threshold_choice input_best_f1(const sk_diagnose_input *in)
{
    if (in->best_f1 != NULL)
        return *in->best_f1;
    sk_criterion_options options = sk_criterion_defaults();
    return sk_sweep_best_threshold(in->sweep, SK_CRITERION_F1, &options);
}

void sk_diagnose_cache(sk_diagnose_input *input, sk_threshold_choice *best_f1_storage)
{
    if (input->sweep != NULL) {
        input->roc_auc = sk_sweep_roc_auc(input->sweep);
        input->have_roc_auc = true;
        *best_f1_storage = input_best_f1(input);
        input->best_f1 = best_f1_storage;
    }
    if (input->scores != NULL && input->n > 0) {
        score_stats(input->scores, input->n, &input->score_mean, &input->score_sd);
        input->have_score_stats = true;
    }
}

static double percent(double share)
{
    return 100.0 * share;
}

static bool rule_diverged(const sk_diagnose_input *in, sk_finding *f)
{
    if (!in->diverged)
        return false;
    f->id = "diverged";
    f->severity = SK_SEVERITY_ERROR;
    snprintf(f->message, sizeof f->message,
             "Training diverged: the loss became NaN or infinite, so the run "
             "stopped and keeps its last good scores.");
    snprintf(f->evidence, sizeof f->evidence, "epochs finished: %zu", in->epochs);
    snprintf(f->action, sizeof f->action,
             "lower the learning rate (--lr) and restart");
    return true;
}

static bool rule_single_class_split(const sk_diagnose_input *in, sk_finding *f)
{
    if (in->sweep == NULL)
        return false;
    size_t n = sk_sweep_count(in->sweep);
    size_t positives = sk_sweep_positives(in->sweep);
    bool val_single = n > 0 && (positives == 0 || positives == n);
    if (!val_single && !in->single_class_train)
        return false;

    f->id = "single-class-split";
    f->severity = SK_SEVERITY_ERROR;
    snprintf(f->message, sizeof f->message,
             "The %s split holds one class only, so ROC AUC and average "
             "precision are undefined.", val_single ? "validation" : "training");
    snprintf(f->evidence, sizeof f->evidence, "validation: %zu rows, %zu '%s'",
             n, positives, in->positive_label);
    snprintf(f->action, sizeof f->action,
             "use more data or a larger --val-fraction");
    return true;
}

static bool rule_all_scores_one_side(const sk_diagnose_input *in, sk_finding *f)
{
    if (in->sweep == NULL || sk_sweep_count(in->sweep) == 0)
        return false;
    sk_confusion c = sk_sweep_confusion(in->sweep, in->threshold);
    sk_rates r = sk_rates_from_confusion(c);
    if (r.prevalence <= 0.0 || r.prevalence >= 1.0)
        return false;

    bool none_positive = r.predicted_positive_rate < ONE_SIDE_SHARE * r.prevalence;
    bool none_negative = 1.0 - r.predicted_positive_rate
                         < ONE_SIDE_SHARE * (1.0 - r.prevalence);
    if (!none_positive && !none_negative)
        return false;

    const char *rare = none_positive ? in->positive_label : in->negative_label;
    f->id = "all-scores-one-side";
    f->severity = SK_SEVERITY_ERROR;
    snprintf(f->message, sizeof f->message,
             "Almost every score is %s the threshold %.3g, so '%s' is almost "
             "never predicted.", none_positive ? "below" : "at or above",
             in->threshold, rare);
    snprintf(f->evidence, sizeof f->evidence,
             "predicted '%s': %.2f %% of rows; prevalence %.2f %%; scores "
             "range %.3g to %.3g", in->positive_label,
             percent(r.predicted_positive_rate), percent(r.prevalence),
             sk_sweep_min_score(in->sweep), sk_sweep_max_score(in->sweep));
    if (in->can_retrain)
        snprintf(f->action, sizeof f->action,
                 "press o for the best threshold, or w for balanced class weights "
                 "(--class-weight balanced)");
    else
        snprintf(f->action, sizeof f->action,
                 "press o for the best threshold, or train the model again with "
                 "balanced class weights");
    return true;
}

static bool rule_learned_prior_only(const sk_diagnose_input *in, sk_finding *f)
{
    bool by_loss = false;
    double last = NAN;
    if (in->train_loss != NULL && in->epochs > 0 && !in->weighted
        && isfinite(in->prior_loss) && in->prior_loss > 0.0) {
        last = in->train_loss[in->epochs - 1];
        /* On the line, within the margin either way: far above it the
         * model is diverging, which is another problem. */
        by_loss = fabs(last - in->prior_loss) <= PRIOR_LOSS_MARGIN * in->prior_loss;
    }

    bool by_spread = false;
    double mean = NAN, sd = NAN;
    if (in->have_score_stats || (in->scores != NULL && in->n > 1)) {
        input_score_stats(in, &mean, &sd);
        by_spread = sd < PRIOR_SCORE_SPREAD;
    }
    if (!by_loss && !by_spread)
        return false;

    f->id = "learned-prior-only";
    f->severity = SK_SEVERITY_ERROR;
    snprintf(f->message, sizeof f->message,
             "The model has learned little beyond the base rate: %s.",
             by_loss ? "its training loss sits on the prior-only line"
                     : "every row gets nearly the same score");
    if (by_loss)
        snprintf(f->evidence, sizeof f->evidence,
                 "training loss %.4f; prior-only loss %.4f; score SD %.4f",
                 last, in->prior_loss, sd);
    else
        snprintf(f->evidence, sizeof f->evidence,
                 "score mean %.4f, SD %.4f", mean, sd);
    if (in->can_retrain)
        snprintf(f->action, sizeof f->action,
                 "press + for 10x the learning rate (--lr), or check the features");
    else
        snprintf(f->action, sizeof f->action,
                 "check the features and the learning rate of the model's training");
    return true;
}

static bool rule_ranking_inverted(const sk_diagnose_input *in, sk_finding *f)
{
    if (in->sweep == NULL)
        return false;
    double positives = (double)sk_sweep_positives(in->sweep);
    double negatives = (double)(sk_sweep_count(in->sweep) - sk_sweep_positives(in->sweep));
    double auc = input_roc_auc(in);
    if (positives == 0.0 || negatives == 0.0 || !(auc < INVERTED_AUC))
        return false;
    double se = sqrt((positives + negatives + 1.0) / (12.0 * positives * negatives));
    double z = (0.5 - auc) / se;
    if (z <= INVERTED_AUC_Z)
        return false;

    f->id = "ranking-inverted";
    f->severity = SK_SEVERITY_ERROR;
    snprintf(f->message, sizeof f->message,
             "The scores rank '%s' above '%s', worse than a random ranking, so they "
             "are probably scores of the other class.", in->negative_label,
             in->positive_label);
    snprintf(f->evidence, sizeof f->evidence,
             "ROC AUC %.3f, %.1f standard errors under 0.5; read the other way it "
             "would be %.3f", auc, z, 1.0 - auc);
    if (in->can_retrain)
        snprintf(f->action, sizeof f->action,
                 "check that the labels the model trains on are not inverted");
    else if (in->other_score_of != NULL)
        snprintf(f->action, sizeof f->action,
                 "if the scores are for '%s', run again with --score-of '%s'",
                 in->other_score_of, in->other_score_of);
    else
        snprintf(f->action, sizeof f->action,
                 "name the class the scores are for with --score-of LABEL");
    return true;
}

static bool rule_threshold_not_optimal(const sk_diagnose_input *in, sk_finding *f)
{
    if (in->sweep == NULL)
        return false;
    double auc = input_roc_auc(in);
    if (!(auc >= USEFUL_AUC))
        return false;

    sk_threshold_choice best = input_best_f1(in);
    if (!best.found)
        return false;
    double now = sk_rates_from_confusion(sk_sweep_confusion(in->sweep, in->threshold)).f1;
    double gap = best.value - now;
    if (gap < THRESHOLD_F1_GAP_MIN || gap < THRESHOLD_F1_GAP_SHARE * best.value)
        return false;

    f->id = "threshold-not-optimal";
    f->severity = SK_SEVERITY_WARNING;
    snprintf(f->message, sizeof f->message,
             "The ranking is useful but the threshold is not: F1 at %.3g is "
             "far below its best.", in->threshold);
    snprintf(f->evidence, sizeof f->evidence,
             "ROC AUC %.3f; F1 %.3f at %.3g, %.3f at %.3g", auc, now,
             in->threshold, best.value, best.threshold);
    snprintf(f->action, sizeof f->action,
             "press o to move to the best-F1 threshold %.3g", best.threshold);
    return true;
}

static bool rule_accuracy_at_baseline(const sk_diagnose_input *in, sk_finding *f)
{
    if (in->sweep == NULL || sk_sweep_count(in->sweep) == 0)
        return false;
    sk_rates r = sk_rates_from_confusion(sk_sweep_confusion(in->sweep, in->threshold));
    if (r.prevalence <= 0.0 || r.prevalence >= 1.0 || r.accuracy > r.baseline)
        return false;

    const char *majority = r.prevalence < 0.5 ? in->negative_label : in->positive_label;
    f->id = "accuracy-at-baseline";
    f->severity = SK_SEVERITY_WARNING;
    snprintf(f->message, sizeof f->message,
             "Accuracy is no better than always predicting '%s'.", majority);
    snprintf(f->evidence, sizeof f->evidence,
             "accuracy %.2f %%; majority-class baseline %.2f %%",
             percent(r.accuracy), percent(r.baseline));
    snprintf(f->action, sizeof f->action,
             "judge the model by balanced accuracy, recall and precision instead");
    return true;
}

static bool rule_positive_is_majority(const sk_diagnose_input *in, sk_finding *f)
{
    if (in->sweep == NULL || sk_sweep_count(in->sweep) == 0)
        return false;
    double prevalence = (double)sk_sweep_positives(in->sweep)
                        / (double)sk_sweep_count(in->sweep);
    if (prevalence <= 0.5)
        return false;

    f->id = "positive-is-majority";
    f->severity = SK_SEVERITY_WARNING;
    snprintf(f->message, sizeof f->message,
             "The positive class '%s' is the majority, so precision and recall "
             "say little about the minority '%s'.", in->positive_label,
             in->negative_label);
    snprintf(f->evidence, sizeof f->evidence, "prevalence of '%s': %.2f %%",
             in->positive_label, percent(prevalence));
    snprintf(f->action, sizeof f->action, "press p to score '%s' (--positive '%s')",
             in->negative_label, in->negative_label);
    return true;
}

/* Mean absolute difference between the scores and the unweighted ones. */
static double unweighted_gap(const sk_diagnose_input *in)
{
    double sum = 0.0;
    for (size_t i = 0; i < in->n; i++)
        sum += fabs(in->scores[i] - in->unweighted_scores[i]);
    return sum / (double)in->n;
}

static bool rule_weights_no_effect(const sk_diagnose_input *in, sk_finding *f)
{
    if (in->weighted && in->unweighted_scores != NULL && in->scores != NULL && in->n > 0) {
        double gap = unweighted_gap(in);
        if (gap < WEIGHTS_SAME_SCORES) {
            f->id = "weights-no-effect";
            f->severity = SK_SEVERITY_WARNING;
            snprintf(f->message, sizeof f->message,
                     "The class weights changed the scores by almost nothing compared "
                     "with the run without weights: check that they reach the loss.");
            snprintf(f->evidence, sizeof f->evidence,
                     "weights %g:%g; mean change of a score %.4f over %zu rows",
                     in->weight_neg, in->weight_pos, gap, in->n);
            snprintf(f->action, sizeof f->action,
                     "press w, or check how the weights are passed to training");
            return true;
        }
    }

    if (!in->weighted || in->train_rows == 0 || in->train_positives == 0
        || in->train_positives == in->train_rows)
        return false;
    double p = (double)in->train_positives / (double)in->train_rows;
    double pos = in->weight_pos * (double)in->train_positives;
    double neg = in->weight_neg * (double)(in->train_rows - in->train_positives);
    double effective = pos / (pos + neg);
    /* Weights meant to help the minority must raise its effective share. */
    bool minority_positive = p < 0.5;
    double lift = minority_positive ? effective / p : (1.0 - effective) / (1.0 - p);
    if (lift >= WEIGHTS_MIN_LIFT)
        return false;

    f->id = "weights-no-effect";
    f->severity = SK_SEVERITY_WARNING;
    snprintf(f->message, sizeof f->message,
             "The class weights barely change the balance the model sees, so "
             "they cannot change its predictions much.");
    snprintf(f->evidence, sizeof f->evidence,
             "weights %g:%g; prevalence %.2f %%, effective prevalence %.2f %%",
             in->weight_neg, in->weight_pos, percent(p), percent(effective));
    snprintf(f->action, sizeof f->action,
             "press w, or use --class-weight balanced (n / (2 n_c) per class)");
    return true;
}

static bool rule_uncalibrated(const sk_diagnose_input *in, sk_finding *f)
{
    if (in->sweep == NULL || sk_sweep_count(in->sweep) == 0
        || !sk_sweep_is_probability(in->sweep)
        || (!in->have_score_stats && in->scores == NULL))
        return false;
    double prevalence = (double)sk_sweep_positives(in->sweep)
                        / (double)sk_sweep_count(in->sweep);
    if (prevalence <= 0.0 || prevalence >= 1.0)
        return false;
    double mean, sd;
    input_score_stats(in, &mean, &sd);

    double ratio = mean / prevalence;
    bool far = (ratio > CALIBRATION_RATIO || ratio < 1.0 / CALIBRATION_RATIO)
               && fabs(mean - prevalence) > CALIBRATION_GAP_MIN;
    if (!far)
        return false;

    f->id = "uncalibrated";
    f->severity = SK_SEVERITY_WARNING;
    snprintf(f->message, sizeof f->message,
             "The scores are not probabilities of '%s': their mean is far from "
             "the prevalence.", in->positive_label);
    snprintf(f->evidence, sizeof f->evidence,
             "mean score %.4f; prevalence %.4f", mean, prevalence);
    /* A binned file keeps no rows to fit a map on. */
    snprintf(f->action, sizeof f->action, "%s",
             sk_sweep_is_binned(in->sweep)
                 ? "run with --exact to recalibrate (c), or read the scores as a ranking only"
                 : "press c to recalibrate, or read the scores as a ranking only");
    return true;
}

static bool rule_overfitting(const sk_diagnose_input *in, sk_finding *f)
{
    if (in->val_loss == NULL || in->train_loss == NULL || in->epochs <= OVERFIT_EPOCHS)
        return false;
    size_t last = in->epochs - 1;
    for (size_t k = 0; k < OVERFIT_EPOCHS; k++) {
        size_t i = last - k;
        if (!(in->val_loss[i] > in->val_loss[i - 1]))
            return false;
    }
    size_t first = last - OVERFIT_EPOCHS;
    if (!(in->train_loss[last] < in->train_loss[first]))
        return false;

    f->id = "overfitting";
    f->severity = SK_SEVERITY_WARNING;
    snprintf(f->message, sizeof f->message,
             "Validation loss has risen for %d epochs while training loss fell: "
             "the model is overfitting.", OVERFIT_EPOCHS);
    snprintf(f->evidence, sizeof f->evidence,
             "validation loss %.4f -> %.4f; training loss %.4f -> %.4f",
             in->val_loss[first], in->val_loss[last], in->train_loss[first],
             in->train_loss[last]);
    snprintf(f->action, sizeof f->action,
             "press - for a lower learning rate (--lr), or train fewer --epochs");
    return true;
}

static bool rule_leakage_risk(const sk_diagnose_input *in, sk_finding *f)
{
    if (!in->leakage_risk)
        return false;
    f->id = "leakage-risk";
    f->severity = SK_SEVERITY_WARNING;
    snprintf(f->message, sizeof f->message,
             "Overlapping windows were split at random, so validation windows share "
             "time steps with training windows and the metrics do not measure how "
             "the model predicts later periods.");
    snprintf(f->evidence, sizeof f->evidence, "split: random over windows");
    snprintf(f->action, sizeof f->action,
             "split by time: drop --split random (or use --split time)");
    return true;
}

static bool rule_too_few_positives(const sk_diagnose_input *in, sk_finding *f)
{
    if (in->sweep == NULL)
        return false;
    size_t positives = sk_sweep_positives(in->sweep);
    size_t n = sk_sweep_count(in->sweep);
    size_t minority = positives < n - positives ? positives : n - positives;
    if (minority == 0 || minority >= FEW_POSITIVES)
        return false;

    /* Width of the Wilson 95 % interval of recall at the threshold. */
    sk_confusion c = sk_sweep_confusion(in->sweep, in->threshold);
    double m = (double)(c.tp + c.fn);
    double width = NAN;
    if (m > 0) {
        double p = (double)c.tp / m;
        double z2 = Z95 * Z95;
        width = 2.0 * Z95 * sqrt(p * (1.0 - p) / m + z2 / (4.0 * m * m)) / (1.0 + z2 / m);
    }

    f->id = "too-few-positives";
    f->severity = SK_SEVERITY_INFO;
    snprintf(f->message, sizeof f->message,
             "Only %zu minority row%s in %s, so every metric here is uncertain.", minority,
             minority == 1 ? "" : "s", in->can_retrain ? "validation" : "the scores");
    snprintf(f->evidence, sizeof f->evidence,
             "Wilson 95 %% interval of recall is %.1f points wide", percent(width));
    snprintf(f->action, sizeof f->action, "%s",
             in->can_retrain ? "use more data or a larger --val-fraction"
                             : "use more rows: with this few, runs cannot be told apart");
    return true;
}

static const rule_fn rules[] = {
    rule_diverged,
    rule_single_class_split,
    rule_all_scores_one_side,
    rule_learned_prior_only,
    rule_ranking_inverted,
    rule_threshold_not_optimal,
    rule_accuracy_at_baseline,
    rule_positive_is_majority,
    rule_weights_no_effect,
    rule_uncalibrated,
    rule_overfitting,
    rule_leakage_risk,
    rule_too_few_positives,
};

size_t sk_diagnose(const sk_diagnose_input *input, sk_finding *out, size_t capacity)
{
    sk_finding fired[sizeof rules / sizeof rules[0]];
    size_t count = 0;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        memset(&fired[count], 0, sizeof fired[count]);
        if (rules[i](input, &fired[count]))
            count++;
    }

    /* Stable order: every error, then every warning, then every info. */
    size_t written = 0;
    for (int severity = SK_SEVERITY_ERROR; severity <= SK_SEVERITY_INFO; severity++)
        for (size_t i = 0; i < count; i++)
            if ((int)fired[i].severity == severity && written < capacity)
                out[written++] = fired[i];
    return count;
}

const char *sk_severity_name(sk_severity severity)
{
    switch (severity) {
    case SK_SEVERITY_ERROR:
        return "error";
    case SK_SEVERITY_WARNING:
        return "warning";
    default:
        return "info";
    }
}
