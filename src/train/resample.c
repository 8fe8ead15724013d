/*
 * resample.c - over-sampling, under-sampling and SMOTE of a training split.
 *
 * Every kind builds a new split from the rows of the input, which is never
 * written.  The kinds differ only in which rows they keep and which they
 * add: under-sampling picks the majority rows to keep with gsl_ran_choose()
 * (which keeps their order), over-sampling and SMOTE keep every row and
 * append the added ones.  All draws come from one gsl_rng_mt19937 seeded
 * with options->seed, in a fixed order, so a seed fixes the result.
 */
#include "skewtop/resample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort_double.h>

#define DEFAULT_SEED 1

static const char *const KIND_NAMES[SK_RESAMPLE_COUNT] = {
    [SK_RESAMPLE_NONE] = "none",
    [SK_RESAMPLE_OVER] = "over",
    [SK_RESAMPLE_UNDER] = "under",
    [SK_RESAMPLE_SMOTE] = "smote",
};

sk_resample_options sk_resample_defaults(void)
{
    sk_resample_options options = {
        .ratio = SK_RESAMPLE_DEFAULT_RATIO,
        .neighbours = SK_RESAMPLE_DEFAULT_NEIGHBOURS,
        .seed = DEFAULT_SEED,
    };
    return options;
}

const char *sk_resample_name(sk_resample_kind kind)
{
    if ((unsigned)kind >= SK_RESAMPLE_COUNT)
        return "unknown";
    return KIND_NAMES[kind];
}

sk_status sk_resample_parse(const char *name, sk_resample_kind *kind, sk_error *err)
{
    for (unsigned k = 0; name != NULL && k < SK_RESAMPLE_COUNT; k++) {
        if (strcmp(name, KIND_NAMES[k]) == 0) {
            *kind = (sk_resample_kind)k;
            return SK_OK;
        }
    }
    return sk_error_set(err, SK_ERR_INPUT,
                        "--resample: unknown method '%s'. Use none, over, under or smote.",
                        name != NULL ? name : "");
}

void sk_resample_split_free(sk_split *split)
{
    if (split == NULL)
        return;
    if (split->x != NULL)
        gsl_matrix_free(split->x);
    free(split->y);
    free(split->source_row);
    memset(split, 0, sizeof *split);
}

/* ---- planning --------------------------------------------------------------- */

/* The rows of train by class and the counts the resampled split gets. */
typedef struct {
    unsigned char minority_label;  /* y value of the minority class */
    size_t *minority;              /* [minority_count] row indices, rising */
    size_t minority_count;
    size_t *majority;              /* [majority_count] row indices, rising */
    size_t majority_count;
    size_t add;                    /* minority rows to add (over, SMOTE) */
    size_t keep;                   /* majority rows to keep (under) */
} resample_plan;

static void plan_free(resample_plan *plan)
{
    free(plan->minority);
    free(plan->majority);
}

/* Fills plan->minority and plan->majority from train->y. */
static sk_status plan_classes(const sk_split *train, resample_plan *plan, sk_error *err)
{
    size_t positives = 0;
    for (size_t i = 0; i < train->rows; i++)
        positives += train->y[i] != 0;
    size_t negatives = train->rows - positives;

    /* With equal counts the positive class counts as the minority. */
    plan->minority_label = positives <= negatives;
    plan->minority_count = plan->minority_label ? positives : negatives;
    plan->majority_count = train->rows - plan->minority_count;
    plan->minority = sk_calloc(plan->minority_count, sizeof(size_t));
    plan->majority = sk_calloc(plan->majority_count, sizeof(size_t));
    if (plan->minority == NULL || plan->majority == NULL)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory while resampling %zu rows",
                            train->rows);

    size_t m = 0;
    size_t big = 0;
    for (size_t i = 0; i < train->rows; i++) {
        if ((train->y[i] != 0) == plan->minority_label)
            plan->minority[m++] = i;
        else
            plan->majority[big++] = i;
    }
    if (plan->minority_count == 0) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "cannot resample: the training split contains one class only "
                            "(%zu positive and %zu negative rows). Resampling needs rows "
                            "of both classes; check the label column and --positive.",
                            positives, negatives);
    }
    return SK_OK;
}

