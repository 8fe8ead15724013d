/*
 * test_calibrate.c - prior-shift correction, Platt scaling and isotonic
 * regression.
 *
 * Fixtures: tests/fixtures/calibrate/cases.txt, written by generate.py
 * beside it with scikit-learn 1.2.1 (IsotonicRegression and the Platt fit
 * of CalibratedClassifierCV).  The other cases draw labels from a known
 * logistic model with a seeded gsl_rng, so the calibrated probability is
 * known and every tolerance below comes with the sampling error it covers.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "skewtop/calibrate.h"
#include "skewtop/metrics.h"
#include "skewtop/train.h"

#include "test_support.h"

/* Isotonic values are ratios of counts; skewtop divides exact integer sums
 * once, scikit-learn averages running means, so they differ by a few ulps. */
#define ISOTONIC_TOLERANCE 1e-12
/* scikit-learn stops its Platt fit at a gradient norm of 1e-5 on the summed
 * loss, the default gtol of fmin_bfgs.  That leaves its a and b within 3e-6
 * of the minimum on the 8-row case and within 1e-7 on the others. */
#define PLATT_FIXTURE_TOLERANCE 1e-5
#define PLATT_MAPPED_TOLERANCE 1e-5

/* ---- helpers ---------------------------------------------------------------- */

static gsl_rng *seeded_rng(unsigned long seed)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    gsl_rng_set(rng, seed);
    return rng;
}

static double mean_of(const double *values, size_t n)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += values[i];
    return sum / (double)n;
}

/* Labels drawn as Bernoulli(sigmoid(z)), z ~ N(mean, spread); the model's
 * score is sigmoid(slope * z + shift).  Arrays of n, caller frees. */
typedef struct {
    size_t n;
    double *z;
    double *scores;
    unsigned char *y;
    size_t positives;
} simulated;

static simulated simulate(size_t n, double mean, double spread, double slope, double shift,
                          unsigned long seed)
{
    simulated s = {n, calloc(n, sizeof(double)), calloc(n, sizeof(double)), calloc(n, 1), 0};
    assert_non_null(s.z);
    assert_non_null(s.scores);
    assert_non_null(s.y);
    gsl_rng *rng = seeded_rng(seed);
    for (size_t i = 0; i < n; i++) {
        s.z[i] = mean + gsl_ran_gaussian(rng, spread);
        s.y[i] = gsl_rng_uniform(rng) < sigmoid(s.z[i]);
        s.positives += s.y[i];
        s.scores[i] = sigmoid(slope * s.z[i] + shift);
    }
    gsl_rng_free(rng);
    return s;
}

static void simulated_free(simulated *s)
{
    free(s->z);
    free(s->scores);
    free(s->y);
}

static double ece_of(const double *scores, const unsigned char *y, size_t n)
{
    sk_sweep *sweep = NULL;
    sk_calibration calibration;
    sk_error err = {""};
    assert_int_equal(SK_OK, sk_sweep_new(scores, y, n, &sweep, &err));
    assert_int_equal(SK_OK, sk_sweep_calibration(sweep, SK_CALIBRATION_BINS, &calibration, &err));
    double ece = calibration.ece;
    sk_calibration_free(&calibration);
    sk_sweep_free(sweep);
    return ece;
}

/* ---- names, logit and sigmoid ------------------------------------------------ */

static void names_round_trip(void **state)
{
    (void)state;
    sk_error err = {""};
    for (int k = 0; k < SK_CALIBRATOR_COUNT; k++) {
        sk_calibrator_kind parsed = SK_CALIBRATOR_COUNT;
        assert_int_equal(SK_OK, sk_calibrator_parse(sk_calibrator_name((sk_calibrator_kind)k),
                                                    &parsed, &err));
        assert_int_equal(k, parsed);
    }
    assert_string_equal("prior_shift", sk_calibrator_name(SK_CALIBRATOR_PRIOR_SHIFT));
    assert_string_equal("unknown", sk_calibrator_name(SK_CALIBRATOR_COUNT));
    sk_calibrator_kind parsed;
    assert_int_equal(SK_ERR_INPUT, sk_calibrator_parse("sigmoid", &parsed, &err));
    assert_non_null(strstr(err.message, "'sigmoid'"));
    assert_non_null(strstr(err.message, "none, prior_shift, platt or isotonic"));
}

