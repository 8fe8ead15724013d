/*
 * metrics.h - classification metrics from labels and scores.
 *
 * The central object is the score sweep: scores sorted in descending order
 * with cumulative true- and false-positive counts at each distinct score.
 * It is built once per set of scores (O(n log n)); after that the confusion
 * matrix at any threshold is a binary search (O(log n)) and the curves and
 * areas are single passes.
 *
 * Conventions, matching scikit-learn 1.2.1 where it defines them:
 *  - a sample is predicted positive when score >= threshold;
 *  - a ratio with a zero denominator is 0 and flagged as undefined;
 *  - ROC AUC counts ties as one half; average precision is the step sum
 *    sum_n (R_n - R_{n-1}) P_n;
 *  - with one class only, ROC AUC and average precision are undefined
 *    (NAN), never 0 or 0.5.  scikit-learn raises for ROC AUC there, and for
 *    average precision returns 0 (no positives) or 1 (no negatives), values
 *    that would read as a verdict on the scores.
 *
 * Sizes: a sweep holds at most UINT32_MAX scores, so that the ROC AUC
 * numerator fits in 64-bit integer arithmetic.
 */
#ifndef SKEWTOP_METRICS_H
#define SKEWTOP_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "skewtop/common.h"

typedef struct {
    size_t tp, fp, tn, fn;
} sk_confusion;

typedef struct sk_sweep sk_sweep;

/*
 * Builds a sweep over n scores with labels y (1 = positive).  Rejects NaN
 * and infinite scores with SK_ERR_INPUT and a message naming the first bad
 * 1-based row.  n may be 0 only for an empty sweep.  On success *out owns
 * the sweep; it is immutable and may be read from several threads.
 */
sk_status sk_sweep_new(const double *scores, const unsigned char *y, size_t n,
                       sk_sweep **out, sk_error *err);

/*
 * Builds the same sweep as sk_sweep_new() in the memory of scores, which
 * must come from malloc(): the sweep takes it over, also on failure, and
 * the caller must not use it again.  y is reordered in place and stays the
 * caller's.  Use it when the scores are not needed afterwards: the sweep
 * then needs 4 bytes per distinct score and 2 bits per score beyond its
 * input, where sk_sweep_new() first copies the input.
 */
sk_status sk_sweep_adopt(double *scores, unsigned char *y, size_t n, sk_sweep **out,
                         sk_error *err);
void sk_sweep_free(sk_sweep *sweep);

/* Writes the n scores and labels of an exact sweep into scores [n] and y
 * [n], in descending score order: the input rows sorted.  Returns false,
 * writing nothing, for a binned sweep, which keeps no rows. */
bool sk_sweep_rows(const sk_sweep *sweep, double *scores, unsigned char *y);

size_t sk_sweep_count(const sk_sweep *sweep);      /* n */
size_t sk_sweep_positives(const sk_sweep *sweep);
size_t sk_sweep_distinct(const sk_sweep *sweep);   /* distinct scores */
double sk_sweep_min_score(const sk_sweep *sweep);
double sk_sweep_max_score(const sk_sweep *sweep);
/* True when every score lies in [0, 1], so probability metrics apply. */
bool sk_sweep_is_probability(const sk_sweep *sweep);

/* Returns the confusion matrix at threshold in O(log n).  A NaN threshold
 * predicts no sample positive. */
sk_confusion sk_sweep_confusion(const sk_sweep *sweep, double threshold);

/* Distinct score k (0 = highest) and the confusion matrix with threshold
 * equal to it; k < sk_sweep_distinct(). */
double sk_sweep_score_at(const sk_sweep *sweep, size_t k);
sk_confusion sk_sweep_confusion_at(const sk_sweep *sweep, size_t k);

/* ROC AUC (NAN when one class is absent). */
double sk_sweep_roc_auc(const sk_sweep *sweep);
/* Average precision, scikit-learn's step definition (NAN when one class is
 * absent). */
double sk_sweep_average_precision(const sk_sweep *sweep);

