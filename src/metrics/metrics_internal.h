/*
 * metrics_internal.h - the sweep's layout and helpers shared by the files of
 * src/metrics.  Names with the skm_ prefix are not part of the public API.
 */
#ifndef SKEWTOP_METRICS_INTERNAL_H
#define SKEWTOP_METRICS_INTERNAL_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "skewtop/metrics.h"

/*
 * Level k is the k-th distinct score in descending order.  tp[k] and fp[k]
 * count the positives and negatives whose score is >= scores[k], so the
 * confusion matrix at threshold scores[k] is (tp[k], fp[k], N - fp[k],
 * P - tp[k]).
 */
struct sk_sweep {
    size_t n;
    size_t positives;
    size_t distinct;
    double *scores;      /* [distinct] strictly descending */
    size_t *tp;          /* [distinct] cumulative positives */
    size_t *fp;          /* [distinct] cumulative negatives */
    double min_score;    /* NAN when n = 0 */
    double max_score;    /* NAN when n = 0 */
    bool probability;    /* every score in [0, 1] */
    double roc_auc;      /* computed once by sk_sweep_new() */
    double average_precision;

    /* Built by sk_sweep_new_binned(): each level is a bin, scored by the
     * lowest score in it, and max_score lies above scores[0] in general. */
    bool binned;
    double roc_auc_error;            /* largest error the bins allow; 0 when exact */
    double average_precision_error;  /* likewise */
};

/* Largest sweep: the doubled ROC AUC numerator, at most n^2 / 2, must fit in
 * a uint64_t. */
#define SKM_MAX_SCORES ((size_t)UINT32_MAX)

/* Allocates an uninitialized array of count elements of size bytes, or
 * returns NULL on overflow or when memory runs out.  Arrays of many
 * megabytes are aligned to 2 MiB and marked for transparent huge pages,
 * because first-touch page faults otherwise cost a sweep of 10^7 scores
 * more time than its sort.  Free with free(). */
void *skm_alloc_array(size_t count, size_t size);

/* Sorts n keys in ascending order with an LSD radix sort, using scratch (n
 * keys) as the second buffer.  Returns whichever of keys and scratch
 * contains the sorted result, or NULL when the histograms cannot be
 * allocated. */
uint64_t *skm_sort_keys(uint64_t *keys, uint64_t *scratch, size_t n);

/* Returns the number of levels whose score is >= threshold (0 for NaN). */
size_t skm_sweep_rank(const sk_sweep *sweep, double threshold);

/* Returns the confusion matrix when the first `rank` levels are predicted
 * positive (rank <= distinct). */
sk_confusion skm_sweep_confusion_rank(const sk_sweep *sweep, size_t rank);

/*
 * Computes ROC AUC and average precision from cumulative counts over levels
 * (as in struct sk_sweep; levels with no sample are allowed).  Both are NAN
 * when one class is absent.
 */
void skm_areas(const size_t *tp, const size_t *fp, size_t levels,
               double *roc_auc, double *average_precision);

/* Returns num / den, or 0 with `flag` set in *undefined when den is 0. */
double skm_ratio(size_t num, size_t den, unsigned flag, unsigned *undefined);

/* Returns (1 + b^2) P R / (b^2 P + R), or 0 when the denominator is 0. */
double skm_fbeta(double precision, double recall, double beta);

/* Returns matthews_corrcoef of the matrix: 0 with SK_UNDEF_MCC set when a
 * class is missing from the labels or from the predictions. */
double skm_mcc(sk_confusion c, unsigned *undefined);

/* Returns balanced_accuracy_score: the mean recall over the classes present
 * in the labels, so with one class it is that class's recall (and
 * SK_UNDEF_BALANCED is set). */
double skm_balanced_accuracy(double recall, double specificity, sk_confusion c,
                             unsigned *undefined);

/* Returns the threshold just above the highest score, at which no sample is
 * predicted positive (NAN for an empty sweep). */
double skm_threshold_above(const sk_sweep *sweep);

/* Neumaier's compensated sum: the error stays near one rounding whatever
 * the count of terms, so results agree with numpy's pairwise sums to far
 * better than 1e-12. */
typedef struct {
    double sum;
    double compensation;
} skm_sum;

static inline void skm_sum_add(skm_sum *s, double x)
{
    double t = s->sum + x;
    if (fabs(s->sum) >= fabs(x))
        s->compensation += (s->sum - t) + x;
    else
        s->compensation += (x - t) + s->sum;
    s->sum = t;
}

static inline double skm_sum_value(const skm_sum *s)
{
    return s->sum + s->compensation;
}

#endif
