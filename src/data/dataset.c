/*
 * dataset.c - turns a table of strings into encoded train and validation
 * matrices.
 *
 * The steps run in this order, and each uses only what the previous ones
 * decided:
 *   1. labels: the distinct non-missing texts of the target column pick the
 *      positive class, and rows with a missing label are dropped.
 *   2. split: per class, a seeded shuffle sends round(val_fraction * count)
 *      rows to validation.  Both splits keep file order (source_row rises).
 *   3. columns: each other column becomes numeric (every non-missing cell
 *      is a number) or text, and gets its encoding from the training rows
 *      alone, so nothing about the validation rows leaks into training.
 *   4. matrices: both splits are encoded with those plans.
 *
 * Every decision the user did not ask for (a dropped column, imputed
 * values, merged classes) leaves one notice sentence in the dataset.
 * Steps 1, 3 and 4 use the helpers of encode.c, which windows.c shares.
 */
#include "skewtop/data.h"

#include "data_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

/* row_class of a row whose label is missing. */
enum { LABEL_MISSING = 2 };

/* Words and rules of the shared encoding steps (encode.c) for rows. */
static const skd_variant ROW_VARIANT = {
    .nomem = "Out of memory while preparing the data.",
    .label_unit = "row",
    .all_missing = "every value is missing",
    .no_training_value = "it has no value in the training split",
    .wide_scope = "",
    .wide_rows = SKD_USE_TRAIN | SKD_USE_VAL,
    .other_columns = "",
    .step_names = false,
};

static sk_status out_of_memory(sk_error *err)
{
    return skd_out_of_memory(&ROW_VARIANT, err);
}

/* ---- step 1: labels ----------------------------------------------------- */

/* Picks the positive class from the sorted labels and sets the dataset's
 * label names.  Fails when the labels cannot make a binary problem. */
static sk_status choose_positive(const char **labels, size_t count,
                                 const skd_text_map *counter,
                                 const sk_prepare_options *options,
                                 sk_dataset *dataset, sk_error *err)
{
    char listed[SK_ERROR_MAX / 2];
    skd_list_labels(labels, count, counter, ROW_VARIANT.label_unit, listed, sizeof listed);
    const char *target = dataset->target_name;

    if (count == 1) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "Column '%s' holds one class only: %s. The file needs rows "
                            "of two classes; check that --target names the label column.",
                            target, listed);
    }

    const char *positive = NULL;
    if (options->positive != NULL) {
        positive = skd_match_positive(labels, count, options->positive);
        if (positive == NULL) {
            return sk_error_set(err, SK_ERR_INPUT,
                                "The positive class '%s' is not a label of column '%s'. "
                                "The labels are: %s. Give one of them with --positive.",
                                options->positive, target, listed);
        }
    }
    return skd_set_classes(dataset, &ROW_VARIANT, labels, count, counter, positive, listed,
                           err);
}

/* Reads the target column, picks the positive class and writes, per table
 * row, 1 (positive), 0 (negative) or LABEL_MISSING (missing label) into
 * row_class. */
static sk_status choose_labels(const sk_table *table, size_t target,
                               const sk_prepare_options *options,
                               sk_dataset *dataset, unsigned char *row_class,
                               sk_error *err)
{
    size_t rows = sk_table_rows(table);
    skd_text_map counter = { 0 };
    const char **labels = NULL;
    sk_status status = SK_OK;

    size_t missing = 0;
    for (size_t r = 0; r < rows; r++) {
        const char *cell = sk_table_cell(table, r, target);
        size_t id;
        if (cell == NULL)
            missing++;
        else if (skd_map_add(&counter, cell, &id) != 0) {
            status = out_of_memory(err);
            goto done;
        }
    }
    if (counter.count == 0) {
        status = sk_error_set(err, SK_ERR_INPUT,
                              "Column '%s' has no labels: all %zu rows hold a missing value "
                              "(empty, NA, ? or NaN). Check that --target names the label column.",
                              dataset->target_name, rows);
        goto done;
    }

    labels = skd_map_sorted_texts(&counter);
    if (labels == NULL) {
        status = out_of_memory(err);
        goto done;
    }
    status = choose_positive(labels, counter.count, &counter, options, dataset, err);
    if (status != SK_OK)
        goto done;

    for (size_t r = 0; r < rows; r++) {
        const char *cell = sk_table_cell(table, r, target);
        if (cell == NULL)
            row_class[r] = LABEL_MISSING;
        else
            row_class[r] = strcmp(cell, dataset->positive_label) == 0;
    }
    dataset->rows_dropped = missing;
    if (missing > 0) {
        status = skd_add_notice(dataset, &ROW_VARIANT, err,
                                "%zu row%s with a missing label in column '%s' %s dropped.",
                                missing, missing == 1 ? "" : "s", dataset->target_name,
                                missing == 1 ? "was" : "were");
    }

done:
    free(labels);
    skd_map_free(&counter);
    return status;
}

