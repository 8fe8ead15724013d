/*
 * calibrate.c - prior-shift correction, Platt scaling and isotonic
 * regression of scores.
 *
 * Platt scaling is a two-parameter logistic regression on the logit of a
 * probability, or on the score itself when the scores are margins, fitted
 * with GSL's vector_bfgs2 on the mean log loss and its exact gradient.  Isotonic regression sorts the scores (gsl_sort_index), merges
 * equal scores, and runs pool adjacent violators over the merged points
 * with a stack of blocks, in O(n log n) for the sort and O(n) after it.
 */
#include "skewtop/calibrate.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_vector.h>

/* Platt fit: stop when the gradient of the mean log loss has Euclidean norm
 * below this.  The loss is of order 0.1 to 1 and |logit| <= 36, so rounding
 * leaves the computed gradient near 1e-15; 1e-10 is reached in a few tens
 * of bfgs2 steps and moves a and b by far less than their sampling error. */
#define PLATT_GRADIENT_TOLERANCE 1e-10
/* bfgs2 can stop with GSL_ENOPROG when the loss no longer changes in the
 * last bits, before the gradient test passes (seen at gradient norms of
 * 1e-8 to 1e-9).  A gradient below this bound still counts as converged:
 * a and b then lie within about 1e-7 / c of the minimum, c the curvature of
 * the mean loss, far inside their sampling error. */
#define PLATT_STALL_TOLERANCE 1e-7
#define PLATT_MAX_ITERATIONS 1000
/* First trial step of bfgs2, in the units of a and b. */
#define PLATT_FIRST_STEP 0.1
/* Line-search accuracy; GSL's manual suggests 0.1 for vector_bfgs2. */
#define PLATT_LINE_TOLERANCE 0.1

static const char *const KIND_NAMES[SK_CALIBRATOR_COUNT] = {
    [SK_CALIBRATOR_NONE] = "none",
    [SK_CALIBRATOR_PRIOR_SHIFT] = "prior_shift",
    [SK_CALIBRATOR_PLATT] = "platt",
    [SK_CALIBRATOR_ISOTONIC] = "isotonic",
};

const char *sk_calibrator_name(sk_calibrator_kind kind)
{
    if ((unsigned)kind >= SK_CALIBRATOR_COUNT)
        return "unknown";
    return KIND_NAMES[kind];
}

sk_status sk_calibrator_parse(const char *name, sk_calibrator_kind *kind, sk_error *err)
{
    for (unsigned k = 0; name != NULL && k < SK_CALIBRATOR_COUNT; k++) {
        if (strcmp(name, KIND_NAMES[k]) == 0) {
            *kind = (sk_calibrator_kind)k;
            return SK_OK;
        }
    }
    return sk_error_set(err, SK_ERR_INPUT,
                        "unknown calibration '%s'. Use none, prior_shift, platt or isotonic.",
                        name != NULL ? name : "");
}

void sk_calibrator_free(sk_calibrator *calibrator)
{
    if (calibrator == NULL)
        return;
    free(calibrator->x);
    free(calibrator->y);
    memset(calibrator, 0, sizeof *calibrator);
}

/* ---- logit, sigmoid and the prior shift ----------------------------------------- */

double sk_calibrate_logit(double p)
{
    if (!(p >= 0.0 && p <= 1.0))
        return NAN;
    /* log1p(-p) keeps the digits of 1 - p for p near 0, and 1 - p is exact
     * for p near 1, so both tails keep their relative accuracy. */
    return log(p) - log1p(-p);
}

double sk_calibrate_sigmoid(double z)
{
    if (z >= 0.0)
        return 1.0 / (1.0 + exp(-z));
    double e = exp(z);
    return e / (1.0 + e);
}

/* log(1 + exp(z)) without overflow. */
static double softplus(double z)
{
    return fmax(z, 0.0) + log1p(exp(-fabs(z)));
}

double sk_calibrate_effective_prevalence(double weight_neg, double weight_pos,
                                         size_t negatives, size_t positives)
{
    if (!(isfinite(weight_neg) && isfinite(weight_pos) && weight_neg >= 0.0 &&
          weight_pos >= 0.0))
        return NAN;
    double pos = weight_pos * (double)positives;
    double total = pos + weight_neg * (double)negatives;
    return total > 0.0 ? pos / total : NAN;
}

