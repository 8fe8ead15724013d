/*
 * synthetic.h - a small generated dataset for tests of the modules above
 * data (session, report), built in memory without the CSV reader.
 */
#ifndef SKEWTOP_TESTS_SYNTHETIC_H
#define SKEWTOP_TESTS_SYNTHETIC_H

#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "skewtop/data.h"

/* Fills one split: rows with `positives` positives; feature 0 is shifted
 * by `signal` for positives, the others are noise. */
static inline void synthetic_split(sk_split *split, size_t rows, size_t positives,
                                   size_t features, double signal, gsl_rng *rng)
{
    split->rows = rows;
    split->positives = positives;
    split->x = gsl_matrix_alloc(rows, features);
    split->y = calloc(rows, 1);
    split->source_row = calloc(rows, sizeof(size_t));
    for (size_t i = 0; i < rows; i++) {
        split->y[i] = i < positives;
        split->source_row[i] = i;
        for (size_t f = 0; f < features; f++) {
            double shift = f == 0 && split->y[i] ? signal : 0.0;
            gsl_matrix_set(split->x, i, f, gsl_ran_gaussian(rng, 1.0) + shift);
        }
    }
}

static inline char *synthetic_strdup(const char *s)
{
    char *copy = malloc(strlen(s) + 1);
    strcpy(copy, s);
    return copy;
}

/* Returns a dataset the caller frees with sk_dataset_free(). */
static inline sk_dataset *synthetic_dataset(size_t train_rows, size_t train_pos,
                                            size_t val_rows, size_t val_pos,
                                            double signal, unsigned long seed)
{
    const size_t features = 3;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, seed);
    sk_dataset *d = calloc(1, sizeof *d);
    synthetic_split(&d->train, train_rows, train_pos, features, signal, rng);
    synthetic_split(&d->val, val_rows, val_pos, features, signal, rng);
    gsl_rng_free(rng);

    d->features = features;
    d->feature_names = calloc(features, sizeof(char *));
    d->feature_names[0] = synthetic_strdup("signal");
    d->feature_names[1] = synthetic_strdup("noise1");
    d->feature_names[2] = synthetic_strdup("noise2");
    d->target_name = synthetic_strdup("label");
    d->positive_label = synthetic_strdup("rare");
    d->negative_label = synthetic_strdup("common");
    d->rows_read = train_rows + val_rows;
    return d;
}

#endif
