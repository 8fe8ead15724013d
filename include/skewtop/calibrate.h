/*
 * calibrate.h - maps from a model's scores to calibrated probabilities.
 *
 * Three maps, each a value of sk_calibrator:
 *  - prior shift: undoes the shift in log-odds that class weights or
 *    resampling put into a model.  A model trained as if the prevalence were
 *    r, when it is p, outputs log-odds that are too high by
 *    logit(r) - logit(p).  The map adds log[p (1 - r) / ((1 - p) r)] to
 *    undo that.  It needs no calibration data, only p and r.
 *  - Platt scaling (Platt 1999, "Probabilistic outputs for support vector
 *    machines"): sigmoid(a * logit(score) + b) when the scores are
 *    probabilities, sigmoid(a * score + b) when they are margins or
 *    logits, a and b fitted by minimising log loss on a calibration split.
 *  - isotonic regression: a non-decreasing step function fitted by pool
 *    adjacent violators, applied as scikit-learn 1.2.1's
 *    IsotonicRegression(out_of_bounds="clip") predicts.
 *
 * Fit Platt and isotonic maps on data the model did not train on (a
 * held-out calibration split), or they learn the model's overfitting.
 * Platt and isotonic accept any finite scores.  Prior shift assumes
 * probabilities: sk_calibrator_apply_one() clamps its input into [0, 1].
 */
#ifndef SKEWTOP_CALIBRATE_H
#define SKEWTOP_CALIBRATE_H

#include <float.h>
#include <stddef.h>

#include <jansson.h>

#include "skewtop/common.h"

typedef enum {
    SK_CALIBRATOR_NONE = 0,     /* the identity */
    SK_CALIBRATOR_PRIOR_SHIFT,
    SK_CALIBRATOR_PLATT,
    SK_CALIBRATOR_ISOTONIC,
    SK_CALIBRATOR_COUNT
} sk_calibrator_kind;

/* What Platt scaling regresses the labels on. */
typedef enum {
    SK_PLATT_INPUT_LOGIT = 0,   /* probabilities: logit(clip(score)) */
    SK_PLATT_INPUT_MARGIN,      /* margins or logits: the score itself */
} sk_platt_input;

/*
 * Smallest distance of a probability from 0 and 1 before Platt scaling
 * takes its logit: the clipping of scikit-learn 1.2.1's log_loss (and of
 * sk_log_loss()), DBL_EPSILON.  It keeps every logit within about +-36, so
 * a * logit + b stays finite.
 */
#define SK_CALIBRATE_CLIP DBL_EPSILON

/* A fitted map.  Zero-initialised it is the identity (SK_CALIBRATOR_NONE). */
typedef struct {
    sk_calibrator_kind kind;

    /* SK_CALIBRATOR_PRIOR_SHIFT: maps s to sigmoid(logit(s) + shift). */
    double training_prevalence;   /* p: positives / rows of the training split */
    double effective_prevalence;  /* r: the prevalence the model was trained at */
    double shift;                 /* logit(p) - logit(r), in log-odds */

    /* SK_CALIBRATOR_PLATT: maps s to sigmoid(a * logit(clip(s)) + b), with
     * clip(s) = min(max(s, SK_CALIBRATE_CLIP), 1 - SK_CALIBRATE_CLIP), when
     * platt_input is SK_PLATT_INPUT_LOGIT, and to sigmoid(a * s + b) when
     * it is SK_PLATT_INPUT_MARGIN. */
    sk_platt_input platt_input;
    double a;                     /* slope on the logit or on the margin */
    double b;                     /* intercept, in log-odds */

    /* SK_CALIBRATOR_ISOTONIC: points of a piecewise-linear map. */
    size_t points;                /* >= 1 */
    double *x;                    /* [points] scores, strictly increasing; owned */
    double *y;                    /* [points] probabilities, non-decreasing; owned */
} sk_calibrator;

/* Returns the stable name of kind: "none", "prior_shift", "platt" or
 * "isotonic" ("unknown" outside the enum). */
const char *sk_calibrator_name(sk_calibrator_kind kind);

/* Parses a name written by sk_calibrator_name() into *kind.  Fails with
 * SK_ERR_INPUT and a message listing the valid names. */
sk_status sk_calibrator_parse(const char *name, sk_calibrator_kind *kind,
                              sk_error *err);

/* Frees the isotonic arrays and resets calibrator to the identity.
 * Accepts NULL and a zeroed calibrator. */
void sk_calibrator_free(sk_calibrator *calibrator);

/* ---- prior shift ------------------------------------------------------------- */

/*
 * Returns the effective prevalence of training with class weights:
 * r = w_pos n_pos / (w_pos n_pos + w_neg n_neg).  After resampling, pass the
 * resampled counts (with weights 1 when no class weights are set), so r is
 * the resampled prevalence, or the weighted one when both are used.
 * Returns NAN when a weight is negative or not finite or the denominator is 0.
 */
double sk_calibrate_effective_prevalence(double weight_neg, double weight_pos,
                                         size_t negatives, size_t positives);

/* Returns log(p / (1 - p)), accurate for p near 0 and near 1: -INFINITY at
 * 0, INFINITY at 1 and NAN outside [0, 1]. */
double sk_calibrate_logit(double p);

/* Returns 1 / (1 + exp(-z)) without overflow for any z (0 and 1 at the
 * infinities). */
double sk_calibrate_sigmoid(double z);