sk_status sk_calibrator_fit_prior_shift(double training_prevalence,
                                        double effective_prevalence,
                                        sk_calibrator *out, sk_error *err)
{
    memset(out, 0, sizeof *out);
    if (isnan(training_prevalence)) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "cannot correct for a prior shift: the training prevalence is "
                            "unknown (nan). Scores read from a file come without the training "
                            "split; use Platt scaling or isotonic regression instead.");
    }
    if (!(training_prevalence > 0.0 && training_prevalence < 1.0)) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "cannot correct for a prior shift: the training prevalence %g "
                            "is not strictly between 0 and 1, so the training split contains "
                            "one class only.", training_prevalence);
    }
    if (!(effective_prevalence > 0.0 && effective_prevalence < 1.0)) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "cannot correct for a prior shift: the effective prevalence %g "
                            "is not strictly between 0 and 1; check that both class weights "
                            "are positive.", effective_prevalence);
    }
    out->kind = SK_CALIBRATOR_PRIOR_SHIFT;
    out->training_prevalence = training_prevalence;
    out->effective_prevalence = effective_prevalence;
    out->shift = sk_calibrate_logit(training_prevalence) - sk_calibrate_logit(effective_prevalence);
    return SK_OK;
}

/* ---- calibration data --------------------------------------------------------- */

/*
 * Checks scores and labels, counts the positives and stores in
 * *probabilities whether every score lies in [0, 1].  Messages give no row
 * number, because callers pass a sample of the rows (the calibration
 * split), not the rows of a file in order.
 */
static sk_status check_calibration_data(const char *method, const double *scores,
                                        const unsigned char *y, size_t n,
                                        size_t *positives, bool *probabilities,
                                        sk_error *err)
{
    if (n == 0) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "cannot fit %s: the calibration data is empty. It needs scores "
                            "and labels of both classes.", method);
    }
    size_t count = 0;
    size_t not_finite = 0;
    double first_not_finite = 0.0;
    bool all_in_unit = true;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(scores[i])) {
            if (not_finite++ == 0)
                first_not_finite = scores[i];
            continue;
        }
        all_in_unit = all_in_unit && scores[i] >= 0.0 && scores[i] <= 1.0;
        count += y[i] != 0;
    }
    if (not_finite > 0) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "cannot fit %s: %zu of the %zu calibration scores are not finite "
                            "numbers (the first is %g). Remove those rows or give them finite "
                            "scores.", method, not_finite, n, first_not_finite);
    }
    if (count == 0 || count == n) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "cannot fit %s: the calibration data contains one class only (%zu "
                            "positive and %zu negative rows). It needs rows of both classes.",
                            method, count, n - count);
    }
    *positives = count;
    *probabilities = all_in_unit;
    return SK_OK;
}

/* ---- Platt scaling ---------------------------------------------------------- */

/* Returns the Platt regressor of a probability, logit(clip(score)). */
static double platt_logit(double score)
{
    double clipped = fmin(fmax(score, SK_CALIBRATE_CLIP), 1.0 - SK_CALIBRATE_CLIP);
    return sk_calibrate_logit(clipped);
}

/* The data of the Platt loss. */
typedef struct {
    const double *u;            /* [n] the regressor: logit or standardised margin */
    const unsigned char *y;     /* [n] */
    size_t n;
    double target_pos;          /* (N+ + 1) / (N+ + 2) */
    double target_neg;          /* 1 / (N- + 2) */
} platt_problem;

/*
 * Mean over rows of the cross-entropy between target t and sigmoid(f),
 * f = a u + b, written as softplus(f) - t f; its gradient is the mean of
 * (sigmoid(f) - t) (u, 1).
 */
static void platt_fdf(const gsl_vector *ab, void *params, double *loss, gsl_vector *grad)
{
    const platt_problem *p = params;
    double a = gsl_vector_get(ab, 0);
    double b = gsl_vector_get(ab, 1);
    double sum = 0.0, ga = 0.0, gb = 0.0;

    for (size_t i = 0; i < p->n; i++) {
        double f = a * p->u[i] + b;
        double t = p->y[i] ? p->target_pos : p->target_neg;
        if (loss != NULL)
            sum += softplus(f) - t * f;
        if (grad != NULL) {
            double d = sk_calibrate_sigmoid(f) - t;
            ga += d * p->u[i];
            gb += d;
        }
    }
    double n = (double)p->n;
    if (loss != NULL)
        *loss = sum / n;
    if (grad != NULL) {
        gsl_vector_set(grad, 0, ga / n);
        gsl_vector_set(grad, 1, gb / n);
    }
}