/* ---- binned sweeps ------------------------------------------------------ */

/*
 * Builds a sweep from per-class counts in score bins, for inputs with more
 * scores than are kept one by one.  Bin b contains negatives[b] +
 * positives[b] samples whose lowest score is lowest[b].  Every score in bin
 * b is below lowest[b + 1], and max_score is the highest score in the top
 * non-empty bin.  lowest must be finite and strictly increasing; empty bins are
 * skipped.
 *
 * Every sweep function works on the result, which is the exact sweep of the
 * samples with each score moved down to its bin's lowest score:
 *  - the distinct scores (levels) are the lowest[b] of the non-empty bins;
 *  - the confusion matrix at a threshold equal to some lowest[b], or outside
 *    [lowest of the bottom bin, max_score], is exact; at a threshold inside
 *    a bin it counts that whole bin as predicted negative;
 *  - the threshold above every score is the next double above max_score;
 *  - ROC AUC and average precision are the binned values, within
 *    sk_sweep_roc_auc_error() and sk_sweep_average_precision_error() of the
 *    exact ones; curves, histograms and calibration place each sample at its
 *    bin's lowest score;
 *  - the bootstrap draws per-bin counts (see sk_sweep_bootstrap()).
 * Fails with SK_ERR_INPUT when lowest is not finite and strictly increasing,
 * max_score is below the top non-empty bin's lowest score, or the bins hold
 * more than UINT32_MAX samples; with SK_ERR_NOMEM.  All counts 0 give an
 * empty sweep.  On success *out owns the sweep; free it with sk_sweep_free().
 */
sk_status sk_sweep_new_binned(const double *lowest, const size_t *negatives,
                              const size_t *positives, size_t bins, double max_score,
                              sk_sweep **out, sk_error *err);

/* True for a sweep made by sk_sweep_new_binned(). */
bool sk_sweep_is_binned(const sk_sweep *sweep);

/*
 * Largest difference between the sweep's ROC AUC and the ROC AUC of the
 * exact scores that the bins allow: sum_b pos_b neg_b / (2 P N), because
 * only pairs inside one bin lose their order and each then counts 1/2.
 * 0 for an exact sweep; NAN when one class is absent.
 */
double sk_sweep_roc_auc_error(const sk_sweep *sweep);

/*
 * Largest difference between the sweep's average precision and that of the
 * exact scores that the bins allow (derived in src/metrics/binned.c from the
 * highest and lowest precision each positive of a bin can have).  It is a
 * bound, not an estimate: the true error is usually far smaller.  0 for an
 * exact sweep; NAN when one class is absent.
 */
double sk_sweep_average_precision_error(const sk_sweep *sweep);

/* ---- metrics at one threshold ------------------------------------------ */

/* Bits of sk_rates.undefined: which ratios had a zero denominator. */
enum {
    SK_UNDEF_PRECISION = 1u << 0,
    SK_UNDEF_RECALL = 1u << 1,
    SK_UNDEF_SPECIFICITY = 1u << 2,
    SK_UNDEF_NPV = 1u << 3,
    SK_UNDEF_F1 = 1u << 4,
    SK_UNDEF_MCC = 1u << 5,
    SK_UNDEF_KAPPA = 1u << 6,
    SK_UNDEF_BALANCED = 1u << 7
};

typedef struct {
    double accuracy;
    double baseline;          /* accuracy of always predicting the majority class */
    double precision;
    double recall;            /* sensitivity, true-positive rate */
    double specificity;       /* true-negative rate */
    double npv;               /* negative predictive value */
    double f1;
    double balanced_accuracy;
    double mcc;               /* Matthews correlation coefficient */
    double kappa;             /* Cohen's kappa */
    double gmean;             /* sqrt(recall * specificity) */
    double prevalence;        /* (tp + fn) / n */
    double predicted_positive_rate; /* (tp + fp) / n */
    unsigned undefined;       /* SK_UNDEF_* bits */
} sk_rates;

/* Computes every rate of a confusion matrix (zero_division = 0 semantics). */
sk_rates sk_rates_from_confusion(sk_confusion c);

