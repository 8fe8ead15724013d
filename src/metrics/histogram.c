/*
 * histogram.c - score histograms by class and the reliability diagram.
 *
 * Bin edges are computed as numpy.linspace computes them (i * step + lo, the
 * last edge exactly hi), so a score that falls on an edge lands in the same
 * bin as in numpy and scikit-learn.  The sweep versions compute from the
 * sorted levels: a histogram is two binary searches per edge and the
 * calibration bins are one pass over the levels.
 */
#include "metrics_internal.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_histogram.h>
#include <math.h>
#include <stdlib.h>

/* Fills edges[0..bins] like numpy.linspace(lo, hi, bins + 1). */
static void linspace_edges(double lo, double hi, size_t bins, double *edges)
{
    double delta = hi - lo;
    double step = delta / (double)bins;
    for (size_t i = 0; i < bins; i++) {
        /* numpy divides first when the step underflows to 0. */
        if (step == 0.0)
            edges[i] = (double)i / (double)bins * delta + lo;
        else
            edges[i] = (double)i * step + lo;
    }
    edges[bins] = hi;
}

static sk_status check_range(size_t bins, double lo, double hi, sk_error *err)
{
    if (bins == 0)
        return sk_error_set(err, SK_ERR_INPUT,
                            "histogram bin count is 0; use at least 1 bin");
    if (!(isfinite(lo) && isfinite(hi) && lo < hi && isfinite(hi - lo)))
        return sk_error_set(err, SK_ERR_INPUT,
                            "histogram range [%g, %g] is invalid; use finite "
                            "bounds with lo < hi",
                            lo, hi);
    return SK_OK;
}

/* Allocates the count arrays of out and zeroes them. */
static sk_status histogram_init(sk_class_histogram *out, size_t bins,
                                double lo, double hi, sk_error *err)
{
    out->bins = bins;
    out->lo = lo;
    out->hi = hi;
    out->negatives = sk_calloc(bins, sizeof *out->negatives);
    out->positives = sk_calloc(bins, sizeof *out->positives);
    if (out->negatives == NULL || out->positives == NULL) {
        sk_class_histogram_free(out);
        return sk_error_set(err, SK_ERR_NOMEM,
                            "out of memory for a histogram of %zu bins", bins);
    }
    return SK_OK;
}

/* Adds one score to h, clamping it into the end bins as metrics.h documents. */
static int histogram_add(gsl_histogram *h, double score, double lo, double hi)
{
    if (score < lo)
        score = lo;
    if (score >= hi) {
        h->bin[h->n - 1] += 1.0;
        return GSL_SUCCESS;
    }
    return gsl_histogram_increment(h, score);
}

sk_status sk_class_histogram_build(const double *scores, const unsigned char *y,
                                   size_t n, size_t bins, double lo, double hi,
                                   sk_class_histogram *out, sk_error *err)
{
    *out = (sk_class_histogram){0};
    sk_status status = check_range(bins, lo, hi, err);
    if (status != SK_OK)
        return status;

    double *edges = sk_calloc(bins + 1, sizeof *edges);
    gsl_histogram *by_class[2] = {gsl_histogram_alloc(bins),
                                  gsl_histogram_alloc(bins)};
    if (edges == NULL || by_class[0] == NULL || by_class[1] == NULL) {
        status = sk_error_set(err, SK_ERR_NOMEM,
                              "out of memory for a histogram of %zu bins", bins);
        goto done;
    }
    linspace_edges(lo, hi, bins, edges);
    for (int k = 0; k < 2; k++) {
        if (gsl_histogram_set_ranges(by_class[k], edges, bins + 1) != GSL_SUCCESS) {
            status = sk_error_set(err, SK_ERR_INTERNAL,
                                  "gsl_histogram_set_ranges rejected %zu bins",
                                  bins);
            goto done;
        }
    }

    for (size_t i = 0; i < n; i++) {
        if (!isfinite(scores[i])) {
            status = sk_error_set(err, SK_ERR_INPUT,
                                  "score in row %zu is %g; every score must be "
                                  "a finite number. Fix or remove that row.",
                                  i + 1, scores[i]);
            goto done;
        }
        if (histogram_add(by_class[y[i] ? 1 : 0], scores[i], lo, hi) != GSL_SUCCESS) {
            status = sk_error_set(err, SK_ERR_INTERNAL,
                                  "score %g of row %zu found no histogram bin",
                                  scores[i], i + 1);
            goto done;
        }
    }

    status = histogram_init(out, bins, lo, hi, err);
    if (status != SK_OK)
        goto done;
    for (size_t b = 0; b < bins; b++) {
        out->negatives[b] = (size_t)gsl_histogram_get(by_class[0], b);
        out->positives[b] = (size_t)gsl_histogram_get(by_class[1], b);
    }

done:
    free(edges);
    if (by_class[0] != NULL)
        gsl_histogram_free(by_class[0]);
    if (by_class[1] != NULL)
        gsl_histogram_free(by_class[1]);
    return status;
}

