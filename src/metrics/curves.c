/*
 * curves.c - ROC and precision-recall curves from the sweep's levels, laid
 * out as scikit-learn 1.2.1's roc_curve and precision_recall_curve return
 * them.
 */
#include "metrics_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

static sk_status curve_alloc(sk_curve *out, size_t points, sk_error *err)
{
    out->points = points;
    out->x = skm_alloc_array(points, sizeof *out->x);
    out->y = skm_alloc_array(points, sizeof *out->y);
    out->thresholds = skm_alloc_array(points, sizeof *out->thresholds);
    if (out->x == NULL || out->y == NULL || out->thresholds == NULL) {
        sk_curve_free(out);
        return sk_error_set(err, SK_ERR_NOMEM,
                            "out of memory for a curve of %zu points", points);
    }
    return SK_OK;
}

void sk_curve_free(sk_curve *curve)
{
    if (curve == NULL)
        return;
    free(curve->x);
    free(curve->y);
    free(curve->thresholds);
    *curve = (sk_curve){0};
}

/* Returns count / total, or NAN when total is 0 (a rate with no class). */
static double rate(size_t count, size_t total)
{
    return total > 0 ? (double)count / (double)total : NAN;
}

/*
 * True when roc_curve(drop_intermediate=True) keeps level k: the ends, and
 * every level where the second difference of the cumulative negatives or
 * positives is not zero (a corner of the curve).
 */
static bool roc_keeps(const sk_sweep *sweep, size_t k)
{
    size_t last = sweep->distinct - 1;
    if (sweep->distinct <= 2 || k == 0 || k == last)
        return true;
    int64_t fp_turn = (int64_t)sweep->fp[k + 1] - 2 * (int64_t)sweep->fp[k] +
                      (int64_t)sweep->fp[k - 1];
    int64_t tp_turn = (int64_t)sweep->tp[k + 1] - 2 * (int64_t)sweep->tp[k] +
                      (int64_t)sweep->tp[k - 1];
    return fp_turn != 0 || tp_turn != 0;
}

sk_status sk_sweep_roc_curve(const sk_sweep *sweep, bool drop_intermediate,
                             sk_curve *out, sk_error *err)
{
    *out = (sk_curve){0};
    if (sweep->distinct == 0)
        return SK_OK;

    size_t kept = sweep->distinct;
    if (drop_intermediate) {
        kept = 0;
        for (size_t k = 0; k < sweep->distinct; k++)
            kept += roc_keeps(sweep, k);
    }
    sk_status status = curve_alloc(out, kept + 1, err);
    if (status != SK_OK)
        return status;

    size_t positives = sweep->positives;
    size_t negatives = sweep->n - sweep->positives;
    out->x[0] = rate(0, negatives);
    out->y[0] = rate(0, positives);
    out->thresholds[0] = skm_threshold_above(sweep);
    size_t point = 1;
    for (size_t k = 0; k < sweep->distinct; k++) {
        if (drop_intermediate && !roc_keeps(sweep, k))
            continue;
        out->x[point] = rate(sweep->fp[k], negatives);
        out->y[point] = rate(sweep->tp[k], positives);
        out->thresholds[point] = sweep->scores[k];
        point++;
    }
    return SK_OK;
}

sk_status sk_sweep_pr_curve(const sk_sweep *sweep, sk_curve *out,
                            sk_error *err)
{
    *out = (sk_curve){0};
    if (sweep->distinct == 0)
        return SK_OK;
    size_t levels = sweep->distinct;
    sk_status status = curve_alloc(out, levels + 1, err);
    if (status != SK_OK)
        return status;

    /* Lowest threshold first.  Every level contains a sample, so tp + fp > 0. */
    for (size_t point = 0; point < levels; point++) {
        size_t k = levels - 1 - point;
        size_t tp = sweep->tp[k];
        out->x[point] = rate(tp, sweep->positives);
        out->y[point] = (double)tp / (double)(tp + sweep->fp[k]);
        out->thresholds[point] = sweep->scores[k];
    }
    out->x[levels] = 0.0;
    out->y[levels] = 1.0;
    out->thresholds[levels] = skm_threshold_above(sweep);
    return SK_OK;
}