/* F-beta with scikit-learn's zero_division = 0. */
double sk_fbeta(sk_confusion c, double beta);

/* ---- probability metrics ---------------------------------------------- */

/* Log loss with scikit-learn 1.2.1's clipping to [eps, 1 - eps], where eps
 * is DBL_EPSILON (its eps="auto"; releases before 1.2 used 1e-15).  NAN
 * when n is 0 or any score lies outside [0, 1]. */
double sk_log_loss(const double *scores, const unsigned char *y, size_t n);
/* Brier score: mean (score - y)^2.  NAN when n is 0 or any score lies
 * outside [0, 1]. */
double sk_brier(const double *scores, const unsigned char *y, size_t n);

/* ---- threshold search -------------------------------------------------- */

typedef enum {
    SK_CRITERION_F1 = 0,
    SK_CRITERION_FBETA,
    SK_CRITERION_YOUDEN,
    SK_CRITERION_BALANCED_ACCURACY,
    SK_CRITERION_MCC,
    SK_CRITERION_COST,              /* minimum expected cost, cost_fn : cost_fp */
    SK_CRITERION_RECALL_AT_PRECISION, /* max recall with precision >= min_precision */
    SK_CRITERION_PRECISION_AT_RECALL, /* max precision with recall >= min_recall */
    SK_CRITERION_COUNT
} sk_criterion;

typedef struct {
    double beta;          /* for SK_CRITERION_FBETA; default 2 */
    double cost_fn;       /* cost of a false negative, default 1 */
    double cost_fp;       /* cost of a false positive, default 1 */
    double min_precision; /* default 0.5 */
    double min_recall;    /* default 0.5 */
} sk_criterion_options;

/* Relative difference below which two criterion values count as a tie. */
#define SK_CRITERION_TIE_TOLERANCE 1e-12

/* Returns the defaults stated in sk_criterion_options. */
sk_criterion_options sk_criterion_defaults(void);

/* Stable name of a criterion for reports and the screen ("f1", "youden"...). */
const char *sk_criterion_name(sk_criterion criterion);

typedef struct {
    bool found;        /* false when no threshold satisfies the constraint */
    double threshold;  /* a distinct score, or the next double above the
                          highest score when predicting no positive is best;
                          predicted positive when score >= it */
    double value;      /* the criterion's value there (cost for SK_CRITERION_COST) */
    sk_confusion confusion;
} sk_threshold_choice;

/* Scans every distinct score, and the threshold above them all, and returns
 * the best threshold for criterion.  Ties go to the higher threshold: a
 * lower threshold replaces the best so far only when its value is better by
 * more than SK_CRITERION_TIE_TOLERANCE relative, because ratios that are
 * equal in exact arithmetic can differ in the last bits.  options may be
 * NULL for the defaults.  An empty sweep gives found = false. */
sk_threshold_choice sk_sweep_best_threshold(const sk_sweep *sweep,
                                            sk_criterion criterion,
                                            const sk_criterion_options *options);

/* Fills out[c] with sk_sweep_best_threshold() of every criterion c, in one
 * scan: at 10^7 distinct scores, 0.47 s where eight calls took 1.2 s. */
void sk_sweep_best_thresholds(const sk_sweep *sweep, const sk_criterion_options *options,
                              sk_threshold_choice out[SK_CRITERION_COUNT]);

/* ---- histograms of scores by class ------------------------------------ */

typedef struct {
    size_t bins;
    double lo, hi;          /* range covered; bins are equal-width */
    size_t *negatives;      /* [bins] counts of negative samples */
    size_t *positives;      /* [bins] counts of positive samples */
} sk_class_histogram;

/* Fills a per-class histogram over [lo, hi] (scores outside are clamped
 * into the end bins).  The bin edges are numpy.linspace(lo, hi, bins + 1)
 * and each bin is [e_b, e_b+1), the last one also holding hi, as
 * numpy.histogram.  Fails with SK_ERR_INPUT when bins is 0, lo and hi are
 * not finite with lo < hi, or a score is NaN or infinite (naming its row),
 * and with SK_ERR_NOMEM.  Free with sk_class_histogram_free(). */