static void logit_tails(void **state)
{
    (void)state;
    /* logit(p) = log p - log(1 - p); near 0 that is log p + p + ..., near 1
     * it is -log(1 - p) + ..., both known to full precision. */
    assert_close(log(1e-300), sk_calibrate_logit(1e-300), 1e-12);
    double tail = ldexp(1.0, -40);
    assert_close(40.0 * M_LN2 + log1p(-tail), sk_calibrate_logit(1.0 - tail), 1e-13);
    assert_close(0.0, sk_calibrate_logit(0.5), 0.0);
    assert_true(isinf(sk_calibrate_logit(0.0)) && sk_calibrate_logit(0.0) < 0.0);
    assert_true(isinf(sk_calibrate_logit(1.0)) && sk_calibrate_logit(1.0) > 0.0);
    assert_true(isnan(sk_calibrate_logit(1.5)));
    assert_true(isnan(sk_calibrate_logit(-0.1)));
    assert_true(isnan(sk_calibrate_logit(NAN)));

    assert_close(1.0, sk_calibrate_sigmoid(1000.0), 0.0);
    assert_close(exp(-700.0), sk_calibrate_sigmoid(-700.0), exp(-700.0) * 1e-14);
    assert_close(0.0, sk_calibrate_sigmoid(-INFINITY), 0.0);
    assert_close(1.0, sk_calibrate_sigmoid(INFINITY), 0.0);

    const double probabilities[] = {1e-12, 0.003, 0.25, 0.5, 0.9, 0.999999};
    for (size_t i = 0; i < sizeof probabilities / sizeof *probabilities; i++) {
        double p = probabilities[i];
        assert_close(p, sk_calibrate_sigmoid(sk_calibrate_logit(p)), p * 1e-14);
    }
}

/* ---- prior shift -------------------------------------------------------------- */

static void effective_prevalence_values(void **state)
{
    (void)state;
    assert_close(0.05, sk_calibrate_effective_prevalence(1.0, 1.0, 950, 50), 1e-16);
    /* 10 * 50 / (10 * 50 + 950) */
    assert_close(500.0 / 1450.0, sk_calibrate_effective_prevalence(1.0, 10.0, 950, 50), 1e-16);

    double w_neg, w_pos;
    sk_class_weights(SK_WEIGHTS_BALANCED, 1.0, 1.0, 1000, 50, &w_neg, &w_pos);
    assert_close(0.5, sk_calibrate_effective_prevalence(w_neg, w_pos, 950, 50), 1e-15);

    assert_true(isnan(sk_calibrate_effective_prevalence(-1.0, 1.0, 950, 50)));
    assert_true(isnan(sk_calibrate_effective_prevalence(1.0, INFINITY, 950, 50)));
    assert_true(isnan(sk_calibrate_effective_prevalence(1.0, 1.0, 0, 0)));
    assert_true(isnan(sk_calibrate_effective_prevalence(0.0, 0.0, 950, 50)));
}

/*
 * A weighted model trained at effective prevalence r outputs
 * sigmoid(z + logit(r) - logit(p)) when the true log-odds are z.  The
 * correction must bring the mean predicted probability back to the
 * training prevalence.  With 10^6 rows at prevalence near 0.05, the mean of
 * sigmoid(z) differs from the label mean by about sqrt(p (1 - p) / n) / p =
 * 0.4 % relative (one standard error), so 1 % is 2.5 standard errors.
 */
#define PRIOR_SHIFT_ROWS 1000000
#define PRIOR_SHIFT_RELATIVE_TOLERANCE 0.01

static void check_prior_shift(const simulated *s, double w_neg, double w_pos)
{
    double p = (double)s->positives / (double)s->n;
    double r = sk_calibrate_effective_prevalence(w_neg, w_pos, s->n - s->positives, s->positives);
    double *weighted = calloc(s->n, sizeof(double));
    assert_non_null(weighted);
    for (size_t i = 0; i < s->n; i++)
        weighted[i] = sigmoid(s->z[i] + log(r * (1.0 - p) / (p * (1.0 - r))));

    /* Uncorrected, the mean sits near r, far from p. */
    double before = mean_of(weighted, s->n);
    if (!(fabs(before - p) > 0.5 * p))
        fail_msg("weighted mean %g is already near the prevalence %g", before, p);

    sk_calibrator c;
    sk_error err = {""};
    assert_int_equal(SK_OK, sk_calibrator_fit_prior_shift(p, r, &c, &err));
    assert_int_equal(SK_CALIBRATOR_PRIOR_SHIFT, c.kind);
    assert_close(log(p * (1.0 - r) / ((1.0 - p) * r)), c.shift, 1e-12);
    sk_calibrator_apply(&c, weighted, weighted, s->n);
    double after = mean_of(weighted, s->n);
    assert_close(p, after, PRIOR_SHIFT_RELATIVE_TOLERANCE * p);
    free(weighted);
}