/* ---- step 2: split ------------------------------------------------------ */

/* Checks that a class of count rows, of which val go to validation, leaves
 * at least one row in each split. */
static sk_status check_class_split(const char *label, size_t count, size_t val,
                                   double fraction, sk_error *err)
{
    if (val == 0) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "Class '%s' has %zu row%s, so a validation fraction of %g puts "
                            "none of them in the validation split. Add rows of this class "
                            "or raise --val-fraction.",
                            label, count, count == 1 ? "" : "s", fraction);
    }
    if (val == count) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "Class '%s' has %zu row%s, so a validation fraction of %g puts "
                            "all of them in the validation split and none in training. Add "
                            "rows of this class or lower --val-fraction.",
                            label, count, count == 1 ? "" : "s", fraction);
    }
    return SK_OK;
}

static sk_status split_alloc(sk_split *split, size_t rows, sk_error *err)
{
    split->rows = rows;
    split->y = sk_calloc(rows, sizeof *split->y);
    split->source_row = sk_calloc(rows, sizeof *split->source_row);
    if (split->y == NULL || split->source_row == NULL)
        return out_of_memory(err);
    return SK_OK;
}

/* Shuffles the rows of each class with a seeded Mersenne Twister and marks
 * the first round(fraction * count) of each as validation: row_use[r]
 * becomes SKD_USE_TRAIN or SKD_USE_VAL for every labelled row. */
static sk_status mark_validation_rows(const unsigned char *row_class, size_t rows,
                                      const sk_prepare_options *options,
                                      const sk_dataset *dataset,
                                      unsigned char *row_use, sk_error *err)
{
    size_t *members = sk_calloc(rows, sizeof *members);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    sk_status status = SK_OK;
    if (members == NULL || rng == NULL) {
        status = out_of_memory(err);
        goto done;
    }
    gsl_rng_set(rng, options->seed);

    /* The negative class is shuffled first; the order is part of what a
     * seed reproduces. */
    for (unsigned char cls = 0; cls <= 1; cls++) {
        size_t count = 0;
        for (size_t r = 0; r < rows; r++) {
            if (row_class[r] == cls)
                members[count++] = r;
        }
        size_t val = (size_t)floor(options->val_fraction * (double)count + 0.5);
        const char *label = cls == 1 ? dataset->positive_label : dataset->negative_label;
        status = check_class_split(label, count, val, options->val_fraction, err);
        if (status != SK_OK)
            goto done;

        gsl_ran_shuffle(rng, members, count, sizeof *members);
        for (size_t i = 0; i < count; i++)
            row_use[members[i]] = i < val ? SKD_USE_VAL : SKD_USE_TRAIN;
    }

done:
    gsl_rng_free(rng);
    free(members);
    return status;
}

/* Splits the labelled rows into dataset->train and dataset->val, each in
 * file order.  row_use receives SKD_USE_TRAIN, SKD_USE_VAL or 0 (a row with
 * a missing label) per table row. */
static sk_status split_rows(const unsigned char *row_class, size_t rows,
                            const sk_prepare_options *options, sk_dataset *dataset,
                            unsigned char *row_use, sk_error *err)
{
    for (size_t r = 0; r < rows; r++)
        row_use[r] = 0;
    sk_status status = mark_validation_rows(row_class, rows, options, dataset,
                                            row_use, err);
    if (status != SK_OK)
        return status;

    size_t train_rows = 0, val_rows = 0;
    for (size_t r = 0; r < rows; r++) {
        train_rows += row_use[r] == SKD_USE_TRAIN;
        val_rows += row_use[r] == SKD_USE_VAL;
    }
    status = split_alloc(&dataset->train, train_rows, err);
    if (status == SK_OK)
        status = split_alloc(&dataset->val, val_rows, err);
    if (status != SK_OK)
        return status;

    dataset->train.rows = 0;
    dataset->val.rows = 0;
    for (size_t r = 0; r < rows; r++) {
        if (row_use[r] == 0)
            continue;
        sk_split *split = row_use[r] == SKD_USE_VAL ? &dataset->val : &dataset->train;
        split->source_row[split->rows] = r;
        split->y[split->rows] = row_class[r];
        split->positives += row_class[r];
        split->rows++;
    }
    return SK_OK;
}

/* ---- step 3: column plans ----------------------------------------------- */

/* Plans every column but the target, then names the features.  row_use
 * marks the training and validation rows; *plans_out receives the plans
 * (free them with skd_free_plans()) even on failure. */
