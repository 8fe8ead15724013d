/*
 * binned.c - a sweep over per-class counts in score bins, for inputs too
 * large to keep every score, and the largest error that binning allows in
 * ROC AUC and average precision.
 *
 * Each non-empty bin becomes one level whose score is the lowest score in
 * the bin.  A binned sweep is thus the exact sweep of scores that were each
 * moved down to their bin's lowest score, and every function that reads
 * levels (confusion matrices, curves, areas, thresholds, histograms,
 * calibration, bootstrap) works on it unchanged.
 *
 * Error bounds.  Bins are intervals in score order, so two samples in
 * different bins are ordered as their scores are, and equal scores share a
 * bin.  Only the order inside a bin is lost.
 *
 * ROC AUC counts each (positive, negative) pair as 1, 1/2 or 0.  Pairs in
 * different bins count as in the exact area; a pair inside bin b counts
 * 1/2, which differs from its exact count by at most 1/2.  So
 *     |AUC_binned - AUC_exact| <= sum_b pos_b neg_b / (2 P N).
 *
 * Average precision is (1/P) sum over positives of the precision at that
 * positive's score.  Let T and F count the positives and negatives in the
 * bins above bin b, p = pos_b and n = neg_b.  The binned sweep gives every
 * positive of bin b the precision (T + p) / (T + p + F + n).  In the exact
 * sweep, the positive ranked t-th in the bin (t = 1..p, descending) has
 * between t and p positives of the bin at or above its score and between 0
 * and n negatives, so its precision lies between
 *     g(t) = (T + t) / (T + t + F + n)   and   (T + p) / (T + p + F).
 * The exact sum over the bin is therefore at most p (T + p) / (T + p + F)
 * and at least sum_{t=1..p} g(t) >= integral_0^p g = p - (F + n)
 * ln((T + p + F + n) / (T + F + n)), because g increases.  Each bin moves
 * the area up or down by at most those distances, independently of the
 * other bins, so the error lies in [-sum down_b, sum up_b] / P and its
 * largest size is the larger of the two sums over P.
 */
#include "metrics_internal.h"

#include <math.h>
#include <stdlib.h>

/* Returns the index of the first bin holding a sample, or bins when none. */
static size_t first_filled(const size_t *negatives, const size_t *positives, size_t bins)
{
    size_t b = 0;
    while (b < bins && negatives[b] == 0 && positives[b] == 0)
        b++;
    return b;
}

/* Checks the bins and stores the sample count in *n and the positives in
 * *positives_total. */
static sk_status check_bins(const double *lowest, const size_t *negatives,
                            const size_t *positives, size_t bins, double max_score,
                            size_t *n, size_t *positives_total, sk_error *err)
{
    size_t total = 0;
    size_t total_positives = 0;
    double previous = -INFINITY;
    size_t last = bins;
    for (size_t b = 0; b < bins; b++) {
        if (!isfinite(lowest[b]) || !(lowest[b] > previous))
            return sk_error_set(err, SK_ERR_INPUT,
                                "bin %zu of a binned sweep has lowest score %g, which "
                                "is not finite or not above the bin before it",
                                b, lowest[b]);
        previous = lowest[b];
        size_t in_bin = negatives[b] + positives[b];
        if (in_bin < negatives[b] || total + in_bin < total || in_bin > SKM_MAX_SCORES
            || total + in_bin > SKM_MAX_SCORES)
            return sk_error_set(err, SK_ERR_INPUT,
                                "the bins hold more than %zu scores, more than "
                                "skewtop handles; use a sample of the rows",
                                SKM_MAX_SCORES);
        total += in_bin;
        total_positives += positives[b];
        if (in_bin > 0)
            last = b;
    }
    if (total > 0 && !(isfinite(max_score) && max_score >= lowest[last]))
        return sk_error_set(err, SK_ERR_INPUT,
                            "the highest score %g of a binned sweep lies below the "
                            "lowest score %g of its top bin",
                            max_score, lowest[last]);
    *n = total;
    *positives_total = total_positives;
    return SK_OK;
}

/* Fills the levels from the top bin down, skipping empty bins. */
static void fill_levels(sk_sweep *sweep, const double *lowest, const size_t *negatives,
                        const size_t *positives, size_t bins)
{
    size_t k = 0;
    size_t tp = 0;
    size_t fp = 0;
    for (size_t b = bins; b-- > 0;) {
        if (negatives[b] == 0 && positives[b] == 0)
            continue;
        tp += positives[b];
        fp += negatives[b];
        /* check_bins() keeps the total within UINT32_MAX. */
        sweep->scores[k] = lowest[b];
        sweep->ends[k] = (uint32_t)(tp + fp);
        sweep->level_tp[k] = (uint32_t)tp;
        k++;
    }
    sweep->distinct = k;
}