/* Checks the options against the class counts and stores the counts to add
 * or keep. */
static sk_status plan_counts(sk_resample_kind kind, const sk_resample_options *options,
                             size_t steps, resample_plan *plan, sk_error *err)
{
    double ratio = options->ratio;
    double current = (double)plan->minority_count / (double)plan->majority_count;

    if (!(ratio > 0.0 && ratio <= 1.0)) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "invalid resampling ratio %g: it is minority rows / majority "
                            "rows after resampling and must lie in (0, 1]; use 1 for "
                            "equal counts.", ratio);
    }
    if (ratio < current) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "resampling ratio %g is below the ratio the training split "
                            "already has (%zu minority / %zu majority rows = %.4g), and "
                            "%ssampling can only raise it. Use a ratio of at least %.4g.",
                            ratio, plan->minority_count, plan->majority_count, current,
                            kind == SK_RESAMPLE_UNDER ? "under-" : "over-", current);
    }

    if (kind == SK_RESAMPLE_SMOTE) {
        if (steps > 1) {
            return sk_error_set(err, SK_ERR_INPUT,
                                "SMOTE cannot resample windows of a time series (%zu "
                                "steps per row): interpolating two windows mixes time "
                                "steps of different entities and times. Use --resample "
                                "over instead.", steps);
        }
        if (options->neighbours == 0) {
            return sk_error_set(err, SK_ERR_INPUT,
                                "invalid SMOTE neighbour count 0: SMOTE interpolates "
                                "towards one of the k nearest minority rows, so k must be "
                                "at least 1 (the default is %d).",
                                SK_RESAMPLE_DEFAULT_NEIGHBOURS);
        }
        if (options->neighbours >= plan->minority_count) {
            return sk_error_set(err, SK_ERR_INPUT,
                                "SMOTE with k = %zu neighbours needs at least %zu minority "
                                "rows, but the training split has %zu. Lower k below %zu or "
                                "use --resample over.",
                                options->neighbours, options->neighbours + 1,
                                plan->minority_count, plan->minority_count);
        }
    }

    double target_minority = round(ratio * (double)plan->majority_count);
    double target_majority = round((double)plan->minority_count / ratio);
    plan->add = (size_t)target_minority - plan->minority_count;
    plan->keep = (size_t)target_majority;
    return SK_OK;
}

/* ---- building the output ---------------------------------------------------- */

static sk_status split_alloc(sk_split *split, size_t rows, size_t columns, sk_error *err)
{
    memset(split, 0, sizeof *split);
    split->rows = rows;
    split->y = sk_calloc(rows, 1);
    split->source_row = sk_calloc(rows, sizeof(size_t));
    if (rows > 0 && columns > 0)
        split->x = gsl_matrix_alloc(rows, columns);
    if (split->y == NULL || split->source_row == NULL ||
        (rows > 0 && columns > 0 && split->x == NULL)) {
        sk_resample_split_free(split);
        return sk_error_set(err, SK_ERR_NOMEM,
                            "out of memory for a resampled split of %zu rows and %zu "
                            "features", rows, columns);
    }
    return SK_OK;
}

/* Copies row `from` of train into row `to` of out. */
static void copy_row(const sk_split *train, size_t from, sk_split *out, size_t to)
{
    if (out->x != NULL) {
        gsl_vector_const_view src = gsl_matrix_const_row(train->x, from);
        gsl_vector_view dst = gsl_matrix_row(out->x, to);
        gsl_vector_memcpy(&dst.vector, &src.vector);
    }
    out->y[to] = train->y[from];
    out->source_row[to] = train->source_row != NULL ? train->source_row[from] : from;
}

static void count_positives(sk_split *out)
{
    out->positives = 0;
    for (size_t i = 0; i < out->rows; i++)
        out->positives += out->y[i] != 0;
}

static size_t columns_of(const sk_split *split)
{
    return split->x != NULL ? split->x->size2 : 0;
}

static sk_status copy_split(const sk_split *train, sk_split *out, sk_error *err)
{
    sk_status status = split_alloc(out, train->rows, columns_of(train), err);
    if (status != SK_OK)
        return status;
    for (size_t i = 0; i < train->rows; i++)
        copy_row(train, i, out, i);
    return SK_OK;
}