/*
 * Makes *out the prior-shift map from the training prevalence p to the
 * effective prevalence r.  Fails with SK_ERR_INPUT when either is not
 * strictly between 0 and 1 (a split with one class only gives 0 or 1),
 * naming the value.  *out needs no freeing but sk_calibrator_free() is
 * harmless.
 */
sk_status sk_calibrator_fit_prior_shift(double training_prevalence,
                                        double effective_prevalence,
                                        sk_calibrator *out, sk_error *err);

/* ---- fitted on calibration data ---------------------------------------------- */

/*
 * Fits Platt scaling to n scores and labels y (nonzero = positive).  When
 * every score lies in [0, 1], the scores are taken as probabilities and the
 * regressor is u = logit(clip(score)); otherwise they are taken as margins
 * (SVM decision values, logits) and u = score.  out->platt_input records
 * which.  Margins that all happen to lie in [0, 1] are therefore read as
 * probabilities.  Minimises the mean log loss of sigmoid(a u + b) against
 * Platt's smoothed targets: (N+ + 1) / (N+ + 2) for positives and
 * 1 / (N- + 2) for negatives.  These keep a and b finite even when the
 * classes are separable.  The minimiser is GSL's vector_bfgs2, started
 * where Platt starts: a = 0, b = log((N+ + 1) / (N- + 1)).  Margins are
 * standardised for the minimiser, and a and b are given on the raw score.
 *
 * Fails with SK_ERR_INPUT when n is 0, when y contains one class only, or
 * when a score is NaN or infinite (the message gives the count and the
 * first such value, but no row number, as the rows are a sample).  Fails
 * with SK_ERR_NUMERIC and a message when the minimiser fails or does not
 * converge, and with SK_ERR_NOMEM.  On failure *out is the identity.
 */
sk_status sk_calibrator_fit_platt(const double *scores, const unsigned char *y,
                                  size_t n, sk_calibrator *out, sk_error *err);

/*
 * Fits isotonic regression to n scores and labels y (nonzero = positive),
 * as scikit-learn 1.2.1's IsotonicRegression(out_of_bounds="clip"): equal
 * scores are merged into one point holding their mean label, pool adjacent
 * violators makes the means non-decreasing in the score, and points inside
 * a run of equal values are dropped, keeping each run's first and last
 * point.  The scores may be probabilities or margins.  *out then owns x and
 * y; free them with sk_calibrator_free().
 *
 * Fails with SK_ERR_INPUT when n is 0, when y contains one class only, or
 * when a score is NaN or infinite (giving the count, not a row number);
 * SK_ERR_NOMEM.  On failure *out is the identity.
 */
sk_status sk_calibrator_fit_isotonic(const double *scores, const unsigned char *y,
                                     size_t n, sk_calibrator *out, sk_error *err);

/* Input of sk_calibrator_fit(): what each kind reads. */
typedef struct {
    const double *scores;        /* [n] Platt, isotonic: calibration scores */
    const unsigned char *y;      /* [n] Platt, isotonic: calibration labels */
    size_t n;
    double training_prevalence;  /* prior shift: p */
    double effective_prevalence; /* prior shift: r */
} sk_calibration_input;

/* Fits a map of the given kind by calling the fit function of that kind
 * (SK_CALIBRATOR_NONE gives the identity and may take a NULL input), and
 * fails as it does.  Fails with SK_ERR_INPUT for a kind outside the enum. */
sk_status sk_calibrator_fit(sk_calibrator_kind kind, const sk_calibration_input *input,
                            sk_calibrator *out, sk_error *err);

/* ---- applying and exporting ------------------------------------------------- */

/*
 * Returns the calibrated probability of score, in [0, 1].  NaN stays NaN.
 * Prior shift and Platt on probabilities first clamp the score into
 * [0, 1], and prior shift maps 0 to 0 and 1 to 1.  Platt on margins takes
 * any score, infinities included.  Platt results lie strictly inside
 * (0, 1) unless a * u + b is beyond about +-37 (upper side) or -745
 * (lower side), where the double rounds to 1 or 0.  Isotonic clips the score into [x[0], x[points - 1]], finds
 * by binary search the first hi >= 1 with x[hi] >= score, and with
 * lo = hi - 1 returns slope (score - x[lo]) + y[lo], slope =
 * (y[hi] - y[lo]) / (x[hi] - x[lo]): the rule of scipy's
 * interp1d(kind="linear"), which scikit-learn 1.2.1 uses.  A map of one
 * point returns y[0].  O(log points).
 */
double sk_calibrator_apply_one(const sk_calibrator *calibrator, double score);

/* Maps n scores into out [n]; out may be scores itself. */
void sk_calibrator_apply(const sk_calibrator *calibrator, const double *scores,
                         double *out, size_t n);

/*
 * Makes a JSON object that describes the map fully enough to apply it
 * elsewhere: "kind", "formula" (the rule in words) and the parameters
 * ("shift", "training_prevalence" and "effective_prevalence"; for Platt
 * "input" ("probability" or "margin"), "a", "b", and "clip" for
 * probabilities; or the arrays "x" and "y").  On success *out is a new
 * reference the caller releases with json_decref().  Fails with
 * SK_ERR_NOMEM, and SK_ERR_INTERNAL for a kind outside the enum.
 */
sk_status sk_calibrator_to_json(const sk_calibrator *calibrator, json_t **out,
                                sk_error *err);

#endif