static double platt_f(const gsl_vector *ab, void *params)
{
    double loss;
    platt_fdf(ab, params, &loss, NULL);
    return loss;
}

static void platt_df(const gsl_vector *ab, void *params, gsl_vector *grad)
{
    platt_fdf(ab, params, NULL, grad);
}

/* Runs bfgs2 from the start in ab and leaves the minimum there. */
static sk_status platt_minimise(platt_problem *problem, gsl_vector *ab, sk_error *err)
{
    gsl_multimin_function_fdf fdf = {
        .f = platt_f, .df = platt_df, .fdf = platt_fdf, .n = 2, .params = problem,
    };
    gsl_multimin_fdfminimizer *minimizer =
        gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, 2);
    if (minimizer == NULL)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory for the Platt scaling minimiser");

    sk_status status = SK_OK;
    int gsl_status = gsl_multimin_fdfminimizer_set(minimizer, &fdf, ab, PLATT_FIRST_STEP,
                                                   PLATT_LINE_TOLERANCE);
    if (gsl_status != GSL_SUCCESS) {
        status = sk_error_set(err, SK_ERR_NUMERIC, "Platt scaling: the minimiser could not "
                              "start (GSL: %s).", gsl_strerror(gsl_status));
    }

    size_t iteration = 0;
    while (status == SK_OK) {
        const gsl_vector *grad = gsl_multimin_fdfminimizer_gradient(minimizer);
        if (gsl_multimin_test_gradient(grad, PLATT_GRADIENT_TOLERANCE) == GSL_SUCCESS)
            break;
        if (iteration++ == PLATT_MAX_ITERATIONS) {
            status = sk_error_set(err, SK_ERR_NUMERIC,
                                  "Platt scaling did not converge in %d iterations (gradient "
                                  "norm %g).", PLATT_MAX_ITERATIONS, gsl_blas_dnrm2(grad));
            break;
        }
        gsl_status = gsl_multimin_fdfminimizer_iterate(minimizer);
        if (gsl_status == GSL_ENOPROG) {
            double norm = gsl_blas_dnrm2(gsl_multimin_fdfminimizer_gradient(minimizer));
            if (!(norm < PLATT_STALL_TOLERANCE)) {
                status = sk_error_set(err, SK_ERR_NUMERIC,
                                      "Platt scaling stopped making progress with gradient "
                                      "norm %g after %zu iterations.", norm, iteration);
            }
            break;
        }
        if (gsl_status != GSL_SUCCESS) {
            status = sk_error_set(err, SK_ERR_NUMERIC, "Platt scaling failed after %zu "
                                  "iterations (GSL: %s).", iteration, gsl_strerror(gsl_status));
        }
    }

    if (status == SK_OK)
        gsl_vector_memcpy(ab, gsl_multimin_fdfminimizer_x(minimizer));
    gsl_multimin_fdfminimizer_free(minimizer);
    return status;
}

/*
 * Fills u with the regressor of each score and returns in *center and
 * *scale the standardisation u = (score - center) / scale of margins, or 0
 * and 1 for probabilities, whose regressor is their logit.  Standardising
 * puts both parameters on the scale of 1 at the start of bfgs2, whatever
 * the unit of the margins.  The caller maps a and b back to the raw score.
 */
static void platt_regressor(const double *scores, size_t n, sk_platt_input input,
                            double *u, double *center, double *scale)
{
    *center = 0.0;
    *scale = 1.0;
    if (input == SK_PLATT_INPUT_LOGIT) {
        for (size_t i = 0; i < n; i++)
            u[i] = platt_logit(scores[i]);
        return;
    }
    double mean = gsl_stats_mean(scores, 1, n);
    double sd = n > 1 ? gsl_stats_sd_m(scores, 1, n, mean) : 0.0;
    /* Equal margins leave only b to fit, so any scale works, and 1 avoids
     * dividing by 0.  An overflowing sd (margins near DBL_MAX) also gets 1. */
    if (isfinite(mean))
        *center = mean;
    if (sd > 0.0 && isfinite(sd))
        *scale = sd;
    for (size_t i = 0; i < n; i++)
        u[i] = (scores[i] - *center) / *scale;
}

