/*
 * threshold.c - the best threshold for a criterion.
 *
 * The candidates are the threshold above every score (nothing predicted
 * positive) and each distinct score, visited from the highest threshold
 * down, so that keeping the first of equal values gives ties to the higher
 * threshold.  Each candidate costs O(1) from the sweep's cumulative counts.
 */
#include "metrics_internal.h"

#include <math.h>

static const char *const criterion_names[SK_CRITERION_COUNT] = {
    [SK_CRITERION_F1] = "f1",
    [SK_CRITERION_FBETA] = "fbeta",
    [SK_CRITERION_YOUDEN] = "youden",
    [SK_CRITERION_BALANCED_ACCURACY] = "balanced_accuracy",
    [SK_CRITERION_MCC] = "mcc",
    [SK_CRITERION_COST] = "cost",
    [SK_CRITERION_RECALL_AT_PRECISION] = "recall_at_precision",
    [SK_CRITERION_PRECISION_AT_RECALL] = "precision_at_recall",
};

sk_criterion_options sk_criterion_defaults(void)
{
    sk_criterion_options options = {
        .beta = 2.0,
        .cost_fn = 1.0,
        .cost_fp = 1.0,
        .min_precision = 0.5,
        .min_recall = 0.5,
    };
    return options;
}

const char *sk_criterion_name(sk_criterion criterion)
{
    if ((unsigned)criterion >= SK_CRITERION_COUNT)
        return "unknown";
    return criterion_names[criterion];
}

/* True when the options give the criterion a meaning: a positive beta, and
 * costs that are finite, not negative and not both 0. */
static bool options_valid(sk_criterion criterion,
                          const sk_criterion_options *options)
{
    switch (criterion) {
    case SK_CRITERION_FBETA:
        return isfinite(options->beta) && options->beta > 0.0;
    case SK_CRITERION_COST:
        return isfinite(options->cost_fn) && isfinite(options->cost_fp) &&
               options->cost_fn >= 0.0 && options->cost_fp >= 0.0 &&
               options->cost_fn + options->cost_fp > 0.0;
    case SK_CRITERION_RECALL_AT_PRECISION:
        return !isnan(options->min_precision);
    case SK_CRITERION_PRECISION_AT_RECALL:
        return !isnan(options->min_recall);
    default:
        return (unsigned)criterion < SK_CRITERION_COUNT;
    }
}

/* A candidate threshold: its confusion matrix and the ratios that several
 * criteria share, computed once per candidate. */
typedef struct {
    sk_confusion confusion;
    double precision, recall, specificity;
} candidate;

static candidate candidate_at(const sk_sweep *sweep, size_t rank)
{
    unsigned undefined = 0;
    sk_confusion c = skm_sweep_confusion_rank(sweep, rank);
    return (candidate){
        .confusion = c,
        .precision = skm_ratio(c.tp, c.tp + c.fp, 0, &undefined),
        .recall = skm_ratio(c.tp, c.tp + c.fn, 0, &undefined),
        .specificity = skm_ratio(c.tn, c.tn + c.fp, 0, &undefined),
    };
}

/*
 * Returns the criterion's value at a candidate, oriented so that larger is better
 * (the cost comes back negated).  *feasible is false where a constraint
 * fails.
 */
static double criterion_score(sk_criterion criterion, const candidate *at,
                              const sk_criterion_options *options,
                              bool *feasible)
{
    unsigned undefined = 0;
    sk_confusion c = at->confusion;
    double precision = at->precision;
    double recall = at->recall;
    double specificity = at->specificity;
    double n = (double)(c.tp + c.fp + c.tn + c.fn);

    *feasible = true;
    switch (criterion) {
    case SK_CRITERION_F1:
        return skm_fbeta(precision, recall, 1.0);
    case SK_CRITERION_FBETA:
        return skm_fbeta(precision, recall, options->beta);
    case SK_CRITERION_YOUDEN:
        return recall + specificity - 1.0;
    case SK_CRITERION_BALANCED_ACCURACY:
        return skm_balanced_accuracy(recall, specificity, c, &undefined);
    case SK_CRITERION_MCC:
        return skm_mcc(c, &undefined);
    case SK_CRITERION_COST:
        return -(options->cost_fn * (double)c.fn +
                 options->cost_fp * (double)c.fp) / n;
    case SK_CRITERION_RECALL_AT_PRECISION:
        *feasible = precision >= options->min_precision;
        return recall;
    case SK_CRITERION_PRECISION_AT_RECALL:
        *feasible = recall >= options->min_recall;
        return precision;
    default:
        *feasible = false;
        return NAN;
    }
}