static void prior_shift_restores_prevalence(void **state)
{
    (void)state;
    simulated s = simulate(PRIOR_SHIFT_ROWS, -3.5, 1.2, 1.0, 0.0, 21);
    double p = (double)s.positives / (double)s.n;
    assert_true(p > 0.03 && p < 0.1);

    double w_neg, w_pos;
    sk_class_weights(SK_WEIGHTS_BALANCED, 1.0, 1.0, s.n, s.positives, &w_neg, &w_pos);
    check_prior_shift(&s, w_neg, w_pos);
    check_prior_shift(&s, 1.0, 10.0);
    /* After resampling to a 1:2 ratio, r is the resampled prevalence 1/3. */
    check_prior_shift(&s, 1.0, 0.5 * (double)(s.n - s.positives) / (double)s.positives);
    simulated_free(&s);
}

static void prior_shift_extremes(void **state)
{
    (void)state;
    sk_calibrator c;
    sk_error err = {""};
    assert_int_equal(SK_OK, sk_calibrator_fit_prior_shift(0.05, 0.5, &c, &err));
    assert_close(0.0, sk_calibrator_apply_one(&c, 0.0), 0.0);
    assert_close(1.0, sk_calibrator_apply_one(&c, 1.0), 0.0);
    assert_close(0.05, sk_calibrator_apply_one(&c, 0.5), 1e-15);
    assert_close(0.0, sk_calibrator_apply_one(&c, -0.2), 0.0);
    assert_true(isnan(sk_calibrator_apply_one(&c, NAN)));
}

static void prior_shift_errors(void **state)
{
    (void)state;
    sk_calibrator c;
    sk_error err = {""};
    assert_int_equal(SK_ERR_INPUT, sk_calibrator_fit_prior_shift(0.0, 0.5, &c, &err));
    assert_non_null(strstr(err.message, "training prevalence 0 "));
    assert_non_null(strstr(err.message, "one class only"));
    assert_int_equal(SK_CALIBRATOR_NONE, c.kind);
    assert_int_equal(SK_ERR_INPUT, sk_calibrator_fit_prior_shift(1.0, 0.5, &c, &err));
    /* Scores from a file have no training split: 0 / 0 rows. */
    assert_int_equal(SK_ERR_INPUT, sk_calibrator_fit_prior_shift(NAN, 0.5, &c, &err));
    assert_non_null(strstr(err.message, "training prevalence is unknown"));
    assert_null(strstr(err.message, "one class only"));
    assert_int_equal(SK_ERR_INPUT, sk_calibrator_fit_prior_shift(0.1, NAN, &c, &err));
    assert_non_null(strstr(err.message, "effective prevalence nan"));
}

/* ---- fixtures --------------------------------------------------------------- */

typedef struct {
    char name[128];
    char kind[32];
    size_t n;
    double *scores;
    unsigned char *labels;
    size_t points;
    double *x, *y;
    double a, b;
    size_t grid_count;
    double *grid, *mapped;
} fixture_case;

/* Parses the whitespace-separated numbers after the key into a new array. */
static double *parse_numbers(const char *text, size_t *count)
{
    size_t capacity = 16, n = 0;
    double *values = malloc(capacity * sizeof(double));
    assert_non_null(values);
    char *end;
    for (double v = strtod(text, &end); end != text; v = strtod(text, &end)) {
        if (n == capacity) {
            capacity *= 2;
            values = realloc(values, capacity * sizeof(double));
            assert_non_null(values);
        }
        values[n++] = v;
        text = end;
    }
    *count = n;
    return values;
}

static void case_free(fixture_case *c)
{
    free(c->scores);
    free(c->labels);
    free(c->x);
    free(c->y);
    free(c->grid);
    free(c->mapped);
    memset(c, 0, sizeof *c);
}

/* Reads the next case of f into c; returns false at the end of the file. */
static bool read_case(FILE *f, fixture_case *c)
{
    char *line = NULL;
    size_t size = 0;
    bool found = false;
    memset(c, 0, sizeof *c);
    while (getline(&line, &size, f) > 0) {
        line[strcspn(line, "\n")] = '\0';
        char *space = strchr(line, ' ');
        const char *rest = space != NULL ? space + 1 : "";
        size_t count = 0;
        if (strncmp(line, "case ", 5) == 0) {
            snprintf(c->name, sizeof c->name, "%s", rest);
            found = true;
        } else if (strncmp(line, "kind ", 5) == 0) {
            snprintf(c->kind, sizeof c->kind, "%s", rest);
        } else if (strncmp(line, "labels ", 7) == 0) {
            double *labels = parse_numbers(rest, &count);
            c->labels = malloc(count);
            assert_non_null(c->labels);
            for (size_t i = 0; i < count; i++)
                c->labels[i] = labels[i] != 0.0;
            free(labels);
        } else if (strncmp(line, "scores ", 7) == 0) {
            c->scores = parse_numbers(rest, &c->n);
        } else if (strncmp(line, "x ", 2) == 0) {
            c->x = parse_numbers(rest, &c->points);
        } else if (strncmp(line, "y ", 2) == 0) {
            c->y = parse_numbers(rest, &count);
            assert_int_equal(c->points, count);
        } else if (strncmp(line, "a ", 2) == 0) {
            c->a = strtod(rest, NULL);
        } else if (strncmp(line, "b ", 2) == 0) {
            c->b = strtod(rest, NULL);
        } else if (strncmp(line, "grid ", 5) == 0) {
            c->grid = parse_numbers(rest, &c->grid_count);
        } else if (strncmp(line, "mapped ", 7) == 0) {
            c->mapped = parse_numbers(rest, &count);
            assert_int_equal(c->grid_count, count);
        } else if (strcmp(line, "end") == 0) {
            break;
        }
    }
    free(line);
    return found;
}