sk_status sk_class_histogram_build(const double *scores, const unsigned char *y,
                                   size_t n, size_t bins, double lo, double hi,
                                   sk_class_histogram *out, sk_error *err);
void sk_class_histogram_free(sk_class_histogram *histogram);

/* Fills a per-class histogram like sk_class_histogram_build() from the
 * sweep, in O(bins log n) without reading the scores again.  The counts are
 * identical to sk_class_histogram_build() on the same scores. */
sk_status sk_sweep_class_histogram(const sk_sweep *sweep, size_t bins,
                                   double lo, double hi,
                                   sk_class_histogram *out, sk_error *err);

/* ---- curves ------------------------------------------------------------ */

/* One curve as three parallel arrays of `points` entries. */
typedef struct {
    size_t points;
    double *x;          /* [points] ROC: false-positive rate; PR: recall */
    double *y;          /* [points] ROC: true-positive rate; PR: precision */
    double *thresholds; /* [points] threshold of each point */
} sk_curve;

/*
 * Fills the ROC curve in scikit-learn's layout: points in order of
 * decreasing threshold, the first at (0, 0).  The first point's threshold
 * is the next double above the highest score (scikit-learn 1.2.1 uses the
 * highest score + 1).  With drop_intermediate, points
 * inside a straight run are dropped exactly as roc_curve(drop_intermediate=
 * True) does.  The false-positive rates are NAN without negatives and the
 * true-positive rates NAN without positives.  An empty sweep gives 0 points.
 * out owns its arrays: free with sk_curve_free().  Fails with SK_ERR_NOMEM.
 */
sk_status sk_sweep_roc_curve(const sk_sweep *sweep, bool drop_intermediate,
                             sk_curve *out, sk_error *err);

/*
 * Fills the precision-recall curve in scikit-learn's layout: one point per
 * distinct score in order of increasing threshold, then a last point with
 * precision 1 and recall 0.  That point's threshold is the next double above
 * the highest score (scikit-learn returns one threshold fewer than points).
 * Without positives the recalls are NAN, except the last point's 0
 * (scikit-learn sets them to 1 with a warning).  An empty sweep gives 0
 * points.  Free with sk_curve_free().  Fails with SK_ERR_NOMEM.
 */
sk_status sk_sweep_pr_curve(const sk_sweep *sweep, sk_curve *out,
                            sk_error *err);

/*
 * Fills the ROC curve (pr false) or the precision-recall curve (pr true)
 * in the layout above, with at most max_points points (>= 4), for drawing.
 * It keeps the first and the last level and each level whose point lies
 * at least a step from the last point kept, in recall, precision or
 * either rate.  The step starts at 2 / (max_points - 3) and doubles until
 * the points fit.  Costs a few passes over the levels and no memory
 * beyond the result, where the full curves of 10^7 distinct scores take
 * 240 MB each.  Fails with SK_ERR_INPUT for max_points < 4 and with
 * SK_ERR_NOMEM.
 */
sk_status sk_sweep_curve_thin(const sk_sweep *sweep, bool pr, size_t max_points,
                              sk_curve *out, sk_error *err);
void sk_curve_free(sk_curve *curve);

/* ---- calibration ------------------------------------------------------- */

/* Bin count of the reliability diagram and ECE when the caller has no
 * preference: ten bins of width 0.1, as scikit-learn's calibration_curve. */
#define SK_CALIBRATION_BINS 10

typedef struct {
    size_t bins;
    bool applicable;        /* false when a score lies outside [0, 1] */
    double *edges;          /* [bins + 1] 0 .. 1, numpy.linspace(0, 1, bins + 1) */
    size_t *count;          /* [bins] samples in each bin */
    size_t *positives;      /* [bins] positive samples in each bin */
    double *mean_score;     /* [bins] mean score in the bin; NAN when empty */
    double *fraction_positive; /* [bins] positives / count; NAN when empty */
    double ece;             /* sum over bins of count / n * |fraction_positive -
                               mean_score|; NAN when not applicable or n = 0 */
} sk_calibration;

