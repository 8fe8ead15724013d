/*
 * sweep.c - the score sweep: sorted distinct scores with cumulative counts.
 *
 * Building a sweep turns the scores into order-preserving 64-bit keys in
 * place and sorts them with their labels (sort.c).  It then writes the
 * labels as one bit per sample in the sorted order and folds the keys back
 * into the distinct scores, still in the same memory.  Everything later (confusion
 * matrices, curves, areas, histograms, calibration, bootstrap) reads the
 * levels only.  The largest extra block is the 4-byte count per level.
 */
#include "metrics_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SIGN_BIT ((uint64_t)1 << 63)

/*
 * Maps a score to a key whose unsigned order is the descending order of the
 * scores.  -0.0 becomes +0.0 first, because the two compare equal and must
 * share a level.
 */
static uint64_t descending_key(double score)
{
    uint64_t bits;
    if (score == 0.0)
        score = 0.0;
    memcpy(&bits, &score, sizeof bits);
    bits = (bits & SIGN_BIT) ? ~bits : bits | SIGN_BIT;
    return ~bits;
}

/* Inverse of descending_key(). */
static double score_of_key(uint64_t key)
{
    uint64_t bits = ~key;
    bits = (bits & SIGN_BIT) ? bits & ~SIGN_BIT : ~bits;
    double score;
    memcpy(&score, &bits, sizeof score);
    return score;
}

/* Reads and writes element i of the block that contains first the scores,
 * then the keys, then the distinct scores.  memcpy keeps the changing
 * types of that memory within the aliasing rules. */
static double load_score(const void *block, size_t i)
{
    double score;
    memcpy(&score, (const char *)block + i * sizeof score, sizeof score);
    return score;
}

static void store_key(void *block, size_t i, uint64_t key)
{
    memcpy((char *)block + i * sizeof key, &key, sizeof key);
}

/* Checks every row and turns its score into its key, in place. */
static sk_status make_keys(void *block, const unsigned char *y, size_t n, sk_error *err)
{
    for (size_t i = 0; i < n; i++) {
        double score = load_score(block, i);
        if (!isfinite(score))
            return sk_error_set(err, SK_ERR_INPUT,
                                "score in row %zu is %g; every score must be a "
                                "finite number. Fix or remove that row.",
                                i + 1, score);
        if (y[i] > 1)
            return sk_error_set(err, SK_ERR_INPUT,
                                "label in row %zu is %u; labels must be 0 "
                                "(negative) or 1 (positive).",
                                i + 1, (unsigned)y[i]);
        store_key(block, i, descending_key(score));
    }
    return SK_OK;
}

/* Writes the sorted labels as bits with the positives before each word. */
static sk_status set_labels(sk_sweep *sweep, const unsigned char *y, size_t n)
{
    size_t words = n / 64 + 1;
    sweep->label_bits = skm_alloc_array(words, sizeof *sweep->label_bits);
    sweep->label_rank = skm_alloc_array(words, sizeof *sweep->label_rank);
    if (sweep->label_bits == NULL || sweep->label_rank == NULL)
        return SK_ERR_NOMEM;
    uint32_t before = 0;
    for (size_t w = 0; w < words; w++) {
        uint64_t bits = 0;
        size_t first = w * 64;
        size_t count = n - first < 64 ? n - first : 64;
        for (size_t b = 0; b < count; b++)
            bits |= (uint64_t)y[first + b] << b;
        sweep->label_bits[w] = bits;
        sweep->label_rank[w] = before;
        before += (uint32_t)__builtin_popcountll(bits);
    }
    sweep->positives = before;
    return SK_OK;
}

/* Folds the sorted keys into the distinct scores, in place, with the
 * count of samples down to each. */