static void check_fixture_case(const fixture_case *c)
{
    sk_calibrator cal;
    sk_error err = {""};
    bool isotonic = strcmp(c->kind, "isotonic") == 0;
    sk_status status = isotonic ? sk_calibrator_fit_isotonic(c->scores, c->labels, c->n, &cal, &err)
                                : sk_calibrator_fit_platt(c->scores, c->labels, c->n, &cal, &err);
    if (status != SK_OK)
        fail_msg("case %s: fit failed: %s", c->name, err.message);

    double mapped_tolerance = PLATT_MAPPED_TOLERANCE;
    if (isotonic) {
        mapped_tolerance = ISOTONIC_TOLERANCE;
        if (cal.points != c->points)
            fail_msg("case %s: %zu points, scikit-learn has %zu", c->name, cal.points, c->points);
        for (size_t i = 0; i < c->points; i++) {
            assert_close(c->x[i], cal.x[i], 0.0);
            assert_close(c->y[i], cal.y[i], ISOTONIC_TOLERANCE);
        }
    } else {
        assert_close(c->a, cal.a, PLATT_FIXTURE_TOLERANCE);
        assert_close(c->b, cal.b, PLATT_FIXTURE_TOLERANCE);
    }
    for (size_t i = 0; i < c->grid_count; i++) {
        double got = sk_calibrator_apply_one(&cal, c->grid[i]);
        if (!(fabs(got - c->mapped[i]) <= mapped_tolerance))
            fail_msg("case %s: score %.17g maps to %.17g, scikit-learn %.17g", c->name,
                     c->grid[i], got, c->mapped[i]);
    }
    sk_calibrator_free(&cal);
}

static void fits_match_sklearn(void **state)
{
    (void)state;
    const char *path = SK_TEST_FIXTURES "/calibrate/cases.txt";
    FILE *f = fopen(path, "r");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    fixture_case c;
    size_t isotonic = 0, platt = 0;
    while (read_case(f, &c)) {
        assert_true(c.n > 0);
        check_fixture_case(&c);
        isotonic += strcmp(c.kind, "isotonic") == 0;
        platt += strcmp(c.kind, "platt") == 0;
        case_free(&c);
    }
    fclose(f);
    assert_int_equal(3, isotonic);
    assert_int_equal(3, platt);
}

/* ---- Platt and isotonic on generated data ------------------------------------- */

/*
 * Scores that are already calibrated: u = z, so the fit should return the
 * identity a = 1, b = 0.  With 50000 rows and z ~ N(-1, 2), the inverse
 * Fisher information gives standard errors of 0.009 for a and 0.013 for b.
 * The smoothed targets move them by O(1/n).  So 0.04 is more than three
 * standard errors.
 */
#define CALIBRATED_ROWS 50000
#define IDENTITY_TOLERANCE 0.04

static void platt_identity_on_calibrated(void **state)
{
    (void)state;
    simulated s = simulate(CALIBRATED_ROWS, -1.0, 2.0, 1.0, 0.0, 31);
    sk_calibrator c;
    sk_error err = {""};
    assert_int_equal(SK_OK, sk_calibrator_fit_platt(s.scores, s.y, s.n, &c, &err));
    assert_int_equal(SK_CALIBRATOR_PLATT, c.kind);
    assert_int_equal(SK_PLATT_INPUT_LOGIT, c.platt_input);
    assert_close(1.0, c.a, IDENTITY_TOLERANCE);
    assert_close(0.0, c.b, IDENTITY_TOLERANCE);
    simulated_free(&s);
}

/*
 * Over-confident, shifted scores sigmoid(2.5 z + 1) for labels drawn from
 * sigmoid(z): fit on one sample, measure ECE on another.  Uncalibrated ECE
 * is about 0.085; a calibrated map leaves only the sampling error of ten
 * bins of 20000 rows, about 0.005.  The bounds leave room for both.
 */
#define ECE_ROWS 20000
#define ECE_MAX_AFTER 0.02
#define ECE_MIN_GAIN 4.0

