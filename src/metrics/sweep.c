/*
 * sweep.c - the score sweep: sorted distinct scores with cumulative counts.
 *
 * Building a sweep splits the scores by class into order-preserving 64-bit
 * keys, radix-sorts each class (sort.c) and merges the two sorted lists into
 * levels, one per distinct score, with the running counts of positives and
 * negatives.  Sorting the classes apart means no label travels with a key.
 * Everything later (confusion matrices, curves, areas, histograms,
 * calibration, bootstrap) reads the levels only.
 */
#include "metrics_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SIGN_BIT ((uint64_t)1 << 63)

/*
 * Maps a score to a key whose unsigned order is the descending order of the
 * scores.  -0.0 becomes +0.0 first, because the two compare equal and must
 * share a level.
 */
static uint64_t descending_key(double score)
{
    uint64_t bits;
    if (score == 0.0)
        score = 0.0;
    memcpy(&bits, &score, sizeof bits);
    bits = (bits & SIGN_BIT) ? ~bits : bits | SIGN_BIT;
    return ~bits;
}

/* Inverse of descending_key(). */
static double score_of_key(uint64_t key)
{
    uint64_t bits = ~key;
    bits = (bits & SIGN_BIT) ? bits & ~SIGN_BIT : ~bits;
    double score;
    memcpy(&score, &bits, sizeof score);
    return score;
}

/*
 * Checks every row and writes the keys of the positives to the front of keys
 * and those of the negatives to the back.  Stores the positive count, the
 * score range and whether every score is a probability.
 */
static sk_status split_by_class(sk_sweep *sweep, const double *scores,
                                const unsigned char *y, uint64_t *keys,
                                sk_error *err)
{
    size_t n = sweep->n;
    size_t front = 0;
    size_t back = n;
    double lo = INFINITY;
    double hi = -INFINITY;

    for (size_t i = 0; i < n; i++) {
        double score = scores[i];
        if (!isfinite(score))
            return sk_error_set(err, SK_ERR_INPUT,
                                "score in row %zu is %g; every score must be a "
                                "finite number. Fix or remove that row.",
                                i + 1, score);
        if (y[i] > 1)
            return sk_error_set(err, SK_ERR_INPUT,
                                "label in row %zu is %u; labels must be 0 "
                                "(negative) or 1 (positive).",
                                i + 1, (unsigned)y[i]);
        if (score < lo)
            lo = score;
        if (score > hi)
            hi = score;
        if (y[i])
            keys[front++] = descending_key(score);
        else
            keys[--back] = descending_key(score);
    }

    sweep->positives = front;
    sweep->min_score = n > 0 ? lo : NAN;
    sweep->max_score = n > 0 ? hi : NAN;
    sweep->probability = n > 0 && lo >= 0.0 && hi <= 1.0;
    return SK_OK;
}

/* Merges the two sorted key lists into levels with cumulative counts. */
static void merge_levels(sk_sweep *sweep, const uint64_t *pos, size_t npos,
                         const uint64_t *neg, size_t nneg)
{
    size_t i = 0;
    size_t j = 0;
    size_t k = 0;

    while (i < npos || j < nneg) {
        uint64_t key;
        if (j == nneg || (i < npos && pos[i] <= neg[j]))
            key = pos[i];
        else
            key = neg[j];
        while (i < npos && pos[i] == key)
            i++;
        while (j < nneg && neg[j] == key)
            j++;
        sweep->scores[k] = score_of_key(key);
        sweep->tp[k] = i;
        sweep->fp[k] = j;
        k++;
    }
    sweep->distinct = k;
}

/* Gives back the unused tail of the level arrays.  A failed shrink keeps the
 * larger block, which is harmless. */
static void shrink_levels(sk_sweep *sweep)
{
    size_t k = sweep->distinct;
    if (k == sweep->n || k == 0)
        return;
    double *scores = realloc(sweep->scores, k * sizeof *scores);
    if (scores != NULL)
        sweep->scores = scores;
    size_t *tp = realloc(sweep->tp, k * sizeof *tp);
    if (tp != NULL)
        sweep->tp = tp;
    size_t *fp = realloc(sweep->fp, k * sizeof *fp);
    if (fp != NULL)
        sweep->fp = fp;
}