sk_status sk_calibrator_fit_platt(const double *scores, const unsigned char *y, size_t n,
                                  sk_calibrator *out, sk_error *err)
{
    memset(out, 0, sizeof *out);
    size_t positives = 0;
    bool probabilities = false;
    sk_status status = check_calibration_data("Platt scaling", scores, y, n, &positives,
                                              &probabilities, err);
    if (status != SK_OK)
        return status;

    double *u = sk_calloc(n, sizeof(double));
    gsl_vector *ab = gsl_vector_alloc(2);
    if (u == NULL || ab == NULL) {
        free(u);
        if (ab != NULL)
            gsl_vector_free(ab);
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory for Platt scaling of %zu scores", n);
    }
    sk_platt_input input = probabilities ? SK_PLATT_INPUT_LOGIT : SK_PLATT_INPUT_MARGIN;
    double center, scale;
    platt_regressor(scores, n, input, u, &center, &scale);

    double n_pos = (double)positives;
    double n_neg = (double)(n - positives);
    platt_problem problem = {
        .u = u, .y = y, .n = n,
        .target_pos = (n_pos + 1.0) / (n_pos + 2.0),
        .target_neg = 1.0 / (n_neg + 2.0),
    };
    gsl_vector_set(ab, 0, 0.0);
    gsl_vector_set(ab, 1, log((n_pos + 1.0) / (n_neg + 1.0)));
    status = platt_minimise(&problem, ab, err);

    if (status == SK_OK) {
        /* a' u + b' with u = (s - center) / scale is a s + b with these. */
        double a = gsl_vector_get(ab, 0) / scale;
        double b = gsl_vector_get(ab, 1) - a * center;
        if (!isfinite(a) || !isfinite(b)) {
            status = sk_error_set(err, SK_ERR_NUMERIC,
                                  "Platt scaling gave a non-finite map (a = %g, b = %g).", a, b);
        } else {
            out->kind = SK_CALIBRATOR_PLATT;
            out->platt_input = input;
            out->a = a;
            out->b = b;
        }
    }
    gsl_vector_free(ab);
    free(u);
    return status;
}

/* ---- isotonic regression ------------------------------------------------------- */

/* A run of merged points with the same fitted value. */
typedef struct {
    double label_sum;   /* positives in the block */
    double weight;      /* rows in the block */
    size_t last;        /* index of the block's last merged point */
} pav_block;

/*
 * Merges equal scores: writes the distinct scores of the sorted order into
 * ux, their positive counts into label_sum and row counts into weight, and
 * returns how many there are.
 */
static size_t merge_equal_scores(const double *scores, const unsigned char *y,
                                 const size_t *order, size_t n, double *ux,
                                 double *label_sum, double *weight)
{
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k];
        if (m == 0 || scores[i] != ux[m - 1]) {
            ux[m] = scores[i];
            label_sum[m] = 0.0;
            weight[m] = 0.0;
            m++;
        }
        label_sum[m - 1] += y[i] != 0;
        weight[m - 1] += 1.0;
    }
    return m;
}

/*
 * Pool adjacent violators over m points: replaces label_sum[j] by the
 * fitted value of point j, the mean label of its block.  A new point merges
 * into the block before it while that block's mean is >= its own, so
 * adjacent blocks end strictly increasing.  blocks has room for m entries.
 */
static void pool_adjacent_violators(double *label_sum, const double *weight, size_t m,
                                    pav_block *blocks)
{
    size_t top = 0;
    for (size_t j = 0; j < m; j++) {
        blocks[top++] = (pav_block){label_sum[j], weight[j], j};
        while (top >= 2) {
            pav_block *prev = &blocks[top - 2];
            pav_block *last = &blocks[top - 1];
            if (prev->label_sum / prev->weight < last->label_sum / last->weight)
                break;
            prev->label_sum += last->label_sum;
            prev->weight += last->weight;
            prev->last = last->last;
            top--;
        }
    }

    size_t first = 0;
    for (size_t b = 0; b < top; b++) {
        double value = blocks[b].label_sum / blocks[b].weight;
        for (size_t j = first; j <= blocks[b].last; j++)
            label_sum[j] = value;
        first = blocks[b].last + 1;
    }
}

