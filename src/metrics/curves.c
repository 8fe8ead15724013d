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
 * Walks the levels from the highest score down and returns how many points
 * the ROC curve has after its first.  roc_curve(drop_intermediate=True)
 * keeps the ends and every level where the second difference of the
 * cumulative negatives or positives is not zero (a corner of the curve).
 * Fills out from point 1 on when it is not NULL.
 */
static size_t roc_points(const sk_sweep *sweep, bool drop_intermediate, sk_curve *out)
{
    size_t levels = sweep->distinct;
    size_t positives = sweep->positives;
    size_t negatives = sweep->n - sweep->positives;
    size_t kept = 0;
    /* Counts of levels k - 1, k and k + 1. */
    int64_t tp_before = 0, fp_before = 0;
    int64_t tp = (int64_t)skm_level_tp(sweep, 0);
    int64_t fp = (int64_t)skm_level_fp(sweep, 0);
    for (size_t k = 0; k < levels; k++) {
        int64_t tp_after = 0, fp_after = 0;
        if (k + 1 < levels) {
            tp_after = (int64_t)skm_level_tp(sweep, k + 1);
            fp_after = (int64_t)skm_level_fp(sweep, k + 1);
        }
        bool keep = !drop_intermediate || levels <= 2 || k == 0 || k + 1 == levels
                    || fp_after - 2 * fp + fp_before != 0
                    || tp_after - 2 * tp + tp_before != 0;
        if (keep) {
            kept++;
            if (out != NULL) {
                out->x[kept] = rate((size_t)fp, negatives);
                out->y[kept] = rate((size_t)tp, positives);
                out->thresholds[kept] = sweep->scores[k];
            }
        }
        tp_before = tp;
        fp_before = fp;
        tp = tp_after;
        fp = fp_after;
    }
    return kept;
}

sk_status sk_sweep_roc_curve(const sk_sweep *sweep, bool drop_intermediate,
                             sk_curve *out, sk_error *err)
{
    *out = (sk_curve){0};
    if (sweep->distinct == 0)
        return SK_OK;

    size_t kept = drop_intermediate ? roc_points(sweep, true, NULL) : sweep->distinct;
    sk_status status = curve_alloc(out, kept + 1, err);
    if (status != SK_OK)
        return status;
    out->x[0] = rate(0, sweep->n - sweep->positives);
    out->y[0] = rate(0, sweep->positives);
    out->thresholds[0] = skm_threshold_above(sweep);
    roc_points(sweep, drop_intermediate, out);
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
        size_t tp = skm_level_tp(sweep, k);
        out->x[point] = rate(tp, sweep->positives);
        out->y[point] = (double)tp / (double)sweep->ends[k];
        out->thresholds[point] = sweep->scores[k];
    }
    out->x[levels] = 0.0;
    out->y[levels] = 1.0;
    out->thresholds[levels] = skm_threshold_above(sweep);
    return SK_OK;
}

/* The point of level k on a ROC (pr false) or precision-recall curve. */
static void level_point(const sk_sweep *sweep, bool pr, size_t k, double *x, double *y)
{
    size_t tp = skm_level_tp(sweep, k);
    if (pr) {
        *x = rate(tp, sweep->positives);
        *y = (double)tp / (double)sweep->ends[k];
    } else {
        *x = rate(sweep->ends[k] - tp, sweep->n - sweep->positives);
        *y = rate(tp, sweep->positives);
    }
}

/* True when (x, y) lies at least step from (x0, y0) in either coordinate.
 * A NaN rate (a class with no sample) is NaN along the whole curve, so
 * that coordinate never counts.  Steps above 1 keep only the first and the
 * last level. */
static bool far_enough(double x0, double y0, double x, double y, double step)
{
    double dx = isnan(x) || isnan(x0) ? 0.0 : fabs(x - x0);
    double dy = isnan(y) || isnan(y0) ? 0.0 : fabs(y - y0);
    return dx >= step || dy >= step;
}

/* Visits the levels a thinned curve keeps, from the highest score down:
 * the first, the last, and each one at least step from the last kept.
 * Stores them in out when it is not NULL; returns their count. */
static size_t thin_levels(const sk_sweep *sweep, bool pr, double step, sk_curve *out,
                          size_t first_point)
{
    size_t kept_levels = 0;
    double x0 = 0.0;
    double y0 = 0.0;
    size_t last = sweep->distinct - 1;
    for (size_t k = 0; k <= last; k++) {
        double x;
        double y;
        level_point(sweep, pr, k, &x, &y);
        if (k > 0 && k < last && !far_enough(x0, y0, x, y, step))
            continue;
        x0 = x;
        y0 = y;
        if (out != NULL) {
            /* The precision-recall layout runs from the lowest threshold. */
            size_t point = pr ? first_point - kept_levels : first_point + kept_levels;
            out->x[point] = x;
            out->y[point] = y;
            out->thresholds[point] = sweep->scores[k];
        }
        kept_levels++;
    }
    return kept_levels;
}

sk_status sk_sweep_curve_thin(const sk_sweep *sweep, bool pr, size_t max_points,
                              sk_curve *out, sk_error *err)
{
    *out = (sk_curve){0};
    if (max_points < 4)
        return sk_error_set(err, SK_ERR_INPUT,
                            "a thinned curve needs room for at least 4 points, not %zu",
                            max_points);
    if (sweep->distinct == 0)
        return SK_OK;

    /* Each kept point moves at least step along one axis.  Both rates of a
     * ROC curve only grow, so about 2 / step points fit.  Precision can go
     * up and down, so the step widens until the count fits. */
    double step = 2.0 / (double)(max_points - 3);
    size_t kept = thin_levels(sweep, pr, step, NULL, 0);
    while (kept + 1 > max_points) {
        step *= 2.0;
        kept = thin_levels(sweep, pr, step, NULL, 0);
    }
    sk_status status = curve_alloc(out, kept + 1, err);
    if (status != SK_OK)
        return status;

    double above = skm_threshold_above(sweep);
    if (pr) {
        thin_levels(sweep, true, step, out, kept - 1);
        out->x[kept] = 0.0;
        out->y[kept] = 1.0;
        out->thresholds[kept] = above;
    } else {
        out->x[0] = rate(0, sweep->n - sweep->positives);
        out->y[0] = rate(0, sweep->positives);
        out->thresholds[0] = above;
        thin_levels(sweep, false, step, out, 1);
    }
    return SK_OK;
}