static void calibration_lowers_ece(void **state)
{
    (void)state;
    simulated fit = simulate(ECE_ROWS, -2.0, 1.5, 2.5, 1.0, 41);
    simulated held_out = simulate(ECE_ROWS, -2.0, 1.5, 2.5, 1.0, 42);
    double before = ece_of(held_out.scores, held_out.y, held_out.n);
    double *mapped = calloc(held_out.n, sizeof(double));
    assert_non_null(mapped);

    for (int kind = SK_CALIBRATOR_PLATT; kind <= SK_CALIBRATOR_ISOTONIC; kind++) {
        sk_calibrator c;
        sk_error err = {""};
        sk_calibration_input input = {fit.scores, fit.y, fit.n, 0.0, 0.0};
        assert_int_equal(SK_OK, sk_calibrator_fit((sk_calibrator_kind)kind, &input, &c, &err));
        sk_calibrator_apply(&c, held_out.scores, mapped, held_out.n);
        double after = ece_of(mapped, held_out.y, held_out.n);
        if (!(after < ECE_MAX_AFTER && after * ECE_MIN_GAIN < before))
            fail_msg("%s: held-out ECE %g before, %g after", sk_calibrator_name(c.kind), before, after);
        sk_calibrator_free(&c);
    }
    free(mapped);
    simulated_free(&fit);
    simulated_free(&held_out);
}

/*
 * Margins m = 3 z + 2 of a logistic model whose labels follow sigmoid(z),
 * as an SVM or an unscaled logit layer outputs them.  Platt scaling on the
 * raw margin must recover z = m / 3 - 2 / 3, so a = 1/3 and b = -2/3.  The
 * fit in z units has the standard errors of platt_identity_on_calibrated
 * (0.009 for the slope and 0.013 for the intercept); on the margin they
 * become 0.003 for a and at most 0.013 + 2/3 * 0.009 = 0.019 for b.  The
 * tolerances are about four standard errors.
 */
#define MARGIN_SCALE 3.0
#define MARGIN_OFFSET 2.0
#define MARGIN_SLOPE_TOLERANCE 0.012
#define MARGIN_INTERCEPT_TOLERANCE 0.08
/* Held out, the fitted map stays within this of the true probability
 * sigmoid(z) for every row: the intercept error of 0.08 moves a
 * probability by at most 0.08 / 4 = 0.02, and the slope error 0.012 on
 * margins up to about |m| = 20 by 0.24 / 4 = 0.06 in the far tails. */
#define MARGIN_PROBABILITY_TOLERANCE 0.08

/* Writes MARGIN_SCALE z + MARGIN_OFFSET of each row of s into margins. */
static double *margins_of(const simulated *s)
{
    double *margins = calloc(s->n, sizeof(double));
    assert_non_null(margins);
    for (size_t i = 0; i < s->n; i++)
        margins[i] = MARGIN_SCALE * s->z[i] + MARGIN_OFFSET;
    return margins;
}

static void platt_on_margins(void **state)
{
    (void)state;
    simulated fit = simulate(CALIBRATED_ROWS, -1.0, 2.0, 1.0, 0.0, 71);
    simulated held_out = simulate(CALIBRATED_ROWS, -1.0, 2.0, 1.0, 0.0, 72);
    double *fit_margins = margins_of(&fit);
    double *held_margins = margins_of(&held_out);

    sk_calibrator c;
    sk_error err = {""};
    if (sk_calibrator_fit_platt(fit_margins, fit.y, fit.n, &c, &err) != SK_OK)
        fail_msg("Platt scaling on margins failed: %s", err.message);
    assert_int_equal(SK_CALIBRATOR_PLATT, c.kind);
    assert_int_equal(SK_PLATT_INPUT_MARGIN, c.platt_input);
    assert_close(1.0 / MARGIN_SCALE, c.a, MARGIN_SLOPE_TOLERANCE);
    assert_close(-MARGIN_OFFSET / MARGIN_SCALE, c.b, MARGIN_INTERCEPT_TOLERANCE);

    double *mapped = calloc(held_out.n, sizeof(double));
    double *naive = calloc(held_out.n, sizeof(double));
    assert_non_null(mapped);
    assert_non_null(naive);
    sk_calibrator_apply(&c, held_margins, mapped, held_out.n);
    for (size_t i = 0; i < held_out.n; i++) {
        if (!(mapped[i] > 0.0 && mapped[i] < 1.0))
            fail_msg("margin %.17g maps to %.17g, outside (0, 1)", held_margins[i], mapped[i]);
        double truth = sigmoid(held_out.z[i]);
        if (!(fabs(mapped[i] - truth) <= MARGIN_PROBABILITY_TOLERANCE))
            fail_msg("margin %.17g maps to %.17g, true probability %.17g", held_margins[i],
                     mapped[i], truth);
        naive[i] = sigmoid(held_margins[i]);
    }

    /* The naive reading sigmoid(margin) is over-confident and shifted, so
     * both proper scores must be clearly worse than after Platt scaling. */
    double brier_naive = sk_brier(naive, held_out.y, held_out.n);
    double brier_platt = sk_brier(mapped, held_out.y, held_out.n);
    double loss_naive = sk_log_loss(naive, held_out.y, held_out.n);
    double loss_platt = sk_log_loss(mapped, held_out.y, held_out.n);
    if (!(brier_platt < brier_naive))
        fail_msg("Brier score %g after Platt scaling, %g for sigmoid(margin)", brier_platt,
                 brier_naive);
    if (!(loss_platt < loss_naive))
        fail_msg("log loss %g after Platt scaling, %g for sigmoid(margin)", loss_platt,
                 loss_naive);

    /* Infinite margins map to the ends, not to NaN. */
    assert_close(1.0, sk_calibrator_apply_one(&c, INFINITY), 0.0);
    assert_close(0.0, sk_calibrator_apply_one(&c, -INFINITY), 0.0);
    assert_true(isnan(sk_calibrator_apply_one(&c, NAN)));

    free(mapped);
    free(naive);
    free(fit_margins);
    free(held_margins);
    simulated_free(&fit);
    simulated_free(&held_out);
}