sk_status sk_sweep_new(const double *scores, const unsigned char *y, size_t n,
                       sk_sweep **out, sk_error *err)
{
    *out = NULL;
    if (n > SKM_MAX_SCORES)
        return sk_error_set(err, SK_ERR_INPUT,
                            "%zu scores are more than skewtop handles (%zu). "
                            "Use a sample of the rows.",
                            n, SKM_MAX_SCORES);
    if (n > 0 && (scores == NULL || y == NULL))
        return sk_error_set(err, SK_ERR_INTERNAL,
                            "sk_sweep_new: scores or labels are NULL");

    sk_status status = SK_ERR_NOMEM;
    uint64_t *keys = skm_alloc_array(n, sizeof *keys);
    uint64_t *scratch = skm_alloc_array(n, sizeof *scratch);
    sk_sweep *sweep = calloc(1, sizeof *sweep);
    if (keys == NULL || scratch == NULL || sweep == NULL)
        goto fail;
    sweep->n = n;
    sweep->scores = skm_alloc_array(n, sizeof *sweep->scores);
    sweep->tp = skm_alloc_array(n, sizeof *sweep->tp);
    sweep->fp = skm_alloc_array(n, sizeof *sweep->fp);
    if (sweep->scores == NULL || sweep->tp == NULL || sweep->fp == NULL)
        goto fail;

    status = split_by_class(sweep, scores, y, keys, err);
    if (status != SK_OK)
        goto fail;

    size_t npos = sweep->positives;
    size_t nneg = n - npos;
    const uint64_t *pos = skm_sort_keys(keys, scratch, npos);
    const uint64_t *neg = skm_sort_keys(keys + npos, scratch + npos, nneg);
    if (pos == NULL || neg == NULL) {
        status = SK_ERR_NOMEM;
        goto fail;
    }
    merge_levels(sweep, pos, npos, neg, nneg);
    shrink_levels(sweep);
    skm_areas(sweep->tp, sweep->fp, sweep->distinct, &sweep->roc_auc,
              &sweep->average_precision);

    free(keys);
    free(scratch);
    *out = sweep;
    return SK_OK;

fail:
    free(keys);
    free(scratch);
    sk_sweep_free(sweep);
    if (status == SK_ERR_NOMEM)
        return sk_error_set(err, status,
                            "out of memory building the score sweep of %zu "
                            "scores",
                            n);
    return status;
}

void sk_sweep_free(sk_sweep *sweep)
{
    if (sweep == NULL)
        return;
    free(sweep->scores);
    free(sweep->tp);
    free(sweep->fp);
    free(sweep);
}

size_t sk_sweep_count(const sk_sweep *sweep)
{
    return sweep->n;
}

size_t sk_sweep_positives(const sk_sweep *sweep)
{
    return sweep->positives;
}

size_t sk_sweep_distinct(const sk_sweep *sweep)
{
    return sweep->distinct;
}

double sk_sweep_min_score(const sk_sweep *sweep)
{
    return sweep->min_score;
}

double sk_sweep_max_score(const sk_sweep *sweep)
{
    return sweep->max_score;
}

bool sk_sweep_is_probability(const sk_sweep *sweep)
{
    return sweep->probability;
}

size_t skm_sweep_rank(const sk_sweep *sweep, double threshold)
{
    /* Invariant: levels below lo are >= threshold, levels from hi on are
     * not.  A NaN threshold compares false everywhere and gives 0. */
    size_t lo = 0;
    size_t hi = sweep->distinct;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sweep->scores[mid] >= threshold)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

sk_confusion skm_sweep_confusion_rank(const sk_sweep *sweep, size_t rank)
{
    size_t negatives = sweep->n - sweep->positives;
    sk_confusion c = {0, 0, negatives, sweep->positives};
    if (rank == 0)
        return c;
    c.tp = sweep->tp[rank - 1];
    c.fp = sweep->fp[rank - 1];
    c.tn = negatives - c.fp;
    c.fn = sweep->positives - c.tp;
    return c;
}

sk_confusion sk_sweep_confusion(const sk_sweep *sweep, double threshold)
{
    return skm_sweep_confusion_rank(sweep, skm_sweep_rank(sweep, threshold));
}

double sk_sweep_score_at(const sk_sweep *sweep, size_t k)
{
    return k < sweep->distinct ? sweep->scores[k] : NAN;
}

sk_confusion sk_sweep_confusion_at(const sk_sweep *sweep, size_t k)
{
    size_t rank = k < sweep->distinct ? k + 1 : sweep->distinct;
    return skm_sweep_confusion_rank(sweep, rank);
}

double sk_sweep_roc_auc(const sk_sweep *sweep)
{
    return sweep->roc_auc;
}

double sk_sweep_average_precision(const sk_sweep *sweep)
{
    return sweep->average_precision;
}

/*
 * ROC AUC counts, for each level, its negatives times the positives ranked
 * above them plus half the positives tied with them.  Doubling keeps the sum
 * an exact integer.  Average precision adds (R_k - R_k-1) P_k at each level
 * that contains positives: scikit-learn's step sum without its zero terms.
 */
void skm_areas(const size_t *tp, const size_t *fp, size_t levels,
               double *roc_auc, double *average_precision)
{
    size_t positives = levels > 0 ? tp[levels - 1] : 0;
    size_t negatives = levels > 0 ? fp[levels - 1] : 0;
    if (positives == 0 || negatives == 0) {
        *roc_auc = NAN;
        *average_precision = NAN;
        return;
    }

    uint64_t twice_area = 0;
    skm_sum precision_sum = {0.0, 0.0};
    size_t prev_tp = 0;
    size_t prev_fp = 0;
    for (size_t k = 0; k < levels; k++) {
        uint64_t new_tp = tp[k] - prev_tp;
        uint64_t new_fp = fp[k] - prev_fp;
        twice_area += new_fp * (2 * (uint64_t)prev_tp + new_tp);
        if (new_tp > 0) {
            double precision = (double)tp[k] / (double)(tp[k] + fp[k]);
            skm_sum_add(&precision_sum, (double)new_tp * precision);
        }
        prev_tp = tp[k];
        prev_fp = fp[k];
    }
    *roc_auc = (double)twice_area /
               (2.0 * (double)positives * (double)negatives);
    *average_precision = skm_sum_value(&precision_sum) / (double)positives;
}