sk_status sk_sweep_class_histogram(const sk_sweep *sweep, size_t bins,
                                   double lo, double hi,
                                   sk_class_histogram *out, sk_error *err)
{
    *out = (sk_class_histogram){0};
    sk_status status = check_range(bins, lo, hi, err);
    if (status != SK_OK)
        return status;
    double *edges = sk_calloc(bins + 1, sizeof *edges);
    if (edges == NULL)
        return sk_error_set(err, SK_ERR_NOMEM,
                            "out of memory for a histogram of %zu bins", bins);
    status = histogram_init(out, bins, lo, hi, err);
    if (status != SK_OK) {
        free(edges);
        return status;
    }
    linspace_edges(lo, hi, bins, edges);

    /* Bin b contains the samples at or above edge b minus those at or above
     * edge b + 1.  The first bin also takes the scores below lo and the last
     * one those above hi. */
    sk_confusion above = {0, 0, 0, 0};
    for (size_t b = bins; b-- > 0;) {
        sk_confusion from = b == 0 ? skm_sweep_confusion_rank(sweep, sweep->distinct)
                                   : sk_sweep_confusion(sweep, edges[b]);
        out->positives[b] = from.tp - above.tp;
        out->negatives[b] = from.fp - above.fp;
        above = from;
    }
    free(edges);
    return SK_OK;
}

void sk_class_histogram_free(sk_class_histogram *histogram)
{
    if (histogram == NULL)
        return;
    free(histogram->negatives);
    free(histogram->positives);
    histogram->negatives = NULL;
    histogram->positives = NULL;
    histogram->bins = 0;
}

/* Allocates the arrays of a calibration with `bins` bins, zeroed. */
static sk_status calibration_init(sk_calibration *out, size_t bins,
                                  sk_error *err)
{
    out->bins = bins;
    out->ece = NAN;
    out->edges = sk_calloc(bins + 1, sizeof *out->edges);
    out->count = sk_calloc(bins, sizeof *out->count);
    out->positives = sk_calloc(bins, sizeof *out->positives);
    out->mean_score = sk_calloc(bins, sizeof *out->mean_score);
    out->fraction_positive = sk_calloc(bins, sizeof *out->fraction_positive);
    if (out->edges == NULL || out->count == NULL || out->positives == NULL ||
        out->mean_score == NULL || out->fraction_positive == NULL) {
        sk_calibration_free(out);
        return sk_error_set(err, SK_ERR_NOMEM,
                            "out of memory for %zu calibration bins", bins);
    }
    return SK_OK;
}

/*
 * Walks the levels from the highest score down.  A level belongs to bin b
 * when edge b < score <= edge b + 1 (bin 0 also takes score 0), which is
 * numpy.searchsorted(inner edges, score, side="left").
 */
static void fill_calibration(const sk_sweep *sweep, sk_calibration *out,
                             sk_sum *score_sums)
{
    size_t b = out->bins - 1;
    size_t prev_tp = 0;
    size_t prev_fp = 0;
    for (size_t k = 0; k < sweep->distinct; k++) {
        double score = sweep->scores[k];
        while (b > 0 && score <= out->edges[b])
            b--;
        size_t tp = skm_level_tp(sweep, k);
        size_t fp = skm_level_fp(sweep, k);
        size_t positives = tp - prev_tp;
        size_t count = positives + (fp - prev_fp);
        out->count[b] += count;
        out->positives[b] += positives;
        sk_sum_add(&score_sums[b], score * (double)count);
        prev_tp = tp;
        prev_fp = fp;
    }
}

sk_status sk_sweep_calibration(const sk_sweep *sweep, size_t bins,
                               sk_calibration *out, sk_error *err)
{
    *out = (sk_calibration){0};
    if (bins == 0)
        return sk_error_set(err, SK_ERR_INPUT,
                            "calibration bin count is 0; use at least 1 bin");
    sk_status status = calibration_init(out, bins, err);
    if (status != SK_OK)
        return status;
    linspace_edges(0.0, 1.0, bins, out->edges);
    for (size_t b = 0; b < bins; b++) {
        out->mean_score[b] = NAN;
        out->fraction_positive[b] = NAN;
    }
    out->applicable = sweep->probability;
    if (!out->applicable)
        return SK_OK;

    sk_sum *score_sums = sk_calloc(bins, sizeof *score_sums);
    if (score_sums == NULL) {
        sk_calibration_free(out);
        return sk_error_set(err, SK_ERR_NOMEM,
                            "out of memory for %zu calibration bins", bins);
    }
    fill_calibration(sweep, out, score_sums);

    sk_sum ece = {0.0, 0.0};
    for (size_t b = 0; b < bins; b++) {
        if (out->count[b] == 0)
            continue;
        double count = (double)out->count[b];
        out->mean_score[b] = sk_sum_value(&score_sums[b]) / count;
        out->fraction_positive[b] = (double)out->positives[b] / count;
        double gap = fabs(out->fraction_positive[b] - out->mean_score[b]);
        sk_sum_add(&ece, count / (double)sweep->n * gap);
    }
    out->ece = sk_sum_value(&ece);
    free(score_sums);
    return SK_OK;
}

void sk_calibration_free(sk_calibration *calibration)
{
    if (calibration == NULL)
        return;
    free(calibration->edges);
    free(calibration->count);
    free(calibration->positives);
    free(calibration->mean_score);
    free(calibration->fraction_positive);
    *calibration = (sk_calibration){0};
}