/*
 * Fills the reliability diagram of the sweep's scores over `bins` equal-width
 * bins of [0, 1], binned as scikit-learn 1.2.1's calibration_curve(strategy=
 * "uniform"): bin 0 is [0, e1] and bin b > 0 is (e_b, e_b+1].  When a score
 * lies outside [0, 1], out->applicable is false, ece is NAN and the arrays
 * hold zeros and NANs; that is not an error.  Fails with SK_ERR_INPUT when
 * bins is 0 and SK_ERR_NOMEM.  Free with sk_calibration_free().
 */
sk_status sk_sweep_calibration(const sk_sweep *sweep, size_t bins,
                               sk_calibration *out, sk_error *err);
void sk_calibration_free(sk_calibration *calibration);

/* ---- bootstrap confidence intervals ------------------------------------ */

typedef enum {
    SK_BOOTSTRAP_PRECISION = 0,
    SK_BOOTSTRAP_RECALL,
    SK_BOOTSTRAP_F1,
    SK_BOOTSTRAP_BALANCED_ACCURACY,
    SK_BOOTSTRAP_ROC_AUC,
    SK_BOOTSTRAP_AVERAGE_PRECISION,
    SK_BOOTSTRAP_COUNT
} sk_bootstrap_metric;

/* Stable name of a bootstrap metric for reports ("precision", "roc_auc"...). */
const char *sk_bootstrap_metric_name(sk_bootstrap_metric metric);

typedef struct {
    size_t resamples;      /* default 1000 */
    double confidence;     /* central interval mass in (0, 1); default 0.95 */
    unsigned long seed;    /* seed of the gsl_rng_mt19937 stream; default 1 */
    /* Optional: called after each resample with the number done and the
     * total; returning false cancels the run.  NULL for none. */
    bool (*progress)(void *context, size_t done, size_t total);
    void *context;         /* passed to progress */
} sk_bootstrap_options;

/* Returns the defaults stated in sk_bootstrap_options. */
sk_bootstrap_options sk_bootstrap_defaults(void);

typedef struct {
    double estimate;       /* value on the original scores */
    double lo, hi;         /* percentile interval; NAN when undefined */
} sk_interval;

typedef struct {
    double threshold;
    size_t resamples;      /* resamples done */
    double confidence;
    bool cancelled;        /* progress returned false; intervals are NAN */
    sk_interval metric[SK_BOOTSTRAP_COUNT];
} sk_bootstrap_result;

/*
 * Computes percentile bootstrap intervals at threshold for every
 * sk_bootstrap_metric.  Each resample draws P of the sweep's P positives and
 * N of its N negatives with replacement (stratified), so the prevalence
 * stays fixed and both AUCs stay defined.  The resamples reuse the sweep's sorted order: each costs
 * O(n + distinct) and nothing is sorted again.  The same seed gives the same
 * result.  Reads the sweep only, so it may run on any thread while others
 * read the same sweep.  Intervals of a metric that is undefined on the
 * original scores (an AUC with one class) are NAN.  On a binned sweep each
 * resample draws its per-level counts from a multinomial distribution:
 * O(levels) per resample, the same distribution, other values for a seed.
 * NOTE: on an exact sweep each resample
 * draws n random numbers into scattered counters, which took about 0.8 s at
 * 10^7 scores (bench machine, bench/README.md), so 1000 resamples of that
 * size take minutes: pass fewer resamples or a progress callback that
 * cancels.  Fails with SK_ERR_INPUT
 * for a zero resample count, a confidence outside (0, 1) or an empty sweep,
 * and with SK_ERR_NOMEM.
 */
sk_status sk_sweep_bootstrap(const sk_sweep *sweep, double threshold,
                             const sk_bootstrap_options *options,
                             sk_bootstrap_result *out, sk_error *err);

#endif
