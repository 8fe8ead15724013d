/*
 * bootstrap.c - stratified percentile bootstrap on a sweep.
 *
 * A resample of the samples is a resample of the levels: drawing positive
 * number u (in the sweep's descending order) with replacement adds one
 * positive to that positive's level.  So each resample only counts draws
 * per level and forms the cumulative counts, and the metrics come from the
 * same code that serves the sweep itself (skm_areas_add, the rate helpers).
 * Draws come from one gsl_rng_mt19937 seeded by the caller: per resample,
 * first the positives, then the negatives, each with gsl_rng_uniform_int.
 *
 * A binned sweep stands for more samples than can be listed one by one, so
 * there each resample draws the per-level counts of each class at once
 * from a multinomial distribution (gsl_ran_multinomial), which has the
 * same distribution as P (or N) single draws.  That costs O(levels) per
 * resample and no memory per sample, but gives other intervals for the
 * same seed than an exact sweep of the same scores would.
 */
#include "metrics_internal.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Defaults: 1000 resamples leave 25 draws beyond each end of a 95 %
 * interval, so the ends do not hang on one or two extreme resamples. */
#define DEFAULT_RESAMPLES 1000
#define DEFAULT_CONFIDENCE 0.95
#define DEFAULT_SEED 1

static const char *const metric_names[SK_BOOTSTRAP_COUNT] = {
    [SK_BOOTSTRAP_PRECISION] = "precision",
    [SK_BOOTSTRAP_RECALL] = "recall",
    [SK_BOOTSTRAP_F1] = "f1",
    [SK_BOOTSTRAP_BALANCED_ACCURACY] = "balanced_accuracy",
    [SK_BOOTSTRAP_ROC_AUC] = "roc_auc",
    [SK_BOOTSTRAP_AVERAGE_PRECISION] = "average_precision",
};

const char *sk_bootstrap_metric_name(sk_bootstrap_metric metric)
{
    if ((unsigned)metric >= SK_BOOTSTRAP_COUNT)
        return "unknown";
    return metric_names[metric];
}

sk_bootstrap_options sk_bootstrap_defaults(void)
{
    sk_bootstrap_options options = {
        .resamples = DEFAULT_RESAMPLES,
        .confidence = DEFAULT_CONFIDENCE,
        .seed = DEFAULT_SEED,
        .progress = NULL,
        .context = NULL,
    };
    return options;
}

/* Working memory of one run. */
typedef struct {
    uint32_t *positive_level; /* [positives] level of each positive */
    uint32_t *negative_level; /* [negatives] level of each negative */
    double *positive_share;   /* [distinct] binned sweeps: positives per level */
    double *negative_share;   /* [distinct] binned sweeps: negatives per level */
    unsigned int *draws;      /* [distinct] binned sweeps: one multinomial draw */
    uint32_t *tp;             /* [distinct] per-level, then cumulative; a sweep
                                 holds at most UINT32_MAX samples */
    uint32_t *fp;             /* [distinct] */
    double *values[SK_BOOTSTRAP_COUNT]; /* [resamples] each */
    gsl_rng *rng;
} workspace;

static void workspace_free(workspace *w)
{
    free(w->positive_level);
    free(w->negative_level);
    free(w->positive_share);
    free(w->negative_share);
    free(w->draws);
    free(w->tp);
    free(w->fp);
    for (int m = 0; m < SK_BOOTSTRAP_COUNT; m++)
        free(w->values[m]);
    if (w->rng != NULL)
        gsl_rng_free(w->rng);
}

/* Fills the per-level class counts that the multinomial draws of a binned
 * sweep are weighted by. */
static bool binned_shares_alloc(workspace *w, const sk_sweep *sweep)
{
    size_t levels = sweep->distinct;
    w->positive_share = sk_calloc(levels, sizeof *w->positive_share);
    w->negative_share = sk_calloc(levels, sizeof *w->negative_share);
    w->draws = sk_calloc(levels, sizeof *w->draws);
    if (w->positive_share == NULL || w->negative_share == NULL || w->draws == NULL)
        return false;
    size_t prev_tp = 0;
    size_t prev_fp = 0;
    for (size_t k = 0; k < levels; k++) {
        size_t tp = skm_level_tp(sweep, k);
        size_t fp = skm_level_fp(sweep, k);
        w->positive_share[k] = (double)(tp - prev_tp);
        w->negative_share[k] = (double)(fp - prev_fp);
        prev_tp = tp;
        prev_fp = fp;
    }
    return true;
}