/* Keeps the first and last point and every point whose value differs from
 * a neighbour's, in place; returns the count kept. */
static size_t drop_interior_points(double *x, double *value, size_t m)
{
    size_t count = 0;
    for (size_t j = 0; j < m; j++) {
        bool interior = j > 0 && j + 1 < m && value[j] == value[j - 1] &&
                        value[j] == value[j + 1];
        if (!interior) {
            x[count] = x[j];
            value[count] = value[j];
            count++;
        }
    }
    return count;
}

sk_status sk_calibrator_fit_isotonic(const double *scores, const unsigned char *y, size_t n,
                                     sk_calibrator *out, sk_error *err)
{
    memset(out, 0, sizeof *out);
    size_t positives = 0;
    bool probabilities = false;
    sk_status status = check_calibration_data("isotonic regression", scores, y, n,
                                              &positives, &probabilities, err);
    if (status != SK_OK)
        return status;

    size_t *order = sk_calloc(n, sizeof(size_t));
    double *x = sk_calloc(n, sizeof(double));
    double *value = sk_calloc(n, sizeof(double));
    double *weight = sk_calloc(n, sizeof(double));
    pav_block *blocks = sk_calloc(n, sizeof(pav_block));
    if (order == NULL || x == NULL || value == NULL || weight == NULL || blocks == NULL) {
        status = sk_error_set(err, SK_ERR_NOMEM,
                              "out of memory for isotonic regression of %zu scores", n);
        goto done;
    }

    gsl_sort_index(order, scores, 1, n);
    size_t m = merge_equal_scores(scores, y, order, n, x, value, weight);
    pool_adjacent_violators(value, weight, m, blocks);
    size_t points = drop_interior_points(x, value, m);

    /* Shrink the arrays to the points kept; a failed shrink keeps them. */
    double *fit_x = sk_reallocarray(x, points, sizeof(double));
    if (fit_x != NULL)
        x = fit_x;
    double *fit_y = sk_reallocarray(value, points, sizeof(double));
    if (fit_y != NULL)
        value = fit_y;

    out->kind = SK_CALIBRATOR_ISOTONIC;
    out->points = points;
    out->x = x;
    out->y = value;
    x = NULL;
    value = NULL;

done:
    free(order);
    free(x);
    free(value);
    free(weight);
    free(blocks);
    return status;
}

sk_status sk_calibrator_fit(sk_calibrator_kind kind, const sk_calibration_input *input,
                            sk_calibrator *out, sk_error *err)
{
    memset(out, 0, sizeof *out);
    if (input == NULL && kind != SK_CALIBRATOR_NONE && (unsigned)kind < SK_CALIBRATOR_COUNT)
        return sk_error_set(err, SK_ERR_INTERNAL, "no calibration input for %s",
                            sk_calibrator_name(kind));
    switch (kind) {
    case SK_CALIBRATOR_NONE:
        return SK_OK;
    case SK_CALIBRATOR_PRIOR_SHIFT:
        return sk_calibrator_fit_prior_shift(input->training_prevalence,
                                             input->effective_prevalence, out, err);
    case SK_CALIBRATOR_PLATT:
        return sk_calibrator_fit_platt(input->scores, input->y, input->n, out, err);
    case SK_CALIBRATOR_ISOTONIC:
        return sk_calibrator_fit_isotonic(input->scores, input->y, input->n, out, err);
    default:
        return sk_error_set(err, SK_ERR_INPUT, "unknown calibration kind %d", (int)kind);
    }
}

/* ---- applying ---------------------------------------------------------------- */

static double apply_isotonic(const sk_calibrator *c, double score)
{
    size_t last = c->points - 1;
    if (c->points == 1)
        return c->y[0];
    score = fmin(fmax(score, c->x[0]), c->x[last]);

    /* hi = the first index >= 1 with x[hi] >= score (numpy.searchsorted,
     * side "left", clipped to [1, last] as interp1d does). */
    size_t lo_bound = 1;
    size_t hi_bound = last;
    while (lo_bound < hi_bound) {
        size_t mid = lo_bound + (hi_bound - lo_bound) / 2;
        if (c->x[mid] < score)
            lo_bound = mid + 1;
        else
            hi_bound = mid;
    }
    size_t hi = lo_bound;
    size_t lo = hi - 1;
    double slope = (c->y[hi] - c->y[lo]) / (c->x[hi] - c->x[lo]);
    return slope * (score - c->x[lo]) + c->y[lo];
}