/* True when value beats best by more than the tie tolerance. */
static bool clearly_better(double value, double best)
{
    return value - best > SK_CRITERION_TIE_TOLERANCE * fabs(best);
}

double skm_threshold_above(const sk_sweep *sweep)
{
    if (sweep->distinct == 0)
        return NAN;
    /* A bin's level is its lowest score, so the scores of a binned sweep
     * reach up to max_score. */
    double highest = sweep->binned ? sweep->max_score : sweep->scores[0];
    return nextafter(highest, INFINITY);
}

/* The best value of one criterion so far in a scan. */
typedef struct {
    bool valid;        /* the options give the criterion a meaning */
    bool found;
    double best;
    size_t rank;
} scan_state;

/*
 * Scans the candidates once for `count` criteria and fills out[i] for
 * criteria[i].  The confusion matrix and the shared ratios of each
 * candidate are computed once and scored for every criterion.
 */
static void scan_criteria(const sk_sweep *sweep, const sk_criterion *criteria, size_t count,
                          const sk_criterion_options *options, sk_threshold_choice *out)
{
    sk_criterion_options defaults = sk_criterion_defaults();
    if (options == NULL)
        options = &defaults;
    scan_state state[SK_CRITERION_COUNT];
    size_t valid = 0;
    for (size_t i = 0; i < count; i++) {
        out[i] = (sk_threshold_choice){ .found = false, .threshold = NAN, .value = NAN };
        state[i] = (scan_state){ .valid = sweep->n > 0 && options_valid(criteria[i], options) };
        valid += state[i].valid;
    }
    if (valid == 0)
        return;

    for (size_t rank = 0; rank <= sweep->distinct; rank++) {
        candidate at = candidate_at(sweep, rank);
        for (size_t i = 0; i < count; i++) {
            if (!state[i].valid)
                continue;
            bool feasible;
            double value = criterion_score(criteria[i], &at, options, &feasible);
            if (!feasible)
                continue;
            if (!state[i].found || clearly_better(value, state[i].best)) {
                state[i].found = true;
                state[i].best = value;
                state[i].rank = rank;
            }
        }
    }

    for (size_t i = 0; i < count; i++) {
        if (!state[i].found)
            continue;
        size_t rank = state[i].rank;
        out[i].found = true;
        out[i].threshold = rank == 0 ? skm_threshold_above(sweep) : sweep->scores[rank - 1];
        out[i].value = criteria[i] == SK_CRITERION_COST ? -state[i].best : state[i].best;
        out[i].confusion = skm_sweep_confusion_rank(sweep, rank);
    }
}

sk_threshold_choice sk_sweep_best_threshold(const sk_sweep *sweep,
                                            sk_criterion criterion,
                                            const sk_criterion_options *options)
{
    sk_threshold_choice choice;
    if ((unsigned)criterion >= SK_CRITERION_COUNT)
        return (sk_threshold_choice){ .found = false, .threshold = NAN, .value = NAN };
    scan_criteria(sweep, &criterion, 1, options, &choice);
    return choice;
}

void sk_sweep_best_thresholds(const sk_sweep *sweep, const sk_criterion_options *options,
                              sk_threshold_choice out[SK_CRITERION_COUNT])
{
    sk_criterion all[SK_CRITERION_COUNT];
    for (int c = 0; c < SK_CRITERION_COUNT; c++)
        all[c] = (sk_criterion)c;
    scan_criteria(sweep, all, SK_CRITERION_COUNT, options, out);
}
