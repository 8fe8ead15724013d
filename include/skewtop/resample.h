/*
 * resample.h - random over-sampling, random under-sampling and SMOTE of a
 * training split.
 *
 * Resampling changes the class counts the model trains on.  It applies to
 * the training split only: the validation split must keep the class counts
 * of the data the model will meet, or every metric measured on it is biased.
 *
 * The minority class is the class with fewer rows in the training split,
 * whichever of positive and negative it is.  The target class counts follow
 * imbalanced-learn's float sampling_strategy: after resampling, minority rows
 * / majority rows == ratio, the count rounded to the nearest integer.
 *   - over-sampling adds round(ratio * majority) - minority copies of
 *     minority rows, drawn uniformly with replacement;
 *   - under-sampling keeps round(minority / ratio) majority rows, drawn
 *     uniformly without replacement;
 *   - SMOTE (Chawla et al. 2002, "SMOTE: Synthetic Minority Over-sampling
 *     Technique", JAIR 16) adds as many synthetic minority rows as
 *     over-sampling adds copies.
 * Because every row is copied or dropped whole, over- and under-sampling
 * also work for windows of a time series (one row is one window).
 */
#ifndef SKEWTOP_RESAMPLE_H
#define SKEWTOP_RESAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "skewtop/common.h"
#include "skewtop/data.h"

typedef enum {
    SK_RESAMPLE_NONE = 0, /* an unchanged copy */
    SK_RESAMPLE_OVER,     /* random over-sampling of the minority class */
    SK_RESAMPLE_UNDER,    /* random under-sampling of the majority class */
    SK_RESAMPLE_SMOTE,    /* synthetic minority rows, interpolated */
    SK_RESAMPLE_COUNT
} sk_resample_kind;

/* source_row of a row that SMOTE made: it comes from no row of the table. */
#define SK_RESAMPLE_SYNTHETIC_ROW SIZE_MAX

/* The ratio that balances the classes (equal counts). */
#define SK_RESAMPLE_DEFAULT_RATIO 1.0
/* Neighbour count of the SMOTE paper and of imbalanced-learn's SMOTE. */
#define SK_RESAMPLE_DEFAULT_NEIGHBOURS 5

typedef struct {
    double ratio;         /* minority rows / majority rows after resampling, in (0, 1] */
    size_t neighbours;    /* SMOTE's k: nearest minority neighbours, >= 1 */
    unsigned long seed;   /* seeds the gsl_rng_mt19937 that draws the rows */
} sk_resample_options;

/* Returns the defaults: ratio 1 (balanced), 5 neighbours, seed 1. */
sk_resample_options sk_resample_defaults(void);

/* Returns the stable name of kind for options, reports and the screen:
 * "none", "over", "under" or "smote" ("unknown" for a value outside the
 * enum). */
const char *sk_resample_name(sk_resample_kind kind);

/* Parses a name written by sk_resample_name() (exact, lower case) into
 * *kind.  Fails with SK_ERR_INPUT and a message listing the valid names. */
sk_status sk_resample_parse(const char *name, sk_resample_kind *kind,
                            sk_error *err);

/*
 * Resamples a training split into *out, a new split whose x, y and
 * source_row the caller frees with sk_resample_split_free().  train is only
 * read.  options may be NULL for the defaults.  steps is the dataset's time
 * steps per row (sk_dataset.steps; 0 reads as 1).
 *
 * Row order of *out: the rows of train that are kept, in their order, then
 * the added rows in the order they were drawn.  So source_row rises for
 * SK_RESAMPLE_NONE and SK_RESAMPLE_UNDER only.  A copy made by
 * over-sampling has the source_row of its original; a SMOTE row has
 * SK_RESAMPLE_SYNTHETIC_ROW.  out->positives is counted from out->y.
 *
 * SMOTE makes each synthetic row from a minority row x_i, drawn uniformly
 * with replacement, one of its k nearest minority neighbours x_nn, drawn
 * uniformly, and a gap drawn uniformly from [0, 1):
 * x_new = x_i + gap * (x_nn - x_i).  Distances are Euclidean on x as it is
 * (standardised numbers, 0/1 one-hot and missing-value indicators), so a
 * synthetic row may hold a fraction in a one-hot column.  The neighbours are
 * found by brute force: O(m^2 d) time for m minority rows of d features, and
 * O(m k) memory.
 *
 * The same train, kind, options and seed give the same *out.
 *
 * SK_RESAMPLE_NONE copies any split, even an empty one, and reads no
 * option.  The other kinds fail with SK_ERR_INPUT, and a message naming the
 * value and what to do, when train has no rows or only one class, when the
 * ratio is not in (0, 1] or is below the minority:majority ratio train
 * already has (resampling can only raise it), and for SMOTE when
 * steps > 1 (interpolating two windows would mix time steps of different
 * entities and times), when k is 0, when k is not below the minority
 * count, or when a minority row has a NaN or infinite feature.  An unknown
 * kind fails with SK_ERR_INPUT, and SK_ERR_NOMEM means
 * memory ran out.  On failure *out is zeroed.
 */
sk_status sk_resample_split(const sk_split *train, size_t steps,
                            sk_resample_kind kind,
                            const sk_resample_options *options, sk_split *out,
                            sk_error *err);

/* Frees the arrays of a split made by sk_resample_split() and zeroes it.
 * Accepts a zeroed split. */
void sk_resample_split_free(sk_split *split);

#endif