static sk_status over_sample(const sk_split *train, const resample_plan *plan,
                             gsl_rng *rng, sk_split *out, sk_error *err)
{
    sk_status status = split_alloc(out, train->rows + plan->add, columns_of(train), err);
    if (status != SK_OK)
        return status;
    for (size_t i = 0; i < train->rows; i++)
        copy_row(train, i, out, i);
    for (size_t a = 0; a < plan->add; a++) {
        size_t pick = gsl_rng_uniform_int(rng, plan->minority_count);
        copy_row(train, plan->minority[pick], out, train->rows + a);
    }
    return SK_OK;
}

static sk_status under_sample(const sk_split *train, const resample_plan *plan,
                              gsl_rng *rng, sk_split *out, sk_error *err)
{
    size_t *chosen = sk_calloc(plan->keep, sizeof(size_t));
    unsigned char *keep_row = sk_calloc(train->rows, 1);
    if (chosen == NULL || keep_row == NULL) {
        free(chosen);
        free(keep_row);
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory while under-sampling %zu rows",
                            train->rows);
    }

    /* gsl_ran_choose() returns the chosen majority rows in their input order. */
    if (plan->keep > 0) {
        gsl_ran_choose(rng, chosen, plan->keep, plan->majority, plan->majority_count,
                       sizeof(size_t));
    }
    for (size_t i = 0; i < plan->keep; i++)
        keep_row[chosen[i]] = 1;
    for (size_t i = 0; i < plan->minority_count; i++)
        keep_row[plan->minority[i]] = 1;

    sk_status status = split_alloc(out, plan->minority_count + plan->keep,
                                   columns_of(train), err);
    if (status == SK_OK) {
        size_t to = 0;
        for (size_t i = 0; i < train->rows; i++) {
            if (keep_row[i])
                copy_row(train, i, out, to++);
        }
    }
    free(chosen);
    free(keep_row);
    return status;
}

/* ---- SMOTE ---------------------------------------------------------------- */

/* Raw row pointers, because this loop runs m^2 d times. */
static double squared_distance(const gsl_matrix *x, size_t a, size_t b)
{
    const double *row_a = x->data + a * x->tda;
    const double *row_b = x->data + b * x->tda;
    double sum = 0.0;
    for (size_t f = 0; f < x->size2; f++) {
        double d = row_a[f] - row_b[f];
        sum += d * d;
    }
    return sum;
}

static sk_status check_finite_rows(const sk_split *train, const resample_plan *plan,
                                   sk_error *err)
{
    for (size_t i = 0; i < plan->minority_count; i++) {
        size_t row = plan->minority[i];
        for (size_t f = 0; f < train->x->size2; f++) {
            if (!isfinite(gsl_matrix_get(train->x, row, f))) {
                return sk_error_set(err, SK_ERR_INPUT,
                                    "SMOTE needs finite features, but training row %zu has "
                                    "%g in feature %zu. Impute or drop the value, or use "
                                    "--resample over.",
                                    row + 1, gsl_matrix_get(train->x, row, f), f + 1);
            }
        }
    }
    return SK_OK;
}

/*
 * Fills neighbours [m][k] with, for each minority row i, the positions in
 * plan->minority of its k nearest other minority rows, nearest first.
 * Brute force: m distance scans of m rows, O(m^2 d).
 * NOTE: this cannot be cancelled, and it grows fast.  One timing run (gcc
 * -O2, a 2-core AMD EPYC virtual machine) took 0.4 s for 5000 minority rows
 * of 20 features, 4.6 s for 20000 rows and 29 s for 20000 rows of 100
 * features.  Larger minority classes need a tree or a BLAS distance kernel.
 */
static sk_status nearest_neighbours(const sk_split *train, const resample_plan *plan,
                                    size_t k, size_t *neighbours, sk_error *err)
{
    size_t m = plan->minority_count;
    double *distance = sk_calloc(m, sizeof(double));
    if (distance == NULL)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory for SMOTE's %zu distances", m);

    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < m; j++)
            distance[j] = squared_distance(train->x, plan->minority[i], plan->minority[j]);
        /* A row is not its own neighbour. */
        distance[i] = INFINITY;
        gsl_sort_smallest_index(neighbours + i * k, k, distance, 1, m);
    }
    free(distance);
    return SK_OK;
}