static bool workspace_alloc(workspace *w, const sk_sweep *sweep,
                            size_t resamples)
{
    *w = (workspace){0};
    size_t negatives = sweep->n - sweep->positives;
    w->tp = sk_calloc(sweep->distinct, sizeof *w->tp);
    w->fp = sk_calloc(sweep->distinct, sizeof *w->fp);
    w->rng = gsl_rng_alloc(gsl_rng_mt19937);
    bool ok = w->tp && w->fp && w->rng;
    for (int m = 0; m < SK_BOOTSTRAP_COUNT; m++) {
        w->values[m] = sk_calloc(resamples, sizeof *w->values[m]);
        ok = ok && w->values[m] != NULL;
    }
    if (!ok)
        return false;
    if (sweep->binned)
        return binned_shares_alloc(w, sweep);

    w->positive_level = sk_calloc(sweep->positives, sizeof *w->positive_level);
    w->negative_level = sk_calloc(negatives, sizeof *w->negative_level);
    if (w->positive_level == NULL || w->negative_level == NULL)
        return false;

    /* Sample u of a class, in descending score order, sits on level k. */
    size_t pos = 0;
    size_t neg = 0;
    size_t prev_tp = 0;
    size_t prev_fp = 0;
    for (size_t k = 0; k < sweep->distinct; k++) {
        size_t tp = skm_level_tp(sweep, k);
        size_t fp = skm_level_fp(sweep, k);
        for (; prev_tp < tp; prev_tp++)
            w->positive_level[pos++] = (uint32_t)k;
        for (; prev_fp < fp; prev_fp++)
            w->negative_level[neg++] = (uint32_t)k;
    }
    return true;
}

/* Draws the per-level counts of one class of a binned sweep: count draws
 * over the levels, weighted by share, into counts. */
static void draw_level_counts(workspace *w, const double *share, size_t count,
                              size_t levels, uint32_t *counts)
{
    /* sk_sweep_new_binned() keeps n <= UINT32_MAX. */
    gsl_ran_multinomial(w->rng, levels, (unsigned int)count, share, w->draws);
    for (size_t k = 0; k < levels; k++)
        counts[k] = w->draws[k];
}

/* Draws one stratified resample into w->tp and w->fp as cumulative counts. */
static void draw_resample(workspace *w, const sk_sweep *sweep)
{
    size_t positives = sweep->positives;
    size_t negatives = sweep->n - positives;
    size_t levels = sweep->distinct;

    memset(w->tp, 0, levels * sizeof *w->tp);
    memset(w->fp, 0, levels * sizeof *w->fp);
    if (sweep->binned) {
        if (positives > 0)
            draw_level_counts(w, w->positive_share, positives, levels, w->tp);
        if (negatives > 0)
            draw_level_counts(w, w->negative_share, negatives, levels, w->fp);
    } else {
        for (size_t i = 0; i < positives; i++)
            w->tp[w->positive_level[gsl_rng_uniform_int(w->rng, positives)]]++;
        for (size_t i = 0; i < negatives; i++)
            w->fp[w->negative_level[gsl_rng_uniform_int(w->rng, negatives)]]++;
    }
    for (size_t k = 1; k < levels; k++) {
        w->tp[k] += w->tp[k - 1];
        w->fp[k] += w->fp[k - 1];
    }
}

/* Fills the metrics at one threshold from its confusion matrix. */
static void evaluate_rates(sk_confusion c, double values[SK_BOOTSTRAP_COUNT])
{
    sk_rates r = sk_rates_from_confusion(c);
    values[SK_BOOTSTRAP_PRECISION] = r.precision;
    values[SK_BOOTSTRAP_RECALL] = r.recall;
    values[SK_BOOTSTRAP_F1] = r.f1;
    values[SK_BOOTSTRAP_BALANCED_ACCURACY] = r.balanced_accuracy;
}

/* Evaluates every bootstrap metric on the cumulative counts of a resample,
 * predicting the first `rank` levels positive. */