static double apply_platt(const sk_calibrator *c, double score)
{
    if (c->platt_input == SK_PLATT_INPUT_MARGIN) {
        /* Clamping an infinite margin to a finite one keeps a * score
         * defined (0 * inf is NaN) and its sign when a != 0. */
        score = fmin(fmax(score, -DBL_MAX), DBL_MAX);
        return sk_calibrate_sigmoid(c->a * score + c->b);
    }
    score = fmin(fmax(score, 0.0), 1.0);
    return sk_calibrate_sigmoid(c->a * platt_logit(score) + c->b);
}

double sk_calibrator_apply_one(const sk_calibrator *calibrator, double score)
{
    if (isnan(score))
        return score;
    switch (calibrator->kind) {
    case SK_CALIBRATOR_PRIOR_SHIFT:
        score = fmin(fmax(score, 0.0), 1.0);
        return sk_calibrate_sigmoid(sk_calibrate_logit(score) + calibrator->shift);
    case SK_CALIBRATOR_PLATT:
        return apply_platt(calibrator, score);
    case SK_CALIBRATOR_ISOTONIC:
        return apply_isotonic(calibrator, score);
    default:
        return score;
    }
}

void sk_calibrator_apply(const sk_calibrator *calibrator, const double *scores, double *out,
                         size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = sk_calibrator_apply_one(calibrator, scores[i]);
}

/* ---- export ---------------------------------------------------------------- */

static json_t *json_doubles(const double *values, size_t n)
{
    json_t *array = json_array();
    for (size_t i = 0; array != NULL && i < n; i++) {
        if (json_array_append_new(array, json_real(values[i])) != 0) {
            json_decref(array);
            array = NULL;
        }
    }
    return array;
}

sk_status sk_calibrator_to_json(const sk_calibrator *calibrator, json_t **out, sk_error *err)
{
    const sk_calibrator *c = calibrator;
    json_t *doc = NULL;
    *out = NULL;

    switch (c->kind) {
    case SK_CALIBRATOR_NONE:
        doc = json_pack("{s:s, s:s}", "kind", "none", "formula", "score");
        break;
    case SK_CALIBRATOR_PRIOR_SHIFT:
        doc = json_pack("{s:s, s:s, s:f, s:f, s:f}", "kind", "prior_shift",
                        "formula", "sigmoid(logit(score) + shift)", "shift", c->shift,
                        "training_prevalence", c->training_prevalence,
                        "effective_prevalence", c->effective_prevalence);
        break;
    case SK_CALIBRATOR_PLATT:
        if (c->platt_input == SK_PLATT_INPUT_MARGIN) {
            doc = json_pack("{s:s, s:s, s:s, s:f, s:f}", "kind", "platt", "input", "margin",
                            "formula", "sigmoid(a * score + b)", "a", c->a, "b", c->b);
        } else {
            doc = json_pack("{s:s, s:s, s:s, s:f, s:f, s:f}", "kind", "platt",
                            "input", "probability",
                            "formula", "sigmoid(a * logit(min(max(score, clip), 1 - clip)) + b)",
                            "a", c->a, "b", c->b, "clip", SK_CALIBRATE_CLIP);
        }
        break;
    case SK_CALIBRATOR_ISOTONIC:
        doc = json_pack("{s:s, s:s, s:o*, s:o*}", "kind", "isotonic",
                        "formula", "clip score to [x[0], x[last]], then interpolate "
                        "linearly between the neighbouring points of x and y",
                        "x", json_doubles(c->x, c->points), "y", json_doubles(c->y, c->points));
        if (doc != NULL && json_object_size(doc) != 4) {
            json_decref(doc);
            doc = NULL;
        }
        break;
    default:
        return sk_error_set(err, SK_ERR_INTERNAL, "unknown calibration kind %d", (int)c->kind);
    }
    if (doc == NULL)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory for the JSON of a calibration map");
    *out = doc;
    return SK_OK;
}