static sk_status fold_levels(sk_sweep *sweep, uint64_t *keys, size_t n)
{
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++)
        distinct += i + 1 == n || keys[i + 1] != keys[i];
    sweep->ends = skm_alloc_array(distinct, sizeof *sweep->ends);
    if (sweep->ends == NULL)
        return SK_ERR_NOMEM;

    /* Level k is written at index k <= i, behind the keys still to read. */
    void *block = keys;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t key = keys[i];
        if (i + 1 < n && keys[i + 1] == key)
            continue;
        double score = score_of_key(key);
        memcpy((char *)block + k * sizeof score, &score, sizeof score);
        sweep->ends[k++] = (uint32_t)(i + 1);
    }
    sweep->distinct = distinct;
    sweep->scores = block;
    if (distinct < n) {
        /* A failed shrink keeps the larger block, which is harmless. */
        double *smaller = realloc(block, (distinct > 0 ? distinct : 1) * sizeof *smaller);
        if (smaller != NULL)
            sweep->scores = smaller;
    }
    return SK_OK;
}

void skm_sweep_set_areas(sk_sweep *sweep)
{
    skm_areas areas = {0};
    for (size_t k = 0; k < sweep->distinct; k++)
        skm_areas_add(&areas, skm_level_tp(sweep, k), skm_level_fp(sweep, k));
    skm_areas_result(&areas, &sweep->roc_auc, &sweep->average_precision);
}

sk_status sk_sweep_adopt(double *scores, unsigned char *y, size_t n, sk_sweep **out,
                         sk_error *err)
{
    *out = NULL;
    if (n > SKM_MAX_SCORES) {
        free(scores);
        return sk_error_set(err, SK_ERR_INPUT,
                            "%zu scores are more than skewtop handles (%zu). "
                            "Use a sample of the rows.",
                            n, SKM_MAX_SCORES);
    }
    if (n > 0 && (scores == NULL || y == NULL)) {
        free(scores);
        return sk_error_set(err, SK_ERR_INTERNAL, "sk_sweep_adopt: scores or labels are NULL");
    }

    sk_status status = SK_ERR_NOMEM;
    sk_sweep *sweep = calloc(1, sizeof *sweep);
    if (scores == NULL)
        scores = malloc(sizeof *scores);
    if (sweep == NULL || scores == NULL) {
        free(scores);
        goto fail;
    }
    sweep->n = n;
    sweep->scores = scores;

    status = make_keys(scores, y, n, err);
    if (status != SK_OK)
        goto fail;
    /* The block now contains keys, so it is only read as keys until
     * fold_levels() turns it back into scores. */
    uint64_t *keys = (uint64_t *)(void *)scores;
    skm_sort_pairs(keys, y, n);
    if (n > 0) {
        sweep->max_score = score_of_key(keys[0]);
        sweep->min_score = score_of_key(keys[n - 1]);
        sweep->probability = sweep->min_score >= 0.0 && sweep->max_score <= 1.0;
    } else {
        sweep->max_score = sweep->min_score = NAN;
    }
    status = set_labels(sweep, y, n);
    if (status == SK_OK)
        status = fold_levels(sweep, keys, n);
    if (status != SK_OK)
        goto fail;
    skm_sweep_set_areas(sweep);
    *out = sweep;
    return SK_OK;

fail:
    sk_sweep_free(sweep);
    if (status == SK_ERR_NOMEM)
        return sk_error_set(err, status,
                            "out of memory building the score sweep of %zu scores", n);
    return status;
}

sk_status sk_sweep_new(const double *scores, const unsigned char *y, size_t n,
                       sk_sweep **out, sk_error *err)
{
    *out = NULL;
    if (n > 0 && (scores == NULL || y == NULL))
        return sk_error_set(err, SK_ERR_INTERNAL,
                            "sk_sweep_new: scores or labels are NULL");
    double *copy = skm_alloc_array(n, sizeof *copy);
    unsigned char *labels = malloc(n > 0 ? n : 1);
    if (copy == NULL || labels == NULL) {
        free(copy);
        free(labels);
        return sk_error_set(err, SK_ERR_NOMEM,
                            "out of memory building the score sweep of %zu scores", n);
    }
    if (n > 0) {
        memcpy(copy, scores, n * sizeof *copy);
        memcpy(labels, y, n);
    }
    sk_status status = sk_sweep_adopt(copy, labels, n, out, err);
    free(labels);
    return status;
}