static sk_status smote(const sk_split *train, const resample_plan *plan, size_t k,
                       gsl_rng *rng, sk_split *out, sk_error *err)
{
    size_t m = plan->minority_count;
    size_t columns = columns_of(train);
    sk_status status = check_finite_rows(train, plan, err);
    if (status != SK_OK)
        return status;

    size_t *neighbours = sk_calloc(m, k * sizeof(size_t));
    if (neighbours == NULL) {
        return sk_error_set(err, SK_ERR_NOMEM,
                            "out of memory for SMOTE's neighbour table (%zu rows x %zu)", m, k);
    }
    status = nearest_neighbours(train, plan, k, neighbours, err);
    if (status == SK_OK)
        status = split_alloc(out, train->rows + plan->add, columns, err);
    if (status != SK_OK) {
        free(neighbours);
        return status;
    }

    for (size_t i = 0; i < train->rows; i++)
        copy_row(train, i, out, i);
    for (size_t a = 0; a < plan->add; a++) {
        size_t seed = gsl_rng_uniform_int(rng, m);
        size_t nn = neighbours[seed * k + gsl_rng_uniform_int(rng, k)];
        double gap = gsl_rng_uniform(rng);
        size_t row_i = plan->minority[seed];
        size_t row_nn = plan->minority[nn];
        size_t to = train->rows + a;
        for (size_t f = 0; f < columns; f++) {
            double xi = gsl_matrix_get(train->x, row_i, f);
            double xnn = gsl_matrix_get(train->x, row_nn, f);
            gsl_matrix_set(out->x, to, f, xi + gap * (xnn - xi));
        }
        out->y[to] = plan->minority_label;
        out->source_row[to] = SK_RESAMPLE_SYNTHETIC_ROW;
    }
    free(neighbours);
    return SK_OK;
}

/* ---- entry point ------------------------------------------------------------ */

sk_status sk_resample_split(const sk_split *train, size_t steps, sk_resample_kind kind,
                            const sk_resample_options *options, sk_split *out,
                            sk_error *err)
{
    sk_resample_options defaults = sk_resample_defaults();
    if (options == NULL)
        options = &defaults;
    memset(out, 0, sizeof *out);

    if ((unsigned)kind >= SK_RESAMPLE_COUNT)
        return sk_error_set(err, SK_ERR_INPUT, "unknown resampling method %d", (int)kind);
    if (train->rows > 0 && (train->y == NULL || train->x == NULL)) {
        return sk_error_set(err, SK_ERR_INTERNAL,
                            "training split of %zu rows without features or labels",
                            train->rows);
    }
    if (kind == SK_RESAMPLE_NONE) {
        sk_status status = copy_split(train, out, err);
        if (status == SK_OK)
            count_positives(out);
        return status;
    }
    if (train->rows == 0) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "cannot resample an empty training split; it needs rows of "
                            "both classes.");
    }

    resample_plan plan = {0};
    gsl_rng *rng = NULL;
    sk_status status = plan_classes(train, &plan, err);
    if (status == SK_OK)
        status = plan_counts(kind, options, steps, &plan, err);
    if (status == SK_OK) {
        rng = gsl_rng_alloc(gsl_rng_mt19937);
        if (rng == NULL)
            status = sk_error_set(err, SK_ERR_NOMEM, "out of memory for the resampling RNG");
        else
            gsl_rng_set(rng, options->seed);
    }
    if (status == SK_OK) {
        if (kind == SK_RESAMPLE_OVER)
            status = over_sample(train, &plan, rng, out, err);
        else if (kind == SK_RESAMPLE_UNDER)
            status = under_sample(train, &plan, rng, out, err);
        else
            status = smote(train, &plan, options->neighbours, rng, out, err);
    }

    if (status == SK_OK)
        count_positives(out);
    else
        sk_resample_split_free(out);
    if (rng != NULL)
        gsl_rng_free(rng);
    plan_free(&plan);
    return status;
}