static void evaluate(const uint32_t *tp, const uint32_t *fp, size_t levels,
                     size_t rank, double values[SK_BOOTSTRAP_COUNT])
{
    size_t positives = levels > 0 ? tp[levels - 1] : 0;
    size_t negatives = levels > 0 ? fp[levels - 1] : 0;
    sk_confusion c = {0, 0, negatives, positives};
    if (rank > 0) {
        c.tp = tp[rank - 1];
        c.fp = fp[rank - 1];
        c.tn = negatives - c.fp;
        c.fn = positives - c.tp;
    }
    evaluate_rates(c, values);
    skm_areas areas = {0};
    for (size_t k = 0; k < levels; k++)
        skm_areas_add(&areas, tp[k], fp[k]);
    skm_areas_result(&areas, &values[SK_BOOTSTRAP_ROC_AUC],
                     &values[SK_BOOTSTRAP_AVERAGE_PRECISION]);
}

/* Sorts each metric's resample values and reads the interval ends. */
static void set_intervals(workspace *w, size_t resamples, double confidence,
                          sk_bootstrap_result *out)
{
    double tail = (1.0 - confidence) / 2.0;
    for (int m = 0; m < SK_BOOTSTRAP_COUNT; m++) {
        sk_interval *interval = &out->metric[m];
        if (isnan(interval->estimate))
            continue;
        gsl_sort(w->values[m], 1, resamples);
        interval->lo = gsl_stats_quantile_from_sorted_data(w->values[m], 1,
                                                           resamples, tail);
        interval->hi = gsl_stats_quantile_from_sorted_data(w->values[m], 1,
                                                           resamples, 1.0 - tail);
    }
}

sk_status sk_sweep_bootstrap(const sk_sweep *sweep, double threshold,
                             const sk_bootstrap_options *options,
                             sk_bootstrap_result *out, sk_error *err)
{
    sk_bootstrap_options defaults = sk_bootstrap_defaults();
    if (options == NULL)
        options = &defaults;
    *out = (sk_bootstrap_result){.threshold = threshold,
                                 .confidence = options->confidence};
    for (int m = 0; m < SK_BOOTSTRAP_COUNT; m++)
        out->metric[m] = (sk_interval){NAN, NAN, NAN};

    if (options->resamples == 0)
        return sk_error_set(err, SK_ERR_INPUT,
                            "bootstrap resample count is 0; use at least 1 "
                            "(1000 is the default)");
    if (!(options->confidence > 0.0 && options->confidence < 1.0))
        return sk_error_set(err, SK_ERR_INPUT,
                            "bootstrap confidence %g is outside (0, 1); use "
                            "for example 0.95",
                            options->confidence);
    if (sweep->n == 0)
        return sk_error_set(err, SK_ERR_INPUT,
                            "no scores to resample; the bootstrap needs at "
                            "least one sample");

    size_t rank = skm_sweep_rank(sweep, threshold);
    double estimates[SK_BOOTSTRAP_COUNT];
    evaluate_rates(skm_sweep_confusion_rank(sweep, rank), estimates);
    estimates[SK_BOOTSTRAP_ROC_AUC] = sweep->roc_auc;
    estimates[SK_BOOTSTRAP_AVERAGE_PRECISION] = sweep->average_precision;
    for (int m = 0; m < SK_BOOTSTRAP_COUNT; m++)
        out->metric[m].estimate = estimates[m];

    workspace w;
    if (!workspace_alloc(&w, sweep, options->resamples)) {
        workspace_free(&w);
        return sk_error_set(err, SK_ERR_NOMEM,
                            "out of memory for %zu bootstrap resamples of %zu "
                            "scores",
                            options->resamples, sweep->n);
    }
    gsl_rng_set(w.rng, options->seed);

    for (size_t b = 0; b < options->resamples; b++) {
        double values[SK_BOOTSTRAP_COUNT];
        draw_resample(&w, sweep);
        evaluate(w.tp, w.fp, sweep->distinct, rank, values);
        for (int m = 0; m < SK_BOOTSTRAP_COUNT; m++)
            w.values[m][b] = values[m];
        out->resamples = b + 1;
        if (options->progress != NULL &&
            !options->progress(options->context, b + 1, options->resamples)) {
            out->cancelled = true;
            break;
        }
    }
    if (!out->cancelled)
        set_intervals(&w, options->resamples, options->confidence, out);
    workspace_free(&w);
    return SK_OK;
}