/*
 * Margins in the thousands (m = 1000 z): the fit standardises them, so it
 * converges and returns a on the raw scale, 1e-3 within the relative
 * tolerance of platt_identity_on_calibrated.
 */
#define WIDE_MARGIN_SCALE 1000.0

static void platt_on_wide_margins(void **state)
{
    (void)state;
    simulated s = simulate(CALIBRATED_ROWS, -1.0, 2.0, 1.0, 0.0, 31);
    for (size_t i = 0; i < s.n; i++)
        s.scores[i] = WIDE_MARGIN_SCALE * s.z[i];
    sk_calibrator c;
    sk_error err = {""};
    if (sk_calibrator_fit_platt(s.scores, s.y, s.n, &c, &err) != SK_OK)
        fail_msg("Platt scaling on margins of scale %g failed: %s", WIDE_MARGIN_SCALE,
                 err.message);
    assert_int_equal(SK_PLATT_INPUT_MARGIN, c.platt_input);
    assert_close(1.0 / WIDE_MARGIN_SCALE, c.a, IDENTITY_TOLERANCE / WIDE_MARGIN_SCALE);
    assert_close(0.0, c.b, IDENTITY_TOLERANCE);
    simulated_free(&s);
}

/* Isotonic regression ranks margins as it ranks probabilities: fitted on
 * the margins of calibration_lowers_ece's model, it meets the same bounds. */
static void isotonic_on_margins(void **state)
{
    (void)state;
    simulated fit = simulate(ECE_ROWS, -2.0, 1.5, 2.5, 1.0, 41);
    simulated held_out = simulate(ECE_ROWS, -2.0, 1.5, 2.5, 1.0, 42);
    double *fit_margins = margins_of(&fit);
    double *held_margins = margins_of(&held_out);
    double before = ece_of(held_out.scores, held_out.y, held_out.n);

    sk_calibrator c;
    sk_error err = {""};
    if (sk_calibrator_fit_isotonic(fit_margins, fit.y, fit.n, &c, &err) != SK_OK)
        fail_msg("isotonic regression on margins failed: %s", err.message);
    assert_true(c.x[0] < 0.0);
    assert_true(c.x[c.points - 1] > 1.0);
    double *mapped = calloc(held_out.n, sizeof(double));
    assert_non_null(mapped);
    sk_calibrator_apply(&c, held_margins, mapped, held_out.n);
    for (size_t i = 0; i < held_out.n; i++) {
        if (!(mapped[i] >= 0.0 && mapped[i] <= 1.0))
            fail_msg("margin %.17g maps to %.17g, outside [0, 1]", held_margins[i], mapped[i]);
    }
    double after = ece_of(mapped, held_out.y, held_out.n);
    if (!(after < ECE_MAX_AFTER && after * ECE_MIN_GAIN < before))
        fail_msg("isotonic on margins: held-out ECE %g before, %g after", before, after);

    free(mapped);
    sk_calibrator_free(&c);
    free(fit_margins);
    free(held_margins);
    simulated_free(&fit);
    simulated_free(&held_out);
}