static sk_status plan_columns(const sk_table *table, size_t target,
                              const unsigned char *row_use, size_t max_categories,
                              skd_column_plan **plans_out, size_t *plan_count,
                              sk_dataset *dataset, sk_error *err)
{
    size_t columns = sk_table_columns(table);
    skd_column_plan *plans = sk_calloc(columns, sizeof *plans);
    *plans_out = plans;
    *plan_count = 0;
    if (plans == NULL)
        return out_of_memory(err);

    const skd_encoder encoder = {
        .table = table,
        .dataset = dataset,
        .variant = &ROW_VARIANT,
        .row_use = row_use,
        .max_categories = max_categories,
        .gaps_missing = false,
    };
    for (size_t c = 0; c < columns; c++) {
        if (c == target)
            continue;
        skd_column_plan *plan = &plans[(*plan_count)++];
        plan->column = c;
        sk_status status = skd_plan_column(&encoder, plan, err);
        if (status != SK_OK)
            return status;
    }

    sk_status status = skd_notice_missing(&encoder, plans, *plan_count, err);
    if (status == SK_OK) {
        size_t features = skd_assign_features(plans, *plan_count);
        status = skd_name_features(&encoder, plans, *plan_count, 1, features, err);
    }
    if (status != SK_OK)
        return status;
    return skd_check_features_left(&encoder, target, plans, *plan_count, err);
}

/* ---- step 4: matrices --------------------------------------------------- */

static sk_status encode_split(const sk_table *table, const skd_column_plan *plans,
                              size_t plan_count, size_t features, sk_split *split,
                              sk_error *err)
{
    if (split->rows == 0)
        return SK_OK;
    split->x = gsl_matrix_calloc(split->rows, features);
    if (split->x == NULL)
        return out_of_memory(err);
    for (size_t i = 0; i < split->rows; i++)
        skd_encode_row(table, plans, plan_count, split->source_row[i],
                       gsl_matrix_ptr(split->x, i, 0));
    return SK_OK;
}

/* ---- entry points ------------------------------------------------------- */

static sk_status check_options(const sk_prepare_options *options, sk_error *err)
{
    if (options == NULL || options->target == NULL || options->target[0] == '\0') {
        return sk_error_set(err, SK_ERR_INPUT,
                            "No label column was given. Name it with --target COL "
                            "(a column name or a 1-based index).");
    }
    double fraction = options->val_fraction;
    if (!(fraction > 0.0 && fraction < 1.0)) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "Validation fraction %g is out of range. Give --val-fraction a "
                            "value between 0 and 1, such as 0.2.",
                            fraction);
    }
    return SK_OK;
}

sk_status sk_dataset_prepare(const sk_table *table,
                             const sk_prepare_options *options,
                             sk_dataset **out, sk_error *err)
{
    *out = NULL;
    sk_status status = check_options(options, err);
    if (status != SK_OK)
        return status;
    size_t target;
    status = sk_table_find_column(table, options->target, &target, err);
    if (status != SK_OK)
        return status;

    size_t rows = sk_table_rows(table);
    size_t max_categories = options->max_categories != 0 ? options->max_categories
                                                         : SK_DEFAULT_MAX_CATEGORIES;
    skd_column_plan *plans = NULL;
    size_t plan_count = 0;
    unsigned char *row_class = sk_calloc(rows, 1);
    unsigned char *row_use = sk_calloc(rows, 1);
    sk_dataset *dataset = calloc(1, sizeof *dataset);
    if (row_class == NULL || row_use == NULL || dataset == NULL) {
        status = out_of_memory(err);
        goto done;
    }
    dataset->rows_read = rows;
    dataset->steps = 1;
    dataset->target_name = sk_strdup(sk_table_column_name(table, target));
    if (dataset->target_name == NULL) {
        status = out_of_memory(err);
        goto done;
    }

    status = choose_labels(table, target, options, dataset, row_class, err);
    if (status == SK_OK)
        status = split_rows(row_class, rows, options, dataset, row_use, err);
    if (status == SK_OK)
        status = plan_columns(table, target, row_use, max_categories, &plans,
                              &plan_count, dataset, err);
    if (status == SK_OK)
        status = encode_split(table, plans, plan_count, dataset->features, &dataset->train, err);
    if (status == SK_OK)
        status = encode_split(table, plans, plan_count, dataset->features, &dataset->val, err);
    if (status == SK_OK) {
        *out = dataset;
        dataset = NULL;
    }

done:
    skd_free_plans(plans, plan_count);
    free(row_use);
    free(row_class);
    sk_dataset_free(dataset);
    return status;
}

static void split_free(sk_split *split)
{
    if (split->x != NULL)
        gsl_matrix_free(split->x);
    free(split->y);
    free(split->source_row);
}

void sk_dataset_free(sk_dataset *dataset)
{
    if (dataset == NULL)
        return;
    split_free(&dataset->train);
    split_free(&dataset->val);
    if (dataset->feature_names != NULL) {
        for (size_t i = 0; i < dataset->features; i++)
            free(dataset->feature_names[i]);
    }
    free(dataset->feature_names);
    free(dataset->target_name);
    free(dataset->positive_label);
    free(dataset->negative_label);
    for (size_t i = 0; i < dataset->notice_count; i++)
        free(dataset->notices[i]);
    free(dataset->notices);
    free(dataset);
}