/* Computes the error bounds derived in the file comment from the levels,
 * whose per-level counts are the bins' counts. */
static void set_error_bounds(sk_sweep *sweep)
{
    size_t positives = sweep->positives;
    size_t negatives = sweep->n - positives;
    if (positives == 0 || negatives == 0) {
        sweep->roc_auc_error = NAN;
        sweep->average_precision_error = NAN;
        return;
    }

    sk_sum tied_pairs = {0.0, 0.0};
    sk_sum up = {0.0, 0.0};
    sk_sum down = {0.0, 0.0};
    size_t above_tp = 0;
    size_t above_fp = 0;
    for (size_t k = 0; k < sweep->distinct; k++) {
        size_t tp = skm_level_tp(sweep, k);
        size_t fp = skm_level_fp(sweep, k);
        double p = (double)(tp - above_tp);
        double n = (double)(fp - above_fp);
        double t = (double)above_tp;
        double f = (double)above_fp;
        sk_sum_add(&tied_pairs, p * n);
        if (p > 0.0) {
            double binned = p * (t + p) / (t + p + f + n);
            double highest = p * (t + p) / (t + p + f);
            double lowest = f + n > 0.0 ? p - (f + n) * log1p(p / (t + f + n)) : p;
            sk_sum_add(&up, highest - binned);
            sk_sum_add(&down, fmax(binned - lowest, 0.0));
        }
        above_tp = tp;
        above_fp = fp;
    }
    sweep->roc_auc_error = sk_sum_value(&tied_pairs)
                           / (2.0 * (double)positives * (double)negatives);
    sweep->average_precision_error = fmax(sk_sum_value(&up), sk_sum_value(&down))
                                     / (double)positives;
}

sk_status sk_sweep_new_binned(const double *lowest, const size_t *negatives,
                              const size_t *positives, size_t bins, double max_score,
                              sk_sweep **out, sk_error *err)
{
    *out = NULL;
    if (bins > 0 && (lowest == NULL || negatives == NULL || positives == NULL))
        return sk_error_set(err, SK_ERR_INTERNAL,
                            "sk_sweep_new_binned: bins or counts are NULL");
    size_t n = 0;
    size_t positives_total = 0;
    sk_status status = check_bins(lowest, negatives, positives, bins, max_score, &n,
                                  &positives_total, err);
    if (status != SK_OK)
        return status;

    size_t first = first_filled(negatives, positives, bins);
    size_t levels = 0;
    for (size_t b = first; b < bins; b++)
        levels += negatives[b] > 0 || positives[b] > 0;

    sk_sweep *sweep = calloc(1, sizeof *sweep);
    if (sweep == NULL)
        goto out_of_memory;
    sweep->n = n;
    sweep->positives = positives_total;
    sweep->binned = true;
    sweep->scores = skm_alloc_array(levels, sizeof *sweep->scores);
    sweep->ends = skm_alloc_array(levels, sizeof *sweep->ends);
    sweep->level_tp = skm_alloc_array(levels, sizeof *sweep->level_tp);
    if (sweep->scores == NULL || sweep->ends == NULL || sweep->level_tp == NULL)
        goto out_of_memory;

    fill_levels(sweep, lowest, negatives, positives, bins);
    sweep->min_score = n > 0 ? lowest[first] : NAN;
    sweep->max_score = n > 0 ? max_score : NAN;
    sweep->probability = n > 0 && sweep->min_score >= 0.0 && sweep->max_score <= 1.0;
    skm_sweep_set_areas(sweep);
    set_error_bounds(sweep);
    *out = sweep;
    return SK_OK;

out_of_memory:
    sk_sweep_free(sweep);
    return sk_error_set(err, SK_ERR_NOMEM,
                        "out of memory building a binned sweep of %zu bins", levels);
}

bool sk_sweep_is_binned(const sk_sweep *sweep)
{
    return sweep->binned;
}

double sk_sweep_roc_auc_error(const sk_sweep *sweep)
{
    if (!sweep->binned)
        return isnan(sweep->roc_auc) ? NAN : 0.0;
    return sweep->roc_auc_error;
}

double sk_sweep_average_precision_error(const sk_sweep *sweep)
{
    if (!sweep->binned)
        return isnan(sweep->average_precision) ? NAN : 0.0;
    return sweep->average_precision_error;
}
