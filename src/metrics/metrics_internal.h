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
#include "src/common/sum.h"

/*
 * Level k is the k-th distinct score in descending order.  ends[k] counts
 * the samples whose score is >= scores[k]; skm_level_tp() and
 * skm_level_fp() split that count into positives and negatives, so the
 * confusion matrix at threshold scores[k] is (tp, fp, N - fp, P - tp).
 *
 * The split is stored in one of two ways:
 *  - exact sweeps keep one bit per sample in descending score order
 *    (label_bits) with the positives before each 64-bit word
 *    (label_rank), so a level costs 12 bytes and a sample 2 bits.  This is
 *    what lets a sweep of 10^7 distinct scores fit beside its input.
 *  - binned sweeps keep the positives per level (level_tp), because a
 *    level stands for a whole bin of samples.
 */
struct sk_sweep {
    size_t n;
    size_t positives;
    size_t distinct;
    double *scores;      /* [distinct] strictly descending */
    uint32_t *ends;      /* [distinct] cumulative samples */
    uint32_t *level_tp;  /* binned: [distinct] cumulative positives; else NULL */
    uint64_t *label_bits;  /* exact: [n / 64 + 1] bit i: sample i is positive */
    uint32_t *label_rank;  /* exact: [n / 64 + 1] positives before word w */
    double min_score;    /* NAN when n = 0 */
    double max_score;    /* NAN when n = 0 */
    bool probability;    /* every score in [0, 1] */
    double roc_auc;      /* computed once when the sweep is built */
    double average_precision;

    /* Built by sk_sweep_new_binned(): each level is a bin, scored by the
     * lowest score in it, and max_score lies above scores[0] in general. */
    bool binned;
    double roc_auc_error;            /* largest error the bins allow; 0 when exact */
    double average_precision_error;  /* likewise */
};

/* Positives among the first `rows` samples of an exact sweep. */
static inline size_t skm_positives_in(const sk_sweep *sweep, size_t rows)
{
    size_t word = rows / 64;
    unsigned bit = (unsigned)(rows % 64);
    size_t count = sweep->label_rank[word];
    if (bit > 0)
        count += (size_t)__builtin_popcountll(sweep->label_bits[word]
                                              & ((UINT64_C(1) << bit) - 1));
    return count;
}

/* Cumulative positives and negatives of level k < distinct. */
static inline size_t skm_level_tp(const sk_sweep *sweep, size_t k)
{
    if (sweep->level_tp != NULL)
        return sweep->level_tp[k];
    return skm_positives_in(sweep, sweep->ends[k]);
}

static inline size_t skm_level_fp(const sk_sweep *sweep, size_t k)
{
    return sweep->ends[k] - skm_level_tp(sweep, k);
}

/* Largest sweep: the doubled ROC AUC numerator, at most n^2 / 2, must fit in
 * a uint64_t. */
#define SKM_MAX_SCORES ((size_t)UINT32_MAX)

/* Allocates an uninitialized array of count elements of size bytes, or
 * returns NULL on overflow or when memory runs out.  Arrays of many
 * megabytes are aligned to 2 MiB and marked for transparent huge pages,
 * because first-touch page faults otherwise cost a sweep of 10^7 scores
 * more time than its sort.  Free with free(). */
void *skm_alloc_array(size_t count, size_t size);

/* Sorts n keys in ascending order in place, moving labels[i] along with
 * keys[i].  Needs no memory beyond a few kilobytes of stack. */
void skm_sort_pairs(uint64_t *keys, unsigned char *labels, size_t n);

/* Returns the number of levels whose score is >= threshold (0 for NaN). */
size_t skm_sweep_rank(const sk_sweep *sweep, double threshold);

/* Returns the confusion matrix when the first `rank` levels are predicted
 * positive (rank <= distinct). */
sk_confusion skm_sweep_confusion_rank(const sk_sweep *sweep, size_t rank);

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

/*
 * Running sums of ROC AUC and average precision over cumulative counts,
 * fed one level at a time from the highest score down (levels with no
 * sample are allowed).  Both results are NAN when one class is absent.
 */
typedef struct {
    uint64_t twice_area;   /* exact: the doubled ROC AUC numerator */
    sk_sum precision;     /* sum of recall steps times precision */
    size_t tp;             /* counts of the previous level */
    size_t fp;
} skm_areas;

void skm_areas_add(skm_areas *a, size_t tp, size_t fp);
void skm_areas_result(const skm_areas *a, double *roc_auc, double *average_precision);

/* Sets the sweep's ROC AUC and average precision from its levels. */
void skm_sweep_set_areas(sk_sweep *sweep);

#endif