static void isotonic_is_monotone(void **state)
{
    (void)state;
    simulated s = simulate(5000, -1.0, 2.0, 0.7, -0.3, 51);
    sk_calibrator c;
    sk_error err = {""};
    assert_int_equal(SK_OK, sk_calibrator_fit_isotonic(s.scores, s.y, s.n, &c, &err));
    assert_true(c.points >= 2);
    for (size_t i = 1; i < c.points; i++) {
        assert_true(c.x[i - 1] < c.x[i]);
        assert_true(c.y[i - 1] <= c.y[i]);
    }
    assert_true(c.y[0] >= 0.0 && c.y[c.points - 1] <= 1.0);

    /* A fine grid, reaching past both ends of the fitted range. */
    const size_t steps = 20000;
    double previous = -1.0;
    for (size_t i = 0; i <= steps; i++) {
        double score = -0.1 + 1.2 * (double)i / (double)steps;
        double value = sk_calibrator_apply_one(&c, score);
        if (!(value >= previous))
            fail_msg("score %.17g maps to %.17g, below %.17g for a lower score", score, value, previous);
        previous = value;
    }
    assert_close(c.y[0], sk_calibrator_apply_one(&c, 0.0), 0.0);
    assert_close(c.y[c.points - 1], sk_calibrator_apply_one(&c, 1.0), 0.0);
    assert_true(isnan(sk_calibrator_apply_one(&c, NAN)));
    sk_calibrator_free(&c);
    assert_int_equal(SK_CALIBRATOR_NONE, c.kind);
    assert_null(c.x);
    simulated_free(&s);
}

/* All scores equal: one point, a constant map of the positive share. */
static void isotonic_one_point(void **state)
{
    (void)state;
    const double scores[] = {0.3, 0.3, 0.3, 0.3};
    const unsigned char y[] = {1, 0, 0, 0};
    sk_calibrator c;
    sk_error err = {""};
    assert_int_equal(SK_OK, sk_calibrator_fit_isotonic(scores, y, 4, &c, &err));
    assert_int_equal(1, c.points);
    assert_close(0.25, sk_calibrator_apply_one(&c, 0.9), 0.0);
    assert_close(0.25, sk_calibrator_apply_one(&c, 0.0), 0.0);
    sk_calibrator_free(&c);
}

static void expect_fit_error(sk_calibrator_kind kind, const double *scores, const unsigned char *y,
                             size_t n, const char *needle)
{
    sk_calibrator c;
    sk_error err = {""};
    sk_calibration_input input = {scores, y, n, 0.0, 0.0};
    sk_status status = sk_calibrator_fit(kind, &input, &c, &err);
    if (status != SK_ERR_INPUT)
        fail_msg("%s: expected SK_ERR_INPUT, got %d", sk_calibrator_name(kind), (int)status);
    if (strstr(err.message, needle) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.message, needle);
    /* The scores are a sample of the file, so a row number would mislead. */
    if (strstr(err.message, "in row") != NULL)
        fail_msg("message \"%s\" names a row", err.message);
    assert_int_equal(SK_CALIBRATOR_NONE, c.kind);
    assert_null(c.x);
}

static void fit_errors(void **state)
{
    (void)state;
    const double scores[] = {0.1, 0.4, 0.35, 0.8};
    const unsigned char one_class[] = {0, 0, 0, 0};
    const unsigned char both[] = {0, 1, 0, 1};
    const double nan_score[] = {0.1, 0.4, NAN, 0.8};
    const double infinite[] = {-INFINITY, 2.5, NAN, INFINITY};

    for (int kind = SK_CALIBRATOR_PLATT; kind <= SK_CALIBRATOR_ISOTONIC; kind++) {
        sk_calibrator_kind k = (sk_calibrator_kind)kind;
        expect_fit_error(k, scores, both, 0, "calibration data is empty");
        expect_fit_error(k, scores, one_class, 4, "one class only (0 positive and 4 negative rows)");
        expect_fit_error(k, nan_score, both, 4,
                         "1 of the 4 calibration scores are not finite numbers (the first is nan)");
        expect_fit_error(k, infinite, both, 4, "3 of the 4 calibration scores");
        expect_fit_error(k, infinite, both, 4, "(the first is -inf)");
    }
    sk_calibrator c;
    sk_error err = {""};
    assert_int_equal(SK_ERR_INPUT, sk_calibrator_fit(SK_CALIBRATOR_COUNT, NULL, &c, &err));
    assert_int_equal(SK_OK, sk_calibrator_fit(SK_CALIBRATOR_NONE, NULL, &c, &err));
    assert_close(0.37, sk_calibrator_apply_one(&c, 0.37), 0.0);
}

/* ---- JSON ------------------------------------------------------------------ */

static double json_number_at(const json_t *doc, const char *key)
{
    json_t *value = json_object_get(doc, key);
    if (!json_is_real(value))
        fail_msg("key %s is missing or not a real number", key);
    return json_real_value(value);
}