void sk_sweep_free(sk_sweep *sweep)
{
    if (sweep == NULL)
        return;
    free(sweep->scores);
    free(sweep->ends);
    free(sweep->level_tp);
    free(sweep->label_bits);
    free(sweep->label_rank);
    free(sweep);
}

bool sk_sweep_rows(const sk_sweep *sweep, double *scores, unsigned char *y)
{
    if (sweep->binned)
        return false;
    size_t row = 0;
    for (size_t k = 0; k < sweep->distinct; k++)
        for (; row < sweep->ends[k]; row++) {
            scores[row] = sweep->scores[k];
            y[row] = (sweep->label_bits[row / 64] >> (row % 64)) & 1;
        }
    return true;
}

size_t sk_sweep_count(const sk_sweep *sweep)
{
    return sweep->n;
}

size_t sk_sweep_positives(const sk_sweep *sweep)
{
    return sweep->positives;
}

size_t sk_sweep_distinct(const sk_sweep *sweep)
{
    return sweep->distinct;
}

double sk_sweep_min_score(const sk_sweep *sweep)
{
    return sweep->min_score;
}

double sk_sweep_max_score(const sk_sweep *sweep)
{
    return sweep->max_score;
}

bool sk_sweep_is_probability(const sk_sweep *sweep)
{
    return sweep->probability;
}

size_t skm_sweep_rank(const sk_sweep *sweep, double threshold)
{
    /* Invariant: levels below lo are >= threshold, levels from hi on are
     * not.  A NaN threshold compares false everywhere and gives 0. */
    size_t lo = 0;
    size_t hi = sweep->distinct;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sweep->scores[mid] >= threshold)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

sk_confusion skm_sweep_confusion_rank(const sk_sweep *sweep, size_t rank)
{
    size_t negatives = sweep->n - sweep->positives;
    sk_confusion c = {0, 0, negatives, sweep->positives};
    if (rank == 0)
        return c;
    c.tp = skm_level_tp(sweep, rank - 1);
    c.fp = skm_level_fp(sweep, rank - 1);
    c.tn = negatives - c.fp;
    c.fn = sweep->positives - c.tp;
    return c;
}

sk_confusion sk_sweep_confusion(const sk_sweep *sweep, double threshold)
{
    return skm_sweep_confusion_rank(sweep, skm_sweep_rank(sweep, threshold));
}

double sk_sweep_score_at(const sk_sweep *sweep, size_t k)
{
    return k < sweep->distinct ? sweep->scores[k] : NAN;
}

sk_confusion sk_sweep_confusion_at(const sk_sweep *sweep, size_t k)
{
    size_t rank = k < sweep->distinct ? k + 1 : sweep->distinct;
    return skm_sweep_confusion_rank(sweep, rank);
}

double sk_sweep_roc_auc(const sk_sweep *sweep)
{
    return sweep->roc_auc;
}

double sk_sweep_average_precision(const sk_sweep *sweep)
{
    return sweep->average_precision;
}

/*
 * ROC AUC counts, for each level, its negatives times the positives ranked
 * above them plus half the positives tied with them.  Doubling keeps the sum
 * an exact integer.  Average precision adds (R_k - R_k-1) P_k at each level
 * that contains positives: scikit-learn's step sum without its zero terms.
 */
void skm_areas_add(skm_areas *a, size_t tp, size_t fp)
{
    uint64_t new_tp = tp - a->tp;
    uint64_t new_fp = fp - a->fp;
    a->twice_area += new_fp * (2 * (uint64_t)a->tp + new_tp);
    if (new_tp > 0)
        sk_sum_add(&a->precision, (double)new_tp * ((double)tp / (double)(tp + fp)));
    a->tp = tp;
    a->fp = fp;
}

void skm_areas_result(const skm_areas *a, double *roc_auc, double *average_precision)
{
    size_t positives = a->tp;
    size_t negatives = a->fp;
    if (positives == 0 || negatives == 0) {
        *roc_auc = NAN;
        *average_precision = NAN;
        return;
    }
    *roc_auc = (double)a->twice_area / (2.0 * (double)positives * (double)negatives);
    *average_precision = sk_sum_value(&a->precision) / (double)positives;
}