static void json_describes_map(void **state)
{
    (void)state;
    sk_calibrator c;
    json_t *doc = NULL;
    sk_error err = {""};

    assert_int_equal(SK_OK, sk_calibrator_fit_prior_shift(0.05, 0.5, &c, &err));
    assert_int_equal(SK_OK, sk_calibrator_to_json(&c, &doc, &err));
    assert_string_equal("prior_shift", json_string_value(json_object_get(doc, "kind")));
    assert_close(c.shift, json_number_at(doc, "shift"), 0.0);
    assert_close(0.05, json_number_at(doc, "training_prevalence"), 0.0);
    assert_close(0.5, json_number_at(doc, "effective_prevalence"), 0.0);
    json_decref(doc);

    simulated s = simulate(2000, -1.0, 1.5, 2.0, 0.5, 61);
    assert_int_equal(SK_OK, sk_calibrator_fit_platt(s.scores, s.y, s.n, &c, &err));
    assert_int_equal(SK_OK, sk_calibrator_to_json(&c, &doc, &err));
    assert_string_equal("platt", json_string_value(json_object_get(doc, "kind")));
    assert_close(c.a, json_number_at(doc, "a"), 0.0);
    assert_close(c.b, json_number_at(doc, "b"), 0.0);
    assert_close(SK_CALIBRATE_CLIP, json_number_at(doc, "clip"), 0.0);
    assert_string_equal("probability", json_string_value(json_object_get(doc, "input")));
    json_decref(doc);

    /* On margins the formula has no logit and no clip. */
    for (size_t i = 0; i < s.n; i++)
        s.z[i] = 4.0 * s.z[i] - 1.0;
    assert_int_equal(SK_OK, sk_calibrator_fit_platt(s.z, s.y, s.n, &c, &err));
    assert_int_equal(SK_OK, sk_calibrator_to_json(&c, &doc, &err));
    assert_string_equal("margin", json_string_value(json_object_get(doc, "input")));
    assert_string_equal("sigmoid(a * score + b)",
                        json_string_value(json_object_get(doc, "formula")));
    assert_close(c.a, json_number_at(doc, "a"), 0.0);
    assert_close(c.b, json_number_at(doc, "b"), 0.0);
    assert_null(json_object_get(doc, "clip"));
    json_decref(doc);

    /* The exported isotonic points rebuild the same map. */
    assert_int_equal(SK_OK, sk_calibrator_fit_isotonic(s.scores, s.y, s.n, &c, &err));
    assert_int_equal(SK_OK, sk_calibrator_to_json(&c, &doc, &err));
    assert_string_equal("isotonic", json_string_value(json_object_get(doc, "kind")));
    json_t *x = json_object_get(doc, "x");
    json_t *y = json_object_get(doc, "y");
    assert_int_equal(c.points, json_array_size(x));
    assert_int_equal(c.points, json_array_size(y));
    sk_calibrator rebuilt = {.kind = SK_CALIBRATOR_ISOTONIC, .points = c.points,
                             .x = calloc(c.points, sizeof(double)),
                             .y = calloc(c.points, sizeof(double))};
    assert_non_null(rebuilt.x);
    assert_non_null(rebuilt.y);
    for (size_t i = 0; i < c.points; i++) {
        rebuilt.x[i] = json_real_value(json_array_get(x, i));
        rebuilt.y[i] = json_real_value(json_array_get(y, i));
    }
    for (size_t i = 0; i < s.n; i++)
        assert_close(sk_calibrator_apply_one(&c, s.scores[i]), sk_calibrator_apply_one(&rebuilt, s.scores[i]), 0.0);
    json_decref(doc);
    sk_calibrator_free(&rebuilt);
    sk_calibrator_free(&c);

    sk_calibrator none = {0};
    assert_int_equal(SK_OK, sk_calibrator_to_json(&none, &doc, &err));
    assert_string_equal("none", json_string_value(json_object_get(doc, "kind")));
    json_decref(doc);
    simulated_free(&s);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_round_trip),
        cmocka_unit_test(logit_tails),
        cmocka_unit_test(effective_prevalence_values),
        cmocka_unit_test(prior_shift_restores_prevalence),
        cmocka_unit_test(prior_shift_extremes),
        cmocka_unit_test(prior_shift_errors),
        cmocka_unit_test(fits_match_sklearn),
        cmocka_unit_test(platt_identity_on_calibrated),
        cmocka_unit_test(calibration_lowers_ece),
        cmocka_unit_test(platt_on_margins),
        cmocka_unit_test(platt_on_wide_margins),
        cmocka_unit_test(isotonic_on_margins),
        cmocka_unit_test(isotonic_is_monotone),
        cmocka_unit_test(isotonic_one_point),
        cmocka_unit_test(fit_errors),
        cmocka_unit_test(json_describes_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
